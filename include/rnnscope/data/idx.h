// Image data sets in the IDX format (LeCun's MNIST layout, also Fashion-MNIST's): a big-endian
// header — magic number 0x0000TTDD (TT = element type, 0x08 for unsigned bytes; DD = the number
// of dimensions), one 32-bit size per dimension — then the elements, row-major. Files may be
// gzip-compressed (read through zlib) or plain. Fashion-MNIST (Xiao, Rasul & Vollgraf 2017)
// comes from Debian's `dataset-fashion-mnist`; the N-back stimuli (docs/nback.md) and the
// spiking networks read their images through this loader.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace rnnscope::data {

// Images as unsigned bytes [count, rows, cols] (row-major, 0 = black, 255 = white) with one
// class label per image.
struct LabelledImages {
  int64_t count = 0;
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<uint8_t> pixels;  // count · rows · cols
  std::vector<uint8_t> labels;  // count, each < classes
  int classes = 0;              // the number of classes the labels were checked against

  int64_t image_size() const { return rows * cols; }
  // The first pixel of image i (its rows · cols bytes follow).
  const uint8_t* image(int64_t i) const { return pixels.data() + i * image_size(); }
};

// The pixels of an IDX image file (magic 0x00000803: unsigned bytes, 3 dimensions).
struct IdxImages {
  int64_t count = 0;
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<uint8_t> pixels;
};

// Reads an IDX image file. Errors (rnnscope::Error, naming the file): missing (file_not_found),
// not gzip or IDX, a wrong magic number, a zero dimension, a file shorter or longer than its
// header says.
IdxImages read_idx_images(const std::string& path);

// Reads an IDX label file (magic 0x00000801: unsigned bytes, 1 dimension) whose labels must all
// be < classes. Errors: as read_idx_images, and a label >= classes (naming its index).
std::vector<uint8_t> read_idx_labels(const std::string& path, int classes);

// An image file and its label file; errors as above, and counts that differ.
LabelledImages read_labelled_images(const std::string& images_path, const std::string& labels_path, int classes);

// Fashion-MNIST: 60000 training and 10000 test images of 28 × 28 pixels in 10 classes.
enum class Split { train, test };
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
inline constexpr int kFashionMnistClasses = 10;

struct IdxFiles {
  std::string images;
  std::string labels;
};
// The split's files in `dir` ({train,t10k}-{images-idx3,labels-idx1}-ubyte.gz).
IdxFiles fashion_mnist_files(Split split, const std::string& dir = kFashionMnistDir);
// The split read from `dir`; a missing file's error says which Debian package provides it.
LabelledImages load_fashion_mnist(Split split, const std::string& dir = kFashionMnistDir);
// The names of the 10 classes, by label.
inline constexpr std::array<const char*, kFashionMnistClasses> kFashionMnistClassNames = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

}  // namespace rnnscope::data
