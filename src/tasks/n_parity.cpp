// N-bit parity over a stream of binary pulses: after each pulse from the N-th on, report
// the parity of the last N bits. A working-memory task whose every answer needs all N
// remembered bits at once (the parity problem used to study long-term dependencies in RNNs,
// Bengio, Simard & Frasconi 1994), here in continuous time with response windows.
#include "rnnscope/core/error.h"
#include "rnnscope/tasks/scoring.h"
#include "rnnscope/tasks/trial_task.h"
#include "stimuli.h"
#include "task_entries.h"
#include "task_params.h"

namespace rnnscope::tasks {
namespace {

Json default_timing() {
  return Json{{"start", 100}, {"pulse", 100}, {"response", 200}};
}

std::string pulse_period(int64_t i) { return "pulse_" + std::to_string(i); }
std::string response_period(int64_t i) { return "response_" + std::to_string(i); }
std::string bit_condition(int64_t i) { return "bit_" + std::to_string(i); }

TaskInfo make_info(int64_t n_pulses) {
  TaskInfo info;
  info.name = "n_parity";
  info.description =
      "From the n_bits-th pulse of a binary stream on, report the parity of the last n_bits pulses. "
      "Bit b lights input channel b for the pulse period, n_pulses pulses per trial. The response period after pulse i (i >= n_bits) asks for the "
      "parity of pulses i - n_bits + 1 .. i (class 0 = even number of ones, 1 = odd); only "
      "these response periods count in the loss. Periods: start, then pulse_i and "
      "response_i for i = 1..n_pulses; timing keys start, pulse and response apply to every "
      "pulse and response period.";
  info.criterion =
      "in every scored response period, the output channel with the largest mean logit is "
      "the parity of the last n_bits pulses";
  info.periods = {"start"};
  for (int64_t i = 1; i <= n_pulses; ++i) {
    info.periods.push_back(pulse_period(i));
    info.periods.push_back(response_period(i));
  }
  info.inputs = {{"bits", 2, "one-hot pulse: channel 0 for bit 0, channel 1 for bit 1"}};
  info.outputs = {{"parity", 2, "class 0 = even, class 1 = odd"}};
  info.loss = LossKind::cross_entropy;
  for (int64_t i = 1; i <= n_pulses; ++i) info.integer_conditions.push_back(bit_condition(i));
  return info;
}

class NParity final : public TrialTask {
 public:
  explicit NParity(const Json& p)
      : TrialTask(make_info(p.at("n_pulses").get<int64_t>()), p, default_timing()),
        n_bits_(p.at("n_bits").get<int64_t>()),
        n_pulses_(p.at("n_pulses").get<int64_t>()),
        sigma_(p.at("sigma").get<double>()) {
    require(n_bits_ <= n_pulses_, "n_bits = " + std::to_string(n_bits_) +
                                      " must not exceed n_pulses = " + std::to_string(n_pulses_));
    timing().require_min_steps("pulse", 1, dt_ms());
    timing().require_min_steps("response", 1, dt_ms());
    for (int64_t i = n_bits_; i <= n_pulses_; ++i) {
      responses_.push_back(period_index(info(), response_period(i)));
    }
  }

 private:
  Trial make_trial(TrialBuilder& b, Rng& rng) const override {
    std::vector<int64_t> bits;
    std::map<std::string, double> conditions;
    std::map<std::string, double> durations_ms;
    for (int64_t i = 1; i <= n_pulses_; ++i) {
      bits.push_back(rng.integer(2));
      conditions[bit_condition(i)] = static_cast<double>(bits.back());
      durations_ms[pulse_period(i)] = b.sample_ms("pulse");
      durations_ms[response_period(i)] = b.sample_ms("response");
    }
    auto t = b.periods(durations_ms);
    for (int64_t i = 1; i <= n_pulses_; ++i) {
      t.input(pulse_period(i)).set(one_hot(bits[static_cast<size_t>(i - 1)], 2), "bits").add_noise(sigma_);
      if (i >= n_bits_) t.target(response_period(i)).set_class(parity(bits, i), "parity");
    }
    return t.finish(std::move(conditions));
  }

  // Parity of pulses i - n_bits + 1 .. i (1-based).
  int64_t parity(const std::vector<int64_t>& bits, int64_t i) const {
    int64_t ones = 0;
    for (int64_t k = i - n_bits_; k < i; ++k) ones += bits[static_cast<size_t>(k)];
    return ones % 2;
  }

  bool trial_correct(const Batch& batch, const float* outputs, int64_t trial) const override {
    std::vector<int64_t> bits;
    for (int64_t i = 1; i <= n_pulses_; ++i) {
      bits.push_back(static_cast<int64_t>(
          batch.conditions.at("bit_" + std::to_string(i))[static_cast<size_t>(trial)]));
    }
    for (size_t r = 0; r < responses_.size(); ++r) {
      const int64_t i = n_bits_ + static_cast<int64_t>(r);
      if (!chooses(batch, outputs, trial, responses_[r], parity(bits, i))) return false;
    }
    return true;
  }

  int64_t n_bits_;
  int64_t n_pulses_;
  double sigma_;
  std::vector<int64_t> responses_;  // period indices of the scored response periods
};

}  // namespace

TaskEntry n_parity_entry() {
  return {"n_parity",
          {dt_param(20), timing_param(default_timing()),
           ParamSpec("n_bits", ParamKind::integer, 2, "N: parity over the last N pulses")
               .with_min(1)
               .with_max(16),
           ParamSpec("n_pulses", ParamKind::integer, 6, "pulses per trial (>= n_bits)")
               .with_min(1)
               .with_max(64),
           sigma_param(0.0)},
          [](const Json& p) { return std::make_unique<NParity>(p); }};
}

}  // namespace rnnscope::tasks
