// Sweep files and their expansion into cells (include/rnnscope/sweeps/spec.h).
#include "rnnscope/sweeps/spec.h"

#include "rnnscope/core/config_io.h"
#include "rnnscope/core/error.h"
#include "rnnscope/core/rng.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace rnnscope::sweeps {
namespace {

constexpr const char* kKeys[] = {"base", "seeds", "combine", "axes", "random", "runner"};

Json draw(const std::string& key, const Json& range, Rng& rng, const std::string& context) {
  const std::string kind = range.begin().key();
  const Json& args = range.begin().value();
  if (kind == "choice") return args[size_t(rng.integer(int64_t(args.size())))];
  const double low = args[0].get<double>(), high = args[1].get<double>();
  if (kind == "uniform") return rng.uniform(low, high);
  if (kind == "log_uniform") return std::exp(rng.uniform(std::log(low), std::log(high)));
  if (kind == "int_uniform") return int64_t(low) + rng.integer(int64_t(high) - int64_t(low) + 1);
  throw Error(context + " [random] '" + key + "': unknown range kind");
}

void check_range(const std::string& key, const Json& range, const std::string& context) {
  const std::string where = context + " [random] '" + key + "'";
  require(range.is_object() && range.size() == 1,
          where + ": expected one of {uniform = [low, high]}, {log_uniform = [low, high]}, "
                  "{int_uniform = [low, high]}, {choice = [values…]}");
  const std::string kind = range.begin().key();
  const Json& args = range.begin().value();
  require(args.is_array() && !args.empty(), where + ": " + kind + " needs a non-empty array");
  if (kind == "choice") return;
  require(kind == "uniform" || kind == "log_uniform" || kind == "int_uniform",
          where + ": unknown range kind '" + kind + "'; allowed: uniform, log_uniform, int_uniform, choice");
  require(args.size() == 2 && args[0].is_number() && args[1].is_number() &&
              args[0].get<double>() < args[1].get<double>(),
          where + ": " + kind + " needs [low, high] with low < high");
  require(kind != "log_uniform" || args[0].get<double>() > 0, where + ": log_uniform needs low > 0");
}

}  // namespace

SweepSpec parse_sweep(const Json& table, const std::string& source_path) {
  const std::string context = source_path.empty() ? "sweep" : source_path;
  require(table.is_object(), context + ": expected a table");
  for (const auto& item : table.items()) {
    bool known = false;
    for (const char* k : kKeys) known = known || item.key() == k;
    require(known, context + ": unknown key '" + item.key() +
                       "'; allowed: base, seeds, combine, [axes], [random], [runner]");
  }
  SweepSpec spec;
  require(table.contains("base"), context + ": `base` is required (a config path or a [base] table)");
  const Json& base = table.at("base");
  if (base.is_string()) {
    auto path = std::filesystem::path(base.get<std::string>());
    if (path.is_relative() && !source_path.empty()) path = std::filesystem::path(source_path).parent_path() / path;
    spec.base_source = path.string();
    spec.base = read_toml_file(spec.base_source);
  } else {
    require(base.is_object(), context + ": `base` must be a config path or a [base] table");
    spec.base = base;
    spec.base_source = context + " [base]";
  }
  spec.source = table;
  spec.source["base"] = spec.base;

  if (table.contains("seeds")) {
    const Json& seeds = table.at("seeds");
    require(seeds.is_array() && !seeds.empty(), context + ": `seeds` must be a non-empty array of integers");
    for (const auto& s : seeds) {
      require(s.is_number_integer() && s.get<int64_t>() >= 0, context + ": `seeds` must hold integers >= 0");
      spec.seeds.push_back(s.get<uint64_t>());
    }
  } else {
    spec.seeds = {spec.base.value("seed", Json(0)).get<uint64_t>()};
  }
  spec.combine = table.value("combine", Json("product")).get<std::string>();
  require(spec.combine == "product" || spec.combine == "zip",
          context + ": combine = \"" + spec.combine + "\" is not allowed; allowed: product, zip");

  if (table.contains("axes")) {
    require(table.at("axes").is_object(), context + ": [axes] must be a table of \"section.key\" = [values]");
    for (const auto& [key, values] : table.at("axes").items()) {
      require(values.is_array(), context + " [axes] '" + key + "': expected an array of values");
      require(!values.empty(), context + " [axes] '" + key + "': the axis is empty");
      require(key != "seed", context + " [axes] 'seed': give seeds as `seeds = [...]`");
      spec.axes.emplace_back(key, std::vector<Json>(values.begin(), values.end()));
    }
  }
  if (spec.combine == "zip" && !spec.axes.empty()) {
    for (const auto& [key, values] : spec.axes) {
      require(values.size() == spec.axes.front().second.size(),
              context + " [axes] '" + key + "': combine = \"zip\" needs axes of one length (" +
                  std::to_string(values.size()) + " vs " + std::to_string(spec.axes.front().second.size()) +
                  " for '" + spec.axes.front().first + "')");
    }
  }
  if (table.contains("random")) {
    const Json& random = table.at("random");
    require(random.is_object(), context + ": [random] must be a table");
    for (const auto& [key, value] : random.items()) {
      if (key == "samples") {
        require(value.is_number_integer() && value.get<int64_t>() >= 1, context + " [random] samples: expected >= 1");
        spec.random_samples = value.get<int64_t>();
      } else if (key == "seed") {
        require(value.is_number_integer() && value.get<int64_t>() >= 0, context + " [random] seed: expected >= 0");
        spec.random_seed = value.get<uint64_t>();
      } else {
        check_range(key, value, context);
        spec.random_ranges.emplace_back(key, value);
      }
    }
    require(spec.random_samples > 0 && !spec.random_ranges.empty(),
            context + " [random]: needs `samples` and at least one \"section.key\" = {range}");
  }
  // Key order, whatever the source: a TOML file's tables come back sorted, a dict from Python
  // in insertion order; the same sweep must give the same cells either way.
  const auto by_key = [](const auto& a, const auto& b) { return a.first < b.first; };
  std::sort(spec.axes.begin(), spec.axes.end(), by_key);
  std::sort(spec.random_ranges.begin(), spec.random_ranges.end(), by_key);
  if (table.contains("runner")) {
    const Json runner = resolve_params(
        table.at("runner"),
        {ParamSpec{"threads_per_cell", ParamKind::integer, 1, "LibTorch threads of one cell"}.with_min(1),
         ParamSpec{"workers", ParamKind::integer, 0, "cells at once in one process (0: cores / threads_per_cell)"}
             .with_min(0)},
        context + " [runner]");
    spec.threads_per_cell = runner.at("threads_per_cell").get<int64_t>();
    spec.workers = runner.at("workers").get<int64_t>();
  }
  return spec;
}

SweepSpec read_sweep_file(const std::string& path) { return parse_sweep(read_toml_file(path), path); }

std::vector<std::string> value_keys(const SweepSpec& spec) {
  std::vector<std::string> keys;
  for (const auto& axis : spec.axes) keys.push_back(axis.first);
  for (const auto& range : spec.random_ranges) keys.push_back(range.first);
  return keys;
}

std::vector<Cell> expand(const SweepSpec& spec) {
  // Axis combinations, each a list of (key, value).
  std::vector<Json> combos = {Json::object()};
  if (spec.combine == "zip" && !spec.axes.empty()) {
    combos.clear();
    for (size_t i = 0; i < spec.axes.front().second.size(); ++i) {
      Json combo = Json::object();
      for (const auto& [key, values] : spec.axes) combo[key] = values[i];
      combos.push_back(combo);
    }
  } else {
    for (const auto& [key, values] : spec.axes) {
      std::vector<Json> next;
      for (const auto& combo : combos) {
        for (const auto& v : values) {
          Json c = combo;
          c[key] = v;
          next.push_back(c);
        }
      }
      combos = std::move(next);
    }
  }
  // Random samples: sample k draws every range from (random seed, "sweep-random", k).
  if (spec.random_samples > 0) {
    std::vector<Json> next;
    for (const auto& combo : combos) {
      for (int64_t k = 0; k < spec.random_samples; ++k) {
        Rng rng = Rng::derive(spec.random_seed, "sweep-random", uint64_t(k));
        Json c = combo;
        for (const auto& [key, range] : spec.random_ranges) c[key] = draw(key, range, rng, "sweep");
        next.push_back(c);
      }
    }
    combos = std::move(next);
  }
  std::vector<Cell> cells;
  const size_t total = combos.size() * spec.seeds.size();
  const int width = std::max<int>(4, int(std::to_string(total - 1).size()));
  for (const auto& combo : combos) {
    for (uint64_t seed : spec.seeds) {
      Cell cell;
      char id[32];
      std::snprintf(id, sizeof id, "%0*zu", width, cells.size());
      cell.id = id;
      cell.values = combo;
      cell.seed = seed;
      cell.config = spec.base;
      for (const auto& [key, value] : combo.items()) set_dotted(cell.config, key, value, "sweep [axes] '" + key + "'");
      cell.config["seed"] = seed;
      cells.push_back(std::move(cell));
    }
  }
  return cells;
}

}  // namespace rnnscope::sweeps
