// SHA-256 against FIPS 180-4's examples (NIST's published digests) and digests of the padding's
// boundary lengths computed by Python's hashlib; a file's digest is its bytes'.
#include "rnnscope/core/error.h"
#include "rnnscope/core/sha256.h"
#include "rnnscope/core/text_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <utility>
#include <vector>

#include <unistd.h>

namespace rnnscope {
namespace {

TEST(Sha256, MatchesTheStandardsExamples) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PadsEveryLengthAroundABlockBoundary) {
  // 55 bytes leave room for the length in the last block, 56 do not; 64 fill a block exactly.
  const std::vector<std::pair<size_t, std::string>> expected = {
      {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
      {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
      {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
      {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
      {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
      {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"}};
  for (const auto& [length, digest] : expected) EXPECT_EQ(sha256_hex(std::string(length, 'a')), digest) << length;
}

TEST(Sha256, HashesAFilesBytesAndNamesAMissingFile) {
  const auto dir = std::filesystem::temp_directory_path() / ("rnnscope_sha256_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "bytes.bin").string();
  std::string bytes = "abc";
  bytes += '\0';
  bytes += "\xff\n";
  write_text_atomic(path, bytes);
  EXPECT_EQ(sha256_file_hex(path), sha256_hex(bytes));
  try {
    sha256_file_hex((dir / "missing.h5").string());
    FAIL() << "no error for a missing file";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::file_not_found);
    EXPECT_NE(std::string(e.what()).find("missing.h5"), std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rnnscope
