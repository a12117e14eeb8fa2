// The discrete-time recurrent LIF layer's fused whole-sequence kernel for surrogate-gradient
// training (a torch::autograd::Function) and its reference twin in plain LibTorch ops, the
// kernel's test oracle (lif_kernel.h).
//
// Forward, per trial (row vectors v_t, s_t [N], drive d_t = u_t W_inᵀ + b from one GEMM over
// all T·B rows first):
//   v_t = β v_{t−1} + d_t + s_{t−1} W_recᵀ − θ s_{t−1},   s_t = H(v_t − θ),   v_0 = s_0 = 0.
// s_{t−1} is binary and mostly zero, so s_{t−1} W_recᵀ is the sum of the rows of W_recᵀ of
// the neurons that spiked (event-driven: the cost is N per spike, not N² per step).
// Backward, with δ_t = dL/dv_t and the loss's own gradients g_s,t, g_v,t; the reset is
// detached (snnTorch's default), so gradient flows to s_{t−1} through W_rec only:
//   e_t = g_s,t + δ_{t+1} W_rec,   δ_t = g_v,t + σ'(v_t − θ) ⊙ e_t + β δ_{t+1},
//   dW_rec = Σ_t δ_tᵀ s_{t−1}  (event-driven: row j of dW_recᵀ gains δ_t for each spike of j),
//   dW_in = Σ_t δ_tᵀ u_t, db = Σ_t δ_t (one GEMM and one sum over all T·B rows).
// With a compact-support surrogate σ' is zero on most entries, and e_t is needed only where
// it is not: those entries are dot products with rows of W_recᵀ instead of a [B, N]·[N, N]
// GEMM per step.
#include "engine/lif_kernel.h"

#include "engine/bptt_internal.h"

#include "rnnscope/linalg/gemm.h"

#include <cmath>

namespace rnnscope::rnn {
namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// σ'(x) of each surrogate (lif_kernel.h: Surrogate), k the slope.
template <Surrogate S, class T>
inline T surrogate_derivative(T x, T k) {
  if constexpr (S == Surrogate::fast_sigmoid) {
    const T d = T(1) + k * std::abs(x);
    return T(1) / (d * d);
  } else if constexpr (S == Surrogate::arctan) {
    const T z = T(M_PI / 2) * k * x;
    return (k / T(2)) / (T(1) + z * z);
  } else {
    return k * std::max(T(0), T(1) - k * std::abs(x));
  }
}

template <class F>
void with_surrogate(Surrogate s, const F& f) {
  switch (s) {
    case Surrogate::fast_sigmoid: return f(std::integral_constant<Surrogate, Surrogate::fast_sigmoid>());
    case Surrogate::arctan: return f(std::integral_constant<Surrogate, Surrogate::arctan>());
    case Surrogate::triangle: return f(std::integral_constant<Surrogate, Surrogate::triangle>());
  }
}

// One trial's step: v = β v_prev + d + Σ_{j: s_prev,j = 1} (wrt_j − θ e_j), s = H(v − θ).
template <class T>
void lif_forward_row(T beta, T theta, const T* __restrict v_prev, const T* __restrict s_prev,
                     const T* __restrict drive, const T* __restrict wrt, int64_t n, T* __restrict v, T* __restrict s) {
  for (int64_t i = 0; i < n; ++i) v[i] = beta * v_prev[i] + drive[i];
  for (int64_t j = 0; j < n; ++j) {
    if (s_prev[j] == T(0)) continue;
    const T* row = wrt + j * n;
    for (int64_t i = 0; i < n; ++i) v[i] += row[i];
    v[j] -= theta;
  }
  for (int64_t i = 0; i < n; ++i) s[i] = v[i] > theta ? T(1) : T(0);
}

class LifFunction : public torch::autograd::Function<LifFunction> {
 public:
  static variable_list forward(AutogradContext* ctx, const Tensor& inputs, const Tensor& w_in, const Tensor& w_rec,
                               const Tensor& b, double beta, double threshold, int64_t surrogate, double slope) {
    const int64_t T = inputs.size(0), B = inputs.size(1), N = w_rec.size(0);
    const auto opts = inputs.options();
    const Tensor drive = at::addmm(b, inputs.reshape({T * B, inputs.size(2)}), w_in.t()).view({T, B, N});
    const Tensor wrt = w_rec.t().contiguous();
    Tensor membrane = at::empty({T, B, N}, opts), spikes = at::empty({T, B, N}, opts);
    const Tensor zeros = at::zeros({B, N}, opts);
    AT_DISPATCH_FLOATING_TYPES(inputs.scalar_type(), "rnnscope_lif_forward", [&] {
      const scalar_t be = static_cast<scalar_t>(beta), th = static_cast<scalar_t>(threshold);
      const scalar_t *d = drive.const_data_ptr<scalar_t>(), *w = wrt.const_data_ptr<scalar_t>(),
                     *z = zeros.const_data_ptr<scalar_t>();
      scalar_t *v = membrane.data_ptr<scalar_t>(), *s = spikes.data_ptr<scalar_t>();
      for (int64_t t = 0; t < T; ++t) {
        for_row_chunks(B, N, [&](int64_t begin, int64_t end) {
          for (int64_t r = begin; r < end; ++r) {
            const int64_t o = (t * B + r) * N, prev = o - B * N;
            lif_forward_row(be, th, t ? v + prev : z + r * N, t ? s + prev : z + r * N, d + o, w, N, v + o, s + o);
          }
        });
      }
    });
    ctx->set_materialize_grads(false);
    ctx->save_for_backward({inputs, w_in, w_rec, membrane, spikes});
    ctx->saved_data["beta"] = beta;
    ctx->saved_data["threshold"] = threshold;
    ctx->saved_data["surrogate"] = surrogate;
    ctx->saved_data["slope"] = slope;
    return {spikes, membrane};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Tensor &inputs = saved[0], &w_in = saved[1], &w_rec = saved[2], &membrane = saved[3], &spikes = saved[4];
    const double beta = ctx->saved_data["beta"].toDouble(), threshold = ctx->saved_data["threshold"].toDouble(),
                 slope = ctx->saved_data["slope"].toDouble();
    const auto surrogate = static_cast<Surrogate>(ctx->saved_data["surrogate"].toInt());
    const int64_t T = membrane.size(0), B = membrane.size(1), N = membrane.size(2), n_in = inputs.size(2);
    const auto opts = membrane.options();
    const Tensor zeros = at::zeros({B, N}, opts);
    const Tensor g_s = grads[0].defined() ? grads[0].contiguous() : Tensor();
    const Tensor g_v = grads[1].defined() ? grads[1].contiguous() : Tensor();
    const bool compact = surrogate == Surrogate::triangle;
    // Compact support reads e_t's entries as rows of W_recᵀ; smooth surrogates form it whole.
    const Tensor wrt = compact ? w_rec.t().contiguous() : Tensor();
    Tensor delta = at::empty({T, B, N}, opts);
    Tensor e = at::empty({compact ? 0 : B, N}, opts);  // δ_{t+1} W_rec
    Tensor dwrt = at::zeros({N, N}, opts);
    AT_DISPATCH_FLOATING_TYPES(membrane.scalar_type(), "rnnscope_lif_backward", [&] {
      with_surrogate(surrogate, [&](auto kind) {
        constexpr Surrogate S = decltype(kind)::value;
        const scalar_t be = static_cast<scalar_t>(beta), th = static_cast<scalar_t>(threshold),
                       k = static_cast<scalar_t>(slope);
        const scalar_t *v = membrane.const_data_ptr<scalar_t>(), *s = spikes.const_data_ptr<scalar_t>(),
                       *wr = w_rec.const_data_ptr<scalar_t>(), *w = compact ? wrt.const_data_ptr<scalar_t>() : nullptr,
                       *z = zeros.const_data_ptr<scalar_t>();
        const scalar_t* gs = g_s.defined() ? g_s.const_data_ptr<scalar_t>() : nullptr;
        const scalar_t* gv = g_v.defined() ? g_v.const_data_ptr<scalar_t>() : nullptr;
        scalar_t *dp = delta.data_ptr<scalar_t>(), *ep = e.data_ptr<scalar_t>();
        for (int64_t t = T - 1; t >= 0; --t) {
          const bool last = t == T - 1;
          const scalar_t* next = last ? z : dp + (t + 1) * B * N;
          if (!last && !compact) linalg::gemm<scalar_t>(false, false, B, N, N, next, N, wr, N, 0, ep, N);
          for_row_chunks(B, N, [&](int64_t begin, int64_t end) {
            for (int64_t r = begin; r < end; ++r) {
              const int64_t o = (t * B + r) * N;
              const scalar_t* nr = next + r * N;
              scalar_t* dr = dp + o;
              for (int64_t i = 0; i < N; ++i) {
                const scalar_t slope_i = surrogate_derivative<S>(v[o + i] - th, k);
                scalar_t grad = be * nr[i] + (gv ? gv[o + i] : scalar_t(0));
                if (slope_i != scalar_t(0)) {
                  scalar_t ei = gs ? gs[o + i] : scalar_t(0);
                  if (!last) {
                    if (compact) {
                      const scalar_t* col = w + i * N;  // column i of W_rec
                      for (int64_t m = 0; m < N; ++m) ei += col[m] * nr[m];
                    } else {
                      ei += ep[r * N + i];
                    }
                  }
                  grad += slope_i * ei;
                }
                dr[i] = grad;
              }
            }
          });
        }
        // dW_recᵀ row j += δ_t for each spike of j at t − 1: in (t, row) order, the same sums
        // for any thread count.
        scalar_t* dw = dwrt.data_ptr<scalar_t>();
        for (int64_t t = 1; t < T; ++t) {
          for (int64_t r = 0; r < B; ++r) {
            const scalar_t* sp = s + ((t - 1) * B + r) * N;
            const scalar_t* dr = dp + (t * B + r) * N;
            for (int64_t j = 0; j < N; ++j) {
              if (sp[j] == scalar_t(0)) continue;
              scalar_t* row = dw + j * N;
              for (int64_t i = 0; i < N; ++i) row[i] += dr[i];
            }
          }
        }
      });
    });
    const Tensor flat = delta.view({T * B, N});
    const Tensor d_inputs = ctx->needs_input_grad(0) ? at::mm(flat, w_in).view({T, B, n_in}) : Tensor();
    const Tensor d_w_in = at::mm(flat.t(), inputs.reshape({T * B, n_in}));
    return {d_inputs, d_w_in, dwrt.t().contiguous(), flat.sum(0), Tensor(), Tensor(), Tensor(), Tensor()};
  }
};

// The surrogate's primitive f (f' = σ'), in LibTorch ops: the reference's spikes are
// H(x) + f(x) − f(x).detach(), whose value is H(x) and whose autograd derivative is σ'(x).
Tensor surrogate_primitive(Surrogate s, const Tensor& x, double k) {
  switch (s) {
    case Surrogate::fast_sigmoid: return x / (1.0 + k * x.abs());
    case Surrogate::arctan: return torch::atan((M_PI / 2) * k * x) / M_PI;
    case Surrogate::triangle: {
      const Tensor c = x.clamp(-1.0 / k, 1.0 / k);
      return k * c - 0.5 * k * k * c * c.abs();
    }
  }
  return Tensor();
}

// Reference twin: the same recurrence in plain LibTorch ops, differentiated by autograd.
LifSequence lif_reference(const Tensor& inputs, const Tensor& w_in, const Tensor& w_rec, const Tensor& b,
                          const LifDynamics& dynamics) {
  const int64_t T = inputs.size(0), B = inputs.size(1), N = w_rec.size(0);
  Tensor v = torch::zeros({B, N}, inputs.options()), s = torch::zeros({B, N}, inputs.options());
  std::vector<Tensor> vs, ss;
  for (int64_t t = 0; t < T; ++t) {
    v = dynamics.beta * v + torch::matmul(inputs[t], w_in.t()) + b + torch::matmul(s, w_rec.t()) -
        dynamics.threshold * s.detach();
    const Tensor x = v - dynamics.threshold;
    const Tensor f = surrogate_primitive(dynamics.surrogate, x, dynamics.slope);
    s = (x > 0).to(x.scalar_type()) + f - f.detach();
    vs.push_back(v);
    ss.push_back(s);
  }
  return {torch::stack(ss), torch::stack(vs)};
}

}  // namespace

Surrogate parse_surrogate(const std::string& name) {
  if (name == "fast_sigmoid") return Surrogate::fast_sigmoid;
  if (name == "arctan") return Surrogate::arctan;
  if (name == "triangle") return Surrogate::triangle;
  TORCH_CHECK(false, "unknown surrogate '", name, "'");
}

double surrogate_derivative(Surrogate s, double x, double slope) {
  double out = 0;
  with_surrogate(s, [&](auto kind) { out = surrogate_derivative<decltype(kind)::value>(x, slope); });
  return out;
}

double surrogate_primitive(Surrogate s, double x, double slope) {
  return surrogate_primitive(s, torch::tensor(x, torch::kFloat64), slope).item<double>();
}

LifSequence lif_sequence(Engine engine, const Tensor& inputs, const Tensor& w_in, const Tensor& w_rec, const Tensor& b,
                         const LifDynamics& dynamics) {
  TORCH_CHECK(dynamics.slope > 0, "lif_sequence: the surrogate's slope must be > 0");
  if (engine == Engine::reference) return lif_reference(inputs, w_in, w_rec, b, dynamics);
  const auto out = LifFunction::apply(inputs.contiguous(), w_in.contiguous(), w_rec.contiguous(), b.contiguous(),
                                      dynamics.beta, dynamics.threshold, static_cast<int64_t>(dynamics.surrogate),
                                      dynamics.slope);
  return {out[0], out[1]};
}

}  // namespace rnnscope::rnn
