// The overwrite/resume policy of every command (include/rnnscope/requests/output_policy.h).
#include "rnnscope/requests/output_policy.h"

#include "rnnscope/core/error.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace rnnscope::requests {

Existing existing_policy(bool force, bool resume, Door door) {
  require(!(force && resume), spell(door, "force") + " and " + spell(door, "resume") + " exclude each other");
  return resume ? Existing::resume : force ? Existing::overwrite : Existing::refuse;
}

void prepare_output_dir(const std::string& dir, Existing policy, Door door) {
  std::error_code ec;
  if (fs::exists(dir)) {
    require(fs::is_directory(dir), "output directory " + dir + " exists and is not a directory");
    if (!fs::is_empty(dir)) {
      if (policy == Existing::refuse) {
        throw Error("run directory " + dir + " already exists and is not empty; use " + spell(door, "force") +
                    " to overwrite it or " + spell(door, "resume") + " to continue its training");
      }
      if (policy == Existing::overwrite) {
        for (const auto& entry : fs::directory_iterator(dir)) fs::remove_all(entry.path(), ec);
      }
    }
  }
  fs::create_directories(dir, ec);
  require(!ec && fs::is_directory(dir), "cannot create run directory " + dir + ": " + ec.message());
}

void check_can_write(const std::string& path, bool force, Door door) {
  require(force || !fs::exists(path), path + " already exists; use " + spell(door, "force") + " to overwrite it");
}

}  // namespace rnnscope::requests
