// Rule reversal (Soo, Goudar & Wang, NeurIPS 2023): a sequence of trials in one run of the
// network, so that the rule, which switches without a cue, has to be carried from trial to
// trial and inferred from right/wrong feedback.
#include "rnnscope/tasks/scoring.h"
#include "rnnscope/tasks/trial_task.h"
#include "stimuli.h"
#include "task_entries.h"
#include "task_params.h"

namespace rnnscope::tasks {
namespace {

const std::vector<std::string> kEpochs = {"stimulus", "response", "feedback", "wait"};

Json default_timing() {
  // Soo et al.: every epoch 500 ± 100 ms.
  Json out = Json::object();
  for (const auto& e : kEpochs) out[e] = {{"uniform", {400, 600}}};
  return out;
}

std::string period_name(const std::string& epoch, int64_t trial) {
  return epoch + "_" + std::to_string(trial);
}

std::string indexed(const std::string& condition, int64_t trial) {
  return condition + "_" + std::to_string(trial);
}

TaskInfo make_info(int64_t n_trials) {
  TaskInfo info;
  info.name = "rule_reversal";
  info.description =
      "Answer each of n_trials stimuli by one of two rules that switches without a cue, "
      "inferring the rule from right/wrong feedback. After Soo, Goudar & Wang 2023. Each trial "
      "shows one of two stimuli (one-hot) in its stimulus epoch and through its response epoch; "
      "rule 0 maps stimulus s to response s, rule 1 to response 1 - s. The rule of the first "
      "trial is a coin flip and switches before each later trial with probability "
      "switch_probability. The target response of trial i > 1 is the one the rule of trial i-1 "
      "gives (the rule the previous feedback reveals); trial 1's response is not scored (mask "
      "0) and its target is rule 0's. The feedback epoch shows right when the target response "
      "was correct under the trial's actual rule, else wrong. The state carries across all "
      "trials of the sequence (one long trial); the fixation output is the target outside the "
      "response epochs.";
  info.criterion =
      "in every response epoch but the first, the output with the largest mean logit is the "
      "response the previous trial's rule gives";
  for (int64_t i = 1; i <= n_trials; ++i) {
    for (const auto& e : kEpochs) info.periods.push_back(period_name(e, i));
  }
  info.inputs = {{"fixation", 1, "1 outside the response epochs"},
                 {"stimulus", 2, "one-hot stimulus in the stimulus and response epochs"},
                 {"feedback", 2, "one-hot in the feedback epoch: channel 0 right, channel 1 wrong"}};
  info.outputs = {{"fixation", 1, "hold fixation"}, {"response", 2, "one per response"}};
  info.loss = LossKind::cross_entropy;
  for (int64_t i = 1; i <= n_trials; ++i) {
    for (const char* c : {"stimulus", "rule", "answer", "right"}) info.integer_conditions.push_back(indexed(c, i));
  }
  return info;
}

class RuleReversal final : public TrialTask {
 public:
  explicit RuleReversal(const Json& p)
      : TrialTask(make_info(p.at("n_trials").get<int64_t>()), p, default_timing()),
        n_trials_(p.at("n_trials").get<int64_t>()),
        switch_probability_(p.at("switch_probability").get<double>()),
        sigma_(p.at("sigma").get<double>()) {
    timing().require_min_steps("response", 1, dt_ms());
    for (int64_t i = 2; i <= n_trials_; ++i) {
      scored_.push_back(period_index(info(), period_name("response", i)));
    }
  }

 private:
  Trial make_trial(TrialBuilder& b, Rng& rng) const override {
    std::map<std::string, double> durations;
    for (int64_t i = 1; i <= n_trials_; ++i) {
      for (const auto& e : kEpochs) durations[period_name(e, i)] = b.sample_ms(e);
    }
    auto t = b.periods(durations);
    std::map<std::string, double> conditions;
    int64_t rule = rng.integer(2);
    int64_t believed = 0;  // the rule the target follows: the previous trial's
    for (int64_t i = 1; i <= n_trials_; ++i) {
      if (i > 1 && rng.bernoulli(switch_probability_)) rule = 1 - rule;
      const int64_t stimulus = rng.integer(2);
      const int64_t answer = believed == 0 ? stimulus : 1 - stimulus;
      const bool right = believed == rule;
      const auto stimulus_epoch = period_name("stimulus", i);
      const auto response_epoch = period_name("response", i);
      const auto feedback_epoch = period_name("feedback", i);
      const auto wait_epoch = period_name("wait", i);
      t.input({stimulus_epoch, feedback_epoch, wait_epoch}).set(1.0, "fixation");
      t.input({stimulus_epoch, response_epoch}).set(one_hot(stimulus, 2), "stimulus").add_noise(sigma_);
      t.input(feedback_epoch).set(one_hot(right ? 0 : 1, 2), "feedback");
      t.target({stimulus_epoch, feedback_epoch, wait_epoch}).set_class(0, "fixation");
      // Trial 1's rule cannot be known before its feedback: its response is not scored.
      t.target(response_epoch).set_class(answer, "response").mask(i == 1 ? 0.0 : 1.0);
      conditions[indexed("stimulus", i)] = static_cast<double>(stimulus);
      conditions[indexed("rule", i)] = static_cast<double>(rule);
      conditions[indexed("answer", i)] = static_cast<double>(answer);
      conditions[indexed("right", i)] = right ? 1 : 0;
      believed = rule;
    }
    return t.finish(std::move(conditions));
  }

  bool trial_correct(const Batch& batch, const float* outputs, int64_t trial) const override {
    const int64_t response_offset = channel_span(info().outputs, "response").offset;
    for (size_t r = 0; r < scored_.size(); ++r) {
      const auto answer = static_cast<int64_t>(
          batch.conditions.at(indexed("answer", static_cast<int64_t>(r) + 2))[static_cast<size_t>(trial)]);
      if (!chooses(batch, outputs, trial, scored_[r], response_offset + answer)) return false;
    }
    return true;
  }

  int64_t n_trials_;
  double switch_probability_;
  double sigma_;
  std::vector<int64_t> scored_;  // period indices of the response epochs of trials 2..n
};

}  // namespace

TaskEntry rule_reversal_entry() {
  return {"rule_reversal",
          {dt_param(50), timing_param(default_timing()),
           ParamSpec("n_trials", ParamKind::integer, 5, "trials per sequence (the state carries across them)")
               .with_min(2)
               .with_max(64),
           ParamSpec("switch_probability", ParamKind::number, 0.2,
                      "probability that the rule switches before each trial after the first")
               .with_min(0)
               .with_max(1),
           sigma_param(0.0)},
          [](const Json& p) { return std::make_unique<RuleReversal>(p); }};
}

}  // namespace rnnscope::tasks
