// The rank-of-learning request (include/rnnscope/requests/learning.h).
#include "rnnscope/requests/learning.h"

#include "rnnscope/core/error.h"
#include "rnnscope/requests/output_policy.h"
#include "rnnscope/runs/run_directory.h"

#include <type_traits>
#include <variant>

namespace rnnscope::requests {
namespace {

// The trajectories of `weight`, one per network: a single network's snapshots are [rows,
// cols], those of a run with K replicas [K, rows, cols] (weights_history.h5, docs/outputs.md).
std::vector<decomp::WeightTrajectory> trajectories(const runs::WeightHistory& history, const std::string& weight,
                                                   const std::string& path) {
  std::string names;
  for (const auto& w : history.weights) {
    if (w.name != weight) {
      names += (names.empty() ? "" : ", ") + w.name;
      continue;
    }
    require(w.shape.size() == 2 || w.shape.size() == 3,
            path + ": " + weight + " is neither a matrix nor one matrix per replica");
    const int64_t replicas = w.shape.size() == 3 ? w.shape[0] : 1;
    const size_t block = size_t(w.shape[w.shape.size() - 2] * w.shape.back());
    std::vector<decomp::WeightTrajectory> out(static_cast<size_t>(replicas));
    for (int64_t k = 0; k < replicas; ++k) {
      auto& t = out[size_t(k)];
      t.steps = history.step;
      t.rows = w.shape[w.shape.size() - 2];
      t.cols = w.shape.back();
      // Snapshot s of replica k is the k-th block of snapshot s.
      for (size_t s = 0; s < history.snapshots(); ++s) {
        const auto first = w.values.begin() + int64_t((s * size_t(replicas) + size_t(k)) * block);
        t.values.insert(t.values.end(), first, first + int64_t(block));
      }
    }
    return out;
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

// The records of K replicas as one: every array but /steps and /ranks (the same for all)
// stacked along a leading replica axis.
Record stacked(const std::vector<Record>& records) {
  Record out = records.front();
  const int64_t replicas = int64_t(records.size());
  for (size_t i = 0; i < out.arrays.size(); ++i) {
    auto& array = out.arrays[i];
    if (array.name == "steps" || array.name == "ranks") continue;
    array.shape.insert(array.shape.begin(), replicas);
    std::visit(
        [&](auto& values) {
          for (size_t k = 1; k < records.size(); ++k) {
            const auto& more = std::get<std::decay_t<decltype(values)>>(records[k].arrays[i].data);
            values.insert(values.end(), more.begin(), more.end());
          }
        },
        array.data);
  }
  out.attributes["replicas"] = replicas;
  return out;
}

}  // namespace

LearningResult run_learning(const LearningRequest& req) {
  const runs::RunDirectory dir(req.run_dir);
  dir.require_run();
  LearningResult result;
  result.out = req.out ? *req.out : dir.learning_path();
  if (!result.out.empty()) check_can_write(result.out, req.force, req.door);
  auto networks = trajectories(dir.read_weights_history(), req.weight, dir.weights_history_path());
  require_replica(req.door, req.replica, int64_t(networks.size()), dir.path());
  if (req.replica) networks = {networks[size_t(*req.replica)]};
  decomp::LearningRankOptions options;
  options.ranks = req.ranks;
  options.rank_tolerance = req.rank_tolerance;
  options.cp.set_restarts(req.restarts).set_max_iterations(req.max_iterations).set_seed(req.seed).set_threads(req.threads);
  std::vector<Record> records;
  for (const auto& t : networks) {
    result.ranks.push_back(decomp::analyze_learning_rank(t, options));
    records.push_back(learning_record(result.ranks.back(), req, t));
  }
  result.record = records.size() > 1 ? stacked(records) : records.front();
  if (req.replica) result.record.attributes["replica"] = *req.replica;
  if (!result.out.empty()) write_record(result.out, result.record);
  return result;
}

}  // namespace rnnscope::requests
