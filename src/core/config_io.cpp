// toml++ <-> JSON tree conversion and dotted-key overrides.
#include "rnnscope/core/config_io.h"

#include "rnnscope/core/error.h"

#include <toml++/toml.h>

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

void to_toml_node(const Json& value, toml::table& parent, const std::string& key);

toml::array to_toml_array(const Json& value) {
  toml::array out;
  for (const auto& item : value) {
    if (item.is_object()) {
      toml::table t;
      for (const auto& [k, v] : item.items()) to_toml_node(v, t, k);
      out.push_back(std::move(t));
    } else if (item.is_array()) {
      out.push_back(to_toml_array(item));
    } else if (item.is_number_integer()) {
      out.push_back(item.get<int64_t>());
    } else if (item.is_number()) {
      out.push_back(item.get<double>());
    } else if (item.is_boolean()) {
      out.push_back(item.get<bool>());
    } else if (item.is_string()) {
      out.push_back(item.get<std::string>());
    }
  }
  return out;
}

void to_toml_node(const Json& value, toml::table& parent, const std::string& key) {
  if (value.is_object()) {
    toml::table t;
    for (const auto& [k, v] : value.items()) to_toml_node(v, t, k);
    parent.insert_or_assign(key, std::move(t));
  } else if (value.is_array()) {
    parent.insert_or_assign(key, to_toml_array(value));
  } else if (value.is_number_integer()) {
    parent.insert_or_assign(key, value.get<int64_t>());
  } else if (value.is_number()) {
    parent.insert_or_assign(key, value.get<double>());
  } else if (value.is_boolean()) {
    parent.insert_or_assign(key, value.get<bool>());
  } else if (value.is_string()) {
    parent.insert_or_assign(key, value.get<std::string>());
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
  toml::table root;
  // Scalars first, then sections, so the file reads top-down like a hand-written config.
  for (const auto& [k, v] : table.items()) {
    if (!v.is_object()) to_toml_node(v, root, k);
  }
  std::ostringstream out;
  out << root << "\n";
  for (const auto& [k, v] : table.items()) {
    if (!v.is_object()) continue;
    toml::table section;
    to_toml_node(v, section, k);
    out << "\n" << section << "\n";
  }
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
