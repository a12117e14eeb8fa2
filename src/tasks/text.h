// Small text helpers for the tasks area's messages and help output.
#pragma once

#include <string>
#include <vector>

namespace rnnscope::tasks {

// "a, b, c"
inline std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out;
}

}  // namespace rnnscope::tasks
