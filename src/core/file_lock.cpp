// Advisory file locks (include/rnnscope/core/file_lock.h).
#include "rnnscope/core/file_lock.h"

#include "rnnscope/core/error.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace rnnscope {
namespace {

int open_lock_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  require(fd >= 0, "cannot open lock file " + path + " (is the directory writable?)");
  return fd;
}

}  // namespace

FileLock::FileLock(const std::string& path) : fd_(open_lock_file(path)) {
  while (::flock(fd_, LOCK_EX) != 0) {
    require(errno == EINTR, "cannot lock " + path);
  }
}

std::optional<FileLock> FileLock::try_lock(const std::string& path, bool shared) {
  const int fd = open_lock_file(path);
  if (::flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  return FileLock(fd);
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  std::swap(fd_, other.fd_);  // the lock this held is released when `other` is destroyed
  return *this;
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}

}  // namespace rnnscope
