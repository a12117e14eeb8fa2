// One bind_<area> per file in python/bindings; module.cpp calls them all. Bindings only
// convert between numpy/Python objects and the C++ API: no logic lives here.
#pragma once

#include <pybind11/pybind11.h>

namespace rnnscope::python {

void bind_tasks(pybind11::module_& m);
void bind_train(pybind11::module_& m);
void bind_topo(pybind11::module_& m);
void bind_engine(pybind11::module_& m);
void bind_sweep(pybind11::module_& m);
void bind_ltr(pybind11::module_& m);
void bind_decomp(pybind11::module_& m);
void bind_learning(pybind11::module_& m);
void bind_experiment(pybind11::module_& m);
void bind_nback(pybind11::module_& m);
void bind_geometry(pybind11::module_& m);

}  // namespace rnnscope::python
