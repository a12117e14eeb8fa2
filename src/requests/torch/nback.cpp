// The N-back requests that need LibTorch: pretraining the perceptual CNN
// (requests/nback_pretrain.h).
#include "rnnscope/requests/nback_pretrain.h"

#include "models/perception.h"
#include "training/run_parts.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/hdf5_io.h"
#include "rnnscope/requests/output_policy.h"

#include <algorithm>
#include <cmath>

namespace rnnscope::requests {
namespace {

void validate(const NbackPretrainRequest& r) {
  const auto name = [&](const std::string& key) { return argument_name(r.door, key); };
  require(!r.out.empty(), name("out") + " is required: the HDF5 file to write the network to");
  require(!r.channels.empty() && r.channels.size() <= rnn::PerceptualCnn::kMaxConvBlocks,
          name("channels") + ": 1 to " + std::to_string(rnn::PerceptualCnn::kMaxConvBlocks) +
              " conv blocks allowed, " + std::to_string(r.channels.size()) + " given");
  for (int64_t c : r.channels) {
    require(c >= 1 && c <= rnn::PerceptualCnn::kMaxChannels,
            name("channels") + ": each block's channels 1.." + std::to_string(rnn::PerceptualCnn::kMaxChannels) +
                ", " + std::to_string(c) + " given");
  }
  require(r.epochs >= 1 && r.epochs <= 100, name("epochs") + " = " + std::to_string(r.epochs) + ", allowed 1..100");
  require(r.batch_size >= 1 && r.batch_size <= 4096,
          name("batch_size") + " = " + std::to_string(r.batch_size) + ", allowed 1..4096");
  require(std::isfinite(r.lr) && r.lr > 0 && r.lr <= 1, name("lr") + " must be in (0, 1]");
  require(std::isfinite(r.weight_decay) && r.weight_decay >= 0, name("weight_decay") + " must be >= 0");
  require(r.train_images >= 0, name("train_images") + " must be >= 0 (0: all training images)");
  require(r.threads >= 0, name("threads") + " must be >= 0 (0: all cores)");
}

}  // namespace

NbackPretrainResult run_nback_pretrain(const NbackPretrainRequest& r) {
  validate(r);
  check_can_write(r.out, r.force, r.door);
  const std::string dir = r.data_dir.empty() ? data::kFashionMnistDir : r.data_dir;
  const auto train = data::load_fashion_mnist(data::Split::train, dir);
  const auto test = data::load_fashion_mnist(data::Split::test, dir);
  rnn::use_threads(r.threads);
  rnn::PerceptualCnn cnn(r.channels, train.rows, data::kFashionMnistClasses, r.seed);
  rnn::PretrainOptions options;
  options.epochs = r.epochs;
  options.batch_size = r.batch_size;
  options.lr = r.lr;
  options.weight_decay = r.weight_decay;
  options.train_images = r.train_images;
  options.seed = r.seed;
  const rnn::PretrainResult trained = rnn::pretrain(cnn, train, test, options);

  h5::Writer out(r.out);
  cnn.write_weights(out);
  out.write("epoch_loss", trained.epoch_loss);
  out.attribute("/", "test_accuracy", trained.test_accuracy);
  out.attribute("/", "epochs", r.epochs);
  out.attribute("/", "batch_size", r.batch_size);
  out.attribute("/", "lr", r.lr);
  out.attribute("/", "weight_decay", r.weight_decay);
  out.attribute("/", "train_images", std::min(r.train_images == 0 ? train.count : r.train_images, train.count));
  out.attribute("/", "seed", static_cast<int64_t>(r.seed));
  out.commit();
  return {trained.epoch_loss, trained.test_accuracy, trained.seconds};
}

}  // namespace rnnscope::requests
