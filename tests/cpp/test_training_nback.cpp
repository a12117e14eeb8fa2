// The N-back parts of the trainer: batches looked up in feature banks (checked entry by entry
// against the banks and the generator's trials), and a tiny multi-task cognitive model whose
// held-out loss falls under the trainer, and its model.h5 round trip.
#include "models/nback_model.h"
#include "training/nback_parts.h"

#include "rnnscope/models/registry.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <unistd.h>

using namespace rnnscope;
using namespace rnnscope::rnn;

namespace {

// 2 categories × 1 identity × 4 locations of 28-pixel cells: 8 objects, features [4, 14, 14].
struct Tiny {
  nback::StimulusConfig stimuli = nback::StimulusConfig::from_params(resolve_params(
      Json{{"categories", {0, 1}}, {"identities", 1}, {"cell_size", 28}}, nback::stimulus_params(), "test"));
  nback::StimulusSet set{stimuli, data::load_fashion_mnist(data::Split::test), 1};
  PerceptualCnn cnn{{4, 4}, 28, 10, 2};

  NbackDataSource source(int64_t batch_size, int64_t eval_trials, int64_t views) {
    cnn.freeze();
    NbackDataOptions options;
    options.stimuli = stimuli;
    options.tasks = nback::all_tasks();
    options.batch_size = batch_size;
    options.eval_trials = eval_trials;
    options.seed = 4;
    return NbackDataSource(build_feature_bank(cnn, set, nback::ViewKind::training, views, 5),
                           build_feature_bank(cnn, set, nback::ViewKind::heldout, views, 5), options);
  }
};

}  // namespace

TEST(NbackData, FramesAreBankViewsOfTheTrialsObjectsWithTheCueAndTheLabels) {
  at::set_num_threads(1);
  Tiny tiny;
  NbackDataSource source = tiny.source(5, 3, 2);
  const FeatureBank bank = build_feature_bank(tiny.cnn, tiny.set, nback::ViewKind::training, 2, 5);
  const TrainBatch batch = source.train_batch(3);
  const auto trials = source.train_trials(3);
  const int64_t F = 4 * 14 * 14;
  ASSERT_EQ(batch.inputs.sizes(), (std::vector<int64_t>{6, 5, F + 9}));
  ASSERT_EQ(batch.targets.sizes(), (std::vector<int64_t>{6, 5, 3}));
  EXPECT_TRUE(torch::equal(batch.mask, torch::ones({6, 5})));
  std::set<int64_t> views_seen;
  for (int64_t b = 0; b < 5; ++b) {
    for (int64_t t = 0; t < 6; ++t) {
      const auto& trial = trials[static_cast<size_t>(b)];
      const int64_t o = FeatureBank::object_index(trial.objects[static_cast<size_t>(t)], 4);
      const auto features = batch.inputs[t][b].narrow(0, 0, F);
      int64_t matched = -1;
      for (int64_t v = 0; v < 2; ++v) {
        if (torch::equal(features, bank.features[o][v])) matched = v;
      }
      EXPECT_GE(matched, 0) << "frame " << t << " of trial " << b << " is no view of its object";
      views_seen.insert(matched);
      auto cue = torch::zeros({9});
      cue[trial.task] = 1;
      EXPECT_TRUE(torch::equal(batch.inputs[t][b].narrow(0, F, 9), cue));
      EXPECT_EQ(batch.targets[t][b].argmax().item<int64_t>(), trial.labels[static_cast<size_t>(t)]);
    }
  }
  EXPECT_EQ(views_seen.size(), 2u);
  // A batch is a function of its step; the evaluation set is held-out views.
  EXPECT_TRUE(torch::equal(source.train_batch(3).inputs, batch.inputs));
  EXPECT_FALSE(torch::equal(source.train_batch(4).inputs, batch.inputs));
  for (const auto& trial : source.eval_trials()) {
    for (const auto& view : trial.views) EXPECT_GT(std::abs(view.rotation_deg), tiny.stimuli.rotation_deg);
  }
}

TEST(NbackModel, ATinyMultiTaskModelLearnsUnderTheTrainer) {
  at::set_num_threads(1);
  Tiny tiny;
  const NbackModelShape shape{4, 14 * 14, 2, 16, 9};
  const Json rnn = models::resolve(Json{{"type", "gru"}, {"units", 16}}, "test");
  auto model = std::make_shared<NbackModel>(shape, rnn, 3);
  EXPECT_EQ(model->units(), 16);
  auto source = std::make_unique<NbackDataSource>(tiny.source(32, 64, 2));
  NbackObjective objective(1.1);
  double before = 0;
  {
    torch::NoGradGuard no_grad;
    before = objective.score(model->run(source->eval_batch().inputs, {}), source->eval_batch()).loss.at(0);
  }
  TrainerOptions options;
  options.max_steps = 60;
  options.eval_every = 60;
  options.checkpoint_every = 0;
  Trainer trainer(model, std::move(source), std::make_unique<NbackObjective>(1.1),
                  std::make_unique<torch::optim::AdamW>(model->parameters(), torch::optim::AdamWOptions(1e-2)), {},
                  options);
  trainer.run({});
  const auto& h = trainer.state().history;
  ASSERT_EQ(h.evaluations(), 1u);
  // Held-out cross-entropy on every frame: from about ln 3 to well below.
  EXPECT_LT(h.loss.back(), before - 0.2) << before << " -> " << h.loss.back();
  EXPECT_GT(h.accuracy.back(), 0.6);

  // model.h5 round trip: another seed's network reads the trained weights and answers the same.
  const std::string path = ::testing::TempDir() + "nback_model_" + std::to_string(getpid()) + ".h5";
  {
    h5::Writer out(path);
    model->write_weights(out);
    out.commit();
  }
  NbackModel read(shape, rnn, 9);
  read.read_weights(path);
  std::filesystem::remove(path);
  torch::NoGradGuard no_grad;
  const auto inputs = torch::rand({6, 2, shape.inputs()});
  EXPECT_TRUE(torch::equal(read.run(inputs, {}).outputs, model->run(inputs, {}).outputs));
}
