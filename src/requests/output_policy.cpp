// The overwrite/resume policy of every command (include/rnnscope/requests/output_policy.h).
#include "rnnscope/requests/output_policy.h"

#include "rnnscope/core/error.h"
#include "rnnscope/runs/run_directory.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace rnnscope::requests {

Existing existing_policy(bool force, bool resume, Door door) {
  require(!(force && resume), spell(door, "force") + " and " + spell(door, "resume") + " exclude each other");
  return resume ? Existing::resume : force ? Existing::overwrite : Existing::refuse;
}

namespace {

bool is_lock_file(const fs::directory_entry& entry) { return entry.path().filename() == kOutputLockName; }

bool has_content(const std::string& dir) {
  for (const auto& entry : fs::directory_iterator(dir))
    if (!is_lock_file(entry)) return true;
  return false;
}

}  // namespace

void prepare_output_dir(const std::string& dir, Existing policy, Door door) {
  std::error_code ec;
  if (fs::exists(dir)) {
    require(fs::is_directory(dir), "output directory " + dir + " exists and is not a directory");
    if (has_content(dir)) {
      if (policy == Existing::refuse) {
        throw Error("run directory " + dir + " already exists and is not empty; use " + spell(door, "force") +
                    " to overwrite it or " + spell(door, "resume") + " to continue its training");
      }
      if (policy == Existing::overwrite) {
        for (const auto& entry : fs::directory_iterator(dir))
          if (!is_lock_file(entry)) fs::remove_all(entry.path(), ec);
      }
    }
  }
  fs::create_directories(dir, ec);
  require(!ec && fs::is_directory(dir), "cannot create run directory " + dir + ": " + ec.message());
}

FileLock claim_output_dir(const std::string& dir, Existing policy, Door door) {
  // Refused before a lock file is made in someone's non-empty directory.
  if (policy == Existing::refuse) prepare_output_dir(dir, policy, door);
  std::error_code ec;
  fs::create_directories(dir, ec);
  require(fs::is_directory(dir), "cannot create run directory " + dir + (ec ? ": " + ec.message() : std::string()));
  const std::string lock_path = (fs::path(dir) / kOutputLockName).string();
  auto lock = FileLock::try_lock(lock_path);
  require(lock.has_value(), "another process is writing " + dir + " (it holds " + lock_path +
                                "); wait for it to end or stop it, then run again");
  prepare_output_dir(dir, policy, door);
  // Now the one writer: what a killed writer left half-written goes.
  runs::RunDirectory(dir).remove_stale_temporaries();
  return std::move(*lock);
}

void check_can_write(const std::string& path, bool force, Door door) {
  require(force || !fs::exists(path), path + " already exists; use " + spell(door, "force") + " to overwrite it");
}

}  // namespace rnnscope::requests
