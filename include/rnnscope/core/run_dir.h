// Run directories and atomic text files. Nothing the user already has is overwritten
// unless they ask for it (--force).
#pragma once

#include <string>

namespace rnnscope {

enum class ExistingRun {
  refuse,     // error if the directory exists and is not empty
  overwrite,  // --force: clear it first
  resume,     // --resume: keep it (its checkpoint is continued)
};

// Creates `dir` (and parents). Throws Error naming --force/--resume when it exists,
// is not empty and `policy` is refuse.
void prepare_run_dir(const std::string& dir, ExistingRun policy);

// Refuses (Error) to replace an existing file unless `force`.
void check_can_write(const std::string& path, bool force);

// Writes `content` to a temporary file beside `path`, then renames it onto `path`.
void write_text_atomic(const std::string& path, const std::string& content);
std::string read_text(const std::string& path);

}  // namespace rnnscope
