// Atomic text files: config.toml, summary.json and other text outputs are written under a
// temporary name and renamed, so a reader never sees half a file.
#pragma once

#include <string>

namespace rnnscope {

// Writes `content` to a temporary file beside `path`, then renames it onto `path`.
void write_text_atomic(const std::string& path, const std::string& content);
// The whole file; Error (file_not_found) when it does not exist.
std::string read_text(const std::string& path);

}  // namespace rnnscope
