// Declared, validated parameters. A component (a task, the model, the trainer) declares
// its parameters once — name, kind, default, allowed range, one line of doc — and the same
// declaration validates config sections, Python keyword arguments and `--set` overrides,
// fills in defaults and prints help. Unknown keys are errors, never silently ignored.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace rnnscope {

using Json = nlohmann::ordered_json;

enum class ParamKind {
  integer,     // int64
  number,      // double; integers are accepted
  boolean,
  string,      // optionally restricted to `choices`
  number_list, // array of numbers
  string_list, // array of strings, each one of `choices` when non-empty
  timing,      // table of period name -> timing spec (see tasks/timing.h)
};

struct ParamSpec {
  ParamSpec() = default;
  ParamSpec(std::string name_, ParamKind kind_, Json default_, std::string doc_)
      : name(std::move(name_)), kind(kind_), default_value(std::move(default_)), doc(std::move(doc_)) {}

  std::string name;
  ParamKind kind = ParamKind::number;
  Json default_value;                 // null = required
  std::string doc;                    // one line, with units
  std::optional<double> min;          // inclusive bound for numbers/integers/list entries
  std::optional<double> max;
  bool min_exclusive = false;         // e.g. dt > 0
  std::vector<std::string> choices;   // allowed strings (string, string_list), when non-empty

  ParamSpec& with_min(double v, bool exclusive = false) { min = v; min_exclusive = exclusive; return *this; }
  ParamSpec& with_max(double v) { max = v; return *this; }
  ParamSpec& with_choices(std::vector<std::string> c) { choices = std::move(c); return *this; }
};

// Validates `given` (a table) against `specs` and returns the table with defaults filled
// in, keys in declaration order. `context` names where the values came from, for error
// messages ("config.toml [task]"). Throws Error for unknown keys (listing the allowed ones),
// wrong types, NaN/inf, values out of range and missing required values.
Json resolve_params(const Json& given, const std::vector<ParamSpec>& specs,
                    const std::string& context);

// "name (kind, default D): doc" lines, for --help and `tasks show`.
std::string describe_params(const std::vector<ParamSpec>& specs, const std::string& indent);
std::string kind_name(ParamKind kind);

}  // namespace rnnscope
