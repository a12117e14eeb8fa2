// The persistence request (include/rnnscope/requests/ph.h).
#include "rnnscope/requests/ph.h"

#include "requests/bars_internal.h"

#include "rnnscope/core/error.h"
#include "rnnscope/requests/output_policy.h"
#include "rnnscope/topo/inputs.h"

namespace rnnscope::requests {
namespace {

topo::MetricInput metric_input(const PhRequest& req) {
  if (!req.array) return topo::read_metric_input(req.input, req.format);
  const h5::Array& a = *req.array;
  const std::string what = req.distance_matrix ? "the distance matrix" : "the point cloud";
  require(a.shape.size() == 2, what + " must be a 2-D array, got " + std::to_string(a.shape.size()) +
                                   " dimension(s)");
  topo::MetricInput input;
  if (req.distance_matrix) {
    input.distances = topo::DistanceMatrix::from_square(a.data.data(), a.shape[0], a.shape[1]);
  } else {
    input.distances = topo::DistanceMatrix::from_points(topo::PointCloudView{a.data.data(), a.shape[0], a.shape[1]});
    input.is_point_cloud = true;
    input.point_dimension = a.shape[1];
  }
  return input;
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
  PhResult result;
  result.input = metric_input(req);
  result.barcodes = topo::vietoris_rips(
      result.input.distances,
      topo::PersistenceOptions().set_max_dim(req.max_dim).set_threshold(req.threshold).set_threads(req.threads));
  result.record = barcode_record(result.barcodes, result.input.distances.size(), req.array ? "array" : req.input);
  if (!req.out.empty()) write_record(req.out, result.record);
  return result;
}

}  // namespace rnnscope::requests
