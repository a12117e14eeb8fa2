// The ltrRNN module (models/ltr_internal.h): parameters, the Gaussian-process trial factors,
// the orthonormal readout and the model.h5 contract; the recurrence runs on
// src/engine/ltr_kernel.cpp.
#include "models/ltr_internal.h"

#include "rnnscope/core/error.h"

#include <cmath>

namespace rnnscope::rnn {
namespace {

// The rational-quadratic kernel over trial index plus σ_obs² I, and its Cholesky factor.
torch::Tensor gp_cholesky(const LtrOptions& o) {
  const auto idx = torch::arange(o.trials, torch::kFloat64);
  const auto d2 = (idx.unsqueeze(1) - idx.unsqueeze(0)).pow(2);
  const auto k = o.gp_scale * o.gp_scale *
                 torch::pow(1 + d2 / (2 * o.gp_alpha * o.gp_length_trials * o.gp_length_trials), -o.gp_alpha);
  return torch::linalg_cholesky(k + o.gp_noise * o.gp_noise * torch::eye(o.trials, torch::kFloat64))
      .to(torch::kFloat32);
}

torch::Tensor unit_columns(const torch::Tensor& m) { return m / m.norm(2, 0, true).clamp_min(1e-12); }

}  // namespace

LtrRnn::LtrRnn(const LtrOptions& options, std::vector<int64_t> condition, uint64_t seed) : options_(options) {
  const LtrOptions& o = options_;
  require(o.units >= 1 && o.rank >= 1 && o.trials >= 1 && o.neurons >= 1, "ltrRNN sizes must be positive");
  require(o.alpha > 0 && o.alpha <= 1, "ltrRNN: dt/tau per substep must lie in (0, 1], got " + std::to_string(o.alpha));
  require(int64_t(condition.size()) == o.trials, "ltrRNN: one condition per trial is required");
  auto gen = torch_generator(seed, "ltr-init");
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
  const int64_t n = o.units, r = o.rank, p = std::max(o.units, o.neurons);
  // Not a buffer: Module::to(dtype) would turn the indices into floats.
  condition_ = torch::tensor(condition, torch::kInt64);
  gp_factor_ = register_buffer("gp_factor", gp_cholesky(o));
  // Columns of A scaled to unit length in expectation: the input and initial-state
  // coefficients then act on the scale of the data (z-scored).
  a_ = register_parameter("A", at::randn({n, r}, gen, f32) / std::sqrt(double(n)));
  b_ = register_parameter("B", at::randn({n, r}, gen, f32) / std::sqrt(double(n)));
  z_ = register_parameter("z", torch::zeros({o.trials, r}, f32));
  m_ = register_parameter("m", torch::ones({r}, f32));
  p_in_ = register_parameter("P_in", at::randn({r, o.inputs}, gen, f32) * 0.1);
  p_b_ = register_parameter("p_b", torch::zeros({r}, f32));
  p_x0_ = register_parameter("P_x0", at::randn({o.conditions, r}, gen, f32));
  readout_free_ = register_parameter("W_readout", at::randn({p, std::min(o.units, o.neurons)}, gen, f32));
  gain_ = register_parameter("gain", torch::ones({o.neurons}, f32));
  offset_ = register_parameter("offset", torch::zeros({o.neurons}, f32));
}

torch::Tensor LtrRnn::a_hat() const { return unit_columns(a_); }
torch::Tensor LtrRnn::b_hat() const { return unit_columns(b_); }
torch::Tensor LtrRnn::trial_factors() const { return torch::mm(gp_factor_, z_) + m_; }

torch::Tensor LtrRnn::readout() const {
  // Q of the thin QR of the free matrix [p, q], each column signed by R's diagonal so that Q is
  // a smooth, unique function of it; Q [p, q] has orthonormal columns.
  const auto [q, r] = torch::linalg_qr(readout_free_);
  const auto signed_q = q * torch::sign(r.diagonal()).unsqueeze(0);
  return options_.neurons >= options_.units ? signed_q : signed_q.t();
}

SequenceOutput LtrRnn::run(const torch::Tensor& inputs, const torch::Tensor& /*noise*/) {
  const LtrOptions& o = options_;
  const int64_t steps = inputs.size(0), k = inputs.size(1);
  require(k == o.trials, "ltrRNN: inputs hold " + std::to_string(k) + " trials, the model " + std::to_string(o.trials));
  // The drive's coefficients in the factors' span, P_in u_t + p_b, for the steps that move the
  // state (the last time bin's input drives nothing observed).
  torch::Tensor coeff = p_b_.expand({steps - 1, k, o.rank});
  if (o.inputs > 0) coeff = coeff + torch::matmul(inputs.narrow(0, 0, steps - 1), p_in_.t());
  if (o.substeps > 1) coeff = coeff.repeat_interleave(o.substeps, 0);
  const auto x0 = torch::matmul(p_x0_.index_select(0, condition_), a_.t());
  // The readout, gain and offset run inside the kernel, at the end of every time bin.
  auto seq = ltr_sequence(o.engine, workspace_, coeff, a_hat(), a_, b_hat(), trial_factors(), x0, o.alpha,
                          LtrReadout{readout(), gain_, offset_, o.substeps});
  torch::Tensor states = seq.states, rates = seq.rates;
  if (o.substeps > 1) {
    // x_0 and the state at the end of every time bin: the last of its substeps.
    const auto pick = torch::arange(0, (steps - 1) * o.substeps + 1, o.substeps, torch::kInt64);
    states = states.index_select(0, pick);
    rates = rates.index_select(0, pick);
  }
  return {seq.outputs, states, rates, seq.state_sq_sum};
}

torch::Tensor LtrRnn::weight_penalty() const { return a_hat().pow(2).mean() + b_hat().pow(2).mean(); }

std::vector<std::pair<std::string, torch::Tensor>> LtrRnn::weight_matrices() const {
  return {{"a", a_hat()}, {"b", b_hat()}, {"c", trial_factors()}, {"readout", readout()}};
}

void LtrRnn::set_factors(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& c) {
  torch::NoGradGuard no_grad;
  a_.copy_(a);
  b_.copy_(b);
  // c = L z + m with m = the trial mean of c: z = L⁻¹ (c − m).
  const auto cd = c.to(m_.dtype());
  m_.copy_(cd.mean(0));
  z_.copy_(torch::linalg_solve_triangular(gp_factor_, cd - m_, /*upper=*/false));
}

void LtrRnn::write_weights(h5::Writer& out) const {
  torch::NoGradGuard no_grad;
  const auto a_raw = a_.detach();
  write_tensor(out, "/a", a_hat());
  write_tensor(out, "/b", b_hat());
  write_tensor(out, "/c", trial_factors());
  write_tensor(out, "/readout", readout());
  write_tensor(out, "/W_in", torch::mm(a_raw, p_in_));
  write_tensor(out, "/bias", torch::mv(a_raw, p_b_));
  write_tensor(out, "/x0", torch::mm(p_x0_, a_raw.t()));
  // The learned parameters themselves, from which the factors above follow (read_weights).
  write_tensor(out, "/parameters/A", a_);
  write_tensor(out, "/parameters/B", b_);
  write_tensor(out, "/parameters/z", z_);
  write_tensor(out, "/parameters/m", m_);
  write_tensor(out, "/parameters/P_in", p_in_);
  write_tensor(out, "/parameters/p_b", p_b_);
  write_tensor(out, "/parameters/P_x0", p_x0_);
  write_tensor(out, "/parameters/W_readout", readout_free_);
  write_tensor(out, "/gain", gain_);
  write_tensor(out, "/offset", offset_);
  out.attribute("/", "model", std::string("ltr"));
  out.attribute("/", "rank", options_.rank);
  out.attribute("/", "units", options_.units);
  out.attribute("/", "alpha", options_.alpha);
  out.attribute("/", "substeps", options_.substeps);
}

void LtrRnn::read_weights(const std::string& path) {
  read_tensor(path, "/parameters/A", a_);
  read_tensor(path, "/parameters/B", b_);
  read_tensor(path, "/parameters/z", z_);
  read_tensor(path, "/parameters/m", m_);
  read_tensor(path, "/parameters/P_in", p_in_);
  read_tensor(path, "/parameters/p_b", p_b_);
  read_tensor(path, "/parameters/P_x0", p_x0_);
  read_tensor(path, "/parameters/W_readout", readout_free_);
  read_tensor(path, "/gain", gain_);
  read_tensor(path, "/offset", offset_);
}

}  // namespace rnnscope::rnn
