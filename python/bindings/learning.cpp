// Binding of the rank-of-learning request (requests/learning.h).
#include "bindings.h"
#include "convert.h"

#include "rnnscope/requests/learning.h"

#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

namespace py = pybind11;

namespace rnnscope::python {
namespace {

py::dict analyze_learning(const std::string& run, const std::vector<int>& ranks, const std::string& weight,
                          double rank_tolerance, int restarts, int max_iterations, uint64_t seed, int threads,
                          const std::optional<int64_t>& replica, const std::string& out, bool force) {
  requests::LearningRequest req;
  req.run_dir = run;
  req.ranks = ranks;
  req.weight = weight;
  req.rank_tolerance = rank_tolerance;
  req.restarts = restarts;
  req.max_iterations = max_iterations;
  req.seed = seed;
  req.threads = threads;
  req.replica = replica;
  req.out = out;
  req.force = force;
  req.door = requests::Door::python;
  requests::LearningResult result;
  {
    py::gil_scoped_release release;
    result = requests::run_learning(req);
  }
  return record_to_dict(result.record);
}

}  // namespace

void bind_learning(py::module_& m) {
  m.def("analyze_learning", &analyze_learning, py::arg("run"), py::kw_only(), py::arg("ranks"),
        py::arg("weight") = "W_rec", py::arg("rank_tolerance") = 1e-4, py::arg("restarts") = 4,
        py::arg("max_iterations") = 500, py::arg("seed") = 0, py::arg("threads") = 0, py::arg("replica") = py::none(), py::arg("out") = "",
        py::arg("force") = false,
        "Rank of learning of a run with weight snapshots: the learning record (steps, ranks, "
        "cp_relative_error, update_singular_values, update_matrix_rank, …), the layout "
        "`rnnscope analyze-learning --out` writes.");
}

}  // namespace rnnscope::python
