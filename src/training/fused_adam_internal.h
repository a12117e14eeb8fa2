// Adam whose step is one loop per parameter. Private to the LibTorch library.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace rnnscope::rnn {

// torch::optim::Adam with the same options, state and serialisation (checkpoints written by
// either load into the other), whose step() updates each parameter in one pass — moments,
// bias corrections and the update — instead of torch's eight ATen ops and two temporaries
// per parameter, ≈ 2% of a small network's training step. The update is torch's
// (amsgrad = false): m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², with g including the weight
// decay term, θ ← θ − lr/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + ε). With amsgrad it defers to torch's.
class FusedAdam : public torch::optim::Adam {
 public:
  FusedAdam(const std::vector<torch::Tensor>& params, const torch::optim::AdamOptions& options)
      : torch::optim::Adam(params, options) {}
  torch::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace rnnscope::rnn
