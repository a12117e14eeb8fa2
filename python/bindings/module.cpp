// The `rnnscope._core` extension module: one error translator, then each area's bindings.
#include "bindings.h"

#include "rnnscope/core/error.h"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = "rnnscope's C++ core; use the `rnnscope` package, which wraps it.";
  m.attr("__version__") = RNNSCOPE_VERSION;
  // rnnscope::Error -> ValueError (FileNotFoundError for missing files, MemoryError for a
  // computation refused by its memory estimate), in one place.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const rnnscope::Error& e) {
      if (e.kind() == rnnscope::Error::Kind::file_not_found) {
        PyErr_SetString(PyExc_FileNotFoundError, e.what());
      } else if (e.kind() == rnnscope::Error::Kind::memory_limit) {
        PyErr_SetString(PyExc_MemoryError, e.what());
      } else {
        PyErr_SetString(PyExc_ValueError, e.what());
      }
    }
  });
  rnnscope::python::bind_tasks(m);
  rnnscope::python::bind_train(m);
  rnnscope::python::bind_topo(m);
  rnnscope::python::bind_engine(m);
  rnnscope::python::bind_sweep(m);
  rnnscope::python::bind_ltr(m);
  rnnscope::python::bind_decomp(m);
  rnnscope::python::bind_learning(m);
  rnnscope::python::bind_experiment(m);
  rnnscope::python::bind_nback(m);
  rnnscope::python::bind_geometry(m);
}
