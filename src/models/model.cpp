// The small tensor helpers the models, the trainer and the requests share.
#include "models/model_internal.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/normal_fill.h"
#include "rnnscope/core/rng.h"

#include <cmath>

namespace rnnscope::rnn {

void RecurrentModel::set_temporal_skip(const TemporalSkip&) {
  throw Error("train.method: skip connections through time need [model] type = \"ctrnn\"");
}

void RecurrentModel::set_time_step_multiple(int64_t) {
  throw Error("train.method = \"cd\": coarsened discretisation needs [model] type = \"ctrnn\"");
}

torch::Tensor replica_mean(const torch::Tensor& t, int64_t replicas) {
  return replicas > 1 ? t.flatten(1).mean(1) : t.mean();
}

at::Generator torch_generator(uint64_t seed, const std::string& stream, uint64_t index) {
  return at::make_generator<at::CPUGeneratorImpl>(Rng::derive_seed(seed, stream, index));
}

torch::Tensor to_tensor(const std::vector<float>& data, at::IntArrayRef shape) {
  return torch::from_blob(const_cast<float*>(data.data()), shape, torch::kFloat32).clone();
}

std::vector<double> to_doubles(const torch::Tensor& t) {
  const auto c = t.detach().to(torch::kFloat64).contiguous();
  return {c.const_data_ptr<double>(), c.const_data_ptr<double>() + c.numel()};
}

void write_tensor(h5::Writer& out, const std::string& name, const torch::Tensor& t) {
  const auto c = t.detach().to(torch::kFloat32).contiguous();
  out.write(name, c.data_ptr<float>(), std::vector<int64_t>(c.sizes().begin(), c.sizes().end()));
}

void read_tensor(const std::string& path, const std::string& name, torch::Tensor& param) {
  torch::NoGradGuard no_grad;
  const auto array = h5::read_array(path, name);
  const std::vector<int64_t> expected(param.sizes().begin(), param.sizes().end());
  require(array.shape == expected, path + ":" + name + " has the wrong shape for this config");
  // A NaN or infinite weight would evaluate to NaN states and a meaningless accuracy.
  for (double v : array.data) {
    require(std::isfinite(v), path + ":" + name + " holds NaN or infinite values; a model's weights must be finite");
  }
  std::vector<float> values(array.data.begin(), array.data.end());
  param.copy_(to_tensor(values, param.sizes()));
}

}  // namespace rnnscope::rnn

namespace rnnscope::rnn {

BatchTensors to_tensors(const tasks::Batch& batch) {
  const int64_t T = batch.steps, B = batch.trials;
  return {to_tensor(batch.inputs, {T, B, batch.n_inputs}),
          to_tensor(batch.targets, {T, B, batch.n_outputs}), to_tensor(batch.mask, {T, B})};
}

torch::Tensor standard_noise(int64_t steps, int64_t batch, int64_t units, uint64_t seed,
                             const std::string& stream, uint64_t index) {
  torch::Tensor noise = at::empty({steps, batch, units}, torch::TensorOptions().dtype(torch::kFloat32));
  fill_standard_normal(Rng::derive_seed(seed, stream, index), noise.data_ptr<float>(), size_t(noise.numel()));
  return noise;
}

}  // namespace rnnscope::rnn
