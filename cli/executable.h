// Where the running rnnscope program is installed: its LibTorch plugin and the Python that
// draws reports are found beside it (build/release/ or the venv's bin/).
#pragma once

#include <filesystem>

namespace rnnscope::cli {

// The directory of the running executable, symlinks resolved (so a linked `rnnscope` still
// finds what is installed beside the real one). Throws std::runtime_error if it cannot be read.
std::filesystem::path executable_directory();

}  // namespace rnnscope::cli
