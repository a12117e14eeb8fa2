// Memory estimates checked against a limit (include/rnnscope/core/memory.h).
#include "rnnscope/core/memory.h"

#include "rnnscope/core/error.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

namespace rnnscope {
namespace {

// The first number in a file ("max" and unreadable files: +inf).
double read_number(const std::string& path) {
  std::ifstream in(path);
  double value = 0;
  if (!(in >> value)) return std::numeric_limits<double>::infinity();
  return value;
}

double meminfo_available() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  double kilobytes = 0;
  std::string unit;
  while (in >> key >> kilobytes >> unit) {
    if (key == "MemAvailable:") return kilobytes * 1024.0;
  }
  return std::numeric_limits<double>::infinity();
}

}  // namespace

double available_memory_bytes() {
  double available = meminfo_available();
  // cgroup v2, then v1: what the container may still use.
  const double v2_limit = read_number("/sys/fs/cgroup/memory.max");
  if (v2_limit < std::numeric_limits<double>::infinity()) {
    available = std::min(available, v2_limit - std::min(v2_limit, read_number("/sys/fs/cgroup/memory.current")));
  } else {
    const double v1_limit = read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    if (v1_limit < 1e18) {
      available = std::min(available,
                           v1_limit - std::min(v1_limit, read_number("/sys/fs/cgroup/memory/memory.usage_in_bytes")));
    }
  }
  return std::isinf(available) ? 1e18 : available;
}

std::string format_bytes(double bytes) {
  const char* units[] = {"bytes", "kB", "MB", "GB", "TB", "PB"};
  int u = 0;
  while (bytes >= 1000 && u < 5) {
    bytes /= 1000;
    ++u;
  }
  char text[48];
  std::snprintf(text, sizeof text, u == 0 ? "%.0f %s" : "%.3g %s", bytes, units[u]);
  return text;
}

void require_memory(double estimate_bytes, const std::string& what, const std::string& detail,
                    const MemoryBudget& budget) {
  const double available = available_memory_bytes();
  const double limit = budget.limit_bytes > 0 ? budget.limit_bytes : available;
  if (estimate_bytes <= limit) return;
  std::string message = what + " needs about " + format_bytes(estimate_bytes) +
                        (detail.empty() ? "" : " (" + detail + ")") + ", more than ";
  message += budget.limit_bytes > 0 ? "the limit of " + format_bytes(limit) + " (available memory: " +
                                          format_bytes(available) + ")"
                                    : "the available memory, " + format_bytes(available);
  if (!budget.raise_hint.empty()) message += "; " + budget.raise_hint;
  throw Error(message, Error::Kind::memory_limit);
}

}  // namespace rnnscope
