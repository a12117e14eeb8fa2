// The two doors into the library — the CLI and the Python module — name the same argument
// differently (`--force` vs `force=True`). Requests carry the door they came through, so that
// an error message names the argument the way the user wrote it; the library itself never
// hard-codes a flag.
#pragma once

#include "rnnscope/core/memory.h"

#include <cstdint>
#include <optional>
#include <string>

namespace rnnscope::requests {

enum class Door { cli, python };

// The argument `name` (a request field, snake_case) as `door` names it: Python uses the field
// name; the CLI "--name" (underscores become dashes), except where its spelling differs
// (`config`, `run_dir` and `spec` are the positional CONFIG, DIR and SWEEP; `overrides` is --set).
std::string argument_name(Door door, const std::string& name);

// The argument with a value, as the user would write it: ("force") gives "--force" /
// "force=True"; ("out", "DIR") gives "--out DIR" / "out=DIR"; a positional CLI argument is
// its name alone ("CONFIG").
std::string spell(Door door, const std::string& name, const std::string& value = "");

// A config override of `key` ("section.key") as the user would write it, with a placeholder
// value: "--set train.max_steps=N" / "overrides={'train.max_steps': N}".
std::string spell_override(Door door, const std::string& key);

// The memory budget of a request's `memory_limit_gb` (0: the available memory; Error when
// negative or not finite), whose messages say how the door raises it.
MemoryBudget memory_budget(double limit_gb, Door door);

// The `replica` argument of a command on the run `run_dir` of `replicas` networks
// (train.replicas): unset, or 0 <= replica < replicas of a run with more than one (Error
// naming the argument and the allowed range otherwise).
void require_replica(Door door, const std::optional<int64_t>& replica, int64_t replicas, const std::string& run_dir);

}  // namespace rnnscope::requests
