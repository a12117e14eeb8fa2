// Atomic text files: config.toml, summary.json and other text outputs are written under a
// temporary name and renamed, so a reader never sees half a file.
#pragma once

#include <string>
#include <vector>

namespace rnnscope {

// Writes `content` to a temporary file beside `path`, then renames it onto `path`; on failure
// (a full disk, a read-only directory) an Error naming `path` and why, `path` as it was and
// no temporary file left. `content` may be any bytes: checkpoints are written through it too.
void write_text_atomic(const std::string& path, const std::string& content);
// The writer's pid when `name` is "<one of files>.tmp.<pid>", the temporary name
// write_text_atomic, h5::Writer and checkpoints write under; 0 otherwise.
long temporary_writer(const std::string& name, const std::vector<std::string>& files);
// The whole file; Error (file_not_found) when it does not exist.
std::string read_text(const std::string& path);

}  // namespace rnnscope
