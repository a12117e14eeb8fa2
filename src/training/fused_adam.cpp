// Adam in one pass per parameter (fused_adam_internal.h).
#include "training/fused_adam_internal.h"
#include "core/vector_math.h"

#include <cmath>

namespace rnnscope::rnn {
namespace {

template <class T>
RNNSCOPE_VECTOR_CLONES void adam_update(T* __restrict param, const T* __restrict grad, T* __restrict m,
                                        T* __restrict v, int64_t n, double beta1, double beta2, double weight_decay,
                                        double step_size, double inv_sqrt_bc2, double eps) {
  const T b1 = static_cast<T>(beta1), b2 = static_cast<T>(beta2), wd = static_cast<T>(weight_decay);
  const T one_minus_b1 = static_cast<T>(1 - beta1), one_minus_b2 = static_cast<T>(1 - beta2);
  const T lr = static_cast<T>(step_size), scale = static_cast<T>(inv_sqrt_bc2), e = static_cast<T>(eps);
  for (int64_t i = 0; i < n; ++i) {
    const T g = grad[i] + wd * param[i];
    const T mi = b1 * m[i] + one_minus_b1 * g;
    const T vi = b2 * v[i] + one_minus_b2 * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] -= lr * mi / (std::sqrt(vi) * scale + e);
  }
}

}  // namespace

torch::Tensor FusedAdam::step(LossClosure closure) {
  for (auto& group : param_groups()) {
    if (static_cast<const torch::optim::AdamOptions&>(group.options()).amsgrad()) {
      return torch::optim::Adam::step(std::move(closure));
    }
  }
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups()) {
    const auto& options = static_cast<const torch::optim::AdamOptions&>(group.options());
    const double beta1 = std::get<0>(options.betas()), beta2 = std::get<1>(options.betas());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& slot = state()[p.unsafeGetTensorImpl()];
      if (!slot) {
        auto fresh = std::make_unique<torch::optim::AdamParamState>();
        fresh->step(0);
        fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
        fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
        slot = std::move(fresh);
      }
      auto& s = static_cast<torch::optim::AdamParamState&>(*slot);
      s.step(s.step() + 1);
      const double bias_correction1 = 1 - std::pow(beta1, double(s.step()));
      const double bias_correction2 = 1 - std::pow(beta2, double(s.step()));
      TORCH_CHECK(p.is_contiguous() && s.exp_avg().is_contiguous() && s.exp_avg_sq().is_contiguous(),
                  "FusedAdam: parameters and their state must be contiguous");
      const torch::Tensor grad = p.grad().contiguous();
      AT_DISPATCH_FLOATING_TYPES(p.scalar_type(), "rnnscope_fused_adam", [&] {
        adam_update(p.data_ptr<scalar_t>(), grad.const_data_ptr<scalar_t>(), s.exp_avg().data_ptr<scalar_t>(),
                    s.exp_avg_sq().data_ptr<scalar_t>(), p.numel(), beta1, beta2, options.weight_decay(),
                    options.lr() / bias_correction1, 1 / std::sqrt(bias_correction2), options.eps());
      });
    }
  }
  return loss;
}

}  // namespace rnnscope::rnn
