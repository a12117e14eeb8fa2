// Perceptual decision making on random-dot motion (Britten et al. 1992; Shadlen & Newsome
// 2001), as neurogym's PerceptualDecisionMaking: fixate, integrate noisy motion evidence,
// report its direction when the fixation cue goes off.
#include "rnnscope/tasks/trial_task.h"
#include "stimuli.h"
#include "task_entries.h"
#include "task_params.h"

namespace rnnscope::tasks {
namespace {

Json default_timing() {
  // Unlike neurogym's 2000 ms stimulus, 750 ms keeps trials near 50 steps at dt = 20 ms.
  return Json{{"fixation", 100}, {"stimulus", 750}, {"delay", 0}, {"decision", 100}};
}

TaskInfo make_info(int64_t n_choices) {
  TaskInfo info;
  info.name = "perceptual_dm";
  info.description =
      "Report the direction of noisy random-dot motion when the fixation cue goes off. After "
      "Britten et al. 1992 and neurogym's PerceptualDecisionMaking. The fixation input is on until the decision period. During the stimulus period each of "
      "the n_choices stimulus channels at angle 2*pi*i/n shows cos(angle_i - angle_choice) * "
      "coherence/200 + 0.5 plus noise. The network holds the fixation output until the "
      "decision period, then reports the direction; every step of the trial counts in the "
      "loss (mask 1), as in neurogym.";
  info.criterion =
      "the output channel with the largest mean logit over the decision period is the "
      "correct choice";
  info.periods = {"fixation", "stimulus", "delay", "decision"};
  info.inputs = {{"fixation", 1, "1 until the decision period (go cue = off)"},
                 {"stimulus", n_choices, "motion evidence per direction, mean 0.5"}};
  info.outputs = {{"fixation", 1, "hold fixation"},
                  {"choice", n_choices, "one per direction"}};
  info.loss = LossKind::cross_entropy;
  info.integer_conditions = {"ground_truth"};
  return info;
}

class PerceptualDecisionMaking final : public DecisionTask {
 public:
  explicit PerceptualDecisionMaking(const Json& p)
      : DecisionTask(make_info(p.at("n_choices").get<int64_t>()), p, default_timing()),
        n_choices_(p.at("n_choices").get<int64_t>()),
        coherences_(nonempty_list(p, "coherences")),
        sigma_(p.at("sigma").get<double>()) {}

 private:
  Trial make_trial(TrialBuilder& b, Rng& rng) const override {
    const int64_t choice = rng.integer(n_choices_);
    const double coherence = rng.choice(coherences_);
    auto t = b.periods();
    t.input({"fixation", "stimulus", "delay"}).set(1.0, "fixation");
    t.input("stimulus").add(motion_stimulus(choice, coherence, n_choices_), "stimulus").add_noise(sigma_);
    t.target({"fixation", "stimulus", "delay"}).set_class(0, "fixation");
    t.target("decision").set_class(choice, "choice");
    return t.finish({{"ground_truth", choice}, {"coherence", coherence}});
  }

  int64_t n_choices_;
  std::vector<double> coherences_;
  double sigma_;
};

}  // namespace

TaskEntry perceptual_dm_entry() {
  return {"perceptual_dm",
          {dt_param(20), timing_param(default_timing()),
           coherences_param({0, 6.4, 12.8, 25.6, 51.2}), sigma_param(1.0),
           ParamSpec("n_choices", ParamKind::integer, 2, "number of motion directions (and choices)")
               .with_min(2)
               .with_max(16)},
          [](const Json& p) { return std::make_unique<PerceptualDecisionMaking>(p); }};
}

}  // namespace rnnscope::tasks
