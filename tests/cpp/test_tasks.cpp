// Properties every registered task must have: shapes, determinism under a seed, masks,
// labels, period bounds, and a criterion that accepts the targets and rejects wrong answers.
#include "rnnscope/core/error.h"
#include "rnnscope/tasks/registry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace rnnscope::tasks {
namespace {

constexpr int64_t kTrials = 24;

// Outputs that give the targets' answer: large logits on the target class (cross-entropy)
// or the target values themselves (MSE).
std::vector<float> right_outputs(const Task& task, const Batch& batch) {
  std::vector<float> out(batch.targets);
  if (task.info().loss == LossKind::cross_entropy) {
    for (float& v : out) v *= 10.0f;
  }
  return out;
}

// Outputs that give a wrong answer wherever the loss counts: the next class over
// (cross-entropy) or 1 - target (MSE); zero elsewhere.
std::vector<float> wrong_outputs(const Task& task, const Batch& batch) {
  std::vector<float> out(batch.targets.size(), 0.0f);
  const int64_t n = batch.n_outputs;
  for (int64_t tb = 0; tb < batch.steps * batch.trials; ++tb) {
    if (batch.mask[static_cast<size_t>(tb)] == 0) continue;
    const auto first = batch.targets.begin() + tb * n;
    if (task.info().loss == LossKind::cross_entropy) {
      const int64_t k = std::max_element(first, first + n) - first;
      out[static_cast<size_t>(tb * n + (k + 1) % n)] = 10.0f;
    } else {
      for (int64_t c = 0; c < n; ++c) out[static_cast<size_t>(tb * n + c)] = 1.0f - first[c];
    }
  }
  return out;
}

class EveryTask : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { task_ = make(GetParam(), Json::object()); }
  std::unique_ptr<Task> task_;
};

TEST_P(EveryTask, ShapesMatchTheTaskInfo) {
  const Batch b = task_->batch(kTrials, 1);
  const TaskInfo& info = task_->info();
  EXPECT_EQ(b.trials, kTrials);
  EXPECT_EQ(b.n_inputs, info.n_inputs());
  EXPECT_EQ(b.n_outputs, info.n_outputs());
  EXPECT_GT(info.n_inputs(), 0);
  EXPECT_GT(info.n_outputs(), 0);
  EXPECT_EQ(b.dt_ms, task_->params().at("dt").get<double>());
  EXPECT_EQ(b.inputs.size(), static_cast<size_t>(b.steps * b.trials * b.n_inputs));
  EXPECT_EQ(b.targets.size(), static_cast<size_t>(b.steps * b.trials * b.n_outputs));
  EXPECT_EQ(b.mask.size(), static_cast<size_t>(b.steps * b.trials));
  ASSERT_EQ(b.trial_steps.size(), static_cast<size_t>(kTrials));
  EXPECT_EQ(*std::max_element(b.trial_steps.begin(), b.trial_steps.end()), b.steps);
  EXPECT_GT(*std::min_element(b.trial_steps.begin(), b.trial_steps.end()), 0);
  // Default trials stay short enough for quick CPU training (the longest: rule_reversal's
  // 5 published trials of 4 epochs of 500 ± 100 ms, 240 steps at dt = 50 ms).
  EXPECT_LE(b.steps, 240);
  EXPECT_FALSE(info.criterion.empty());
  EXPECT_FALSE(info.description.empty());
  EXPECT_GT(info.default_target_accuracy, 0.0);
  EXPECT_LE(info.default_target_accuracy, 1.0);
}

TEST_P(EveryTask, SameSeedSameBatchOtherSeedOtherBatch) {
  const Batch a = task_->batch(kTrials, 42);
  const Batch b = task_->batch(kTrials, 42);
  const Batch c = task_->batch(kTrials, 43);
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.inputs, b.inputs);
  EXPECT_EQ(a.targets, b.targets);
  EXPECT_EQ(a.mask, b.mask);
  EXPECT_EQ(a.conditions, b.conditions);
  EXPECT_EQ(a.period_bounds, b.period_bounds);
  EXPECT_EQ(a.trial_steps, b.trial_steps);
  EXPECT_TRUE(a.inputs != c.inputs || a.conditions != c.conditions);
}

TEST_P(EveryTask, TrialsDoNotDependOnBatchSize) {
  const Batch small = task_->batch(3, 9);
  const Batch large = task_->batch(kTrials, 9);
  for (int64_t b = 0; b < small.trials; ++b) {
    ASSERT_EQ(small.trial_steps[static_cast<size_t>(b)], large.trial_steps[static_cast<size_t>(b)]);
    for (int64_t t = 0; t < small.trial_steps[static_cast<size_t>(b)]; ++t) {
      for (int64_t i = 0; i < small.n_inputs; ++i) {
        EXPECT_EQ(small.inputs[static_cast<size_t>((t * small.trials + b) * small.n_inputs + i)],
                  large.inputs[static_cast<size_t>((t * large.trials + b) * large.n_inputs + i)]);
      }
    }
    for (const auto& [name, values] : small.conditions) {
      EXPECT_EQ(values[static_cast<size_t>(b)], large.conditions.at(name)[static_cast<size_t>(b)]) << name;
    }
  }
}

TEST_P(EveryTask, MaskInUnitRangeAndPaddingIsZero) {
  const Batch b = task_->batch(kTrials, 2);
  float mask_total = 0;
  for (int64_t t = 0; t < b.steps; ++t) {
    for (int64_t k = 0; k < b.trials; ++k) {
      const float m = b.mask[static_cast<size_t>(t * b.trials + k)];
      EXPECT_GE(m, 0.0f);
      EXPECT_LE(m, 1.0f);
      mask_total += m;
      if (t < b.trial_steps[static_cast<size_t>(k)]) continue;
      EXPECT_EQ(m, 0.0f);
      for (int64_t i = 0; i < b.n_inputs; ++i) {
        EXPECT_EQ(b.inputs[static_cast<size_t>((t * b.trials + k) * b.n_inputs + i)], 0.0f);
      }
      for (int64_t o = 0; o < b.n_outputs; ++o) {
        EXPECT_EQ(b.targets[static_cast<size_t>((t * b.trials + k) * b.n_outputs + o)], 0.0f);
      }
    }
  }
  EXPECT_GT(mask_total, 0.0f);
}

TEST_P(EveryTask, CrossEntropyTargetsAreOneHotWhereTheLossCounts) {
  if (task_->info().loss != LossKind::cross_entropy) GTEST_SKIP() << "MSE task";
  const Batch b = task_->batch(kTrials, 3);
  for (int64_t tb = 0; tb < b.steps * b.trials; ++tb) {
    if (b.mask[static_cast<size_t>(tb)] == 0) continue;
    int ones = 0;
    for (int64_t o = 0; o < b.n_outputs; ++o) {
      const float v = b.targets[static_cast<size_t>(tb * b.n_outputs + o)];
      EXPECT_TRUE(v == 0.0f || v == 1.0f);
      ones += v == 1.0f;
    }
    EXPECT_EQ(ones, 1) << "step*trial " << tb;
  }
}

TEST_P(EveryTask, ConditionsHaveOneValuePerTrial) {
  const Batch b = task_->batch(kTrials, 4);
  EXPECT_FALSE(b.conditions.empty());
  for (const auto& [name, values] : b.conditions) {
    EXPECT_EQ(values.size(), static_cast<size_t>(kTrials)) << name;
    for (double v : values) EXPECT_TRUE(std::isfinite(v)) << name;
  }
}

TEST_P(EveryTask, PeriodsCoverEachTrialContiguously) {
  const Batch b = task_->batch(kTrials, 5);
  const auto n_periods = static_cast<int64_t>(task_->info().periods.size());
  ASSERT_EQ(b.period_bounds.size(), static_cast<size_t>(n_periods * b.trials * 2));
  for (int64_t k = 0; k < b.trials; ++k) {
    int64_t expected_start = 0;
    for (int64_t p = 0; p < n_periods; ++p) {
      const int64_t start = b.period_bounds[static_cast<size_t>((p * b.trials + k) * 2)];
      const int64_t end = b.period_bounds[static_cast<size_t>((p * b.trials + k) * 2 + 1)];
      EXPECT_EQ(start, expected_start);
      EXPECT_LE(start, end);
      expected_start = end;
    }
    EXPECT_EQ(expected_start, b.trial_steps[static_cast<size_t>(k)]);
  }
}

TEST_P(EveryTask, TargetsScoreAllCorrectAndWrongAnswersNone) {
  const Batch b = task_->batch(64, 6);
  const auto right = right_outputs(*task_, b);
  const auto wrong = wrong_outputs(*task_, b);
  const auto good = task_->score(b, right.data());
  const auto bad = task_->score(b, wrong.data());
  ASSERT_EQ(good.size(), static_cast<size_t>(b.trials));
  EXPECT_EQ(accuracy(good), 1.0);
  EXPECT_EQ(accuracy(bad), 0.0);
}

TEST_P(EveryTask, ParamsAreResolvedWithTheFullTimingTable) {
  const Json& p = task_->params();
  EXPECT_TRUE(p.contains("dt"));
  ASSERT_TRUE(p.contains("timing"));
  EXPECT_EQ(p, resolve(GetParam(), Json::object()));
  // The resolved parameters rebuild the same task.
  const auto again = make(GetParam(), p);
  EXPECT_EQ(again->params(), p);
  EXPECT_EQ(again->batch(4, 1).inputs, task_->batch(4, 1).inputs);
}

TEST_P(EveryTask, RejectsUnknownAndMistypedParameters) {
  EXPECT_THROW(make(GetParam(), Json{{"no_such_param", 1}}), Error);
  EXPECT_THROW(make(GetParam(), Json{{"dt", "fast"}}), Error);
  EXPECT_THROW(make(GetParam(), Json{{"dt", 0}}), Error);
  EXPECT_THROW(make(GetParam(), Json{{"timing", 5}}), Error);
  EXPECT_THROW(make(GetParam(), Json{{"timing", {{"no_such_period", 100}}}}), Error);
  EXPECT_THROW(task_->batch(0, 1), Error);
}

TEST_P(EveryTask, DescribeListsPeriodsChannelsAndParameters) {
  const std::string text = describe(GetParam());
  EXPECT_NE(text.find(GetParam()), std::string::npos);
  EXPECT_NE(text.find("criterion"), std::string::npos);
  for (const auto& g : task_->info().inputs) EXPECT_NE(text.find(g.name), std::string::npos);
  for (const auto& g : task_->info().outputs) EXPECT_NE(text.find(g.name), std::string::npos);
  for (const auto& spec : find(GetParam()).params) EXPECT_NE(text.find(spec.name), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryTask, ::testing::ValuesIn(names()),
                         [](const auto& info) { return info.param; });

TEST(Registry, HasTheFiveFoundationTasks) {
  const auto all = names();
  for (const char* name : {"perceptual_dm", "context_dm", "delayed_match", "n_parity",
                           "interval_reproduction"}) {
    EXPECT_NE(std::find(all.begin(), all.end(), name), all.end()) << name;
  }
}

TEST(Registry, UnknownTaskErrorListsKnownTasks) {
  try {
    make("perceptual_dn", Json::object());
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("unknown task 'perceptual_dn'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("perceptual_dm"), std::string::npos) << msg;
    EXPECT_NE(msg.find("n_parity"), std::string::npos) << msg;
  }
  EXPECT_THROW(describe("nope"), Error);
}

TEST(Registry, ErrorsNameTheContextAndKey) {
  try {
    make("perceptual_dm", Json{{"sigma", -1}}, "config.toml [task]");
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("config.toml [task]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("sigma"), std::string::npos) << msg;
  }
  try {
    make("perceptual_dm", Json{{"timing", {{"decison", 200}}}}, "config.toml [task]");
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("config.toml [task] timing"), std::string::npos) << msg;
    EXPECT_NE(msg.find("decison"), std::string::npos) << msg;
    EXPECT_NE(msg.find("decision"), std::string::npos) << msg;  // the allowed periods
  }
  try {
    make("n_parity", Json{{"n_bits", 7}, {"n_pulses", 6}}, "config.toml [task]");
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("config.toml [task]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("n_bits = 7"), std::string::npos) << msg;
  }
}

TEST(Registry, AccuracyIsTheFractionCorrect) {
  EXPECT_EQ(accuracy({}), 0.0);
  EXPECT_EQ(accuracy({1, 0, 1, 1}), 0.75);
}

TEST(Registry, ScoreRejectsBatchesOfAnotherShape) {
  const auto dm = make("perceptual_dm", Json::object());
  const auto parity = make("n_parity", Json::object());
  const Batch b = parity->batch(2, 1);
  std::vector<float> out(b.targets.size(), 0.0f);
  EXPECT_THROW(dm->score(b, out.data()), Error);
  EXPECT_THROW(parity->score(b, nullptr), Error);
}

}  // namespace
}  // namespace rnnscope::tasks
