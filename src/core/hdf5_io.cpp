// HDF5 through the C API: atomic writes (temporary file + rename) and numeric reads.
#include "rnnscope/core/hdf5_io.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/memory.h"

#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace rnnscope::h5 {
namespace {

// HDF5 prints its own error stack to stderr by default; we report errors ourselves.
void silence_hdf5_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

// Closes an HDF5 identifier with the right close function when it goes out of scope.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle(hid_t id, Closer close) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(other.id_), close_(other.close_) { other.id_ = -1; }
  Handle& operator=(Handle&&) = delete;
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
  Closer close_;
};

void check(herr_t status, const std::string& what) {
  if (status < 0) throw Error("HDF5 error: " + what);
}

// Why the last HDF5 call failed, from its error stack: the system's reason ("No space left on
// device") where the file driver recorded one, else HDF5's innermost description.
std::string hdf5_failure_reason() {
  std::string innermost;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD,
           [](unsigned, const H5E_error2_t* e, void* out) -> herr_t {
             if (e->desc) *static_cast<std::string*>(out) = e->desc;
             return 0;
           },
           &innermost);
  const std::string marker = "error message = '";
  const size_t at = innermost.find(marker);
  if (at != std::string::npos) {
    const size_t from = at + marker.size();
    return innermost.substr(from, innermost.find('\'', from) - from);
  }
  return innermost.empty() ? "disk full or directory not writable?" : innermost;
}

// Object creation properties without modification times: HDF5 stamps every dataset and
// group with the time it was written by default, so two runs with the same seed would give
// files that differ in those bytes alone. Without them the same results give the same file.
Handle untimed_creation(hid_t property_class) {
  Handle plist(H5Pcreate(property_class), H5Pclose);
  H5Pset_obj_track_times(plist.get(), false);
  return plist;
}

// Creates every missing group on the way to `name` ("/a/b/c" creates /a and /a/b).
void create_parents(hid_t file, const std::string& name) {
  size_t pos = 0;
  while ((pos = name.find('/', pos + 1)) != std::string::npos) {
    const std::string group = name.substr(0, pos);
    if (group.empty() || group == "/") continue;
    if (H5Lexists(file, group.c_str(), H5P_DEFAULT) > 0) continue;
    const auto gcpl = untimed_creation(H5P_GROUP_CREATE);
    Handle g(H5Gcreate2(file, group.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose);
    if (!g.valid()) throw Error("HDF5 error: cannot create group " + group);
  }
}

std::string absolute(const std::string& name) { return name.empty() || name[0] != '/' ? "/" + name : name; }

Handle open_for_read(const std::string& path) {
  silence_hdf5_errors();
  if (!std::filesystem::exists(path)) {
    throw Error("file not found: " + path, Error::Kind::file_not_found);
  }
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    throw Error(path + " is not an HDF5 file (or it is truncated)");
  }
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) throw Error("cannot open HDF5 file " + path + " (truncated or corrupt?)");
  return file;
}

bool link_exists(hid_t file, const std::string& name) {
  // H5Lexists needs every intermediate link to exist, so walk the path.
  size_t pos = 0;
  do {
    pos = name.find('/', pos + 1);
    const std::string prefix = name.substr(0, pos);
    if (prefix.empty() || prefix == "/") continue;
    if (H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
  } while (pos != std::string::npos);
  return true;
}

}  // namespace

int64_t Array::size() const {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

struct Writer::Impl {
  std::string path;
  std::string temp_path;
  hid_t file = -1;
  bool committed = false;

  // A write that fails (a full disk, a directory that became read-only) names the file the
  // user asked for, not HDF5's call; the destructor then removes the temporary file.
  [[noreturn]] void fail_write(const std::string& what) const {
    throw Error("cannot write " + path + ": " + what + ": " + hdf5_failure_reason());
  }
  void check_write(herr_t status, const std::string& what) const {
    if (status < 0) fail_write(what);
  }

  void write_raw(const std::string& name, hid_t type, const void* data,
                 const std::vector<int64_t>& shape) {
    const auto full = absolute(name);
    create_parents(file, full);
    std::vector<hsize_t> dims(shape.begin(), shape.end());
    Handle space(dims.empty() ? H5Screate(H5S_SCALAR)
                              : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                 H5Sclose);
    const auto dcpl = untimed_creation(H5P_DATASET_CREATE);
    Handle set(H5Dcreate2(file, full.c_str(), type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
               H5Dclose);
    if (!set.valid()) fail_write("cannot create dataset " + full);
    bool empty = false;
    for (auto d : dims) empty = empty || d == 0;
    if (!empty) check_write(H5Dwrite(set.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "dataset " + full);
  }

  void write_attribute(const std::string& object, const std::string& key, hid_t type,
                       const void* data) {
    Handle obj(H5Oopen(file, absolute(object).c_str(), H5P_DEFAULT), H5Oclose);
    if (!obj.valid()) throw Error("HDF5 error: no object " + object + " for attribute " + key);
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    Handle attr(H5Acreate2(obj.get(), key.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                H5Aclose);
    if (!attr.valid()) fail_write("cannot create attribute " + key);
    check_write(H5Awrite(attr.get(), type, data), "attribute " + key);
  }
};

Writer::Writer(std::string path) : impl_(std::make_unique<Impl>()) {
  silence_hdf5_errors();
  impl_->path = std::move(path);
  impl_->temp_path = impl_->path + ".tmp." + std::to_string(::getpid());
  impl_->file = H5Fcreate(impl_->temp_path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (impl_->file < 0) {
    // Creating writes the superblock: on a full disk the file exists, empty, and ~Writer does
    // not run for a constructor that throws.
    const std::string reason = hdf5_failure_reason();
    std::remove(impl_->temp_path.c_str());
    throw Error("cannot write " + impl_->path + ": " + reason);
  }
}

Writer::~Writer() {
  if (impl_->file >= 0) H5Fclose(impl_->file);
  if (!impl_->committed) std::remove(impl_->temp_path.c_str());
}

void Writer::write(const std::string& name, const float* data, const std::vector<int64_t>& shape) {
  impl_->write_raw(name, H5T_NATIVE_FLOAT, data, shape);
}
void Writer::write(const std::string& name, const double* data, const std::vector<int64_t>& shape) {
  impl_->write_raw(name, H5T_NATIVE_DOUBLE, data, shape);
}
void Writer::write(const std::string& name, const int64_t* data, const std::vector<int64_t>& shape) {
  impl_->write_raw(name, H5T_NATIVE_INT64, data, shape);
}
void Writer::write(const std::string& name, const uint8_t* data, const std::vector<int64_t>& shape) {
  impl_->write_raw(name, H5T_NATIVE_UINT8, data, shape);
}
void Writer::write(const std::string& name, const std::vector<double>& values) {
  write(name, values.data(), {static_cast<int64_t>(values.size())});
}
void Writer::write(const std::string& name, const std::vector<int64_t>& values) {
  write(name, values.data(), {static_cast<int64_t>(values.size())});
}

namespace {

// Variable-length UTF-8: h5py reads these as str (fixed-length ones come back as bytes).
Handle utf8_string_type() {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  return type;
}

}  // namespace



void Writer::write(const std::string& name, const std::vector<std::string>& values) {
  const auto type = utf8_string_type();
  std::vector<const char*> texts;
  for (const auto& v : values) texts.push_back(v.c_str());
  impl_->write_raw(name, type.get(), texts.data(), {static_cast<int64_t>(values.size())});
}

void Writer::attribute(const std::string& object, const std::string& key, double value) {
  impl_->write_attribute(object, key, H5T_NATIVE_DOUBLE, &value);
}
void Writer::attribute(const std::string& object, const std::string& key, int64_t value) {
  impl_->write_attribute(object, key, H5T_NATIVE_INT64, &value);
}
void Writer::attribute(const std::string& object, const std::string& key, const std::string& value) {
  const auto type = utf8_string_type();
  const char* text = value.c_str();
  impl_->write_attribute(object, key, type.get(), &text);
}

void Writer::commit() {
  // Closing flushes HDF5's caches: most of a file's bytes are written here.
  const herr_t closed = H5Fclose(impl_->file);
  impl_->file = -1;
  impl_->check_write(closed, "closing it");
  std::error_code ec;
  std::filesystem::rename(impl_->temp_path, impl_->path, ec);
  if (ec) throw Error("cannot write " + impl_->path + ": " + ec.message());
  impl_->committed = true;
}

Array read_array(const std::string& path, const std::string& dataset) {
  auto file = open_for_read(path);
  const auto full = absolute(dataset);
  if (!link_exists(file.get(), full)) throw Error(path + " has no dataset " + full);
  Handle set(H5Dopen2(file.get(), full.c_str(), H5P_DEFAULT), H5Dclose);
  if (!set.valid()) throw Error(path + ":" + full + " is not a dataset");
  Handle type(H5Dget_type(set.get()), H5Tclose);
  const auto cls = H5Tget_class(type.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
    throw Error(path + ":" + full + " is not numeric (expected integers or floats)");
  }
  Handle space(H5Dget_space(set.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<size_t>(std::max(rank, 0)));
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  // The shape is what the file claims; a damaged one can claim 10^14 values in a few bytes
  // (found by tests/fuzz: std::bad_alloc). Counted in double (no overflow), checked first
  // against what the file stores — all of it, unless compressed — then against memory.
  double values = 1;
  for (auto d : dims) values *= double(d);
  const double claimed_bytes = values * double(H5Tget_size(type.get()));
  Handle dcpl(H5Dget_create_plist(set.get()), H5Pclose);
  const bool compressed = dcpl.valid() && H5Pget_nfilters(dcpl.get()) > 0;
  if (!compressed && double(H5Dget_storage_size(set.get())) < claimed_bytes) {
    throw Error(path + ":" + full + " claims " + std::to_string(int64_t(std::min(values, 9e18))) +
                " values but the file stores fewer (truncated, damaged, or never written)");
  }
  require_memory(values * sizeof(double), path + ":" + full, "its values as float64", MemoryBudget{});
  Array out;
  out.shape.assign(dims.begin(), dims.end());
  out.data.resize(static_cast<size_t>(values));
  if (!out.data.empty()) {
    check(H5Dread(set.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data.data()),
          "read " + path + ":" + full + " (truncated file?)");
  }
  return out;
}

bool has_dataset(const std::string& path, const std::string& dataset) {
  auto file = open_for_read(path);
  return link_exists(file.get(), absolute(dataset));
}

namespace {

Handle open_attribute(hid_t file, const std::string& path, const std::string& object,
                      const std::string& key) {
  const auto full = absolute(object);
  if (full != "/" && !link_exists(file, full)) throw Error(path + " has no object " + full);
  if (H5Aexists_by_name(file, full.c_str(), key.c_str(), H5P_DEFAULT) <= 0) {
    throw Error(path + ":" + full + " has no attribute '" + key + "'");
  }
  return Handle(H5Aopen_by_name(file, full.c_str(), key.c_str(), H5P_DEFAULT, H5P_DEFAULT),
                H5Aclose);
}

}  // namespace

std::string read_string_attribute(const std::string& path, const std::string& object,
                                  const std::string& key) {
  auto file = open_for_read(path);
  auto attr = open_attribute(file.get(), path, object, key);
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING) throw Error(path + ": attribute " + key + " is not a string");
  if (H5Tis_variable_str(type.get()) > 0) {
    char* text = nullptr;
    // The file's own type as memory type: HDF5 does not convert between character sets.
    check(H5Aread(attr.get(), type.get(), &text), "read attribute " + key);
    std::string out = text ? text : "";
    H5free_memory(text);
    return out;
  }
  const size_t size = H5Tget_size(type.get());
  std::string out(size, '\0');
  check(H5Aread(attr.get(), type.get(), out.data()), "read attribute " + key);
  out.resize(out.find('\0') == std::string::npos ? size : out.find('\0'));
  return out;
}

double read_double_attribute(const std::string& path, const std::string& object,
                             const std::string& key) {
  auto file = open_for_read(path);
  auto attr = open_attribute(file.get(), path, object, key);
  double value = 0;
  check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value), "read attribute " + key);
  return value;
}

std::vector<std::string> list_group(const std::string& path, const std::string& group) {
  auto file = open_for_read(path);
  const auto full = absolute(group);
  if (full != "/" && !link_exists(file.get(), full)) throw Error(path + " has no group " + full);
  Handle g(H5Gopen2(file.get(), full.c_str(), H5P_DEFAULT), H5Gclose);
  if (!g.valid()) throw Error(path + ":" + full + " is not a group");
  H5G_info_t info;
  check(H5Gget_info(g.get(), &info), "list " + full);
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t len = H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    // Negative for a damaged link table (found by tests/fuzz: it was taken as a huge length).
    if (len < 0) throw Error(path + ":" + full + " cannot be listed (corrupt file?)");
    std::string name(static_cast<size_t>(len), '\0');
    H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size() + 1, H5P_DEFAULT);
    names.push_back(name);
  }
  return names;
}

bool is_group(const std::string& path, const std::string& name) {
  auto file = open_for_read(path);
  const auto full = absolute(name);
  if (full != "/" && !link_exists(file.get(), full)) return false;
  Handle obj(H5Oopen(file.get(), full.c_str(), H5P_DEFAULT), H5Oclose);
  return obj.valid() && H5Iget_type(obj.get()) == H5I_GROUP;
}

Json read_attributes(const std::string& path, const std::string& object) {
  auto file = open_for_read(path);
  const auto full = absolute(object);
  if (full != "/" && !link_exists(file.get(), full)) throw Error(path + " has no object " + full);
  Handle obj(H5Oopen(file.get(), full.c_str(), H5P_DEFAULT), H5Oclose);
  if (!obj.valid()) throw Error(path + ":" + full + " cannot be opened");
  // Attribute names first (H5Aiterate2 is the enumeration every HDF5 release since 1.8 has).
  std::vector<std::string> keys;
  hsize_t index = 0;
  check(H5Aiterate2(obj.get(), H5_INDEX_NAME, H5_ITER_INC, &index,
                    [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
                      static_cast<std::vector<std::string>*>(data)->push_back(name);
                      return 0;
                    },
                    &keys),
        "list attributes of " + full);
  Json out = Json::object();
  for (const auto& key : keys) {
    Handle attr(H5Aopen(obj.get(), key.c_str(), H5P_DEFAULT), H5Aclose);
    Handle type(H5Aget_type(attr.get()), H5Tclose);
    switch (H5Tget_class(type.get())) {
      case H5T_STRING: out[key] = read_string_attribute(path, full, key); break;
      case H5T_INTEGER: {
        int64_t value = 0;
        check(H5Aread(attr.get(), H5T_NATIVE_INT64, &value), "read attribute " + key);
        out[key] = value;
        break;
      }
      case H5T_FLOAT: {
        double value = 0;
        check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value), "read attribute " + key);
        out[key] = value;
        break;
      }
      default: break;  // compound and other attribute types are not ours
    }
  }
  return out;
}

}  // namespace rnnscope::h5
