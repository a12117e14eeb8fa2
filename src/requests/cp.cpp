// The CP request (include/rnnscope/requests/cp.h).
#include "rnnscope/requests/cp.h"

#include "rnnscope/core/error.h"
#include "rnnscope/requests/output_policy.h"
#include "rnnscope/topo/inputs.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

namespace rnnscope::requests {
namespace {

constexpr const char* kModeNames[] = {"a", "b", "c"};  // the factors' dataset names

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// The dataset a spec without one means: /tensor, else the root's only 3-D dataset.
h5::Array read_default_dataset(const std::string& file) {
  if (h5::has_dataset(file, "/tensor")) return h5::read_array(file, "/tensor");
  std::vector<h5::Array> found;
  std::vector<std::string> names;
  for (const auto& name : h5::list_group(file, "/")) {
    if (h5::is_group(file, "/" + name)) continue;
    h5::Array a = h5::read_array(file, "/" + name);
    if (a.shape.size() != 3) continue;
    found.push_back(std::move(a));
    names.push_back("/" + name);
  }
  if (found.size() == 1) return std::move(found[0]);
  std::string listed;
  for (const auto& n : names) listed += (listed.empty() ? "" : ", ") + n;
  throw Error(file + ": name the dataset as " + file + ":/DATASET (the file has no /tensor and " +
              (found.empty() ? "no 3-D dataset at its root" : "several 3-D datasets: " + listed) + ")");
}

decomp::Tensor3 read_tensor(const CpRequest& req) {
  h5::Array a;
  std::string what;
  if (req.array) {
    a = *req.array;
    what = "the tensor";
  } else {
    topo::DatasetSpec ds;
    a = topo::parse_dataset_spec(req.input, &ds) ? h5::read_array(ds.file, ds.dataset)
                                                 : read_default_dataset(req.input);
    what = req.input;
  }
  require(a.shape.size() == 3,
          what + ": expected a 3-D tensor [I, J, K], got shape " + shape_text(a.shape));
  for (double v : a.data) require(std::isfinite(v), what + ": the tensor contains a NaN or infinity");
  decomp::Tensor3 t;
  t.dims = {a.shape[0], a.shape[1], a.shape[2]};
  t.values = std::move(a.data);
  return t;
}

void validate(const CpRequest& req) {
  require(!req.ranks.empty(), argument_name(req.door, "ranks") + ": give at least one rank");
  std::set<int> seen;
  for (int r : req.ranks) {
    require(r >= 1, argument_name(req.door, "ranks") + ": every rank must be >= 1, got " + std::to_string(r));
    require(seen.insert(r).second, argument_name(req.door, "ranks") + ": rank " + std::to_string(r) + " is given twice");
  }
  const auto& o = req.options;
  require(o.restarts >= 1, argument_name(req.door, "restarts") + " must be >= 1, got " + std::to_string(o.restarts));
  require(o.max_iterations >= 1,
          argument_name(req.door, "max_iterations") + " must be >= 1, got " + std::to_string(o.max_iterations));
  require(o.threads >= 0,
          argument_name(req.door, "threads") + " must be >= 0 (0 = all cores), got " + std::to_string(o.threads));
}

std::vector<double> column_major_to_rows(const decomp::Matrix& m) {
  std::vector<double> out(size_t(m.size()));
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) out[size_t(i * m.cols() + j)] = m(i, j);
  return out;
}

Record cp_record(const CpRequest& req, const decomp::Tensor3& t, const std::vector<CpRankResult>& results) {
  Record record;
  std::vector<int64_t> ranks, iterations;
  std::vector<double> errors, similarity;
  std::vector<uint8_t> converged;
  double seconds = 0;
  for (const auto& r : results) {
    ranks.push_back(r.rank);
    errors.push_back(r.fit.best.relative_error);
    similarity.push_back(r.fit.restart_similarity);
    iterations.push_back(r.fit.best.iterations);
    converged.push_back(r.fit.best.converged);
    seconds += r.seconds;
  }
  const int64_t n = int64_t(results.size());
  record.add("ranks", {n}, std::move(ranks));
  record.add("relative_error", {n}, std::move(errors));
  record.add("restart_similarity", {n}, std::move(similarity));
  record.add("iterations", {n}, std::move(iterations));
  record.add("converged", {n}, std::move(converged));
  for (const auto& r : results) {
    const std::string group = "rank_" + std::to_string(r.rank) + "/";
    const auto& best = r.fit.best;
    for (size_t m = 0; m < 3; ++m)
      record.add(group + kModeNames[m], {best.factors[m].rows(), best.factors[m].cols()},
                 column_major_to_rows(best.factors[m]));
    record.add(group + "weights", {best.weights.size()}, std::vector<double>(best.weights.data(), best.weights.data() + best.weights.size()));
    record.add(group + "restart_errors", {int64_t(r.fit.restart_errors.size())}, r.fit.restart_errors);
  }
  record.attributes["source"] = req.array ? "array" : req.input;
  record.attributes["shape"] = shape_text({t.dims[0], t.dims[1], t.dims[2]});
  record.attributes["restarts"] = req.options.restarts;
  record.attributes["nonnegative"] = req.options.nonnegative;
  record.attributes["seed"] = int64_t(req.options.seed);
  record.attributes["max_iterations"] = req.options.max_iterations;
  record.attributes["tolerance"] = req.options.tolerance;
  record.attributes["version"] = RNNSCOPE_VERSION;
  record.attributes["seconds"] = seconds;
  return record;
}

}  // namespace

CpResult run_cp(const CpRequest& req) {
  validate(req);
  if (!req.out.empty()) check_can_write(req.out, req.force, req.door);
  const decomp::Tensor3 tensor = read_tensor(req);
  CpResult result;
  for (int rank : req.ranks) {
    decomp::CpOptions options = req.options;
    options.rank = rank;
    const auto start = std::chrono::steady_clock::now();
    CpRankResult r;
    r.rank = rank;
    r.fit = decomp::cp_als(tensor, options);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.ranks.push_back(std::move(r));
  }
  result.record = cp_record(req, tensor, result.ranks);
  if (!req.out.empty()) write_record(req.out, result.record);
  return result;
}

}  // namespace rnnscope::requests
