// The Yang 2019 family (yang_family.cpp): epochs and their jitter, the input layout (rule
// one-hot, fixation, ring profiles per modality), targets, answers, and the population-vector
// performance measure on hand-made outputs.
#include "rnnscope/tasks/registry.h"
#include "rnnscope/tasks/scoring.h"
#include "task_view.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace rnnscope::tasks {
namespace {

// Name and index in Yang 2019's list of 20 rules.
const std::vector<std::pair<std::string, int64_t>> kFamily = {
    {"go", 0},     {"rtgo", 1},       {"dlygo", 2},   {"anti", 3},          {"rtanti", 4},
    {"dlyanti", 5}, {"dm1", 6},       {"ctxdm1", 8},  {"multsendm", 10},    {"dlydm1", 11},
    {"ctxdlydm1", 13}, {"multsendlydm", 15}, {"dms", 16}, {"dnms", 17}, {"dmc", 18}, {"dnmc", 19}};

constexpr int64_t kFixIn = 0, kMod1 = 1, kMod2 = 33, kRule = 65;  // input offsets
constexpr int64_t kFixOut = 0, kRing = 1;                         // output offsets

double profile(double direction, int64_t unit) {
  const double d = circular_distance(2 * M_PI * static_cast<double>(unit) / 32, direction);
  return 0.8 * std::exp(-0.5 * std::pow(8 * d / M_PI, 2));
}

// Whether ring `offset` shows strength·profile(direction) at step t (sigma = 0).
bool ring_shows(const View& v, int64_t t, int64_t k, int64_t offset, double direction, double strength) {
  for (int64_t i = 0; i < 32; ++i) {
    if (std::fabs(v.in(t, k, offset + i) - strength * profile(direction, i)) > 1e-5) return false;
  }
  return true;
}

bool ring_silent(const View& v, int64_t t, int64_t k, int64_t offset) {
  return ring_shows(v, t, k, offset, 0, 0);
}

std::vector<std::string> family_names() {
  std::vector<std::string> out;
  for (const auto& [name, rule] : kFamily) out.push_back(name);
  return out;
}

class YangTask : public ::testing::TestWithParam<std::string> {
 protected:
  int64_t rule() const {
    for (const auto& [name, rule] : kFamily) {
      if (name == GetParam()) return rule;
    }
    return -1;
  }
};

TEST_P(YangTask, SharedLayoutLossAndCriterion) {
  const auto task = make(GetParam(), Json::object());
  const TaskInfo& info = task->info();
  EXPECT_EQ(info.n_inputs(), 1 + 32 + 32 + 20);
  EXPECT_EQ(info.n_outputs(), 1 + 32);
  EXPECT_EQ(info.loss, LossKind::mse);
  EXPECT_EQ(info.default_target_accuracy, 0.99);
  EXPECT_EQ(info.periods.front(), "burn_in");
  EXPECT_EQ(info.periods.back(), "response");
  EXPECT_TRUE(info.is_integer_condition("responds"));
}

TEST_P(YangTask, EpochsJitterByAtMost100MsInTrainingAndNotAtAllWhenEvaluated) {
  const auto jittered = make(GetParam(), Json::object());  // dt 20 ms
  // What the trainer's evaluation and `rnnscope eval` draw from (MISSION.md §1).
  const auto fixed = evaluation_task(*jittered);
  EXPECT_EQ(fixed->params().at("jitter_ms"), 0.0);
  EXPECT_EQ(jittered->params().at("jitter_ms"), 100.0);
  const Batch bj = jittered->batch(64, 3);
  const Batch bf = fixed->batch(16, 3);
  const View vj{*jittered, bj}, vf{*fixed, bf};
  const std::map<std::string, int64_t> nominal_steps = {
      {"burn_in", 50},   {"fixation", 25}, {"stimulus", 25}, {"stimulus1", 25},
      {"delay", 50},     {"stimulus2", 25}, {"response", 25}};
  for (const auto& period : jittered->info().periods) {
    const int64_t nominal = nominal_steps.at(period);
    const bool fixed_length = period == "burn_in" || period == "response";
    std::set<int64_t> lengths;
    for (int64_t k = 0; k < bj.trials; ++k) {
      const auto [s, e] = vj.steps(period, k);
      lengths.insert(e - s);
      EXPECT_GE(e - s, fixed_length ? nominal : nominal - 5) << period;  // 100 ms = 5 steps
      EXPECT_LE(e - s, fixed_length ? nominal : nominal + 5) << period;
    }
    EXPECT_EQ(lengths.size() > 1, !fixed_length) << period;
    for (int64_t k = 0; k < bf.trials; ++k) {
      const auto [s, e] = vf.steps(period, k);
      EXPECT_EQ(e - s, nominal) << period;
    }
  }
}

TEST(YangFamily, TasksWithoutEvaluationParametersAreEvaluatedAsConfigured) {
  const auto task = make("delayed_match", Json{{"dt", 25}});
  EXPECT_EQ(evaluation_task(*task)->params(), task->params());
}

TEST_P(YangTask, BurnInShowsOnlyTheRuleAndCarriesNoLoss) {
  const auto task = make(GetParam(), Json::object());
  const Batch b = task->batch(8, 4);
  const View v{*task, b};
  for (int64_t k = 0; k < b.trials; ++k) {
    const auto [s, e] = v.steps("burn_in", k);
    EXPECT_EQ(e - s, 50);
    for (int64_t t = s; t < e; ++t) {
      EXPECT_EQ(v.mask(t, k), 0.0f);
      EXPECT_EQ(v.in(t, k, kFixIn), 0.0f);
      EXPECT_TRUE(ring_silent(v, t, k, kMod1) && ring_silent(v, t, k, kMod2)) << t;
    }
    // The rule one-hot is on at every step, at Yang's index.
    for (int64_t t = 0; t < b.trial_steps[static_cast<size_t>(k)]; ++t) {
      for (int64_t r = 0; r < 20; ++r) EXPECT_EQ(v.in(t, k, kRule + r), r == rule() ? 1.0f : 0.0f);
      EXPECT_EQ(v.mask(t, k), t < e ? 0.0f : 1.0f);
    }
  }
}

TEST_P(YangTask, FixationInputAndTargetsFollowTheEpochs) {
  const auto task = make(GetParam(), Json::object());
  const Batch b = task->batch(32, 5);
  const View v{*task, b};
  const bool reaction = GetParam().rfind("rt", 0) == 0;
  for (int64_t k = 0; k < b.trials; ++k) {
    const int64_t fix_start = v.steps("fixation", k).first;
    const auto [r0, r1] = v.steps("response", k);
    const bool responds = v.cond("responds", k) == 1;
    const double answer = v.cond("answer_direction", k);
    for (int64_t t = fix_start; t < r1; ++t) {
      const bool in_response = t >= r0;
      EXPECT_EQ(v.in(t, k, kFixIn), !in_response || reaction ? 1.0f : 0.0f);
      const bool moves = in_response && responds;
      EXPECT_FLOAT_EQ(v.target(t, k, kFixOut), moves ? 0.05f : 0.85f);
      for (int64_t i = 0; i < 32; ++i) {
        EXPECT_NEAR(v.target(t, k, kRing + i), moves ? profile(answer, i) + 0.05 : 0.05, 1e-6);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Family, YangTask, ::testing::ValuesIn(family_names()),
                         [](const auto& info) { return info.param; });

TEST(YangFamily, EveryTaskIsRegistered) {
  const auto all = names();
  for (const auto& [name, rule] : kFamily) {
    EXPECT_NE(std::find(all.begin(), all.end(), name), all.end()) << name;
  }
}

TEST(YangFamily, RingProfileIsYangs) {
  // A go trial at sigma 0: the stimulus ring is 0.8·exp(−½(8Δ/π)²); at Δ = π/16 that is
  // 0.8·exp(−1/8).
  const auto task = make("go", Json{{"sigma", 0}});
  const Batch b = task->batch(16, 2);
  const View v{*task, b};
  for (int64_t k = 0; k < b.trials; ++k) {
    const double dir = v.cond("stimulus_direction", k);
    const int64_t shown = v.cond("modality", k) == 0 ? kMod1 : kMod2;
    const int64_t other = shown == kMod1 ? kMod2 : kMod1;
    const auto [s0, s1] = v.steps("stimulus", k);
    const int64_t r1 = v.steps("response", k).second;
    for (int64_t t = v.steps("fixation", k).first; t < r1; ++t) {
      EXPECT_TRUE(t < s0 ? ring_silent(v, t, k, shown) : ring_shows(v, t, k, shown, dir, 1.0)) << t;
      EXPECT_TRUE(ring_silent(v, t, k, other));
    }
    EXPECT_NEAR(v.cond("answer_direction", k), dir, 1e-12);
  }
  EXPECT_NEAR(profile(0, 1), 0.8 * std::exp(-0.125), 1e-12);
  EXPECT_NEAR(profile(0, 0), 0.8, 1e-12);
}

TEST(YangFamily, DelayedAndReactionTasksShowTheStimulusInTheirEpochOnly) {
  for (const char* name : {"dlygo", "rtanti"}) {
    const auto task = make(name, Json{{"sigma", 0}});
    const Batch b = task->batch(8, 7);
    const View v{*task, b};
    const bool reaction = std::string(name) == "rtanti";
    for (int64_t k = 0; k < b.trials; ++k) {
      const double dir = v.cond("stimulus_direction", k);
      const int64_t shown = v.cond("modality", k) == 0 ? kMod1 : kMod2;
      const auto [on, off] = v.steps(reaction ? "response" : "stimulus", k);
      for (int64_t t = v.steps("fixation", k).first; t < b.trial_steps[static_cast<size_t>(k)]; ++t) {
        EXPECT_TRUE(t >= on && t < off ? ring_shows(v, t, k, shown, dir, 1.0) : ring_silent(v, t, k, shown))
            << name << " step " << t;
      }
      const double answer = v.cond("answer_direction", k);
      EXPECT_NEAR(circular_distance(answer, dir), reaction ? M_PI : 0.0, 1e-9) << name;
    }
  }
}

TEST(YangFamily, DecisionTasksAnswerTheStrongerStimulusByTheirRule) {
  for (const char* name : {"dm1", "ctxdm1", "multsendm", "dlydm1", "ctxdlydm1", "multsendlydm"}) {
    const std::string n = name;
    const auto task = make(name, Json{{"sigma", 0}});
    const Batch b = task->batch(64, 8);
    const View v{*task, b};
    const bool both = n.find("ctx") == 0 || n.find("multsen") == 0;
    const bool sequential = n.find("dly") != std::string::npos;
    for (int64_t k = 0; k < b.trials; ++k) {
      const double d1 = v.cond("strength_difference_mod1", k);
      const double d2 = both ? v.cond("strength_difference_mod2", k) : 0.0;
      const double deciding = n.find("multsen") == 0 ? d1 + d2 : d1;
      ASSERT_NE(deciding, 0.0);
      const double dir1 = v.cond("direction1", k), dir2 = v.cond("direction2", k);
      EXPECT_GE(circular_distance(dir1, dir2), 0.5 * M_PI - 1e-9);
      EXPECT_DOUBLE_EQ(v.cond("answer_direction", k), deciding > 0 ? dir1 : dir2) << name;
      EXPECT_EQ(v.cond("responds", k), 1);
      // Modality 2 is silent unless both modalities show the stimuli.
      const int64_t t_first = v.steps(sequential ? "stimulus1" : "stimulus", k).first;
      EXPECT_EQ(ring_silent(v, t_first, k, kMod2), !both) << name;
      EXPECT_FALSE(ring_silent(v, t_first, k, kMod1)) << name;
      if (sequential) {
        // Stimulus 1 alone, then the delay shows nothing.
        EXPECT_TRUE(ring_silent(v, v.steps("delay", k).first, k, kMod1));
        // At the unit nearest each direction the profile is 0.8 within 3%, so the two peaks
        // differ by 0.8·((mean + d) − (mean − d)) = 0.8·d1 up to 0.05.
        const auto peak = [&](int64_t t, double dir) {
          return v.in(t, k, kMod1 + std::lround(dir / (2 * M_PI) * 32) % 32);
        };
        EXPECT_NEAR(peak(t_first, dir1) - peak(v.steps("stimulus2", k).first, dir2), 0.8 * d1, 0.05)
            << name;
      }
    }
  }
}

TEST(YangFamily, MatchTasksRespondByMatchAndCategory) {
  for (const char* name : {"dms", "dnms", "dmc", "dnmc"}) {
    const std::string n = name;
    const auto task = make(name, Json{{"sigma", 0}});
    const Batch b = task->batch(128, 9);
    const View v{*task, b};
    const bool category = n.find("c") == n.size() - 1;
    const bool go_on_match = n[1] != 'n';
    int64_t responses = 0;
    for (int64_t k = 0; k < b.trials; ++k) {
      const double sample = v.cond("sample_direction", k), test = v.cond("test_direction", k);
      const bool match = v.cond("match", k) == 1;
      if (category) {
        EXPECT_EQ(match, (sample < M_PI) == (test < M_PI)) << name;
        EXPECT_GE(std::min(circular_distance(sample, 0), circular_distance(sample, M_PI)), 0.1 * M_PI - 1e-9);
      } else {
        EXPECT_EQ(match, sample == test) << name;
      }
      EXPECT_EQ(v.cond("responds", k) == 1, match == go_on_match) << name;
      responses += v.cond("responds", k) == 1;
      const int64_t shown = v.cond("modality", k) == 0 ? kMod1 : kMod2;
      EXPECT_TRUE(ring_shows(v, v.steps("stimulus1", k).first, k, shown, sample, 1.0));
      EXPECT_TRUE(ring_silent(v, v.steps("delay", k).first, k, shown));
      EXPECT_TRUE(ring_shows(v, v.steps("stimulus2", k).first, k, shown, test, 1.0));
      EXPECT_TRUE(ring_silent(v, v.steps("response", k).first, k, shown));
    }
    EXPECT_GT(responses, 32) << name;
    EXPECT_LT(responses, 96) << name;
  }
}

TEST(YangFamily, PopulationVectorAndCircularDistanceKnownAnswers) {
  std::vector<double> ring(32, 0.05);
  ring[8] = 1.0;  // unit 8 prefers π/2
  EXPECT_NEAR(population_vector_angle(ring), M_PI / 2, 1e-12);
  std::vector<double> bump(32);
  for (int64_t i = 0; i < 32; ++i) bump[static_cast<size_t>(i)] = profile(4.0, i) + 0.05;
  EXPECT_NEAR(population_vector_angle(bump), 4.0, 1e-9);
  EXPECT_NEAR(circular_distance(0.1, 2 * M_PI - 0.1), 0.2, 1e-12);
  EXPECT_NEAR(circular_distance(1.0, 1.0 + M_PI), M_PI, 1e-12);
}

// Outputs built from the targets of a batch, then edited per case.
struct HandMade {
  const Batch& b;
  std::vector<float> out;
  explicit HandMade(const Batch& batch) : b(batch), out(batch.targets) {}
  float& at(int64_t t, int64_t k, int64_t c) {
    return out[static_cast<size_t>((t * b.trials + k) * b.n_outputs + c)];
  }
  void ring_bump(int64_t t, int64_t k, double direction) {
    for (int64_t i = 0; i < 32; ++i) at(t, k, kRing + i) = static_cast<float>(profile(direction, i) + 0.05);
  }
};

TEST(YangFamily, PerformanceMeasureOnHandMadeOutputs) {
  const auto task = make("dlygo", Json::object());
  const Batch b = task->batch(4, 10);
  const View v{*task, b};
  const int64_t k = 0;
  const auto [r0, r1] = v.steps("response", k);
  const double answer = v.cond("answer_direction", k);
  const auto score = [&](const HandMade& h) { return task->score(b, h.out.data())[0]; };

  HandMade correct(b);
  EXPECT_EQ(score(correct), 1);
  HandMade near_enough(b);
  near_enough.ring_bump(r1 - 1, k, answer + 0.15 * M_PI);  // inside 0.2π
  EXPECT_EQ(score(near_enough), 1);
  HandMade wrong_angle(b);
  wrong_angle.ring_bump(r1 - 1, k, answer + 0.25 * M_PI);  // outside 0.2π
  EXPECT_EQ(score(wrong_angle), 0);
  HandMade broke_fixation(b);
  broke_fixation.at(v.steps("delay", k).first + 3, k, kFixOut) = 0.4f;
  EXPECT_EQ(score(broke_fixation), 0);
  HandMade never_released(b);
  never_released.at(r1 - 1, k, kFixOut) = 0.6f;
  EXPECT_EQ(score(never_released), 0);
  // The burn-in is not judged: dropping fixation there changes nothing.
  HandMade burn_in_free(b);
  burn_in_free.at(v.steps("burn_in", k).first, k, kFixOut) = 0.0f;
  EXPECT_EQ(score(burn_in_free), 1);
}

TEST(YangFamily, TrialsWithoutAResponseMustKeepFixating) {
  const auto task = make("dms", Json::object());
  const Batch b = task->batch(32, 11);
  const View v{*task, b};
  int64_t k = 0;
  while (v.cond("responds", k) == 1) ++k;
  const int64_t r1 = v.steps("response", k).second;
  HandMade kept(b);
  EXPECT_EQ(task->score(b, kept.out.data())[static_cast<size_t>(k)], 1);
  HandMade released(b);
  released.at(r1 - 1, k, kFixOut) = 0.3f;
  EXPECT_EQ(task->score(b, released.out.data())[static_cast<size_t>(k)], 0);
}

TEST(YangFamily, StrengthDifferencesAreADecisionParameterOnly) {
  EXPECT_NO_THROW(make("dm1", Json{{"strength_differences", {0.5}}}));
  EXPECT_ANY_THROW(make("dm1", Json{{"strength_differences", {0.0}}}));
  EXPECT_ANY_THROW(make("go", Json{{"strength_differences", {0.5}}}));
  EXPECT_ANY_THROW(make("go", Json{{"jitter_ms", -1}}));
}

}  // namespace
}  // namespace rnnscope::tasks
