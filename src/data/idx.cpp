// The IDX reader (include/rnnscope/data/idx.h): the header is read first and checked, then
// exactly the number of elements it announces, into memory grown as the bytes arrive (so a
// damaged header cannot make us allocate more than the file holds); a file with bytes left
// over is refused as well as a short one.
#include "rnnscope/data/idx.h"

#include "rnnscope/core/error.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>

namespace rnnscope::data {
namespace {

constexpr uint32_t kUnsignedByteType = 0x08;
// Larger dimensions than any image set we read; keeps count · rows · cols far from overflow.
constexpr uint32_t kMaxDimension = 1u << 24;
constexpr int64_t kMaxElements = int64_t{1} << 34;

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

// A gzip (or plain) file read through zlib, with errors that name the file.
class GzReader {
 public:
  explicit GzReader(const std::string& path) : path_(path) {
    if (!std::filesystem::exists(path)) throw Error(path + ": no such file", Error::Kind::file_not_found);
    file_.reset(gzopen(path.c_str(), "rb"));
    require(file_ != nullptr, path + ": cannot be opened for reading");
  }

  // Reads exactly n bytes; `what` names them in the error of a file that ends early.
  void read(uint8_t* out, int64_t n, const std::string& what) {
    while (n > 0) {
      const unsigned chunk = static_cast<unsigned>(std::min<int64_t>(n, 1 << 30));
      const int got = gzread(file_.get(), out, chunk);
      if (got < 0) throw_read_error(what);
      if (got == 0) throw Error(path_ + ": truncated: the file ends inside its " + what);
      out += got;
      n -= got;
    }
  }

  // Reads exactly n bytes into a vector grown as they arrive, never sized from a header alone:
  // a damaged header that announces gigabytes costs only what the file really holds.
  std::vector<uint8_t> read_vector(int64_t n, const std::string& what) {
    constexpr int64_t kChunk = int64_t{1} << 20;
    std::vector<uint8_t> out;
    int64_t have = 0;
    while (have < n) {
      const int64_t chunk = std::min(kChunk, n - have);
      if (static_cast<int64_t>(out.capacity()) < have + chunk) {
        out.reserve(static_cast<size_t>(std::min(n, std::max(2 * have, have + chunk))));
      }
      out.resize(static_cast<size_t>(have + chunk));
      read(out.data() + have, chunk, what);
      have += chunk;
    }
    return out;
  }

  uint32_t read_u32(const std::string& what) {
    uint8_t b[4];
    read(b, 4, what);
    return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
  }

  // After the announced elements: a longer file is an error, and so is a damaged gzip trailer
  // (its CRC is checked only when the stream's end is read).
  void expect_end(int64_t announced) {
    uint8_t extra;
    const int got = gzread(file_.get(), &extra, 1);
    if (got < 0) throw_read_error("end");
    require(got == 0, path_ + ": longer than its header says (" + std::to_string(announced) +
                          " elements announced, more bytes follow)");
  }

 private:
  // zlib reports a gzip stream cut short as Z_BUF_ERROR; anything else is damage.
  [[noreturn]] void throw_read_error(const std::string& what) {
    int code = 0;
    const char* message = gzerror(file_.get(), &code);
    const std::string detail = message ? message : "zlib error " + std::to_string(code);
    if (code == Z_BUF_ERROR) throw Error(path_ + ": truncated: the gzip stream ends inside its " + what + " (" + detail + ")");
    throw Error(path_ + ": not a readable gzip or IDX file (" + detail + ")");
  }

  std::string path_;
  std::unique_ptr<gzFile_s, GzCloser> file_;
};

// Reads and checks the header of an IDX file of unsigned bytes with `dims` dimensions, and
// returns the sizes.
std::vector<int64_t> read_header(GzReader& in, const std::string& path, uint32_t dims) {
  const uint32_t expected = (kUnsignedByteType << 8) | dims;
  const uint32_t magic = in.read_u32("header");
  if (magic != expected) {
    char text[64];
    std::snprintf(text, sizeof text, "0x%08X, expected 0x%08X", magic, expected);
    throw Error(path + ": wrong IDX magic number " + text + " (unsigned bytes, " + std::to_string(dims) +
                " dimension" + (dims == 1 ? "" : "s") + ")");
  }
  std::vector<int64_t> sizes;
  int64_t elements = 1;
  for (uint32_t d = 0; d < dims; ++d) {
    const uint32_t size = in.read_u32("header");
    require(size >= 1 && size <= kMaxDimension, path + ": dimension " + std::to_string(d) + " has size " +
                                                    std::to_string(size) + ", allowed 1.." +
                                                    std::to_string(kMaxDimension));
    // Checked before multiplying, so that three large dimensions cannot overflow the count.
    require(elements <= kMaxElements / size, path + ": the header announces more than the " +
                                                 std::to_string(kMaxElements) + " elements allowed");
    sizes.push_back(size);
    elements *= size;
  }
  return sizes;
}

}  // namespace

IdxImages read_idx_images(const std::string& path) {
  GzReader in(path);
  const auto sizes = read_header(in, path, 3);
  IdxImages out{sizes[0], sizes[1], sizes[2], {}};
  out.pixels = in.read_vector(out.count * out.rows * out.cols,
                              "pixels (" + std::to_string(out.count) + " images of " + std::to_string(out.rows) + " x " +
                                  std::to_string(out.cols) + " announced)");
  in.expect_end(static_cast<int64_t>(out.pixels.size()));
  return out;
}

std::vector<uint8_t> read_idx_labels(const std::string& path, int classes) {
  require(classes >= 1 && classes <= 256, "read_idx_labels: classes = " + std::to_string(classes) +
                                              ", allowed 1..256");
  GzReader in(path);
  const auto sizes = read_header(in, path, 1);
  std::vector<uint8_t> labels = in.read_vector(sizes[0], "labels (" + std::to_string(sizes[0]) + " announced)");
  in.expect_end(sizes[0]);
  for (size_t i = 0; i < labels.size(); ++i) {
    require(labels[i] < classes, path + ": label " + std::to_string(i) + " is " + std::to_string(labels[i]) +
                                     ", allowed 0.." + std::to_string(classes - 1));
  }
  return labels;
}

LabelledImages read_labelled_images(const std::string& images_path, const std::string& labels_path, int classes) {
  IdxImages images = read_idx_images(images_path);
  std::vector<uint8_t> labels = read_idx_labels(labels_path, classes);
  require(static_cast<int64_t>(labels.size()) == images.count,
          images_path + " holds " + std::to_string(images.count) + " images but " + labels_path + " holds " +
              std::to_string(labels.size()) + " labels; they must be the same count");
  return {images.count, images.rows, images.cols, std::move(images.pixels), std::move(labels), classes};
}

IdxFiles fashion_mnist_files(Split split, const std::string& dir) {
  const std::string prefix = dir + "/" + (split == Split::train ? "train" : "t10k");
  return {prefix + "-images-idx3-ubyte.gz", prefix + "-labels-idx1-ubyte.gz"};
}

LabelledImages load_fashion_mnist(Split split, const std::string& dir) {
  const IdxFiles files = fashion_mnist_files(split, dir);
  for (const std::string& path : {files.images, files.labels}) {
    if (!std::filesystem::exists(path)) {
      throw Error(path + ": no such file (Fashion-MNIST comes from the Debian package dataset-fashion-mnist; "
                         "scripts/install-deps.sh installs it)",
                  Error::Kind::file_not_found);
    }
  }
  return read_labelled_images(files.images, files.labels, kFashionMnistClasses);
}

}  // namespace rnnscope::data
