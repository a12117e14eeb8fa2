// Memory limits for large computations: estimate what a computation will allocate before it
// allocates, and refuse (Error naming the estimate, the limit and the available memory) what
// would not fit, instead of std::bad_alloc or the kernel's OOM killer.
#pragma once

#include <cstdint>
#include <string>

namespace rnnscope {

struct MemoryBudget {
  // Largest estimate allowed, in bytes; 0: the memory available when the check runs
  // (MemAvailable, bounded by the cgroup's limit).
  double limit_bytes = 0;
  // How to raise the limit, as the user's door names it ("--memory-limit GB"), for messages.
  std::string raise_hint;

  MemoryBudget& set_limit_bytes(double v) { limit_bytes = v; return *this; }
  MemoryBudget& set_raise_hint(std::string v) { raise_hint = std::move(v); return *this; }
};

// Bytes the process may still allocate: /proc/meminfo MemAvailable, bounded by a cgroup v2
// or v1 memory limit; a large number where neither can be read.
double available_memory_bytes();

// "1.5 GB", "320 MB", "12 kB".
std::string format_bytes(double bytes);

// Throws Error(kind memory_limit) when `estimate_bytes` exceeds the budget: "<what> needs
// about X (<detail>), more than the limit of Y (available memory: Z); <raise_hint>".
void require_memory(double estimate_bytes, const std::string& what, const std::string& detail,
                    const MemoryBudget& budget);

}  // namespace rnnscope
