// The two doors into the library — the CLI and the Python module — name the same argument
// differently (`--force` vs `force=True`). Requests carry the door they came through, so that
// an error message names the argument the way the user wrote it; the library itself never
// hard-codes a flag.
#pragma once

#include <string>

namespace rnnscope::requests {

enum class Door { cli, python };

// How `door` writes the argument `name` (a request field, snake_case): "--name" for the CLI
// (underscores become dashes), "name=" for Python. `value` follows: ("force", "True") gives
// "--force" / "force=True"; ("out", "DIR") gives "--out DIR" / "out=DIR".
std::string spell(Door door, const std::string& name, const std::string& value = "");

}  // namespace rnnscope::requests
