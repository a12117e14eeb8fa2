// Bindings of the train, eval and models requests and of the run directory (load_run).
#include "bindings.h"
#include "convert.h"

#include "rnnscope/core/error.h"
#include "rnnscope/models/registry.h"
#include "rnnscope/requests/eval.h"
#include "rnnscope/requests/models.h"
#include "rnnscope/requests/train.h"
#include "rnnscope/runs/run_directory.h"

#include <pybind11/functional.h>
#include <pybind11/stl.h>

namespace py = pybind11;

namespace rnnscope::python {
namespace {

py::object train_run(const py::object& config, const std::string& out, const std::vector<std::string>& overrides,
                     bool force, bool resume, const std::optional<int64_t>& stop_after, double memory_limit_gb,
                     const py::object& progress) {
  requests::TrainRequest req;
  if (py::isinstance<py::str>(config)) {
    req.config_path = config.cast<std::string>();
  } else if (!config.is_none()) {
    req.config = to_json(config, "config");
  }
  req.out = out;
  req.overrides = overrides;
  req.force = force;
  req.resume = resume;
  req.stop_after = stop_after;
  req.memory_limit_gb = memory_limit_gb;
  req.door = requests::Door::python;
  if (!progress.is_none()) {
    req.progress = [callback = shared_object(progress)](const rnn::TrainProgress& p) {
      py::gil_scoped_acquire gil;
      py::dict d;
      d["step"] = p.step;
      d["max_steps"] = p.max_steps;
      d["loss"] = p.loss;
      d["accuracy"] = p.accuracy;
      d["steps_per_second"] = p.steps_per_second;
      d["eta_seconds"] = p.eta_seconds;
      d["evaluated"] = p.evaluated;
      (*callback)(d);
    };
  }
  // Ctrl-C (KeyboardInterrupt) in a notebook stops training cleanly at the end of the
  // step, with a checkpoint; the summary then says "interrupted".
  req.stop_requested = keyboard_interrupt_check();
  Json summary;
  {
    py::gil_scoped_release release;
    summary = requests::run_train(req);
  }
  return from_json(summary);
}

py::dict evaluate(const std::string& run_dir, int64_t trials, bool noise, const std::optional<uint64_t>& seed,
                  double memory_limit_gb, const std::string& out, bool force, const std::optional<int64_t>& replica) {
  requests::EvalRequest req;
  req.replica = replica;
  req.run_dir = run_dir;
  req.trials = trials;
  req.noise = noise;
  req.seed = seed;
  req.memory_limit_gb = memory_limit_gb;
  req.out = out;
  req.force = force;
  req.door = requests::Door::python;
  requests::EvalResult result;
  {
    py::gil_scoped_release release;
    result = requests::run_eval(req);
  }
  return record_to_dict(result.record);
}

py::dict h5_contents(const runs::H5Contents& contents) {
  py::dict datasets;
  for (const auto& [name, array] : contents.datasets) datasets[py::str(name)] = to_numpy(array);
  return datasets;
}

// Everything in a run directory, read through the run-directory type: config, summary,
// history and model (each only when present).
py::dict load_run(const std::string& path) {
  const runs::RunDirectory dir(path);
  dir.require_run();
  py::dict out;
  out["dir"] = path;
  out["config"] = from_json(dir.read_config());
  if (dir.has_summary()) out["summary"] = from_json(dir.read_summary());
  if (dir.has_history()) {
    const auto history = runs::read_h5_contents(dir.history_path());
    out["history"] = h5_contents(history);
    out["history_attrs"] = from_json(history.attributes);
  }
  if (dir.has_model()) {
    const auto model = dir.read_model();
    out["model"] = h5_contents(model);
    out["model_attrs"] = from_json(model.attributes);
  }
  return out;
}

}  // namespace

void bind_train(py::module_& m) {
  m.def("train", &train_run, py::arg("config"), py::arg("out"), py::arg("overrides"), py::arg("force"),
        py::arg("resume"), py::arg("stop_after"), py::arg("memory_limit_gb"), py::arg("progress"));
  m.def("evaluate", &evaluate, py::arg("run_dir"), py::arg("trials"), py::arg("noise"), py::arg("seed"),
        py::arg("memory_limit_gb"), py::arg("out"), py::arg("force"), py::arg("replica"));
  m.def("load_run", &load_run, py::arg("run_dir"));
  m.def("model_names", &models::names);
  m.def("describe_model", &models::describe, py::arg("name"));
  m.def(
      "model_params",
      [](const std::string& name) {
        py::list out;
        for (const auto& spec : models::find(name).params) {
          py::dict d;
          d["name"] = spec.name;
          d["kind"] = kind_name(spec.kind);
          d["default"] = from_json(spec.default_value);
          d["doc"] = spec.doc;
          out.append(d);
        }
        return out;
      },
      py::arg("name"));
}

}  // namespace rnnscope::python
