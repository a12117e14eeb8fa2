// Bindings of the fit-ltr and synth-ltr requests on numpy arrays (requests/fit_ltr.h,
// requests/synth_ltr.h).
#include "bindings.h"
#include "convert.h"

#include "rnnscope/core/error.h"
#include "rnnscope/requests/fit_ltr.h"
#include "rnnscope/requests/synth_ltr.h"

#include <pybind11/stl.h>

namespace py = pybind11;

namespace rnnscope::python {
namespace {

// An optional numpy array of the given rank; `name` for messages.
h5::Array optional_array(const py::object& value, size_t rank, const std::string& name) {
  if (value.is_none()) return {};
  h5::Array a = to_array(value.cast<DoubleArray>());
  require(a.shape.size() == rank, name + " must be " + std::to_string(rank) + "-D, got " +
                                      std::to_string(a.shape.size()) + "-D");
  return a;
}

decomp::Recordings recordings_of(const DoubleArray& activity, const py::object& inputs, const py::object& condition) {
  decomp::Recordings rec;
  h5::Array act = to_array(activity);
  require(act.shape.size() == 3, "activity must be 3-D [trials, time, neurons], got " +
                                     std::to_string(act.shape.size()) + "-D");
  rec.trials = act.shape[0];
  rec.steps = act.shape[1];
  rec.neurons = act.shape[2];
  rec.activity = std::move(act.data);
  h5::Array in = optional_array(inputs, 3, "inputs");
  if (!in.shape.empty()) {
    require(in.shape[0] == rec.trials && in.shape[1] == rec.steps,
            "inputs must be [trials, time, n_in] with the activity's trials and time");
    rec.inputs = in.shape[2];
    rec.input_values = std::move(in.data);
  }
  h5::Array cond = optional_array(condition, 1, "condition");
  for (double v : cond.data) {
    require(v >= 0 && v == std::floor(v), "condition must hold integers 0..C-1, got " + std::to_string(v));
    rec.condition.push_back(int64_t(v));
  }
  rec.source = "(in memory)";
  return rec;
}

py::dict fit_ltr(const DoubleArray& activity, std::vector<int64_t> ranks, const py::object& inputs,
                 const py::object& condition, int64_t units, double dt_ms, double tau_ms, int64_t substeps, double lr,
                 int64_t max_iterations, int64_t eval_every, int64_t patience, double tolerance, double trial_dropout,
                 double state_l2, double held_out_fraction, double gp_length_trials, int64_t seeds, uint64_t seed,
                 int64_t threads, const std::string& out, bool force) {
  requests::FitLtrRequest req;
  req.recordings = recordings_of(activity, inputs, condition);
  req.ranks = std::move(ranks);
  req.units = units;
  req.dt_ms = dt_ms;
  req.tau_ms = tau_ms;
  req.substeps = substeps;
  req.lr = lr;
  req.max_iterations = max_iterations;
  req.eval_every = eval_every;
  req.patience = patience;
  req.tolerance = tolerance;
  req.trial_dropout = trial_dropout;
  req.state_l2 = state_l2;
  req.held_out_fraction = held_out_fraction;
  req.gp_length_trials = gp_length_trials;
  req.seeds = seeds;
  req.seed = seed;
  req.threads = threads;
  req.out = out;
  req.force = force;
  req.door = requests::Door::python;
  auto stop = keyboard_interrupt_check();
  req.stop_requested = stop;
  requests::FitLtrResult r;
  {
    py::gil_scoped_release release;
    r = requests::run_fit_ltr(req);
  }
  py::dict d;
  const int64_t R = r.rank, N = r.units, K = r.trials, T = r.steps, M = r.neurons;
  d["rank"] = R;
  d["a"] = to_numpy(r.a, {N, R});
  d["b"] = to_numpy(r.b, {N, R});
  d["c"] = to_numpy(r.c, {K, R});
  d["readout"] = to_numpy(r.readout, {M, N});
  d["fitted_activity"] = to_numpy(r.fitted_activity, {K, T, M});
  d["variance_explained_neuron"] = to_numpy(r.variance_explained_neuron, {M});
  d["variance_explained_trial"] = to_numpy(r.variance_explained_trial, {K});
  d["variance_explained"] = r.variance_explained;
  d["iterations"] = r.iterations;
  d["stop_reason"] = r.stop_reason;
  if (!r.ranks.empty()) {
    d["ranks"] = to_numpy(r.ranks, {int64_t(r.ranks.size())});
    d["heldout_nmse"] = to_numpy(r.heldout_nmse, {int64_t(r.ranks.size()), r.seeds});
    d["pca_unexplained"] = to_numpy(r.pca_unexplained, {int64_t(r.ranks.size())});
  }
  d["summary"] = from_json(r.summary);
  return d;
}

// Recordings as synth-ltr's dict: activity, inputs, condition, times, trial_info.
py::dict recordings_dict(const decomp::Recordings& rec) {
  py::dict d;
  d["activity"] = to_numpy(rec.activity, {rec.trials, rec.steps, rec.neurons});
  d["inputs"] = to_numpy(rec.input_values, {rec.trials, rec.steps, rec.inputs});
  d["condition"] = to_numpy(rec.condition, {rec.trials});
  d["times"] = to_numpy(rec.times, {rec.steps});
  py::dict info;
  for (const auto& [name, values] : rec.trial_info) info[py::str(name)] = to_numpy(values, {rec.trials});
  d["trial_info"] = info;
  return d;
}

py::dict synth_ltr(int64_t rank, int64_t units, int64_t neurons, int64_t trials, int64_t steps, int64_t conditions,
                   double dt_ms, double tau_ms, double noise, double learning_change, uint64_t seed,
                   const std::string& out, bool force) {
  requests::SynthLtrRequest req;
  req.rank = rank;
  req.units = units;
  req.neurons = neurons;
  req.trials = trials;
  req.steps = steps;
  req.conditions = conditions;
  req.dt_ms = dt_ms;
  req.tau_ms = tau_ms;
  req.noise = noise;
  req.learning_change = learning_change;
  req.seed = seed;
  req.out = out;
  req.force = force;
  req.door = requests::Door::python;
  requests::SynthLtrResult r;
  {
    py::gil_scoped_release release;
    r = requests::run_synth_ltr(req);
  }
  py::dict d = recordings_dict(r.recordings);
  py::dict truth;
  truth["a"] = to_numpy(r.a, {units, rank});
  truth["b"] = to_numpy(r.b, {units, rank});
  truth["c"] = to_numpy(r.c, {trials, rank});
  truth["readout"] = to_numpy(r.readout, {neurons, units});
  truth["rank"] = rank;
  d["truth"] = truth;
  return d;
}

py::dict synth_reach(int64_t units, int64_t neurons, int64_t targets, double rotation_deg, int64_t baseline,
                     int64_t perturbed, int64_t washout, int64_t pretrain_steps, double adapt_lr, double noise,
                     uint64_t seed, int64_t threads, const std::string& out, bool force) {
  requests::SynthReachRequest req;
  req.units = units;
  req.neurons = neurons;
  req.targets = targets;
  req.rotation_deg = rotation_deg;
  req.baseline = baseline;
  req.perturbed = perturbed;
  req.washout = washout;
  req.pretrain_steps = pretrain_steps;
  req.adapt_lr = adapt_lr;
  req.noise = noise;
  req.seed = seed;
  req.threads = threads;
  req.out = out;
  req.force = force;
  req.door = requests::Door::python;
  requests::SynthReachResult r;
  {
    py::gil_scoped_release release;
    r = requests::run_synth_reach(req);
  }
  py::dict d = recordings_dict(r.recordings);
  py::dict truth;
  truth["W_rec"] = to_numpy(r.w_rec.values, {int64_t(r.w_rec.steps.size()), r.w_rec.rows, r.w_rec.cols});
  d["truth"] = truth;
  d["pretrain_steps"] = r.pretrain_steps;
  d["pretrain_accuracy"] = r.pretrain_accuracy;
  return d;
}

}  // namespace

void bind_ltr(py::module_& m) {
  m.def("fit_ltr", &fit_ltr, py::arg("activity"), py::kw_only(), py::arg("ranks"), py::arg("inputs"),
        py::arg("condition"), py::arg("units"), py::arg("dt_ms"), py::arg("tau_ms"), py::arg("substeps"),
        py::arg("lr"), py::arg("max_iterations"), py::arg("eval_every"), py::arg("patience"), py::arg("tolerance"),
        py::arg("trial_dropout"), py::arg("state_l2"), py::arg("held_out_fraction"), py::arg("gp_length_trials"),
        py::arg("seeds"), py::arg("seed"), py::arg("threads"), py::arg("out"), py::arg("force"),
        "Fits an ltrRNN (requests/fit_ltr.h); use rnnscope.fit_ltr.");
  m.def("synth_ltr", &synth_ltr, py::kw_only(), py::arg("rank"), py::arg("units"), py::arg("neurons"),
        py::arg("trials"), py::arg("steps"), py::arg("conditions"), py::arg("dt_ms"), py::arg("tau_ms"),
        py::arg("noise"), py::arg("learning_change"), py::arg("seed"), py::arg("out"), py::arg("force"),
        "Synthetic recordings of a planted-rank teacher (requests/synth_ltr.h); use rnnscope.synth_ltr.");
  m.def("synth_reach", &synth_reach, py::kw_only(), py::arg("units"), py::arg("neurons"), py::arg("targets"),
        py::arg("rotation_deg"), py::arg("baseline"), py::arg("perturbed"), py::arg("washout"),
        py::arg("pretrain_steps"), py::arg("adapt_lr"), py::arg("noise"), py::arg("seed"), py::arg("threads"),
        py::arg("out"), py::arg("force"),
        "Recordings of a CTRNN adapting to a visuomotor rotation (requests/synth_ltr.h); use rnnscope.synth_reach.");
}

}  // namespace rnnscope::python
