// The cognitive stage of the N-back models (Lei, Ito & Bashivan 2024; docs/nback.md): a frame's
// frozen CNN features → a trained 1×1 reduction (one linear map of the channels, shared by
// every position) → ⊕ the task's one-hot cue → linear + LayerNorm → a registered recurrent
// model (ctrnn with tanh and tau = dt for the vanilla RNN, gru, lstm) whose readout gives the
// three answers. The trainer sees it as any RecurrentModel. Private to the LibTorch library.
#pragma once

#include "models/model_internal.h"

#include <cstdint>
#include <memory>

namespace rnnscope::rnn {

struct NbackModelShape {
  int64_t feature_channels = 0;   // C of the CNN's feature map
  int64_t feature_positions = 0;  // h · w of the CNN's feature map
  int64_t reduced_channels = 4;   // the 1×1 reduction's output channels
  int64_t embedding = 64;         // the linear + LayerNorm layer's size: the recurrent model's inputs
  int64_t tasks = 9;              // the one-hot cue's size
  int64_t inputs() const { return feature_channels * feature_positions + tasks; }
};

// The frame duration the recurrent model steps by (ms): a ctrnn with tau = kNbackFrameMs has
// α = 1, the vanilla RNN h_t = tanh(W_rec h_{t−1} + W_in u_t + b) in its current form.
inline constexpr double kNbackFrameMs = 100;

class NbackModel final : public RecurrentModel {
 public:
  // `rnn`: a resolved [model] table (models::resolve); its readout has 3 outputs.
  NbackModel(const NbackModelShape& shape, const Json& rnn, uint64_t seed);

  // inputs [T, B, C·h·w + tasks]: each frame's features (channel-major, as FeatureBank holds
  // them), then the cue.
  SequenceOutput run(const torch::Tensor& inputs, const torch::Tensor& noise) override;
  int64_t units() const override { return rnn_->units(); }
  torch::Tensor weight_penalty() const override { return rnn_->weight_penalty(); }
  // The recurrent model's, then W_reduce [reduced, C] and W_embed [embedding, reduced·h·w + tasks].
  std::vector<std::pair<std::string, torch::Tensor>> weight_matrices() const override;
  // model.h5: the recurrent model's datasets, and /reduce/{weight,bias},
  // /embed/{weight,bias}, /embed_norm/{weight,bias}.
  void write_weights(h5::Writer& out) const override;
  void read_weights(const std::string& path) override;

  const NbackModelShape& shape() const { return shape_; }

 private:
  // The stage's own tensors by their model.h5 names (handles on the parameters).
  std::vector<std::pair<std::string, torch::Tensor>> stage_tensors() const;

  NbackModelShape shape_;
  torch::nn::Linear reduce_{nullptr};
  torch::nn::Linear embed_{nullptr};
  torch::nn::LayerNorm embed_norm_{nullptr};
  std::shared_ptr<RecurrentModel> rnn_;
};

}  // namespace rnnscope::rnn
