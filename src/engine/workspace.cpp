// The engine's small shared pieces (engine_internal.h): the workspace of reused buffers and
// the parsing of the [model] activation, form and engine choices.
#include "engine/engine_internal.h"

#include "rnnscope/core/error.h"

namespace rnnscope::rnn {

Activation parse_activation(const std::string& name) {
  if (name == "tanh") return Activation::tanh;
  if (name == "softplus") return Activation::softplus;
  if (name == "linear") return Activation::linear;
  require(name == "relu", "[model] activation = \"" + name + "\" is not allowed; allowed: relu, tanh, softplus, linear");
  return Activation::relu;
}

Engine parse_engine(const std::string& name) {
  if (name == "reference") return Engine::reference;
  require(name == "fused", "[model] engine = \"" + name + "\" is not allowed; allowed: fused, reference");
  return Engine::fused;
}

CtrnnForm parse_ctrnn_form(const std::string& name) {
  if (name == "rate") return CtrnnForm::rate;
  require(name == "current", "[model] form = \"" + name + "\" is not allowed; allowed: current, rate");
  return CtrnnForm::current;
}

CtrnnDynamics uniform_ctrnn_dynamics(CtrnnForm form, Activation activation, double alpha, double noise_scale,
                                     int64_t units, const torch::TensorOptions& options) {
  return {form, activation, at::full({units}, alpha, options), at::full({units}, noise_scale, options)};
}

int64_t gate_count(GatedKind kind) { return kind == GatedKind::gru ? 3 : 4; }

torch::Tensor Workspace::take(size_t slot, at::IntArrayRef shape, const torch::TensorOptions& options) {
  if (buffers_.size() <= slot) buffers_.resize(slot + 1);
  torch::Tensor& cached = buffers_[slot];
  if (!cached.defined() || cached.sizes() != shape || cached.dtype() != options.dtype() ||
      cached.storage().use_count() > 1) {
    cached = at::empty(shape, options);
  }
  // A new tensor on the cached storage, so that autograd metadata the caller attaches (a
  // grad_fn on an output) never lands on the cached tensor and keeps a graph alive.
  return at::empty({0}, options).set_(cached.storage(), 0, shape, cached.strides());
}

}  // namespace rnnscope::rnn
