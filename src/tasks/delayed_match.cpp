// Delayed match-to-sample with a variable delay (Miller, Erickson & Desimone 1996), after
// neurogym's DelayMatchSample: remember a sample over a delay of unpredictable length, then
// say whether the test stimulus matches it.
#include "rnnscope/tasks/trial_task.h"
#include "stimuli.h"
#include "task_entries.h"
#include "task_params.h"

namespace rnnscope::tasks {
namespace {

Json default_timing() {
  // Unlike neurogym's fixed 1000 ms delay, the delay is drawn per trial so the network
  // cannot time its answer; 500-1500 ms keeps trials at most 120 steps at dt = 20 ms.
  return Json{{"fixation", 100},
              {"sample", 300},
              {"delay", {{"uniform", {500, 1500}}}},
              {"test", 300},
              {"decision", 200}};
}

TaskInfo make_info(int64_t n_stimuli) {
  TaskInfo info;
  info.name = "delayed_match";
  info.description =
      "Say whether a test stimulus matches a sample shown before a delay of variable length. "
      "After neurogym's DelayMatchSample. One of "
      "n_stimuli stimuli (one-hot, plus noise) is shown in the sample period, then a delay of "
      "variable length with no stimulus, then a test stimulus that is the sample (match, "
      "probability match_probability) or one of the others, equally likely. When the "
      "fixation input goes off the network answers match or non-match; every step counts in "
      "the loss (fixation output until the decision period).";
  info.criterion =
      "the output channel with the largest mean logit over the decision period is the "
      "correct answer (match or non-match)";
  info.periods = {"fixation", "sample", "delay", "test", "decision"};
  info.inputs = {{"fixation", 1, "1 until the decision period (go cue = off)"},
                 {"stimulus", n_stimuli, "one-hot stimulus in the sample and test periods"}};
  info.outputs = {{"fixation", 1, "hold fixation"},
                  {"choice", 2, "class 0 = match, class 1 = non-match"}};
  info.loss = LossKind::cross_entropy;
  info.integer_conditions = {"ground_truth", "sample", "test"};
  return info;
}

class DelayedMatchToSample final : public DecisionTask {
 public:
  explicit DelayedMatchToSample(const Json& p)
      : DecisionTask(make_info(p.at("n_stimuli").get<int64_t>()), p, default_timing()),
        n_stimuli_(p.at("n_stimuli").get<int64_t>()),
        match_probability_(p.at("match_probability").get<double>()),
        sigma_(p.at("sigma").get<double>()) {}

 private:
  Trial make_trial(TrialBuilder& b, Rng& rng) const override {
    const int64_t sample = rng.integer(n_stimuli_);
    const bool match = rng.bernoulli(match_probability_);
    const int64_t test = match ? sample : (sample + 1 + rng.integer(n_stimuli_ - 1)) % n_stimuli_;
    const int64_t answer = match ? 0 : 1;
    auto t = b.periods();
    t.input({"fixation", "sample", "delay", "test"}).set(1.0, "fixation");
    t.input("sample").add(one_hot(sample, n_stimuli_), "stimulus").add_noise(sigma_);
    t.input("test").add(one_hot(test, n_stimuli_), "stimulus").add_noise(sigma_);
    t.target({"fixation", "sample", "delay", "test"}).set_class(0, "fixation");
    t.target("decision").set_class(answer, "choice");
    const double delay_ms = static_cast<double>(t.end("delay") - t.start("delay")) * b.dt_ms();
    return t.finish({{"ground_truth", answer},
                     {"sample", sample},
                     {"test", test},
                     {"delay_ms", delay_ms}});
  }

  int64_t n_stimuli_;
  double match_probability_;
  double sigma_;
};

}  // namespace

TaskEntry delayed_match_entry() {
  return {"delayed_match",
          {dt_param(20), timing_param(default_timing()), sigma_param(1.0),
           ParamSpec("n_stimuli", ParamKind::integer, 4, "number of distinct stimuli (one-hot)")
               .with_min(2)
               .with_max(64),
           ParamSpec("match_probability", ParamKind::number, 0.5,
                      "probability that the test stimulus is the sample")
               .with_min(0)
               .with_max(1)},
          [](const Json& p) { return std::make_unique<DelayedMatchToSample>(p); }};
}

}  // namespace rnnscope::tasks
