// The N-back models' cognitive stage (src/models/nback_model.h).
#include "models/nback_model.h"

#include "rnnscope/core/error.h"

#include <cmath>

namespace rnnscope::rnn {

namespace {

// The recurrent model sees the embedding as one input group and answers in three classes.
tasks::TaskInfo recurrent_stage(int64_t embedding) {
  tasks::TaskInfo info;
  info.name = "nback";
  info.inputs.push_back(tasks::ChannelGroup{"embedding", embedding, "the frame's embedding and cue"});
  info.outputs.push_back(tasks::ChannelGroup{"answer", 3, "match, non-match, no-action"});
  info.loss = tasks::LossKind::cross_entropy;
  return info;
}

// PyTorch's default bound 1/sqrt(fan_in) for weights and biases, drawn from (seed, name).
void init_linear(torch::nn::Linear& layer, uint64_t seed, const std::string& name) {
  torch::NoGradGuard no_grad;
  const double bound = 1.0 / std::sqrt(static_cast<double>(layer->weight.size(1)));
  auto gen = torch_generator(seed, "nback_init/" + name);
  layer->weight.uniform_(-bound, bound, gen);
  layer->bias.uniform_(-bound, bound, gen);
}

}  // namespace

NbackModel::NbackModel(const NbackModelShape& shape, const Json& rnn, uint64_t seed) : shape_(shape) {
  require(shape.feature_channels >= 1 && shape.feature_positions >= 1 && shape.reduced_channels >= 1 &&
              shape.embedding >= 1 && shape.tasks >= 1,
          "nback model: every size must be >= 1");
  reduce_ = register_module("reduce", torch::nn::Linear(shape.feature_channels, shape.reduced_channels));
  embed_ = register_module(
      "embed", torch::nn::Linear(shape.reduced_channels * shape.feature_positions + shape.tasks, shape.embedding));
  embed_norm_ = register_module("embed_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({shape.embedding})));
  init_linear(reduce_, seed, "reduce");
  init_linear(embed_, seed, "embed");
  rnn_ = register_module("rnn", make_model(rnn, recurrent_stage(shape.embedding), kNbackFrameMs, seed));
}

SequenceOutput NbackModel::run(const torch::Tensor& inputs, const torch::Tensor& noise) {
  require(inputs.dim() == 3 && inputs.size(2) == shape_.inputs(),
          "nback model: inputs of " + std::to_string(inputs.size(2)) + " channels, expected " +
              std::to_string(shape_.inputs()));
  const int64_t T = inputs.size(0), B = inputs.size(1), C = shape_.feature_channels, P = shape_.feature_positions;
  // The 1×1 reduction: the same linear map of the C channels at every position.
  const auto features = inputs.narrow(2, 0, C * P).reshape({T * B, C, P}).transpose(1, 2);
  const auto reduced = reduce_->forward(features).transpose(1, 2).reshape({T, B, shape_.reduced_channels * P});
  const auto cue = inputs.narrow(2, C * P, shape_.tasks);
  const auto embedded = embed_norm_->forward(embed_->forward(torch::cat({reduced, cue}, 2)));
  return rnn_->run(embedded, noise);
}

std::vector<std::pair<std::string, torch::Tensor>> NbackModel::weight_matrices() const {
  auto out = rnn_->weight_matrices();
  out.emplace_back("W_reduce", reduce_->weight);
  out.emplace_back("W_embed", embed_->weight);
  return out;
}

std::vector<std::pair<std::string, torch::Tensor>> NbackModel::stage_tensors() const {
  return {{"reduce/weight", reduce_->weight},   {"reduce/bias", reduce_->bias},
          {"embed/weight", embed_->weight},     {"embed/bias", embed_->bias},
          {"embed_norm/weight", embed_norm_->weight}, {"embed_norm/bias", embed_norm_->bias}};
}

void NbackModel::write_weights(h5::Writer& out) const {
  rnn_->write_weights(out);
  for (const auto& [name, t] : stage_tensors()) write_tensor(out, name, t);
}

void NbackModel::read_weights(const std::string& path) {
  rnn_->read_weights(path);
  // The handles share the parameters' storage: reading into them fills the parameters.
  for (auto& [name, t] : stage_tensors()) read_tensor(path, name, t);
}

}  // namespace rnnscope::rnn
