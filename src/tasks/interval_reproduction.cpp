// Interval reproduction, the ready-set-go task (Jazayeri & Shadlen 2010; neurogym
// ReadySetGo): measure the interval between a ready and a set pulse, then produce "go" the
// same interval after set.
#include "rnnscope/core/error.h"
#include "rnnscope/tasks/scoring.h"
#include "rnnscope/tasks/trial_task.h"
#include "task_entries.h"
#include "task_params.h"

#include <algorithm>
#include <cmath>

namespace rnnscope::tasks {
namespace {

// Tolerance of the criterion: |produced − t_s| <= kRelativeTolerance · t_s + dt.
constexpr double kRelativeTolerance = 0.15;
constexpr double kGoThreshold = 0.5;

Json default_timing() {
  return Json{{"fixation", {{"uniform", {100, 300}}}}, {"ready", 40}, {"set", 40}, {"response", 300}};
}

TaskInfo make_info() {
  TaskInfo info;
  info.name = "interval_reproduction";
  info.description =
      "Reproduce the interval between a ready and a set pulse by going that long after set. "
      "Ready-set-go after Jazayeri & Shadlen 2010 and neurogym's ReadySetGo. After fixation a ready "
      "pulse and then a set pulse are shown, their onsets t_s apart (t_s drawn from "
      "`intervals`); the network must raise its single output t_s after the set onset. The "
      "fixation input is on until the set onset. Target (MSE): 0 from the set onset until "
      "go, 1 from go to the end of the trial; only these steps count in the loss. Periods: "
      "measure lasts t_s minus the ready pulse, produce lasts t_s minus the set pulse, so "
      "both ready-to-set and set-to-go span t_s rounded to whole steps.";
  info.criterion =
      "the output first reaches 0.5 (at or after the set onset) within 15% of t_s plus one "
      "step of the true go time";
  info.periods = {"fixation", "ready", "measure", "set", "produce", "response"};
  info.inputs = {{"fixation", 1, "1 until the set onset"},
                 {"ready", 1, "1 during the ready pulse"},
                 {"set", 1, "1 during the set pulse"}};
  info.outputs = {{"go", 1, "0 before go, 1 after"}};
  info.loss = LossKind::mse;
  return info;
}

class IntervalReproduction final : public TrialTask {
 public:
  explicit IntervalReproduction(const Json& p)
      : TrialTask(make_info(), p, default_timing()),
        intervals_ms_(nonempty_list(p, "intervals")),
        set_(period_index(info(), "set")) {
    const double shortest = *std::min_element(intervals_ms_.begin(), intervals_ms_.end());
    for (const char* pulse : {"ready", "set"}) {
      const double longest_pulse = timing().spec(pulse).max_ms();
      require(ms_to_steps(shortest, dt_ms()) > ms_to_steps(longest_pulse, dt_ms()),
              "intervals: the shortest interval (" + Json(shortest).dump() +
                  " ms) must be longer than the " + pulse + " pulse (up to " +
                  Json(longest_pulse).dump() + " ms at dt = " + Json(dt_ms()).dump() + ")");
    }
    timing().require_min_steps("ready", 1, dt_ms());
    timing().require_min_steps("set", 1, dt_ms());
    timing().require_min_steps("response", 1, dt_ms());
  }

 private:
  Trial make_trial(TrialBuilder& b, Rng& rng) const override {
    const double interval_ms = rng.choice(intervals_ms_);
    // Pulses rounded to whole steps first, so ready + measure and set + produce both round
    // to exactly round(t_s / dt) steps.
    const double dt = b.dt_ms();
    const double ready_ms = static_cast<double>(ms_to_steps(b.sample_ms("ready"), dt)) * dt;
    const double set_ms = static_cast<double>(ms_to_steps(b.sample_ms("set"), dt)) * dt;
    auto t = b.periods({{"ready", ready_ms},
                        {"measure", interval_ms - ready_ms},
                        {"set", set_ms},
                        {"produce", interval_ms - set_ms}});
    t.input({"fixation", "ready", "measure"}).set(1.0, "fixation");
    t.input("ready").set(1.0, "ready");
    t.input("set").set(1.0, "set");
    t.target({"set", "produce"}).set(0.0, "go");
    t.target("response").set(1.0, "go");
    return t.finish({{"interval_ms", interval_ms}});
  }

  bool trial_correct(const Batch& batch, const float* outputs, int64_t trial) const override {
    const double interval_ms = batch.conditions.at("interval_ms")[static_cast<size_t>(trial)];
    const int64_t set_onset = period_steps(batch, set_, trial).first;
    const int64_t go = first_crossing(batch, outputs, trial, 0, set_onset, kGoThreshold);
    if (go < 0) return false;
    const double produced_ms = static_cast<double>(go - set_onset) * batch.dt_ms;
    return std::abs(produced_ms - interval_ms) <= kRelativeTolerance * interval_ms + batch.dt_ms;
  }

  std::vector<double> intervals_ms_;
  int64_t set_;
};

}  // namespace

TaskEntry interval_reproduction_entry() {
  return {"interval_reproduction",
          {dt_param(20), timing_param(default_timing()),
           ParamSpec("intervals", ParamKind::number_list, Json::array({480, 560, 640, 720, 800}),
                      "sample intervals t_s in ms, one drawn per trial")
               .with_min(0, true)},
          [](const Json& p) { return std::make_unique<IntervalReproduction>(p); }};
}

}  // namespace rnnscope::tasks
