// Binding of the cp request on numpy arrays (requests/cp.h).
#include "bindings.h"
#include "convert.h"

#include "rnnscope/requests/cp.h"

#include <pybind11/stl.h>

#include <string>
#include <vector>

namespace py = pybind11;

namespace rnnscope::python {
namespace {

py::dict cp(const DoubleArray& tensor, const std::vector<int>& ranks, int restarts, bool nonnegative, uint64_t seed,
            int max_iterations, double tolerance, int threads, const std::string& out, bool force) {
  requests::CpRequest req;
  req.array = to_array(tensor);
  req.ranks = ranks;
  req.options.restarts = restarts;
  req.options.nonnegative = nonnegative;
  req.options.seed = seed;
  req.options.max_iterations = max_iterations;
  req.options.tolerance = tolerance;
  req.options.threads = threads;
  req.out = out;
  req.force = force;
  req.door = requests::Door::python;
  requests::CpResult result;
  {
    py::gil_scoped_release release;
    result = requests::run_cp(req);
  }
  return record_to_dict(result.record);
}

}  // namespace

void bind_decomp(py::module_& m) {
  m.def("cp", &cp, py::arg("tensor"), py::kw_only(), py::arg("ranks"), py::arg("restarts") = 4,
        py::arg("nonnegative") = false, py::arg("seed") = 0, py::arg("max_iterations") = 500,
        py::arg("tolerance") = 1e-9, py::arg("threads") = 0, py::arg("out") = "", py::arg("force") = false,
        "CP decompositions of a 3-D array for each rank: the cp record (ranks, relative_error, "
        "restart_similarity, iterations, converged, rank_<R>/{a, b, c, weights, restart_errors}, "
        "attributes), the layout `rnnscope cp --out` writes.");
}

}  // namespace rnnscope::python
