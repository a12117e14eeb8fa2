// The IDX loader on Debian's Fashion-MNIST files and on damaged copies written here.
#include "rnnscope/data/idx.h"

#include "test_errors.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <numeric>

namespace fs = std::filesystem;
using namespace rnnscope;
using rnnscope::testing::error_of;

namespace {

fs::path fresh_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("rnnscope_test_data_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string write_bytes(const fs::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
  return path.string();
}

// A plain (uncompressed) IDX file of unsigned bytes: the loader reads these too.
std::vector<uint8_t> idx_bytes(uint8_t dims, const std::vector<uint32_t>& sizes, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out = {0, 0, 0x08, dims};
  for (uint32_t s : sizes) {
    for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<uint8_t>(s >> shift));
  }
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

int64_t pixel_sum(const data::LabelledImages& set) {
  return std::accumulate(set.pixels.begin(), set.pixels.end(), int64_t{0});
}

}  // namespace

TEST(Idx, FashionMnistTrainAndTestSplits) {
  // Counts, checksums and first labels as Python's gzip + numpy read the same files.
  const auto train = data::load_fashion_mnist(data::Split::train);
  EXPECT_EQ(train.count, 60000);
  EXPECT_EQ(train.rows, 28);
  EXPECT_EQ(train.cols, 28);
  EXPECT_EQ(pixel_sum(train), 3431114169);
  const auto test = data::load_fashion_mnist(data::Split::test);
  EXPECT_EQ(test.count, 10000);
  EXPECT_EQ(pixel_sum(test), 573469082);
  EXPECT_EQ(std::accumulate(test.image(0), test.image(1), int64_t{0}), 33456);
  EXPECT_EQ(std::vector<uint8_t>(test.labels.begin(), test.labels.begin() + 5), (std::vector<uint8_t>{9, 2, 1, 1, 6}));
  std::vector<int> per_class(data::kFashionMnistClasses, 0);
  for (uint8_t label : train.labels) ++per_class.at(label);
  EXPECT_EQ(per_class, std::vector<int>(10, 6000));
  EXPECT_STREQ(data::kFashionMnistClassNames[9], "Ankle boot");
}

TEST(Idx, MissingFileNamesThePackage) {
  try {
    data::load_fashion_mnist(data::Split::test, "/nonexistent");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::file_not_found);
    EXPECT_NE(std::string(e.what()).find("dataset-fashion-mnist"), std::string::npos) << e.what();
  }
}

TEST(Idx, DamagedFilesGiveOneClearError) {
  const fs::path dir = fresh_dir("damaged");
  // A gzip file cut in half.
  const std::string real = data::fashion_mnist_files(data::Split::test).labels;
  std::ifstream in(real, std::ios::binary);
  std::vector<uint8_t> gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  gz.resize(gz.size() / 2);
  EXPECT_NE(error_of([&] { data::read_idx_labels(write_bytes(dir / "cut.gz", gz), 10); }).find("truncated"),
            std::string::npos);

  const std::vector<uint8_t> four_pixels = {1, 2, 3, 4};
  const auto images = write_bytes(dir / "images", idx_bytes(3, {1, 2, 2}, four_pixels));
  EXPECT_EQ(data::read_idx_images(images).pixels, four_pixels);
  // An image file read as labels: the magic number names what was expected.
  EXPECT_NE(error_of([&] { data::read_idx_labels(images, 10); }).find("wrong IDX magic number 0x00000803, expected 0x00000801"),
            std::string::npos);
  // Fewer and more pixels than the header announces.
  const auto short_file = write_bytes(dir / "short", idx_bytes(3, {2, 2, 2}, four_pixels));
  EXPECT_NE(error_of([&] { data::read_idx_images(short_file); }).find("truncated: the file ends inside its pixels"),
            std::string::npos);
  const auto long_file = write_bytes(dir / "long", idx_bytes(3, {1, 1, 2}, four_pixels));
  EXPECT_NE(error_of([&] { data::read_idx_images(long_file); }).find("longer than its header says"), std::string::npos);
  const auto zero = write_bytes(dir / "zero", idx_bytes(3, {0, 2, 2}, {}));
  EXPECT_NE(error_of([&] { data::read_idx_images(zero); }).find("dimension 0 has size 0"), std::string::npos);
  // 8 GiB announced by a 20-byte file: refused as truncated after reading what is there, with
  // memory grown only as bytes arrive.
  const auto announced = write_bytes(dir / "announced", idx_bytes(3, {1u << 13, 1u << 10, 1u << 10}, four_pixels));
  EXPECT_NE(error_of([&] { data::read_idx_images(announced); }).find("truncated"), std::string::npos);
  const auto huge = write_bytes(dir / "huge", idx_bytes(3, {1u << 24, 1u << 24, 1u << 24}, {}));
  EXPECT_NE(error_of([&] { data::read_idx_images(huge); }).find("elements allowed"), std::string::npos);
  const auto header_only = write_bytes(dir / "header", {0, 0, 8});
  EXPECT_NE(error_of([&] { data::read_idx_images(header_only); }).find("ends inside its header"), std::string::npos);

  // Labels out of range, and counts that differ.
  const auto labels = write_bytes(dir / "labels", idx_bytes(1, {3}, {0, 9, 10}));
  EXPECT_NE(error_of([&] { data::read_idx_labels(labels, 10); }).find("label 2 is 10, allowed 0..9"), std::string::npos);
  EXPECT_EQ(data::read_idx_labels(labels, 11).size(), 3u);
  const auto two_labels = write_bytes(dir / "two_labels", idx_bytes(1, {2}, {0, 1}));
  EXPECT_NE(error_of([&] { data::read_labelled_images(images, two_labels, 10); }).find("1 images but"),
            std::string::npos);
  fs::remove_all(dir);
}
