// The message of the rnnscope::Error a callable throws ("" when it throws none), for tests
// that check what an error names.
#pragma once

#include <functional>
#include <string>

#include "rnnscope/core/error.h"

namespace rnnscope::testing {

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace rnnscope::testing
