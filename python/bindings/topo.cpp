// Bindings of rnnscope/topo: persistent homology and RTD on numpy arrays.
#include <pybind11/numpy.h>

#include <limits>
#include <string>

#include "bindings.h"
#include "rnnscope/core/error.h"
#include "rnnscope/topo/distance_matrix.h"
#include "rnnscope/topo/rtd.h"
#include "rnnscope/topo/vietoris_rips.h"

namespace py = pybind11;

namespace rnnscope::python {
namespace {

using Array2d = py::array_t<double, py::array::c_style | py::array::forcecast>;

void require_2d(const Array2d& x, const std::string& name) {
  if (x.ndim() != 2)
    throw Error(name + " must be a 2-D array, got " + std::to_string(x.ndim()) + " dimension(s)");
}

py::array_t<double> bars_to_numpy(const std::vector<topo::PersistencePair>& bars) {
  py::array_t<double> out(std::vector<py::ssize_t>{static_cast<py::ssize_t>(bars.size()), 2});
  double* data = out.mutable_data();
  for (size_t i = 0; i < bars.size(); ++i) {
    data[2 * i] = bars[i].birth;
    data[2 * i + 1] = bars[i].death;
  }
  return out;
}

py::list ph(const Array2d& x, int maxdim, bool distance_matrix, double threshold, int threads) {
  require_2d(x, distance_matrix ? "the distance matrix" : "the point cloud");
  topo::Barcodes barcodes;
  {
    py::gil_scoped_release release;
    const topo::DistanceMatrix d =
        distance_matrix ? topo::DistanceMatrix::from_square(x.data(), x.shape(0), x.shape(1))
                        : topo::DistanceMatrix::from_points(topo::PointCloudView{x.data(), x.shape(0), x.shape(1)});
    barcodes = topo::vietoris_rips(
        d, topo::PersistenceOptions().set_max_dim(maxdim).set_threshold(threshold).set_threads(threads));
  }
  py::list out;
  for (const auto& bars : barcodes.bars) out.append(bars_to_numpy(bars));
  return out;
}

py::dict rtd(const Array2d& p, const Array2d& q, int64_t trials, int64_t batch, uint64_t seed,
             bool symmetric, int threads) {
  require_2d(p, "P");
  require_2d(q, "Q");
  topo::RtdResult result;
  {
    py::gil_scoped_release release;
    result = topo::rtd(topo::PointCloudView{p.data(), p.shape(0), p.shape(1)},
                       topo::PointCloudView{q.data(), q.shape(0), q.shape(1)},
                       topo::RtdOptions().set_trials(trials).set_batch(batch).set_seed(seed)
                           .set_symmetric(symmetric).set_threads(threads));
  }
  const size_t n_trials = result.trials.size();
  const size_t batch_used = n_trials ? result.trials[0].rows.size() : 0;
  py::array_t<double> scores(static_cast<py::ssize_t>(n_trials));
  py::array_t<double> forward(static_cast<py::ssize_t>(n_trials));
  py::array_t<double> backward(static_cast<py::ssize_t>(n_trials));
  py::array_t<int64_t> rows(std::vector<py::ssize_t>{static_cast<py::ssize_t>(n_trials),
                                                     static_cast<py::ssize_t>(batch_used)});
  py::list forward_bars, backward_bars;
  for (size_t k = 0; k < n_trials; ++k) {
    const topo::RtdTrial& t = result.trials[k];
    scores.mutable_data()[k] = t.score;
    forward.mutable_data()[k] = t.forward;
    backward.mutable_data()[k] = t.backward;
    std::copy(t.rows.begin(), t.rows.end(), rows.mutable_data() + k * batch_used);
    forward_bars.append(bars_to_numpy(t.forward_bars));
    backward_bars.append(bars_to_numpy(t.backward_bars));
  }
  py::dict out;
  out["score"] = result.score;
  out["trial_scores"] = scores;
  out["forward"] = forward;
  out["backward"] = backward;
  out["rows"] = rows;
  out["forward_h1"] = forward_bars;
  out["backward_h1"] = backward_bars;
  return out;
}

}  // namespace

void bind_topo(py::module_& m) {
  m.def("ph", &ph, py::arg("x"), py::kw_only(), py::arg("maxdim") = 1,
        py::arg("distance_matrix") = false,
        py::arg("threshold") = std::numeric_limits<double>::infinity(), py::arg("threads") = 1,
        "Vietoris–Rips barcodes: a list of [k, 2] float64 arrays (birth, death), one per "
        "dimension 0..maxdim; death = inf for classes that never die.");
  m.def("rtd", &rtd, py::arg("P"), py::arg("Q"), py::kw_only(), py::arg("trials") = 10,
        py::arg("batch") = 500, py::arg("seed") = 0, py::arg("symmetric") = true,
        py::arg("threads") = 1,
        "Representation Topology Divergence: dict with score, trial_scores, forward, backward, "
        "rows, forward_h1, backward_h1.");
}

}  // namespace rnnscope::python
