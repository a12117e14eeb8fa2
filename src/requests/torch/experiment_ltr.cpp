// `rnnscope experiment ltr`: the claims of Pellegrino, Cayco-Gajic & Chadwick 2023 ("Low
// Tensor Rank Learning of Neural Dynamics") on rnnscope's own tools (docs/ltr.md, "The
// experiment"): (1) fit-ltr recovers the rank and the trial factors of a planted low-tensor-
// rank teacher; (2) a task-trained network that adapts to a perturbation (synth-ltr's reach
// generator) is fitted by a low-rank ltrRNN, and its weight updates form a tensor of low CP
// rank. It only composes requests and core analyses: synth-ltr, fit-ltr, the rank of learning.
#include "requests/torch/experiments_internal.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/rng.h"
#include "rnnscope/core/text_file.h"
#include "rnnscope/decomp/cp.h"
#include "rnnscope/requests/fit_ltr.h"
#include "rnnscope/decomp/learning_rank.h"
#include "rnnscope/requests/output_policy.h"
#include "rnnscope/requests/synth_ltr.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace rnnscope::requests {
namespace {

using decomp::Matrix;
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Everything that changes with ExperimentSize. The fit options (lr 0.02, patience 4 checks of
// 20 iterations) are the ones that converge on these small recordings (docs/ltr.md).
struct LtrSizes {
  const char* name;
  std::vector<int64_t> planted_ranks;
  int64_t seeds;  // synthetic sets per planted rank
  int64_t trials, steps, neurons, units;
  double noise;
  int64_t fit_iterations;
  int64_t cv_seeds;  // cross-validation fits per rank, averaged: the elbow of a less noisy curve
  int64_t reach_units;  // the reach network's units, all recorded, and the fit's units
  int64_t baseline, perturbed, washout;  // reach trials per block
  int64_t reach_max_rank;
  int learning_max_rank;
};

LtrSizes ltr_sizes(ExperimentSize size) {
  switch (size) {
    case ExperimentSize::quick: return {"quick", {1, 2, 3}, 1, 60, 16, 16, 16, 0.03, 300, 1, 24, 16, 40, 24, 4, 8};
    case ExperimentSize::ci:  // refused by run_experiment: ltr has no ci size
    case ExperimentSize::full: break;
  }
  return {"full", {1, 2, 3, 4}, 2, 120, 31, 30, 30, 0.03, 600, 2, 48, 40, 120, 80, 5, 8};
}

// The trial factors c [K, R] (row-major) with each column's mean over trials removed: the
// raw factors share a large positive mean (the base gain), which alone makes every pair of
// columns nearly parallel; what identifies a component is how it changes over trials.
Matrix centred_columns(const std::vector<double>& c, int64_t trials) {
  const auto rank = Eigen::Index(c.size() / size_t(trials));
  Matrix m = Eigen::Map<const RowMatrix>(c.data(), trials, rank);
  m.rowwise() -= m.colwise().mean();
  return m;
}

// The fit options shared by every fit of the experiment: lr 0.02 and patience 4 checks of
// 20 iterations converge on these small recordings (docs/ltr.md).
FitLtrRequest experiment_fit(const ExperimentRequest& req, const LtrSizes& sizes, const std::string& data_path,
                             const std::string& out_subdir) {
  FitLtrRequest fit;
  fit.data_path = data_path;
  fit.lr = 0.02;
  fit.max_iterations = sizes.fit_iterations;
  fit.eval_every = 20;
  fit.patience = 4;
  fit.seeds = sizes.cv_seeds;
  fit.threads = req.threads;
  fit.out = req.out + out_subdir;
  fit.stop_requested = req.stop_requested;
  fit.door = req.door;
  return fit;
}

struct PlantedSet {
  int64_t planted_rank = 0, seed = 0, recovered_rank = 0;
  double congruence = 0;
  std::vector<double> heldout_nmse;  // mean over the fit's seeds, one per fitted rank
};

PlantedSet run_planted_set(const ExperimentRequest& req, const LtrSizes& sizes, const std::vector<int64_t>& fit_ranks,
                           int64_t rank, int64_t set_seed) {
  const std::string tag = "rank" + std::to_string(rank) + "_seed" + std::to_string(set_seed);
  SynthLtrRequest synth;
  synth.rank = rank;
  synth.units = sizes.units;
  synth.neurons = sizes.neurons;
  synth.trials = sizes.trials;
  synth.steps = sizes.steps;
  synth.noise = sizes.noise;
  synth.seed = Rng::derive_seed(req.seed, "experiment_ltr_synth", uint64_t(rank * 100 + set_seed));
  synth.out = req.out + "/data/" + tag + ".h5";
  synth.door = req.door;
  if (req.progress) req.progress("planted rank " + std::to_string(rank) + ", set " + std::to_string(set_seed) +
                                 ": synthetic recordings, then fit-ltr at ranks 1.." +
                                 std::to_string(fit_ranks.back()));
  const SynthLtrResult truth = run_synth_ltr(synth);

  FitLtrRequest fit = experiment_fit(req, sizes, synth.out, "/fits/" + tag);
  fit.ranks = fit_ranks;
  fit.units = sizes.units;
  fit.seed = Rng::derive_seed(req.seed, "experiment_ltr_fit", uint64_t(rank * 100 + set_seed));
  const FitLtrResult fitted = run_fit_ltr(fit);

  PlantedSet set;
  set.planted_rank = rank;
  set.seed = set_seed;
  set.recovered_rank = fitted.rank;
  set.congruence = decomp::column_congruence(centred_columns(truth.c, sizes.trials),
                                             centred_columns(fitted.c, sizes.trials));
  set.heldout_nmse = fitted.mean_heldout_nmse();
  return set;
}

// The task-trained network: synth-ltr's reach generator, fit-ltr on its recordings
// (cross-validated over ranks) and the CP rank of its W_rec updates over the recording.
struct ReachResult {
  SynthReachResult data;
  FitLtrResult fit;
  decomp::LearningRank learning;
};

ReachResult run_reach(const ExperimentRequest& req, const LtrSizes& sizes) {
  ReachResult r;
  SynthReachRequest synth;
  synth.units = synth.neurons = sizes.reach_units;
  synth.baseline = sizes.baseline;
  synth.perturbed = sizes.perturbed;
  synth.washout = sizes.washout;
  synth.noise = sizes.noise;
  synth.seed = Rng::derive_seed(req.seed, "experiment_ltr_reach");
  synth.threads = req.threads;
  synth.out = req.out + "/data/reach.h5";
  synth.stop_requested = req.stop_requested;
  synth.door = req.door;
  if (req.progress) req.progress("reach: a " + std::to_string(sizes.reach_units) + "-unit CTRNN trained on "
                                 "centre_out_reach, then recorded while it adapts to a 30 degree rotation");
  r.data = run_synth_reach(synth);

  FitLtrRequest fit = experiment_fit(req, sizes, synth.out, "/fits/reach");
  fit.ranks.clear();
  for (int64_t rank = 1; rank <= sizes.reach_max_rank; ++rank) fit.ranks.push_back(rank);
  fit.units = sizes.reach_units;
  fit.dt_ms = r.data.dt_ms;  // the generator network's own
  fit.tau_ms = r.data.tau_ms;
  fit.seed = Rng::derive_seed(req.seed, "experiment_ltr_reach_fit");
  if (req.progress) req.progress("reach: fit-ltr at ranks 1.." + std::to_string(sizes.reach_max_rank));
  r.fit = run_fit_ltr(fit);

  decomp::LearningRankOptions options;
  options.ranks.clear();
  for (int rank = 1; rank <= sizes.learning_max_rank; ++rank) options.ranks.push_back(rank);
  options.cp.set_restarts(4).set_max_iterations(500).set_seed(req.seed).set_threads(int(req.threads));
  if (req.progress) req.progress("reach: CP of the W_rec updates at ranks 1.." + std::to_string(sizes.learning_max_rank));
  r.learning = decomp::analyze_learning_rank(r.data.w_rec, options);
  return r;
}

std::string planted_table(const std::vector<PlantedSet>& sets, const std::vector<int64_t>& fit_ranks) {
  std::string md = "| planted rank | set | recovered rank | factor congruence |";
  for (int64_t r : fit_ranks) md += " held-out NMSE, rank " + std::to_string(r) + " |";
  md += "\n|---|---|---|---|";
  for (size_t i = 0; i < fit_ranks.size(); ++i) md += "---|";
  md += "\n";
  int64_t recovered = 0;
  double congruence = 0;
  for (const PlantedSet& s : sets) {
    md += "| " + std::to_string(s.planted_rank) + " | " + std::to_string(s.seed) + " | " +
          std::to_string(s.recovered_rank) + " | " + format_value("%.3f", s.congruence) + " |";
    for (double e : s.heldout_nmse) md += " " + format_value("%.4f", e) + " |";
    md += "\n";
    recovered += s.recovered_rank == s.planted_rank;
    congruence += s.congruence / double(sets.size());
  }
  md += "\nThe planted rank was recovered in " + std::to_string(recovered) + " of " + std::to_string(sets.size()) +
        " synthetic sets, and the refitted trial factors match the teacher's with a mean congruence of " +
        format_value("%.3f", congruence) + ".\n";
  return md;
}

// "Steep at low rank": half of the fall from the lowest to the highest rank tried is done by
// rank 3 — the error curve of a tensor with a few dominant components.
std::string steepness(const std::string& what, const std::vector<int>& ranks, const std::vector<double>& error) {
  const double first = error.front(), last = error.back();
  size_t half = ranks.size() - 1;
  for (size_t i = 0; i < ranks.size(); ++i)
    if (first - error[i] >= 0.5 * (first - last)) {
      half = i;
      break;
    }
  return "The CP error of " + what + (ranks[half] <= 3 ? " falls steeply" : " does not fall steeply") +
         " at low rank: from " + format_value("%.3f", first) + " at rank " + std::to_string(ranks.front()) + " to " +
         format_value("%.3f", last) + " at rank " + std::to_string(ranks.back()) + ", with half of that fall reached by rank " +
         std::to_string(ranks[half]) + ".";
}

std::string learning_table(const decomp::LearningRank& rank) {
  std::string md = "| CP rank | the updates W_k − W_{k−1} | the cumulative changes W_k − W_0 |\n|---|---|---|\n";
  for (size_t i = 0; i < rank.ranks.size(); ++i)
    md += "| " + std::to_string(rank.ranks[i]) + " | " + format_value("%.4f", rank.cp_relative_error[i]) + " | " +
          format_value("%.4f", rank.cumulative_cp_relative_error[i]) + " |\n";
  return md + "\n" + steepness("the updates", rank.ranks, rank.cp_relative_error) + " " +
         steepness("the cumulative changes", rank.ranks, rank.cumulative_cp_relative_error) + "\n";
}

// The reach section of results.md: behaviour per block, fit-ltr's rank curve, the CP error of
// the weight updates.
std::string reach_text(const ReachResult& reach, const LtrSizes& sizes) {
  const decomp::Recordings& d = reach.data.recordings;
  const auto& error = d.info("endpoint_error_deg");
  const auto mean_abs = [&](int64_t from, int64_t count) {
    double sum = 0;
    for (int64_t k = from; k < from + count; ++k) sum += std::abs(error[size_t(k)]);
    return sum / double(std::max<int64_t>(1, count));
  };
  const int64_t early = std::min<int64_t>(8, sizes.perturbed), after = std::min<int64_t>(8, sizes.washout);
  std::string md = "synth-ltr --generator reach: a " + std::to_string(sizes.reach_units) +
                   "-unit tanh CTRNN pretrained with Adam on centre_out_reach (" +
                   std::to_string(reach.data.pretrain_steps) + " steps, accuracy " +
                   format_value("%.3f", reach.data.pretrain_accuracy) + "), then trained one trial per gradient-descent "
                   "step through " + std::to_string(sizes.baseline) + " baseline, " + std::to_string(sizes.perturbed) +
                   " perturbed (30 degree rotation) and " + std::to_string(sizes.washout) +
                   " washout trials, all units recorded.\n\n"
                   "| | mean abs. endpoint error (deg) |\n|---|---|\n"
                   "| baseline | " + format_value("%.1f", mean_abs(0, sizes.baseline)) + " |\n"
                   "| first " + std::to_string(early) + " perturbed trials | " + format_value("%.1f", mean_abs(sizes.baseline, early)) + " |\n"
                   "| last " + std::to_string(early) + " perturbed trials | " +
                   format_value("%.1f", mean_abs(sizes.baseline + sizes.perturbed - early, early)) + " |\n"
                   "| first " + std::to_string(after) + " washout trials (after-effect) | " +
                   format_value("%.1f", mean_abs(sizes.baseline + sizes.perturbed, after)) + " |\n\n";
  const FitLtrResult& f = reach.fit;
  md += "fit-ltr on the recorded rates (" + std::to_string(d.trials) + " trials x " + std::to_string(d.steps) +
        " bins x " + std::to_string(d.neurons) + " neurons), cross-validated:\n\n| rank | held-out NMSE | PCA unexplained |\n|---|---|---|\n";
  const std::vector<double> mean = f.mean_heldout_nmse();
  for (size_t i = 0; i < f.ranks.size(); ++i)
    md += "| " + std::to_string(f.ranks[i]) + " | " + format_value("%.4f", mean[i]) + " | " + format_value("%.4f", f.pca_unexplained[i]) + " |\n";
  md += "\nChosen rank " + std::to_string(f.rank) + "; the rank-" + std::to_string(f.rank) +
        " fit on all data explains " + format_value("%.3f", f.variance_explained) + " of the variance.\n\n"
        "Its recurrent weights over the recording, W_k after trial k, as tensors [N, N, " + std::to_string(d.trials) +
        "] fitted by CP-ALS (relative error):\n\n" + learning_table(reach.learning);
  return md;
}

}  // namespace

ExperimentResult run_ltr_experiment(const ExperimentRequest& req) {
  require(!req.out.empty(), "the ltr experiment needs an output directory");
  prepare_output_dir(req.out, existing_policy(req.force), req.door,
                     {"data", "fits", "results.h5", "results.md"});
  std::filesystem::create_directories(req.out + "/data");  // synth-ltr writes files, not directories
  const auto start = std::chrono::steady_clock::now();
  const LtrSizes sizes = ltr_sizes(req.size);
  std::vector<int64_t> fit_ranks;
  for (int64_t r = 1; r <= sizes.planted_ranks.back() + 1; ++r) fit_ranks.push_back(r);

  std::vector<PlantedSet> sets;
  for (int64_t rank : sizes.planted_ranks)
    for (int64_t s = 0; s < sizes.seeds; ++s) sets.push_back(run_planted_set(req, sizes, fit_ranks, rank, s));
  const ReachResult reach = run_reach(req, sizes);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  ExperimentResult result;
  result.out = req.out;
  Record& rec = result.record;
  const auto n = int64_t(sets.size()), n_ranks = int64_t(fit_ranks.size());
  std::vector<int64_t> planted, set_seed, recovered;
  std::vector<double> congruence;
  // NaN where a set's fit tried fewer ranks than the widest (the layout allows it; today
  // every set tries the same ranks).
  std::vector<double> heldout(size_t(n * n_ranks), std::numeric_limits<double>::quiet_NaN());
  for (int64_t i = 0; i < n; ++i) {
    const PlantedSet& s = sets[size_t(i)];
    planted.push_back(s.planted_rank);
    set_seed.push_back(s.seed);
    recovered.push_back(s.recovered_rank);
    congruence.push_back(s.congruence);
    std::copy(s.heldout_nmse.begin(), s.heldout_nmse.end(), heldout.begin() + i * n_ranks);
  }
  rec.add("planted_rank", {n}, planted);
  rec.add("set_seed", {n}, set_seed);
  rec.add("recovered_rank", {n}, recovered);
  rec.add("factor_congruence", {n}, congruence);
  rec.add("heldout_ranks", {n_ranks}, fit_ranks);
  rec.add("heldout_nmse", {n, n_ranks}, heldout);
  const auto& lr = reach.learning;
  rec.add("learning_ranks", {int64_t(lr.ranks.size())}, std::vector<int64_t>(lr.ranks.begin(), lr.ranks.end()));
  rec.add("learning_cp_error", {int64_t(lr.ranks.size())}, lr.cp_relative_error);
  rec.add("learning_cumulative_cp_error", {int64_t(lr.ranks.size())}, lr.cumulative_cp_relative_error);
  rec.add("learning_update_matrix_rank", {int64_t(lr.update_matrix_rank.size())}, lr.update_matrix_rank);
  const decomp::Recordings& reach_data = reach.data.recordings;
  rec.add("reach_block", {reach_data.trials}, reach_data.info("block"));
  rec.add("reach_endpoint_error_deg", {reach_data.trials}, reach_data.info("endpoint_error_deg"));
  const FitLtrResult& rf = reach.fit;
  rec.add("reach_ranks", {int64_t(rf.ranks.size())}, rf.ranks);
  rec.add("reach_heldout_nmse", {int64_t(rf.ranks.size()), rf.seeds}, rf.heldout_nmse);
  rec.add("reach_pca_unexplained", {int64_t(rf.ranks.size())}, rf.pca_unexplained);
  rec.attributes["reach_chosen_rank"] = rf.rank;
  rec.attributes["reach_variance_explained"] = rf.variance_explained;
  rec.attributes["size"] = sizes.name;
  rec.attributes["quick"] = req.size == ExperimentSize::quick;
  rec.attributes["seed"] = req.seed;
  rec.attributes["version"] = RNNSCOPE_VERSION;
  rec.attributes["seconds"] = seconds;

  result.markdown =
      "# Low tensor rank experiment (`rnnscope experiment ltr`, size " + std::string(sizes.name) + ", seed " +
      std::to_string(req.seed) + ")\n\n## Planted rank recovery\n\nsynth-ltr: " + std::to_string(sizes.trials) +
      " trials x " + std::to_string(sizes.steps) + " time bins x " + std::to_string(sizes.neurons) + " neurons, " +
      std::to_string(sizes.units) + " teacher units, noise " + format_value("%.2f", sizes.noise) +
      "; fit-ltr with " + std::to_string(sizes.units) + " units, cross-validated over ranks 1.." +
      std::to_string(fit_ranks.back()) + ". Factor congruence: mean |cosine| between matched trial-factor columns, "
      "each centred over trials.\n\n" + planted_table(sets, fit_ranks) +
      "\n## A task-trained network adapting to a perturbation\n\n" + reach_text(reach, sizes) +
      "\nWall time: " + format_value("%.0f", seconds) + " s.\n";
  write_record(req.out + "/results.h5", rec);
  write_text_atomic(req.out + "/results.md", result.markdown);
  return result;
}

}  // namespace rnnscope::requests
