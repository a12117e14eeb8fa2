// Masked sequence losses (loss_internal.h): a fused autograd Function and its reference twin.
//
// Per row (one trial at one step) with weight m = mask, outputs y and targets q over O outputs:
//   squared error  ℓ = Σ_o (y_o − q_o)² / O,                 dℓ/dy_o = 2 (y_o − q_o) / O
//   cross-entropy  ℓ = −Σ_o q_o log softmax(y)_o
//                    = (Σ_o q_o) · logsumexp(y) − Σ_o q_o y_o,  dℓ/dy_o = (Σ q) softmax(y)_o − q_o
// and the loss is Σ m ℓ / max(Σ m, 1). Sums run in double in a fixed order, so
// the value does not depend on the thread count.
#include "training/loss_internal.h"
#include "core/vector_math.h"


#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace rnnscope::rnn {
namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The softmax of one row, unnormalised: `shifted` receives exp(y − max y); returns
// {max y, Σ shifted}, so logsumexp = max + log Σ and softmax = shifted / Σ.
template <class T>
std::pair<double, double> softmax_numerators(const T* y, int64_t n, T* shifted) {
  const T top = *std::max_element(y, y + n);
  double sum = 0;
  for (int64_t o = 0; o < n; ++o) {
    shifted[o] = vec_exp(y[o] - top);
    sum += static_cast<double>(shifted[o]);
  }
  return {static_cast<double>(top), sum};
}

// Σ_row m_row Σ_o (y_o − q_o)² over rows of n outputs (the squared error's total before the
// division by n). Eight partial sums, element by element in turn: one running sum is a chain
// of dependent additions (one latency per element, the loss's whole cost at 8 outputs); the
// order is fixed, so the value does not depend on the thread count.
template <class T>
double masked_squared_error_total(const T* __restrict y, const T* __restrict q, const T* __restrict m, int64_t rows,
                                  int64_t n) {
  constexpr int64_t lanes = 8;
  double partial[lanes] = {};
  int64_t lane = 0;
  for (int64_t row = 0; row < rows; ++row) {
    if (m[row] == 0) continue;
    const double w = static_cast<double>(m[row]);
    for (int64_t o = 0; o < n; ++o) {
      const double d = static_cast<double>(y[row * n + o]) - static_cast<double>(q[row * n + o]);
      partial[lane] += w * d * d;
      lane = (lane + 1) & (lanes - 1);
    }
  }
  double total = 0;
  for (const double p : partial) total += p;
  return total;
}

// outputs [T, B, n] (one network: a scalar loss) or [K, T, B, n] (K replicas on the same
// targets and mask: one loss per replica, [K], one autograd node and one [K, T, B, n]
// gradient instead of K of each and a stacking copy). Each replica's loss is summed as a
// single network's, so replica k's loss and gradient equal the one-network call's bit for bit.
class MaskedLossFunction : public torch::autograd::Function<MaskedLossFunction> {
 public:
  static Tensor forward(AutogradContext* ctx, const Tensor& outputs, const Tensor& targets, const Tensor& mask,
                        int64_t kind_index) {
    const auto kind = static_cast<tasks::LossKind>(kind_index);
    const int64_t rows = mask.numel(), n = outputs.size(-1);
    const int64_t replicas = outputs.dim() == 4 ? outputs.size(0) : 1;
    double weight = 0;
    Tensor losses = at::empty({replicas}, outputs.options());
    AT_DISPATCH_FLOATING_TYPES(outputs.scalar_type(), "rnnscope_task_loss", [&] {
      const scalar_t* q = targets.const_data_ptr<scalar_t>();
      const scalar_t* m = mask.const_data_ptr<scalar_t>();
      for (int64_t row = 0; row < rows; ++row) weight += static_cast<double>(m[row]);
      const double denominator = std::max(weight, 1.0);
      std::vector<scalar_t> shifted(static_cast<size_t>(n));
      for (int64_t k = 0; k < replicas; ++k) {
        const scalar_t* y = outputs.const_data_ptr<scalar_t>() + k * rows * n;
        double total = 0;
        if (kind == tasks::LossKind::mse) {
          total = masked_squared_error_total(y, q, m, rows, n) / static_cast<double>(n);
        } else {
          for (int64_t row = 0; row < rows; ++row) {
            if (m[row] == 0) continue;
            const scalar_t* yr = y + row * n;
            const scalar_t* qr = q + row * n;
            double q_sum = 0, q_dot_y = 0;
            for (int64_t o = 0; o < n; ++o) {
              q_sum += static_cast<double>(qr[o]);
              q_dot_y += static_cast<double>(qr[o]) * static_cast<double>(yr[o]);
            }
            const auto [top, sum] = softmax_numerators(yr, n, shifted.data());
            total += static_cast<double>(m[row]) * (q_sum * (top + std::log(sum)) - q_dot_y);
          }
        }
        losses.data_ptr<scalar_t>()[k] = static_cast<scalar_t>(total / denominator);
      }
    });
    ctx->save_for_backward({outputs, targets, mask});
    ctx->saved_data["kind"] = kind_index;
    ctx->saved_data["denominator"] = std::max(weight, 1.0);
    return outputs.dim() == 3 ? losses.squeeze(0) : losses;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Tensor &outputs = saved[0], &targets = saved[1], &mask = saved[2];
    const auto kind = static_cast<tasks::LossKind>(ctx->saved_data["kind"].toInt());
    const double denominator = ctx->saved_data["denominator"].toDouble();
    const int64_t rows = mask.numel(), n = outputs.size(-1);
    const int64_t replicas = outputs.dim() == 4 ? outputs.size(0) : 1;
    const Tensor upstream = grads[0].to(at::kDouble).contiguous();
    Tensor grad = at::empty_like(outputs, at::MemoryFormat::Contiguous);
    AT_DISPATCH_FLOATING_TYPES(outputs.scalar_type(), "rnnscope_task_loss_backward", [&] {
      const scalar_t* q = targets.const_data_ptr<scalar_t>();
      const scalar_t* m = mask.const_data_ptr<scalar_t>();
      for (int64_t k = 0; k < replicas; ++k) {
        const double scale = upstream.const_data_ptr<double>()[k] / denominator;
        const scalar_t* y = outputs.const_data_ptr<scalar_t>() + k * rows * n;
        scalar_t* g = grad.data_ptr<scalar_t>() + k * rows * n;
        for (int64_t row = 0; row < rows; ++row) {
          const scalar_t* yr = y + row * n;
          const scalar_t* qr = q + row * n;
          scalar_t* gr = g + row * n;
          const auto w = static_cast<scalar_t>(scale * static_cast<double>(m[row]));
          if (w == 0) {
            std::fill(gr, gr + n, scalar_t(0));
          } else if (kind == tasks::LossKind::mse) {
            const scalar_t c = w * scalar_t(2) / static_cast<scalar_t>(n);
            for (int64_t o = 0; o < n; ++o) gr[o] = c * (yr[o] - qr[o]);
          } else {
            // gr temporarily holds the softmax numerators.
            const auto inv = static_cast<scalar_t>(1.0 / softmax_numerators(yr, n, gr).second);
            scalar_t q_sum = 0;
            for (int64_t o = 0; o < n; ++o) q_sum += qr[o];
            for (int64_t o = 0; o < n; ++o) gr[o] = w * (q_sum * gr[o] * inv - qr[o]);
          }
        }
      }
    });
    return {grad, Tensor(), Tensor(), Tensor()};
  }
};

class MaskedSquaredErrorFunction : public torch::autograd::Function<MaskedSquaredErrorFunction> {
 public:
  static Tensor forward(AutogradContext* ctx, const Tensor& outputs, const Tensor& targets, const Tensor& weights) {
    double total = 0, weight = 0;
    AT_DISPATCH_FLOATING_TYPES(outputs.scalar_type(), "rnnscope_masked_squared_error", [&] {
      const scalar_t *y = outputs.const_data_ptr<scalar_t>(), *q = targets.const_data_ptr<scalar_t>(),
                     *w = weights.const_data_ptr<scalar_t>();
      // Eight partial sums per total: one running sum is a chain of dependent additions
      // (one latency per element); eight vectorise, in a fixed order for any thread count.
      constexpr int64_t lanes = 8;
      double totals[lanes] = {}, weights_sum[lanes] = {};
      const int64_t n = outputs.numel();
      int64_t i = 0;
      for (; i + lanes <= n; i += lanes) {
        for (int64_t l = 0; l < lanes; ++l) {
          const double d = static_cast<double>(y[i + l]) - static_cast<double>(q[i + l]);
          totals[l] += static_cast<double>(w[i + l]) * d * d;
          weights_sum[l] += static_cast<double>(w[i + l]);
        }
      }
      for (; i < n; ++i) {
        const double d = static_cast<double>(y[i]) - static_cast<double>(q[i]);
        total += static_cast<double>(w[i]) * d * d;
        weight += static_cast<double>(w[i]);
      }
      for (int64_t l = 0; l < lanes; ++l) {
        total += totals[l];
        weight += weights_sum[l];
      }
    });
    const double denominator = std::max(weight, 1.0);
    ctx->save_for_backward({outputs, targets, weights});
    ctx->saved_data["denominator"] = denominator;
    return at::scalar_tensor(total / denominator, outputs.options());
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Tensor &outputs = saved[0], &targets = saved[1], &weights = saved[2];
    const double scale = 2 * grads[0].item<double>() / ctx->saved_data["denominator"].toDouble();
    Tensor grad = at::empty_like(outputs, at::MemoryFormat::Contiguous);
    AT_DISPATCH_FLOATING_TYPES(outputs.scalar_type(), "rnnscope_masked_squared_error_backward", [&] {
      const scalar_t *y = outputs.const_data_ptr<scalar_t>(), *q = targets.const_data_ptr<scalar_t>(),
                     *w = weights.const_data_ptr<scalar_t>();
      scalar_t* g = grad.data_ptr<scalar_t>();
      const auto c = static_cast<scalar_t>(scale);
      for (int64_t i = 0; i < outputs.numel(); ++i) g[i] = c * w[i] * (y[i] - q[i]);
    });
    return {grad, Tensor(), Tensor()};
  }
};

}  // namespace

Tensor masked_squared_error(const Tensor& outputs, const Tensor& targets, const Tensor& weights) {
  TORCH_CHECK(targets.sizes() == outputs.sizes() && weights.sizes() == outputs.sizes(),
              "masked_squared_error: outputs, targets and weights must have one shape; got ", outputs.sizes(), ", ",
              targets.sizes(), ", ", weights.sizes());
  TORCH_CHECK(!targets.requires_grad() && !weights.requires_grad(),
              "masked_squared_error: targets and weights take no gradient");
  const auto type = outputs.scalar_type();
  return MaskedSquaredErrorFunction::apply(outputs.contiguous(), targets.to(type).contiguous(),
                                           weights.to(type).contiguous());
}

Tensor masked_squared_error_reference(const Tensor& outputs, const Tensor& targets, const Tensor& weights) {
  return ((outputs - targets).pow(2) * weights).sum() / weights.sum().clamp_min(1.0);
}

Tensor task_loss(tasks::LossKind kind, const Tensor& outputs, const Tensor& targets, const Tensor& mask) {
  const bool replicated = outputs.dim() == 4;
  const auto steps = outputs.sizes().slice(replicated ? 1 : 0);
  TORCH_CHECK((outputs.dim() == 3 || replicated) && targets.sizes() == steps && mask.dim() == 2 &&
                  mask.size(0) == steps[0] && mask.size(1) == steps[1],
              "task_loss: outputs must be [T, B, n_out] or [K, T, B, n_out], targets [T, B, n_out] and mask [T, B]; "
              "got ", outputs.sizes(), ", ", targets.sizes(), ", ", mask.sizes());
  TORCH_CHECK(!targets.requires_grad() && !mask.requires_grad(), "task_loss: targets and mask take no gradient");
  const auto type = outputs.scalar_type();
  return MaskedLossFunction::apply(outputs.contiguous(), targets.to(type).contiguous(), mask.to(type).contiguous(),
                                   static_cast<int64_t>(kind));
}

Tensor task_loss_reference(tasks::LossKind kind, const Tensor& outputs, const Tensor& targets, const Tensor& mask) {
  const Tensor per_step = kind == tasks::LossKind::cross_entropy
                              ? -(targets * torch::log_softmax(outputs, -1)).sum(-1)
                              : (outputs - targets).pow(2).mean(-1);
  // clamp_min keeps an all-padding batch (no masked steps) finite.
  return (per_step * mask).sum() / mask.sum().clamp_min(1.0);
}

}  // namespace rnnscope::rnn
