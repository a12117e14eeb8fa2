// TOML configs as JSON-like trees: reading (with line numbers in errors), writing the
// resolved config back, and `--set section.key=value` overrides.
#pragma once

#include "rnnscope/core/params.h"

#include <string>
#include <vector>

namespace rnnscope {

Json read_toml_file(const std::string& path);
Json parse_toml(const std::string& text, const std::string& source_name);
std::string to_toml(const Json& table);

// Sets the dotted key "a.b.c" of `config` to `value`, creating tables on the way; errors
// (an empty part, a part that is not a table) start with `context`.
void set_dotted(Json& config, const std::string& key, const Json& value, const std::string& context);

// Applies "a.b.c=value" to `config`. The value is parsed as a TOML value (numbers, booleans,
// strings in quotes, arrays, inline tables); a bare word that is not valid TOML is taken
// as a string, so `--set model.activation=tanh` works.
void apply_override(Json& config, const std::string& assignment, const std::string& source = "override");

}  // namespace rnnscope
