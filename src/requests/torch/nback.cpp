// The N-back requests that need LibTorch: pretraining the perceptual CNN
// (requests/nback_pretrain.h) and running a trained network for its analyses
// (requests/nback_analyze.h; the analyses themselves are torch-free, nback/analysis.h).
#include "rnnscope/requests/nback_analyze.h"
#include "rnnscope/requests/nback_pretrain.h"

#include "models/perception.h"
#include "requests/nback_analysis_internal.h"
#include "requests/torch/trained_run.h"
#include "training/nback_parts.h"
#include "training/run_parts.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/hdf5_io.h"
#include "rnnscope/core/rng.h"
#include "rnnscope/core/text_file.h"
#include "rnnscope/nback/run_params.h"
#include "rnnscope/requests/output_policy.h"
#include "rnnscope/runs/run_directory.h"
#include "rnnscope/training/run_config.h"

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

// [T, B, n] (time-major, as the model runs) → rows b·T + t of a double matrix.
linalg::Matrix trial_major_rows(const torch::Tensor& t) {
  const auto rows = t.permute({1, 0, 2}).to(torch::kFloat64).contiguous();
  return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      rows.data_ptr<double>(), rows.size(0) * rows.size(1), rows.size(2));
}

void validate(const NbackAnalyzeRequest& r) {
  const auto name = [&](const std::string& key) { return argument_name(r.door, key); };
  require(r.door == Door::python || !r.out.empty(), name("out") + " is required: the HDF5 file to write the analyses to");
  require(r.trials >= 1 && r.trials <= 100000, name("trials") + " = " + std::to_string(r.trials) + ", allowed 1..100000");
  require(r.folds >= 2 && r.folds <= 100, name("folds") + " = " + std::to_string(r.folds) + ", allowed 2..100");
  require(std::isfinite(r.l2) && r.l2 > 0, name("l2") + " must be > 0 and finite");
}

}  // namespace

NbackAnalyzeResult run_nback_analyze(const NbackAnalyzeRequest& r) {
  validate(r);
  if (!r.out.empty()) {
    check_can_write(r.out, r.force, r.door);
    check_can_write(markdown_path(r.out), r.force, r.door);
  }
  const runs::RunDirectory dir(r.run_dir);
  dir.require_run();
  const Json config = rnn::resolve_run_config(dir.read_config(), dir.config_path());
  const auto task = config.at("task").at("name").get<std::string>();
  require(task == nback::kRunTaskName, dir.path() + " is a run of the task '" + task +
                                           "', not an N-back run ([task] name = \"nback\"): the analyses read N-back "
                                           "runs; `" + std::string(r.door == Door::cli ? "rnnscope eval" : "rnnscope.evaluate") +
                                           "` runs the others");
  require_trained_model(dir, r.door);
  rnn::use_threads(config.at("train").at("threads").get<int64_t>());
  auto run = rnn::build_nback_run(config);
  run.model->read_weights(dir.model_path());
  // The default halves the derived seed into int64's range, so the file's `seed` attribute holds it exactly.
  const uint64_t seed = r.seed ? *r.seed : Rng::derive_seed(config.at("seed").get<uint64_t>(), "nback-analyze") >> 1;
  auto [trials, batch] = run.data->heldout_set(seed, r.trials);

  nback::AnalysisInput input;
  input.diet = run.diet;
  input.frames = static_cast<int>(batch.inputs.size(0));
  std::vector<double> task_accuracy;
  {
    torch::NoGradGuard no_grad;
    const auto out = run.model->run(batch.inputs, {});
    input.states = trial_major_rows(out.rates);
    const int64_t cue = static_cast<int64_t>(nback::all_tasks().size());
    input.perceptual = trial_major_rows(batch.inputs.narrow(2, 0, batch.inputs.size(2) - cue));
    const auto accuracy = rnn::nback_task_accuracy(out, batch);
    for (const auto& t : run.diet) task_accuracy.push_back(accuracy.at(static_cast<size_t>(nback::task_id(t))));
  }
  for (double& a : task_accuracy) a = a < 0 ? NAN : a;  // a task with no trial among these
  input.trials = std::move(trials);
  nback::AnalysisOptions options;
  options.decoder.folds = static_cast<int>(r.folds);
  options.decoder.l2 = r.l2;
  options.decoder.seed = seed;
  const nback::NbackAnalysis analysis = nback::analyze(input, options);

  const Json attributes = {{"run", r.run_dir},     {"trials", r.trials},        {"seed", static_cast<int64_t>(seed)},
                           {"folds", r.folds},     {"l2", r.l2},                {"frames", input.frames},
                           {"units", run.model->units()}, {"version", RNNSCOPE_VERSION}};
  NbackAnalyzeResult result;
  result.record = analysis_record(analysis, task_accuracy, attributes);
  if (r.states) add_states(result.record, input);
  result.markdown = analysis_markdown(analysis, task_accuracy, attributes);
  if (!r.out.empty()) {
    write_record(r.out, result.record);
    write_text_atomic(markdown_path(r.out), result.markdown);
  }
  return result;
}

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
