// The trial builder and the scoring helpers on a hand-made task description.
#include "rnnscope/tasks/scoring.h"
#include "rnnscope/tasks/trial_builder.h"

#include <gtest/gtest.h>

namespace rnnscope::tasks {
namespace {

TaskInfo toy_info() {
  TaskInfo info;
  info.name = "toy";
  info.periods = {"a", "b", "c"};
  info.inputs = {{"cue", 1, ""}, {"stim", 2, ""}};
  info.outputs = {{"fix", 1, ""}, {"choice", 2, ""}};
  return info;
}

TEST(TrialBuilder, LaysOutPeriodsAndWritesNamedGroups) {
  const TaskInfo info = toy_info();
  const Timing timing(Json{{"a", 40}, {"b", 60}}, Json(), "toy");
  Rng rng(1);
  TrialBuilder builder(info, timing, 20, rng);
  auto t = builder.periods({{"c", 10}});  // c: 10 ms at dt 20 rounds to 1 step
  EXPECT_EQ(t.steps(), 2 + 3 + 1);
  EXPECT_EQ(t.start("b"), 2);
  EXPECT_EQ(t.end("b"), 5);
  t.input({"a", "b"}).set(1.0, "cue");
  t.input("b").set({0.25, 0.75}, "stim").add(1.0, "stim").add_noise(0.0);
  t.target({"a", "b"}).set_class(0, "fix");
  t.target("b").mask(0.5);
  t.target("c").set_class(1, "choice");
  const Trial trial = t.finish({{"label", 3}});
  EXPECT_EQ(trial.conditions.at("label"), 3);
  EXPECT_EQ(trial.period_bounds, (std::vector<int64_t>{0, 2, 2, 5, 5, 6}));
  // Step 3 (in b): cue 1, stim 1.25 / 1.75; step 5 (in c): nothing shown.
  EXPECT_EQ(trial.inputs[3 * 3 + 0], 1.0f);
  EXPECT_EQ(trial.inputs[3 * 3 + 1], 1.25f);
  EXPECT_EQ(trial.inputs[3 * 3 + 2], 1.75f);
  EXPECT_EQ(trial.inputs[5 * 3 + 0], 0.0f);
  EXPECT_EQ(trial.inputs[0 * 3 + 1], 0.0f);
  EXPECT_EQ(trial.targets[0 * 3 + 0], 1.0f);
  EXPECT_EQ(trial.targets[5 * 3 + 2], 1.0f);
  EXPECT_EQ(trial.targets[5 * 3 + 0], 0.0f);
  EXPECT_EQ(trial.mask, (std::vector<float>{1, 1, 0.5f, 0.5f, 0.5f, 1}));
}

TEST(TrialBuilder, ProgrammingErrorsAreLogicErrors) {
  const TaskInfo info = toy_info();
  const Timing timing(Json{{"a", 40}, {"b", 60}}, Json(), "toy");
  Rng rng(1);
  TrialBuilder builder(info, timing, 20, rng);
  EXPECT_THROW(builder.periods(), std::logic_error);  // c has no duration
  auto t = builder.periods({{"c", 20}});
  EXPECT_THROW(t.input("a").set(std::vector<double>{1.0}, "stim"), std::logic_error);
  EXPECT_THROW(t.input("a").add_noise(1.0), std::logic_error);
  EXPECT_THROW(t.target("a").set_class(2, "choice"), std::logic_error);
  EXPECT_THROW(t.target("a").mask(2.0), std::logic_error);
}

TEST(Scoring, MeansArgmaxAndCrossings) {
  Batch b;
  b.steps = 4;
  b.trials = 1;
  b.n_outputs = 2;
  b.trial_steps = {3};
  b.period_bounds = {0, 1, 1, 3};
  const std::vector<float> out = {0, 1, 3, 0, 0, 2, 9, 9};  // step 3 is padding
  EXPECT_EQ(mean_outputs(b, out.data(), 0, 1, 3), (std::vector<double>{1.5, 1.0}));
  EXPECT_EQ(argmax_mean_output(b, out.data(), 0, 1, 3), 0);
  EXPECT_EQ(argmax_mean_output(b, out.data(), 0, 2, 2), -1);
  EXPECT_TRUE(chooses(b, out.data(), 0, 0, 1));
  EXPECT_EQ(first_crossing(b, out.data(), 0, 1, 0, 0.5), 0);
  EXPECT_EQ(first_crossing(b, out.data(), 0, 1, 1, 0.5), 2);
  EXPECT_EQ(first_crossing(b, out.data(), 0, 0, 0, 5.0), -1);  // padding is not looked at
}

}  // namespace
}  // namespace rnnscope::tasks
