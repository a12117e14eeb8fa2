// The RTD request (include/rnnscope/requests/rtd.h).
#include "rnnscope/requests/rtd.h"

#include "requests/bars_internal.h"

#include "rnnscope/core/error.h"
#include "rnnscope/requests/output_policy.h"
#include "rnnscope/topo/inputs.h"

namespace rnnscope::requests {
namespace {

h5::Array cloud(const std::optional<h5::Array>& array, const std::string& spec, const std::string& name) {
  if (!array) return topo::read_point_cloud(spec);
  require(array->shape.size() == 2,
          name + " must be a 2-D array, got " + std::to_string(array->shape.size()) + " dimension(s)");
  return *array;
}

Record rtd_record(const topo::RtdResult& result, const topo::RtdOptions& options, const std::string& p_source,
                  const std::string& q_source) {
  Record record;
  std::vector<double> scores, forward, backward;
  std::vector<int64_t> rows;
  for (const auto& t : result.trials) {
    scores.push_back(t.score);
    forward.push_back(t.forward);
    backward.push_back(t.backward);
    rows.insert(rows.end(), t.rows.begin(), t.rows.end());
  }
  const int64_t trials = int64_t(result.trials.size());
  const int64_t batch = trials ? int64_t(result.trials[0].rows.size()) : 0;
  record.add("score", {1}, std::vector<double>{result.score});
  record.add("trial_scores", {trials}, std::move(scores));
  record.add("trial_forward", {trials}, std::move(forward));
  if (options.symmetric) record.add("trial_backward", {trials}, std::move(backward));
  record.add("rows", {trials, batch}, std::move(rows));
  for (int64_t k = 0; k < trials; ++k) {
    const auto& t = result.trials[size_t(k)];
    const std::string prefix = "trial_" + std::to_string(k) + "/";
    add_bars(record, prefix + "forward_h1", t.forward_bars);
    if (options.symmetric) add_bars(record, prefix + "backward_h1", t.backward_bars);
  }
  record.attributes["trials"] = options.trials;
  record.attributes["batch"] = batch;
  record.attributes["seed"] = int64_t(options.seed);
  record.attributes["symmetric"] = int64_t(options.symmetric);
  record.attributes["p"] = p_source;
  record.attributes["q"] = q_source;
  return record;
}

}  // namespace

RtdResult run_rtd(const RtdRequest& req) {
  if (!req.out.empty()) check_can_write(req.out, req.force, req.door);
  const h5::Array p = cloud(req.p_array, req.p, "P");
  const h5::Array q = cloud(req.q_array, req.q, "Q");
  topo::RtdOptions options = req.options;
  options.memory = memory_budget(req.memory_limit_gb, req.door);
  RtdResult result;
  result.rtd = topo::rtd(topo::PointCloudView{p.data.data(), p.shape[0], p.shape[1]},
                         topo::PointCloudView{q.data.data(), q.shape[0], q.shape[1]}, options);
  result.record = rtd_record(result.rtd, req.options, req.p_array ? "array" : req.p, req.q_array ? "array" : req.q);
  if (!req.out.empty()) write_record(req.out, result.record);
  return result;
}

}  // namespace rnnscope::requests
