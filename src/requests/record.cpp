// Records written as HDF5 (include/rnnscope/requests/record.h).
#include "rnnscope/requests/record.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/hdf5_io.h"

#include <type_traits>

namespace rnnscope::requests {

const RecordArray& Record::array(const std::string& name) const {
  for (const auto& a : arrays) {
    if (a.name == name) return a;
  }
  throw Error("the record has no array '" + name + "'");
}

void write_record(const std::string& path, const Record& record) {
  h5::Writer out(path);
  for (const auto& a : record.arrays) {
    std::visit(
        [&](const auto& values) {
          if constexpr (std::is_same_v<std::decay_t<decltype(values)>, std::vector<std::string>>) {
            require(a.shape.size() == 1, "the record's text array '" + a.name + "' is not 1-D");
            out.write("/" + a.name, values);
          } else {
            out.write("/" + a.name, values.data(), a.shape);
          }
        },
        a.data);
  }
  for (const auto& [key, value] : record.attributes.items()) {
    if (value.is_string()) {
      out.attribute("/", key, value.get<std::string>());
    } else if (value.is_boolean()) {
      out.attribute("/", key, int64_t(value.get<bool>()));
    } else if (value.is_number_integer()) {
      out.attribute("/", key, value.get<int64_t>());
    } else {
      out.attribute("/", key, value.get<double>());
    }
  }
  out.commit();
}

}  // namespace rnnscope::requests
