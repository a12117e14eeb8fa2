// What a request may do to outputs that already exist: the one overwrite/resume policy of
// every command. Nothing the user has is overwritten unless they asked for it (`force`).
#pragma once

#include "rnnscope/core/file_lock.h"
#include "rnnscope/requests/door.h"

#include <string>
#include <vector>

namespace rnnscope::requests {

enum class Existing {
  refuse,            // error if the output exists (a directory: exists and is not empty)
  refuse_resumable,  // the same, from a command that could resume it (the error says how)
  overwrite,  // `force`: replace it
  resume,     // `resume`: keep it (a run directory's checkpoint is continued)
};

// The policy of a request's `force` and `resume` arguments; Error when both are set.
Existing existing_policy(bool force, bool resume, Door door);
// The policy of a command that writes its output whole and cannot resume it: its refusal
// names `force` only.
Existing existing_policy(bool force);

// The lock file of an output directory, held (flock) by the process writing it.
inline constexpr const char* kOutputLockName = ".lock";

// Creates the output directory `dir` (and parents) under `policy`: refuse names `force` (and
// `resume`, refuse_resumable) as the door spells them; overwrite removes the entries named `ours` — the files and
// folders the command itself writes there — and their leftover temporaries
// (`NAME.tmp.<pid>`), and nothing else: a user's own files stay. The lock file counts for
// nothing (neither content nor removed).
void prepare_output_dir(const std::string& dir, Existing policy, Door door, const std::vector<std::string>& ours);

// prepare_output_dir, with `dir` claimed for this process first: its lock DIR/.lock is held
// until the returned lock is destroyed or the process ends (a killed process leaves no stale
// lock). Error when another live process holds it, so two processes never write one directory.
FileLock claim_output_dir(const std::string& dir, Existing policy, Door door, const std::vector<std::string>& ours);

// Refuses (Error naming `force`) to replace an existing output file unless `force`.
void check_can_write(const std::string& path, bool force, Door door);

}  // namespace rnnscope::requests
