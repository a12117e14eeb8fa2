// The running program's directory (cli/executable.h).
#include "executable.h"

#include <stdexcept>
#include <system_error>

namespace rnnscope::cli {

std::filesystem::path executable_directory() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot locate the rnnscope executable: " + ec.message());
  return exe.parent_path();
}

}  // namespace rnnscope::cli
