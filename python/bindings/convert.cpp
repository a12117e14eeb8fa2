// Python <-> core type conversions.
#include "convert.h"

#include "rnnscope/core/error.h"

namespace py = pybind11;

namespace rnnscope::python {

Json to_json(const py::handle& value, const std::string& where) {
  if (value.is_none()) return Json();
  if (py::isinstance<py::bool_>(value)) return Json(value.cast<bool>());
  if (py::isinstance<py::int_>(value)) return Json(value.cast<int64_t>());
  if (py::isinstance<py::float_>(value)) return Json(value.cast<double>());
  if (py::isinstance<py::str>(value)) return Json(value.cast<std::string>());
  if (py::isinstance<py::dict>(value)) {
    Json out = Json::object();
    for (const auto& item : value.cast<py::dict>()) {
      require(py::isinstance<py::str>(item.first), where + ": keys must be strings");
      const auto key = item.first.cast<std::string>();
      out[key] = to_json(item.second, where + "." + key);
    }
    return out;
  }
  if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
    Json out = Json::array();
    for (const auto& item : value) out.push_back(to_json(item, where));
    return out;
  }
  // numpy scalars and 1-d arrays.
  if (py::hasattr(value, "tolist")) return to_json(value.attr("tolist")(), where);
  throw Error(where + ": unsupported value of type " +
              std::string(py::str(py::type::handle_of(value).attr("__name__"))));
}

py::object from_json(const Json& value) {
  if (value.is_null()) return py::none();
  if (value.is_boolean()) return py::bool_(value.get<bool>());
  if (value.is_number_integer()) return py::int_(value.get<int64_t>());
  if (value.is_number()) return py::float_(value.get<double>());
  if (value.is_string()) return py::str(value.get<std::string>());
  if (value.is_array()) {
    py::list out;
    for (const auto& item : value) out.append(from_json(item));
    return std::move(out);
  }
  py::dict out;
  for (const auto& [k, v] : value.items()) out[py::str(k)] = from_json(v);
  return std::move(out);
}

h5::Array to_array(const DoubleArray& a) {
  return {std::vector<int64_t>(a.shape(), a.shape() + a.ndim()), std::vector<double>(a.data(), a.data() + a.size())};
}

DoubleArray to_numpy(const h5::Array& a) {
  DoubleArray out(std::vector<py::ssize_t>(a.shape.begin(), a.shape.end()));
  std::copy(a.data.begin(), a.data.end(), out.mutable_data());
  return out;
}

std::function<bool()> keyboard_interrupt_check() {
  return [] {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() == 0) return false;
    PyErr_Clear();
    return true;
  };
}

std::shared_ptr<py::object> shared_object(const py::object& object) {
  return std::shared_ptr<py::object>(new py::object(object), [](py::object* held) {
    py::gil_scoped_acquire gil;
    delete held;
  });
}

py::dict record_to_dict(const requests::Record& record) {
  py::dict out;
  for (const auto& array : record.arrays) {
    // Walk (creating) the nested dicts of "a/b/c" down to the parent of "c".
    py::dict parent = out;
    std::string rest = array.name;
    for (auto slash = rest.find('/'); slash != std::string::npos; slash = rest.find('/')) {
      const py::str key(rest.substr(0, slash));
      if (!parent.contains(key)) parent[key] = py::dict();
      parent = parent[key].cast<py::dict>();
      rest = rest.substr(slash + 1);
    }
    parent[py::str(rest)] = std::visit(
        [&](const auto& values) -> py::object {
          // Texts as a numpy array of str, as h5py's `.asstr()[:]` gives them from the file.
          if constexpr (std::is_same_v<std::decay_t<decltype(values)>, std::vector<std::string>>) {
            py::list texts;
            for (const auto& text : values) texts.append(py::str(text));
            return py::module_::import("numpy").attr("array")(texts);
          } else {
            return to_numpy(values, array.shape);
          }
        },
        array.data);
  }
  for (const auto& [key, value] : record.attributes.items()) out[py::str(key)] = from_json(value);
  return out;
}

}  // namespace rnnscope::python
