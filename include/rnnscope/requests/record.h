// A command's result as named arrays and attributes: the one layout that both doors give.
// The CLI writes it as an HDF5 file (datasets "/<name>", attributes on the root); the Python
// module returns it as a dict (names split at "/" into nested dicts, attributes as keys of
// the top level). One name per field, so a file and a dict never drift apart.
#pragma once

#include "rnnscope/core/params.h"

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace rnnscope::requests {

struct RecordArray {
  std::string name;              // "states", "conditions/coherence", "trial_0/forward_h1"
  std::vector<int64_t> shape;
  // Texts are 1-D (HDF5 UTF-8 strings; h5py: `.asstr()[:]`).
  std::variant<std::vector<float>, std::vector<double>, std::vector<int64_t>, std::vector<uint8_t>,
               std::vector<std::string>>
      data;
};

struct Record {
  std::vector<RecordArray> arrays;  // in file order
  Json attributes = Json::object(); // numbers (integers stay integers), booleans and strings

  template <class T>
  void add(std::string name, std::vector<int64_t> shape, std::vector<T> data) {
    arrays.push_back(RecordArray{std::move(name), std::move(shape), std::move(data)});
  }
  const RecordArray& array(const std::string& name) const;  // Error when absent
};

// Writes `record` atomically to the HDF5 file `path` (the caller has applied the output policy).
void write_record(const std::string& path, const Record& record);

}  // namespace rnnscope::requests
