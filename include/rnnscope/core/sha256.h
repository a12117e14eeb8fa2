// SHA-256 (FIPS 180-4): the content hash that runs record of the files they depend on (an N-back
// run's perceptual CNN, docs/nback.md), so a file changed since is noticed rather than used.
#pragma once

#include <string>

namespace rnnscope {

// The digest of `bytes` as 64 lower-case hexadecimal digits.
std::string sha256_hex(const std::string& bytes);
// The digest of a file's bytes; Error (file_not_found) when it does not exist.
std::string sha256_file_hex(const std::string& path);

}  // namespace rnnscope
