// The fit-ltr request (include/rnnscope/requests/fit_ltr.h): recordings z-scored, one ltrRNN
// fit per (rank, seed) on block cross-validation masks when several ranks are given, the
// rank chosen from the held-out error, and the final fit on all data at that rank, each fit
// an ordinary Trainer run (recordings as data source, masked MSE as objective).
#include "rnnscope/requests/fit_ltr.h"

#include "models/ltr_internal.h"
#include "training/fused_adam_internal.h"
#include "training/recording_fit.h"
#include "training/run_parts.h"

#include "rnnscope/core/error.h"
#include "rnnscope/requests/output_policy.h"
#include "rnnscope/runs/run_directory.h"

#include <torch/version.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

namespace rnnscope::requests {
namespace {

using Clock = std::chrono::steady_clock;

void validate(const FitLtrRequest& r) {
  const auto positive = [&](double v, const std::string& name) {
    require(std::isfinite(v) && v > 0, argument_name(r.door, name) + " must be a positive number, got " + std::to_string(v));
  };
  require(!r.ranks.empty(), argument_name(r.door, "ranks") + " is empty; give at least one rank");
  require(r.ranks.front() >= 1, argument_name(r.door, "ranks") + " must be >= 1");
  require(r.units >= 1, argument_name(r.door, "units") + " must be >= 1, got " + std::to_string(r.units));
  positive(r.dt_ms, "dt_ms");
  positive(r.tau_ms, "tau_ms");
  positive(r.lr, "lr");
  require(r.substeps >= 1, argument_name(r.door, "substeps") + " must be >= 1");
  require(r.dt_ms / double(r.substeps) <= r.tau_ms,
          argument_name(r.door, "dt_ms") + " / " + argument_name(r.door, "substeps") + " must not exceed " +
              argument_name(r.door, "tau_ms") + " (Euler step dt/tau <= 1); raise the substeps");
  require(r.max_iterations >= 1, argument_name(r.door, "max_iterations") + " must be >= 1");
  require(r.eval_every >= 1, argument_name(r.door, "eval_every") + " must be >= 1");
  require(r.patience >= 0, argument_name(r.door, "patience") + " must be >= 0");
  require(r.tolerance >= 0 && r.tolerance < 1, argument_name(r.door, "tolerance") + " must lie in [0, 1)");
  require(r.trial_dropout >= 0 && r.trial_dropout < 1, argument_name(r.door, "trial_dropout") + " must lie in [0, 1)");
  require(r.state_l2 >= 0 && std::isfinite(r.state_l2), argument_name(r.door, "state_l2") + " must be >= 0");
  require(r.held_out_fraction > 0 && r.held_out_fraction < 0.5,
          argument_name(r.door, "held_out_fraction") + " must lie in (0, 0.5)");
  positive(r.gp_length_trials, "gp_length_trials");
  require(r.seeds >= 1, argument_name(r.door, "seeds") + " must be >= 1");
  require(r.threads >= 0, argument_name(r.door, "threads") + " must be >= 0");
}

struct Fit {
  std::shared_ptr<rnn::LtrRnn> model;
  double metric = 0;  // the last evaluation's normalised MSE on the evaluation mask
  int64_t iterations = 0;
  double train_seconds = 0;  // optimiser steps only (no evaluation)
  std::string stop_reason;
  bool interrupted = false;
  runs::History history;
};

Fit fit_once(const FitLtrRequest& req, const decomp::Recordings& data, const std::vector<uint8_t>& train,
             const std::vector<uint8_t>& test, int64_t rank, uint64_t seed, const std::string& stage) {
  rnn::LtrOptions o;
  o.units = req.units;
  o.rank = rank;
  o.trials = data.trials;
  o.neurons = data.neurons;
  o.inputs = data.inputs;
  o.conditions = data.conditions();
  o.substeps = req.substeps;
  o.alpha = req.dt_ms / double(req.substeps) / req.tau_ms;
  o.gp_length_trials = req.gp_length_trials;
  std::vector<int64_t> condition = data.condition;
  if (condition.empty()) condition.assign(size_t(data.trials), 0);
  Fit fit;
  fit.model = std::make_shared<rnn::LtrRnn>(o, condition, seed);
  double variance = 0;
  for (double v : data.activity) variance += v * v;  // z-scored: mean 0
  variance /= double(data.activity.size());
  rnn::TrainerOptions options;
  options.max_steps = req.max_iterations;
  options.eval_every = req.eval_every;
  options.checkpoint_every = 0;
  auto optimizer = std::make_unique<rnn::FusedAdam>(fit.model->parameters(), torch::optim::AdamOptions(req.lr));
  rnn::Trainer trainer(fit.model,
                       std::make_unique<rnn::RecordingDataSource>(data, train, test, req.trial_dropout, seed),
                       std::make_unique<rnn::RecordingObjective>(req.state_l2, variance, req.patience, req.tolerance),
                       std::move(optimizer), {}, options);
  rnn::TrainerHooks hooks;
  if (req.progress) hooks.progress = [&](const rnn::TrainProgress& p) { req.progress(stage, p); };
  hooks.stop_requested = req.stop_requested;
  const auto outcome = trainer.run(hooks);
  fit.history = trainer.state().history;
  fit.metric = fit.history.loss.empty() ? std::nan("") : fit.history.loss.back();
  fit.iterations = trainer.state().step;
  fit.train_seconds = trainer.state().train_seconds;
  fit.stop_reason = outcome.stop_reason;
  fit.interrupted = !outcome.finished;
  return fit;
}

// The elbow of the held-out curve: the smallest rank whose mean held-out error is within 5%
// of the improvement from the lowest rank tried to the best, or within 5% of the best error
// itself (docs/ltr.md). The second tolerance is the floor for a flat curve, where the
// "improvement" is only the fits' run-to-run noise and the first alone would pick the
// noisiest minimum.
int64_t choose_rank(const std::vector<int64_t>& ranks, const std::vector<double>& nmse, int64_t seeds) {
  const std::vector<double> mean = mean_over_seeds(nmse, ranks.size(), seeds);
  const double best = *std::min_element(mean.begin(), mean.end());
  const double improvement = mean.front() - best;
  for (size_t i = 0; i < ranks.size(); ++i) {
    if (mean[i] - best <= 0.05 * std::max(improvement, best)) return ranks[i];
  }
  return ranks.back();
}

// Variance explained of the fitted activity (z-scored units) per neuron, per trial, overall.
void variance_explained(const decomp::Recordings& data, const torch::Tensor& fitted_ktm, FitLtrResult& r) {
  const auto f = fitted_ktm.to(torch::kFloat64).contiguous();
  const double* y = f.data_ptr<double>();
  const int64_t K = data.trials, T = data.steps, M = data.neurons;
  std::vector<double> res_n(size_t(M), 0), tot_n(size_t(M), 0), res_k(size_t(K), 0), tot_k(size_t(K), 0);
  double res = 0, tot = 0;
  for (int64_t k = 0; k < K; ++k)
    for (int64_t t = 0; t < T; ++t)
      for (int64_t j = 0; j < M; ++j) {
        const size_t i = size_t((k * T + t) * M + j);
        const double d = data.activity[i], e = (d - y[i]) * (d - y[i]);
        res_n[size_t(j)] += e;
        tot_n[size_t(j)] += d * d;  // z-scored: each neuron's mean is 0
        res_k[size_t(k)] += e;
        tot_k[size_t(k)] += d * d;
        res += e;
        tot += d * d;
      }
  for (int64_t j = 0; j < M; ++j) r.variance_explained_neuron.push_back(1 - res_n[size_t(j)] / tot_n[size_t(j)]);
  for (int64_t k = 0; k < K; ++k) {
    r.variance_explained_trial.push_back(tot_k[size_t(k)] > 0 ? 1 - res_k[size_t(k)] / tot_k[size_t(k)] : 0.0);
  }
  r.variance_explained = 1 - res / tot;
}

Json request_config(const FitLtrRequest& r, const std::string& source) {
  Json fit = Json::object();
  fit["data"] = source;
  fit["ranks"] = r.ranks;
  fit["units"] = r.units;
  fit["dt_ms"] = r.dt_ms;
  fit["tau_ms"] = r.tau_ms;
  fit["substeps"] = r.substeps;
  fit["lr"] = r.lr;
  fit["max_iterations"] = r.max_iterations;
  fit["eval_every"] = r.eval_every;
  fit["patience"] = r.patience;
  fit["tolerance"] = r.tolerance;
  fit["trial_dropout"] = r.trial_dropout;
  fit["state_l2"] = r.state_l2;
  fit["held_out_fraction"] = r.held_out_fraction;
  fit["gp_length_trials"] = r.gp_length_trials;
  fit["seeds"] = r.seeds;
  Json config = Json::object();
  config["seed"] = r.seed;
  config["fit"] = fit;
  return config;
}

void write_fit(const runs::RunDirectory& dir, const rnn::LtrRnn& model, const FitLtrResult& r,
               const decomp::Recordings& data, const decomp::NeuronScaling& scaling) {
  h5::Writer out(dir.fit_path());
  model.write_weights(out);
  decomp::write_trial_metadata(out, data);
  out.write("/fitted_activity", r.fitted_activity.data(), {r.trials, r.steps, r.neurons});
  out.write("/variance_explained_neuron", r.variance_explained_neuron);
  out.write("/variance_explained_trial", r.variance_explained_trial);
  out.write("/neuron_mean", scaling.mean);
  out.write("/neuron_std", scaling.std);
  out.attribute("/", "variance_explained", r.variance_explained);
  out.commit();
}

void write_rank_selection(const runs::RunDirectory& dir, const FitLtrResult& r) {
  h5::Writer out(dir.rank_selection_path());
  out.write("/ranks", r.ranks);
  out.write("/heldout_nmse", r.heldout_nmse.data(), {int64_t(r.ranks.size()), r.seeds});
  out.write("/pca_unexplained", r.pca_unexplained);
  out.attribute("/", "chosen_rank", r.rank);
  out.commit();
}

}  // namespace

FitLtrResult run_fit_ltr(const FitLtrRequest& req) {
  validate(req);
  require(req.recordings.has_value() != !req.data_path.empty(),
          "give the recordings either as a file or in memory, not both");
  const Existing policy = existing_policy(req.force);
  decomp::Recordings data = req.recordings ? *req.recordings : decomp::read_recordings(req.data_path);
  if (req.recordings) decomp::validate_recordings(data, "the recordings");
  const std::string source = req.recordings ? std::string("(in memory)") : req.data_path;
  const runs::RunDirectory dir(req.out);
  std::optional<FileLock> lock;
  if (!req.out.empty()) lock = claim_output_dir(dir.path(), policy, req.door, runs::RunDirectory::file_names());
  const int64_t threads = rnn::use_threads(req.threads);
  const auto start = Clock::now();
  const decomp::NeuronScaling scaling = decomp::zscore_neurons(data);
  const int64_t entries = data.trials * data.steps * data.neurons;
  const std::vector<uint8_t> all(size_t(entries), 1);

  FitLtrResult result;
  result.units = req.units;
  result.trials = data.trials;
  result.steps = data.steps;
  result.neurons = data.neurons;
  int64_t rank = req.ranks.front();
  bool interrupted = false;
  if (req.ranks.size() > 1) {
    result.ranks = req.ranks;
    result.seeds = req.seeds;
    result.pca_unexplained = decomp::pca_unexplained(data, req.ranks);
    for (int64_t r : req.ranks) {
      for (int64_t s = 0; s < req.seeds && !interrupted; ++s) {
        const uint64_t seed = req.seed + uint64_t(s);
        const auto masks = decomp::block_cv_masks(data.trials, data.steps, data.neurons, req.held_out_fraction, seed);
        const Fit fit = fit_once(req, data, masks.train, masks.test, r, seed,
                                 "rank " + std::to_string(r) + ", seed " + std::to_string(seed) + " (cross-validation)");
        result.heldout_nmse.push_back(fit.metric);
        interrupted = fit.interrupted;
      }
    }
    require(!interrupted, "fit-ltr was interrupted during the cross-validation; nothing was written");
    rank = choose_rank(req.ranks, result.heldout_nmse, req.seeds);
  }
  result.rank = rank;
  const Fit fit = fit_once(req, data, all, all, rank, req.seed, "rank " + std::to_string(rank) + " (all data)");
  {
    torch::NoGradGuard no_grad;
    const auto out = fit.model->run(rnn::recording_inputs(data), {});
    const auto fitted = out.outputs.transpose(0, 1).contiguous();  // [K, T, M], z-scored units
    variance_explained(data, fitted, result);
    // Back to the data's units.
    const auto mean = torch::tensor(scaling.mean, torch::kFloat64), std = torch::tensor(scaling.std, torch::kFloat64);
    result.fitted_activity = rnn::to_doubles(fitted.to(torch::kFloat64) * std + mean);
    result.a = rnn::to_doubles(fit.model->a_hat());
    result.b = rnn::to_doubles(fit.model->b_hat());
    result.c = rnn::to_doubles(fit.model->trial_factors());
    result.readout = rnn::to_doubles(fit.model->readout());
  }
  result.iterations = fit.iterations;
  result.stop_reason = fit.stop_reason;

  Json& s = result.summary;
  s["status"] = fit.interrupted ? "interrupted" : "finished";
  s["stop_reason"] = fit.stop_reason;
  s["data"] = source;
  s["trials"] = data.trials;
  s["time_steps"] = data.steps;
  s["neurons"] = data.neurons;
  s["units"] = req.units;
  s["rank"] = rank;
  s["iterations"] = fit.iterations;
  s["seconds_per_iteration"] = fit.train_seconds / double(std::max<int64_t>(1, fit.iterations));
  s["variance_explained"] = result.variance_explained;
  s["final_nmse"] = fit.metric;
  if (!result.ranks.empty()) {
    s["ranks"] = result.ranks;
    s["heldout_nmse"] = result.heldout_nmse;
    s["chosen_rank"] = rank;
  }
  s["seed"] = req.seed;
  s["version"] = RNNSCOPE_VERSION;
  s["torch_version"] = TORCH_VERSION;
  s["threads"] = threads;
  s["wall_seconds"] = std::chrono::duration<double>(Clock::now() - start).count();
  if (!req.out.empty()) {
    dir.write_config(request_config(req, source));
    dir.write_history(fit.history);
    write_fit(dir, *fit.model, result, data, scaling);
    if (!result.ranks.empty()) write_rank_selection(dir, result);
    dir.write_summary(s);
  }
  return result;
}

}  // namespace rnnscope::requests
