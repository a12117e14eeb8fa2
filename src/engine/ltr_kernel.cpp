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

// Forward, row vectors per trial (x_t [K, N], drive e_t [K, N], Â, B̂ [N, R], c [K, R]):
//   h_t = tanh(x_t),  q_t = h_t B̂,  s_t = q_t ⊙ c,  x_{t+1} = (1 − α) x_t + α (s_t Âᵀ + e_t).
// Backward, with δ_{t+1} = dL/dx_{t+1} (all paths) and dz_t = α δ_{t+1}:
//   ds_t = dz_t Â,  dq_t = ds_t ⊙ c,  dc += ds_t ⊙ q_t,  dh_t = dq_t B̂ᵀ,
//   δ_t = g_t + (1 − α) δ_{t+1} + (1 − h_t²) ⊙ dh_t        (g_t: the loss's own dL/dx_t),
// and after the loop dÂ = Σ_t dz_tᵀ s_t, dB̂ = Σ_t h_tᵀ dq_t as two GEMMs over all steps,
// de_t = dz_t, dx_0 = δ_0.

template <class T>
RNNSCOPE_VECTOR_CLONES void ltr_forward_step(T alpha, const T* __restrict x_prev, const T* __restrict drive,
                                             T* __restrict x, T* __restrict h, int64_t n) {
  // On entry x holds s_t Âᵀ; on exit x_{t+1}, and h its rates (when h is not null).
  for (int64_t i = 0; i < n; ++i) {
    const T v = (T(1) - alpha) * x_prev[i] + alpha * (x[i] + drive[i]);
    x[i] = v;
    if (h) h[i] = vec_tanh(v);
  }
}

template <class T>
RNNSCOPE_VECTOR_CLONES void ltr_backward_step(T alpha, const T* __restrict g, const T* __restrict h,
                                              const T* __restrict dh, T* __restrict delta, T* __restrict dz,
                                              int64_t n) {
  // On entry delta holds δ_{t+1}, dh holds dh_t; on exit delta holds δ_t and dz = α δ_t
  // (the drive's gradient of the step before, where there is one).
  for (int64_t i = 0; i < n; ++i) {
    const T d = g[i] + (T(1) - alpha) * delta[i] + (T(1) - h[i] * h[i]) * dh[i];
    delta[i] = d;
    dz[i] = alpha * d;
  }
}

class LtrFunction : public torch::autograd::Function<LtrFunction> {
 public:
  static Tensor forward(AutogradContext* ctx, const Tensor& drive, const Tensor& a, const Tensor& b, const Tensor& c,
                        const Tensor& x0, double alpha, Workspace* workspace) {
    const int64_t S = drive.size(0), K = drive.size(1), N = drive.size(2), R = a.size(1), KN = K * N;
    Tensor states = workspace->take(0, {S, K, N}, drive.options());
    // h_0..h_{S−1}, q_0..q_{S−1} and s_t = q_t ⊙ c, kept for backward.
    Tensor rates = workspace->take(1, {S, K, N}, drive.options());
    Tensor q = workspace->take(2, {S, K, R}, drive.options());
    Tensor s = workspace->take(3, {S, K, R}, drive.options());
    const Tensor x0c = x0.contiguous();
    AT_DISPATCH_FLOATING_TYPES(drive.scalar_type(), "rnnscope_ltr_forward", [&] {
      const scalar_t al = static_cast<scalar_t>(alpha);
      const scalar_t *ap = a.const_data_ptr<scalar_t>(), *bp = b.const_data_ptr<scalar_t>(),
                     *cp = c.const_data_ptr<scalar_t>(), *ep = drive.const_data_ptr<scalar_t>();
      scalar_t *x = states.data_ptr<scalar_t>(), *h = rates.data_ptr<scalar_t>(), *qp = q.data_ptr<scalar_t>(),
               *sp = s.data_ptr<scalar_t>();
      const scalar_t* x0p = x0c.const_data_ptr<scalar_t>();
      for (int64_t i = 0; i < KN; ++i) h[i] = vec_tanh(x0p[i]);
      for (int64_t t = 0; t < S; ++t) {
        scalar_t* q_t = qp + t * K * R;
        scalar_t* s_t = sp + t * K * R;
        gemm<scalar_t>(false, false, K, R, N, h + t * KN, N, bp, R, 0, q_t, R);
        for (int64_t i = 0; i < K * R; ++i) s_t[i] = q_t[i] * cp[i];
        scalar_t* x_t = x + t * KN;
        gemm<scalar_t>(false, true, K, N, R, s_t, R, ap, R, 0, x_t, N);
        const scalar_t* x_prev = t ? x + (t - 1) * KN : x0p;
        scalar_t* h_next = t + 1 < S ? h + (t + 1) * KN : nullptr;
        for_row_chunks(K, N, [&](int64_t begin, int64_t end) {
          const int64_t o = begin * N;
          ltr_forward_step(al, x_prev + o, ep + t * KN + o, x_t + o, h_next ? h_next + o : nullptr,
                           (end - begin) * N);
        });
      }
    });
    ctx->save_for_backward({a, b, c, rates, q, s});
    ctx->saved_data["alpha"] = alpha;
    return states;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Tensor &a = saved[0], &b = saved[1], &c = saved[2], &rates = saved[3], &q = saved[4], &s = saved[5];
    const double alpha = ctx->saved_data["alpha"].toDouble();
    const int64_t S = rates.size(0), K = rates.size(1), N = rates.size(2), R = a.size(1), KN = K * N;
    const Tensor g = grads[0].contiguous();
    Tensor dz = at::empty({S, K, N}, rates.options());
    Tensor dq = at::empty({S, K, R}, rates.options());
    Tensor dc = at::zeros({K, R}, rates.options());
    Tensor delta = at::zeros({K, N}, rates.options());
    Tensor dh = at::empty({K, N}, rates.options());
    Tensor ds = at::empty({K, R}, rates.options());
    AT_DISPATCH_FLOATING_TYPES(rates.scalar_type(), "rnnscope_ltr_backward", [&] {
      const scalar_t al = static_cast<scalar_t>(alpha);
      const scalar_t *ap = a.const_data_ptr<scalar_t>(), *bp = b.const_data_ptr<scalar_t>(),
                     *cp = c.const_data_ptr<scalar_t>(), *h = rates.const_data_ptr<scalar_t>(),
                     *qp = q.const_data_ptr<scalar_t>(), *gp = g.const_data_ptr<scalar_t>();
      scalar_t *dzp = dz.data_ptr<scalar_t>(), *dqp = dq.data_ptr<scalar_t>(), *dcp = dc.data_ptr<scalar_t>(),
               *d = delta.data_ptr<scalar_t>(), *dhp = dh.data_ptr<scalar_t>(), *dsp = ds.data_ptr<scalar_t>();
      // δ_S = g_{S−1} (x_S reaches the loss only directly), dz_{S−1} = α δ_S.
      for (int64_t i = 0; i < KN; ++i) {
        d[i] = gp[(S - 1) * KN + i];
        dzp[(S - 1) * KN + i] = al * d[i];
      }
      for (int64_t t = S - 1; t >= 0; --t) {
        const scalar_t* q_t = qp + t * K * R;
        scalar_t* dq_t = dqp + t * K * R;
        gemm<scalar_t>(false, false, K, R, N, dzp + t * KN, N, ap, R, 0, dsp, R);
        for (int64_t i = 0; i < K * R; ++i) {
          dcp[i] += dsp[i] * q_t[i];
          dq_t[i] = dsp[i] * cp[i];
        }
        gemm<scalar_t>(false, true, K, N, R, dq_t, R, bp, R, 0, dhp, N);
        // δ_t from δ_{t+1}; g_t is the loss's gradient at x_t, which the states hold for t ≥ 1
        // (x_0 is an input, its direct gradient is the caller's). dz_{t−1} = α δ_t.
        for_row_chunks(K, N, [&](int64_t begin, int64_t end) {
          const int64_t o = begin * N, n = (end - begin) * N;
          if (t) {
            ltr_backward_step(al, gp + (t - 1) * KN + o, h + t * KN + o, dhp + o, d + o, dzp + (t - 1) * KN + o, n);
          } else {
            for (int64_t i = 0; i < n; ++i) {
              d[o + i] = (scalar_t(1) - al) * d[o + i] + (scalar_t(1) - h[o + i] * h[o + i]) * dhp[o + i];
            }
          }
        });
      }
    });
    // dÂ = Σ_t dz_tᵀ s_t, dB̂ = Σ_t h_tᵀ dq_t: one GEMM each over all S·K rows.
    const Tensor da = ctx->needs_input_grad(1) ? at::mm(dz.view({S * K, N}).t(), s.view({S * K, R})) : Tensor();
    const Tensor db = ctx->needs_input_grad(2) ? at::mm(rates.view({S * K, N}).t(), dq.view({S * K, R})) : Tensor();
    return {dz, da, db, dc, delta, Tensor(), Tensor()};
  }
};

// Reference twin: the same recurrence in plain LibTorch ops, differentiated by autograd.
Tensor ltr_reference(const Tensor& drive, const Tensor& a, const Tensor& b, const Tensor& c, const Tensor& x0,
                     double alpha) {
  Tensor x = x0;
  std::vector<Tensor> states;
  states.reserve(static_cast<size_t>(drive.size(0)));
  for (int64_t t = 0; t < drive.size(0); ++t) {
    const Tensor s = torch::matmul(torch::tanh(x), b) * c;
    x = (1.0 - alpha) * x + alpha * (torch::matmul(s, a.t()) + drive[t]);
    states.push_back(x);
  }
  return torch::stack(states);
}

}  // namespace

Tensor ltr_sequence(Engine engine, Workspace& workspace, const Tensor& drive, const Tensor& a_hat,
                    const Tensor& b_hat, const Tensor& c, const Tensor& x0, double alpha) {
  if (engine == Engine::reference) return ltr_reference(drive, a_hat, b_hat, c, x0, alpha);
  return LtrFunction::apply(drive.contiguous(), a_hat.contiguous(), b_hat.contiguous(), c.contiguous(),
                            x0.contiguous(), alpha, &workspace);
}

}  // namespace rnnscope::rnn
