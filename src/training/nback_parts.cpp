// N-back trials from feature banks as a data source, and their objective
// (src/training/nback_parts.h).
#include "training/nback_parts.h"

#include "training/loss_internal.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/hdf5_io.h"
#include "rnnscope/core/rng.h"
#include "rnnscope/core/sha256.h"
#include "rnnscope/geometry/decoders.h"
#include "rnnscope/nback/run_params.h"

namespace rnnscope::rnn {

namespace {

constexpr int64_t kAnswers = 3;  // match, non-match, no-action

int64_t task_count() { return static_cast<int64_t>(nback::all_tasks().size()); }

std::shared_ptr<PerceptualCnn> read_cnn(const std::string& path) {
  try {
    auto cnn = PerceptualCnn::read(path);
    cnn->freeze();
    return cnn;
  } catch (const Error& e) {
    throw Error(std::string("[perception] cnn: ") + e.what() +
                    " (write the perceptual CNN with `rnnscope nback pretrain --out FILE`, or "
                    "rnnscope.nback.pretrain(out=FILE))",
                e.kind());
  }
}

// Views per object the front end's decoding reads: the Newton steps cost samples × features per
// product, and a few views of each object already give every fold every object.
constexpr int64_t kDecodingViews = 8;

// Cross-validated decoding of each feature of the bank's objects from the features of their
// first kDecodingViews views.
Json decode_bank(const FeatureBank& bank, const nback::StimulusConfig& stimuli, uint64_t seed) {
  const int64_t views = std::min(bank.views, kDecodingViews), samples = bank.objects * views;
  const int64_t F = bank.features.size(2);
  const auto rows = bank.features.narrow(1, 0, views).reshape({samples, F}).to(torch::kFloat64).contiguous();
  const geometry::Matrix x = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      rows.data_ptr<double>(), samples, F);
  geometry::DecoderOptions options;
  options.seed = seed;
  options.folds = static_cast<int>(std::min<int64_t>(5, views));
  Json out = Json::object();
  for (const auto& [name, feature] : {std::pair{"category", nback::Feature::category},
                                      std::pair{"identity", nback::Feature::identity},
                                      std::pair{"location", nback::Feature::location}}) {
    std::vector<int64_t> y(static_cast<size_t>(samples));
    for (int identity = 0; identity < stimuli.n_identities(); ++identity) {
      for (int location = 0; location < stimuli.n_locations(); ++location) {
        const nback::Object object{identity / stimuli.identities, identity, location};
        const int64_t o = FeatureBank::object_index(object, stimuli.n_locations());
        for (int64_t v = 0; v < views; ++v) y[static_cast<size_t>(o * views + v)] = nback::feature_value(object, feature);
      }
    }
    const auto fit = geometry::decode(x, y, options);
    out[name] = {{"accuracy", fit.accuracy}, {"chance", fit.chance}};
  }
  return out;
}

}  // namespace

NbackDataSource::NbackDataSource(FeatureBank training, FeatureBank heldout, NbackDataOptions options)
    : training_(std::move(training)), heldout_(std::move(heldout)), options_(std::move(options)) {
  require(options_.batch_size >= 1 && options_.eval_trials >= 1, "nback data: batch_size and eval_trials must be >= 1");
  require(training_.objects == heldout_.objects && training_.features.size(2) == heldout_.features.size(2),
          "nback data: the training and held-out banks must hold the same objects and features");
  require(training_.objects == int64_t{options_.stimuli.n_identities()} * options_.stimuli.n_locations(),
          "nback data: the banks' objects do not match the [stimuli] table");
  const uint64_t eval_seed = Rng::derive_seed(options_.seed, "nback-eval");
  eval_trials_ = nback::generate_trials(options_.stimuli, options_.sequences, options_.tasks, nback::ViewKind::heldout,
                                        eval_seed, 0, options_.eval_trials);
  eval_ = batch_of(eval_trials_, 0, heldout_, options_.seed, "nback-eval-view");
}

std::vector<nback::Trial> NbackDataSource::train_trials(int64_t step) const {
  return nback::generate_trials(options_.stimuli, options_.sequences, options_.tasks, nback::ViewKind::training,
                                options_.seed, step * options_.batch_size, options_.batch_size);
}

TrainBatch NbackDataSource::train_batch(int64_t step) {
  return batch_of(train_trials(step), step * options_.batch_size, training_, options_.seed, "nback-view");
}

std::pair<std::vector<nback::Trial>, TrainBatch> NbackDataSource::heldout_set(uint64_t seed, int64_t count) const {
  require(count >= 1, "nback data: a held-out set needs at least one trial");
  auto trials = nback::generate_trials(options_.stimuli, options_.sequences, options_.tasks, nback::ViewKind::heldout,
                                       Rng::derive_seed(seed, "nback-heldout"), 0, count);
  auto batch = batch_of(trials, 0, heldout_, seed, "nback-heldout-view");
  return {std::move(trials), std::move(batch)};
}

TrainBatch NbackDataSource::batch_of(const std::vector<nback::Trial>& trials, int64_t first_trial,
                                     const FeatureBank& bank, uint64_t view_seed, const std::string& stream) const {
  const int64_t T = options_.sequences.frames, B = static_cast<int64_t>(trials.size());
  const int64_t F = bank.features.size(2), locations = options_.stimuli.n_locations();
  // Object and view of every (frame, trial), time-major, gathered from the bank in one index.
  std::vector<int64_t> entries(static_cast<size_t>(T * B));
  auto cue = torch::zeros({T, B, task_count()}, torch::kFloat32);
  auto targets = torch::zeros({T, B, kAnswers}, torch::kFloat32);
  auto cue_a = cue.accessor<float, 3>();
  auto targets_a = targets.accessor<float, 3>();
  for (int64_t b = 0; b < B; ++b) {
    const nback::Trial& trial = trials[static_cast<size_t>(b)];
    Rng rng = Rng::derive(view_seed, stream, static_cast<uint64_t>(first_trial + b));
    for (int64_t t = 0; t < T; ++t) {
      const int64_t object = FeatureBank::object_index(trial.objects[static_cast<size_t>(t)], locations);
      entries[static_cast<size_t>(t * B + b)] = object * bank.views + rng.integer(bank.views);
      cue_a[t][b][trial.task] = 1;
      targets_a[t][b][trial.labels[static_cast<size_t>(t)]] = 1;
    }
  }
  const auto index = torch::from_blob(entries.data(), {T * B}, torch::kInt64);
  const auto features = bank.features.view({bank.objects * bank.views, F}).index_select(0, index).view({T, B, F});
  TrainBatch batch;
  batch.inputs = torch::cat({features, cue}, 2);
  batch.targets = targets;
  batch.mask = torch::ones({T, B}, torch::kFloat32);
  return batch;
}

std::vector<double> nback_task_accuracy(const SequenceOutput& out, const TrainBatch& batch) {
  torch::NoGradGuard no_grad;
  const int64_t tasks = task_count();
  const auto task = batch.inputs.narrow(2, batch.inputs.size(2) - tasks, tasks)[0].argmax(1);  // [B]
  const auto correct = out.outputs.argmax(2).eq(batch.targets.argmax(2)).to(torch::kFloat64).mean(0);  // [B]
  std::vector<double> accuracy(static_cast<size_t>(tasks), -1.0);
  for (int64_t k = 0; k < tasks; ++k) {
    const auto of_task = task.eq(k);
    if (of_task.any().item<bool>()) accuracy[static_cast<size_t>(k)] = correct.masked_select(of_task).mean().item<double>();
  }
  return accuracy;
}

torch::Tensor NbackObjective::loss(const SequenceOutput& out, const TrainBatch& batch, RecurrentModel&) {
  return task_loss(tasks::LossKind::cross_entropy, out.outputs, batch.targets, batch.mask);
}

Metrics NbackObjective::score(const SequenceOutput& out, const TrainBatch& batch) {
  torch::NoGradGuard no_grad;
  const double loss = task_loss(tasks::LossKind::cross_entropy, out.outputs, batch.targets, batch.mask).item<double>();
  const double accuracy = out.outputs.argmax(2).eq(batch.targets.argmax(2)).to(torch::kFloat64).mean().item<double>();
  return Metrics{{loss}, {accuracy}};
}

NbackRun build_nback_run(const Json& resolved) {
  const uint64_t seed = resolved.at("seed").get<uint64_t>();
  const Json& task = resolved.at("task");
  const Json& perception = resolved.at("perception");
  const std::string cnn_path = perception.at("cnn").get<std::string>();
  auto cnn = read_cnn(cnn_path);
  const std::string digest = sha256_file_hex(cnn_path), recorded = perception.at("cnn_sha256").get<std::string>();
  // Unlike a warning, refusing keeps a resumed run or an analysis from reading a network through
  // another front end than the one it was trained on.
  require(recorded.empty() || recorded == digest,
          "[perception] cnn: " + cnn_path + " has changed since the run recorded it (SHA-256 " + recorded +
              ", now " + digest + "); put the original file back, or train a new run on this one");
  const std::string data_dir = task.at("data_dir").get<std::string>();
  NbackDataOptions options;
  options.stimuli = nback::StimulusConfig::from_params(resolved.at("stimuli"));
  options.sequences = nback::SequenceConfig::from_params(resolved.at("nback"));
  options.tasks = nback::diet(task);
  options.batch_size = resolved.at("train").at("batch_size").get<int64_t>();
  options.eval_trials = resolved.at("train").at("eval_trials").get<int64_t>();
  options.seed = seed;
  const nback::StimulusSet set(options.stimuli,
                               data::load_fashion_mnist(data::Split::test, data_dir.empty() ? data::kFashionMnistDir : data_dir),
                               seed);
  const int64_t views = perception.at("views").get<int64_t>();
  FeatureBank training = build_feature_bank(*cnn, set, nback::ViewKind::training, views, seed);
  FeatureBank heldout = build_feature_bank(*cnn, set, nback::ViewKind::heldout, views, seed);

  NbackRun run;
  run.diet = options.tasks;
  run.perception = Json::object();
  run.perception["cnn"] = cnn_path;
  run.perception["cnn_sha256"] = digest;
  run.perception["cnn_test_accuracy"] = h5::read_attributes(cnn_path, "/").value("test_accuracy", Json());
  run.perception["heldout_decoding"] = decode_bank(heldout, options.stimuli, seed);
  NbackModelShape shape;
  shape.feature_channels = heldout.feature_shape.at(0);
  shape.feature_positions = heldout.feature_shape.at(1) * heldout.feature_shape.at(2);
  shape.reduced_channels = perception.at("reduced_channels").get<int64_t>();
  shape.embedding = perception.at("embedding").get<int64_t>();
  shape.tasks = task_count();
  run.model = std::make_shared<NbackModel>(shape, resolved.at("model"), seed);
  run.data = std::make_unique<NbackDataSource>(std::move(training), std::move(heldout), std::move(options));
  return run;
}

Json nback_eval_task_accuracy(NbackModel& model, NbackDataSource& data, const std::vector<nback::NBackTask>& diet) {
  torch::NoGradGuard no_grad;
  const TrainBatch& eval = data.eval_batch();
  const auto accuracy = nback_task_accuracy(model.run(eval.inputs, {}), eval);
  Json out = Json::object();
  for (const auto& t : diet) {
    const double a = accuracy.at(static_cast<size_t>(nback::task_id(t)));
    out[t.name()] = a < 0 ? Json() : Json(a);  // null: no trial of the task in the evaluation set
  }
  return out;
}

}  // namespace rnnscope::rnn
