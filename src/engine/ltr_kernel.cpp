// The low-tensor-rank RNN's fused whole-sequence kernel (a torch::autograd::Function) and its
// reference twin in plain LibTorch ops, the kernel's test oracle (engine_internal.h,
// docs/ltr.md). All trials of a recording are simulated at once; trial k has its own
// recurrent matrix W_k = Â diag(c_k) B̂ᵀ, which is never formed: its product with the rates
// goes through the rank-R factors, O(N·R) per trial and step instead of O(N²).
#include "engine/bptt_internal.h"

namespace rnnscope::rnn {
namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Forward, row vectors per trial (x_t [K, N], Â, B̂, A [N, R], c [K, R], drive coefficients
// v_t [K, R]), the recurrent and input drives together through [Â | A] [N, 2R]:
//   h_t = tanh(x_t),  q_t = h_t B̂,  w_t = [q_t ⊙ c | v_t],
//   x_{t+1} = (1 − α) x_t + α w_t [Â | A]ᵀ.
// Backward, with δ_t = dL/dx_t (all paths), g_x, g_h the loss's own gradients at x_t, h_t:
//   dz_t = α δ_{t+1},  [ds_t | dv_t] = dz_t [Â | A],  dq_t = ds_t ⊙ c,  dc += ds_t ⊙ q_t,
//   dh_t = dq_t B̂ᵀ,  δ_t = g_x,t + (1 − α) δ_{t+1} + (1 − h_t²) ⊙ (g_h,t + dh_t),
// with δ_S = g_x,S + (1 − h_S²) ⊙ g_h,S; after the loop [dÂ | dA] = Σ_t dz_tᵀ w_t and
// dB̂ = Σ_t h_tᵀ dq_t as one GEMM each over all S·K rows, dx_0 = δ_0.
//
// Why row loops and not GEMMs inside the steps: R is small (1–20), so each step's products
// are skinny ([K, N]·[N, R]), which a BLAS runs far below its peak and with a call overhead
// as large as the arithmetic. Every trial (row) is independent within a step, so one pass
// over a row does all of its step: the drive as 2R scaled additions of rows of [Â | A]ᵀ, the
// tanh, and the next step's R dot products with rows of B̂ᵀ, while the row is in cache.

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
  for (int64_t k = 0; k < r; ++k) {
    const T* row = bt + k * n;
    T sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += h[i] * row[i];
    q[k] = sum;
  }
}

// dh = Σ_r dq_r bt_r, then δ ← g_x + (1 − α) δ + (1 − h²)(g_h + dh), dz = α δ.
template <class T>
RNNSCOPE_VECTOR_CLONES void ltr_backward_row(T alpha, const T* __restrict g_x, const T* __restrict g_h,
                                             const T* __restrict h, const T* __restrict dq, const T* __restrict bt,
                                             int64_t n, int64_t r, T* __restrict dh, T* __restrict delta,
                                             T* __restrict dz) {
  for (int64_t i = 0; i < n; ++i) dh[i] = g_h[i];
  for (int64_t k = 0; k < r; ++k) {
    const T d = dq[k];
    const T* row = bt + k * n;
    for (int64_t i = 0; i < n; ++i) dh[i] += d * row[i];
  }
  for (int64_t i = 0; i < n; ++i) {
    const T d = g_x[i] + (T(1) - alpha) * delta[i] + (T(1) - h[i] * h[i]) * dh[i];
    delta[i] = d;
    dz[i] = alpha * d;
  }
}

// out_j = dz · aat_j for j < m.
template <class T>
RNNSCOPE_VECTOR_CLONES void ltr_row_dots(const T* __restrict dz, const T* __restrict aat, int64_t n, int64_t m,
                                         T* __restrict out) {
  for (int64_t j = 0; j < m; ++j) {
    const T* row = aat + j * n;
    T sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += dz[i] * row[i];
    out[j] = sum;
  }
}

class LtrFunction : public torch::autograd::Function<LtrFunction> {
 public:
  static variable_list forward(AutogradContext* ctx, const Tensor& v, const Tensor& a_hat, const Tensor& a,
                               const Tensor& b_hat, const Tensor& c, const Tensor& x0, double alpha,
                               Workspace* workspace) {
    const int64_t S = v.size(0), K = v.size(1), R = v.size(2), N = x0.size(1), KN = K * N, R2 = 2 * R;
    Tensor states = workspace->take(0, {S + 1, K, N}, x0.options());
    Tensor rates = workspace->take(1, {S + 1, K, N}, x0.options());
    Tensor q = workspace->take(2, {S, K, R}, x0.options());
    Tensor w = workspace->take(3, {S, K, R2}, x0.options());
    // Backward's dL/dz buffer, taken here where the workspace is at hand: a fresh [S, K, N]
    // tensor per iteration costs page faults on every call.
    Tensor dz = workspace->take(4, {S, K, N}, x0.options());
    const Tensor aat = at::cat({a_hat, a}, 1).t().contiguous();  // [2R, N]
    const Tensor bt = b_hat.t().contiguous();                    // [R, N]
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
        }
      });
      for (int64_t t = 0; t < S; ++t) {
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
          }
        });
      }
    });
    // The states are rarely used by a loss directly: let autograd pass no gradient rather than zeros.
    ctx->set_materialize_grads(false);
    ctx->save_for_backward({aat, bt, c, rates, q, w, dz});
    ctx->saved_data["alpha"] = alpha;
    return {states, rates};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Tensor &aat = saved[0], &bt = saved[1], &c = saved[2], &rates = saved[3], &q = saved[4], &w = saved[5],
                 &dz = saved[6];
    const double alpha = ctx->saved_data["alpha"].toDouble();
    const int64_t S = q.size(0), K = q.size(1), R = q.size(2), N = rates.size(2), KN = K * N, R2 = 2 * R;
    const Tensor zeros = at::zeros({K, N}, rates.options());
    const Tensor g_x = grads[0].defined() ? grads[0].contiguous() : Tensor();
    const Tensor g_h = grads[1].defined() ? grads[1].contiguous() : Tensor();
    Tensor dq = at::empty({S, K, R}, rates.options());
    Tensor dv = at::empty({S, K, R}, rates.options());
    Tensor dc = at::zeros({K, R}, rates.options());
    Tensor delta = at::zeros({K, N}, rates.options());
    Tensor dh = at::empty({K, N}, rates.options());
    Tensor discard = at::empty({K, N}, rates.options());
    Tensor dw = at::empty({K, R2}, rates.options());
    AT_DISPATCH_FLOATING_TYPES(rates.scalar_type(), "rnnscope_ltr_backward", [&] {
      const scalar_t al = static_cast<scalar_t>(alpha);
      const scalar_t *aap = aat.const_data_ptr<scalar_t>(), *bp = bt.const_data_ptr<scalar_t>(),
                     *cp = c.const_data_ptr<scalar_t>(), *h = rates.const_data_ptr<scalar_t>(),
                     *qp = q.const_data_ptr<scalar_t>(), *z0 = zeros.const_data_ptr<scalar_t>();
      const scalar_t* gx = g_x.defined() ? g_x.const_data_ptr<scalar_t>() : z0;
      const scalar_t* gh = g_h.defined() ? g_h.const_data_ptr<scalar_t>() : z0;
      const int64_t gx_step = g_x.defined() ? KN : 0, gh_step = g_h.defined() ? KN : 0;
      scalar_t *dzp = dz.data_ptr<scalar_t>(), *dqp = dq.data_ptr<scalar_t>(), *dvp = dv.data_ptr<scalar_t>(),
               *dcp = dc.data_ptr<scalar_t>(), *d = delta.data_ptr<scalar_t>(), *dhp = dh.data_ptr<scalar_t>(),
               *waste = discard.data_ptr<scalar_t>(), *dwp = dw.data_ptr<scalar_t>();
      // Row k's work at step t: [ds | dv] from dz_t, dc and dq, then δ_t and dz_{t−1}.
      const auto step = [&](int64_t t, int64_t k) {
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
        ltr_backward_row(al, gx + t * gx_step + o, gh + t * gh_step + o, h + t * KN + o, dq_k, bp, N, R, dhp + o,
                         d + o, (t ? dzp + (t - 1) * KN : waste) + o);
      };
      // δ_S and dz_{S−1}: h_S feeds no step, so dh is only g_h there.
      for_row_chunks(K, N, [&](int64_t begin, int64_t end) {
        for (int64_t k = begin; k < end; ++k) {
          ltr_backward_row(al, gx + S * gx_step + k * N, gh + S * gh_step + k * N, h + S * KN + k * N, dqp, bp, N,
                           int64_t(0), dhp + k * N, d + k * N, dzp + (S - 1) * KN + k * N);
        }
      });
      for (int64_t t = S - 1; t >= 0; --t) {
        for_row_chunks(K, N * R2, [&](int64_t begin, int64_t end) {
          for (int64_t k = begin; k < end; ++k) step(t, k);
        });
      }
    });
    // [dÂ | dA] = Σ_t dz_tᵀ w_t and dB̂ = Σ_t h_tᵀ dq_t: one GEMM each over all S·K rows.
    const Tensor daa = at::mm(dz.view({S * K, N}).t(), w.view({S * K, R2}));
    const Tensor db = at::mm(rates.narrow(0, 0, S).reshape({S * K, N}).t(), dq.view({S * K, R}));
    return {dv, daa.narrow(1, 0, R), daa.narrow(1, R, R), db, dc, delta, Tensor(), Tensor()};
  }
};

// Reference twin: the same recurrence in plain LibTorch ops, differentiated by autograd.
LtrSequence ltr_reference(const Tensor& v, const Tensor& a_hat, const Tensor& a, const Tensor& b_hat,
                          const Tensor& c, const Tensor& x0, double alpha) {
  Tensor x = x0;
  std::vector<Tensor> states{x0};
  states.reserve(static_cast<size_t>(v.size(0) + 1));
  for (int64_t t = 0; t < v.size(0); ++t) {
    const Tensor s = torch::matmul(torch::tanh(x), b_hat) * c;
    x = (1.0 - alpha) * x + alpha * (torch::matmul(s, a_hat.t()) + torch::matmul(v[t], a.t()));
    states.push_back(x);
  }
  const Tensor all = torch::stack(states);
  return {all, torch::tanh(all)};
}

}  // namespace

LtrSequence ltr_sequence(Engine engine, Workspace& workspace, const Tensor& drive_coefficients,
                         const Tensor& a_hat, const Tensor& a, const Tensor& b_hat, const Tensor& c, const Tensor& x0,
                         double alpha) {
  if (engine == Engine::reference) return ltr_reference(drive_coefficients, a_hat, a, b_hat, c, x0, alpha);
  const auto out = LtrFunction::apply(drive_coefficients.contiguous(), a_hat.contiguous(), a.contiguous(),
                                      b_hat.contiguous(), c.contiguous(), x0.contiguous(), alpha, &workspace);
  return {out[0], out[1]};
}

}  // namespace rnnscope::rnn
