// Bindings of the N-back stimuli and trials (nback/rendered.h) as numpy arrays, and the
// pretraining of the perceptual CNN (requests/nback_pretrain.h).
#include "bindings.h"
#include "convert.h"

#include "rnnscope/nback/rendered.h"
#include "rnnscope/requests/nback_analyze.h"
#include "rnnscope/requests/nback_pretrain.h"

#include <pybind11/stl.h>

namespace py = pybind11;

namespace rnnscope::python {
namespace {

py::dict sequences(int64_t trials, const std::vector<std::string>& tasks, bool heldout, uint64_t seed,
                   const py::dict& stimuli, const py::dict& options, const std::string& data_dir) {
  nback::SequenceRequest request;
  request.stimuli = to_json(stimuli, "stimuli");
  request.sequences = to_json(options, "options");
  request.tasks = tasks;
  request.views = heldout ? nback::ViewKind::heldout : nback::ViewKind::training;
  request.seed = seed;
  request.trials = trials;
  request.data_dir = data_dir;
  nback::RenderedSequences r;
  {
    py::gil_scoped_release release;
    r = nback::render_sequences(request);
  }
  const int64_t n = static_cast<int64_t>(r.trials.size()), frames = r.config.frames, side = r.stimuli.canvas_size();
  std::vector<int64_t> task(static_cast<size_t>(n)), labels, category, identity, location;
  std::vector<double> rotation, scale, shift_x, shift_y;
  for (int64_t k = 0; k < n; ++k) {
    const nback::Trial& t = r.trials[static_cast<size_t>(k)];
    task[static_cast<size_t>(k)] = t.task;
    for (int64_t f = 0; f < frames; ++f) {
      const auto& o = t.objects[static_cast<size_t>(f)];
      const auto& v = t.views[static_cast<size_t>(f)];
      labels.push_back(t.labels[static_cast<size_t>(f)]);
      category.push_back(o.category);
      identity.push_back(o.identity);
      location.push_back(o.location);
      rotation.push_back(v.rotation_deg);
      scale.push_back(v.scale);
      shift_x.push_back(v.shift_x);
      shift_y.push_back(v.shift_y);
    }
  }
  py::dict out;
  out["frames"] = to_numpy(r.frames, {n, frames, side, side});
  out["labels"] = to_numpy(labels, {n, frames});
  out["task"] = to_numpy(task, {n});
  py::list task_names;
  for (const auto& t : nback::all_tasks()) task_names.append(t.name());
  out["task_names"] = task_names;
  out["category"] = to_numpy(category, {n, frames});
  out["identity"] = to_numpy(identity, {n, frames});
  out["location"] = to_numpy(location, {n, frames});
  out["rotation_deg"] = to_numpy(rotation, {n, frames});
  out["scale"] = to_numpy(scale, {n, frames});
  out["shift_x"] = to_numpy(shift_x, {n, frames});
  out["shift_y"] = to_numpy(shift_y, {n, frames});
  out["category_labels"] = r.stimuli.categories;
  out["exemplar_indices"] = to_numpy(r.exemplar_indices, {static_cast<int64_t>(r.exemplar_indices.size())});
  return out;
}

py::dict pretrain(const std::string& out, const std::vector<int64_t>& channels, int64_t epochs, int64_t batch_size,
                  double lr, double weight_decay, int64_t train_images, uint64_t seed, int64_t threads,
                  const std::string& data_dir, bool force) {
  requests::NbackPretrainRequest req;
  req.out = out;
  req.channels = channels;
  req.epochs = epochs;
  req.batch_size = batch_size;
  req.lr = lr;
  req.weight_decay = weight_decay;
  req.train_images = train_images;
  req.seed = seed;
  req.threads = threads;
  req.data_dir = data_dir;
  req.force = force;
  req.door = requests::Door::python;
  requests::NbackPretrainResult r;
  {
    py::gil_scoped_release release;
    r = requests::run_nback_pretrain(req);
  }
  py::dict d;
  d["test_accuracy"] = r.test_accuracy;
  d["epoch_loss"] = to_numpy(r.epoch_loss, {static_cast<int64_t>(r.epoch_loss.size())});
  d["seconds"] = r.seconds;
  return d;
}

py::dict analyze(const std::string& run_dir, const std::string& out, int64_t trials, int64_t folds, double l2,
                 const std::optional<uint64_t>& seed, bool states, bool force) {
  requests::NbackAnalyzeRequest req;
  req.run_dir = run_dir;
  req.out = out;
  req.trials = trials;
  req.folds = folds;
  req.l2 = l2;
  req.seed = seed;
  req.states = states;
  req.force = force;
  req.door = requests::Door::python;
  requests::NbackAnalyzeResult r;
  {
    py::gil_scoped_release release;
    r = requests::run_nback_analyze(req);
  }
  py::dict d = record_to_dict(r.record);
  d["markdown"] = r.markdown;
  return d;
}

}  // namespace

void bind_nback(py::module_& m) {
  m.def("nback_sequences", &sequences, py::arg("trials"), py::kw_only(), py::arg("tasks"), py::arg("heldout"),
        py::arg("seed"), py::arg("stimuli"), py::arg("options"), py::arg("data_dir"),
        "N-back trials with rendered frames (nback/rendered.h) as numpy arrays.");
  m.def("nback_pretrain", &pretrain, py::kw_only(), py::arg("out"), py::arg("channels"), py::arg("epochs"),
        py::arg("batch_size"), py::arg("lr"), py::arg("weight_decay"), py::arg("train_images"), py::arg("seed"),
        py::arg("threads"), py::arg("data_dir"), py::arg("force"),
        "Pretrains the N-back perceptual CNN on Fashion-MNIST (requests/nback_pretrain.h).");
  m.def("nback_analyze", &analyze, py::arg("run_dir"), py::kw_only(), py::arg("out"), py::arg("trials"), py::arg("folds"),
        py::arg("l2"), py::arg("seed"), py::arg("states"), py::arg("force"),
        "The latent-geometry analyses of a trained N-back run (requests/nback_analyze.h).");
}

}  // namespace rnnscope::python
