// `rnnscope nback pretrain --out CNN.h5`: the N-back models' perceptual CNN, trained on
// Fashion-MNIST (docs/nback.md); options and help here, the request runs in the LibTorch plugin
// (requests/nback_pretrain.h).
#include "commands.h"
#include "validators.h"

#include "torch_commands.h"

#include "rnnscope/requests/nback_pretrain.h"

#include <cstdio>

namespace rnnscope::cli {

void add_nback_command(CLI::App& app) {
  auto* nback = app.add_subcommand("nback", "N-back working memory on object images (docs/nback.md)");
  nback->require_subcommand(1);
  auto req = std::make_shared<requests::NbackPretrainRequest>();
  auto* cmd = nback->add_subcommand(
      "pretrain", "Train the perceptual CNN on Fashion-MNIST's training images and write it, with its accuracy on "
                  "the test images, to an HDF5 file");
  cmd->add_option("--out,-o", req->out, "the network's HDF5 file")->required();
  cmd->add_option("--channels", req->channels, "channels of each conv block (3x3 conv, ReLU, 2x2 max pool); "
                                               "default 16 32 64")
      ->delimiter(',');
  cmd->add_option("--epochs", req->epochs, "passes over the training images (default 6)");
  cmd->add_option("--batch-size", req->batch_size, "images per AdamW step (default 128)");
  cmd->add_option("--lr", req->lr, "AdamW learning rate (default 0.001)");
  cmd->add_option("--weight-decay", req->weight_decay, "AdamW weight decay (default 0.0001)");
  cmd->add_option("--train-images", req->train_images, "train on the first N training images (default 0: all 60000)");
  cmd->add_option("--seed", req->seed, "initial weights and image order (default 0)")->check(seed_range());
  cmd->add_option("--threads", req->threads, "CPU threads (default 0: all cores)");
  cmd->add_option("--data-dir", req->data_dir, "where the Fashion-MNIST files are (default the Debian package's)");
  cmd->add_flag("--force", req->force, "overwrite --out if it exists");
  cmd->footer("Example:\n  rnnscope nback pretrain --out cnn.h5");
  cmd->callback([req] {
    const auto r = run_in_torch_plugin<requests::NbackPretrainResult>("nback-pretrain", *req);
    std::printf("test accuracy %.4f after %zu epochs (final training loss %.4f, %.1f s); written to %s\n",
                r.test_accuracy, r.epoch_loss.size(), r.epoch_loss.back(), r.seconds, req->out.c_str());
  });
}

}  // namespace rnnscope::cli
