// The recurrent engines (engine_internal.h): fused whole-sequence kernels for the CTRNN, the
// GRU and the LSTM as torch::autograd::Functions, and their autograd reference twins.
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
// The per-step GEMMs call the BLAS bundled in the torch wheel directly (at::addmm_out adds
// ≈ 2 µs of dispatch per call, as much as a 32×64×64 product takes), and the element-wise
// passes are plain loops over raw pointers that the compiler vectorises.
#include "engine/engine_internal.h"
#include "core/vector_math.h"

#include "rnnscope/core/error.h"
#include "rnnscope/engine/layer_run.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <type_traits>

// The Fortran BLAS that the torch wheel bundles and exports (MKL on x86-64); LP64 ints.
extern "C" {
void sgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
            const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
            const float* beta, float* c, const int* ldc);
void dgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
            const double* alpha, const double* a, const int* lda, const double* b, const int* ldb,
            const double* beta, double* c, const int* ldc);
}

namespace rnnscope::rnn {

Activation parse_activation(const std::string& name) {
  if (name == "tanh") return Activation::tanh;
  if (name == "softplus") return Activation::softplus;
  require(name == "relu", "[model] activation = \"" + name + "\" is not allowed; allowed: relu, tanh, softplus");
  return Activation::relu;
}

Engine parse_engine(const std::string& name) {
  if (name == "reference") return Engine::reference;
  require(name == "fused", "[model] engine = \"" + name + "\" is not allowed; allowed: fused, reference");
  return Engine::fused;
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

namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// f and f' for the CTRNN. f' is computed from the rate r = f(x), which the forward pass
// stores anyway: relu' = [r > 0]; tanh' = 1 − r²; softplus' = σ(x) = 1 − e^{−r} (since
// e^r = 1 + e^x). Softplus follows torch.nn.functional.softplus: x above 20 passes through.
template <Activation A, class T>
inline T activate(T x) {
  if constexpr (A == Activation::relu) return x > T(0) ? x : T(0);
  if constexpr (A == Activation::tanh) return vec_tanh(x);
  if constexpr (A == Activation::softplus) return x > T(20) ? x : std::log1p(vec_exp(x));
}

template <Activation A, class T>
inline T slope_from_rate(T r) {
  if constexpr (A == Activation::relu) return r > T(0) ? T(1) : T(0);
  if constexpr (A == Activation::tanh) return T(1) - r * r;
  if constexpr (A == Activation::softplus) return -std::expm1(-r);
}

template <class F>
void with_activation(Activation a, const F& f) {
  switch (a) {
    case Activation::relu: return f(std::integral_constant<Activation, Activation::relu>());
    case Activation::tanh: return f(std::integral_constant<Activation, Activation::tanh>());
    case Activation::softplus: return f(std::integral_constant<Activation, Activation::softplus>());
  }
}

// ---------------------------------------------------------------------------------------
// BLAS.

inline void blas_gemm(const char* ta, const char* tb, const int* m, const int* n, const int* k, const float* alpha,
                      const float* a, const int* lda, const float* b, const int* ldb, const float* beta, float* c,
                      const int* ldc) {
  sgemm_(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
inline void blas_gemm(const char* ta, const char* tb, const int* m, const int* n, const int* k, const double* alpha,
                      const double* a, const int* lda, const double* b, const int* ldb, const double* beta,
                      double* c, const int* ldc) {
  dgemm_(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

int blas_int(int64_t v) {
  TORCH_CHECK(v >= 0 && v <= INT_MAX, "rnnscope engine: matrix dimension ", v, " exceeds the BLAS int range");
  return static_cast<int>(v);
}

// Row-major C[m, n] = op(A)[m, k] · op(B)[k, n] + beta · C, leading dimensions = row
// strides. BLAS is column-major, so this asks it for Cᵀ = op(B)ᵀ · op(A)ᵀ.
template <class T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b,
          int64_t ldb, T beta, T* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  const char ta = trans_a ? 'T' : 'N', tb = trans_b ? 'T' : 'N';
  const int mi = blas_int(m), ni = blas_int(n), ki = blas_int(k);
  const int ldai = blas_int(lda), ldbi = blas_int(ldb), ldci = blas_int(ldc);
  const T one = 1;
  blas_gemm(&tb, &ta, &ni, &mi, &ki, &one, b, &ldbi, a, &ldai, &beta, c, &ldci);
}

// Splits `rows` over LibTorch's intra-op pool, in chunks of at least ≈16k elements so that
// small steps stay on the calling thread (a pool hand-off costs microseconds).
template <class F>
void for_row_chunks(int64_t rows, int64_t elements_per_row, const F& fn) {
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, elements_per_row));
  at::parallel_for(0, rows, grain, fn);
}

// ---------------------------------------------------------------------------------------
// What the three kernels share: the pre-activation buffer and the weight gradients.
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

SlotLayout ctrnn_layout(int64_t n) { return {n, n, {{0, 0, n}}}; }

SlotLayout gated_layout(GatedKind kind, int64_t h) {
  if (kind == GatedKind::gru) return {4 * h, 3 * h, {{0, 0, 2 * h}, {3 * h, 2 * h, h}}};
  return {4 * h, 4 * h, {{0, 0, 4 * h}}};
}

// P [T, B, width] = U W_ihᵀ in the input blocks for all T·B rows (one GEMM per input
// block). The columns no input block covers (the GRU's hn block, which only the recurrent
// product fills) are left as they are: the forward loop clears them step by step
// (clear_uncovered_columns) just before that step's GEMM adds into them, while they are
// in cache, instead of a strided pass over the whole buffer here. The biases are not in P
// either: each kernel's element-wise pass adds bias_row's entry as it reads a
// pre-activation, which saves a pass writing the whole [T, B, width] buffer before the GEMM
// and one reading it in the GEMM.
void fill_preactivations(const SlotLayout& layout, const Tensor& inputs, const Tensor& w_ih, Tensor& p) {
  const int64_t T = inputs.size(0), B = inputs.size(1), n_in = inputs.size(2), S = layout.width;
  AT_DISPATCH_FLOATING_TYPES(inputs.scalar_type(), "rnnscope_preactivations", [&] {
    const scalar_t* u = inputs.const_data_ptr<scalar_t>();
    const scalar_t* w = w_ih.const_data_ptr<scalar_t>();
    for (const auto& blk : layout.input_blocks) {
      gemm<scalar_t>(false, true, T * B, blk.size, n_in, u, n_in, w + blk.row * n_in, n_in, 0,
                     p.data_ptr<scalar_t>() + blk.col, S);
    }
  });
}

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
Tensor bias_row(const SlotLayout& layout, const Tensor& b_ih, const Tensor& b_hh) {
  Tensor row = at::zeros({layout.width}, b_ih.options());
  for (const auto& blk : layout.input_blocks) row.narrow(0, blk.col, blk.size).add_(b_ih.narrow(0, blk.row, blk.size));
  if (b_hh.defined()) row.narrow(0, 0, layout.recurrent_cols).add_(b_hh);
  return row;
}

// acc[j] += Σ_rows p[row, j] for a [rows, width] block. The BPTT loops call it on each
// step's dL/d(pre-activation) block while it is still in cache, so the bias gradients cost
// no second pass over the whole [T, B, width] buffer (an ATen sum over it re-read it from
// memory: 3–7% of a step at 128 units). A step's few rows are summed in T, column tile by
// column tile at full vector width, and each step's sum is added to double accumulators,
// which keep the sum over all T steps as accurate as ATen's pairwise sum.
template <class T>
RNNSCOPE_VECTOR_CLONES void add_column_sums(const T* __restrict p, int64_t rows, int64_t width,
                                            double* __restrict acc) {
  constexpr int64_t kTile = 64;
  for (int64_t j0 = 0; j0 < width; j0 += kTile) {
    const int64_t n = std::min(kTile, width - j0);
    T tile[kTile] = {};
    for (int64_t b = 0; b < rows; ++b) {
      const T* row = p + b * width + j0;
      for (int64_t j = 0; j < n; ++j) tile[j] += row[j];
    }
    for (int64_t j = 0; j < n; ++j) acc[j0 + j] += static_cast<double>(tile[j]);
  }
}

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
  Tensor inputs, w_ih, b_ih, w_hh, b_hh, w_out, b_out;
};

int64_t gradient_block_steps(int64_t batch) { return std::max<int64_t>(1, (512 + batch - 1) / batch); }

// `needs` follows the ParameterGrads fields before the biases: inputs, w_ih, w_hh, w_out (the
// last only where the readout's outputs have a gradient).
ParameterGrads start_parameter_gradients(const Tensor& inputs, const Tensor& w_ih, const Tensor& w_hh,
                                         const Tensor& w_out, const std::array<bool, 4>& needs) {
  ParameterGrads g;
  if (needs[0]) g.inputs = at::empty_like(inputs);
  if (needs[1]) g.w_ih = at::zeros_like(w_ih);
  if (needs[2]) g.w_hh = at::zeros_like(w_hh);
  if (needs[3]) g.w_out = at::zeros_like(w_out);
  return g;
}

// Adds the terms of steps [t0, t1), whose dP rows are final. g_out may be undefined.
template <class T>
void add_block_gradients(const SlotLayout& layout, const Tensor& dp, const Tensor& inputs, const Tensor& w_ih,
                         const Tensor& prev0, const Tensor& outputs, const Tensor& g_out, int64_t t0, int64_t t1,
                         ParameterGrads& g) {
  const int64_t B = inputs.size(1), n_in = inputs.size(2), S = layout.width, R = layout.recurrent_cols;
  const int64_t K = prev0.size(1), rows = (t1 - t0) * B;
  const T* d = dp.const_data_ptr<T>() + t0 * B * S;
  const T* u = inputs.const_data_ptr<T>() + t0 * B * n_in;
  const T* h = outputs.const_data_ptr<T>();
  if (g.inputs.defined()) {
    T beta = 0;
    for (const auto& blk : layout.input_blocks) {
      gemm<T>(false, false, rows, n_in, blk.size, d + blk.col, S, w_ih.const_data_ptr<T>() + blk.row * n_in, n_in,
              beta, g.inputs.data_ptr<T>() + t0 * B * n_in, n_in);
      beta = 1;
    }
  }
  if (g.w_ih.defined()) {
    for (const auto& blk : layout.input_blocks) {
      gemm<T>(true, false, blk.size, n_in, rows, d + blk.col, S, u, n_in, 1, g.w_ih.data_ptr<T>() + blk.row * n_in,
              n_in);
    }
  }
  if (g.w_hh.defined()) {
    T* out = g.w_hh.data_ptr<T>();
    if (t0 == 0) {
      gemm<T>(true, false, R, K, B, d, S, prev0.const_data_ptr<T>(), K, 1, out, K);
      if (t1 > 1) gemm<T>(true, false, R, K, rows - B, d + B * S, S, h, K, 1, out, K);
    } else {
      gemm<T>(true, false, R, K, rows, d, S, h + (t0 - 1) * B * K, K, 1, out, K);
    }
  }
  if (g.w_out.defined() && g_out.defined()) {
    const int64_t O = g_out.size(2);
    gemm<T>(true, false, O, K, rows, g_out.const_data_ptr<T>() + t0 * B * O, O, h + t0 * B * K, K, 1,
            g.w_out.data_ptr<T>(), K);
  }
}

// The biases' gradients, once the loop is done: b_ih and b_hh from the column sums of dP,
// b_out from g_out. `needs`: b_ih, b_hh, b_out.
void finish_parameter_gradients(const SlotLayout& layout, const Tensor& column_sums, const Tensor& w_ih,
                                const Tensor& g_out, const std::array<bool, 3>& needs, ParameterGrads& g) {
  const auto dtype = w_ih.scalar_type();
  if (needs[0]) {
    const Tensor sums = column_sums.to(dtype);
    g.b_ih = at::empty({w_ih.size(0)}, w_ih.options());
    for (const auto& blk : layout.input_blocks) g.b_ih.narrow(0, blk.row, blk.size).copy_(sums.narrow(0, blk.col, blk.size));
  }
  if (needs[1]) g.b_hh = column_sums.narrow(0, 0, layout.recurrent_cols).to(dtype);
  if (needs[2] && g_out.defined()) g.b_out = g_out.sum({0, 1});
}

// ---------------------------------------------------------------------------------------
// The folded readout (engine_internal.h: Readout). Autograd Functions take defined tensors
// only, so inside the kernels "no readout" is an empty w_out.

bool has_readout(const Tensor& w_out) { return w_out.numel() > 0; }

// dL/d outputs as backward receives it, or undefined where there is no readout or no gradient.
Tensor readout_output_gradient(const Tensor& grad, const Tensor& w_out) {
  return grad.defined() && has_readout(w_out) ? grad.contiguous() : Tensor();
}

// outputs [T, B, O] = h [T, B, K] W_outᵀ + b_out: one GEMM over all T·B rows, onto the bias.
// Without a readout, an empty tensor (the Function's placeholder output).
Tensor readout_forward(const Tensor& h, const Tensor& w_out, const Tensor& b_out) {
  if (!has_readout(w_out)) return at::empty({0}, h.options());
  const int64_t T = h.size(0), B = h.size(1), K = h.size(2), O = w_out.size(0);
  Tensor y = b_out.expand({T, B, O}).contiguous();
  AT_DISPATCH_FLOATING_TYPES(h.scalar_type(), "rnnscope_readout", [&] {
    gemm<scalar_t>(false, true, T * B, O, K, h.const_data_ptr<scalar_t>(), K, w_out.const_data_ptr<scalar_t>(), K, 1,
                   y.data_ptr<scalar_t>(), O);
  });
  return y;
}

// dst [rows, K] += g [rows, O] W_out [O, K]: the readout's share of one step's dL/dh, added
// inside the BPTT loop while that block is in cache. O (the task's outputs) is small, so
// this is a few multiply-adds per element, vectorised over K.
template <class T>
RNNSCOPE_VECTOR_CLONES void add_readout_gradient(const T* __restrict g, const T* __restrict w, int64_t rows,
                                                 int64_t outs, int64_t k, T* __restrict dst) {
  for (int64_t b = 0; b < rows; ++b) {
    for (int64_t o = 0; o < outs; ++o) {
      const T c = g[b * outs + o];
      for (int64_t i = 0; i < k; ++i) dst[b * k + i] += c * w[o * k + i];
    }
  }
}

// ---------------------------------------------------------------------------------------
// CTRNN. Forward, with z_t = W_rec r_t + W_in u_t + b (+ noise) and r_t = f(x_t):
//   x_{t+1} = (1 − α) x_t + α z_t.
// Backward. Let δ_{t+1} = dL/dx_{t+1} (all paths) and dr_{t+1} = dL/dr_{t+1} through z_{t+1}.
// x_{t+1} reaches the loss directly (g_x[t]), through r_{t+1} (g_r[t], and z_{t+1}) and
// through x_{t+2}, so
//   δ_{t+1} = g_x[t] + (1 − α) δ_{t+2} + f'(x_{t+1}) ⊙ (g_r[t] + dr_{t+1}),
//   dz_t = α δ_{t+1},   dr_t = dz_t W_rec   (row vectors: z = r W_recᵀ),
// with δ_{T+1} = dr_{T+1} = 0. The same recursion with g = 0 gives dL/dx_0. The weight
// gradients are dW_rec = Σ_t dz_tᵀ r_t, dW_in = Σ_t dz_tᵀ u_t, db = Σ_t dz_t: the shared
// products above with dP = dz, prev = rates.

template <Activation A, class T>
RNNSCOPE_VECTOR_CLONES void ctrnn_forward_step(T alpha, const T* __restrict bias, const T* __restrict noise,
                                               T noise_scale, const T* __restrict x_prev, T* __restrict x,
                                               T* __restrict r, int64_t rows, int64_t n) {
  // On entry x holds W_rec r_t + W_in u_t; adding b + noise_scale ξ_t here rather than in
  // separate passes over the whole sequence gives z_t. On exit x holds x_{t+1}.
  for (int64_t b = 0; b < rows; ++b) {
    const int64_t o = b * n;
    for (int64_t i = 0; i < n; ++i) {
      const T z = x[o + i] + bias[i] + noise_scale * noise[o + i];
      const T v = (T(1) - alpha) * x_prev[o + i] + alpha * z;
      x[o + i] = v;
      r[o + i] = activate<A>(v);
    }
  }
}

template <Activation A, class T>
RNNSCOPE_VECTOR_CLONES void ctrnn_rates(const T* __restrict x, T* __restrict r, int64_t n) {
  for (int64_t i = 0; i < n; ++i) r[i] = activate<A>(x[i]);
}

template <Activation A, class T>
RNNSCOPE_VECTOR_CLONES void ctrnn_backward_step(T alpha, const T* __restrict g_x, const T* __restrict g_r,
                                                const T* __restrict r, const T* __restrict dr, T* __restrict delta,
                                                T* __restrict dz, int64_t n) {
  // On entry delta holds δ_{t+2}; on exit δ_{t+1}.
  for (int64_t i = 0; i < n; ++i) {
    const T d = g_x[i] + (T(1) - alpha) * delta[i] + slope_from_rate<A>(r[i]) * (g_r[i] + dr[i]);
    delta[i] = d;
    dz[i] = alpha * d;
  }
}

class CtrnnFunction : public torch::autograd::Function<CtrnnFunction> {
 public:
  static variable_list forward(AutogradContext* ctx, const Tensor& inputs, const Tensor& w_in, const Tensor& w_rec,
                               const Tensor& b, const Tensor& x0, const Tensor& w_out, const Tensor& b_out,
                               const Tensor& noise, double noise_scale, double alpha, int64_t activation,
                               Workspace* workspace) {
    const int64_t T = inputs.size(0), B = inputs.size(1), N = w_rec.size(0);
    const auto act = static_cast<Activation>(activation);
    const SlotLayout layout = ctrnn_layout(N);
    // The states buffer starts as W_in u_t for every step and becomes x_1..x_T. Backward's
    // dL/dz buffer is taken here too, where the workspace is at hand.
    Tensor states = workspace->take(0, {T, B, N}, inputs.options());
    fill_preactivations(layout, inputs, w_in, states);
    // Training uses only the rates (through the readout): without this, autograd would hand
    // backward a [T, B, N] tensor of zeros for the states, filled and then read every step.
    ctx->set_materialize_grads(false);
    Tensor rates = workspace->take(1, {T, B, N}, inputs.options());
    const Tensor dz = workspace->take(2, {T, B, N}, inputs.options());
    const Tensor x0b = x0.expand({B, N}).contiguous();
    Tensor r0b = at::empty_like(x0b);
    // Without noise, every step reads one block of zeros.
    const bool noisy = noise.numel() > 0;
    const Tensor noise_or_zeros = noisy ? noise : at::zeros({B, N}, inputs.options());
    const Tensor bias = bias_row(layout, b, Tensor());
    AT_DISPATCH_FLOATING_TYPES(inputs.scalar_type(), "rnnscope_ctrnn_forward", [&] {
      with_activation(act, [&](auto tag) {
        constexpr Activation A = decltype(tag)::value;
        const scalar_t a = static_cast<scalar_t>(alpha), scale = static_cast<scalar_t>(noise_scale);
        const scalar_t* w = w_rec.const_data_ptr<scalar_t>();
        const scalar_t* bp = bias.const_data_ptr<scalar_t>();
        const scalar_t* xi = noise_or_zeros.const_data_ptr<scalar_t>();
        const int64_t xi_step = noisy ? B * N : 0;
        scalar_t* x = states.data_ptr<scalar_t>();
        scalar_t* r = rates.data_ptr<scalar_t>();
        ctrnn_rates<A>(x0b.const_data_ptr<scalar_t>(), r0b.data_ptr<scalar_t>(), B * N);
        for (int64_t t = 0; t < T; ++t) {
          const scalar_t* x_prev = t ? x + (t - 1) * B * N : x0b.const_data_ptr<scalar_t>();
          const scalar_t* r_prev = t ? r + (t - 1) * B * N : r0b.const_data_ptr<scalar_t>();
          scalar_t* x_t = x + t * B * N;
          scalar_t* r_t = r + t * B * N;
          const scalar_t* xi_t = xi + t * xi_step;
          gemm<scalar_t>(false, true, B, N, N, r_prev, N, w, N, 1, x_t, N);
          for_row_chunks(B, N, [&](int64_t begin, int64_t end) {
            const int64_t o = begin * N;
            ctrnn_forward_step<A>(a, bp, xi_t + o, scale, x_prev + o, x_t + o, r_t + o, end - begin, N);
          });
        }
      });
    });
    const Tensor outputs = readout_forward(rates, w_out, b_out);
    ctx->save_for_backward({inputs, w_in, w_rec, rates, r0b, dz, w_out});
    ctx->saved_data["alpha"] = alpha;
    ctx->saved_data["activation"] = activation;
    return {states, rates, outputs};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Tensor &inputs = saved[0], &w_in = saved[1], &w_rec = saved[2], &rates = saved[3], &r0b = saved[4],
                 &dz = saved[5], &w_out = saved[6];
    const double alpha = ctx->saved_data["alpha"].toDouble();
    const auto act = static_cast<Activation>(ctx->saved_data["activation"].toInt());
    const int64_t T = inputs.size(0), B = inputs.size(1), N = w_rec.size(0), BN = B * N;
    // An output with no gradient contributes zeros: point every step at one zero block.
    const Tensor zeros = at::zeros({B, N}, rates.options());
    const Tensor g_states = grads[0].defined() ? grads[0].contiguous() : Tensor();
    const Tensor g_rates = grads[1].defined() ? grads[1].contiguous() : Tensor();
    const Tensor g_out = readout_output_gradient(grads[2], w_out);
    const int64_t O = w_out.size(0);
    Tensor delta = at::zeros({B, N}, rates.options());
    Tensor dr = at::zeros({B, N}, rates.options());
    const bool bias_grad = ctx->needs_input_grad(3);
    Tensor column_sums = at::zeros({bias_grad ? N : 0}, rates.options().dtype(at::kDouble));
    const SlotLayout layout = ctrnn_layout(N);
    auto g = start_parameter_gradients(inputs, w_in, w_rec, w_out,
                                       {ctx->needs_input_grad(0), ctx->needs_input_grad(1), ctx->needs_input_grad(2),
                                        ctx->needs_input_grad(5) && g_out.defined()});
    const int64_t block = gradient_block_steps(B);
    AT_DISPATCH_FLOATING_TYPES(rates.scalar_type(), "rnnscope_ctrnn_backward", [&] {
      with_activation(act, [&](auto tag) {
        constexpr Activation A = decltype(tag)::value;
        const scalar_t a = static_cast<scalar_t>(alpha);
        const scalar_t* w = w_rec.const_data_ptr<scalar_t>();
        const scalar_t* z0 = zeros.const_data_ptr<scalar_t>();
        const scalar_t* gx = g_states.defined() ? g_states.const_data_ptr<scalar_t>() : z0;
        const scalar_t* gr = g_rates.defined() ? g_rates.const_data_ptr<scalar_t>() : z0;
        const int64_t gx_step = g_states.defined() ? BN : 0, gr_step = g_rates.defined() ? BN : 0;
        const scalar_t* r = rates.const_data_ptr<scalar_t>();
        scalar_t* d = delta.data_ptr<scalar_t>();
        scalar_t* drp = dr.data_ptr<scalar_t>();
        scalar_t* dzp = dz.data_ptr<scalar_t>();
        const scalar_t* gy = g_out.defined() ? g_out.const_data_ptr<scalar_t>() : nullptr;
        const scalar_t* wo = w_out.const_data_ptr<scalar_t>();
        for (int64_t t = T - 1; t >= 0; --t) {
          for_row_chunks(B, N, [&](int64_t begin, int64_t end) {
            const int64_t o = begin * N;
            // dr holds dL/dr_{t+1} through z_{t+1}; the readout of r_{t+1} adds its share.
            if (gy) add_readout_gradient(gy + (t * B + begin) * O, wo, end - begin, O, N, drp + o);
            ctrnn_backward_step<A>(a, gx + t * gx_step + o, gr + t * gr_step + o, r + t * BN + o, drp + o, d + o,
                                   dzp + t * BN + o, (end - begin) * N);
          });
          gemm<scalar_t>(false, false, B, N, N, dzp + t * BN, N, w, N, 0, drp, N);
          if (bias_grad) add_column_sums(dzp + t * BN, B, N, column_sums.data_ptr<double>());
          if (t % block == 0) {
            add_block_gradients<scalar_t>(layout, dz, inputs, w_in, r0b, rates, g_out, t, std::min(t + block, T), g);
          }
        }
        if (ctx->needs_input_grad(4)) {
          // δ_0 = (1 − α) δ_1 + f'(x_0) ⊙ dr_0: the same step with no direct gradient.
          Tensor discard = at::empty_like(delta);
          ctrnn_backward_step<A>(a, z0, z0, r0b.const_data_ptr<scalar_t>(), drp, d, discard.data_ptr<scalar_t>(), BN);
        }
      });
    });
    finish_parameter_gradients(layout, column_sums, w_in, g_out, {bias_grad, false, ctx->needs_input_grad(6)}, g);
    const Tensor grad_x0 = ctx->needs_input_grad(4) ? delta.sum(0) : Tensor();
    return {g.inputs, g.w_ih,   g.w_hh,   g.b_ih,   grad_x0,  g.w_out, g.b_out,
            Tensor(), Tensor(), Tensor(), Tensor(), Tensor(), Tensor()};
  }
};

// ---------------------------------------------------------------------------------------
// GRU (PyTorch's equations), per step with pre-activation columns (r, z, hn, n):
//   r = σ(a_r), z = σ(a_z), hn = W_hn h + b_hn, n = tanh(a_n + r ⊙ hn),
//   h' = (1 − z) ⊙ n + z ⊙ h = n + z ⊙ (h − n).
// Backward from dh' (dL/dh', all paths):
//   dn = dh' ⊙ (1 − z),  dz = dh' ⊙ (h − n),  dh (direct) = dh' ⊙ z,
//   da_n = dn ⊙ (1 − n²),  dhn = da_n ⊙ r,  da_r = da_n ⊙ hn ⊙ r(1 − r),  da_z = dz ⊙ z(1 − z),
// then dh += [da_r, da_z, dhn] W_hh. The buffer's columns become (da_r, da_z, dhn, da_n):
// the recurrent columns [0, 3H) are then the gradient of h W_hhᵀ + b_hh, and the input
// blocks (r, z | n) that of u W_ihᵀ + b_ih.
//
// LSTM (PyTorch's equations), columns (i, f, g, o):
//   i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o),  c' = f ⊙ c + i ⊙ g,  h' = o ⊙ tanh(c').
// Backward from dh' and dc' (dL/dc' through later steps):
//   dc' += dh' ⊙ o ⊙ (1 − tanh²c'),  da_o = dh' ⊙ tanh c' ⊙ o(1 − o),
//   da_i = dc' ⊙ g ⊙ i(1 − i),  da_f = dc' ⊙ c ⊙ f(1 − f),  da_g = dc' ⊙ i ⊙ (1 − g²),
//   dc = dc' ⊙ f,  dh = [da_i, da_f, da_g, da_o] W_hh  (h' has no direct path to h).

template <class T>
inline void gru_forward_row(T* __restrict r, T* __restrict z, T* __restrict hn, T* __restrict n,
                            const T* __restrict bias, const T* __restrict h_prev, T* __restrict h, int64_t H) {
  // bias: the row's biases in the same column order (r, z, hn, n). hn + b_hn is stored
  // back because backward needs it.
  for (int64_t j = 0; j < H; ++j) {
    T rv, zv;
    reciprocals(logistic_denominator(r[j] + bias[j]), logistic_denominator(z[j] + bias[H + j]), rv, zv);
    const T hv = hn[j] + bias[2 * H + j];
    const T nv = vec_tanh(n[j] + bias[3 * H + j] + rv * hv);
    r[j] = rv;
    z[j] = zv;
    hn[j] = hv;
    n[j] = nv;
    h[j] = nv + zv * (h_prev[j] - nv);
  }
}

template <class T>
RNNSCOPE_VECTOR_CLONES void gru_forward_rows(T* p, const T* bias, const T* h_prev, T* h, int64_t rows, int64_t H) {
  for (int64_t b = 0; b < rows; ++b) {
    T* s = p + b * 4 * H;
    gru_forward_row(s, s + H, s + 2 * H, s + 3 * H, bias, h_prev + b * H, h + b * H, H);
  }
}

template <class T>
inline void gru_backward_row(T* __restrict r, T* __restrict z, T* __restrict hn, T* __restrict n,
                             const T* __restrict h_prev, const T* __restrict g, T* __restrict dh, int64_t H) {
  // On entry dh holds dL/dh' through later steps; on exit the direct part of dL/dh.
  for (int64_t j = 0; j < H; ++j) {
    const T dhp = g[j] + dh[j];
    const T rv = r[j], zv = z[j], hv = hn[j], nv = n[j];
    const T da_n = dhp * (T(1) - zv) * (T(1) - nv * nv);
    r[j] = da_n * hv * rv * (T(1) - rv);
    z[j] = dhp * (h_prev[j] - nv) * zv * (T(1) - zv);
    hn[j] = da_n * rv;
    n[j] = da_n;
    dh[j] = dhp * zv;
  }
}

template <class T>
RNNSCOPE_VECTOR_CLONES void gru_backward_rows(T* p, const T* h_prev, const T* g, T* dh, int64_t rows, int64_t H) {
  for (int64_t b = 0; b < rows; ++b) {
    T* s = p + b * 4 * H;
    gru_backward_row(s, s + H, s + 2 * H, s + 3 * H, h_prev + b * H, g + b * H, dh + b * H, H);
  }
}

template <class T>
inline void lstm_forward_row(T* __restrict i, T* __restrict f, T* __restrict g, T* __restrict o,
                             const T* __restrict bias, const T* __restrict c_prev, T* __restrict c, T* __restrict h,
                             int64_t H) {
  // bias: the row's biases in the same column order (i, f, g, o).
  for (int64_t j = 0; j < H; ++j) {
    // Three gates' divisions in two: i with f, o with g's tanh denominator.
    T iv, fv, ov, g_num, g_den, g_inv;
    reciprocals(logistic_denominator(i[j] + bias[j]), logistic_denominator(f[j] + bias[H + j]), iv, fv);
    tanh_ratio(g[j] + bias[2 * H + j], g_num, g_den);
    reciprocals(logistic_denominator(o[j] + bias[3 * H + j]), g_den, ov, g_inv);
    const T gv = g_num * g_inv;
    const T cv = fv * c_prev[j] + iv * gv;
    i[j] = iv;
    f[j] = fv;
    g[j] = gv;
    o[j] = ov;
    c[j] = cv;
    h[j] = ov * vec_tanh(cv);
  }
}

template <class T>
RNNSCOPE_VECTOR_CLONES void lstm_forward_rows(T* p, const T* bias, const T* c_prev, T* c, T* h, int64_t rows,
                                              int64_t H) {
  for (int64_t b = 0; b < rows; ++b) {
    T* s = p + b * 4 * H;
    lstm_forward_row(s, s + H, s + 2 * H, s + 3 * H, bias, c_prev + b * H, c + b * H, h + b * H, H);
  }
}

template <class T>
inline void lstm_backward_row(T* __restrict i, T* __restrict f, T* __restrict g, T* __restrict o,
                              const T* __restrict c_prev, const T* __restrict c, const T* __restrict gh,
                              const T* __restrict dh, T* __restrict dc, int64_t H) {
  // On entry dc holds dL/dc' through later steps; on exit dL/dc.
  for (int64_t j = 0; j < H; ++j) {
    const T dhp = gh[j] + dh[j];
    const T iv = i[j], fv = f[j], gv = g[j], ov = o[j];
    const T tc = vec_tanh(c[j]);
    const T dct = dc[j] + dhp * ov * (T(1) - tc * tc);
    i[j] = dct * gv * iv * (T(1) - iv);
    f[j] = dct * c_prev[j] * fv * (T(1) - fv);
    g[j] = dct * iv * (T(1) - gv * gv);
    o[j] = dhp * tc * ov * (T(1) - ov);
    dc[j] = dct * fv;
  }
}

template <class T>
RNNSCOPE_VECTOR_CLONES void lstm_backward_rows(T* p, const T* c_prev, const T* c, const T* gh, const T* dh, T* dc,
                                               int64_t rows, int64_t H) {
  for (int64_t b = 0; b < rows; ++b) {
    T* s = p + b * 4 * H;
    const int64_t o = b * H;
    lstm_backward_row(s, s + H, s + 2 * H, s + 3 * H, c_prev + o, c + o, gh + o, dh + o, dc + o, H);
  }
}

// One Function for both gated kinds: the loops are the same, only the cell differs.
class GatedFunction : public torch::autograd::Function<GatedFunction> {
 public:
  static variable_list forward(AutogradContext* ctx, const Tensor& inputs, const Tensor& w_ih, const Tensor& w_hh,
                               const Tensor& b_ih, const Tensor& b_hh, const Tensor& h0, const Tensor& w_out,
                               const Tensor& b_out, int64_t kind_index, Workspace* workspace) {
    const auto kind = static_cast<GatedKind>(kind_index);
    const int64_t T = inputs.size(0), B = inputs.size(1), H = w_hh.size(1);
    const SlotLayout layout = gated_layout(kind, H);
    const int64_t S = layout.width, R = layout.recurrent_cols;
    Tensor p = workspace->take(0, {T, B, S}, inputs.options());
    fill_preactivations(layout, inputs, w_ih, p);
    const Tensor bias = bias_row(layout, b_ih, b_hh);
    Tensor h = workspace->take(1, {T, B, H}, inputs.options());
    const Tensor h0b = h0.expand({B, H}).contiguous();
    // The LSTM's cell states c_1..c_T, kept for backward; c_0 = 0.
    const bool lstm = kind == GatedKind::lstm;
    Tensor c = lstm ? workspace->take(2, {T, B, H}, inputs.options()) : Tensor();
    const Tensor c0 = lstm ? at::zeros({B, H}, inputs.options()) : Tensor();
    AT_DISPATCH_FLOATING_TYPES(inputs.scalar_type(), "rnnscope_gated_forward", [&] {
      const scalar_t* w = w_hh.const_data_ptr<scalar_t>();
      const scalar_t* bp = bias.const_data_ptr<scalar_t>();
      scalar_t* pp = p.data_ptr<scalar_t>();
      scalar_t* hp = h.data_ptr<scalar_t>();
      for (int64_t t = 0; t < T; ++t) {
        const scalar_t* h_prev = t ? hp + (t - 1) * B * H : h0b.const_data_ptr<scalar_t>();
        scalar_t* p_t = pp + t * B * S;
        scalar_t* h_t = hp + t * B * H;
        clear_uncovered_columns(layout, p_t, B);
        gemm<scalar_t>(false, true, B, R, H, h_prev, H, w, H, 1, p_t, S);
        if (lstm) {
          scalar_t* cp = c.data_ptr<scalar_t>();
          const scalar_t* c_prev = t ? cp + (t - 1) * B * H : c0.const_data_ptr<scalar_t>();
          for_row_chunks(B, S, [&](int64_t begin, int64_t end) {
            lstm_forward_rows(p_t + begin * S, bp, c_prev + begin * H, cp + t * B * H + begin * H, h_t + begin * H,
                              end - begin, H);
          });
        } else {
          for_row_chunks(B, S, [&](int64_t begin, int64_t end) {
            gru_forward_rows(p_t + begin * S, bp, h_prev + begin * H, h_t + begin * H, end - begin, H);
          });
        }
      }
    });
    // With a readout, training uses h only through it: no [T, B, H] of zeros for h's gradient.
    ctx->set_materialize_grads(false);
    const Tensor outputs = readout_forward(h, w_out, b_out);
    ctx->save_for_backward({inputs, w_ih, w_hh, h0b, p, h, c, w_out});
    ctx->saved_data["kind"] = kind_index;
    ctx->saved_data["backward_done"] = false;
    return {h, outputs};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    // Backward overwrites the gate buffer with its gradients (no second T×B×4H buffer), so
    // it can run once per forward.
    require(!ctx->saved_data["backward_done"].toBool(),
            "the fused GRU/LSTM engine supports one backward pass per forward (it reuses its gate buffer); "
            "set [model] engine = \"reference\" to backpropagate twice through one forward pass");
    ctx->saved_data["backward_done"] = true;
    const auto saved = ctx->get_saved_variables();
    const Tensor &inputs = saved[0], &w_ih = saved[1], &w_hh = saved[2], &h0b = saved[3], &p = saved[4],
                 &h = saved[5], &c = saved[6], &w_out = saved[7];
    const auto kind = static_cast<GatedKind>(ctx->saved_data["kind"].toInt());
    const bool lstm = kind == GatedKind::lstm;
    const int64_t T = inputs.size(0), B = inputs.size(1), H = w_hh.size(1);
    const SlotLayout layout = gated_layout(kind, H);
    const int64_t S = layout.width, R = layout.recurrent_cols;
    // A gradient h does not receive is one zero block that every step reads.
    const Tensor zeros = at::zeros({B, H}, h.options());
    const Tensor g_h = grads[0].defined() ? grads[0].contiguous() : Tensor();
    const Tensor g_out = readout_output_gradient(grads[1], w_out);
    const int64_t O = w_out.size(0);
    Tensor dh = at::zeros({B, H}, h.options());
    Tensor dc = lstm ? at::zeros({B, H}, h.options()) : Tensor();
    const Tensor c0 = lstm ? at::zeros({B, H}, h.options()) : Tensor();
    const bool bias_grad = ctx->needs_input_grad(3) || ctx->needs_input_grad(4);
    Tensor column_sums = at::zeros({bias_grad ? S : 0}, h.options().dtype(at::kDouble));
    auto g = start_parameter_gradients(inputs, w_ih, w_hh, w_out,
                                       {ctx->needs_input_grad(0), ctx->needs_input_grad(1), ctx->needs_input_grad(2),
                                        ctx->needs_input_grad(6) && g_out.defined()});
    const int64_t block = gradient_block_steps(B);
    AT_DISPATCH_FLOATING_TYPES(h.scalar_type(), "rnnscope_gated_backward", [&] {
      const scalar_t* w = w_hh.const_data_ptr<scalar_t>();
      scalar_t* pp = p.data_ptr<scalar_t>();
      const scalar_t* hp = h.const_data_ptr<scalar_t>();
      const scalar_t* gp = g_h.defined() ? g_h.const_data_ptr<scalar_t>() : zeros.const_data_ptr<scalar_t>();
      const int64_t g_step = g_h.defined() ? B * H : 0;
      const scalar_t* gy = g_out.defined() ? g_out.const_data_ptr<scalar_t>() : nullptr;
      const scalar_t* wo = w_out.const_data_ptr<scalar_t>();
      scalar_t* dhp = dh.data_ptr<scalar_t>();
      for (int64_t t = T - 1; t >= 0; --t) {
        scalar_t* p_t = pp + t * B * S;
        const scalar_t* g_t = gp + t * g_step;
        // dh holds dL/dh_t through later steps; the readout of h_t adds its share.
        if (gy) {
          for_row_chunks(B, H, [&](int64_t begin, int64_t end) {
            add_readout_gradient(gy + (t * B + begin) * O, wo, end - begin, O, H, dhp + begin * H);
          });
        }
        if (lstm) {
          const scalar_t* cp = c.const_data_ptr<scalar_t>();
          const scalar_t* c_prev = t ? cp + (t - 1) * B * H : c0.const_data_ptr<scalar_t>();
          scalar_t* dcp = dc.data_ptr<scalar_t>();
          for_row_chunks(B, S, [&](int64_t begin, int64_t end) {
            const int64_t o = begin * H;
            lstm_backward_rows(p_t + begin * S, c_prev + o, cp + t * B * H + o, g_t + o, dhp + o, dcp + o, end - begin,
                               H);
          });
        } else {
          const scalar_t* h_prev = t ? hp + (t - 1) * B * H : h0b.const_data_ptr<scalar_t>();
          for_row_chunks(B, S, [&](int64_t begin, int64_t end) {
            const int64_t o = begin * H;
            gru_backward_rows(p_t + begin * S, h_prev + o, g_t + o, dhp + o, end - begin, H);
          });
        }
        // dL/dh through the recurrent product; the GRU's direct path z ⊙ dh' is already in dh.
        gemm<scalar_t>(false, false, B, H, R, p_t, S, w, H, lstm ? 0 : 1, dhp, H);
        if (bias_grad) add_column_sums(p_t, B, S, column_sums.data_ptr<double>());
        if (t % block == 0) {
          add_block_gradients<scalar_t>(layout, p, inputs, w_ih, h0b, h, g_out, t, std::min(t + block, T), g);
        }
      }
    });
    finish_parameter_gradients(layout, column_sums, w_ih, g_out,
                               {ctx->needs_input_grad(3), ctx->needs_input_grad(4), ctx->needs_input_grad(7)}, g);
    const Tensor grad_h0 = ctx->needs_input_grad(5) ? dh.sum(0) : Tensor();
    return {g.inputs, g.w_ih, g.w_hh, g.b_ih, g.b_hh, grad_h0, g.w_out, g.b_out, Tensor(), Tensor()};
  }
};

// ---------------------------------------------------------------------------------------
// Reference twins: the same recurrences in plain LibTorch ops, differentiated by autograd.

Tensor activate_reference(Activation a, const Tensor& x) {
  switch (a) {
    case Activation::tanh: return torch::tanh(x);
    case Activation::softplus: return torch::softplus(x);
    case Activation::relu: break;
  }
  return torch::relu(x);
}

CtrnnSequence ctrnn_reference(const Tensor& inputs, const Tensor& w_in, const Tensor& w_rec, const Tensor& b,
                              const Tensor& x0, const Tensor& noise, double noise_scale, double alpha,
                              Activation activation, const Readout& readout) {
  const int64_t steps = inputs.size(0), batch = inputs.size(1), n = w_rec.size(0);
  const Tensor w_rec_t = w_rec.t();
  Tensor drive = torch::matmul(inputs, w_in.t()) + b;
  if (noise.defined()) drive = drive + noise * noise_scale;
  Tensor x = x0.unsqueeze(0).expand({batch, n});
  Tensor r = activate_reference(activation, x);
  std::vector<Tensor> states, rates;
  states.reserve(static_cast<size_t>(steps));
  rates.reserve(static_cast<size_t>(steps));
  for (int64_t t = 0; t < steps; ++t) {
    x = (1.0 - alpha) * x + alpha * torch::addmm(drive[t], r, w_rec_t);
    r = activate_reference(activation, x);
    states.push_back(x);
    rates.push_back(r);
  }
  CtrnnSequence out{torch::stack(states), torch::stack(rates), Tensor()};
  if (readout.w.defined()) out.outputs = torch::linear(out.rates, readout.w, readout.b);
  return out;
}

GatedSequence gated_reference(GatedKind kind, const Tensor& inputs, const Tensor& w_ih, const Tensor& w_hh,
                              const Tensor& b_ih, const Tensor& b_hh, const Tensor& h0, const Readout& readout) {
  const int64_t steps = inputs.size(0), batch = inputs.size(1), n = w_hh.size(1);
  const Tensor input_part = torch::matmul(inputs, w_ih.t()) + b_ih;
  const Tensor w_hh_t = w_hh.t();
  Tensor h = h0.unsqueeze(0).expand({batch, n});
  Tensor c = torch::zeros({batch, n}, inputs.options());
  std::vector<Tensor> hs;
  hs.reserve(static_cast<size_t>(steps));
  for (int64_t t = 0; t < steps; ++t) {
    const auto gi = input_part[t].chunk(gate_count(kind), 1);
    const auto gh = torch::addmm(b_hh, h, w_hh_t).chunk(gate_count(kind), 1);
    if (kind == GatedKind::gru) {
      const Tensor r = torch::sigmoid(gi[0] + gh[0]), z = torch::sigmoid(gi[1] + gh[1]);
      const Tensor n_gate = torch::tanh(gi[2] + r * gh[2]);
      h = (1 - z) * n_gate + z * h;
    } else {
      const Tensor i = torch::sigmoid(gi[0] + gh[0]), f = torch::sigmoid(gi[1] + gh[1]);
      const Tensor g = torch::tanh(gi[2] + gh[2]), o = torch::sigmoid(gi[3] + gh[3]);
      c = f * c + i * g;
      h = o * torch::tanh(c);
    }
    hs.push_back(h);
  }
  GatedSequence out{torch::stack(hs), Tensor()};
  if (readout.w.defined()) out.outputs = torch::linear(out.states, readout.w, readout.b);
  return out;
}

}  // namespace

CtrnnSequence ctrnn_sequence(Engine engine, Workspace& workspace, const Tensor& inputs, const Tensor& w_in,
                             const Tensor& w_rec, const Tensor& b, const Tensor& x0, const Tensor& noise,
                             double noise_scale, double alpha, Activation activation, const Readout& readout) {
  if (engine == Engine::reference) {
    return ctrnn_reference(inputs, w_in, w_rec, b, x0, noise, noise_scale, alpha, activation, readout);
  }
  // Autograd functions take defined tensors only: no noise or no readout is an empty one.
  const Tensor none = at::empty({0}, inputs.options());
  const bool read = readout.w.defined();
  const auto out = CtrnnFunction::apply(inputs.contiguous(), w_in.contiguous(), w_rec.contiguous(), b, x0,
                                        read ? readout.w.contiguous() : none, read ? readout.b : none,
                                        noise.defined() ? noise.contiguous() : none, noise_scale, alpha,
                                        static_cast<int64_t>(activation), &workspace);
  return {out[0], out[1], read ? out[2] : Tensor()};
}

GatedSequence gated_sequence(Engine engine, Workspace& workspace, GatedKind kind, const Tensor& inputs,
                             const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh,
                             const Tensor& h0, const Readout& readout) {
  if (engine == Engine::reference) return gated_reference(kind, inputs, w_ih, w_hh, b_ih, b_hh, h0, readout);
  const Tensor none = at::empty({0}, inputs.options());
  const bool read = readout.w.defined();
  const auto out = GatedFunction::apply(inputs.contiguous(), w_ih.contiguous(), w_hh.contiguous(), b_ih, b_hh, h0,
                                        read ? readout.w.contiguous() : none, read ? readout.b : none,
                                        static_cast<int64_t>(kind), &workspace);
  return {out[0], read ? out[1] : Tensor()};
}

namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

Tensor from_array(const h5::Array& a, const std::string& name, const std::vector<int64_t>& expected) {
  require(a.shape == expected, "run_layer: " + name + " has shape " + shape_text(a.shape) + ", expected " +
                                   shape_text(expected));
  return torch::from_blob(const_cast<double*>(a.data.data()), a.shape, torch::kFloat64).clone();
}

h5::Array to_array(const Tensor& t) {
  const Tensor c = t.detach().to(torch::kFloat64).contiguous();
  return {std::vector<int64_t>(c.sizes().begin(), c.sizes().end()),
          std::vector<double>(c.const_data_ptr<double>(), c.const_data_ptr<double>() + c.numel())};
}

}  // namespace

LayerRunResult run_layer(const LayerRun& run) {
  require(run.type == "ctrnn" || run.type == "gru" || run.type == "lstm",
          "run_layer: type \"" + run.type + "\" is not allowed; allowed: ctrnn, gru, lstm");
  const Engine engine = parse_engine(run.engine);
  require(run.inputs.shape.size() == 3, "run_layer: inputs must be [T, B, n_in], got " + shape_text(run.inputs.shape));
  const int64_t T = run.inputs.shape[0], B = run.inputs.shape[1], n_in = run.inputs.shape[2];
  require(T > 0 && B > 0 && n_in > 0, "run_layer: inputs " + shape_text(run.inputs.shape) + " must not be empty");
  const bool ctrnn = run.type == "ctrnn";
  require(!ctrnn || (run.alpha > 0 && run.alpha <= 1),
          "run_layer: alpha = " + std::to_string(run.alpha) + " must lie in (0, 1]");
  const std::string recurrent = ctrnn ? "W_rec" : "W_hh";
  require(run.weights.count(recurrent) && run.weights.at(recurrent).shape.size() == 2,
          "run_layer: weight " + recurrent + " (a matrix) is required");
  const int64_t n = run.weights.at(recurrent).shape[1];
  const int64_t rows = ctrnn ? n : gate_count(run.type == "gru" ? GatedKind::gru : GatedKind::lstm) * n;
  const std::map<std::string, std::vector<int64_t>> expected =
      ctrnn ? std::map<std::string, std::vector<int64_t>>{{"W_in", {n, n_in}}, {"W_rec", {n, n}}, {"b", {n}}, {"x0", {n}}}
            : std::map<std::string, std::vector<int64_t>>{
                  {"W_ih", {rows, n_in}}, {"W_hh", {rows, n}}, {"b_ih", {rows}}, {"b_hh", {rows}}, {"x0", {n}}};
  for (const auto& [name, array] : run.weights) {
    require(expected.count(name), "run_layer: unknown weight '" + name + "' for type " + run.type);
  }
  std::map<std::string, Tensor> w;
  for (const auto& [name, shape] : expected) {
    if (run.weights.count(name)) {
      w[name] = from_array(run.weights.at(name), name, shape);
    } else {
      require(name == "x0", "run_layer: weight '" + name + "' is required for type " + run.type);
      w[name] = torch::zeros(shape, torch::kFloat64);
    }
    w[name].requires_grad_(true);
  }
  const Tensor inputs = from_array(run.inputs, "inputs", run.inputs.shape).requires_grad_(true);
  const Tensor grad_states = from_array(run.grad_states, "grad_states", {T, B, n});
  Workspace workspace;
  const Tensor states =
      ctrnn ? ctrnn_sequence(engine, workspace, inputs, w["W_in"], w["W_rec"], w["b"], w["x0"], Tensor(), 0.0, run.alpha,
                             parse_activation(run.activation))
                  .states
            : gated_sequence(engine, workspace, run.type == "gru" ? GatedKind::gru : GatedKind::lstm, inputs, w["W_ih"],
                             w["W_hh"], w["b_ih"], w["b_hh"], w["x0"])
                  .states;
  states.backward(grad_states);
  LayerRunResult result;
  result.states = to_array(states);
  for (const auto& [name, t] : w) result.grads[name] = to_array(t.grad());
  result.grads["inputs"] = to_array(inputs.grad());
  return result;
}

}  // namespace rnnscope::rnn
