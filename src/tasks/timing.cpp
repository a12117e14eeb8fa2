// Period timing specs (neurogym's fixed / choice / uniform / truncated-exponential forms),
// their parsing with key-naming errors, per-trial sampling and rounding to dt steps.
#include "rnnscope/tasks/timing.h"

#include "rnnscope/core/error.h"
#include "text.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace rnnscope::tasks {
namespace {

std::string number_text(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// A non-negative finite duration in ms.
double duration_value(const Json& value, const std::string& where) {
  require(value.is_number(), where + ": expected a duration in ms (a number), got " + value.dump());
  const double ms = value.get<double>();
  require(std::isfinite(ms) && ms >= 0,
          where + " = " + value.dump() + " is not allowed; durations are finite and >= 0 ms");
  return ms;
}

// The array of `count` durations (count 0 = any non-empty length) under a spec key.
std::vector<double> duration_list(const Json& value, size_t count, const std::string& where,
                                  const std::string& shape) {
  require(value.is_array() && (count == 0 ? !value.empty() : value.size() == count),
          where + ": expected " + shape + ", got " + value.dump());
  std::vector<double> out;
  for (size_t i = 0; i < value.size(); ++i) {
    out.push_back(duration_value(value[i], where + "[" + std::to_string(i) + "]"));
  }
  return out;
}

}  // namespace

std::string timing_forms() {
  return "a number of ms, {constant = ms}, {choice = [ms, ...]}, {uniform = [lo, hi]}, "
         "{truncexp = [mean, lo, hi]}";
}

TimingSpec TimingSpec::fixed(double ms) { return TimingSpec(Kind::fixed, {ms}); }

TimingSpec TimingSpec::parse(const Json& spec, const std::string& where) {
  if (spec.is_number()) return fixed(duration_value(spec, where));
  require(spec.is_object() && spec.size() == 1,
          where + " = " + spec.dump() + " is not a timing; allowed forms: " + timing_forms());
  const auto only = spec.begin();
  const std::string key = only.key();
  const Json& value = only.value();
  const std::string at = where + "." + key;
  if (key == "constant") return fixed(duration_value(value, at));
  if (key == "choice") return TimingSpec(Kind::choice, duration_list(value, 0, at, "a non-empty list of ms"));
  if (key == "uniform") {
    auto v = duration_list(value, 2, at, "[lo, hi] in ms");
    require(v[0] <= v[1], at + " = " + value.dump() + ": lo must not exceed hi");
    return TimingSpec(Kind::uniform, std::move(v));
  }
  if (key == "truncexp") {
    auto v = duration_list(value, 3, at, "[mean, lo, hi] in ms");
    require(v[0] > 0, at + " = " + value.dump() + ": the mean must be > 0");
    require(v[1] <= v[2], at + " = " + value.dump() + ": lo must not exceed hi");
    return TimingSpec(Kind::truncexp, std::move(v));
  }
  throw Error(where + ": unknown timing form '" + key + "'; allowed forms: " + timing_forms());
}

double TimingSpec::sample_ms(Rng& rng) const {
  switch (kind_) {
    case Kind::fixed: return values_[0];
    case Kind::choice: return rng.choice(values_);
    case Kind::uniform: return rng.uniform(values_[0], values_[1]);
    case Kind::truncexp: {
      // Inverse CDF of the exponential conditioned on [lo, hi]: the same distribution as
      // neurogym's rejection loop, in one draw however unlikely [lo, hi] is.
      const double mean = values_[0], lo = values_[1], hi = values_[2];
      const double mass = -std::expm1(-(hi - lo) / mean);  // P(x < hi | x >= lo)
      const double x = lo - mean * std::log1p(-rng.uniform() * mass);
      return std::min(x, hi);  // guards the last ulp against rounding
    }
  }
  return values_[0];
}

double TimingSpec::min_ms() const {
  switch (kind_) {
    case Kind::choice: {
      double m = values_[0];
      for (double v : values_) m = std::min(m, v);
      return m;
    }
    case Kind::truncexp: return values_[1];
    default: return values_[0];
  }
}

double TimingSpec::max_ms() const {
  switch (kind_) {
    case Kind::choice: {
      double m = values_[0];
      for (double v : values_) m = std::max(m, v);
      return m;
    }
    case Kind::uniform: return values_[1];
    case Kind::truncexp: return values_[2];
    default: return values_[0];
  }
}

std::string TimingSpec::text() const {
  std::vector<std::string> parts;
  for (double v : values_) parts.push_back(number_text(v));
  switch (kind_) {
    case Kind::fixed: return parts[0];
    case Kind::choice: return "choice [" + join(parts) + "]";
    case Kind::uniform: return "uniform [" + join(parts) + "]";
    case Kind::truncexp: return "truncexp mean " + parts[0] + " in [" + parts[1] + ", " + parts[2] + "]";
  }
  return "?";
}

int64_t ms_to_steps(double ms, double dt_ms) { return std::llround(ms / dt_ms); }

Timing::Timing(const Json& defaults, const Json& overrides, const std::string& context)
    : context_(context), table_(Json::object()) {
  const std::string where = context + " timing";
  require(overrides.is_object() || overrides.is_null(),
          where + ": expected a table of period = timing, got " + overrides.dump());
  if (overrides.is_object()) {
    for (const auto& item : overrides.items()) {
      if (defaults.contains(item.key())) continue;
      std::vector<std::string> known;
      for (const auto& d : defaults.items()) known.push_back(d.key());
      throw Error(where + ": unknown period '" + item.key() + "'; periods with a timing: " +
                  join(known));
    }
  }
  for (const auto& item : defaults.items()) {
    const bool given = overrides.is_object() && overrides.contains(item.key());
    const Json& value = given ? overrides.at(item.key()) : item.value();
    specs_.emplace_back(item.key(), TimingSpec::parse(value, where + "." + item.key()));
    table_[item.key()] = value;
  }
}

std::vector<std::string> Timing::keys() const {
  std::vector<std::string> out;
  for (const auto& entry : specs_) out.push_back(entry.first);
  return out;
}

bool Timing::has(const std::string& key) const {
  for (const auto& entry : specs_) {
    if (entry.first == key) return true;
  }
  return false;
}

const TimingSpec& Timing::spec(const std::string& key) const {
  for (const auto& entry : specs_) {
    if (entry.first == key) return entry.second;
  }
  throw std::out_of_range("timing has no period '" + key + "'");
}

void Timing::require_min_steps(const std::string& key, int64_t steps, double dt_ms) const {
  const double shortest = spec(key).min_ms();
  require(ms_to_steps(shortest, dt_ms) >= steps,
          context_ + " timing." + key + ": the shortest duration (" + number_text(shortest) +
              " ms) must last at least " + std::to_string(steps) + " step(s) of dt = " +
              number_text(dt_ms) + " ms");
}

ParamSpec timing_param(const Json& defaults) {
  return ParamSpec("timing", ParamKind::timing, defaults,
                   "period durations in ms, overriding the defaults per period; each is " + timing_forms());
}

}  // namespace rnnscope::tasks
