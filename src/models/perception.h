// The perceptual front end of the N-back models (docs/nback.md): a small CNN pretrained on
// Fashion-MNIST's training images, then frozen; its last feature map is the perceptual space.
// Since a frozen network gives every rendered view a constant feature vector, N-back training
// looks features up in a bank of pre-rendered views computed once (FeatureBank) instead of
// running the CNN on every frame of every batch. Private to the LibTorch library.
#pragma once

#include "models/model_internal.h"

#include "rnnscope/data/idx.h"
#include "rnnscope/nback/stimuli.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rnnscope::rnn {

// Conv 3×3 (padding 1) → ReLU → 2×2 max pool, once per entry of `channels`; the feature map of
// a [B, 1, H, W] image is [B, channels.back(), H/2^k, W/2^k] (k blocks, each pool rounding
// down), so it keeps where things are — the location of an N-back object. Pretraining reads
// it through a head: a linear map of the whole feature map of an image of the pretraining
// size (Fashion-MNIST's 28 × 28) to class logits; the features themselves take any size.
class PerceptualCnn : public torch::nn::Module {
 public:
  static constexpr size_t kMaxConvBlocks = 4;
  static constexpr int64_t kMaxChannels = 512;
  // Weights uniform in ±1/sqrt(fan_in) (PyTorch's default bound), drawn from `seed`.
  PerceptualCnn(std::vector<int64_t> channels, int64_t image_size, int64_t classes, uint64_t seed);

  // images [B, 1, H, W], intensities in [0, 1] → the feature map [B, C, h, w].
  torch::Tensor features(const torch::Tensor& images);
  // images [B, 1, image_size, image_size] → class logits [B, classes] (pretraining and its
  // test accuracy).
  torch::Tensor classify(const torch::Tensor& images);
  // No gradients, eval mode: what the N-back models see is a constant of the image.
  void freeze();

  const std::vector<int64_t>& channels() const { return channels_; }
  int64_t classes() const { return classes_; }
  int64_t image_size() const { return image_size_; }
  // The feature map's shape [C, h, w] for square images of side `size`.
  std::vector<int64_t> feature_shape(int64_t size) const;

  // HDF5: /channels, /image_size, /conv<k>/weight, /conv<k>/bias, /head/weight, /head/bias
  // (the caller adds what it measured: test_accuracy).
  void write_weights(h5::Writer& out) const;
  // A network of the architecture stored in `path`, with its weights (Error: a missing or
  // malformed file, weights that are not finite).
  static std::shared_ptr<PerceptualCnn> read(const std::string& path);

 private:
  std::vector<int64_t> channels_;
  int64_t image_size_;
  int64_t classes_;
  std::vector<torch::nn::Conv2d> convs_;
  torch::nn::Linear head_{nullptr};
};

struct PretrainOptions {
  int64_t epochs = 6;
  int64_t batch_size = 128;
  double lr = 1e-3;          // AdamW
  double weight_decay = 1e-4;
  int64_t train_images = 0;  // the first this many training images; 0 = all
  uint64_t seed = 0;         // the order of the images in every epoch
};

struct PretrainResult {
  std::vector<double> epoch_loss;  // mean training cross-entropy per epoch
  double test_accuracy = 0;        // on every image of `test`
  double seconds = 0;
};

// Trains `cnn` with its head on `train` (cross-entropy, AdamW, minibatches in an order
// shuffled by (seed, epoch)), then measures its accuracy on `test`. Reproducible for a seed
// and a thread count. The options are the caller's to check against what its door allows
// (requests/nback_pretrain.h); Error: options out of range, images of another class count.
PretrainResult pretrain(PerceptualCnn& cnn, const data::LabelledImages& train,
                        const data::LabelledImages& test, const PretrainOptions& options);

// The fraction of `images` whose largest logit is their label.
double classification_accuracy(PerceptualCnn& cnn, const data::LabelledImages& images);

// Every object (identity × location) under `views` views of one kind, rendered once and passed
// through the frozen CNN once. Object o = identity · locations + location; its views are drawn
// by (seed, kind, o), so a bank is a function of (stimuli, cnn, kind, views, seed).
struct FeatureBank {
  int64_t objects = 0;
  int64_t views = 0;                 // per object
  std::vector<int64_t> feature_shape;  // [C, h, w] of one view
  std::vector<nback::View> view_params;  // [objects · views]: what each entry rendered
  torch::Tensor features;            // [objects, views, C · h · w], no gradient

  static int64_t object_index(const nback::Object& object, int locations) {
    return int64_t{object.identity} * locations + object.location;
  }
};

// Error: views outside 1..100000, a bank above 1 GiB (Kind::memory_limit).
FeatureBank build_feature_bank(PerceptualCnn& cnn, const nback::StimulusSet& stimuli, nback::ViewKind kind,
                               int64_t views, uint64_t seed);

}  // namespace rnnscope::rnn
