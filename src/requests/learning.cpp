// The rank-of-learning request (include/rnnscope/requests/learning.h).
#include "rnnscope/requests/learning.h"

#include "rnnscope/core/error.h"
#include "rnnscope/requests/output_policy.h"
#include "rnnscope/runs/run_directory.h"

namespace rnnscope::requests {
namespace {

decomp::WeightTrajectory trajectory(const runs::WeightHistory& history, const std::string& weight,
                                    const std::string& path) {
  std::string names;
  for (const auto& w : history.weights) {
    if (w.name != weight) {
      names += (names.empty() ? "" : ", ") + w.name;
      continue;
    }
    require(w.shape.size() == 2, path + ": " + weight + " is not a matrix");
    decomp::WeightTrajectory t;
    t.steps = history.step;
    t.rows = w.shape[0];
    t.cols = w.shape[1];
    t.values.assign(w.values.begin(), w.values.end());
    return t;
  }
  throw Error(path + " has no weight '" + weight + "'; it holds: " + names);
}

Record learning_record(const decomp::LearningRank& r, const LearningRequest& req, const decomp::WeightTrajectory& t) {
  Record record;
  const int64_t ranks = int64_t(r.ranks.size()), changes = int64_t(r.update_matrix_rank.size());
  record.add("steps", {int64_t(r.steps.size())}, r.steps);
  record.add("ranks", {ranks}, std::vector<int64_t>(r.ranks.begin(), r.ranks.end()));
  record.add("cp_relative_error", {ranks}, r.cp_relative_error);
  record.add("cumulative_cp_relative_error", {ranks}, r.cumulative_cp_relative_error);
  record.add("cp_iterations", {ranks}, std::vector<int64_t>(r.cp_iterations.begin(), r.cp_iterations.end()));
  // Eigen stores column-major; the record is row-major [S−1, min(N_out, N_in)].
  const auto& sv = r.update_singular_values;
  std::vector<double> singular(size_t(sv.size()));
  for (Eigen::Index i = 0; i < sv.rows(); ++i) {
    for (Eigen::Index j = 0; j < sv.cols(); ++j) singular[size_t(i * sv.cols() + j)] = sv(i, j);
  }
  record.add("update_singular_values", {changes, int64_t(sv.cols())}, std::move(singular));
  record.add("update_matrix_rank", {changes}, r.update_matrix_rank);
  record.add("update_effective_rank", {changes}, r.update_effective_rank);
  record.add("cumulative_matrix_rank", {changes}, r.cumulative_matrix_rank);
  auto& a = record.attributes;
  a["run"] = req.run_dir;
  a["weight"] = req.weight;
  a["rows"] = t.rows;
  a["cols"] = t.cols;
  a["snapshots"] = int64_t(r.steps.size());
  a["rank_tolerance"] = req.rank_tolerance;
  a["effective_rank"] = "participation_ratio";
  a["cp_restarts"] = int64_t(req.restarts);
  a["cp_max_iterations"] = int64_t(req.max_iterations);
  a["seed"] = int64_t(req.seed);
  a["version"] = RNNSCOPE_VERSION;
  return record;
}

}  // namespace

LearningResult run_learning(const LearningRequest& req) {
  const runs::RunDirectory dir(req.run_dir);
  dir.require_run();
  LearningResult result;
  result.out = req.out ? *req.out : dir.learning_path();
  if (!result.out.empty()) check_can_write(result.out, req.force, req.door);
  const auto t = trajectory(dir.read_weights_history(), req.weight, dir.weights_history_path());
  decomp::LearningRankOptions options;
  options.ranks = req.ranks;
  options.rank_tolerance = req.rank_tolerance;
  options.cp.set_restarts(req.restarts).set_max_iterations(req.max_iterations).set_seed(req.seed).set_threads(req.threads);
  result.rank = decomp::analyze_learning_rank(t, options);
  result.record = learning_record(result.rank, req, t);
  if (!result.out.empty()) write_record(result.out, result.record);
  return result;
}

}  // namespace rnnscope::requests
