// Rule reversal (rule_reversal.cpp): the sequence layout, the rule switches and the feedback
// that reveals them, the targets that follow the previous trial's rule, and the criterion.
#include "rnnscope/tasks/registry.h"
#include "rnnscope/tasks/scoring.h"
#include "task_view.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace rnnscope::tasks {
namespace {

std::string at(const std::string& name, int64_t i) { return name + "_" + std::to_string(i); }

TEST(RuleReversal, FiveTrialsOfFourJitteredEpochsInOneSequence) {
  const auto task = make("rule_reversal", Json::object());  // dt 50 ms
  ASSERT_EQ(task->info().periods.size(), 20u);
  const Batch b = task->batch(64, 1);
  const View v{*task, b};
  std::set<int64_t> lengths;
  for (int64_t k = 0; k < b.trials; ++k) {
    for (const auto& p : task->info().periods) {
      const auto [s, e] = v.steps(p, k);
      EXPECT_GE(e - s, 8) << p;   // 400 ms
      EXPECT_LE(e - s, 12) << p;  // 600 ms
      lengths.insert(e - s);
    }
  }
  EXPECT_GT(lengths.size(), 2u);
  const auto fixed = make("rule_reversal", Json{{"timing", {{"stimulus", 500}, {"response", 500}, {"feedback", 500}, {"wait", 500}}}});
  EXPECT_EQ(fixed->batch(4, 1).steps, 20 * 10);
}

TEST(RuleReversal, TargetsFollowThePreviousRuleAndFeedbackRevealsSwitches) {
  const auto task = make("rule_reversal", Json{{"switch_probability", 0.5}});
  const Batch b = task->batch(128, 2);
  const View v{*task, b};
  const int64_t fix_in = v.in_channel("fixation"), stim = v.in_channel("stimulus"),
                fb = v.in_channel("feedback"), resp = v.out_channel("response");
  int64_t switches = 0;
  for (int64_t k = 0; k < b.trials; ++k) {
    int64_t believed = 0;
    for (int64_t i = 1; i <= 5; ++i) {
      const auto s = static_cast<int64_t>(v.cond(at("stimulus", i), k));
      const auto rule = static_cast<int64_t>(v.cond(at("rule", i), k));
      const auto answer = static_cast<int64_t>(v.cond(at("answer", i), k));
      if (i > 1) switches += rule != static_cast<int64_t>(v.cond(at("rule", i - 1), k));
      EXPECT_EQ(answer, believed == 0 ? s : 1 - s);
      EXPECT_EQ(v.cond(at("right", i), k), believed == rule ? 1 : 0);
      const auto [r0, r1] = v.steps(at("response", i), k);
      for (int64_t t = r0; t < r1; ++t) {
        EXPECT_EQ(v.target_class(t, k), resp + answer);
        EXPECT_EQ(v.mask(t, k), i == 1 ? 0.0f : 1.0f);
        EXPECT_EQ(v.in(t, k, fix_in), 0.0f);
        EXPECT_EQ(v.in(t, k, stim + s), 1.0f);
      }
      const auto [f0, f1] = v.steps(at("feedback", i), k);
      for (int64_t t = f0; t < f1; ++t) {
        EXPECT_EQ(v.in(t, k, fb), believed == rule ? 1.0f : 0.0f);
        EXPECT_EQ(v.in(t, k, fb + 1), believed == rule ? 0.0f : 1.0f);
        EXPECT_EQ(v.target_class(t, k), v.out_channel("fixation"));
        EXPECT_EQ(v.in(t, k, fix_in), 1.0f);
      }
      believed = rule;
    }
  }
  // 4 chances per sequence at probability 0.5: about 256 switches.
  EXPECT_GT(switches, 180);
  EXPECT_LT(switches, 330);
  const auto never = make("rule_reversal", Json{{"switch_probability", 0}});
  const Batch nb = never->batch(32, 3);
  for (int64_t k = 0; k < nb.trials; ++k) {
    for (int64_t i = 2; i <= 5; ++i) EXPECT_EQ(nb.conditions.at(at("right", i))[static_cast<size_t>(k)], 1);
  }
}

TEST(RuleReversal, CriterionScoresEveryResponseButTheFirst) {
  const auto task = make("rule_reversal", Json::object());
  const Batch b = task->batch(2, 4);
  const View v{*task, b};
  const int64_t resp = v.out_channel("response");
  std::vector<float> out(b.targets);
  for (float& x : out) x *= 10.0f;
  auto answer_with = [&](int64_t i, int64_t choice) {
    const auto [r0, r1] = v.steps(at("response", i), 0);
    for (int64_t t = r0; t < r1; ++t) {
      for (int64_t c = 0; c < b.n_outputs; ++c) {
        out[static_cast<size_t>((t * b.trials) * b.n_outputs + c)] = c == resp + choice ? 10.0f : 0.0f;
      }
    }
  };
  EXPECT_EQ(task->score(b, out.data())[0], 1);
  const auto first = static_cast<int64_t>(v.cond(at("answer", 1), 0));
  answer_with(1, 1 - first);  // trial 1 is not scored
  EXPECT_EQ(task->score(b, out.data())[0], 1);
  const auto third = static_cast<int64_t>(v.cond(at("answer", 3), 0));
  answer_with(3, 1 - third);
  EXPECT_EQ(task->score(b, out.data())[0], 0);
}

}  // namespace
}  // namespace rnnscope::tasks
