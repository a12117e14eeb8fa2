// Task losses on masked sequences. Private to the LibTorch library.
#pragma once

#include "rnnscope/tasks/task.h"

#include <torch/torch.h>

namespace rnnscope::rnn {

// Mean over masked steps of cross-entropy (targets one-hot) or of the squared error
// averaged over outputs: Σ_{t,b} mask·ℓ(y_tb, target_tb) / max(Σ mask, 1).
// outputs/targets [T, B, n_out], mask [T, B]; targets and mask take no gradient. Replicas:
// outputs [K, T, B, n_out] on the same targets and mask give one loss per replica [K], each
// equal to the loss of that replica's outputs alone.
// One fused pass forward and one backward (loss.cpp) instead of a dozen ATen ops and
// their autograd nodes, which cost a small network ≈ 10% of its training step.
torch::Tensor task_loss(tasks::LossKind kind, const torch::Tensor& outputs,
                        const torch::Tensor& targets, const torch::Tensor& mask);

// The same loss as plain LibTorch ops differentiated by autograd: the fused loss's test oracle.
torch::Tensor task_loss_reference(tasks::LossKind kind, const torch::Tensor& outputs,
                                  const torch::Tensor& targets, const torch::Tensor& mask);

// Σ w (y − q)² / max(Σ w, 1) with one weight per element: w, y, q of one shape (recordings'
// per-entry training masks). One fused pass forward and one backward, sums in double; its
// reference twin below.
torch::Tensor masked_squared_error(const torch::Tensor& outputs, const torch::Tensor& targets,
                                   const torch::Tensor& weights);
torch::Tensor masked_squared_error_reference(const torch::Tensor& outputs, const torch::Tensor& targets,
                                             const torch::Tensor& weights);

}  // namespace rnnscope::rnn
