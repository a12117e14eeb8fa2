// The low-tensor-rank RNN's fused whole-sequence kernel (a torch::autograd::Function) and its
// reference twin in plain LibTorch ops, the kernel's test oracle (engine_internal.h,
// docs/ltr.md). All trials of a recording are simulated at once; trial k has its own
// recurrent matrix W_k = Â diag(c_k) B̂ᵀ, which is never formed: its product with the rates
// goes through the rank-R factors, O(N·R) per trial and step instead of O(N²).
#include "engine/bptt_internal.h"

#include "rnnscope/linalg/gemm.h"

namespace rnnscope::rnn {
namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Forward, row vectors per trial (x_t [K, N], Â, B̂, A [N, R], c [K, R], drive coefficients
// v_t [K, R]), the recurrent and input drives together through [Â | A] [N, 2R]:
//   h_t = tanh(x_t),  q_t = h_t B̂,  w_t = [q_t ⊙ c | v_t],
//   x_{t+1} = (1 − α) x_t + α w_t [Â | A]ᵀ,
// then at the recorded steps (t = p·every) z_p = h_t Dᵀ (one GEMM over all recorded rows),
// y_p = g ⊙ z_p + o, and the penalty sum Σ_p ‖x_t‖².
// Backward, with δ_t = dL/dx_t (all paths), g_x, g_h the loss's own gradients at x_t, h_t,
// g_y = dL/dy and g_σ = dL/d(Σ‖x‖²):
//   G_p = g_y,p ⊙ g,  dg = Σ_p g_y,p ⊙ z_p,  do = Σ_p g_y,p,  dD = Σ_p G_pᵀ h_t (one GEMM),
//   e_t = g_h,t + G_p D (at recorded steps; one [K, M]·[M, N] GEMM per step, so the readout's
//         [S + 1, K, N] gradient is never written whole),
//   dz_t = α δ_{t+1},  [ds_t | dv_t] = dz_t [Â | A],  dq_t = ds_t ⊙ c,  dc += ds_t ⊙ q_t,
//   dh_t = dq_t B̂ᵀ,  δ_t = g_x,t + 2 g_σ x_t [recorded] + (1 − α) δ_{t+1} + (1 − h_t²) ⊙ (e_t + dh_t),
// with δ_S formed the same way without dh; after the loop [dÂ | dA] = Σ_t dz_tᵀ w_t and
// dB̂ = Σ_t h_tᵀ dq_t as one GEMM each over all S·K rows, dx_0 = δ_0.
//
// Why row loops and not GEMMs inside the recurrence: R is small (1–20), so each step's
// products are skinny ([K, N]·[N, R]), which a BLAS runs far below its peak and with a call
// overhead as large as the arithmetic. Every trial (row) is independent within a step, so one
// pass over a row does all of its step: the drive as 2R scaled additions of rows of
// [Â | A]ᵀ, the tanh, and the next step's R dot products with rows of B̂ᵀ, while the row is
// in cache. The readout (M ≈ N) is a real GEMM and goes to the BLAS.

// Σ a_i b_i over 16 independent partial sums. One running sum is a chain of dependent
// additions that the compiler may not reorder (float addition is not associative), so it
// runs at one FMA latency per element; 16 lanes fill two AVX registers and leave a short
// scalar tail at small N (measured: the kernel's dot products took ≈ a quarter of an
// iteration at N = 200 as single chains).
template <class T>
inline T dot(const T* __restrict a, const T* __restrict b, int64_t n) {
  constexpr int64_t lanes = 16;
  T partial[lanes] = {};
  int64_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    for (int64_t l = 0; l < lanes; ++l) partial[l] += a[i + l] * b[i + l];
  }
  T sum = 0;
  for (; i < n; ++i) sum += a[i] * b[i];
  for (int64_t l = 0; l < lanes; ++l) sum += partial[l];
  return sum;
}

// x = (1 − α) x_prev + α Σ_j w_j aat_j, h = tanh(x), q_r = h · bt_r (q may be null).
template <class T>
RNNSCOPE_VECTOR_CLONES void ltr_forward_row(T alpha, const T* __restrict x_prev, const T* __restrict w,
                                            const T* __restrict aat, const T* __restrict bt, int64_t n, int64_t r,
                                            T* __restrict x, T* __restrict h, T* __restrict q) {
  for (int64_t i = 0; i < n; ++i) x[i] = (T(1) - alpha) * x_prev[i];
  for (int64_t j = 0; j < 2 * r; ++j) {
    const T wj = alpha * w[j];
    const T* row = aat + j * n;
    for (int64_t i = 0; i < n; ++i) x[i] += wj * row[i];
  }
  for (int64_t i = 0; i < n; ++i) h[i] = vec_tanh(x[i]);
  if (!q) return;
  for (int64_t k = 0; k < r; ++k) q[k] = dot(h, bt + k * n, n);
}

template <class T>
RNNSCOPE_VECTOR_CLONES double squared_norm(const T* __restrict x, int64_t n) {
  return static_cast<double>(dot(x, x, n));
}

// dh = e + Σ_r dq_r bt_r, then δ ← g_x + pen·x + (1 − α) δ + (1 − h²)(dh), dz = α δ.
template <class T>
RNNSCOPE_VECTOR_CLONES void ltr_backward_row(T alpha, const T* __restrict g_x, const T* __restrict x, T pen,
                                             const T* __restrict e, const T* __restrict h, const T* __restrict dq,
                                             const T* __restrict bt, int64_t n, int64_t r, T* __restrict dh,
                                             T* __restrict delta, T* __restrict dz) {
  for (int64_t i = 0; i < n; ++i) dh[i] = e[i];
  for (int64_t k = 0; k < r; ++k) {
    const T d = dq[k];
    const T* row = bt + k * n;
    for (int64_t i = 0; i < n; ++i) dh[i] += d * row[i];
  }
  for (int64_t i = 0; i < n; ++i) {
    const T d = g_x[i] + pen * x[i] + (T(1) - alpha) * delta[i] + (T(1) - h[i] * h[i]) * dh[i];
    delta[i] = d;
    dz[i] = alpha * d;
  }
}

// out_j = dz · aat_j for j < m.
template <class T>
RNNSCOPE_VECTOR_CLONES void ltr_row_dots(const T* __restrict dz, const T* __restrict aat, int64_t n, int64_t m,
                                         T* __restrict out) {
  for (int64_t j = 0; j < m; ++j) out[j] = dot(dz, aat + j * n, n);
}

// y = g ⊙ z + o over one row of M outputs.
template <class T>
RNNSCOPE_VECTOR_CLONES void gain_offset_row(const T* __restrict z, const T* __restrict g, const T* __restrict o,
                                            int64_t m, T* __restrict y) {
  for (int64_t j = 0; j < m; ++j) y[j] = g[j] * z[j] + o[j];
}

class LtrFunction : public torch::autograd::Function<LtrFunction> {
 public:
  static variable_list forward(AutogradContext* ctx, const Tensor& v, const Tensor& a_hat, const Tensor& a,
                               const Tensor& b_hat, const Tensor& c, const Tensor& x0, const Tensor& readout,
                               const Tensor& gain, const Tensor& offset, double alpha, int64_t every,
                               Workspace* workspace) {
    const int64_t S = v.size(0), K = v.size(1), R = v.size(2), N = x0.size(1), KN = K * N, R2 = 2 * R;
    const int64_t M = readout.size(0), P = S / every + 1;
    const auto opts = x0.options();
    Tensor states = workspace->take(0, {S + 1, K, N}, opts);
    Tensor rates = workspace->take(1, {S + 1, K, N}, opts);
    Tensor q = workspace->take(2, {S, K, R}, opts);
    Tensor w = workspace->take(3, {S, K, R2}, opts);
    // Backward's buffers, taken here where the workspace is at hand: a fresh [S, K, N] tensor
    // per iteration costs page faults on every call.
    Tensor dz = workspace->take(4, {S, K, N}, opts);
    Tensor scaled = workspace->take(5, {P, K, M}, opts);  // backward's G = g_y ⊙ g
    Tensor product = workspace->take(6, {P, K, M}, opts);  // z = h Dᵀ
    Tensor outputs = workspace->take(7, {P, K, M}, opts);
    // The recorded steps' rates, contiguous for the readout's GEMMs (the rates themselves when every step is recorded).
    Tensor recorded = every == 1 ? rates : workspace->take(8, {P, K, N}, opts);
    const Tensor aat = at::cat({a_hat, a}, 1).t().contiguous();  // [2R, N]
    const Tensor bt = b_hat.t().contiguous();                    // [R, N]
    std::vector<double> squares(static_cast<size_t>(K), 0.0);   // per trial: Σ over recorded steps of ‖x‖²
    states[0].copy_(x0);
    AT_DISPATCH_FLOATING_TYPES(x0.scalar_type(), "rnnscope_ltr_forward", [&] {
      const scalar_t al = static_cast<scalar_t>(alpha);
      const scalar_t *aap = aat.const_data_ptr<scalar_t>(), *bp = bt.const_data_ptr<scalar_t>(),
                     *cp = c.const_data_ptr<scalar_t>(), *vp = v.const_data_ptr<scalar_t>();
      scalar_t *x = states.data_ptr<scalar_t>(), *h = rates.data_ptr<scalar_t>(), *qp = q.data_ptr<scalar_t>(),
               *wp = w.data_ptr<scalar_t>();
      for_row_chunks(K, N, [&](int64_t begin, int64_t end) {
        for (int64_t k = begin; k < end; ++k) {
          for (int64_t i = 0; i < N; ++i) h[k * N + i] = vec_tanh(x[k * N + i]);
          ltr_row_dots(h + k * N, bp, N, R, qp + k * R);
          squares[size_t(k)] += squared_norm(x + k * N, N);
        }
      });
      for (int64_t t = 0; t < S; ++t) {
        const bool record = (t + 1) % every == 0;
        for_row_chunks(K, N * R2, [&](int64_t begin, int64_t end) {
          for (int64_t k = begin; k < end; ++k) {
            scalar_t* w_k = wp + (t * K + k) * R2;
            const scalar_t* q_k = qp + (t * K + k) * R;
            for (int64_t r = 0; r < R; ++r) {
              w_k[r] = q_k[r] * cp[k * R + r];
              w_k[R + r] = vp[(t * K + k) * R + r];
            }
            const int64_t o = (t + 1) * KN + k * N;
            ltr_forward_row(al, x + t * KN + k * N, w_k, aap, bp, N, R, x + o, h + o,
                            t + 1 < S ? qp + ((t + 1) * K + k) * R : nullptr);
            if (record) squares[size_t(k)] += squared_norm(x + o, N);
          }
        });
      }
      // The readout over every recorded row at once: z = h Dᵀ, y = g ⊙ z + o.
      scalar_t* hr = recorded.data_ptr<scalar_t>();
      if (every > 1) {
        for (int64_t p = 0; p < P; ++p) std::copy(h + p * every * KN, h + (p * every + 1) * KN, hr + p * KN);
      }
      scalar_t *z = product.data_ptr<scalar_t>(), *y = outputs.data_ptr<scalar_t>();
      linalg::gemm<scalar_t>(false, true, P * K, M, N, hr, N, readout.const_data_ptr<scalar_t>(), N, 0, z, M);
      const scalar_t *g = gain.const_data_ptr<scalar_t>(), *off = offset.const_data_ptr<scalar_t>();
      for_row_chunks(P * K, M, [&](int64_t begin, int64_t end) {
        for (int64_t row = begin; row < end; ++row) gain_offset_row(z + row * M, g, off, M, y + row * M);
      });
    });
    // Summed over trials in a fixed order: the same value for any thread count.
    double total = 0;
    for (double sq : squares) total += sq;
    // The states are rarely used by a loss directly: let autograd pass no gradient rather than zeros.
    ctx->set_materialize_grads(false);
    ctx->save_for_backward({aat, bt, c, rates, q, w, dz, states, recorded, readout, gain, product, scaled});
    ctx->saved_data["alpha"] = alpha;
    ctx->saved_data["every"] = every;
    return {states, rates, outputs, at::scalar_tensor(total, opts)};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Tensor &aat = saved[0], &bt = saved[1], &c = saved[2], &rates = saved[3], &q = saved[4], &w = saved[5],
                 &dz = saved[6], &states = saved[7], &recorded = saved[8], &readout = saved[9], &gain = saved[10],
                 &product = saved[11], &scaled = saved[12];
    const double alpha = ctx->saved_data["alpha"].toDouble();
    const int64_t every = ctx->saved_data["every"].toInt();
    const int64_t S = q.size(0), K = q.size(1), R = q.size(2), N = rates.size(2), KN = K * N, R2 = 2 * R;
    const int64_t M = readout.size(0), P = S / every + 1;
    const auto opts = rates.options();
    const Tensor zeros = at::zeros({K, N}, opts);
    const Tensor g_x = grads[0].defined() ? grads[0].contiguous() : Tensor();
    const Tensor g_h = grads[1].defined() ? grads[1].contiguous() : Tensor();
    const Tensor g_y = grads[2].defined() ? grads[2].contiguous() : Tensor();
    const double pen = grads[3].defined() ? 2 * grads[3].item<double>() : 0.0;
    Tensor dq = at::empty({S, K, R}, opts);
    Tensor dv = at::empty({S, K, R}, opts);
    Tensor dc = at::zeros({K, R}, opts);
    Tensor delta = at::zeros({K, N}, opts);
    Tensor dh = at::empty({K, N}, opts);
    Tensor discard = at::empty({K, N}, opts);
    Tensor dw = at::empty({K, R2}, opts);
    Tensor e = at::empty({K, N}, opts);  // the rates' gradient of the step at hand
    Tensor d_readout = at::zeros({M, N}, opts), d_gain = at::zeros({M}, opts), d_offset = at::zeros({M}, opts);
    AT_DISPATCH_FLOATING_TYPES(rates.scalar_type(), "rnnscope_ltr_backward", [&] {
      const scalar_t al = static_cast<scalar_t>(alpha);
      const scalar_t *aap = aat.const_data_ptr<scalar_t>(), *bp = bt.const_data_ptr<scalar_t>(),
                     *cp = c.const_data_ptr<scalar_t>(), *h = rates.const_data_ptr<scalar_t>(),
                     *x = states.const_data_ptr<scalar_t>(), *qp = q.const_data_ptr<scalar_t>(),
                     *dp = readout.const_data_ptr<scalar_t>(), *z0 = zeros.const_data_ptr<scalar_t>();
      const scalar_t* gx = g_x.defined() ? g_x.const_data_ptr<scalar_t>() : z0;
      const int64_t gx_step = g_x.defined() ? KN : 0;
      scalar_t *dzp = dz.data_ptr<scalar_t>(), *dqp = dq.data_ptr<scalar_t>(), *dvp = dv.data_ptr<scalar_t>(),
               *dcp = dc.data_ptr<scalar_t>(), *d = delta.data_ptr<scalar_t>(), *dhp = dh.data_ptr<scalar_t>(),
               *waste = discard.data_ptr<scalar_t>(), *dwp = dw.data_ptr<scalar_t>(), *ep = e.data_ptr<scalar_t>(),
               *gp = scaled.data_ptr<scalar_t>();
      if (g_y.defined()) {
        // G = g_y ⊙ g and the gain's and offset's gradients, summed in double in row order
        // (serially: the same sums for any thread count), then dD = Gᵀ h in one GEMM.
        const scalar_t *gy = g_y.const_data_ptr<scalar_t>(), *zp = product.const_data_ptr<scalar_t>(),
                       *gain_p = gain.const_data_ptr<scalar_t>();
        std::vector<double> dg(static_cast<size_t>(M), 0.0), doff(static_cast<size_t>(M), 0.0);
        for (int64_t row = 0; row < P * K; ++row) {
          for (int64_t j = 0; j < M; ++j) {
            const scalar_t grad = gy[row * M + j];
            gp[row * M + j] = grad * gain_p[j];
            dg[size_t(j)] += static_cast<double>(grad) * static_cast<double>(zp[row * M + j]);
            doff[size_t(j)] += static_cast<double>(grad);
          }
        }
        scalar_t *dgp = d_gain.data_ptr<scalar_t>(), *dop = d_offset.data_ptr<scalar_t>();
        for (int64_t j = 0; j < M; ++j) {
          dgp[j] = static_cast<scalar_t>(dg[size_t(j)]);
          dop[j] = static_cast<scalar_t>(doff[size_t(j)]);
        }
        linalg::gemm<scalar_t>(true, false, M, N, P * K, gp, M, recorded.const_data_ptr<scalar_t>(), N, 0,
                               d_readout.data_ptr<scalar_t>(), N);
      }
      // The rates' gradient at step t: the loss's own plus, at a recorded step, G_p D.
      const auto rate_grad = [&](int64_t t) -> const scalar_t* {
        const scalar_t* own = g_h.defined() ? g_h.const_data_ptr<scalar_t>() + t * KN : nullptr;
        if (!g_y.defined() || t % every != 0) return own ? own : z0;
        if (own) std::copy(own, own + KN, ep);
        linalg::gemm<scalar_t>(false, false, K, N, M, gp + (t / every) * K * M, M, dp, N, own ? 1 : 0, ep, N);
        return ep;
      };
      const auto penalty = [&](int64_t t) { return static_cast<scalar_t>(t % every == 0 ? pen : 0.0); };
      // Row k's work at step t: [ds | dv] from dz_t, dc and dq, then δ_t and dz_{t−1}.
      const auto step = [&](int64_t t, int64_t k, const scalar_t* et, scalar_t pen_t) {
        scalar_t* dw = dwp + k * R2;
        scalar_t* dq_k = dqp + (t * K + k) * R;
        const scalar_t* q_k = qp + (t * K + k) * R;
        ltr_row_dots(dzp + t * KN + k * N, aap, N, R2, dw);
        for (int64_t r = 0; r < R; ++r) {
          dcp[k * R + r] += dw[r] * q_k[r];
          dq_k[r] = dw[r] * cp[k * R + r];
          dvp[(t * K + k) * R + r] = dw[R + r];
        }
        const int64_t o = k * N;
        ltr_backward_row(al, gx + t * gx_step + o, x + t * KN + o, pen_t, et + o, h + t * KN + o, dq_k, bp, N, R,
                         dhp + o, d + o, (t ? dzp + (t - 1) * KN : waste) + o);
      };
      // δ_S and dz_{S−1}: h_S feeds no step, so dh is only e_S there.
      {
        const scalar_t* et = rate_grad(S);
        const scalar_t pen_t = penalty(S);
        for_row_chunks(K, N, [&](int64_t begin, int64_t end) {
          for (int64_t k = begin; k < end; ++k) {
            ltr_backward_row(al, gx + S * gx_step + k * N, x + S * KN + k * N, pen_t, et + k * N, h + S * KN + k * N,
                             dqp, bp, N, int64_t(0), dhp + k * N, d + k * N, dzp + (S - 1) * KN + k * N);
          }
        });
      }
      for (int64_t t = S - 1; t >= 0; --t) {
        const scalar_t* et = rate_grad(t);
        const scalar_t pen_t = penalty(t);
        for_row_chunks(K, N * R2, [&](int64_t begin, int64_t end) {
          for (int64_t k = begin; k < end; ++k) step(t, k, et, pen_t);
        });
      }
    });
    // [dÂ | dA] = Σ_t dz_tᵀ w_t and dB̂ = Σ_t h_tᵀ dq_t: one GEMM each over all S·K rows,
    // computed transposed (wᵀ dz, dqᵀ h): with the narrow operand first, MKL's sgemm runs this
    // long reduction 5–8× faster than as dzᵀ w (measured at S·K = 10⁴, N = 200, R = 5).
    const Tensor daa = at::mm(w.view({S * K, R2}).t(), dz.view({S * K, N})).t();
    const Tensor db = at::mm(dq.view({S * K, R}).t(), rates.narrow(0, 0, S).reshape({S * K, N})).t();
    return {dv,    daa.narrow(1, 0, R), daa.narrow(1, R, R), db,       dc,       delta,
            d_readout, d_gain,          d_offset,            Tensor(), Tensor(), Tensor()};
  }
};

// Reference twin: the same recurrence and readout in plain LibTorch ops, differentiated by autograd.
LtrSequence ltr_reference(const Tensor& v, const Tensor& a_hat, const Tensor& a, const Tensor& b_hat,
                          const Tensor& c, const Tensor& x0, double alpha, const LtrReadout& readout) {
  Tensor x = x0;
  std::vector<Tensor> states{x0};
  states.reserve(static_cast<size_t>(v.size(0) + 1));
  for (int64_t t = 0; t < v.size(0); ++t) {
    const Tensor s = torch::matmul(torch::tanh(x), b_hat) * c;
    x = (1.0 - alpha) * x + alpha * (torch::matmul(s, a_hat.t()) + torch::matmul(v[t], a.t()));
    states.push_back(x);
  }
  const Tensor all = torch::stack(states), rates = torch::tanh(all);
  const Tensor pick = torch::arange(0, v.size(0) + 1, readout.every, torch::kInt64);
  const Tensor outputs =
      torch::matmul(rates.index_select(0, pick), readout.readout.t()) * readout.gain + readout.offset;
  return {all, rates, outputs, all.index_select(0, pick).pow(2).sum()};
}

}  // namespace

LtrSequence ltr_sequence(Engine engine, Workspace& workspace, const Tensor& drive_coefficients,
                         const Tensor& a_hat, const Tensor& a, const Tensor& b_hat, const Tensor& c, const Tensor& x0,
                         double alpha, const LtrReadout& readout) {
  TORCH_CHECK(readout.every >= 1 && drive_coefficients.size(0) % readout.every == 0,
              "ltr_sequence: the steps (", drive_coefficients.size(0), ") must be a multiple of every (",
              readout.every, ")");
  if (engine == Engine::reference) {
    return ltr_reference(drive_coefficients, a_hat, a, b_hat, c, x0, alpha, readout);
  }
  const auto out = LtrFunction::apply(drive_coefficients.contiguous(), a_hat.contiguous(), a.contiguous(),
                                      b_hat.contiguous(), c.contiguous(), x0.contiguous(),
                                      readout.readout.contiguous(), readout.gain.contiguous(),
                                      readout.offset.contiguous(), alpha, readout.every, &workspace);
  return {out[0], out[1], out[2], out[3]};
}

}  // namespace rnnscope::rnn
