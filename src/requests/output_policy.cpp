// The overwrite/resume policy of every command (include/rnnscope/requests/output_policy.h).
#include "rnnscope/requests/output_policy.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/text_file.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

namespace fs = std::filesystem;

namespace rnnscope::requests {

Existing existing_policy(bool force, bool resume, Door door) {
  require(!(force && resume), spell(door, "force") + " and " + spell(door, "resume") + " exclude each other");
  return resume ? Existing::resume : force ? Existing::overwrite : Existing::refuse_resumable;
}

Existing existing_policy(bool force) { return force ? Existing::overwrite : Existing::refuse; }

namespace {

bool refuses(Existing policy) { return policy == Existing::refuse || policy == Existing::refuse_resumable; }

bool is_lock_file(const fs::directory_entry& entry) { return entry.path().filename() == kOutputLockName; }

bool has_content(const std::string& dir) {
  for (const auto& entry : fs::directory_iterator(dir))
    if (!is_lock_file(entry)) return true;
  return false;
}

// An entry the command wrote: one of `ours`, or a temporary one of them was written to
// (NAME.tmp.<pid>, left by a killed process).
bool is_ours(const fs::directory_entry& entry, const std::vector<std::string>& ours) {
  const std::string name = entry.path().filename().string();
  return std::find(ours.begin(), ours.end(), name) != ours.end() || temporary_writer(name, ours) > 0;
}

// kill(pid, 0) probes without signalling; EPERM means alive but someone else's.
bool process_alive(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

// Removes the temporaries of `ours` whose writer has died. A live writer (a command that
// writes into a run without its lock, such as analyze-learning) keeps its own; its pid may
// also be one reused since, which only delays the cleanup to a later claim.
void remove_stale_temporaries(const std::string& dir, const std::vector<std::string>& ours) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const long writer = temporary_writer(entry.path().filename().string(), ours);
    if (writer > 0 && !process_alive(writer) && entry.is_regular_file(ec)) fs::remove(entry.path(), ec);
  }
}

}  // namespace

void prepare_output_dir(const std::string& dir, Existing policy, Door door, const std::vector<std::string>& ours) {
  std::error_code ec;
  if (fs::exists(dir)) {
    require(fs::is_directory(dir), "output directory " + dir + " exists and is not a directory");
    if (has_content(dir)) {
      if (refuses(policy)) {
        throw Error("run directory " + dir + " already exists and is not empty; use " + spell(door, "force") +
                    " to overwrite it" +
                    (policy == Existing::refuse_resumable ? " or " + spell(door, "resume") + " to continue its training"
                                                          : std::string()));
      }
      if (policy == Existing::overwrite) {
        for (const auto& entry : fs::directory_iterator(dir))
          if (is_ours(entry, ours)) fs::remove_all(entry.path(), ec);
      }
    }
  }
  fs::create_directories(dir, ec);
  require(!ec && fs::is_directory(dir), "cannot create run directory " + dir + ": " + ec.message());
}

FileLock claim_output_dir(const std::string& dir, Existing policy, Door door, const std::vector<std::string>& ours) {
  // Refused before a lock file is made in someone's non-empty directory.
  if (refuses(policy)) prepare_output_dir(dir, policy, door, ours);
  std::error_code ec;
  fs::create_directories(dir, ec);
  require(fs::is_directory(dir), "cannot create run directory " + dir + (ec ? ": " + ec.message() : std::string()));
  const std::string lock_path = (fs::path(dir) / kOutputLockName).string();
  auto lock = FileLock::try_lock(lock_path);
  require(lock.has_value(), "another process is writing " + dir + " (it holds " + lock_path +
                                "); wait for it to end or stop it, then run again");
  prepare_output_dir(dir, policy, door, ours);
  // Now the one writer: what a killed writer left half-written goes.
  remove_stale_temporaries(dir, ours);
  return std::move(*lock);
}

void check_can_write(const std::string& path, bool force, Door door) {
  require(force || !fs::exists(path), path + " already exists; use " + spell(door, "force") + " to overwrite it");
}

}  // namespace rnnscope::requests
