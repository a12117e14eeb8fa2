// Binding of the snn requests (requests/snn.h): a config (path or dict) with overrides, rates
// as a numpy array.
#include "bindings.h"
#include "convert.h"

#include "rnnscope/requests/snn.h"

#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

namespace py = pybind11;

namespace rnnscope::python {
namespace {

requests::SnnConfigSource config_source(const py::object& config, const std::vector<std::string>& overrides) {
  requests::SnnConfigSource source;
  if (py::isinstance<py::str>(config)) {
    source.config_path = config.cast<std::string>();
  } else if (!config.is_none()) {
    source.config = to_json(config, "config");
  }
  source.overrides = overrides;
  return source;
}

py::dict simulate(const py::object& config, const std::vector<std::string>& overrides,
                  const std::optional<DoubleArray>& rates, double row_ms, const std::string& out, bool force) {
  requests::SnnSimulateRequest req;
  req.source = config_source(config, overrides);
  if (rates) req.rates = to_array(*rates);
  req.row_ms = row_ms;
  req.out = out;
  req.force = force;
  req.door = requests::Door::python;
  requests::Record record;
  {
    py::gil_scoped_release release;
    record = requests::run_snn_simulate(req);
  }
  return record_to_dict(record);
}

py::object train(const py::object& config, const std::vector<std::string>& overrides, const std::string& out,
                 bool force) {
  requests::SnnTrainRequest req;
  req.source = config_source(config, overrides);
  req.out = out;
  req.force = force;
  req.door = requests::Door::python;
  Json summary;
  {
    py::gil_scoped_release release;
    summary = requests::snn_train_needs_torch(req) ? requests::run_snn_train_surrogate(req)
                                                   : requests::run_snn_train(req);
  }
  return from_json(summary);
}

py::dict eval(const std::string& run, const std::string& out, int64_t segments, double trace_ms, bool force) {
  requests::SnnEvalRequest req;
  req.run = run;
  req.out = out;
  req.segments = segments;
  req.trace_ms = trace_ms;
  req.force = force;
  req.door = requests::Door::python;
  requests::Record record;
  {
    py::gil_scoped_release release;
    record = requests::snn_eval_needs_torch(req) ? requests::run_snn_eval_surrogate(req) : requests::run_snn_eval(req);
  }
  return record_to_dict(record);
}

}  // namespace

void bind_snn(py::module_& m) {
  m.def("snn_simulate", &simulate, py::arg("config"), py::kw_only(), py::arg("overrides"), py::arg("rates"),
        py::arg("row_ms"), py::arg("out"), py::arg("force"),
        "Simulates the spiking network: the record `rnnscope snn simulate --out` writes.");
  m.def("snn_train", &train, py::arg("config"), py::kw_only(), py::arg("overrides"), py::arg("out"),
        py::arg("force"), "STDP or surrogate-gradient training and readout into a run directory; returns the summary.");
  m.def("snn_eval", &eval, py::arg("run"), py::kw_only(), py::arg("out"), py::arg("segments"), py::arg("trace_ms"),
        py::arg("force"), "Counts and traces per time segment of a trained run: the record `rnnscope snn eval` writes.");
}

}  // namespace rnnscope::python
