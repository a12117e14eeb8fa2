// Bindings of the ph and rtd requests on numpy arrays (requests/ph.h, requests/rtd.h).
#include "bindings.h"
#include "convert.h"

#include "rnnscope/requests/ph.h"
#include "rnnscope/requests/rtd.h"

#include <limits>
#include <string>

namespace py = pybind11;

namespace rnnscope::python {
namespace {

py::dict ph(const DoubleArray& x, int maxdim, const std::string& format, double threshold, int threads,
            double memory_limit_gb, const std::string& out, bool force) {
  requests::PhRequest req;
  req.array = to_array(x);
  req.format = format;
  req.max_dim = maxdim;
  req.threshold = threshold;
  req.threads = threads;
  req.memory_limit_gb = memory_limit_gb;
  req.out = out;
  req.force = force;
  req.door = requests::Door::python;
  requests::PhResult result;
  {
    py::gil_scoped_release release;
    result = requests::run_ph(req);
  }
  return record_to_dict(result.record);
}

py::dict rtd(const DoubleArray& p, const DoubleArray& q, int64_t trials, int64_t batch, uint64_t seed,
             bool symmetric, int threads, double memory_limit_gb, const std::string& out, bool force) {
  requests::RtdRequest req;
  req.p_array = to_array(p);
  req.q_array = to_array(q);
  req.options = topo::RtdOptions().set_trials(trials).set_batch(batch).set_seed(seed).set_symmetric(symmetric)
                    .set_threads(threads);
  req.memory_limit_gb = memory_limit_gb;
  req.out = out;
  req.force = force;
  req.door = requests::Door::python;
  requests::RtdResult result;
  {
    py::gil_scoped_release release;
    result = requests::run_rtd(req);
  }
  return record_to_dict(result.record);
}

}  // namespace

void bind_topo(py::module_& m) {
  m.def("ph", &ph, py::arg("x"), py::kw_only(), py::arg("maxdim") = 1, py::arg("format") = "",
        py::arg("threshold") = std::numeric_limits<double>::infinity(), py::arg("threads") = 1,
        py::arg("memory_limit_gb") = 0.0, py::arg("out") = "", py::arg("force") = false,
        "Vietoris–Rips barcodes of x read as format (\"distance\", \"point-cloud\", \"\" unstated): the ph record (dim0, dim1, … [k, 2] float64 (birth, death), "
        "max_dim, threshold, points, source), the layout `rnnscope ph --out` writes.");
  m.def("rtd", &rtd, py::arg("P"), py::arg("Q"), py::kw_only(), py::arg("trials") = 10, py::arg("batch") = 500,
        py::arg("seed") = 0, py::arg("symmetric") = true, py::arg("threads") = 1, py::arg("memory_limit_gb") = 0.0,
        py::arg("out") = "",
        py::arg("force") = false,
        "Representation Topology Divergence: the rtd record (score, trial_scores, trial_forward, "
        "trial_backward, rows, trial_<k>/forward_h1 …), the layout `rnnscope rtd --out` writes.");
}

}  // namespace rnnscope::python
