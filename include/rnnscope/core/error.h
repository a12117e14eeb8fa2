// The one exception type for user errors (bad config, bad input, missing files).
// The CLI maps it to exit code 2 with one line on stderr; Python maps it to ValueError
// (FileNotFoundError for kind == Kind::file_not_found, MemoryError for Kind::memory_limit:
// a computation refused up front because its memory estimate exceeds the limit).
#pragma once

#include <stdexcept>
#include <string>

namespace rnnscope {

class Error : public std::runtime_error {
 public:
  enum class Kind { invalid_input, file_not_found, memory_limit };

  explicit Error(const std::string& message, Kind kind = Kind::invalid_input)
      : std::runtime_error(message), kind_(kind) {}

  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

// Throws Error(message) when the condition is false. For user-facing validation only;
// internal invariants use assert.
inline void require(bool condition, const std::string& message) {
  if (!condition) throw Error(message);
}

}  // namespace rnnscope
