// What the fused kernels (ctrnn_kernel.cpp, gated_kernel.cpp) share: the pre-activation
// buffer's layout, the input projection, the BPTT loop's block-wise weight gradients, the
// folded readout, the split of a step's rows over threads and the CTRNN's activations.
// Non-template parts and the float/double instantiations in bptt.cpp. Private to src/engine.
//
// Why fused: the networks of this field are small (50–1000 units) and run for hundreds to
// thousands of steps, so a per-step autograd graph (a dozen ATen ops and saved tensors per
// step, each ≈ 1–5 µs of dispatch) costs more than the arithmetic. A fused kernel runs
//   forward:  the input projection of all steps as one GEMM into a preallocated
//             pre-activation buffer, then per step one GEMM (the recurrent product, added
//             in place) and one element-wise pass;
//   backward: per step one element-wise pass (the cell's local derivatives, written in
//             place of what forward stored) and one GEMM (back through W_hh); every block
//             of ≥ 512 rows of finished steps adds its share of each weight gradient as
//             one GEMM while its operands are still in cache.
// The per-step GEMMs call the BLAS bundled in the torch wheel directly (linalg::gemm:
// at::addmm_out adds ≈ 2 µs of dispatch per call, as much as a 32×64×64 product takes), and
// the element-wise passes are plain loops over raw pointers that the compiler vectorises.
#pragma once

#include "engine/engine_internal.h"
#include "core/vector_math.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace rnnscope::rnn {

// ---------------------------------------------------------------------------------------
// Activations. f and f' for the CTRNN. f' is computed from the rate r = f(x), which the
// forward pass stores anyway: relu' = [r > 0]; tanh' = 1 − r²; softplus' = σ(x) = 1 − e^{−r}
// (since e^r = 1 + e^x); linear' = 1. Softplus follows torch.nn.functional.softplus: x above 20 passes
// through.
template <Activation A, class T>
inline T activate(T x) {
  if constexpr (A == Activation::relu) return x > T(0) ? x : T(0);
  if constexpr (A == Activation::tanh) return vec_tanh(x);
  if constexpr (A == Activation::softplus) return x > T(20) ? x : std::log1p(vec_exp(x));
  if constexpr (A == Activation::linear) return x;
}

template <Activation A, class T>
inline T slope_from_rate(T r) {
  if constexpr (A == Activation::relu) return r > T(0) ? T(1) : T(0);
  if constexpr (A == Activation::tanh) return T(1) - r * r;
  if constexpr (A == Activation::softplus) return -std::expm1(-r);
  if constexpr (A == Activation::linear) return T(1);
}

// Calls f(std::integral_constant<Activation, a>()), so that loops see A as a constant.
template <class F>
void with_activation(Activation a, const F& f) {
  switch (a) {
    case Activation::relu: return f(std::integral_constant<Activation, Activation::relu>());
    case Activation::tanh: return f(std::integral_constant<Activation, Activation::tanh>());
    case Activation::softplus: return f(std::integral_constant<Activation, Activation::softplus>());
    case Activation::linear: return f(std::integral_constant<Activation, Activation::linear>());
  }
}

// Splits `rows` over LibTorch's intra-op pool, in chunks of at least ≈16k elements so that
// small steps stay on the calling thread (a pool hand-off costs microseconds).
template <class F>
void for_row_chunks(int64_t rows, int64_t elements_per_row, const F& fn) {
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, elements_per_row));
  at::parallel_for(0, rows, grain, fn);
}

// Asks for `count` elements from p to be brought into L2 (prefetch hint T1) ahead of their
// use. A backward loop reads each step's stored block once, walking the sequence from its
// last step to its first, against the direction the hardware prefetchers follow: without the
// hint every block that is no longer in cache is a wait on memory. One hint per 128
// bytes: the L2 fetches each line's pair with it, and hints per line cost more than they saved.
template <class T>
inline void prefetch_into_l2(const T* p, int64_t count) {
  const char* bytes = reinterpret_cast<const char*>(p);
  const int64_t n = count * int64_t(sizeof(T));
  for (int64_t i = 0; i < n; i += 128) __builtin_prefetch(bytes + i, 0, 2);
}

// ---------------------------------------------------------------------------------------
// The pre-activation buffer and the weight gradients.
//
// Every kernel keeps a buffer P [T, B, width] of per-step pre-activations. Its columns
// [0, recurrent_cols) receive the recurrent product h_{t−1} W_hhᵀ; the input projection
// u_t W_ihᵀ goes to the column blocks `input_blocks` (each maps weight rows
// [row, row + size) of W_ih to buffer columns [col, col + size)). In backward the same
// buffer (or one of the same layout) holds dL/d(pre-activation), so both weight gradients
// are products of its column blocks with the layer's inputs and previous outputs.
//   CTRNN: width N, recurrent N, input {N → 0}.
//   GRU:   columns (r, z, hn, n): width 4H, recurrent 3H (W_hn h lands in the hn block,
//          kept apart from the n input because n = tanh(W_in u + r ⊙ (W_hn h + b_hn))),
//          input {rows r,z → columns 0..2H, rows n → columns 3H..4H}.
//   LSTM:  columns (i, f, g, o): width 4H, recurrent 4H, input {4H → 0}.
struct Block {
  int64_t col, row, size;
};
struct SlotLayout {
  int64_t width;
  int64_t recurrent_cols;
  std::vector<Block> input_blocks;
};

SlotLayout ctrnn_layout(int64_t n);
SlotLayout gated_layout(GatedKind kind, int64_t h);

// P [T, B, width] = U W_ihᵀ in the input blocks for all T·B rows (one GEMM per input
// block). The columns no input block covers (the GRU's hn block, which only the recurrent
// product fills) are left as they are: the forward loop clears them step by step
// (clear_uncovered_columns) just before that step's GEMM adds into them, while they are
// in cache, instead of a strided pass over the whole buffer here. The biases are not in P
// either: each kernel's element-wise pass adds bias_row's entry as it reads a
// pre-activation, which saves a pass writing the whole [T, B, width] buffer before the GEMM
// and one reading it in the GEMM.
void fill_preactivations(const SlotLayout& layout, const torch::Tensor& inputs, const torch::Tensor& w_ih,
                         torch::Tensor& p);

// Zeros the columns of one step's [rows, width] block that no input block covers.
template <class T>
void clear_uncovered_columns(const SlotLayout& layout, T* p, int64_t rows) {
  int64_t covered = 0;
  for (const auto& blk : layout.input_blocks) {
    if (blk.col > covered) {
      for (int64_t b = 0; b < rows; ++b) std::fill_n(p + b * layout.width + covered, blk.col - covered, T(0));
    }
    covered = blk.col + blk.size;
  }
  if (covered < layout.width) {
    for (int64_t b = 0; b < rows; ++b) std::fill_n(p + b * layout.width + covered, layout.width - covered, T(0));
  }
}

// The bias of every pre-activation column [width]: b_ih in the input blocks plus b_hh (may
// be undefined) in the recurrent columns.
torch::Tensor bias_row(const SlotLayout& layout, const torch::Tensor& b_ih, const torch::Tensor& b_hh);

// acc[j] += Σ_rows p[row, j] for a [rows, width] block. The BPTT loops call it on each
// step's dL/d(pre-activation) block while it is still in cache, so the bias gradients cost
// no second pass over the whole [T, B, width] buffer (an ATen sum over it re-read it from
// memory: 3–7% of a step at 128 units). A step's few rows are summed in T, column tile by
// column tile at full vector width, and each step's sum is added to double accumulators,
// which keep the sum over all T steps as accurate as ATen's pairwise sum.
// Instantiated for float and double (bptt.cpp), compiled as vector clones.
template <class T>
void add_column_sums(const T* p, int64_t rows, int64_t width, double* acc);

// The gradients of the weights (and inputs), from dP = dL/d(pre-activations) [T, B, width]:
//   dW_ih[rows] = Σ_t dP_t[cols]ᵀ u_t        (per input block)
//   dW_hh       = Σ_t dP_t[0, R)ᵀ prev_t     (prev_0 = prev0 [B, K], prev_t = outputs[t−1])
//   dW_out      = Σ_t g_out,tᵀ outputs_t     (the folded readout, when it has a gradient)
//   db_ih, db_hh = column sums of dP (double accumulators, from add_column_sums);
//   du_t = Σ_blocks dP_t[cols] W_ih[rows].
// The BPTT loop adds each block of gradient_block_steps() steps as soon as it has finished
// it: every sum above is then a few GEMMs over ≥ 512 rows — still large products — whose
// operands (that block's dP, outputs and inputs) are still in cache, instead of one GEMM over
// all T·B rows that reads every [T, B, ·] buffer back from memory once more (3–6% of a
// CTRNN step at 64–128 units). Fields not needed stay undefined.
struct ParameterGrads {
  torch::Tensor inputs, w_ih, b_ih, w_hh, b_hh, w_out, b_out;
};

int64_t gradient_block_steps(int64_t batch);

// `needs` follows the ParameterGrads fields before the biases: inputs, w_ih, w_hh, w_out (the
// last only where the readout's outputs have a gradient).
ParameterGrads start_parameter_gradients(const torch::Tensor& inputs, const torch::Tensor& w_ih,
                                         const torch::Tensor& w_hh, const torch::Tensor& w_out,
                                         const std::array<bool, 4>& needs);

// Adds the terms of steps [t0, t1), whose dP rows are final. g_out may be undefined.
// Instantiated for float and double (bptt.cpp).
template <class T>
void add_block_gradients(const SlotLayout& layout, const torch::Tensor& dp, const torch::Tensor& inputs,
                         const torch::Tensor& w_ih, const torch::Tensor& prev0, const torch::Tensor& outputs,
                         const torch::Tensor& g_out, int64_t t0, int64_t t1, ParameterGrads& g);

// The biases' gradients, once the loop is done: b_ih and b_hh from the column sums of dP,
// b_out from g_out. `needs`: b_ih, b_hh, b_out.
void finish_parameter_gradients(const SlotLayout& layout, const torch::Tensor& column_sums,
                                const torch::Tensor& w_ih, const torch::Tensor& g_out, const std::array<bool, 3>& needs,
                                ParameterGrads& g);

// ---------------------------------------------------------------------------------------
// The folded readout (engine_internal.h: Readout). Autograd Functions take defined tensors
// only, so inside the kernels "no readout" is an empty w_out.

inline bool has_readout(const torch::Tensor& w_out) { return w_out.numel() > 0; }

// dL/d outputs as backward receives it, or undefined where there is no readout or no gradient.
torch::Tensor readout_output_gradient(const torch::Tensor& grad, const torch::Tensor& w_out);

// outputs [T, B, O] = h [T, B, K] W_outᵀ + b_out: one GEMM over all T·B rows, onto the bias.
// Replicas: h [R, T, B, K], w_out [R, O, K], b_out [R, O] give [R, T, B, O], one GEMM per
// replica. h and w_out contiguous. Without a readout, an empty tensor (the Function's
// placeholder output).
torch::Tensor readout_forward(const torch::Tensor& h, const torch::Tensor& w_out, const torch::Tensor& b_out);

// readout_forward in two parts, for a kernel that computes its replicas' outputs group by
// group (while each group's h is in cache): the outputs holding only b_out, then
// y[r] += h[r] W_out[r]ᵀ for the replicas r in [r0, r1) (a single network is replica 0).
torch::Tensor readout_bias_outputs(const torch::Tensor& h, const torch::Tensor& w_out, const torch::Tensor& b_out);
void add_readout_products(const torch::Tensor& h, const torch::Tensor& w_out, torch::Tensor& y, int64_t r0,
                          int64_t r1);

// dst [rows, K] += g [rows, O] W_out [O, K]: the readout's share of one step's dL/dh, added
// inside the BPTT loop while that block is in cache. O (the task's outputs) is small, so
// this is a few multiply-adds per element, vectorised over K.
// Instantiated for float and double (bptt.cpp), compiled as vector clones.
template <class T>
void add_readout_gradient(const T* g, const T* w, int64_t rows, int64_t outs, int64_t k, T* dst);

}  // namespace rnnscope::rnn
