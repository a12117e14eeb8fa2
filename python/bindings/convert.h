// Conversions between Python objects and the core's types (JSON-like trees, numpy arrays).
#pragma once

#include "rnnscope/core/hdf5_io.h"
#include "rnnscope/core/params.h"
#include "rnnscope/requests/record.h"
#include "rnnscope/tasks/task.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace rnnscope::python {

// dict/list/str/bool/int/float (and numpy scalars) -> Json. Other types raise ValueError.
Json to_json(const pybind11::handle& value, const std::string& where);
pybind11::object from_json(const Json& value);

// Copies `data` into a new numpy array of the given shape.
template <class T>
pybind11::array_t<T> to_numpy(const std::vector<T>& data, const std::vector<int64_t>& shape) {
  std::vector<pybind11::ssize_t> dims(shape.begin(), shape.end());
  pybind11::array_t<T> out(dims);
  std::copy(data.begin(), data.end(), out.mutable_data());
  return out;
}

using DoubleArray = pybind11::array_t<double, pybind11::array::c_style | pybind11::array::forcecast>;

// numpy (any real dtype, converted to float64) <-> the core's dense double array.
h5::Array to_array(const DoubleArray& a);
DoubleArray to_numpy(const h5::Array& a);

// A request's record as the Python door gives it: arrays named "a/b" become d["a"]["b"],
// attributes are top-level keys (requests/record.h).
pybind11::dict record_to_dict(const requests::Record& record);

// A Python object that C++ may copy and drop with the GIL released: copies share one
// reference, and the last one lets it go under the GIL. For the callbacks handed to requests
// that run without the GIL (a request copies its callbacks into hooks and workers; copying a
// py::object there would change a reference count without the GIL: found by the module's
// debug checks under make test-sanitize).
std::shared_ptr<pybind11::object> shared_object(const pybind11::object& object);

// A request's stop flag for long work started from Python: true once Ctrl-C
// (KeyboardInterrupt) arrived, which is then cleared so the call returns its partial result.
// Call it from the thread that called into the module (Python sees signals only there).
std::function<bool()> keyboard_interrupt_check();

// A batch as a dict of numpy arrays, time-major like the models ([T, B, ...]).
pybind11::dict batch_to_dict(const tasks::Batch& batch, const tasks::TaskInfo& info);

}  // namespace rnnscope::python
