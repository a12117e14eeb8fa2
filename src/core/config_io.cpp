// toml++ <-> JSON tree conversion and dotted-key overrides.
#include "rnnscope/core/config_io.h"

#include "rnnscope/core/error.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace rnnscope {
namespace {

Json from_toml(const toml::node& node) {
  if (auto table = node.as_table()) {
    Json out = Json::object();
    for (const auto& [key, value] : *table) out[std::string(key.str())] = from_toml(value);
    return out;
  }
  if (auto array = node.as_array()) {
    Json out = Json::array();
    for (const auto& value : *array) out.push_back(from_toml(value));
    return out;
  }
  if (auto v = node.as_integer()) return Json(v->get());
  if (auto v = node.as_floating_point()) return Json(v->get());
  if (auto v = node.as_boolean()) return Json(v->get());
  if (auto v = node.as_string()) return Json(v->get());
  throw Error("unsupported TOML value (dates and times are not used by rnnscope)");
}

// TOML text is written here rather than by toml++, whose floats carry 17 significant digits
// (6.4 became 6.4000000000000004 in config.toml): floats are the shortest text that reads
// back to the same double (std::to_chars), so a written config reads like the one given and
// still resolves to exactly the same values.
std::string toml_string(const std::string& s) {
  std::ostringstream out;
  out << toml::value<std::string>(s);  // quoted and escaped by toml++
  return out.str();
}

std::string toml_key(const std::string& key) {
  const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-';
  });
  return bare ? key : toml_string(key);
}

std::string toml_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char text[32];
  const auto end = std::to_chars(text, text + sizeof text, v).ptr;
  std::string out(text, end);
  if (out.find_first_of(".e") == std::string::npos) out += ".0";  // TOML floats need a '.' or an exponent
  return out;
}

std::string toml_value(const Json& v) {
  if (v.is_object()) {
    std::string out = "{ ";
    for (const auto& [k, item] : v.items()) out += (out.size() > 2 ? ", " : "") + toml_key(k) + " = " + toml_value(item);
    return out + " }";
  }
  if (v.is_array()) {
    std::string out = "[";
    for (const auto& item : v) out += (out.size() > 1 ? ", " : "") + toml_value(item);
    return out + "]";
  }
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number()) return toml_float(v.get<double>());
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_string()) return toml_string(v.get<std::string>());
  throw Error("a config value of type " + std::string(v.type_name()) + " has no TOML form");
}

// Scalars first, then sections ([prefix.key]), so the file reads top-down like a hand-written config.
void write_table(std::ostringstream& out, const Json& table, const std::string& prefix) {
  for (const auto& [k, v] : table.items()) {
    if (!v.is_object()) out << toml_key(k) << " = " << toml_value(v) << "\n";
  }
  for (const auto& [k, v] : table.items()) {
    if (!v.is_object()) continue;
    const std::string name = prefix + toml_key(k);
    out << "\n[" << name << "]\n";
    write_table(out, v, name + ".");
  }
}

}  // namespace

Json parse_toml(const std::string& text, const std::string& source_name) {
  try {
    return from_toml(toml::parse(std::string_view(text), std::string_view(source_name)));
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << source_name << ":" << e.source().begin.line << ":" << e.source().begin.column
        << ": invalid TOML: " << e.description();
    throw Error(msg.str());
  }
}

Json read_toml_file(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) {
    throw Error("config file not found: " + path, Error::Kind::file_not_found);
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_toml(text.str(), path);
}

std::string to_toml(const Json& table) {
  std::ostringstream out;
  write_table(out, table, "");
  return out.str();
}

void set_dotted(Json& config, const std::string& key, const Json& value, const std::string& context) {
  Json* node = &config;
  size_t start = 0;
  while (true) {
    const auto dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    require(!part.empty(), context + ": empty key in '" + key + "'");
    if (dot == std::string::npos) {
      (*node)[part] = value;
      return;
    }
    if (!node->contains(part)) (*node)[part] = Json::object();
    node = &(*node)[part];
    require(node->is_object(), context + ": '" + part + "' is not a section");
    start = dot + 1;
  }
}

void apply_override(Json& config, const std::string& assignment, const std::string& source) {
  // An argument's bytes become JSON strings (config.toml, summary.json, messages), which must
  // be UTF-8 text: refused here, or writing the config later fails (found by tests/fuzz).
  try {
    (void)Json(assignment).dump();
  } catch (const Json::type_error&) {
    throw Error(source + ": an assignment that is not UTF-8 text");
  }
  const auto eq = assignment.find('=');
  require(eq != std::string::npos && eq > 0,
          source + " '" + assignment + "': expected section.key=value");
  const std::string path = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  Json value;
  try {
    const std::string document = "v = " + text;
    const toml::table parsed = toml::parse(std::string_view(document), std::string_view(source));
    value = from_toml(*parsed.get("v"));
  } catch (const toml::parse_error&) {
    value = text;  // a bare word: take it as a string
  }
  set_dotted(config, path, value, source + " '" + assignment + "'");
}

}  // namespace rnnscope
