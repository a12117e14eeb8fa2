// Recurrent models as LibTorch modules (private to the LibTorch library: the public API is torch-free).
#pragma once

#include "engine/engine_internal.h"

#include "rnnscope/core/hdf5_io.h"
#include "rnnscope/core/params.h"
#include "rnnscope/tasks/task.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <memory>
#include <string>

namespace rnnscope::rnn {

// What a forward pass over a whole sequence gives, all time-major.
struct SequenceOutput {
  torch::Tensor outputs;  // [T, B, n_out] readout (logits for cross-entropy tasks)
  torch::Tensor states;   // [T, B, units] state after each update
  torch::Tensor rates;    // [T, B, units] f(state), what the readout and penalties see
  // Σ states², when the model's kernel sums it while it runs (its gradient then goes into the
  // kernel's backward without a [T, B, units] gradient tensor); undefined otherwise.
  torch::Tensor state_sq_sum;
};

class RecurrentModel : public torch::nn::Module {
 public:
  // `noise`: standard-normal draws [T, B, units], or an undefined tensor for no noise.
  virtual SequenceOutput run(const torch::Tensor& inputs, const torch::Tensor& noise) = 0;
  virtual int64_t units() const = 0;
  // Independent networks trained at once (train.replicas): with K > 1 a leading dimension K
  // of every parameter and of every tensor run() returns ([K, T, B, ·]), and the trainer's
  // metrics have one entry per replica. Only the CTRNN has replicas; the others are single
  // networks (K = 1, no leading dimension).
  virtual int64_t replicas() const { return 1; }
  // Sum over weight matrices of mean(W^2), for the weight L2 penalty ([K]: one per replica).
  virtual torch::Tensor weight_penalty() const = 0;
  // The weight matrices as model.h5 names them (without the leading "/"), for snapshots over
  // learning (weights_history.h5): W_in, W_rec (effective), W_out; W_ih, W_hh, W_out for gru/lstm.
  virtual std::vector<std::pair<std::string, torch::Tensor>> weight_matrices() const = 0;
  // A training-only skip through time (train.method, docs/long_deps.md), which the model
  // applies in training mode only: in eval mode it runs the plain network, so evaluation sees
  // what the user keeps. Models without one refuse (Error).
  virtual void set_temporal_skip(const TemporalSkip& skip);
  // Training-only coarsened discretisation (train.method = "cd"): steps of m times the base
  // dt in training mode, the base dt in eval mode. Models without one refuse (Error).
  virtual void set_time_step_multiple(int64_t m);
  // wanted = false: run() in training mode may return undefined states, where leaving them
  // out saves the model work (the CTRNN's current form: ctrnn_sequence's keep_states). Eval
  // mode always returns them. Models that always compute them ignore it.
  virtual void set_training_states(bool wanted) { (void)wanted; }
  // The model.h5 contract (see docs/outputs.md).
  virtual void write_weights(h5::Writer& out) const = 0;
  virtual void read_weights(const std::string& path) = 0;
};

// Builds the model of a resolved [model] table (models::resolve) for a task through the
// model registry, initialised from `seed`; `replicas` independent networks (Error for a type
// that has no replicas when it is > 1).
std::shared_ptr<RecurrentModel> make_model(const Json& model_config, const tasks::TaskInfo& task,
                                           double dt_ms, uint64_t seed, int64_t replicas = 1);

// The mean of each replica's share of `t` ([K] where the model has replicas, else a scalar):
// losses and penalties per replica.
torch::Tensor replica_mean(const torch::Tensor& t, int64_t replicas);

// A CPU generator for (seed, stream, index), as Rng::derive, for torch's random functions.
at::Generator torch_generator(uint64_t seed, const std::string& stream, uint64_t index = 0);

// Copies a row-major float buffer into a new tensor of the given shape.
torch::Tensor to_tensor(const std::vector<float>& data, at::IntArrayRef shape);
// The reverse for results: a tensor's values (any dtype, any strides) as a row-major double buffer.
std::vector<double> to_doubles(const torch::Tensor& t);

// model.h5 I/O of one float32 weight tensor; reading checks the stored shape against `param`'s.
void write_tensor(h5::Writer& out, const std::string& name, const torch::Tensor& t);
void read_tensor(const std::string& path, const std::string& name, torch::Tensor& param);

}  // namespace rnnscope::rnn

namespace rnnscope::rnn {

struct BatchTensors {
  torch::Tensor inputs;   // [T, B, n_in]
  torch::Tensor targets;  // [T, B, n_out]
  torch::Tensor mask;     // [T, B]
};
BatchTensors to_tensors(const tasks::Batch& batch);

// Standard-normal recurrent noise [T, B, units] for (seed, stream, index).
torch::Tensor standard_noise(int64_t steps, int64_t batch, int64_t units, uint64_t seed,
                             const std::string& stream, uint64_t index);

}  // namespace rnnscope::rnn
