// Conversions between Python objects and the core's types (JSON-like trees, numpy arrays).
#pragma once

#include "rnnscope/core/params.h"
#include "rnnscope/tasks/task.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
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


// A batch as a dict of numpy arrays, time-major like the models ([T, B, ...]).
pybind11::dict batch_to_dict(const tasks::Batch& batch, const std::vector<std::string>& period_names);

}  // namespace rnnscope::python
