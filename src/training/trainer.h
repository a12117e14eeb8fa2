// The trainer seam: one loop for every way this project learns. A Trainer composes
//   a model       (models/, the registry; engine kernels underneath),
//   a data source batch(step) -> TrainBatch (task trials today; recordings, image sequences),
//   an objective  loss, score and stopping rule (task loss and accuracy; masked MSE, …),
//   an optimiser  (FusedAdam; any torch::optim::Optimizer),
//   schedules     before_step(step) hooks that change the model, optimiser or data as
//                 training goes (β annealing of skip connections, dt coarsening, lr decay),
//   recorders     observers of the model after each step that change nothing (weight snapshots),
// and owns the loop, evaluation, history and checkpoints. The parts know nothing of files or
// doors; a capability adds parts, not branches in the loop.
//
// Replicas: K independent networks of one config trained at once are a leading dimension of
// every parameter, optimiser state and metric, not K trainers. Metrics carry one value per
// replica (RecurrentModel::replicas()), the stopping rule is asked per replica, a replica that
// has reached it stops changing (its parameters are frozen while the others train on), the
// gradient norm is clipped per replica, and the run stops when every replica has stopped.
// Private to the LibTorch library.
#pragma once

#include "models/model_internal.h"

#include "rnnscope/runs/run_directory.h"
#include "rnnscope/training/progress.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rnnscope::rnn {

// One batch as the model and the objective see it; tensors time-major.
struct TrainBatch {
  torch::Tensor inputs;   // [T, B, n_in]
  torch::Tensor targets;  // [T, B, n_out] (what the objective compares outputs with)
  torch::Tensor mask;     // [T, B]: which steps count
  torch::Tensor noise;    // standard-normal recurrent noise [T, B, units], or undefined
  std::optional<tasks::Batch> trials;  // the task's trials, for scoring by the task (task sources)
};

class DataSource {
 public:
  virtual ~DataSource() = default;
  // The batch of optimiser step `step` (0-based). It must depend only on the step (and the
  // seed the source was built with): a resumed run then draws the same batches.
  virtual TrainBatch train_batch(int64_t step) = 0;
  // The fixed evaluation set, the same at every evaluation so scores are comparable.
  virtual const TrainBatch& eval_batch() = 0;
  // Training batches from here on at m times the base step (coarsened discretisation,
  // train.method = "cd"; 1 = the base step); the evaluation set keeps the base step. Sources
  // without a time step refuse (Error).
  virtual void set_time_step_multiple(int64_t m);
};

// Metrics of one evaluation, one entry per replica. `accuracy` is empty for objectives
// without one (fits to recordings).
struct Metrics {
  std::vector<double> loss;
  std::vector<double> accuracy;
};

class Objective {
 public:
  virtual ~Objective() = default;
  // The differentiable training loss of `batch`, penalties included: a scalar, or one per
  // replica [K] (the trainer sums them; replicas share no parameters, so their gradients
  // stay independent).
  virtual torch::Tensor loss(const SequenceOutput& out, const TrainBatch& batch, RecurrentModel& model) = 0;
  // Metrics of an evaluation (called without gradients).
  virtual Metrics score(const SequenceOutput& out, const TrainBatch& batch) = 0;
  // The stopping rule: has `replica` reached its criterion?
  virtual bool reached(const Metrics& metrics, size_t replica) const = 0;
  // The summary's stop_reason when every replica has reached it ("target_accuracy").
  virtual std::string criterion() const = 0;
  // Whether loss() reads the training run's states (SequenceOutput::states); where not, the
  // trainer lets the model leave them out (RecurrentModel::set_training_states).
  virtual bool uses_states() const { return true; }
};

class Schedule {
 public:
  virtual ~Schedule() = default;
  // Called before optimiser step `step` (0-based; also after a resume, so a schedule must
  // derive its state from the step alone).
  virtual void before_step(int64_t step, RecurrentModel& model, DataSource& data,
                           torch::optim::Optimizer& optimizer) = 0;
  // What it sets for step `step`, by name: recorded at every evaluation for the step just
  // taken (history.h5 /schedule/<name>).
  virtual std::vector<std::pair<std::string, double>> record(int64_t step) const = 0;
};

// An observer of training that changes nothing (weight snapshots over learning). It is told
// of the model after every optimiser step and asked to persist what it holds just before
// every checkpoint, so that what it has persisted never lags behind the checkpoint a resumed
// run continues from.
class Recorder {
 public:
  virtual ~Recorder() = default;
  // `steps_done` optimiser steps have been taken (0: before the first step of a fresh run);
  // `last`: the run ends here (max_steps or the stopping rule).
  virtual void observe(int64_t steps_done, bool last, const RecurrentModel& model) = 0;
  // The trainer continues from a checkpoint taken after `steps_done` steps: what was observed
  // later (persisted before a crash that the checkpoint did not survive) is dropped.
  virtual void resume(int64_t steps_done) = 0;
  virtual void persist() = 0;
};

struct TrainerOptions {
  int64_t max_steps = 1000;
  int64_t eval_every = 100;        // 0: only at the end
  int64_t checkpoint_every = 500;  // 0: only when stopped early (none once finished)
  double grad_clip = 0;            // 0: no clipping
  std::string checkpoint_path;     // where checkpoints go ("" = none)
};

// What the trainer carries from step to step; all of it is in the checkpoint.
struct TrainState {
  int64_t step = 0;
  bool finished = false;
  double train_seconds = 0;
  double eval_seconds = 0;
  std::vector<double> last_accuracy;  // per replica; -1 before the first evaluation
  std::vector<double> loss_sum_since_eval;  // per replica: running training loss between evaluations
  int64_t steps_since_eval = 0;
  runs::History history;
};

struct TrainerHooks {
  ProgressCallback progress;             // optional
  std::function<bool()> stop_requested;                      // polled after every step; optional
  // Stop (with a checkpoint) once this many steps are done in total (>= 1; -1: never).
  int64_t stop_after = -1;
  // A finished run's checkpoint is left to finish(), called once the caller has written its
  // outputs: a process killed in between resumes from the last unfinished checkpoint and
  // writes them again, instead of finding a finished checkpoint and no outputs.
  bool finish_later = false;
};

struct TrainOutcome {
  std::string stop_reason;  // "max_steps", the objective's criterion, "stop_after" or "signal"
  bool finished = false;    // false: interrupted, continue with resume()
  bool reached = false;     // every replica reached the objective's criterion
  double last_loss = 0;     // training loss of the last step (summed over replicas)
  double session_seconds = 0;
};

class Trainer {
 public:
  Trainer(std::shared_ptr<RecurrentModel> model, std::unique_ptr<DataSource> data,
          std::unique_ptr<Objective> objective, std::unique_ptr<torch::optim::Optimizer> optimizer,
          std::vector<std::unique_ptr<Schedule>> schedules, TrainerOptions options,
          std::vector<std::unique_ptr<Recorder>> recorders = {});

  // Continues from the checkpoint at options.checkpoint_path (Error when it is missing,
  // unreadable, or finished and `finished_too` is false).
  void resume(bool finished_too = false);
  // The run goes on with changed options (more steps, another criterion or learning rate):
  // recorded in the history at the current step, and a finished run is no longer finished.
  void record_continuation(const std::string& changes);
  // Sets every parameter group's learning rate (a checkpoint restores the one it was saved with).
  void set_learning_rate(double lr);
  // Trains until max_steps, the stopping rule, stop_after or a stop request; writes a
  // checkpoint before returning.
  TrainOutcome run(const TrainerHooks& hooks);
  // Marks a finished run's checkpoint finished (or removes it: checkpoint_every = 0).
  void finish();

  const TrainState& state() const { return state_; }
  RecurrentModel& model() { return *model_; }

 private:
  // Evaluates on the data source's fixed set and appends to the history; true when every
  // replica has reached the objective's criterion.
  bool evaluate();
  // The recorders persist, then the checkpoint (if any) is written: in this order a crash
  // between the two leaves the recorders ahead, never behind.
  void save_progress();
  // Clips the gradient norm to options_.grad_clip: of all parameters for one network, of each
  // replica's share of them (its slice of every parameter) for replicas.
  void clip_gradients();
  // The optimiser's step, with the parameters of stopped replicas left as they are.
  void optimizer_step();
  // Which replicas have reached the objective's criterion at any evaluation so far (from the
  // history, so a resumed run knows it without a checkpoint field).
  std::vector<bool> stopped_replicas() const;

  std::shared_ptr<RecurrentModel> model_;
  std::unique_ptr<DataSource> data_;
  std::unique_ptr<Objective> objective_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::vector<std::unique_ptr<Schedule>> schedules_;
  TrainerOptions options_;
  std::vector<std::unique_ptr<Recorder>> recorders_;
  TrainState state_;
  // Replicas that reached the criterion: their parameters change no more (stopped_replicas()).
  std::vector<bool> stopped_;
};

}  // namespace rnnscope::rnn
