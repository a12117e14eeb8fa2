// Atomic text output (include/rnnscope/core/text_file.h).
#include "rnnscope/core/text_file.h"

#include "rnnscope/core/error.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace rnnscope {
namespace {

// POSIX calls rather than a stream: a failed write (a full disk) reports its errno, which
// the message names, instead of a stream's bare failbit.
bool write_all(const std::string& file, const std::string& content) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const char* p = content.data();
  size_t left = content.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      errno = saved;
      return false;
    }
    p += n;
    left -= size_t(n);
  }
  return ::close(fd) == 0;
}

}  // namespace

void write_text_atomic(const std::string& path, const std::string& content) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  if (!write_all(temp, content)) {
    const std::string reason = std::strerror(errno);
    std::error_code ec;
    fs::remove(temp, ec);
    throw Error("cannot write " + path + ": " + reason);
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw Error("cannot write " + path + ": " + ec.message());
  }
}

long temporary_writer(const std::string& name, const std::vector<std::string>& files) {
  for (const auto& file : files) {
    const std::string prefix = file + ".tmp.";
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return 0;
    return std::stol(digits);
  }
  return 0;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("file not found: " + path, Error::Kind::file_not_found);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace rnnscope
