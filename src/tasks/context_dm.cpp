// Context-dependent decision making (Mante, Sussillo, Shenoy & Newsome 2013), as neurogym's
// ContextDecisionMaking: two modalities of noisy motion evidence with independent
// directions and coherences; a context cue says which one to report.
#include "rnnscope/tasks/trial_task.h"
#include "stimuli.h"
#include "task_entries.h"
#include "task_params.h"

namespace rnnscope::tasks {
namespace {

Json default_timing() {
  // neurogym: fixation 300, stimulus 750, delay truncexp(600, 300, 3000), decision 100;
  // shortened here to keep trials near 70 steps at dt = 20 ms.
  return Json{{"fixation", 200},
              {"stimulus", 750},
              {"delay", {{"truncexp", {300, 100, 600}}}},
              {"decision", 100}};
}

TaskInfo make_info() {
  TaskInfo info;
  info.name = "context_dm";
  info.description =
      "Report the direction of whichever of two noisy modalities a context cue selects. After "
      "Mante et al. 2013 and neurogym's ContextDecisionMaking. Two modalities (e.g. motion and colour) each show random-dot evidence on 2 channels, "
      "cos(angle_i - angle_direction) * coherence/200 + 0.5 plus noise, with a direction and "
      "coherence drawn independently per modality. A one-hot context cue, on for the whole "
      "trial, says which modality counts. After a variable delay the fixation input goes off "
      "and the network reports the direction of the cued modality; every step counts in the "
      "loss (fixation output until the decision period).";
  info.criterion =
      "the output channel with the largest mean logit over the decision period is the "
      "direction of the cued modality";
  info.periods = {"fixation", "stimulus", "delay", "decision"};
  info.inputs = {{"fixation", 1, "1 until the decision period (go cue = off)"},
                 {"modality1", 2, "motion evidence of modality 1, mean 0.5"},
                 {"modality2", 2, "motion evidence of modality 2, mean 0.5"},
                 {"context", 2, "one-hot: which modality to report"}};
  info.outputs = {{"fixation", 1, "hold fixation"}, {"choice", 2, "one per direction"}};
  info.loss = LossKind::cross_entropy;
  info.integer_conditions = {"context", "ground_truth", "choice_mod1", "choice_mod2"};
  return info;
}

class ContextDecisionMaking final : public DecisionTask {
 public:
  explicit ContextDecisionMaking(const Json& p)
      : DecisionTask(make_info(), p, default_timing()),
        coherences_(nonempty_list(p, "coherences")),
        sigma_(p.at("sigma").get<double>()) {}

 private:
  Trial make_trial(TrialBuilder& b, Rng& rng) const override {
    const int64_t context = rng.integer(2);
    const int64_t choice1 = rng.integer(2);
    const int64_t choice2 = rng.integer(2);
    const double coh1 = rng.choice(coherences_);
    const double coh2 = rng.choice(coherences_);
    const int64_t choice = context == 0 ? choice1 : choice2;
    auto t = b.periods();
    t.input({"fixation", "stimulus", "delay", "decision"}).set(one_hot(context, 2), "context");
    t.input({"fixation", "stimulus", "delay"}).set(1.0, "fixation");
    t.input("stimulus")
        .add(motion_stimulus(choice1, coh1, 2), "modality1")
        .add_noise(sigma_)
        .add(motion_stimulus(choice2, coh2, 2), "modality2")
        .add_noise(sigma_);
    t.target({"fixation", "stimulus", "delay"}).set_class(0, "fixation");
    t.target("decision").set_class(choice, "choice");
    return t.finish({{"context", context},
                     {"ground_truth", choice},
                     {"choice_mod1", choice1},
                     {"choice_mod2", choice2},
                     {"coh_mod1", coh1},
                     {"coh_mod2", coh2}});
  }

  std::vector<double> coherences_;
  double sigma_;
};

}  // namespace

TaskEntry context_dm_entry() {
  return {"context_dm",
          {dt_param(20), timing_param(default_timing()), coherences_param({5, 15, 50}),
           sigma_param(1.0)},
          [](const Json& p) { return std::make_unique<ContextDecisionMaking>(p); }};
}

}  // namespace rnnscope::tasks
