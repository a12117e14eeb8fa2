// `rnnscope nback pretrain` / `rnnscope.nback.pretrain`: trains the perceptual CNN of the N-back
// models on Fashion-MNIST's training images and writes it, with its test accuracy, to an HDF5
// file that N-back training reads (docs/nback.md).
#pragma once

#include "rnnscope/requests/door.h"

#include <cstdint>
#include <string>
#include <vector>

namespace rnnscope::requests {

struct NbackPretrainRequest {
  std::vector<int64_t> channels = {16, 32, 64};  // conv blocks (3×3 conv, ReLU, 2×2 max pool)
  int64_t epochs = 6;
  int64_t batch_size = 128;
  double lr = 1e-3;             // AdamW
  double weight_decay = 1e-4;
  int64_t train_images = 0;     // the first this many training images; 0 = all 60000
  uint64_t seed = 0;            // initial weights and the order of the images
  int64_t threads = 0;          // 0: all cores
  std::string data_dir;         // the Fashion-MNIST files; "" = data::kFashionMnistDir
  std::string out;              // the network's HDF5 file (required)
  bool force = false;
  Door door = Door::cli;
};

struct NbackPretrainResult {
  std::vector<double> epoch_loss;  // mean training cross-entropy per epoch
  double test_accuracy = 0;        // on the 10000 test images
  double seconds = 0;
};

// Error: no `out`, an existing `out` without force, options out of range, missing data files.
NbackPretrainResult run_nback_pretrain(const NbackPretrainRequest& request);

}  // namespace rnnscope::requests
