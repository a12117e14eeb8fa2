// Argument spelling per door (include/rnnscope/requests/door.h).
#include "rnnscope/requests/door.h"

#include "rnnscope/core/error.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace rnnscope::requests {
namespace {

// Request fields whose command-line spelling is not --<field>.
const char* cli_exception(const std::string& name) {
  if (name == "config") return "CONFIG";
  if (name == "run_dir") return "DIR";
  if (name == "spec") return "SWEEP";
  if (name == "overrides") return "--set";
  return nullptr;
}

bool positional(const std::string& cli_name) { return !cli_name.empty() && std::isupper(cli_name[0]); }

}  // namespace

std::string argument_name(Door door, const std::string& name) {
  if (door == Door::python) return name;
  if (const char* exception = cli_exception(name)) return exception;
  std::string flag = "--" + name;
  std::replace(flag.begin() + 2, flag.end(), '_', '-');
  return flag;
}

std::string spell(Door door, const std::string& name, const std::string& value) {
  if (door == Door::python) return name + "=" + (value.empty() ? "True" : value);
  const std::string cli_name = argument_name(door, name);
  // A positional argument is its name; a boolean flag takes no value on the command line.
  if (positional(cli_name) || value.empty() || value == "True") return cli_name;
  return cli_name + " " + value;
}

std::string spell_override(Door door, const std::string& key) {
  return door == Door::python ? "overrides={'" + key + "': N}" : "--set " + key + "=N";
}

MemoryBudget memory_budget(double limit_gb, Door door) {
  const std::string name = door == Door::python ? "memory_limit_gb" : "--memory-limit";
  require(std::isfinite(limit_gb) && limit_gb >= 0,
          name + " must be a number of GB >= 0 (0: the available memory), got " + std::to_string(limit_gb));
  return MemoryBudget()
      .set_limit_bytes(limit_gb * 1e9)
      .set_raise_hint(door == Door::python ? "raise the limit with memory_limit_gb= (GB)"
                                           : "raise the limit with --memory-limit GB");
}

void require_replica(Door door, const std::optional<int64_t>& replica, int64_t replicas, const std::string& run_dir) {
  if (!replica) return;
  require(replicas > 1, argument_name(door, "replica") + ": " + run_dir + " holds one network (train.replicas = 1); leave it out");
  require(*replica >= 0 && *replica < replicas, argument_name(door, "replica") + " = " + std::to_string(*replica) + ": " +
                                                    run_dir + " holds " + std::to_string(replicas) + " replicas, 0 to " +
                                                    std::to_string(replicas - 1));
}

}  // namespace rnnscope::requests
