// Minimal HDF5 reading and atomic writing (temporary file, then rename) for run outputs,
// model weights and analysis results. Files are plain datasets and attributes, readable
// by h5py and MATLAB.
#pragma once

#include "rnnscope/core/params.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rnnscope::h5 {

// A dense row-major array read from a file, converted to double.
struct Array {
  std::vector<int64_t> shape;
  std::vector<double> data;
  int64_t size() const;
};

// Writes an HDF5 file atomically: everything goes to "<path>.tmp.<pid>" and commit()
// renames it onto `path`. Without commit() (an exception, say) the temporary file is
// removed and `path` is untouched. Intermediate groups are created on demand.
class Writer {
 public:
  explicit Writer(std::string path);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void write(const std::string& name, const float* data, const std::vector<int64_t>& shape);
  void write(const std::string& name, const double* data, const std::vector<int64_t>& shape);
  void write(const std::string& name, const int64_t* data, const std::vector<int64_t>& shape);
  void write(const std::string& name, const uint8_t* data, const std::vector<int64_t>& shape);
  void write(const std::string& name, const std::vector<double>& values);  // 1-D
  void write(const std::string& name, const std::vector<int64_t>& values);  // 1-D
  void write(const std::string& name, const std::vector<std::string>& values);  // 1-D, UTF-8 (h5py: str)

  // Attributes on an object ("/" for the file root, or a dataset/group written before).
  void attribute(const std::string& object, const std::string& key, double value);
  void attribute(const std::string& object, const std::string& key, int64_t value);
  void attribute(const std::string& object, const std::string& key, const std::string& value);

  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads a numeric dataset; Error names the file and dataset when either is missing or
// the file is not HDF5.
Array read_array(const std::string& path, const std::string& dataset);
bool has_dataset(const std::string& path, const std::string& dataset);
std::string read_string_attribute(const std::string& path, const std::string& object,
                                  const std::string& key);
double read_double_attribute(const std::string& path, const std::string& object,
                             const std::string& key);
// Every numeric or string attribute of an object ("/" for the root), integers as integers.
Json read_attributes(const std::string& path, const std::string& object);

// Whether `name` exists and is a group.
bool is_group(const std::string& path, const std::string& name);

// Names of the direct members of a group.
std::vector<std::string> list_group(const std::string& path, const std::string& group);

}  // namespace rnnscope::h5
