// Masked sequence losses.
#include "loss_internal.h"

namespace rnnscope::rnn {

torch::Tensor task_loss(tasks::LossKind kind, const torch::Tensor& outputs,
                        const torch::Tensor& targets, const torch::Tensor& mask) {
  const torch::Tensor per_step =
      kind == tasks::LossKind::cross_entropy
          ? -(targets * torch::log_softmax(outputs, -1)).sum(-1)
          : (outputs - targets).pow(2).mean(-1);
  // clamp_min keeps an all-padding batch (no masked steps) finite.
  return (per_step * mask).sum() / mask.sum().clamp_min(1.0);
}

}  // namespace rnnscope::rnn
