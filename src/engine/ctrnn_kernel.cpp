// The CTRNN's fused whole-sequence kernel (a torch::autograd::Function: one forward loop into
// preallocated buffers, one BPTT loop), for both forms (the current form of Song, Yang & Wang
// 2016 and the rate form of Soo, Goudar & Wang 2023) as a template parameter, and its
// reference twin in plain LibTorch ops, the kernel's test oracle; both run the training-only
// skips through time. ctrnn_sequence picks one (engine_internal.h, docs/model.md).
#include "engine/bptt_internal.h"

#include "rnnscope/linalg/gemm.h"

namespace rnnscope::rnn {
namespace {

using linalg::gemm;
using linalg::gemm_batch;
using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// CTRNN, both forms (engine_internal.h), with per-unit α, z_t = W_rec r_t + W_in u_t + b
// (+ noise) and row vectors (z = r W_recᵀ).
//
// Current form, r_t = f(x_t): x_{t+1} = (1 − α) x_t + α z_t.
// Let δ_{t+1} = dL/dx_{t+1} (all paths) and dr_{t+1} = dL/dr_{t+1} through z_{t+1}.
// x_{t+1} reaches the loss directly (g_x[t]), through r_{t+1} (g_r[t], and z_{t+1}) and
// through x_{t+2}, so
//   δ_{t+1} = g_x[t] + (1 − α) δ_{t+2} + f'(x_{t+1}) ⊙ (g_r[t] + dr_{t+1}),
//   dz_t = α δ_{t+1},   dr_t = dz_t W_rec,
// with δ_{T+1} = dr_{T+1} = 0.
//
// Rate form, r_t = x_t: x_{t+1} = (1 − α) x_t + α a_t with a_t = f(z_t) (the "states" output).
// x_{t+1} reaches the loss directly (g_r[t]), through x_{t+2} and through z_{t+1}; a_t
// directly (g_x[t]) and through x_{t+1}, so
//   δ_{t+1} = g_r[t] + (1 − α) δ_{t+2} + dr_{t+1},
//   dz_t = f'(z_t) ⊙ (α δ_{t+1} + g_x[t]),   dr_t = dz_t W_rec.
//
// In both, the same recursion with g = 0 gives dL/dx_0, and the weight gradients are
// dW_rec = Σ_t dz_tᵀ r_t, dW_in = Σ_t dz_tᵀ u_t, db = Σ_t dz_t: the shared products above with
// dP = dz, prev = rates (r_0 = f(x_0), or x_0 in the rate form). f' comes from the stored
// f(x_{t+1}) (current) or a_t = f(z_t) (rate).

template <CtrnnForm F, Activation A, class T>
RNNSCOPE_VECTOR_CLONES void ctrnn_forward_step(const T* __restrict alpha, const T* __restrict bias,
                                               const T* __restrict noise, const T* __restrict noise_scale,
                                               const T* __restrict x_prev, T* __restrict p, T* __restrict r,
                                               int64_t rows, int64_t n) {
  // On entry p holds W_rec r_t + W_in u_t; adding b + s ξ_t here rather than in separate
  // passes over the whole sequence gives z_t. On exit p holds x_{t+1} (current) or a_t (rate),
  // r the rates of step t + 1.
  for (int64_t b = 0; b < rows; ++b) {
    const int64_t o = b * n;
    for (int64_t i = 0; i < n; ++i) {
      const T z = p[o + i] + bias[i] + noise_scale[i] * noise[o + i];
      if constexpr (F == CtrnnForm::current) {
        const T v = (T(1) - alpha[i]) * x_prev[o + i] + alpha[i] * z;
        p[o + i] = v;
        r[o + i] = activate<A>(v);
      } else {
        const T a = activate<A>(z);
        p[o + i] = a;
        r[o + i] = (T(1) - alpha[i]) * x_prev[o + i] + alpha[i] * a;
      }
    }
  }
}

template <Activation A, class T>
RNNSCOPE_VECTOR_CLONES void ctrnn_rates(const T* __restrict x, T* __restrict r, int64_t n) {
  for (int64_t i = 0; i < n; ++i) r[i] = activate<A>(x[i]);
}

template <CtrnnForm F, Activation A, class T>
RNNSCOPE_VECTOR_CLONES void ctrnn_backward_step(const T* __restrict alpha, const T* __restrict g_x,
                                                const T* __restrict g_r, const T* __restrict slope_source,
                                                const T* __restrict dr, T* __restrict delta, T* __restrict dz,
                                                int64_t rows, int64_t n) {
  // On entry delta holds δ_{t+2}; on exit δ_{t+1}. slope_source: f(x_{t+1}) or a_t.
  for (int64_t b = 0; b < rows; ++b) {
    const int64_t o = b * n;
    for (int64_t i = 0; i < n; ++i) {
      const T slope = slope_from_rate<A>(slope_source[o + i]);
      if constexpr (F == CtrnnForm::current) {
        const T d = g_x[o + i] + (T(1) - alpha[i]) * delta[o + i] + slope * (g_r[o + i] + dr[o + i]);
        delta[o + i] = d;
        dz[o + i] = alpha[i] * d;
      } else {
        const T d = g_r[o + i] + (T(1) - alpha[i]) * delta[o + i] + dr[o + i];
        delta[o + i] = d;
        dz[o + i] = slope * (alpha[i] * d + g_x[o + i]);
      }
    }
  }
}

// Whether the fused kernel leaves the states out (ctrnn_sequence's keep_states): only the
// current form's backward does without them.
bool states_left_out(bool keep_states, CtrnnForm form) { return !keep_states && form == CtrnnForm::current; }

// Calls f(std::integral_constant<CtrnnForm, form>()), so that loops see the form as a constant.
template <class Fn>
void with_form(CtrnnForm form, const Fn& f) {
  if (form == CtrnnForm::rate) return f(std::integral_constant<CtrnnForm, CtrnnForm::rate>());
  return f(std::integral_constant<CtrnnForm, CtrnnForm::current>());
}

// The skip through time (engine_internal.h: TemporalSkip) as the fused kernel runs it. After
// step j = k·θ the state is one linear combination,
//   x_j = c_base x^base_j + c_back x_{j−θ} + c_next x_{j−θ+1},
//   sctt: c_base = β, c_back = 1 − β,               c_next = 0;
//   dasc: c_base = β, c_back = (1 − β)(1 − θ),      c_next = (1 − β) θ,
// except dasc with θ = 1, whose x_{j−θ+1} is x^base_j itself: the mix is the identity
// (c_base = 1). Backward, with δ_j = dL/dx_j over all paths: the base state receives
// c_base δ_j, which takes δ_j's place in the step's own derivatives (what dz_{j−1} and the
// leak to x_{j−1} see); δ_j itself is kept ("pending") until the BPTT loop reaches
// x_{j−θ+1}, where c_next δ_j joins that state's direct gradient, and x_{j−θ} (itself mixed,
// or x_0), where c_back δ_j does and the next mix back replaces the pending δ.
struct SkipMix {
  int64_t every = 0;  // θ; 0 when the skip is off
  double base = 1, back = 0, next = 0;

  SkipMix(TemporalSkip::Kind kind, int64_t theta, double beta) {
    if (!TemporalSkip{kind, theta, beta}.active() || (kind == TemporalSkip::Kind::dasc && theta == 1)) return;
    every = theta;
    base = beta;
    back = kind == TemporalSkip::Kind::sctt ? 1 - beta : (1 - beta) * double(1 - theta);
    next = kind == TemporalSkip::Kind::sctt ? 0 : (1 - beta) * double(theta);
  }
  // Whether x_{t+1}, the state after step t, is mixed.
  bool mixes(int64_t t) const { return every > 0 && (t + 1) % every == 0; }
  // The coefficient with which the pending δ of the next mix reaches x_{t+1} (t = −1: x_0).
  double reaches(int64_t t) const {
    if (every == 0) return 0;
    const int64_t phase = (t + 1) % every;
    return phase == 0 ? back : phase == 1 ? next : 0;
  }
};

// Forward: mixes one step's rows of the new state x^base_{t+1} with back = x_{t+1−θ} and
// next = x_{t+2−θ} (any block when c_next = 0). Current form: the state is p (the states
// buffer) and the rates are recomputed from it; rate form: the state is r.
template <CtrnnForm F, Activation A, class T>
RNNSCOPE_VECTOR_CLONES void ctrnn_skip_mix(T c_base, T c_back, T c_next, const T* __restrict back,
                                           const T* __restrict next, T* __restrict p, T* __restrict r,
                                           int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    if constexpr (F == CtrnnForm::current) {
      const T v = c_base * p[i] + c_back * back[i] + c_next * next[i];
      p[i] = v;
      r[i] = activate<A>(v);
    } else {
      r[i] = c_base * r[i] + c_back * back[i] + c_next * next[i];
    }
  }
}

// Backward, after ctrnn_backward_step of a mixed state x_{t+1}: delta holds δ_{t+1}. Keeps it
// as the pending δ and puts c_base δ_{t+1} in its place, in delta and in dz_t (α c_base δ, or
// in the rate form f'(z_t) ⊙ (α c_base δ + g_x[t])).
template <CtrnnForm F, Activation A, class T>
RNNSCOPE_VECTOR_CLONES void ctrnn_skip_unmix(T c_base, const T* __restrict alpha, const T* __restrict g_x,
                                             const T* __restrict slope_source, T* __restrict delta,
                                             T* __restrict dz, T* __restrict pending, int64_t rows, int64_t n) {
  for (int64_t b = 0; b < rows; ++b) {
    const int64_t o = b * n;
    for (int64_t i = 0; i < n; ++i) {
      const T d = delta[o + i];
      const T share = c_base * d;
      pending[o + i] = d;
      delta[o + i] = share;
      if constexpr (F == CtrnnForm::current) {
        dz[o + i] = alpha[i] * share;
      } else {
        dz[o + i] = slope_from_rate<A>(slope_source[o + i]) * (alpha[i] * share + g_x[o + i]);
      }
    }
  }
}

// out = g + c · pending: a state's direct gradient with the pending mix's share added.
template <class T>
RNNSCOPE_VECTOR_CLONES void add_pending(const T* __restrict g, T c, const T* __restrict pending, T* __restrict out,
                                        int64_t count) {
  for (int64_t i = 0; i < count; ++i) out[i] = g[i] + c * pending[i];
}

// Replicas (engine_internal.h): every weight has a leading replica dimension K and every
// [T, B, N] buffer is [K, T, B, N], replica-major, so that one replica's buffers are contiguous
// and the shared machinery of bptt_internal.h (input projection, block gradients, readout)
// runs on each replica's slice unchanged; the inputs and the noise are shared. The replicas
// run in groups (replica_group): each step's recurrent products of a group's replicas are one
// batched GEMM (linalg::gemm_batch: the same strides from replica to replica); the
// element-wise passes run replica by replica with its bias. With K = 1 the operations and
// their order are those of a single network.
class CtrnnFunction : public torch::autograd::Function<CtrnnFunction> {
 public:
  static variable_list forward(AutogradContext* ctx, const Tensor& inputs, const Tensor& w_in, const Tensor& w_rec,
                               const Tensor& b, const Tensor& x0, const Tensor& w_out, const Tensor& b_out,
                               const Tensor& noise, const Tensor& noise_scale, const Tensor& alpha, int64_t form,
                               int64_t activation, int64_t skip_kind, int64_t skip_every, double skip_beta,
                               bool keep_states, Workspace* workspace) {
    const int64_t T = inputs.size(0), B = inputs.size(1), K = w_rec.size(0), N = w_rec.size(1);
    const int64_t BN = B * N, TBN = T * B * N;
    const auto act = static_cast<Activation>(activation);
    const auto ctrnn_form = static_cast<CtrnnForm>(form);
    const SkipMix mix(static_cast<TemporalSkip::Kind>(skip_kind), skip_every, skip_beta);
    const SlotLayout layout = ctrnn_layout(N);
    const int64_t G = replica_group(K, 3 * TBN * int64_t(inputs.element_size()));
    // The states buffer starts as W_in u_t for every step and becomes the states. Backward's
    // dL/dz buffer (one group's) is taken here too, where the workspace is at hand. Without
    // keep_states the current form's states (which its backward does not read) live in one
    // group's scratch, in cache, and are returned empty: the buffer would be 40 MB of lines
    // written, read for ownership and written back per step at 100 replicas × 50 units ×
    // batch 20 × T = 100 (−6.5% per training step; bench/RESULTS.md, Replicas).
    const bool scratch_states = states_left_out(keep_states, ctrnn_form);
    Tensor states = workspace->take(0, {scratch_states ? G : K, T, B, N}, inputs.options());
    // Training uses only the rates (through the readout): without this, autograd would hand
    // backward a [T, B, N] tensor of zeros for the states, filled and then read every step.
    ctx->set_materialize_grads(false);
    Tensor rates = workspace->take(1, {K, T, B, N}, inputs.options());
    const Tensor dz = workspace->take(2, {G, T, B, N}, inputs.options());
    Tensor outputs = readout_bias_outputs(rates, w_out, b_out);
    const Tensor x0b = x0.unsqueeze(1).expand({K, B, N}).contiguous();
    // r_0: f(x_0), or in the rate form x_0 itself.
    Tensor r0b = ctrnn_form == CtrnnForm::rate ? x0b : at::empty_like(x0b);
    // Without noise, every step reads one block of zeros.
    const bool noisy = noise.numel() > 0;
    const Tensor noise_or_zeros = noisy ? noise : at::zeros({B, N}, inputs.options());
    std::vector<Tensor> bias_rows;
    for (int64_t k = 0; k < K; ++k) bias_rows.push_back(bias_row(layout, b.select(0, k), Tensor()));
    const Tensor bias = at::stack(bias_rows);
    AT_DISPATCH_FLOATING_TYPES(inputs.scalar_type(), "rnnscope_ctrnn_forward", [&] {
      with_form(ctrnn_form, [&](auto form_tag) {
        with_activation(act, [&](auto tag) {
          constexpr CtrnnForm F = decltype(form_tag)::value;
          constexpr Activation A = decltype(tag)::value;
          const scalar_t* a = alpha.const_data_ptr<scalar_t>();
          const scalar_t* scale = noise_scale.const_data_ptr<scalar_t>();
          // Each replica's W_recᵀ, stored: r_{t−1} W_recᵀ on it is BLAS's untransposed product,
          // ≈ 1.4× faster than the transposed one at 50 units (bench/bench_small_gemm.cpp).
          const Tensor w_rec_t = w_rec.transpose(1, 2).contiguous();
          const scalar_t* w_t = w_rec_t.const_data_ptr<scalar_t>();
          const scalar_t* xi = noise_or_zeros.const_data_ptr<scalar_t>();
          const int64_t xi_step = noisy ? BN : 0;
          // Replica k's states at x + (k − x_first)·TBN: x_first = 0, or with scratch states
          // the group's first replica.
          scalar_t* x = states.data_ptr<scalar_t>();
          int64_t x_first = 0;
          scalar_t* r = rates.data_ptr<scalar_t>();
          const scalar_t* r0 = r0b.const_data_ptr<scalar_t>();
          if constexpr (F == CtrnnForm::current) {
            ctrnn_rates<A>(x0b.const_data_ptr<scalar_t>(), r0b.data_ptr<scalar_t>(), K * BN);
          }
          // Replica k's x_j, the state after step j − 1 (x_0 for j = 0), which the rate form
          // keeps in the rates.
          const auto state = [&](int64_t k, int64_t j) -> const scalar_t* {
            if (j == 0) return x0b.const_data_ptr<scalar_t>() + k * BN;
            return (F == CtrnnForm::rate ? r + k * TBN : x + (k - x_first) * TBN) + (j - 1) * BN;
          };
          for (int64_t k0 = 0; k0 < K; k0 += G) {
            const int64_t k1 = std::min(K, k0 + G);
            if (scratch_states) x_first = k0;
            for (int64_t k = k0; k < k1; ++k) {
              Tensor replica_states = states.select(0, k - x_first);
              fill_preactivations(layout, inputs, w_in.select(0, k), replica_states);
            }
            for (int64_t t = 0; t < T; ++t) {
              // Replica k's block of step t is at k·TBN + t·BN; r_{t−1} at t = 0 is r_0, whose
              // replicas lie BN apart.
              const scalar_t* r_prev = t ? r + k0 * TBN + (t - 1) * BN : r0 + k0 * BN;
              const int64_t r_prev_stride = t ? TBN : BN;
              gemm_batch<scalar_t>(k1 - k0, false, false, B, N, N, r_prev, N, r_prev_stride, w_t + k0 * N * N, N,
                                   N * N, 1, x + (k0 - x_first) * TBN + t * BN, N, TBN);
              const bool mixed = mix.mixes(t);
              for (int64_t k = k0; k < k1; ++k) {
                // The state the leak acts on: x_t.
                const scalar_t* x_prev = state(k, t);
                scalar_t* x_t = x + (k - x_first) * TBN + t * BN;
                scalar_t* r_t = r + k * TBN + t * BN;
                const scalar_t* xi_t = xi + t * xi_step;
                const scalar_t* bp = bias.const_data_ptr<scalar_t>() + k * N;
                const scalar_t* back = mixed ? state(k, t + 1 - mix.every) : nullptr;
                const scalar_t* next = mixed && mix.next != 0 ? state(k, t + 2 - mix.every) : back;
                for_row_chunks(B, N, [&](int64_t begin, int64_t end) {
                  const int64_t o = begin * N;
                  ctrnn_forward_step<F, A>(a, bp, xi_t + o, scale, x_prev + o, x_t + o, r_t + o, end - begin, N);
                  if (mixed) {
                    ctrnn_skip_mix<F, A>(scalar_t(mix.base), scalar_t(mix.back), scalar_t(mix.next), back + o,
                                         next + o, x_t + o, r_t + o, (end - begin) * N);
                  }
                });
              }
            }
            add_readout_products(rates, w_out, outputs, k0, k1);
          }
        });
      });
    });
    if (scratch_states) states = at::empty({0}, inputs.options());
    ctx->save_for_backward({inputs, w_in, w_rec, states, rates, r0b, dz, w_out, alpha});
    ctx->saved_data["form"] = form;
    ctx->saved_data["activation"] = activation;
    ctx->saved_data["skip_kind"] = skip_kind;
    ctx->saved_data["skip_every"] = skip_every;
    ctx->saved_data["skip_beta"] = skip_beta;
    return {states, rates, outputs};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Tensor &inputs = saved[0], &w_in = saved[1], &w_rec = saved[2], &states = saved[3], &rates = saved[4],
                 &r0b = saved[5], &dz = saved[6], &w_out = saved[7], &alpha = saved[8];
    const auto ctrnn_form = static_cast<CtrnnForm>(ctx->saved_data["form"].toInt());
    const auto act = static_cast<Activation>(ctx->saved_data["activation"].toInt());
    const SkipMix mix(static_cast<TemporalSkip::Kind>(ctx->saved_data["skip_kind"].toInt()),
                      ctx->saved_data["skip_every"].toInt(), ctx->saved_data["skip_beta"].toDouble());
    const int64_t T = inputs.size(0), B = inputs.size(1), K = w_rec.size(0), N = w_rec.size(1), BN = B * N;
    const int64_t TBN = T * BN, G = dz.size(0);
    const bool read = has_readout(w_out);
    // An output with no gradient contributes zeros: point every step at one zero block.
    const Tensor zeros = at::zeros({B, N}, rates.options());
    const Tensor g_states = grads[0].defined() ? grads[0].contiguous() : Tensor();
    const Tensor g_rates = grads[1].defined() ? grads[1].contiguous() : Tensor();
    const Tensor g_out = readout_output_gradient(grads[2], w_out);
    const int64_t O = read ? w_out.size(1) : 0;
    Tensor delta = at::zeros({K, B, N}, rates.options());
    Tensor dr = at::zeros({K, B, N}, rates.options());
    // With a skip: each replica's pending δ of the last mix the loop has passed, and the
    // direct gradient of a state that it reaches.
    Tensor pending, direct;
    if (mix.every > 0) {
      pending = at::empty({K, B, N}, rates.options());
      direct = at::empty({K, B, N}, rates.options());
    }
    const bool bias_grad = ctx->needs_input_grad(3);
    Tensor column_sums = at::zeros({K, bias_grad ? N : 0}, rates.options().dtype(at::kDouble));
    const SlotLayout layout = ctrnn_layout(N);
    // Each replica's gradients come from its own slices, with the shared machinery.
    std::vector<ParameterGrads> g;
    std::vector<Tensor> replica_g_out;
    for (int64_t k = 0; k < K; ++k) {
      replica_g_out.push_back(g_out.defined() ? g_out.select(0, k) : Tensor());
      g.push_back(start_parameter_gradients(inputs, w_in.select(0, k), w_rec.select(0, k),
                                            read ? w_out.select(0, k) : w_out,
                                            {ctx->needs_input_grad(0), ctx->needs_input_grad(1),
                                             ctx->needs_input_grad(2), ctx->needs_input_grad(5) && g_out.defined()}));
    }
    const int64_t block = gradient_block_steps(B);
    // The readout's share of dL/dr, dL/dy W_out, for `share_steps` steps at a time: one product
    // of their rows per replica, into a scratch of at most 64 KiB per replica that stays in
    // cache until the loop reads it. At 100 replicas × 50 units × batch 20 a product per step
    // (20 × 8 × 50) cost as much in BLAS's call overhead as in arithmetic: 5% of the training
    // step (bench/RESULTS.md, Replicas). The weight gradients' block is split into equal parts,
    // not cut across: parts that straddle its edges measured 2–6% slower.
    const int64_t block_bytes = block * BN * int64_t(rates.element_size());
    const int64_t parts = (block_bytes + (int64_t(64) << 10) - 1) / (int64_t(64) << 10);
    const int64_t share_steps = (block + parts - 1) / parts;
    const Tensor readout_share = g_out.defined() ? at::empty({G, share_steps, B, N}, rates.options()) : Tensor();
    AT_DISPATCH_FLOATING_TYPES(rates.scalar_type(), "rnnscope_ctrnn_backward", [&] {
      with_form(ctrnn_form, [&](auto form_tag) {
        with_activation(act, [&](auto tag) {
          constexpr CtrnnForm F = decltype(form_tag)::value;
          constexpr Activation A = decltype(tag)::value;
          const scalar_t* a = alpha.const_data_ptr<scalar_t>();
          const scalar_t* w = w_rec.const_data_ptr<scalar_t>();
          const scalar_t* z0 = zeros.const_data_ptr<scalar_t>();
          const scalar_t* gx = g_states.defined() ? g_states.const_data_ptr<scalar_t>() : z0;
          const scalar_t* gr = g_rates.defined() ? g_rates.const_data_ptr<scalar_t>() : z0;
          // Per replica and per step: where the incoming gradients are defined, [K, T, B, N].
          const int64_t gx_replica = g_states.defined() ? TBN : 0, gx_step = g_states.defined() ? BN : 0;
          const int64_t gr_replica = g_rates.defined() ? TBN : 0, gr_step = g_rates.defined() ? BN : 0;
          // f' comes from f(x_{t+1}) (the current form's rates) or a_t (the rate form's states).
          const scalar_t* slope_source =
              F == CtrnnForm::current ? rates.const_data_ptr<scalar_t>() : states.const_data_ptr<scalar_t>();
          scalar_t* d = delta.data_ptr<scalar_t>();
          scalar_t* drp = dr.data_ptr<scalar_t>();
          scalar_t* dzp = dz.data_ptr<scalar_t>();
          const scalar_t* gy = g_out.defined() ? g_out.const_data_ptr<scalar_t>() : nullptr;
          const scalar_t* wo = w_out.const_data_ptr<scalar_t>();
          scalar_t* share = gy ? readout_share.data_ptr<scalar_t>() : nullptr;
          // Replica k's gradient of its rates r_{t+1}: g_r[t] with the readout's share added, or
          // g_r itself without a readout gradient. At the last of share_steps steps (the loop's
          // first) their shares are computed, on a copy of their g_r when there is one.
          const auto rates_gradient = [&](int64_t k, int64_t t) -> const scalar_t* {
            const scalar_t* g = gr + k * gr_replica + t * gr_step;
            if (!gy) return g;
            const int64_t block_first = t - t % block;
            const int64_t first = block_first + (t - block_first) / share_steps * share_steps;
            scalar_t* s_k = share + (k % G) * share_steps * BN;  // k % G: its place in the group
            if (t == std::min({first + share_steps, block_first + block, T}) - 1) {
              const int64_t rows = (t + 1 - first) * B;
              if (g_rates.defined()) std::copy(g - (t - first) * BN, g + BN, s_k);
              gemm<scalar_t>(false, false, rows, N, O, gy + (k * T + first) * B * O, O, wo + k * O * N, N,
                             g_rates.defined() ? 1 : 0, s_k, N);
            }
            return s_k + (t - first) * BN;
          };
          scalar_t* pend = mix.every > 0 ? pending.data_ptr<scalar_t>() : nullptr;
          scalar_t* dir = mix.every > 0 ? direct.data_ptr<scalar_t>() : nullptr;
          // Whether the loop has passed a mix of the group it runs (the same step for all).
          bool passed_mix = false;
          // The direct gradient g of replica k's x_{t+1} (rows from o) with the pending δ's share
          // where it reaches x_{t+1}. It is g_x in the current form, g_r in the rate form (whose
          // g_x is a_t's).
          const auto state_gradient = [&](int64_t k, int64_t t, const scalar_t* g, int64_t o,
                                          int64_t count) -> const scalar_t* {
            const double reach = passed_mix ? mix.reaches(t) : 0.0;
            if (reach == 0) return g;
            add_pending<scalar_t>(g, scalar_t(reach), pend + k * BN + o, dir + k * BN + o, count);
            return dir + k * BN + o;
          };
          Tensor discard = at::empty({B, N}, rates.options());
          for (int64_t k0 = 0; k0 < K; k0 += G) {
            const int64_t k1 = std::min(K, k0 + G);
            passed_mix = false;
            for (int64_t t = T - 1; t >= 0; --t) {
              const bool mixed = mix.mixes(t);
              for (int64_t k = k0; k < k1; ++k) {
                scalar_t* dr_k = drp + k * BN;
                scalar_t* dz_kt = dzp + (k - k0) * TBN + t * BN;
                const scalar_t* slope_kt = slope_source + k * TBN + t * BN;
                // The block the next step reads f' from, on its way (−2.4% per step at 100
                // replicas: each replica's stored blocks come back from memory).
                if (t > 0) prefetch_into_l2(slope_kt - BN, BN);
                const scalar_t* g_r_kt = rates_gradient(k, t);
                for_row_chunks(B, N, [&](int64_t begin, int64_t end) {
                  const int64_t o = begin * N;
                  const scalar_t *g_x = gx + k * gx_replica + t * gx_step + o, *g_r = g_r_kt + o;
                  const scalar_t*& g_state = F == CtrnnForm::current ? g_x : g_r;
                  g_state = state_gradient(k, t, g_state, o, (end - begin) * N);
                  ctrnn_backward_step<F, A>(a, g_x, g_r, slope_kt + o, dr_k + o, d + k * BN + o, dz_kt + o,
                                            end - begin, N);
                  if (mixed) {
                    ctrnn_skip_unmix<F, A>(scalar_t(mix.base), a, g_x, slope_kt + o, d + k * BN + o, dz_kt + o,
                                           pend + k * BN + o, end - begin, N);
                  }
                });
              }
              passed_mix = passed_mix || mixed;
              gemm_batch<scalar_t>(k1 - k0, false, false, B, N, N, dzp + t * BN, N, TBN, w + k0 * N * N, N, N * N, 0,
                                   drp + k0 * BN, N, BN);
              for (int64_t k = k0; k < k1; ++k) {
                if (bias_grad) add_column_sums(dzp + (k - k0) * TBN + t * BN, B, N, column_sums.data_ptr<double>() + k * N);
                if (t % block == 0) {
                  add_block_gradients<scalar_t>(layout, dz.select(0, k - k0), inputs, w_in.select(0, k), r0b.select(0, k),
                                                rates.select(0, k), replica_g_out[size_t(k)], t, std::min(t + block, T),
                                                g[size_t(k)]);
                }
              }
            }
            if (ctx->needs_input_grad(4)) {
              // δ_0 = (1 − α) δ_1 + f'(x_0) ⊙ dr_0 (current) or + dr_0 (rate): the same step with
              // no direct gradient.
              for (int64_t k = k0; k < k1; ++k) {
                const scalar_t* g_state = state_gradient(k, -1, z0, 0, BN);
                ctrnn_backward_step<F, A>(a, F == CtrnnForm::current ? g_state : z0,
                                          F == CtrnnForm::rate ? g_state : z0, r0b.const_data_ptr<scalar_t>() + k * BN,
                                          drp + k * BN, d + k * BN, discard.data_ptr<scalar_t>(), B, N);
              }
            }
          }
        });
      });
    });
    for (int64_t k = 0; k < K; ++k) {
      finish_parameter_gradients(layout, column_sums.select(0, k), w_in.select(0, k), replica_g_out[size_t(k)],
                                 {bias_grad, false, ctx->needs_input_grad(6)}, g[size_t(k)]);
    }
    // The replicas' gradients stacked along their leading dimension; the shared inputs'
    // gradient is the sum of the replicas' shares.
    auto stacked = [&](Tensor ParameterGrads::*field) {
      if (!(g[0].*field).defined()) return Tensor();
      std::vector<Tensor> parts;
      for (const auto& replica : g) parts.push_back(replica.*field);
      return at::stack(parts);
    };
    Tensor grad_inputs = g[0].inputs;
    for (int64_t k = 1; k < K && grad_inputs.defined(); ++k) grad_inputs = grad_inputs + g[size_t(k)].inputs;
    const Tensor grad_x0 = ctx->needs_input_grad(4) ? delta.sum(1) : Tensor();
    return {grad_inputs, stacked(&ParameterGrads::w_ih), stacked(&ParameterGrads::w_hh),
            stacked(&ParameterGrads::b_ih), grad_x0, stacked(&ParameterGrads::w_out), stacked(&ParameterGrads::b_out),
            Tensor(), Tensor(), Tensor(), Tensor(), Tensor(), Tensor(), Tensor(), Tensor(), Tensor(), Tensor()};
  }
};

// ---------------------------------------------------------------------------------------
// Reference twin: the same recurrence in plain LibTorch ops, differentiated by autograd.

Tensor activate_reference(Activation a, const Tensor& x) {
  switch (a) {
    case Activation::tanh: return torch::tanh(x);
    case Activation::softplus: return torch::softplus(x);
    case Activation::linear: return x;
    case Activation::relu: break;
  }
  return torch::relu(x);
}

// The skip's source for the state after step t + 1 = k·θ (engine_internal.h: TemporalSkip),
// from xs = x_0..x_t and the new base state x^base_{t+1}.
Tensor skip_source(const TemporalSkip& skip, const std::vector<Tensor>& xs, const Tensor& base) {
  const auto theta = static_cast<size_t>(skip.every);
  const Tensor& back = xs[xs.size() - theta];
  if (skip.kind == TemporalSkip::Kind::sctt) return back;
  // x_{t+2−θ}: with θ = 1 the base state itself.
  const Tensor& next = theta > 1 ? xs[xs.size() - theta + 1] : base;
  return back + double(skip.every) * (next - back);
}

CtrnnSequence ctrnn_reference(const Tensor& inputs, const Tensor& w_in, const Tensor& w_rec, const Tensor& b,
                              const Tensor& x0, const Tensor& noise, const CtrnnDynamics& dynamics,
                              const Readout& readout, const TemporalSkip& skip) {
  const int64_t steps = inputs.size(0), batch = inputs.size(1), n = w_rec.size(0);
  const Tensor w_rec_t = w_rec.t();
  const Tensor& alpha = dynamics.alpha;
  const bool rate_form = dynamics.form == CtrnnForm::rate;
  Tensor drive = torch::matmul(inputs, w_in.t()) + b;
  if (noise.defined()) drive = drive + noise * dynamics.noise_scale;
  Tensor x = x0.unsqueeze(0).expand({batch, n});
  Tensor r = rate_form ? x : activate_reference(dynamics.activation, x);
  std::vector<Tensor> states, rates, xs;
  states.reserve(static_cast<size_t>(steps));
  rates.reserve(static_cast<size_t>(steps));
  // The states a skip reaches back to: x_0..x_t.
  if (skip.active()) xs.push_back(x);
  for (int64_t t = 0; t < steps; ++t) {
    const Tensor z = torch::addmm(drive[t], r, w_rec_t);
    Tensor a;
    if (rate_form) {
      a = activate_reference(dynamics.activation, z);
      x = (1.0 - alpha) * x + alpha * a;
    } else {
      x = (1.0 - alpha) * x + alpha * z;
    }
    if (skip.active() && (t + 1) % skip.every == 0) {
      x = (1.0 - skip.beta) * skip_source(skip, xs, x) + skip.beta * x;
    }
    if (skip.active()) xs.push_back(x);
    r = rate_form ? x : activate_reference(dynamics.activation, x);
    states.push_back(rate_form ? a : x);
    rates.push_back(r);
  }
  CtrnnSequence out{torch::stack(states), torch::stack(rates), Tensor()};
  if (readout.w.defined()) out.outputs = torch::linear(out.rates, readout.w, readout.b);
  return out;
}

// The reference twin of K replicas: each replica's sequence on its own, stacked.
CtrnnSequence ctrnn_reference_replicas(const Tensor& inputs, const Tensor& w_in, const Tensor& w_rec, const Tensor& b,
                                       const Tensor& x0, const Tensor& noise, const CtrnnDynamics& dynamics,
                                       const Readout& readout, const TemporalSkip& skip) {
  std::vector<Tensor> states, rates, outputs;
  for (int64_t k = 0; k < w_rec.size(0); ++k) {
    const Readout replica_readout = readout.w.defined() ? Readout{readout.w[k], readout.b[k]} : Readout{};
    const auto seq = ctrnn_reference(inputs, w_in[k], w_rec[k], b[k], x0[k], noise, dynamics, replica_readout, skip);
    states.push_back(seq.states);
    rates.push_back(seq.rates);
    if (seq.outputs.defined()) outputs.push_back(seq.outputs);
  }
  return {torch::stack(states), torch::stack(rates), outputs.empty() ? Tensor() : torch::stack(outputs)};
}

}  // namespace

// A group's [T, B, N] blocks (states, rates, dL/dz: `bytes_per_replica` each replica) stay in
// L2 while the group runs: the forward writes the states and rates that the group's readout
// and the backward's first steps read back, the backward writes dL/dz that its block
// gradients read back, all from cache. Stepping all K replicas at every time step instead
// (one pass over K blocks per step) evicts each block before the next pass over it: at 100
// replicas × 50 units × batch 20 × T = 100 (40 MB per buffer) a training step took 105 ms
// that way and 83 ms in groups (bench/RESULTS.md, Replicas). dL/dz is one group's scratch,
// reused group after group. Budgets of 1–8 MiB measured alike; 1 MiB leaves room for the
// weights and the inputs.
int64_t replica_group(int64_t replicas, int64_t bytes_per_replica) {
  constexpr int64_t kCacheBudget = int64_t(1) << 20;
  return std::clamp<int64_t>(kCacheBudget / std::max<int64_t>(1, bytes_per_replica), 1, replicas);
}

CtrnnSequence ctrnn_sequence(Engine engine, Workspace& workspace, const Tensor& inputs, const Tensor& w_in,
                             const Tensor& w_rec, const Tensor& b, const Tensor& x0, const Tensor& noise,
                             const CtrnnDynamics& dynamics, const Readout& readout, const TemporalSkip& skip,
                             bool keep_states) {
  const bool replicated = w_rec.dim() == 3;
  if (engine == Engine::reference) {
    return replicated ? ctrnn_reference_replicas(inputs, w_in, w_rec, b, x0, noise, dynamics, readout, skip)
                      : ctrnn_reference(inputs, w_in, w_rec, b, x0, noise, dynamics, readout, skip);
  }
  // The kernel takes replicated weights; a single network is one replica, dropped again from
  // what it returns.
  auto replicas = [&](const Tensor& t) { return replicated ? t : t.unsqueeze(0); };
  auto single = [&](const Tensor& t) { return replicated ? t : t.squeeze(0); };
  // Autograd functions take defined tensors only: no noise or no readout is an empty one.
  const Tensor none = at::empty({0}, inputs.options());
  const bool read = readout.w.defined();
  const auto out = CtrnnFunction::apply(
      inputs.contiguous(), replicas(w_in).contiguous(), replicas(w_rec).contiguous(), replicas(b), replicas(x0),
      read ? replicas(readout.w).contiguous() : none, read ? replicas(readout.b) : none,
      noise.defined() ? noise.contiguous() : none, dynamics.noise_scale.contiguous(), dynamics.alpha.contiguous(),
      static_cast<int64_t>(dynamics.form), static_cast<int64_t>(dynamics.activation), static_cast<int64_t>(skip.kind),
      skip.every, skip.beta, keep_states, &workspace);
  return {states_left_out(keep_states, dynamics.form) ? Tensor() : single(out[0]), single(out[1]),
          read ? single(out[2]) : Tensor()};
}

}  // namespace rnnscope::rnn
