// Validation of declared parameters against given values (config sections, Python kwargs).
#include "rnnscope/core/params.h"

#include "rnnscope/core/error.h"

#include <cmath>
#include <sstream>

namespace rnnscope {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out;
}

std::string range_text(const ParamSpec& spec) {
  std::ostringstream out;
  if (spec.min && spec.max) {
    out << (spec.min_exclusive ? "(" : "[") << *spec.min << ", " << *spec.max << "]";
  } else if (spec.min) {
    out << (spec.min_exclusive ? "> " : ">= ") << *spec.min;
  } else if (spec.max) {
    out << "<= " << *spec.max;
  }
  return out.str();
}

void check_number(double value, const ParamSpec& spec, const std::string& where) {
  require(std::isfinite(value), where + " must be a finite number, got " +
                                    (std::isnan(value) ? std::string("nan") : std::string("inf")));
  const bool below = spec.min && (spec.min_exclusive ? value <= *spec.min : value < *spec.min);
  const bool above = spec.max && value > *spec.max;
  if (below || above) {
    std::ostringstream msg;
    msg << where << " = " << value << " is out of range; allowed: " << range_text(spec);
    throw Error(msg.str());
  }
}

// A string of a spec with choices must be one of them.
void check_choice(const std::string& text, const ParamSpec& spec, const std::string& where) {
  if (spec.choices.empty()) return;
  bool ok = false;
  for (const auto& c : spec.choices) ok = ok || c == text;
  require(ok, where + " = \"" + text + "\" is not allowed; allowed: " + join(spec.choices));
}

Json resolve_one(const Json& value, const ParamSpec& spec, const std::string& where) {
  const std::string expected = "expected " + kind_name(spec.kind) + ", got " +
                               std::string(value.type_name()) + " " + value.dump();
  switch (spec.kind) {
    case ParamKind::integer: {
      // Accept 3.0 for 3 (TOML and Python users write both), never 3.5.
      if (value.is_number_float()) {
        const double v = value.get<double>();
        require(std::isfinite(v) && v == std::floor(v), where + ": " + expected);
        check_number(v, spec, where);
        return Json(static_cast<int64_t>(v));
      }
      require(value.is_number_integer(), where + ": " + expected);
      check_number(static_cast<double>(value.get<int64_t>()), spec, where);
      return value;
    }
    case ParamKind::number:
      require(value.is_number(), where + ": " + expected);
      check_number(value.get<double>(), spec, where);
      return Json(value.get<double>());
    case ParamKind::boolean:
      require(value.is_boolean(), where + ": " + expected);
      return value;
    case ParamKind::string: {
      require(value.is_string(), where + ": " + expected);
      const auto text = value.get<std::string>();
      check_choice(text, spec, where);
      return value;
    }
    case ParamKind::number_list: {
      require(value.is_array(), where + ": " + expected);
      Json out = Json::array();
      for (size_t i = 0; i < value.size(); ++i) {
        const auto item_where = where + "[" + std::to_string(i) + "]";
        require(value[i].is_number(), item_where + ": expected a number, got " + value[i].dump());
        check_number(value[i].get<double>(), spec, item_where);
        out.push_back(value[i].get<double>());
      }
      return out;
    }
    case ParamKind::string_list: {
      require(value.is_array(), where + ": " + expected);
      for (size_t i = 0; i < value.size(); ++i) {
        const auto item_where = where + "[" + std::to_string(i) + "]";
        require(value[i].is_string(), item_where + ": expected a string, got " + value[i].dump());
        check_choice(value[i].get<std::string>(), spec, item_where);
      }
      return value;
    }
    case ParamKind::timing:
      // The task's timing parser validates period names and spec forms.
      require(value.is_object(), where + ": " + expected);
      return value;
  }
  return value;
}

}  // namespace

std::string kind_name(ParamKind kind) {
  switch (kind) {
    case ParamKind::integer: return "integer";
    case ParamKind::number: return "number";
    case ParamKind::boolean: return "boolean";
    case ParamKind::string: return "string";
    case ParamKind::number_list: return "list of numbers";
    case ParamKind::string_list: return "list of strings";
    case ParamKind::timing: return "table of period timings";
  }
  return "?";
}

Json resolve_params(const Json& given, const std::vector<ParamSpec>& specs,
                    const std::string& context) {
  require(given.is_object() || given.is_null(), context + ": expected a table of parameters");
  if (given.is_object()) {
    for (const auto& item : given.items()) {
      bool known = false;
      for (const auto& spec : specs) known = known || spec.name == item.key();
      if (!known) {
        std::vector<std::string> allowed;
        for (const auto& spec : specs) allowed.push_back(spec.name);
        throw Error(context + ": unknown key '" + item.key() + "'; allowed keys: " + join(allowed));
      }
    }
  }
  Json out = Json::object();
  for (const auto& spec : specs) {
    const std::string where = context + " " + spec.name;
    if (given.is_object() && given.contains(spec.name)) {
      out[spec.name] = resolve_one(given.at(spec.name), spec, where);
    } else {
      require(!spec.default_value.is_null(), where + " is required (" + spec.doc + ")");
      out[spec.name] = spec.default_value;
    }
  }
  return out;
}

std::string describe_params(const std::vector<ParamSpec>& specs, const std::string& indent) {
  std::ostringstream out;
  for (const auto& spec : specs) {
    out << indent << spec.name << " (" << kind_name(spec.kind);
    if (!spec.default_value.is_null()) out << ", default " << spec.default_value.dump();
    const auto range = range_text(spec);
    if (!range.empty()) out << ", " << range;
    if (!spec.choices.empty()) out << ", one of: " << join(spec.choices);
    out << "): " << spec.doc << "\n";
  }
  return out.str();
}

}  // namespace rnnscope
