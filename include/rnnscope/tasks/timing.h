// Period durations of a task, in neurogym's forms: each period lasts a fixed number of ms,
// or a value drawn per trial from a list, a uniform range or a truncated exponential.
// Durations are rounded to whole dt steps. A task declares one default per timing key; the
// user's `timing` table overrides them key by key, and unknown keys or forms are errors.
#pragma once

#include "rnnscope/core/params.h"
#include "rnnscope/core/rng.h"

#include <cstdint>
#include <string>
#include <vector>

namespace rnnscope::tasks {

// One period's duration distribution (all values in ms).
//   300                      fixed
//   {constant = 300}         fixed (neurogym's Constant)
//   {choice = [a, b, …]}     one of the values, equally likely
//   {uniform = [lo, hi]}     uniform on [lo, hi)
//   {truncexp = [mean, lo, hi]}  exponential of the given mean conditioned on [lo, hi]
class TimingSpec {
 public:
  enum class Kind { fixed, choice, uniform, truncexp };

  // Throws Error naming `where` (e.g. "config.toml [task] timing.delay") and the allowed
  // forms when `spec` is not one of them or its values are negative, NaN or out of order.
  static TimingSpec parse(const Json& spec, const std::string& where);
  static TimingSpec fixed(double ms);

  Kind kind() const { return kind_; }
  const std::vector<double>& values() const { return values_; }
  double sample_ms(Rng& rng) const;
  double min_ms() const;  // smallest possible draw
  double max_ms() const;  // largest possible draw
  std::string text() const;  // "300", "uniform [500, 1500]", … for help output

 private:
  TimingSpec(Kind kind, std::vector<double> values) : kind_(kind), values_(std::move(values)) {}
  Kind kind_;
  std::vector<double> values_;
};

// The forms TimingSpec::parse accepts, for error and help messages.
std::string timing_forms();

// A duration in ms as a number of dt steps, rounded to the nearest step (halves round up).
int64_t ms_to_steps(double ms, double dt_ms);

// The timing table of one task: the task's defaults with the user's overrides merged in.
class Timing {
 public:
  // `defaults` and `overrides` are tables key -> spec; every override key must be a key of
  // `defaults` (else Error listing the keys). `context` prefixes error messages.
  Timing(const Json& defaults, const Json& overrides, const std::string& context);

  const Json& table() const { return table_; }  // merged, in the defaults' key order
  std::vector<std::string> keys() const;
  bool has(const std::string& key) const;
  const TimingSpec& spec(const std::string& key) const;  // std::out_of_range if absent
  double sample_ms(const std::string& key, Rng& rng) const { return spec(key).sample_ms(rng); }

  // Error unless every draw of `key` lasts at least `steps` steps of `dt_ms` — for periods a
  // task's criterion reads (a decision period of zero steps could never be scored).
  void require_min_steps(const std::string& key, int64_t steps, double dt_ms) const;

 private:
  std::string context_;
  Json table_;
  std::vector<std::pair<std::string, TimingSpec>> specs_;
};

// The `timing` parameter of a task whose default timing table is `defaults`.
ParamSpec timing_param(const Json& defaults);

}  // namespace rnnscope::tasks
