// The recurrent engines: each model's whole-sequence recurrence, fused (one forward loop into
// preallocated buffers and one BPTT loop, as torch::autograd::Functions) or as the plain
// LibTorch autograd reference twin, the fused kernels' test oracle. One kernel file per cell,
// each with its twin: ctrnn_kernel.cpp, gated_kernel.cpp, ltr_kernel.cpp; their shared BPTT machinery in
// bptt_internal.h; Workspace and the parsers in workspace.cpp. Private to the library.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

namespace rnnscope::rnn {

// Buffers a model reuses from one call to the next. Fresh multi-megabyte tensors cost page
// faults on every training step (glibc hands large freed blocks back to the OS), a quarter
// of a small network's step time; a cached buffer is handed out again only once nothing
// else — a returned output, a pending backward's saved tensor — still references its
// storage, so reuse never changes a tensor someone holds. One per model; not thread-safe.
class Workspace {
 public:
  // A tensor of `shape` on slot `slot`'s cached storage when that storage is free and of the
  // same shape and dtype, else on new storage (which the slot then caches).
  torch::Tensor take(size_t slot, at::IntArrayRef shape, const torch::TensorOptions& options);

 private:
  std::vector<torch::Tensor> buffers_;
};

enum class Activation { relu, tanh, softplus, linear };
// `name` is one of the validated config choices ("relu", "tanh", "softplus", "linear").
Activation parse_activation(const std::string& name);

// config [model] engine: "fused" (default) or "reference".
enum class Engine { fused, reference };
Engine parse_engine(const std::string& name);

// An optional linear readout y_t = W_out h_t + b_out of every step's output h_t (the CTRNN's
// rates, the gated layers' hidden state), w [n_out, units], b [n_out]. The fused kernels fold
// it in: forward as one GEMM over all T·B rows, backward adding dL/dy_t W_out to the step's
// gradient inside the BPTT loop (the CTRNN's a few steps at a time, into a cache-sized
// scratch), so the [T, B, units] gradient that a separate linear layer would write and the
// loop read back never exists. Undefined tensors: no readout.
struct Readout {
  torch::Tensor w, b;
};

// The CTRNN recurrence over a whole sequence (docs/model.md), in one of two forms, with
// z_t = W_rec r_t + W_in u_t + b + s ⊙ ξ_t and per-unit α = dt/τ and noise scale s [N]:
//   current (Song, Yang & Wang 2016): x_{t+1} = (1 − α) x_t + α z_t,    r_t = f(x_t)
//   rate (Soo, Goudar & Wang 2023):    x_{t+1} = (1 − α) x_t + α f(z_t), r_t = x_t
// In the rate form the state is the rate and f acts on the input current instead.
enum class CtrnnForm { current, rate };
// `name` is one of the validated config choices ("current", "rate").
CtrnnForm parse_ctrnn_form(const std::string& name);

// What the recurrence is besides its weights: the form, f, and per-unit α and noise scale
// [N] (of the inputs' dtype).
struct CtrnnDynamics {
  CtrnnForm form = CtrnnForm::current;
  Activation activation = Activation::relu;
  torch::Tensor alpha;
  torch::Tensor noise_scale;
};
// The same α and noise scale for every one of `units` units.
CtrnnDynamics uniform_ctrnn_dynamics(CtrnnForm form, Activation activation, double alpha, double noise_scale,
                                     int64_t units, const torch::TensorOptions& options);

// A training-only skip connection through time (Soo, Goudar & Wang 2023; docs/long_deps.md):
// after every `every`-th step, t + 1 = k·θ, the new state is mixed with a source from θ
// steps back,
//   x_{t+1} ← (1 − β) s + β x^base_{t+1},  s = x_{t+1−θ}                          (sctt)
//                                         s = x_{t+1−θ} + θ (x_{t+2−θ} − x_{t+1−θ})  (dasc:
// one Euler step of θ·dt of the same dynamics). β = 1 (or kind none) is the plain network.
struct TemporalSkip {
  enum class Kind { none, sctt, dasc };
  Kind kind = Kind::none;
  int64_t every = 1;  // θ, in steps
  double beta = 1;
  bool active() const { return kind != Kind::none && beta < 1; }
};

// inputs [T, B, n_in], w_in [N, n_in], w_rec [N, N] (the effective matrix: Dale's law is
// applied by the caller, so autograd carries its gradient), b [N], x0 [N], noise ξ
// [T, B, N] or undefined. Returns each [T, B, N]:
//   current form: states x_1..x_T and rates f(x_1)..f(x_T);
//   rate form:    states f(z_0)..f(z_{T−1}) (what each step adds, the drive) and rates x_1..x_T;
// and with a readout its outputs [T, B, n_out] of the rates (else undefined).
// Replicas (train.replicas = K): w_in [K, N, n_in], w_rec [K, N, N], b, x0 [K, N] and the
// readout's w [K, n_out, N], b [K, n_out] run K independent networks on the same inputs and
// noise, and every result gains a leading K: [K, T, B, ·].
struct CtrnnSequence {
  torch::Tensor states;
  torch::Tensor rates;
  torch::Tensor outputs;
};

// How many replicas the fused CTRNN kernel runs through the sequence together, given each
// replica's bytes in its [T, B, N] buffers (ctrnn_kernel.cpp says why in groups).
int64_t replica_group(int64_t replicas, int64_t bytes_per_replica);

// `workspace` holds the fused kernel's buffers between calls (the reference ignores it). Both
// engines run `skip` (each replica's state mixed with its own past): the fused kernel folds
// the mix and its backward into its loops. keep_states = false: the caller will not use the
// states, and the fused kernel may leave them out (undefined) — in the current form, whose
// backward needs only the rates, it then never writes the [K, T, B, N] states buffer.
CtrnnSequence ctrnn_sequence(Engine engine, Workspace& workspace, const torch::Tensor& inputs,
                             const torch::Tensor& w_in, const torch::Tensor& w_rec, const torch::Tensor& b,
                             const torch::Tensor& x0, const torch::Tensor& noise, const CtrnnDynamics& dynamics,
                             const Readout& readout = {}, const TemporalSkip& skip = {}, bool keep_states = true);

// Gated layers in PyTorch's conventions (torch.nn.GRU / torch.nn.LSTM, one layer,
// time-major). Gate rows of w_ih [G·H, n_in], w_hh [G·H, H], b_ih, b_hh [G·H] are in
// PyTorch's order: GRU (G = 3) r, z, n; LSTM (G = 4) i, f, g, o. h0 [H] is the initial
// hidden state of every trial (the LSTM's initial cell state is zero). Returns h_1..h_T
// [T, B, H] and with a readout its outputs [T, B, n_out] (else undefined).
enum class GatedKind { gru, lstm };
int64_t gate_count(GatedKind kind);
struct GatedSequence {
  torch::Tensor states;
  torch::Tensor outputs;
};
GatedSequence gated_sequence(Engine engine, Workspace& workspace, GatedKind kind, const torch::Tensor& inputs,
                             const torch::Tensor& w_ih, const torch::Tensor& w_hh, const torch::Tensor& b_ih,
                             const torch::Tensor& b_hh, const torch::Tensor& h0, const Readout& readout = {});

// The low-tensor-rank RNN (ltrRNN, docs/ltr.md) of all K trials at once, tanh units:
//   x_{t+1} = (1 − α) x_t + α (W_k tanh(x_t) + A v_t),   W_k = Â diag(c_k) B̂ᵀ
//   y_t     = g ⊙ D tanh(x_t) + o            at the recorded steps t = 0, every, 2·every, …
// drive coefficients v [S, K, R] (inputs and bias in the span of A), a_hat, b_hat [N, R]
// (unit columns: the caller normalises), a [N, R] (unnormalised), c [K, R] (the trial
// factors), x0 [K, N]; readout D [M, N], gain g and offset o [M]; S a multiple of `every`.
// Returns x_0..x_S and tanh of them, each [S + 1, K, N], the outputs y [S / every + 1, K, M]
// and Σ x² over the recorded steps (a scalar: the state penalty, whose gradient the fused
// kernel adds where it forms dL/dx instead of receiving a [S + 1, K, N] gradient). W_k is
// never formed: the product goes through the factors.
struct LtrReadout {
  torch::Tensor readout, gain, offset;  // D [M, N], g [M], o [M]
  int64_t every = 1;                    // steps per recorded step (Euler substeps per bin)
};
struct LtrSequence {
  torch::Tensor states;
  torch::Tensor rates;
  torch::Tensor outputs;
  torch::Tensor state_sq_sum;
};
LtrSequence ltr_sequence(Engine engine, Workspace& workspace, const torch::Tensor& drive_coefficients,
                         const torch::Tensor& a_hat, const torch::Tensor& a, const torch::Tensor& b_hat,
                         const torch::Tensor& c, const torch::Tensor& x0, double alpha, const LtrReadout& readout);

}  // namespace rnnscope::rnn
