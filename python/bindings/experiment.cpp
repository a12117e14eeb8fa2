// Binding of the experiment request (requests/experiment.h): results.h5's record as a dict,
// plus results.md's text.
#include "bindings.h"
#include "convert.h"

#include "rnnscope/requests/experiment.h"

#include <pybind11/functional.h>
#include <pybind11/stl.h>

namespace py = pybind11;

namespace rnnscope::python {
namespace {

py::dict experiment(const std::string& name, const std::string& out, bool quick, bool ci, const std::string& cnn,
                    uint64_t seed, int64_t threads, bool force, const py::object& progress) {
  requests::ExperimentRequest req;
  req.name = name;
  req.out = out;
  req.size = ci ? requests::ExperimentSize::ci : quick ? requests::ExperimentSize::quick : requests::ExperimentSize::full;
  req.cnn = cnn;
  req.seed = seed;
  req.threads = threads;
  req.force = force;
  req.door = requests::Door::python;
  if (!progress.is_none()) {
    req.progress = [callback = shared_object(progress)](const std::string& step) {
      py::gil_scoped_acquire gil;
      (*callback)(step);
    };
  }
  req.stop_requested = keyboard_interrupt_check();
  requests::ExperimentResult result;
  {
    py::gil_scoped_release release;
    result = requests::run_experiment(req);
  }
  py::dict d = record_to_dict(result.record);
  d["markdown"] = result.markdown;
  d["out"] = result.out;
  return d;
}

}  // namespace

void bind_experiment(py::module_& m) {
  m.def("experiment", &experiment, py::arg("name"), py::kw_only(), py::arg("out"), py::arg("quick"), py::arg("ci"), py::arg("cnn"),
        py::arg("seed"),
        py::arg("threads"), py::arg("force"), py::arg("progress"),
        "Runs a named experiment (requests/experiment.h); use rnnscope.experiment.");
  m.def("experiment_names", &requests::experiment_names, "The known experiments.");
}

}  // namespace rnnscope::python
