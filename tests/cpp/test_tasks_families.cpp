// What each task family shows and asks for: inputs per period, labels, targets, and the
// edges of its criterion.
#include "rnnscope/core/error.h"
#include "rnnscope/tasks/registry.h"
#include "rnnscope/tasks/scoring.h"
#include "task_view.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

namespace rnnscope::tasks {
namespace {

TEST(PerceptualDm, StimulusFavoursTheGroundTruthAndFixationGoesOffAtDecision) {
  const auto task = make("perceptual_dm", Json{{"sigma", 0}});
  const Batch b = task->batch(64, 1);
  const View v{*task, b};
  std::set<double> coherences;
  for (int64_t k = 0; k < b.trials; ++k) {
    const auto gt = static_cast<int64_t>(v.cond("ground_truth", k));
    const double coh = v.cond("coherence", k);
    coherences.insert(coh);
    const auto [s0, s1] = v.steps("stimulus", k);
    const auto [d0, d1] = v.steps("decision", k);
    EXPECT_EQ(s1 - s0, 38);  // 750 ms / 20 ms = 37.5 rounds up
    EXPECT_EQ(d1 - d0, 100 / 20);
    for (int64_t t = 0; t < d0; ++t) {
      EXPECT_EQ(v.in(t, k, v.in_channel("fixation")), 1.0f);
      EXPECT_EQ(v.target_class(t, k), v.out_channel("fixation"));
      EXPECT_EQ(v.mask(t, k), 1.0f);
    }
    for (int64_t t = d0; t < d1; ++t) {
      EXPECT_EQ(v.in(t, k, v.in_channel("fixation")), 0.0f);
      EXPECT_EQ(v.target_class(t, k), v.out_channel("choice", gt));
      EXPECT_EQ(v.mask(t, k), 1.0f);
    }
    const float right = v.in(s0, k, v.in_channel("stimulus", gt));
    const float other = v.in(s0, k, v.in_channel("stimulus", 1 - gt));
    EXPECT_NEAR(right - other, coh / 100.0, 1e-5);
    EXPECT_NEAR(right + other, 1.0, 1e-5);
    EXPECT_EQ(v.in(d0, k, v.in_channel("stimulus")), 0.0f);
  }
  EXPECT_EQ(coherences, (std::set<double>{0, 6.4, 12.8, 25.6, 51.2}));
}

TEST(PerceptualDm, NoiseStdIsSigmaOverSqrtDt) {
  for (double dt : {10.0, 40.0}) {
    const auto task = make("perceptual_dm", Json{{"dt", dt}, {"sigma", 2.0}, {"coherences", {0}}});
    const Batch b = task->batch(200, 3);
    const View v{*task, b};
    double sum = 0, sum_sq = 0;
    int64_t n = 0;
    for (int64_t k = 0; k < b.trials; ++k) {
      const auto [s0, s1] = v.steps("stimulus", k);
      for (int64_t t = s0; t < s1; ++t) {
        const double x = v.in(t, k, v.in_channel("stimulus")) - 0.5;
        sum += x;
        sum_sq += x * x;
        ++n;
      }
    }
    const double mean = sum / static_cast<double>(n);
    const double std = std::sqrt(sum_sq / static_cast<double>(n) - mean * mean);
    EXPECT_NEAR(std, 2.0 / std::sqrt(dt), 0.03 * 2.0 / std::sqrt(dt)) << "dt " << dt;
  }
}

TEST(PerceptualDm, MoreChoicesMeanMoreChannels) {
  const auto task = make("perceptual_dm", Json{{"n_choices", 4}});
  EXPECT_EQ(task->info().n_inputs(), 5);
  EXPECT_EQ(task->info().n_outputs(), 5);
  EXPECT_THROW(make("perceptual_dm", Json{{"n_choices", 1}}), Error);
  EXPECT_THROW(make("perceptual_dm", Json{{"coherences", Json::array()}}), Error);
  EXPECT_THROW(make("perceptual_dm", Json{{"coherences", {50, 101}}}), Error);
}

TEST(PerceptualDm, DecisionIsReadFromTheMeanOverTheDecisionPeriod) {
  const auto task = make("perceptual_dm", Json::object());
  const Batch b = task->batch(1, 4);
  const View v{*task, b};
  const auto gt = static_cast<int64_t>(v.cond("ground_truth", 0));
  const auto [d0, d1] = v.steps("decision", 0);
  std::vector<float> out(b.targets.size(), 0.0f);
  // One step strongly wrong, the others mildly right: the mean is wrong.
  for (int64_t t = d0; t < d1; ++t) out[static_cast<size_t>(t * 3 + 1 + gt)] = 1.0f;
  out[static_cast<size_t>(d0 * 3 + 1 + (1 - gt))] = 100.0f;
  EXPECT_EQ(task->score(b, out.data())[0], 0);
  out[static_cast<size_t>(d0 * 3 + 1 + (1 - gt))] = 0.0f;
  EXPECT_EQ(task->score(b, out.data())[0], 1);
}

TEST(ContextDm, TheCuedModalityDecides) {
  const auto task = make("context_dm", Json{{"sigma", 0}});
  const Batch b = task->batch(128, 2);
  const View v{*task, b};
  int64_t incongruent = 0;
  std::set<double> delays;
  for (int64_t k = 0; k < b.trials; ++k) {
    const auto context = static_cast<int64_t>(v.cond("context", k));
    const auto c1 = static_cast<int64_t>(v.cond("choice_mod1", k));
    const auto c2 = static_cast<int64_t>(v.cond("choice_mod2", k));
    const auto gt = static_cast<int64_t>(v.cond("ground_truth", k));
    EXPECT_EQ(gt, context == 0 ? c1 : c2);
    incongruent += c1 != c2;
    const auto [s0, s1] = v.steps("stimulus", k);
    const auto [d0, d1] = v.steps("delay", k);
    delays.insert(static_cast<double>(d1 - d0));
    EXPECT_GE(d1 - d0, 100 / 20);
    EXPECT_LE(d1 - d0, 600 / 20);
    for (int64_t t = 0; t < b.trial_steps[static_cast<size_t>(k)]; ++t) {
      EXPECT_EQ(v.in(t, k, v.in_channel("context", context)), 1.0f);
      EXPECT_EQ(v.in(t, k, v.in_channel("context", 1 - context)), 0.0f);
    }
    const float m1 = v.in(s0, k, v.in_channel("modality1", c1)) - v.in(s0, k, v.in_channel("modality1", 1 - c1));
    const float m2 = v.in(s0, k, v.in_channel("modality2", c2)) - v.in(s0, k, v.in_channel("modality2", 1 - c2));
    EXPECT_NEAR(m1, v.cond("coh_mod1", k) / 100.0, 1e-5);
    EXPECT_NEAR(m2, v.cond("coh_mod2", k) / 100.0, 1e-5);
    EXPECT_EQ(v.target_class(b.trial_steps[static_cast<size_t>(k)] - 1, k), v.out_channel("choice", gt));
  }
  EXPECT_GT(incongruent, 20);  // conflicting trials exist, so the cue matters
  EXPECT_GT(delays.size(), 3u);  // the delay varies
}

TEST(DelayedMatch, MatchIffTestEqualsSampleAndTheDelayVaries) {
  const auto task = make("delayed_match", Json{{"sigma", 0}});
  const Batch b = task->batch(128, 3);
  const View v{*task, b};
  std::set<int64_t> lengths;
  int64_t matches = 0;
  for (int64_t k = 0; k < b.trials; ++k) {
    const auto sample = static_cast<int64_t>(v.cond("sample", k));
    const auto test = static_cast<int64_t>(v.cond("test", k));
    const auto gt = static_cast<int64_t>(v.cond("ground_truth", k));
    EXPECT_EQ(gt, sample == test ? 0 : 1);
    matches += gt == 0;
    const auto [sa0, sa1] = v.steps("sample", k);
    const auto [d0, d1] = v.steps("delay", k);
    const auto [te0, te1] = v.steps("test", k);
    EXPECT_EQ(v.cond("delay_ms", k), static_cast<double>(d1 - d0) * 20);
    EXPECT_GE(v.cond("delay_ms", k), 500);
    EXPECT_LE(v.cond("delay_ms", k), 1500);
    for (int64_t c = 0; c < 4; ++c) {
      EXPECT_EQ(v.in(sa0, k, v.in_channel("stimulus", c)), c == sample ? 1.0f : 0.0f);
      EXPECT_EQ(v.in(te0, k, v.in_channel("stimulus", c)), c == test ? 1.0f : 0.0f);
      EXPECT_EQ(v.in(d0, k, v.in_channel("stimulus", c)), 0.0f);
    }
    EXPECT_EQ(v.target_class(te1, k), v.out_channel("choice", gt));
    lengths.insert(b.trial_steps[static_cast<size_t>(k)]);
  }
  EXPECT_GT(matches, 30);
  EXPECT_LT(matches, 98);
  EXPECT_GT(lengths.size(), 10u);
}

TEST(NParity, TargetsAreTheParityOfTheLastNBitsInResponseWindowsOnly) {
  const auto task = make("n_parity", Json{{"n_bits", 3}, {"n_pulses", 5}});
  EXPECT_EQ(task->info().periods.size(), 11u);
  const Batch b = task->batch(64, 5);
  const View v{*task, b};
  for (int64_t k = 0; k < b.trials; ++k) {
    std::vector<int64_t> bits;
    for (int64_t i = 1; i <= 5; ++i) bits.push_back(static_cast<int64_t>(v.cond("bit_" + std::to_string(i), k)));
    for (int64_t i = 1; i <= 5; ++i) {
      const auto [p0, p1] = v.steps("pulse_" + std::to_string(i), k);
      const auto [r0, r1] = v.steps("response_" + std::to_string(i), k);
      EXPECT_EQ(p1 - p0, 5);
      EXPECT_EQ(r1 - r0, 10);
      const int64_t bit = bits[static_cast<size_t>(i - 1)];
      EXPECT_EQ(v.in(p0, k, bit), 1.0f);
      EXPECT_EQ(v.in(p0, k, 1 - bit), 0.0f);
      EXPECT_EQ(v.in(r0, k, 0) + v.in(r0, k, 1), 0.0f);
      EXPECT_EQ(v.mask(p0, k), 0.0f);
      if (i < 3) {
        EXPECT_EQ(v.mask(r0, k), 0.0f);
        continue;
      }
      const int64_t parity = (bits[static_cast<size_t>(i - 3)] + bits[static_cast<size_t>(i - 2)] +
                              bits[static_cast<size_t>(i - 1)]) % 2;
      for (int64_t t = r0; t < r1; ++t) {
        EXPECT_EQ(v.mask(t, k), 1.0f);
        EXPECT_EQ(v.target_class(t, k), parity);
      }
    }
  }
}

TEST(NParity, OneWrongWindowFailsTheTrial) {
  const auto task = make("n_parity", Json::object());
  const Batch b = task->batch(1, 6);
  const View v{*task, b};
  std::vector<float> out(b.targets);
  for (float& x : out) x *= 10.0f;
  EXPECT_EQ(task->score(b, out.data())[0], 1);
  const auto [r0, r1] = v.steps("response_4", 0);
  for (int64_t t = r0; t < r1; ++t) std::swap(out[static_cast<size_t>(t * 2)], out[static_cast<size_t>(t * 2 + 1)]);
  EXPECT_EQ(task->score(b, out.data())[0], 0);
}

TEST(NParity, RejectsMoreBitsThanPulses) {
  EXPECT_THROW(make("n_parity", Json{{"n_bits", 4}, {"n_pulses", 3}}), Error);
  EXPECT_NO_THROW(make("n_parity", Json{{"n_bits", 3}, {"n_pulses", 3}}));
  EXPECT_THROW(make("n_parity", Json{{"timing", {{"pulse", 0}}}}), Error);
}

TEST(IntervalReproduction, ReadySetAndSetGoBothSpanTheInterval) {
  const auto task = make("interval_reproduction", Json::object());
  const Batch b = task->batch(64, 7);
  const View v{*task, b};
  std::set<double> intervals;
  for (int64_t k = 0; k < b.trials; ++k) {
    const double ts = v.cond("interval_ms", k);
    intervals.insert(ts);
    const int64_t ts_steps = std::llround(ts / 20);
    const auto [ready0, ready1] = v.steps("ready", k);
    const auto [set0, set1] = v.steps("set", k);
    const auto [go, end] = v.steps("response", k);
    EXPECT_EQ(set0 - ready0, ts_steps);
    EXPECT_EQ(go - set0, ts_steps);
    EXPECT_EQ(end - go, 300 / 20);
    EXPECT_EQ(v.in(ready0, k, v.in_channel("ready")), 1.0f);
    EXPECT_EQ(v.in(ready1, k, v.in_channel("ready")), 0.0f);
    EXPECT_EQ(v.in(set0, k, v.in_channel("set")), 1.0f);
    EXPECT_EQ(v.in(set0 - 1, k, v.in_channel("fixation")), 1.0f);
    EXPECT_EQ(v.in(set0, k, v.in_channel("fixation")), 0.0f);
    for (int64_t t = 0; t < end; ++t) {
      EXPECT_EQ(v.mask(t, k), t >= set0 ? 1.0f : 0.0f);
      EXPECT_EQ(v.target(t, k, 0), t >= go ? 1.0f : 0.0f);
    }
  }
  EXPECT_EQ(intervals, (std::set<double>{480, 560, 640, 720, 800}));
}

TEST(IntervalReproduction, GoWithinFifteenPercentCounts) {
  const auto task = make("interval_reproduction", Json{{"intervals", {800}}});
  const Batch b = task->batch(1, 8);
  const View v{*task, b};
  const int64_t set0 = v.steps("set", 0).first;
  auto output_going_at = [&](double produced_ms) {
    std::vector<float> out(b.targets.size(), 0.0f);
    const int64_t go = set0 + std::llround(produced_ms / 20);
    for (int64_t t = go; t < b.trial_steps[0]; ++t) out[static_cast<size_t>(t)] = 1.0f;
    return task->score(b, out.data())[0];
  };
  EXPECT_EQ(output_going_at(800), 1);
  EXPECT_EQ(output_going_at(900), 1);   // 12.5% late
  EXPECT_EQ(output_going_at(700), 1);
  EXPECT_EQ(output_going_at(960), 0);   // 20% late
  EXPECT_EQ(output_going_at(620), 0);
  std::vector<float> silent(b.targets.size(), 0.0f);
  EXPECT_EQ(task->score(b, silent.data())[0], 0);  // never goes
}

TEST(IntervalReproduction, IntervalsMustOutlastThePulses) {
  EXPECT_THROW(make("interval_reproduction", Json{{"intervals", {40}}}), Error);
  EXPECT_THROW(make("interval_reproduction", Json{{"intervals", {0}}}), Error);
  EXPECT_NO_THROW(make("interval_reproduction", Json{{"intervals", {100}}}));
}

TEST(CentreOutReach, HandStaysThenReachesTheRotatedTarget) {
  const auto task = make("centre_out_reach", Json{{"rotation", 30}});
  const Batch b = task->batch(64, 3);
  const View v{*task, b};
  std::set<double> targets;
  for (int64_t k = 0; k < b.trials; ++k) {
    EXPECT_EQ(b.trial_steps[size_t(k)], 50);
    const double deg = v.cond("target_deg", k);
    targets.insert(deg);
    EXPECT_DOUBLE_EQ(deg, 45 * v.cond("target", k));
    EXPECT_DOUBLE_EQ(v.cond("rotation_deg", k), 30);
    const double end = (deg - 30) * M_PI / 180;
    const auto [go, reach_end] = v.steps("reach", k);
    EXPECT_EQ(v.in(go - 1, k, v.in_channel("fixation")), 1.0f);
    EXPECT_EQ(v.in(go, k, v.in_channel("fixation")), 0.0f);
    EXPECT_NEAR(v.in(go, k, v.in_channel("target")), std::cos(deg * M_PI / 180), 1e-6);
    EXPECT_NEAR(v.in(go, k, v.in_channel("target") + 1), std::sin(deg * M_PI / 180), 1e-6);
    for (int64_t t = 0; t < 50; ++t) {
      EXPECT_EQ(v.mask(t, k), 1.0f);
      const double x = v.target(t, k, 0), y = v.target(t, k, 1);
      if (t < go) {
        EXPECT_EQ(x, 0.0);
        EXPECT_EQ(y, 0.0);
      } else {
        // On the ray to the endpoint, moving out monotonically, at the endpoint from the last reach step on.
        EXPECT_NEAR(x * std::sin(end) - y * std::cos(end), 0, 1e-6);
        if (t > go) {
          EXPECT_GE(std::hypot(x, y), std::hypot(v.target(t - 1, k, 0), v.target(t - 1, k, 1)) - 1e-6);
        }
        if (t >= reach_end - 1) {
          EXPECT_NEAR(std::hypot(x, y), 1, 1e-6);
        }
      }
    }
    EXPECT_LT(std::hypot(v.target(go, k, 0), v.target(go, k, 1)), 0.01);  // minimum jerk starts slowly
  }
  EXPECT_EQ(targets.size(), 8u);
}

TEST(CentreOutReach, HitWhenTheHoldPositionIsNearTheEndpoint) {
  const auto task = make("centre_out_reach", Json{{"rotation", -45}, {"targets", 4}});
  const Batch b = task->batch(1, 9);
  const double end = (b.conditions.at("target_deg")[0] + 45) * M_PI / 180;
  auto holding_at = [&](double x, double y) {
    std::vector<float> out(b.targets.size(), 0.0f);
    for (int64_t t = 0; t < b.trial_steps[0]; ++t) {
      out[size_t(t * 2)] = float(x);
      out[size_t(t * 2 + 1)] = float(y);
    }
    return task->score(b, out.data())[0];
  };
  EXPECT_EQ(holding_at(std::cos(end), std::sin(end)), 1);
  EXPECT_EQ(holding_at(0.95 * std::cos(end), 0.95 * std::sin(end)), 1);
  EXPECT_EQ(holding_at(0.85 * std::cos(end), 0.85 * std::sin(end)), 0);
  EXPECT_EQ(holding_at(std::cos(end + 0.5), std::sin(end + 0.5)), 0);  // the unrotated direction is a miss
  EXPECT_THROW(make("centre_out_reach", Json{{"targets", 1}}), Error);
  EXPECT_THROW(make("centre_out_reach", Json{{"rotation", 200}}), Error);
}

}  // namespace
}  // namespace rnnscope::tasks
