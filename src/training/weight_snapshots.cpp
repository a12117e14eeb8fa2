// Weight snapshots over learning (training/weight_snapshots.h).
#include "training/weight_snapshots.h"

#include "rnnscope/core/error.h"

#include <algorithm>

namespace rnnscope::rnn {

WeightSnapshots::WeightSnapshots(int64_t every_steps, runs::WeightHistory history, Writer write)
    : every_steps_(every_steps), history_(std::move(history)), write_(std::move(write)) {}

void WeightSnapshots::observe(int64_t steps_done, bool last, const RecurrentModel& model) {
  if (steps_done % every_steps_ != 0 && !last) return;
  const auto matrices = model.weight_matrices();
  if (history_.weights.empty()) {
    for (const auto& [name, tensor] : matrices) history_.weights.push_back({name, tensor.sizes().vec(), {}});
  }
  TORCH_INTERNAL_ASSERT(matrices.size() == history_.weights.size(), "the model's weight matrices changed");
  // By name: a history read back from the file lists its weights in the file's order.
  for (auto& w : history_.weights) {
    const auto it = std::find_if(matrices.begin(), matrices.end(), [&](const auto& m) { return m.first == w.name; });
    TORCH_INTERNAL_ASSERT(it != matrices.end(), "weights_history.h5 holds a weight the model lacks: ", w.name);
    const torch::Tensor t = it->second.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    w.values.insert(w.values.end(), t.const_data_ptr<float>(), t.const_data_ptr<float>() + t.numel());
  }
  history_.step.push_back(steps_done);
}

void WeightSnapshots::resume(int64_t steps_done) {
  // Snapshots persisted after the checkpoint was written belong to steps the resumed run
  // takes again.
  size_t kept = 0;
  while (kept < history_.snapshots() && history_.step[kept] <= steps_done) ++kept;
  const size_t expected = size_t(steps_done / every_steps_) + 1;  // steps 0, K, 2K, … ≤ steps_done
  require(kept == expected, "cannot resume the weight snapshots: weights_history.h5 holds " + std::to_string(kept) +
                                " snapshots up to step " + std::to_string(steps_done) + ", the checkpoint needs " +
                                std::to_string(expected) + " (missing or replaced?)");
  history_.step.resize(kept);
  for (auto& w : history_.weights) {
    int64_t per_snapshot = 1;
    for (int64_t d : w.shape) per_snapshot *= d;
    w.values.resize(kept * size_t(per_snapshot));
  }
}

}  // namespace rnnscope::rnn
