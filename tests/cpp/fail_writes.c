/* Test-only LD_PRELOAD shim (never installed): makes writing chosen files fail as a full disk
 * or a read-only file system would, for the failed-write tests (docs/reliability.md). We run
 * as root, where a read-only directory does not stop writes, and a small tmpfs needs mount
 * rights; a shim needs neither, and exercises the real binaries end to end.
 *   RNNSCOPE_FAIL_WRITES=ENOSPC:<text>  every write to a file whose path contains <text>
 *                                       fails with ENOSPC (opening it succeeds, as on a full disk)
 *   RNNSCOPE_FAIL_WRITES=EROFS:<text>   opening such a path for writing, or renaming onto it,
 *                                       fails with EROFS
 * Our writers (h5::Writer through HDF5's sec2 driver, write_text_atomic, LibTorch's archive
 * writer) go through open/open64/fopen/fopen64, write/pwrite/writev and rename. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static const char* failing(const char* mode) {
  const char* spec = getenv("RNNSCOPE_FAIL_WRITES");
  const size_t n = strlen(mode);
  if (!spec || strncmp(spec, mode, n) != 0 || spec[n] != ':' || spec[n + 1] == '\0') return NULL;
  return spec + n + 1;
}

static int path_matches(const char* mode, const char* path) {
  const char* text = failing(mode);
  return text && path && strstr(path, text);
}

static int fd_matches(int fd) {
  if (!failing("ENOSPC")) return 0;
  char link[64], path[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t len = readlink(link, path, sizeof path - 1);
  if (len <= 0) return 0;
  path[len] = '\0';
  return path_matches("ENOSPC", path);
}

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))
#define FAIL(err, value) \
  do {                   \
    errno = err;         \
    return value;        \
  } while (0)

ssize_t write(int fd, const void* buf, size_t n) {
  if (fd_matches(fd)) FAIL(ENOSPC, -1);
  return REAL(write)(fd, buf, n);
}
ssize_t pwrite(int fd, const void* buf, size_t n, off_t at) {
  if (fd_matches(fd)) FAIL(ENOSPC, -1);
  return REAL(pwrite)(fd, buf, n, at);
}
ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t at) {
  if (fd_matches(fd)) FAIL(ENOSPC, -1);
  return REAL(pwrite64)(fd, buf, n, at);
}
ssize_t writev(int fd, const struct iovec* iov, int count) {
  if (fd_matches(fd)) FAIL(ENOSPC, -1);
  return REAL(writev)(fd, iov, count);
}

static int for_writing(int flags) { return (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) != 0; }

/* The mode argument exists only with O_CREAT (or O_TMPFILE); reading it otherwise is harmless
 * on the x86-64 ABI, and passing it on is what glibc's own wrappers do. */
#define OPEN_LIKE(name, ...)                                                   \
  {                                                                            \
    va_list args;                                                              \
    va_start(args, flags);                                                     \
    const mode_t mode = va_arg(args, mode_t);                                  \
    va_end(args);                                                              \
    if (for_writing(flags) && path_matches("EROFS", path)) FAIL(EROFS, -1);    \
    return REAL(name)(__VA_ARGS__, mode);                                      \
  }
int open(const char* path, int flags, ...) OPEN_LIKE(open, path, flags)
int open64(const char* path, int flags, ...) OPEN_LIKE(open64, path, flags)
int openat(int dir, const char* path, int flags, ...) OPEN_LIKE(openat, dir, path, flags)
int openat64(int dir, const char* path, int flags, ...) OPEN_LIKE(openat64, dir, path, flags)

static int fopen_writes(const char* mode) { return strpbrk(mode, "wa+") != NULL; }
FILE* fopen(const char* path, const char* mode) {
  if (fopen_writes(mode) && path_matches("EROFS", path)) FAIL(EROFS, NULL);
  return REAL(fopen)(path, mode);
}
FILE* fopen64(const char* path, const char* mode) {
  if (fopen_writes(mode) && path_matches("EROFS", path)) FAIL(EROFS, NULL);
  return REAL(fopen64)(path, mode);
}
int rename(const char* from, const char* to) {
  if (path_matches("EROFS", to)) FAIL(EROFS, -1);
  return REAL(rename)(from, to);
}
