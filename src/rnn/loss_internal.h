// Task losses on masked sequences.
#pragma once

#include "rnnscope/tasks/task.h"

#include <torch/torch.h>

namespace rnnscope::rnn {

// Mean over masked steps of cross-entropy (targets one-hot) or of the squared error
// averaged over outputs. outputs/targets [T, B, n_out], mask [T, B].
torch::Tensor task_loss(tasks::LossKind kind, const torch::Tensor& outputs,
                        const torch::Tensor& targets, const torch::Tensor& mask);

}  // namespace rnnscope::rnn
