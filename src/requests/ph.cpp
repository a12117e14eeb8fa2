// The persistence request (include/rnnscope/requests/ph.h).
#include "rnnscope/requests/ph.h"

#include "requests/bars_internal.h"

#include "rnnscope/core/error.h"
#include "rnnscope/requests/output_policy.h"
#include "rnnscope/topo/inputs.h"

namespace rnnscope::requests {
namespace {

topo::MetricInput metric_input(const PhRequest& req, const MemoryBudget& memory) {
  if (!req.array) return topo::read_metric_input(req.input, req.format, memory);
  const h5::Array& a = *req.array;
  const std::string what = argument_name(req.door, "x");
  require(a.shape.size() == 2, what + ": expected a 2-D array (a point cloud [n, d] or a distance matrix [n, n]), got " +
                                   std::to_string(a.shape.size()) + " dimension(s)");
  const std::string format =
      req.format.empty() ? topo::format_from_shape(a.shape, what, argument_name(req.door, "distance_matrix") + "=True | False")
                         : req.format;
  return topo::metric_input_from_array(a, format, what, memory);
}

Record barcode_record(const topo::Barcodes& barcodes, int64_t points, const std::string& source) {
  Record record;
  for (size_t dim = 0; dim < barcodes.bars.size(); ++dim) add_bars(record, "dim" + std::to_string(dim), barcodes.bars[dim]);
  record.attributes["max_dim"] = int64_t(barcodes.bars.size()) - 1;
  record.attributes["threshold"] = barcodes.threshold;
  record.attributes["points"] = points;
  record.attributes["source"] = source;
  return record;
}

}  // namespace

PhResult run_ph(const PhRequest& req) {
  if (!req.out.empty()) check_can_write(req.out, req.force, req.door);
  const MemoryBudget memory = memory_budget(req.memory_limit_gb, req.door);
  PhResult result;
  result.input = metric_input(req, memory);
  result.barcodes = topo::vietoris_rips(result.input.distances, topo::PersistenceOptions()
                                                                    .set_max_dim(req.max_dim)
                                                                    .set_threshold(req.threshold)
                                                                    .set_threads(req.threads)
                                                                    .set_memory(memory));
  result.record = barcode_record(result.barcodes, result.input.distances.size(), req.array ? "array" : req.input);
  if (!req.out.empty()) write_record(req.out, result.record);
  return result;
}

}  // namespace rnnscope::requests
