// Timing specs: parsing, errors that name the key, sampling within bounds, rounding to dt,
// and merging the user's table over a task's defaults.
#include "rnnscope/core/error.h"
#include "rnnscope/tasks/registry.h"
#include "rnnscope/tasks/timing.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

namespace rnnscope::tasks {
namespace {

std::string error_of(const Json& spec, const std::string& where = "timing.delay") {
  try {
    TimingSpec::parse(spec, where);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Timing, RoundsToTheNearestStep) {
  EXPECT_EQ(ms_to_steps(100, 20), 5);
  EXPECT_EQ(ms_to_steps(0, 20), 0);
  EXPECT_EQ(ms_to_steps(29, 20), 1);
  EXPECT_EQ(ms_to_steps(30, 20), 2);  // halves round up
  EXPECT_EQ(ms_to_steps(9, 20), 0);
  EXPECT_EQ(ms_to_steps(83, 10), 8);
}

TEST(Timing, FixedAndConstantForms) {
  Rng rng(1);
  EXPECT_EQ(TimingSpec::parse(300, "t").sample_ms(rng), 300);
  EXPECT_EQ(TimingSpec::parse(Json{{"constant", 250.5}}, "t").sample_ms(rng), 250.5);
  EXPECT_EQ(TimingSpec::parse(0, "t").max_ms(), 0);
}

TEST(Timing, ChoiceDrawsOnlyListedValuesAndAllOfThem) {
  const auto spec = TimingSpec::parse(Json{{"choice", {100, 200, 300}}}, "t");
  Rng rng(2);
  std::set<double> seen;
  for (int i = 0; i < 300; ++i) seen.insert(spec.sample_ms(rng));
  EXPECT_EQ(seen, (std::set<double>{100, 200, 300}));
  EXPECT_EQ(spec.min_ms(), 100);
  EXPECT_EQ(spec.max_ms(), 300);
}

TEST(Timing, UniformStaysWithinBounds) {
  const auto spec = TimingSpec::parse(Json{{"uniform", {500, 1500}}}, "t");
  Rng rng(3);
  double lo = 1e9, hi = -1e9, sum = 0;
  const int n = 5000;
  for (int i = 0; i < n; ++i) {
    const double x = spec.sample_ms(rng);
    lo = std::min(lo, x);
    hi = std::max(hi, x);
    sum += x;
  }
  EXPECT_GE(lo, 500);
  EXPECT_LT(hi, 1500);
  EXPECT_LT(lo, 520);
  EXPECT_GT(hi, 1480);
  EXPECT_NEAR(sum / n, 1000, 20);
}

TEST(Timing, TruncatedExponentialStaysWithinBoundsWithTheRightMean) {
  Rng rng(4);
  const auto bounded = TimingSpec::parse(Json{{"truncexp", {300, 100, 600}}}, "t");
  for (int i = 0; i < 5000; ++i) {
    const double x = bounded.sample_ms(rng);
    EXPECT_GE(x, 100);
    EXPECT_LE(x, 600);
  }
  // With a far upper bound the draw is lo + Exponential(mean): its mean is lo + mean.
  const auto wide = TimingSpec::parse(Json{{"truncexp", {100, 50, 1e6}}}, "t");
  double sum = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) sum += wide.sample_ms(rng);
  EXPECT_NEAR(sum / n, 150, 4);
  // Conditioned on [lo, hi]: the mean of Exp(300) truncated to [100, 600] is
  // lo + m - (hi - lo) e^{-(hi-lo)/m} / (1 - e^{-(hi-lo)/m}).
  const double m = 300, span = 500;
  const double expected = 100 + m - span * std::exp(-span / m) / (1 - std::exp(-span / m));
  sum = 0;
  for (int i = 0; i < n; ++i) sum += bounded.sample_ms(rng);
  EXPECT_NEAR(sum / n, expected, 4);
}

TEST(Timing, EqualBoundsGiveThatValue) {
  Rng rng(5);
  EXPECT_EQ(TimingSpec::parse(Json{{"uniform", {200, 200}}}, "t").sample_ms(rng), 200);
  EXPECT_EQ(TimingSpec::parse(Json{{"truncexp", {50, 200, 200}}}, "t").sample_ms(rng), 200);
}

TEST(Timing, BadSpecsNameTheKeyAndTheAllowedForms) {
  const std::string unknown = error_of(Json{{"unifrom", {1, 2}}});
  EXPECT_NE(unknown.find("timing.delay"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("unifrom"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("truncexp"), std::string::npos) << unknown;  // the allowed forms

  const std::string negative = error_of(-5);
  EXPECT_NE(negative.find("timing.delay"), std::string::npos) << negative;
  EXPECT_NE(negative.find("-5"), std::string::npos) << negative;

  const std::string reversed = error_of(Json{{"uniform", {2000, 500}}});
  EXPECT_NE(reversed.find("timing.delay.uniform"), std::string::npos) << reversed;
  EXPECT_NE(reversed.find("lo must not exceed hi"), std::string::npos) << reversed;

  for (const Json& bad : {Json("300"), Json::array({100, 200}), Json{{"uniform", {1}}},
                          Json{{"uniform", {1, 2, 3}}}, Json{{"choice", Json::array()}},
                          Json{{"choice", {100, -1}}}, Json{{"truncexp", {0, 1, 2}}},
                          Json{{"truncexp", {10, 5, 1}}}, Json{{"constant", "x"}},
                          Json{{"uniform", {1, 2}}, {"choice", {1}}}, Json(nullptr),
                          Json(true)}) {
    EXPECT_FALSE(error_of(bad).empty()) << bad.dump();
  }
}

TEST(Timing, OverridesMergeOverDefaultsKeyByKey) {
  const Json defaults{{"fixation", 100}, {"delay", {{"uniform", {500, 1500}}}}, {"decision", 200}};
  const Timing timing(defaults, Json{{"delay", 700}}, "ctx");
  EXPECT_EQ(timing.keys(), (std::vector<std::string>{"fixation", "delay", "decision"}));
  EXPECT_EQ(timing.table().at("delay"), 700);
  EXPECT_EQ(timing.table().at("fixation"), 100);
  EXPECT_EQ(timing.spec("delay").kind(), TimingSpec::Kind::fixed);
  EXPECT_TRUE(timing.has("decision"));
  EXPECT_FALSE(timing.has("test"));
  // Merging the merged table again changes nothing.
  EXPECT_EQ(Timing(defaults, timing.table(), "ctx").table(), timing.table());
}

TEST(Timing, UnknownPeriodErrorListsThePeriods) {
  const Json defaults{{"fixation", 100}, {"decision", 200}};
  try {
    Timing(defaults, Json{{"decison", 100}}, "config.toml [task]");
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("config.toml [task] timing"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'decison'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("fixation, decision"), std::string::npos) << msg;
  }
  EXPECT_THROW(Timing(defaults, Json{{"decision", {{"uniform", {3, 1}}}}}, "c"), Error);
}

TEST(Timing, MinimumStepsIsChecked) {
  const Timing timing(Json{{"decision", {{"uniform", {5, 100}}}}}, Json(), "c");
  EXPECT_NO_THROW(timing.require_min_steps("decision", 0, 20));
  EXPECT_THROW(timing.require_min_steps("decision", 1, 20), Error);
  EXPECT_NO_THROW(timing.require_min_steps("decision", 1, 5));
}

TEST(Timing, TimingParamDeclaresTheDefaults) {
  const Json defaults{{"fixation", 100}};
  const ParamSpec spec = timing_param(defaults);
  EXPECT_EQ(spec.name, "timing");
  EXPECT_EQ(spec.kind, ParamKind::timing);
  EXPECT_EQ(spec.default_value, defaults);
}

TEST(Timing, UserTimingAndDtReachTheTrials) {
  // decision 200 ms at dt 10 ms = 20 steps; the other periods keep their defaults.
  const auto task = make("perceptual_dm", Json{{"dt", 10}, {"timing", {{"decision", 200}}}});
  EXPECT_EQ(task->params().at("timing").at("decision"), 200);
  EXPECT_EQ(task->params().at("timing").at("fixation"), 100);
  const Batch b = task->batch(4, 1);
  const auto decision = static_cast<int64_t>(period_index(task->info(), "decision"));
  for (int64_t k = 0; k < b.trials; ++k) {
    const int64_t start = b.period_bounds[static_cast<size_t>((decision * b.trials + k) * 2)];
    const int64_t end = b.period_bounds[static_cast<size_t>((decision * b.trials + k) * 2 + 1)];
    EXPECT_EQ(end - start, 20);
  }
  EXPECT_EQ(b.steps, (100 + 750 + 0 + 200) / 10);
}

TEST(Timing, ScoredPeriodsMustLastAStep) {
  EXPECT_THROW(make("perceptual_dm", Json{{"timing", {{"decision", 0}}}}), Error);
  EXPECT_THROW(make("delayed_match", Json{{"timing", {{"decision", 5}}}}), Error);
  EXPECT_NO_THROW(make("delayed_match", Json{{"timing", {{"delay", 0}}}}));
}

}  // namespace
}  // namespace rnnscope::tasks
