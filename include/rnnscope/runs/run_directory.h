// A run directory: every file a training run writes and every later command reads, named and
// laid out here and nowhere else (docs/outputs.md).
//   config.toml    the resolved config (every default filled in)
//   summary.json   status, stop reason, seed, versions, timings, final metrics
//   history.h5     one row per evaluation: /step, /loss, /accuracy, /train_loss, /wall_seconds;
//                  a continued run also /continuations/step, /continuations/changes; a run
//                  with schedules /schedule/<name>
//   model.h5       the trained weights (written by the model) and run attributes
//   checkpoint.pt  model, optimiser and trainer state, for --resume (LibTorch archive)
//   weights_history.h5  weight matrices at chosen optimiser steps (train.save_weights_every)
//   learning.h5    the rank of learning (`rnnscope analyze-learning`'s default output)
//   .lock          held (flock) by the process training into the directory; a second process
//                  is refused while the first lives (requests/output_policy.h)
// A fit to recordings (`rnnscope fit-ltr`) writes config.toml, summary.json, history.h5 and
//   fit.h5             the fitted model's factors, fitted activity, variance explained
//   rank_selection.h5  with several ranks: held-out error per rank and seed, the chosen rank
// A spiking network trained with STDP (`rnnscope snn train`, docs/snn.md) writes config.toml,
//   summary.json and snn.h5: the network, its weights before and after, the spike counts and the readout
#pragma once

#include "rnnscope/core/hdf5_io.h"
#include "rnnscope/core/params.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace rnnscope::runs {

// What history.h5 holds: one entry per evaluation. With K replicas (a leading dimension of
// the trainer's state) each metric holds K values per evaluation, replica-minor, and is
// stored as [evaluations, K]; with one replica as [evaluations].
struct History {
  int64_t replicas = 1;
  std::vector<int64_t> step;
  std::vector<double> loss;          // evaluation loss
  std::vector<double> accuracy;      // evaluation accuracy (-1 where the objective has none)
  std::vector<double> train_loss;    // mean training loss since the previous evaluation
  std::vector<double> wall_seconds;  // training + evaluation time so far
  // What the training schedules set for the step before each evaluation, by name (one value
  // per evaluation; train.method: "stage", "beta", "theta"), stored as /schedule/<name>.
  std::map<std::string, std::vector<double>> schedule;
  // Continuations (resume with changed budget or schedule keys): the step each began at and
  // what it changed ("train.max_steps: 200 -> 400", several joined by "; ").
  std::vector<int64_t> continued_at_step;
  std::vector<std::string> continued_changes;

  size_t evaluations() const { return step.size(); }
  // The first evaluation at which `replica`'s accuracy reached `target` (a run stops a replica
  // there: its weights change no more), or -1 where it never did.
  int64_t first_evaluation_reaching(double target, int64_t replica) const;
};

// What weights_history.h5 holds: the model's weight matrices (as model.h5 names them,
// without the leading "/") after `step[s]` optimiser steps, stored as /step [S] (int64) and
// one float32 dataset [S, ...shape] per weight.
struct WeightHistory {
  struct Weight {
    std::string name;            // "W_rec", "W_in", "W_out"; "W_hh", "W_ih" for gru/lstm
    std::vector<int64_t> shape;  // of one snapshot
    std::vector<float> values;   // [snapshots, ...shape], row-major
  };
  std::vector<int64_t> step;
  std::vector<Weight> weights;

  size_t snapshots() const { return step.size(); }
};

// An HDF5 file read whole: its datasets (as double) and root attributes.
struct H5Contents {
  std::map<std::string, h5::Array> datasets;  // by name, "/"-separated below the root
  Json attributes = Json::object();
};

class RunDirectory {
 public:
  explicit RunDirectory(std::string path);

  // The names of every file above: what `force` removes, and nothing else.
  static const std::vector<std::string>& file_names();

  const std::string& path() const { return path_; }
  std::string config_path() const;
  std::string summary_path() const;
  std::string history_path() const;
  std::string model_path() const;
  std::string checkpoint_path() const;
  std::string weights_history_path() const;
  std::string learning_path() const;
  std::string fit_path() const;
  std::string rank_selection_path() const;
  std::string snn_path() const;

  bool has_config() const;
  bool has_summary() const;
  bool has_history() const;
  bool has_model() const;
  bool has_checkpoint() const;
  bool has_weights_history() const;

  // Error (file_not_found) unless `path` is a directory holding config.toml.
  void require_run() const;

  void write_config(const Json& config) const;  // as TOML, atomically
  Json read_config() const;                     // as written (unresolved); Error when absent
  void write_summary(const Json& summary) const;
  Json read_summary() const;
  void write_history(const History& history) const;
  History read_history() const;
  // Reading: Error naming train.save_weights_every when the run saved no snapshots.
  void write_weights_history(const WeightHistory& history) const;
  WeightHistory read_weights_history() const;
  H5Contents read_model() const;                // Error (file_not_found) naming --resume when absent

 private:
  std::string path_;
};

// Every dataset and root attribute of an HDF5 file (for load_run; weights are small).
H5Contents read_h5_contents(const std::string& path);

}  // namespace rnnscope::runs
