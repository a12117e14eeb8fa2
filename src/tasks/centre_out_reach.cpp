// Centre-out reaching with a visuomotor rotation: the task-trained generator of recordings
// with learning across a perturbation (synth-ltr --generator reach, docs/ltr.md), and a task
// in its own right. Motor-cortex models of this kind go back to Sussillo et al. 2015; the
// rotation is the classic adaptation paradigm that Pellegrino et al. 2023 fit ltrRNNs to.
#include "rnnscope/core/error.h"
#include "rnnscope/tasks/scoring.h"
#include "rnnscope/tasks/trial_task.h"
#include "task_entries.h"
#include "task_params.h"

#include <cmath>

namespace rnnscope::tasks {
namespace {

// A trial counts as a hit when the mean hand position over the hold period lies within this
// distance of the required endpoint (targets lie on the unit circle).
constexpr double kHitRadius = 0.1;

Json default_timing() {
  return Json{{"fixation", 100}, {"target", 200}, {"delay", 200}, {"reach", 300}, {"hold", 200}};
}

TaskInfo make_info() {
  TaskInfo info;
  info.name = "centre_out_reach";
  info.description =
      "Reach from the centre to one of `targets` directions on the unit circle after a go cue, "
      "under a visuomotor rotation. The target appears after fixation and stays on; the go cue is "
      "the end of the fixation input after the delay. The hand (2 outputs, x and y) must stay at "
      "the centre until go, move to the endpoint along a minimum-jerk profile during reach, and "
      "stay there during hold. With `rotation` = phi degrees the cursor is the hand rotated by "
      "phi, so the required endpoint is the target rotated by -phi: training across a change of "
      "`rotation` is motor adaptation (baseline, perturbed, washout). Target (MSE) at every step.";
  info.criterion = "the mean hand position over the hold period lies within 0.1 of the required endpoint";
  info.periods = {"fixation", "target", "delay", "reach", "hold"};
  info.inputs = {{"fixation", 1, "1 until the go cue (the end of the delay)"},
                 {"target", 2, "(cos, sin) of the target direction from target onset on"}};
  info.outputs = {{"hand", 2, "hand position (x, y): 0 until go, then to the endpoint"}};
  info.loss = LossKind::mse;
  info.integer_conditions = {"target"};
  info.default_target_accuracy = 0.95;
  return info;
}

// Minimum-jerk position profile, 0 at s = 0 and 1 at s = 1 with zero velocity and
// acceleration at both ends (Flash & Hogan 1985).
double minimum_jerk(double s) { return s * s * s * (10 - 15 * s + 6 * s * s); }

class CentreOutReach final : public TrialTask {
 public:
  explicit CentreOutReach(const Json& p)
      : TrialTask(make_info(), p, default_timing()),
        targets_(p.at("targets").get<int64_t>()),
        rotation_deg_(p.at("rotation").get<double>()),
        hold_(period_index(info(), "hold")) {
    timing().require_min_steps("reach", 1, dt_ms());
    timing().require_min_steps("hold", 1, dt_ms());
  }

 private:
  Trial make_trial(TrialBuilder& b, Rng& rng) const override {
    const int64_t target = rng.integer(targets_);
    const double target_rad = 2 * M_PI * double(target) / double(targets_);
    const double end_rad = target_rad - rotation_deg_ * M_PI / 180;
    const std::vector<double> endpoint{std::cos(end_rad), std::sin(end_rad)};
    auto t = b.periods();
    t.input({"fixation", "target", "delay"}).set(1.0, "fixation");
    t.input({"target", "delay", "reach", "hold"}).set({std::cos(target_rad), std::sin(target_rad)}, "target");
    t.target({"fixation", "target", "delay"}).set(0.0, "hand");
    t.target("reach").set(0.0, "hand");  // the profile is written below, step by step
    t.target("hold").set(endpoint, "hand");
    const int64_t reach_start = t.start("reach"), reach_steps = t.end("reach") - reach_start;
    Trial trial = t.finish({{"target", double(target)},
                            {"target_deg", double(target) * 360.0 / double(targets_)},
                            {"rotation_deg", rotation_deg_}});
    for (int64_t i = 0; i < reach_steps; ++i) {
      const double p = minimum_jerk(double(i + 1) / double(reach_steps));
      for (size_t c = 0; c < 2; ++c) trial.targets[size_t((reach_start + i) * 2) + c] = float(p * endpoint[c]);
    }
    return trial;
  }

  bool trial_correct(const Batch& batch, const float* outputs, int64_t trial) const override {
    const auto [start, end] = period_steps(batch, hold_, trial);
    const auto hand = mean_outputs(batch, outputs, trial, start, end);
    if (hand.empty()) return false;
    const double end_rad = (batch.conditions.at("target_deg")[size_t(trial)] -
                            batch.conditions.at("rotation_deg")[size_t(trial)]) * M_PI / 180;
    return std::hypot(hand[0] - std::cos(end_rad), hand[1] - std::sin(end_rad)) <= kHitRadius;
  }

  int64_t targets_;
  double rotation_deg_;
  int64_t hold_;
};

}  // namespace

TaskEntry centre_out_reach_entry() {
  return {"centre_out_reach",
          {dt_param(20), timing_param(default_timing()),
           ParamSpec("targets", ParamKind::integer, 8, "reach directions, evenly spaced on the circle; one drawn per trial")
               .with_min(2),
           ParamSpec("rotation", ParamKind::number, 0.0,
                     "visuomotor rotation in degrees: the cursor is the hand rotated by this angle")
               .with_min(-180)
               .with_max(180)},
          [](const Json& p) { return std::make_unique<CentreOutReach>(p); }};
}

}  // namespace rnnscope::tasks
