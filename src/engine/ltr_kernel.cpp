// The low-tensor-rank RNN's fused whole-sequence kernel (a torch::autograd::Function) and its
// reference twin in plain LibTorch ops, the kernel's test oracle (engine_internal.h,
// docs/ltr.md). All trials of a recording are simulated at once; trial k has its own
// recurrent matrix W_k = Â diag(c_k) B̂ᵀ, which is never formed: its product with the rates
// goes through the rank-R factors, O(N·R) per trial and step instead of O(N²).
#include "engine/bptt_internal.h"

#include "rnnscope/linalg/gemm.h"

namespace rnnscope::rnn {
namespace {

using linalg::gemm;
using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Forward, row vectors per trial (x_t [K, N], Â, B̂, A [N, R], c [K, R], drive coefficients
// v_t [K, R]), with the two rank-R products of a step as one GEMM through [Â | A] [N, 2R]:
//   h_t = tanh(x_t),  q_t = h_t B̂,  w_t = [q_t ⊙ c | v_t],
//   x_{t+1} = (1 − α) x_t + α w_t [Â | A]ᵀ.
// The drive A v_t never exists as an [S, K, N] tensor: projecting it in autograd cost a
// GEMM, an 8 MB buffer and two skinny GEMMs back per iteration at N = 200.
// Backward, with δ_t = dL/dx_t (all paths), g_x, g_h the loss's own gradients at x_t, h_t:
//   dz_t = α δ_{t+1},  [ds_t | dv_t] = dz_t [Â | A],  dq_t = ds_t ⊙ c,  dc += ds_t ⊙ q_t,
//   dh_t = dq_t B̂ᵀ,  δ_t = g_x,t + (1 − α) δ_{t+1} + (1 − h_t²) ⊙ (g_h,t + dh_t),
// with δ_S = g_x,S + (1 − h_S²) ⊙ g_h,S; after the loop [dÂ | dA] = Σ_t dz_tᵀ w_t and
// dB̂ = Σ_t h_tᵀ dq_t as one GEMM each over all S·K rows, dx_0 = δ_0.

template <class T>
RNNSCOPE_VECTOR_CLONES void ltr_forward_step(T alpha, const T* __restrict x_prev, T* __restrict x, T* __restrict h,
                                             int64_t n) {
  // On entry x holds w_t [Â | A]ᵀ; on exit x_{t+1}, and h its rates.
  for (int64_t i = 0; i < n; ++i) {
    const T v = (T(1) - alpha) * x_prev[i] + alpha * x[i];
    x[i] = v;
    h[i] = vec_tanh(v);
  }
}

template <class T>
RNNSCOPE_VECTOR_CLONES void ltr_backward_step(T alpha, const T* __restrict g_x, const T* __restrict g_h,
                                              const T* __restrict h, const T* __restrict dh, T* __restrict delta,
                                              T* __restrict dz, int64_t n) {
  // On entry delta holds δ_{t+1}, dh holds dh_t (zeros for t = S); on exit delta holds δ_t and
  // dz = α δ_t (the previous step's dz; unused for t = 0).
  for (int64_t i = 0; i < n; ++i) {
    const T d = g_x[i] + (T(1) - alpha) * delta[i] + (T(1) - h[i] * h[i]) * (g_h[i] + dh[i]);
    delta[i] = d;
    dz[i] = alpha * d;
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
    const Tensor aa = at::cat({a_hat, a}, 1).contiguous();  // [N, 2R]
    states[0].copy_(x0);
    AT_DISPATCH_FLOATING_TYPES(x0.scalar_type(), "rnnscope_ltr_forward", [&] {
      const scalar_t al = static_cast<scalar_t>(alpha);
      const scalar_t *aap = aa.const_data_ptr<scalar_t>(), *bp = b_hat.const_data_ptr<scalar_t>(),
                     *cp = c.const_data_ptr<scalar_t>(), *vp = v.const_data_ptr<scalar_t>();
      scalar_t *x = states.data_ptr<scalar_t>(), *h = rates.data_ptr<scalar_t>(), *qp = q.data_ptr<scalar_t>(),
               *wp = w.data_ptr<scalar_t>();
      for (int64_t i = 0; i < KN; ++i) h[i] = vec_tanh(x[i]);
      for (int64_t t = 0; t < S; ++t) {
        scalar_t* q_t = qp + t * K * R;
        scalar_t* w_t = wp + t * K * R2;
        gemm<scalar_t>(false, false, K, R, N, h + t * KN, N, bp, R, 0, q_t, R);
        for (int64_t k = 0; k < K; ++k) {
          for (int64_t r = 0; r < R; ++r) {
            w_t[k * R2 + r] = q_t[k * R + r] * cp[k * R + r];
            w_t[k * R2 + R + r] = vp[(t * K + k) * R + r];
          }
        }
        scalar_t* x_next = x + (t + 1) * KN;
        gemm<scalar_t>(false, true, K, N, R2, w_t, R2, aap, R2, 0, x_next, N);
        for_row_chunks(K, N, [&](int64_t begin, int64_t end) {
          const int64_t o = begin * N;
          ltr_forward_step(al, x + t * KN + o, x_next + o, h + (t + 1) * KN + o, (end - begin) * N);
        });
      }
    });
    // The states are rarely used by a loss directly: let autograd pass no gradient rather than zeros.
    ctx->set_materialize_grads(false);
    ctx->save_for_backward({aa, b_hat, c, rates, q, w});
    ctx->saved_data["alpha"] = alpha;
    return {states, rates};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Tensor &aa = saved[0], &b_hat = saved[1], &c = saved[2], &rates = saved[3], &q = saved[4], &w = saved[5];
    const double alpha = ctx->saved_data["alpha"].toDouble();
    const int64_t S = q.size(0), K = q.size(1), R = q.size(2), N = rates.size(2), KN = K * N, R2 = 2 * R;
    const Tensor zeros = at::zeros({K, N}, rates.options());
    const Tensor g_x = grads[0].defined() ? grads[0].contiguous() : Tensor();
    const Tensor g_h = grads[1].defined() ? grads[1].contiguous() : Tensor();
    Tensor dz = at::empty({S, K, N}, rates.options());
    Tensor dq = at::empty({S, K, R}, rates.options());
    Tensor dv = at::empty({S, K, R}, rates.options());
    Tensor dc = at::zeros({K, R}, rates.options());
    Tensor delta = at::zeros({K, N}, rates.options());
    Tensor dh = at::zeros({K, N}, rates.options());
    Tensor dw = at::empty({K, R2}, rates.options());
    Tensor discard = at::empty({K, N}, rates.options());
    AT_DISPATCH_FLOATING_TYPES(rates.scalar_type(), "rnnscope_ltr_backward", [&] {
      const scalar_t al = static_cast<scalar_t>(alpha);
      const scalar_t *aap = aa.const_data_ptr<scalar_t>(), *bp = b_hat.const_data_ptr<scalar_t>(),
                     *cp = c.const_data_ptr<scalar_t>(), *h = rates.const_data_ptr<scalar_t>(),
                     *qp = q.const_data_ptr<scalar_t>(), *z0 = zeros.const_data_ptr<scalar_t>();
      const scalar_t* gx = g_x.defined() ? g_x.const_data_ptr<scalar_t>() : z0;
      const scalar_t* gh = g_h.defined() ? g_h.const_data_ptr<scalar_t>() : z0;
      const int64_t gx_step = g_x.defined() ? KN : 0, gh_step = g_h.defined() ? KN : 0;
      scalar_t *dzp = dz.data_ptr<scalar_t>(), *dqp = dq.data_ptr<scalar_t>(), *dvp = dv.data_ptr<scalar_t>(),
               *dcp = dc.data_ptr<scalar_t>(), *d = delta.data_ptr<scalar_t>(), *dhp = dh.data_ptr<scalar_t>(),
               *dwp = dw.data_ptr<scalar_t>(), *waste = discard.data_ptr<scalar_t>();
      // δ_S and dz_{S−1} (dh is zero: h_S feeds no step).
      for_row_chunks(K, N, [&](int64_t begin, int64_t end) {
        const int64_t o = begin * N;
        ltr_backward_step(al, gx + S * gx_step + o, gh + S * gh_step + o, h + S * KN + o, dhp + o, d + o,
                          dzp + (S - 1) * KN + o, (end - begin) * N);
      });
      for (int64_t t = S - 1; t >= 0; --t) {
        gemm<scalar_t>(false, false, K, R2, N, dzp + t * KN, N, aap, R2, 0, dwp, R2);
        const scalar_t* q_t = qp + t * K * R;
        scalar_t* dq_t = dqp + t * K * R;
        for (int64_t k = 0; k < K; ++k) {
          for (int64_t r = 0; r < R; ++r) {
            const scalar_t ds = dwp[k * R2 + r];
            dcp[k * R + r] += ds * q_t[k * R + r];
            dq_t[k * R + r] = ds * cp[k * R + r];
            dvp[(t * K + k) * R + r] = dwp[k * R2 + R + r];
          }
        }
        gemm<scalar_t>(false, true, K, N, R, dq_t, R, bp, R, 0, dhp, N);
        scalar_t* dz_prev = t ? dzp + (t - 1) * KN : waste;
        for_row_chunks(K, N, [&](int64_t begin, int64_t end) {
          const int64_t o = begin * N;
          ltr_backward_step(al, gx + t * gx_step + o, gh + t * gh_step + o, h + t * KN + o, dhp + o, d + o,
                            dz_prev + o, (end - begin) * N);
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
