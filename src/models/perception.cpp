// The perceptual CNN, its pretraining on Fashion-MNIST and the bank of pre-computed view
// features (src/models/perception.h).
#include "models/perception.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/rng.h"

#include <chrono>
#include <cmath>
#include <numeric>

namespace rnnscope::rnn {

namespace {

// Uniform in ±1/sqrt(fan_in) from a derived generator: the network is a function of the seed.
void init_uniform(torch::Tensor& t, int64_t fan_in, uint64_t seed, const std::string& name) {
  torch::NoGradGuard no_grad;
  auto gen = torch_generator(seed, "perception_init/" + name);
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  t.uniform_(-bound, bound, gen);
}

// The images at `indices` of a byte image set as a float batch [n, 1, rows, cols] in [0, 1].
torch::Tensor image_batch(const data::LabelledImages& images, const int64_t* indices, int64_t n) {
  auto out = torch::empty({n, 1, images.rows, images.cols}, torch::kFloat32);
  float* dst = out.data_ptr<float>();
  const int64_t size = images.image_size();
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* src = images.image(indices[i]);
    for (int64_t p = 0; p < size; ++p) dst[i * size + p] = static_cast<float>(src[p]) / 255.0f;
  }
  return out;
}

torch::Tensor label_batch(const data::LabelledImages& images, const int64_t* indices, int64_t n) {
  auto out = torch::empty({n}, torch::kInt64);
  int64_t* dst = out.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) dst[i] = images.labels[static_cast<size_t>(indices[i])];
  return out;
}

std::string conv_name(size_t k) { return "conv" + std::to_string(k); }

}  // namespace

PerceptualCnn::PerceptualCnn(std::vector<int64_t> channels, int64_t image_size, int64_t classes, uint64_t seed)
    : channels_(std::move(channels)), image_size_(image_size), classes_(classes) {
  require(!channels_.empty() && channels_.size() <= kMaxConvBlocks,
          "perception: channels of 1 to " + std::to_string(kMaxConvBlocks) + " conv blocks allowed");
  for (int64_t c : channels_) {
    require(c >= 1 && c <= kMaxChannels, "perception: channels of each block 1.." + std::to_string(kMaxChannels));
  }
  require(classes_ >= 2, "perception: at least 2 classes to pretrain on");
  require(image_size_ >> channels_.size() >= 1, "perception: images of " + std::to_string(image_size_) +
                                                    " pixels are too small for " + std::to_string(channels_.size()) +
                                                    " pooling blocks");
  int64_t in = 1;
  for (size_t k = 0; k < channels_.size(); ++k) {
    auto conv = register_module(conv_name(k), torch::nn::Conv2d(torch::nn::Conv2dOptions(in, channels_[k], 3).padding(1)));
    init_uniform(conv->weight, in * 9, seed, conv_name(k) + "/weight");
    init_uniform(conv->bias, in * 9, seed, conv_name(k) + "/bias");
    convs_.push_back(conv);
    in = channels_[k];
  }
  const auto shape = feature_shape(image_size_);
  const int64_t features = shape[0] * shape[1] * shape[2];
  head_ = register_module("head", torch::nn::Linear(features, classes_));
  init_uniform(head_->weight, features, seed, "head/weight");
  init_uniform(head_->bias, features, seed, "head/bias");
}

torch::Tensor PerceptualCnn::features(const torch::Tensor& images) {
  torch::Tensor x = images;
  for (auto& conv : convs_) x = torch::max_pool2d(torch::relu(conv->forward(x)), 2);
  return x;
}

torch::Tensor PerceptualCnn::classify(const torch::Tensor& images) {
  return head_->forward(features(images).flatten(1));
}

void PerceptualCnn::freeze() {
  for (auto& p : parameters()) p.set_requires_grad(false);
  eval();
}

std::vector<int64_t> PerceptualCnn::feature_shape(int64_t size) const {
  for (size_t k = 0; k < channels_.size(); ++k) size /= 2;
  return {channels_.back(), size, size};
}

void PerceptualCnn::write_weights(h5::Writer& out) const {
  out.write("channels", channels_);
  out.write("image_size", std::vector<int64_t>{image_size_});
  for (size_t k = 0; k < convs_.size(); ++k) {
    write_tensor(out, conv_name(k) + "/weight", convs_[k]->weight);
    write_tensor(out, conv_name(k) + "/bias", convs_[k]->bias);
  }
  write_tensor(out, "head/weight", head_->weight);
  write_tensor(out, "head/bias", head_->bias);
}

std::shared_ptr<PerceptualCnn> PerceptualCnn::read(const std::string& path) {
  const h5::Array channels = h5::read_array(path, "channels");
  const h5::Array image_size = h5::read_array(path, "image_size");
  const h5::Array head = h5::read_array(path, "head/weight");
  require(channels.shape.size() == 1 && image_size.size() == 1 && head.shape.size() == 2,
          path + " is not a perceptual CNN file (/channels, /image_size or /head/weight of the wrong shape)");
  std::vector<int64_t> sizes;
  for (double c : channels.data) sizes.push_back(static_cast<int64_t>(c));
  auto cnn = std::make_shared<PerceptualCnn>(sizes, static_cast<int64_t>(image_size.data[0]), head.shape[0], 0);
  for (size_t k = 0; k < cnn->convs_.size(); ++k) {
    read_tensor(path, conv_name(k) + "/weight", cnn->convs_[k]->weight);
    read_tensor(path, conv_name(k) + "/bias", cnn->convs_[k]->bias);
  }
  read_tensor(path, "head/weight", cnn->head_->weight);
  read_tensor(path, "head/bias", cnn->head_->bias);
  return cnn;
}

double classification_accuracy(PerceptualCnn& cnn, const data::LabelledImages& images) {
  torch::NoGradGuard no_grad;
  const bool was_training = cnn.is_training();
  cnn.eval();
  constexpr int64_t kBatch = 1000;
  std::vector<int64_t> indices(static_cast<size_t>(images.count));
  std::iota(indices.begin(), indices.end(), int64_t{0});
  int64_t correct = 0;
  for (int64_t start = 0; start < images.count; start += kBatch) {
    const int64_t n = std::min(kBatch, images.count - start);
    const auto predicted = cnn.classify(image_batch(images, indices.data() + start, n)).argmax(1);
    correct += predicted.eq(label_batch(images, indices.data() + start, n)).sum().item<int64_t>();
  }
  cnn.train(was_training);
  return static_cast<double>(correct) / static_cast<double>(images.count);
}

PretrainResult pretrain(PerceptualCnn& cnn, const data::LabelledImages& train, const data::LabelledImages& test,
                        const PretrainOptions& options) {
  require(options.epochs >= 1 && options.batch_size >= 1 && options.lr > 0 && options.train_images >= 0,
          "perception: pretraining options out of range");
  require(train.classes == cnn.classes() && test.classes == cnn.classes(),
          "perception: images of " + std::to_string(train.classes) + " classes for a network of " +
              std::to_string(cnn.classes()));
  for (const auto* images : {&train, &test}) {
    require(images->rows == cnn.image_size() && images->cols == cnn.image_size(),
            "perception: images of " + std::to_string(images->rows) + " x " + std::to_string(images->cols) +
                " pixels for a network of " + std::to_string(cnn.image_size()) + " x " + std::to_string(cnn.image_size()));
  }
  require(train.count >= 1 && test.count >= 1, "perception: no images to train or test on");
  const auto start_time = std::chrono::steady_clock::now();
  const int64_t count = options.train_images == 0 ? train.count : std::min(options.train_images, train.count);
  torch::optim::AdamW optimizer(cnn.parameters(),
                                torch::optim::AdamWOptions(options.lr).weight_decay(options.weight_decay));
  cnn.train();
  PretrainResult result;
  std::vector<int64_t> order(static_cast<size_t>(count));
  for (int64_t epoch = 0; epoch < options.epochs; ++epoch) {
    // Fisher–Yates with our own generator: the order is a function of (seed, epoch).
    std::iota(order.begin(), order.end(), int64_t{0});
    Rng rng = Rng::derive(options.seed, "perception_order", static_cast<uint64_t>(epoch));
    for (int64_t i = count - 1; i > 0; --i) std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(rng.integer(i + 1))]);
    double loss_sum = 0;
    int64_t batches = 0;
    for (int64_t first = 0; first < count; first += options.batch_size, ++batches) {
      const int64_t n = std::min(options.batch_size, count - first);
      const auto loss = torch::cross_entropy_loss(cnn.classify(image_batch(train, order.data() + first, n)),
                                                  label_batch(train, order.data() + first, n));
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      loss_sum += loss.item<double>();
    }
    result.epoch_loss.push_back(loss_sum / static_cast<double>(batches));
  }
  result.test_accuracy = classification_accuracy(cnn, test);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
  return result;
}

FeatureBank build_feature_bank(PerceptualCnn& cnn, const nback::StimulusSet& stimuli, nback::ViewKind kind,
                               int64_t views, uint64_t seed) {
  constexpr int64_t kMaxViews = 100000;
  require(views >= 1 && views <= kMaxViews,
          "nback bank: views per object = " + std::to_string(views) + ", allowed 1.." + std::to_string(kMaxViews));
  const nback::StimulusConfig& config = stimuli.config();
  const int64_t side = config.canvas_size(), locations = config.n_locations();
  FeatureBank bank;
  bank.objects = int64_t{config.n_identities()} * locations;
  bank.views = views;
  bank.feature_shape = cnn.feature_shape(side);
  const int64_t feature_size = bank.feature_shape[0] * bank.feature_shape[1] * bank.feature_shape[2];
  constexpr int64_t kMaxBytes = int64_t{1} << 30;
  const int64_t entries = bank.objects * views;
  if (entries * feature_size * static_cast<int64_t>(sizeof(float)) > kMaxBytes) {
    throw Error("nback bank: " + std::to_string(entries) + " views of " + std::to_string(feature_size) +
                    " features need more than the 1024 MiB allowed; ask for fewer views per object",
                Error::Kind::memory_limit);
  }
  const std::string stream = kind == nback::ViewKind::training ? "bank_views/training" : "bank_views/heldout";
  for (int64_t o = 0; o < bank.objects; ++o) {
    Rng rng = Rng::derive(seed, stream, static_cast<uint64_t>(o));
    for (int64_t v = 0; v < views; ++v) bank.view_params.push_back(nback::draw_view(config, kind, rng));
  }
  torch::NoGradGuard no_grad;
  cnn.eval();
  bank.features = torch::empty({bank.objects, views, feature_size}, torch::kFloat32);
  auto flat = bank.features.view({entries, feature_size});
  // Rendered and passed through the network a chunk at a time: the pixels never all at once.
  constexpr int64_t kChunk = 256;
  auto frames = torch::empty({kChunk, 1, side, side}, torch::kFloat32);
  for (int64_t first = 0; first < entries; first += kChunk) {
    const int64_t n = std::min(kChunk, entries - first);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t e = first + i, o = e / views;
      const nback::Object object{static_cast<int>(o / locations / config.identities),
                                 static_cast<int>(o / locations), static_cast<int>(o % locations)};
      stimuli.render(object, bank.view_params[static_cast<size_t>(e)], frames[i].data_ptr<float>());
    }
    flat.narrow(0, first, n).copy_(cnn.features(frames.narrow(0, 0, n)).reshape({n, feature_size}));
  }
  return bank;
}

}  // namespace rnnscope::rnn
