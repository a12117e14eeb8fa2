// Advisory file locks (flock) for processes that must not share an output: a sweep's cells,
// a run directory being trained. The kernel drops the lock when its holder ends, so a killed
// process never leaves a stale one.
#pragma once

#include <optional>
#include <string>

namespace rnnscope {

// An advisory lock on a file (flock), released when destroyed or when the process ends.
class FileLock {
 public:
  // Blocks until the exclusive lock is held.
  explicit FileLock(const std::string& path);
  // Takes the lock (shared: several shared holders at once) if it is free now; nullopt when not.
  static std::optional<FileLock> try_lock(const std::string& path, bool shared = false);
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace rnnscope
