// The low-tensor-rank RNN (ltrRNN; Pellegrino, Cayco-Gajic & Chadwick 2023), fitted to
// recordings of K trials (docs/ltr.md). Private to the LibTorch library.
//
//   x_{t+1} = (1 − α) x_t + α (W_k tanh(x_t) + A (P_in u_t + p_b)),   W_k = Â diag(c_k) B̂ᵀ
//   y_t     = g ⊙ D tanh(x_t) + o                                     (recorded activity)
// Â, B̂: the columns of the learned A, B [N, R] scaled to unit length on every pass, so all
// magnitude is in the trial factors c [K, R]. c = L z + m with L the Cholesky factor of a
// rational-quadratic Gaussian-process kernel over trial index plus σ_obs² I (fixed, computed
// once), z [K, R] and m [R] learned: trial factors vary smoothly over trials. Inputs, bias
// and the initial state (one per condition, x0 = A p_c) lie in the span of A, so the state
// stays in an R-dimensional subspace. D [M, N] has orthonormal columns when M ≥ N, orthonormal
// rows otherwise: the Q factor of the QR decomposition of a free [max(M,N), min(M,N)] matrix
// (transposed when M < N). The published code slices exp(S − Sᵀ) of a skew-symmetric
// [max, max] matrix instead; both reach every such D, and QR costs O(max·min²) instead of the
// exponential's O(max³) forward and backward (≈ 120 ms per iteration at N = 200 on one core).
// The per-neuron gain g and offset o [M] are our addition to the published form (D tanh(x), no bias): z-scoring gives
// every neuron mean 0 and variance 1, but the network's own scale and offset differ per
// neuron, which an orthonormal D alone cannot absorb (docs/ltr.md measures the difference).
#pragma once

#include "engine/engine_internal.h"
#include "models/model_internal.h"

namespace rnnscope::rnn {

struct LtrOptions {
  int64_t units = 200;          // N, latent units
  int64_t rank = 1;             // R
  int64_t trials = 1;           // K
  int64_t neurons = 1;          // M, recorded neurons
  int64_t inputs = 0;           // n_in
  int64_t conditions = 1;       // C (initial states)
  double alpha = 0.1;           // dt / τ of one Euler substep
  int64_t substeps = 1;         // Euler substeps per recorded time bin
  double gp_scale = 0.1;        // σ of the rational-quadratic kernel
  double gp_length_trials = 15; // its length scale, in trials
  double gp_alpha = 1;          // its shape parameter α
  double gp_noise = 0.1;        // σ_obs, added to the kernel's diagonal
  Engine engine = Engine::fused;
};

class LtrRnn final : public RecurrentModel {
 public:
  // `condition` [K]: each trial's condition (its initial state); initialised from `seed`.
  LtrRnn(const LtrOptions& options, std::vector<int64_t> condition, uint64_t seed);

  // inputs [T, K, n_in] (K = all trials, in order); noise is ignored. Returns the recorded
  // activity's model y [T, K, M] as outputs, x [T, K, N] as states (x_0 first) and tanh(x).
  SequenceOutput run(const torch::Tensor& inputs, const torch::Tensor& noise) override;
  int64_t units() const override { return options_.units; }
  torch::Tensor weight_penalty() const override;
  // The factors (a, b, c, readout), as fit.h5 names them.
  std::vector<std::pair<std::string, torch::Tensor>> weight_matrices() const override;
  void write_weights(h5::Writer& out) const override;
  void read_weights(const std::string& path) override;

  // The factors as the model uses them: Â, B̂ [N, R], c [K, R], D [M, N].
  torch::Tensor a_hat() const;
  torch::Tensor b_hat() const;
  torch::Tensor trial_factors() const;
  torch::Tensor readout() const;
  // Sets A, B and the trial factors directly (c = m + L z solved for z), for a teacher with
  // planted factors; shapes as above.
  void set_factors(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& c);
  const LtrOptions& options() const { return options_; }

 private:
  LtrOptions options_;
  torch::Tensor condition_;  // [K] int64
  torch::Tensor gp_factor_;  // L [K, K]
  torch::Tensor a_, b_, z_, m_, p_in_, p_b_, p_x0_, readout_free_, gain_, offset_;
  Workspace workspace_;
};

}  // namespace rnnscope::rnn
