// The discrete-time recurrent LIF layer's whole-sequence kernel (lif_kernel.cpp), fused or as
// its reference twin. Apart from engine_internal.h so that the other kernels do not recompile
// with it. Private to the library.
#pragma once

#include "engine/engine_internal.h"

#include <torch/torch.h>

#include <string>

namespace rnnscope::rnn {

// The discrete-time recurrent LIF layer of surrogate-gradient training (docs/snn.md), time-major:
//   v_t = β v_{t−1} + W_in u_t + b + W_rec s_{t−1} − θ s_{t−1},   s_t = H(v_t − θ),   v_0 = s_0 = 0,
// reset by subtraction, the reset term without gradient (snnTorch's default). The Heaviside's
// derivative is replaced by a surrogate σ'(v − θ) of slope k:
//   fast_sigmoid  1 / (1 + k|x|)²            (Zenke & Ganguli 2018; snnTorch's k = 25)
//   arctan        (k/2) / (1 + (π k x / 2)²)  (Fang et al. 2021; snnTorch's k = 2)
//   triangle      max(0, 1 − k|x|)            (Esser et al. 2016, Bellec et al. 2020 with their
//                                              dampening γ = 1 and width 1/k; compact support
//                                              |x| < 1/k: the backward skips the recurrent
//                                              product wherever σ' is zero)
// The fast sigmoid's and the triangle's peak is 1 whatever k: a peak of k (a triangle of area 1)
// makes δ grow through time at k = 25 (σ' W_rec's gain above 1 over the ~1% of entries in the
// support), and 500 steps of that overflow to inf within the first backward pass.
enum class Surrogate { fast_sigmoid, arctan, triangle };
// `name` is "fast_sigmoid", "arctan" or "triangle".
Surrogate parse_surrogate(const std::string& name);
// σ'(x) and its primitive f (f' = σ', as the reference twin differentiates it).
double surrogate_derivative(Surrogate s, double x, double slope);
double surrogate_primitive(Surrogate s, double x, double slope);

struct LifDynamics {
  double beta = 0.9;       // membrane decay per step
  double threshold = 1.0;  // θ
  Surrogate surrogate = Surrogate::fast_sigmoid;
  double slope = 25;       // k
};
// inputs [T, B, n_in], w_in [N, n_in], w_rec [N, N], b [N]. Returns the spikes s_1..s_T and the
// membranes v_1..v_T (before their reset), each [T, B, N], both differentiable.
struct LifSequence {
  torch::Tensor spikes;
  torch::Tensor membrane;
};
// `workspace` holds the fused kernel's [T, B, N] buffers between calls (engine_internal.h); the
// reference ignores it.
LifSequence lif_sequence(Engine engine, Workspace& workspace, const torch::Tensor& inputs, const torch::Tensor& w_in,
                         const torch::Tensor& w_rec, const torch::Tensor& b, const LifDynamics& dynamics);
// The same layer's spike counts Σ_t s_t [B, N], differentiable, and its membranes, the spikes
// themselves never stored: training reads only the counts, and at N = 1000, B = 32, T = 500 the
// [T, B, N] spikes were 64 MB per step written, faulted in page by page and summed for nothing.
struct LifCounts {
  torch::Tensor counts;
  torch::Tensor membrane;
};
LifCounts lif_spike_counts(Engine engine, Workspace& workspace, const torch::Tensor& inputs,
                           const torch::Tensor& w_in, const torch::Tensor& w_rec, const torch::Tensor& b,
                           const LifDynamics& dynamics);

}  // namespace rnnscope::rnn
