// The reach generator of synth-ltr (include/rnnscope/requests/synth_ltr.h): a CTRNN trained on
// centre_out_reach, then recorded while it adapts to a visuomotor rotation. Both phases run
// through the trainer seam: pretraining is an ordinary task training; the adaptation is a
// Trainer whose data source is the sequence of recorded trials (one per optimiser step, no
// noise) and whose recorders keep each trial's activity and the weights after each step.
#include "rnnscope/requests/synth_ltr.h"

#include "training/fused_adam_internal.h"
#include "training/run_parts.h"
#include "training/weight_snapshots.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/rng.h"
#include "rnnscope/requests/output_policy.h"
#include "rnnscope/tasks/registry.h"
#include "rnnscope/tasks/scoring.h"
#include "rnnscope/training/run_config.h"

#include <cmath>

namespace rnnscope::requests {
namespace {

constexpr const char* kTask = "centre_out_reach";
enum Block : int64_t { baseline = 0, perturbed = 1, washout = 2 };

void validate(const SynthReachRequest& r) {
  const auto at_least = [&](int64_t v, int64_t min, const std::string& name) {
    require(v >= min, argument_name(r.door, name) + " must be >= " + std::to_string(min) + ", got " + std::to_string(v));
  };
  at_least(r.units, 2, "units");
  at_least(r.neurons, 1, "neurons");
  require(r.neurons <= r.units, argument_name(r.door, "neurons") + " (recorded units) must not exceed " +
                                    argument_name(r.door, "units") + ", got " + std::to_string(r.neurons) + " > " +
                                    std::to_string(r.units));
  at_least(r.targets, 2, "targets");
  at_least(r.baseline, 0, "baseline");
  at_least(r.perturbed, 0, "perturbed");
  at_least(r.washout, 0, "washout");
  require(r.baseline + r.perturbed + r.washout >= 2, argument_name(r.door, "baseline") + " + " +
                                                         argument_name(r.door, "perturbed") + " + " +
                                                         argument_name(r.door, "washout") + " must be >= 2 trials");
  at_least(r.pretrain_steps, 1, "pretrain_steps");
  require(std::isfinite(r.rotation_deg) && std::abs(r.rotation_deg) <= 180,
          argument_name(r.door, "rotation_deg") + " must lie in [-180, 180] degrees");
  require(std::isfinite(r.adapt_lr) && r.adapt_lr > 0, argument_name(r.door, "adapt_lr") + " must be > 0");
  require(std::isfinite(r.noise) && r.noise >= 0, argument_name(r.door, "noise") + " must be >= 0");
}

// The recorded trials: trial k reaches to target k mod `targets`, in the block its index
// falls into. Its task trial is the first draw of a per-trial seed sequence that lands on
// that target; the rotated task makes the same draw (the rotation changes no random
// choice), so a trial's inputs do not depend on the block, only its targets do.
class RecordedTrials {
 public:
  RecordedTrials(const SynthReachRequest& r, int64_t units)
      : req_(r),
        units_(units),
        plain_(tasks::make(kTask, Json{{"targets", r.targets}}, "the reach generator's task")),
        rotated_(tasks::make(kTask, Json{{"targets", r.targets}, {"rotation", r.rotation_deg}},
                             "the reach generator's task")) {}

  int64_t count() const { return req_.baseline + req_.perturbed + req_.washout; }
  Block block(int64_t k) const {
    return k < req_.baseline ? baseline : k < req_.baseline + req_.perturbed ? perturbed : washout;
  }
  const tasks::Task& plain_task() const { return *plain_; }
  int64_t hold_period() const { return tasks::period_index(plain_->info(), "hold"); }

  rnn::TrainBatch trial(int64_t k) const {
    const auto target = double(k % req_.targets);
    const tasks::Task& task = block(k) == perturbed ? *rotated_ : *plain_;
    for (uint64_t attempt = 0;; ++attempt) {
      tasks::Batch b = task.batch(1, Rng::derive_seed(req_.seed, "reach-trial-" + std::to_string(k), attempt));
      if (b.conditions.at("target")[0] == target) return rnn::task_train_batch(std::move(b), units_, 0, "", 0);
    }
  }

 private:
  const SynthReachRequest& req_;
  int64_t units_;
  std::unique_ptr<tasks::Task> plain_, rotated_;
};

class RecordedTrialData final : public rnn::DataSource {
 public:
  RecordedTrialData(const RecordedTrials& trials, int64_t units, uint64_t seed)
      : trials_(trials),
        eval_(rnn::task_train_batch(trials.plain_task().batch(64, Rng::derive_seed(seed, "reach-eval")), units, 0, "",
                                    0)) {}
  rnn::TrainBatch train_batch(int64_t step) override { return trials_.trial(step); }
  const rnn::TrainBatch& eval_batch() override { return eval_; }

 private:
  const RecordedTrials& trials_;
  rnn::TrainBatch eval_;
};

// The cursor's direction over the hold period minus the target's, in degrees (−180, 180].
double endpoint_error_deg(const rnn::TrainBatch& batch, const torch::Tensor& outputs, int64_t hold_period) {
  const tasks::Batch& b = *batch.trials;
  const auto out = outputs.contiguous();
  const auto [start, end] = tasks::period_steps(b, hold_period, 0);
  const auto hand = tasks::mean_outputs(b, out.data_ptr<float>(), 0, start, end);
  const double cursor = std::atan2(hand[1], hand[0]) * 180 / M_PI + b.conditions.at("rotation_deg")[0];
  const double error = std::remainder(cursor - b.conditions.at("target_deg")[0], 360.0);
  return error == -180 ? 180 : error;
}

// Keeps what the network does on each recorded trial: called before step k with the weights
// that step trains, it runs trial k (noise-free, as the step itself does) and stores the
// rates of the recorded units, the inputs and the behaviour.
class TrialActivity final : public rnn::Recorder {
 public:
  TrialActivity(const RecordedTrials& trials, std::shared_ptr<rnn::RecurrentModel> model, int64_t neurons)
      : trials_(trials), model_(std::move(model)), neurons_(neurons) {}

  void observe(int64_t steps_done, bool, const rnn::RecurrentModel&) override {
    if (steps_done >= trials_.count()) return;
    torch::NoGradGuard no_grad;
    const rnn::TrainBatch batch = trials_.trial(steps_done);
    const auto out = model_->run(batch.inputs, {});
    const auto rates = out.rates.select(1, 0).narrow(1, 0, neurons_).to(torch::kFloat64).contiguous();  // [T, M]
    activity.push_back(rates);
    inputs.push_back(batch.inputs.select(1, 0).to(torch::kFloat64));
    error_deg.push_back(endpoint_error_deg(batch, out.outputs, trials_.hold_period()));
  }
  void resume(int64_t) override {}  // the generator never resumes
  void persist() override {}

  std::vector<torch::Tensor> activity, inputs;  // per trial [T, M], [T, n_in]
  std::vector<double> error_deg;

 private:
  const RecordedTrials& trials_;
  std::shared_ptr<rnn::RecurrentModel> model_;
  int64_t neurons_;
};

rnn::TrainerHooks hooks(const SynthReachRequest& req, const std::string& stage) {
  rnn::TrainerHooks h;
  if (req.progress) h.progress = [&req, stage](const rnn::TrainProgress& p) { req.progress(stage, p); };
  h.stop_requested = req.stop_requested;
  return h;
}

void require_not_interrupted(const rnn::TrainOutcome& outcome, const std::string& phase) {
  require(outcome.stop_reason != "signal", "synth-ltr was interrupted during the " + phase + "; nothing was written");
}

}  // namespace

SynthReachResult run_synth_reach(const SynthReachRequest& req) {
  validate(req);
  if (!req.out.empty()) check_can_write(req.out, req.force, req.door);
  rnn::use_threads(req.threads);

  // Pretraining: an ordinary task training of the foundation's CTRNN, to the task's criterion.
  // Its seed derives from the request's, halved into the range a run config allows (>= 0 as int64).
  const auto run_seed = int64_t(Rng::derive_seed(req.seed, "reach-pretraining") >> 1);
  const Json config = rnn::resolve_run_config(
      Json{{"seed", run_seed},
           {"task", {{"name", kTask}, {"targets", req.targets}}},
           {"model", {{"type", "ctrnn"}, {"units", req.units}}},
           {"train", {{"max_steps", req.pretrain_steps}, {"eval_every", 50}, {"lr", 3e-3}}}},
      "the reach generator's training config");
  auto run = rnn::build_run(config);
  const Json& tc = config.at("train");
  rnn::TrainerOptions pre_options;
  pre_options.max_steps = req.pretrain_steps;
  pre_options.eval_every = tc.at("eval_every").get<int64_t>();
  pre_options.checkpoint_every = 0;
  pre_options.grad_clip = tc.at("grad_clip").get<double>();
  rnn::Trainer pretraining(
      run.model,
      std::make_unique<rnn::TaskDataSource>(*run.task, tc.at("batch_size").get<int64_t>(),
                                            tc.at("eval_trials").get<int64_t>(), req.units, run.seed),
      std::make_unique<rnn::TaskObjective>(*run.task, rnn::Penalties{}, run.task->info().default_target_accuracy),
      std::make_unique<rnn::FusedAdam>(run.model->parameters(), torch::optim::AdamOptions(tc.at("lr").get<double>())),
      {}, pre_options);
  require_not_interrupted(pretraining.run(hooks(req, "pretraining")), "pretraining");

  SynthReachResult result;
  result.pretrain_steps = pretraining.state().step;
  result.pretrain_accuracy = pretraining.state().last_accuracy.at(0);

  // Adaptation: one trial per plain gradient-descent step, recorded as it is trained.
  const RecordedTrials trials(req, req.units);
  const int64_t K = trials.count();
  auto activity = std::make_unique<TrialActivity>(trials, run.model, req.neurons);
  TrialActivity& recorded = *activity;
  runs::WeightHistory weights;
  std::vector<std::unique_ptr<rnn::Recorder>> recorders;
  recorders.push_back(std::move(activity));
  recorders.push_back(
      std::make_unique<rnn::WeightSnapshots>(1, runs::WeightHistory{}, [&weights](const runs::WeightHistory& h) { weights = h; }));
  rnn::TrainerOptions adapt_options;
  adapt_options.max_steps = K;
  adapt_options.eval_every = 0;
  adapt_options.checkpoint_every = 0;
  adapt_options.grad_clip = pre_options.grad_clip;
  rnn::Trainer adaptation(
      run.model, std::make_unique<RecordedTrialData>(trials, req.units, req.seed),
      std::make_unique<rnn::TaskObjective>(trials.plain_task(), rnn::Penalties{}, 2.0),
      std::make_unique<torch::optim::SGD>(run.model->parameters(), torch::optim::SGDOptions(req.adapt_lr)), {},
      adapt_options, std::move(recorders));
  require_not_interrupted(adaptation.run(hooks(req, "adaptation")), "adaptation");

  // The recordings: rates plus observation noise, and what describes each trial.
  torch::NoGradGuard no_grad;
  auto gen = rnn::torch_generator(req.seed, "reach-observation-noise");
  const auto clean = torch::stack(recorded.activity);  // [K, T, M]
  const auto noisy = clean + req.noise * clean.std() * at::randn(clean.sizes(), gen, clean.options());
  decomp::Recordings& rec = result.recordings;
  rec.trials = K;
  rec.steps = clean.size(1);
  rec.neurons = req.neurons;
  const auto inputs = torch::stack(recorded.inputs);
  rec.inputs = inputs.size(2);
  rec.activity = rnn::to_doubles(noisy);
  rec.input_values = rnn::to_doubles(inputs);
  result.dt_ms = trials.plain_task().params().at("dt").get<double>();
  result.tau_ms = config.at("model").at("tau").get<double>();
  for (int64_t t = 0; t < rec.steps; ++t) rec.times.push_back(double(t) * result.dt_ms);
  std::vector<double> block, rotation;
  for (int64_t k = 0; k < K; ++k) {
    rec.condition.push_back(k % req.targets);
    rec.trial_id.push_back(double(k));
    block.push_back(double(trials.block(k)));
    rotation.push_back(trials.block(k) == perturbed ? req.rotation_deg : 0.0);
  }
  rec.trial_info = {{"block", block}, {"rotation_deg", rotation}, {"endpoint_error_deg", recorded.error_deg}};
  rec.source = req.out.empty() ? "(in memory)" : req.out;
  decomp::validate_recordings(rec, "the reach generator's recordings");

  const auto w = std::find_if(weights.weights.begin(), weights.weights.end(), [](const auto& m) { return m.name == "W_rec"; });
  TORCH_INTERNAL_ASSERT(w != weights.weights.end() && int64_t(weights.snapshots()) == K + 1);
  result.w_rec.steps = weights.step;
  result.w_rec.rows = w->shape.at(0);
  result.w_rec.cols = w->shape.at(1);
  result.w_rec.values.assign(w->values.begin(), w->values.end());

  if (!req.out.empty()) {
    h5::Writer out(req.out);
    decomp::write_recordings(out, rec);
    out.write("/truth/W_rec", result.w_rec.values.data(), {K + 1, result.w_rec.rows, result.w_rec.cols});
    out.attribute("/", "generator", std::string("reach"));
    out.attribute("/", "seed", int64_t(req.seed));
    out.attribute("/", "noise", req.noise);
    out.attribute("/", "dt_ms", result.dt_ms);
    out.attribute("/", "tau_ms", result.tau_ms);
    out.attribute("/", "units", req.units);
    out.attribute("/", "targets", req.targets);
    out.attribute("/", "rotation_deg", req.rotation_deg);
    out.attribute("/", "adapt_lr", req.adapt_lr);
    out.attribute("/", "pretrain_steps", result.pretrain_steps);
    out.attribute("/", "pretrain_accuracy", result.pretrain_accuracy);
    out.attribute("/", "version", std::string(RNNSCOPE_VERSION));
    out.commit();
  }
  return result;
}

}  // namespace rnnscope::requests
