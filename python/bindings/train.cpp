// Bindings for training and evaluation.
#include "bindings.h"
#include "convert.h"

#include "rnnscope/core/config_io.h"
#include "rnnscope/core/error.h"
#include "rnnscope/core/layout.h"
#include "rnnscope/core/run_dir.h"
#include "rnnscope/requests/eval.h"
#include "rnnscope/requests/train.h"

#include <pybind11/functional.h>
#include <pybind11/stl.h>

namespace py = pybind11;

namespace rnnscope::python {

namespace {

ExistingRun parse_existing(bool force, bool resume) {
  require(!(force && resume), "force and resume exclude each other");
  return resume ? ExistingRun::resume : force ? ExistingRun::overwrite : ExistingRun::refuse;
}

}  // namespace

void bind_train(py::module_& m) {
  m.def(
      "train",
      [](const py::object& config, const std::string& out, const std::vector<std::string>& overrides,
         bool force, bool resume, int64_t stop_after, const py::object& progress) {
        rnn::TrainRequest req;
        if (py::isinstance<py::str>(config)) {
          req.config_source = config.cast<std::string>();
          req.config = read_toml_file(req.config_source);
        } else if (!config.is_none()) {
          req.config_source = "config";
          req.config = to_json(config, "config");
        }
        req.out_dir = out;
        req.overrides = overrides;
        req.existing = parse_existing(force, resume);
        req.stop_after = stop_after;
        if (!progress.is_none()) {
          req.progress = [progress](const rnn::TrainProgress& p) {
            py::gil_scoped_acquire gil;
            py::dict d;
            d["step"] = p.step;
            d["max_steps"] = p.max_steps;
            d["loss"] = p.loss;
            d["accuracy"] = p.accuracy;
            d["steps_per_second"] = p.steps_per_second;
            d["eta_seconds"] = p.eta_seconds;
            d["evaluated"] = p.evaluated;
            progress(d);
          };
        }
        // Ctrl-C (KeyboardInterrupt) in a notebook stops training cleanly at the end of the
        // step, with a checkpoint; the summary then says "interrupted".
        req.stop_requested = [] {
          py::gil_scoped_acquire gil;
          if (PyErr_CheckSignals() == 0) return false;
          PyErr_Clear();
          return true;
        };
        Json summary;
        {
          py::gil_scoped_release release;
          summary = rnn::train(req);
        }
        return from_json(summary);
      },
      py::arg("config"), py::arg("out"), py::arg("overrides"), py::arg("force"), py::arg("resume"),
      py::arg("stop_after"), py::arg("progress"));

  m.def(
      "evaluate",
      [](const std::string& run_dir, int64_t trials, bool noise, const std::optional<uint64_t>& seed,
         const std::string& out, bool force) {
        if (!out.empty()) check_can_write(out, force);
        rnn::EvalRequest req;
        req.run_dir = run_dir;
        req.trials = trials;
        req.noise = noise;
        req.seed = seed;
        rnn::EvalResult r;
        {
          py::gil_scoped_release release;
          r = rnn::evaluate(req);
          if (!out.empty()) rnn::write_eval(r, out);
        }
        const auto& b = r.batch;
        const int64_t T = b.steps, B = b.trials;
        py::dict d = batch_to_dict(b, r.period_names);
        // Trial-major like the eval file: [trials, T, ...].
        d["inputs"] = to_numpy(trial_major(b.inputs, T, B, b.n_inputs), {B, T, b.n_inputs});
        d["targets"] = to_numpy(trial_major(b.targets, T, B, b.n_outputs), {B, T, b.n_outputs});
        d["mask"] = to_numpy(trial_major(b.mask, T, B, 1), {B, T});
        d["outputs"] = to_numpy(trial_major(r.outputs, T, B, b.n_outputs), {B, T, b.n_outputs});
        d["states"] = to_numpy(trial_major(r.states, T, B, r.units), {B, T, r.units});
        d["correct"] = to_numpy(r.correct, {B});
        d["accuracy"] = r.accuracy;
        d["loss"] = tasks::loss_name(r.loss);
        return d;
      },
      py::arg("run_dir"), py::arg("trials"), py::arg("noise"), py::arg("seed"), py::arg("out"), py::arg("force"));
}

}  // namespace rnnscope::python
