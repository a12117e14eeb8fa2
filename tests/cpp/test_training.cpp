// The trainer seam proven by a part that is not a task: a toy data source (a delayed copy of
// a random signal) and a toy objective (masked MSE with no accuracy, stopping at a loss
// threshold) plugged into the Trainer with a schedule train a tiny CTRNN; checkpoints resume
// bit-identically through the same parts.
#include "models/model_internal.h"
#include "training/checkpoint_internal.h"
#include "training/fused_adam_internal.h"
#include "training/trainer.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/rng.h"
#include "rnnscope/models/registry.h"

#include "test_errors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace rnnscope;
using rnnscope::testing::error_of;

namespace {

constexpr int64_t kSteps = 12, kBatch = 16;

// y_t = 0.5 · u_{t-1}: a one-step memory. Batch k depends only on (seed, k).
class DelayedCopy final : public rnn::DataSource {
 public:
  explicit DelayedCopy(uint64_t seed) : seed_(seed), eval_(make(Rng::derive_seed(seed, "eval"))) {}
  rnn::TrainBatch train_batch(int64_t step) override { return make(Rng::derive_seed(seed_, "train", uint64_t(step))); }
  const rnn::TrainBatch& eval_batch() override { return eval_; }

 private:
  static rnn::TrainBatch make(uint64_t seed) {
    auto gen = rnn::torch_generator(seed, "toy");
    rnn::TrainBatch b;
    b.inputs = at::randn({kSteps, kBatch, 1}, gen, torch::kFloat32);
    b.targets = torch::zeros({kSteps, kBatch, 1});
    b.targets.narrow(0, 1, kSteps - 1).copy_(0.5 * b.inputs.narrow(0, 0, kSteps - 1));
    b.mask = torch::ones({kSteps, kBatch});
    b.mask[0].zero_();
    return b;
  }
  uint64_t seed_;
  rnn::TrainBatch eval_;
};

// One loss per replica ([K] for outputs [K, T, B, 1], a scalar for one network), stopping a
// replica at its own threshold (the last one given for replicas beyond the list).
class MaskedMse final : public rnn::Objective {
 public:
  explicit MaskedMse(double threshold) : thresholds_{threshold} {}
  explicit MaskedMse(std::vector<double> thresholds) : thresholds_(std::move(thresholds)) {}
  torch::Tensor loss(const rnn::SequenceOutput& out, const rnn::TrainBatch& b, rnn::RecurrentModel&) override {
    return mse(out, b);
  }
  rnn::Metrics score(const rnn::SequenceOutput& out, const rnn::TrainBatch& b) override {
    return rnn::Metrics{rnn::to_doubles(mse(out, b)), {}};
  }
  bool reached(const rnn::Metrics& m, size_t replica) const override {
    return m.loss.at(replica) < thresholds_.at(std::min(replica, thresholds_.size() - 1));
  }
  std::string criterion() const override { return "loss_threshold"; }

 private:
  static torch::Tensor mse(const rnn::SequenceOutput& out, const rnn::TrainBatch& b) {
    return ((out.outputs - b.targets).pow(2).squeeze(-1) * b.mask).sum({-2, -1}) / b.mask.sum();
  }
  std::vector<double> thresholds_;
};

// Halves the learning rate at step 100 and records the steps it saw.
class StepRecorder final : public rnn::Schedule {
 public:
  explicit StepRecorder(std::vector<int64_t>* seen) : seen_(seen) {}
  void before_step(int64_t step, rnn::RecurrentModel&, rnn::DataSource&, torch::optim::Optimizer& optimizer) override {
    seen_->push_back(step);
    if (step == 100) {
      for (auto& group : optimizer.param_groups()) {
        static_cast<torch::optim::AdamOptions&>(group.options()).lr(0.005);
      }
    }
  }
  std::vector<std::pair<std::string, double>> record(int64_t step) const override {
    return {{"lr", step < 100 ? 0.01 : 0.005}};
  }

 private:
  std::vector<int64_t>* seen_;
};

tasks::TaskInfo toy_task() {
  tasks::TaskInfo info;
  info.name = "delayed_copy";
  info.inputs.push_back(tasks::ChannelGroup{"u", 1, "signal"});
  info.outputs.push_back(tasks::ChannelGroup{"y", 1, "delayed copy"});
  info.loss = tasks::LossKind::mse;
  return info;
}

struct Toy {
  std::shared_ptr<rnn::RecurrentModel> model;
  std::unique_ptr<rnn::Trainer> trainer;
  std::vector<int64_t> seen;
};

struct ToyOptions {
  int64_t replicas = 1;
  std::vector<double> thresholds;  // per replica; the last for the rest
  double grad_clip = 1.0;
  int64_t eval_every = 25;
};

std::unique_ptr<Toy> toy(const std::string& checkpoint, int64_t max_steps, double threshold,
                         const ToyOptions& o = {}) {
  auto t = std::make_unique<Toy>();
  const Json cfg = models::resolve(
      Json{{"type", "ctrnn"}, {"units", 16}, {"activation", "tanh"}, {"tau", 20.0}, {"noise", 0.0}}, "toy");
  t->model = rnn::make_model(cfg, toy_task(), 10.0, 3, o.replicas);
  std::vector<std::unique_ptr<rnn::Schedule>> schedules;
  schedules.push_back(std::make_unique<StepRecorder>(&t->seen));
  rnn::TrainerOptions options;
  options.max_steps = max_steps;
  options.eval_every = o.eval_every;
  options.checkpoint_every = 40;
  options.grad_clip = o.grad_clip;
  options.checkpoint_path = checkpoint;
  t->trainer = std::make_unique<rnn::Trainer>(
      t->model, std::make_unique<DelayedCopy>(11),
      std::make_unique<MaskedMse>(o.thresholds.empty() ? std::vector<double>{threshold} : o.thresholds),
      std::make_unique<rnn::FusedAdam>(t->model->parameters(), torch::optim::AdamOptions(0.01)),
      std::move(schedules), options);
  return t;
}

std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() / ("rnnscope_test_training_" + name + "_" + std::to_string(::getpid()))).string();
}

}  // namespace

TEST(TrainerSeam, ToyDataSourceAndObjectiveTrainATinyModel) {
  at::set_num_threads(1);
  const auto checkpoint = temp_path("toy.pt");
  auto t = toy(checkpoint, 300, 1e-9);  // a threshold it never reaches: train the whole budget
  const auto outcome = t->trainer->run({});
  const auto& h = t->trainer->state().history;
  ASSERT_EQ(h.evaluations(), 12u);  // every 25 steps
  EXPECT_EQ(h.step.back(), 300);
  // Learned: the evaluation MSE fell by more than 5x (the target variance is 0.25).
  EXPECT_LT(h.loss.back(), h.loss.front() / 5) << h.loss.front() << " -> " << h.loss.back();
  EXPECT_LT(h.loss.back(), 0.05);
  EXPECT_EQ(h.accuracy, std::vector<double>(12, -1.0));  // no accuracy: recorded as -1
  EXPECT_EQ(outcome.stop_reason, "max_steps");
  EXPECT_TRUE(outcome.finished);
  // The schedule saw every step once, in order.
  ASSERT_EQ(t->seen.size(), 300u);
  for (size_t i = 0; i < t->seen.size(); ++i) EXPECT_EQ(t->seen[i], int64_t(i));
  fs::remove(checkpoint);
}

TEST(TrainerSeam, ObjectiveStoppingRuleEndsTheRun) {
  at::set_num_threads(1);
  const auto checkpoint = temp_path("stop.pt");
  auto t = toy(checkpoint, 1000, 0.2);
  const auto outcome = t->trainer->run({});
  EXPECT_EQ(outcome.stop_reason, "loss_threshold");
  EXPECT_TRUE(outcome.reached);
  EXPECT_LT(t->trainer->state().step, 1000);
  EXPECT_LT(t->trainer->state().history.loss.back(), 0.2);
  fs::remove(checkpoint);
}

TEST(TrainerSeam, ResumeThroughTheSamePartsIsBitIdentical) {
  at::set_num_threads(1);
  const auto a_path = temp_path("a.pt"), b_path = temp_path("b.pt");
  auto straight = toy(a_path, 130, 1e-9);
  straight->trainer->run({});
  auto first = toy(b_path, 130, 1e-9);
  rnn::TrainerHooks hooks;
  hooks.stop_after = 57;  // between checkpoints and evaluations, before the lr change at 100
  EXPECT_EQ(first->trainer->run(hooks).stop_reason, "stop_after");
  auto second = toy(b_path, 130, 1e-9);
  second->trainer->resume();
  EXPECT_EQ(second->trainer->state().step, 57);
  second->trainer->run({});
  EXPECT_EQ(second->seen.front(), 57);  // schedules resume at the step, not at 0
  EXPECT_EQ(straight->trainer->state().history.loss, second->trainer->state().history.loss);
  for (const auto& p : straight->model->named_parameters()) {
    EXPECT_TRUE(torch::equal(p.value(), second->model->named_parameters()[p.key()])) << p.key();
  }
  // A finished run refuses to resume.
  auto third = toy(b_path, 130, 1e-9);
  EXPECT_THROW(third->trainer->resume(), Error);
  fs::remove(a_path);
  fs::remove(b_path);
}

TEST(Checkpoint, ADamagedTrainerStateIsRefusedNamingTheFile) {
  const auto path = temp_path("damaged.pt");
  auto t = toy(path, 10, 1e-9);
  rnn::FusedAdam optimizer(t->model->parameters(), torch::optim::AdamOptions(0.01));
  // A checkpoint as save_checkpoint lays it out, with the trainer's scalars given.
  const auto write = [&](const std::vector<double>& scalars) {
    torch::serialize::OutputArchive archive, optimizer_archive;
    t->model->save(archive);
    optimizer.save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
    archive.write("trainer.scalars", torch::tensor(scalars, torch::kFloat64));
    for (const char* key : {"trainer.history_step", "trainer.history_loss", "trainer.history_accuracy",
                            "trainer.history_train_loss", "trainer.history_wall_seconds"}) {
      archive.write(key, torch::zeros({0}, torch::kFloat64));
    }
    archive.save_to(path);
  };
  const auto load_error = [&] { return error_of([&] { rnn::load_checkpoint(path, *t->model, optimizer); }); };
  write({3, 0, 1.5, 0.5, 0.25, 0, 1});
  EXPECT_EQ(rnn::load_checkpoint(path, *t->model, optimizer).step, 3);
  // Found by tests/fuzz: a step of 1e300 (or NaN) was cast to int64, undefined behaviour.
  write({1e300, 0, 1.5, 0.5, 0.25, 0, 1});
  EXPECT_NE(load_error().find(path + " is damaged: the step is not a count"), std::string::npos) << load_error();
  write({std::nan(""), 0, 1.5, 0.5, 0.25, 0, 1});
  EXPECT_NE(load_error().find("the step is not a count"), std::string::npos);
  write({3, 0, 1.5, 0.5, 0.25, 0, 4});
  EXPECT_NE(load_error().find("more steps since the last evaluation"), std::string::npos);
  write({3, 0, INFINITY, 0.5, 0.25, 0, 1});
  EXPECT_NE(load_error().find("not finite"), std::string::npos);
  fs::remove(path);
}

// ---------------------------------------------------------------------------------------
// Replicas: K networks of one config trained as one batched computation.

namespace {

// Replica k's slice of every parameter of a replicated model copied into a single network.
void copy_replica(rnn::RecurrentModel& replicated, int64_t k, rnn::RecurrentModel& single) {
  torch::NoGradGuard no_grad;
  auto from = replicated.named_parameters();
  for (auto& p : single.named_parameters()) p.value().copy_(from[p.key()][k]);
}

// Trains K = 3 replicas together and each replica's initial network alone on the same
// batches; returns the largest difference of a loss or parameter (0: bit-identical).
double together_versus_alone(double grad_clip) {
  const auto path = temp_path("replicas.pt");
  ToyOptions options;
  options.replicas = 3;
  options.grad_clip = grad_clip;
  options.eval_every = 10;
  auto together = toy(path, 40, 1e-9, options);
  // Replica k starts from its own draw, and replica 0 from the single network's.
  auto initial = together->model->named_parameters()["W_rec"].clone();
  EXPECT_FALSE(torch::equal(initial[0], initial[1]));
  EXPECT_TRUE(torch::equal(initial[0], toy("", 1, 1e-9)->model->named_parameters()["W_rec"]));
  std::vector<std::unique_ptr<Toy>> alone;
  for (int64_t k = 0; k < 3; ++k) {
    ToyOptions single = options;
    single.replicas = 1;
    alone.push_back(toy("", 40, 1e-9, single));
    copy_replica(*together->model, k, *alone.back()->model);
  }
  together->trainer->run({});
  double worst = 0;
  const auto& h = together->trainer->state().history;
  EXPECT_EQ(h.replicas, 3);
  EXPECT_EQ(h.loss.size(), 4u * 3u);
  for (int64_t k = 0; k < 3; ++k) {
    auto& single = *alone[size_t(k)];
    single.trainer->run({});
    const auto& hk = single.trainer->state().history;
    // Each replica's training loss is its own (it was once the mean over replicas).
    for (size_t e = 0; e < hk.loss.size(); ++e) {
      worst = std::max(worst, std::abs(hk.loss[e] - h.loss[e * 3 + size_t(k)]));
      worst = std::max(worst, std::abs(hk.train_loss[e] - h.train_loss[e * 3 + size_t(k)]));
    }
    auto replicated = together->model->named_parameters();
    for (const auto& p : single.model->named_parameters()) {
      worst = std::max(worst, (p.value() - replicated[p.key()][k]).abs().max().item<double>());
    }
  }
  fs::remove(path);
  return worst;
}

}  // namespace

TEST(Replicas, TrainedTogetherEachEqualsItsNetworkTrainedAlone) {
  at::set_num_threads(1);
  // No clipping: the same operations per replica, so bit-identical losses and weights.
  EXPECT_EQ(together_versus_alone(0), 0.0);
  // Clipping per replica (its norm summed in double, torch's in float): equal to rounding.
  EXPECT_LT(together_versus_alone(0.05), 1e-5);
}

TEST(Replicas, AReplicaThatReachedItsCriterionStopsChanging) {
  at::set_num_threads(1);
  // Replica 0 reaches its (unmissable) threshold at the first evaluation, step 10; replica 1 never.
  ToyOptions options;
  options.replicas = 2;
  options.thresholds = {1e9, 1e-9};
  options.eval_every = 10;
  auto at_ten = toy("", 10, 0, options);
  at_ten->trainer->run({});
  auto longer = toy("", 30, 0, options);
  const auto outcome = longer->trainer->run({});
  EXPECT_EQ(outcome.stop_reason, "max_steps");  // not every replica reached it
  EXPECT_EQ(longer->trainer->state().step, 30);
  auto early = at_ten->model->named_parameters(), late = longer->model->named_parameters();
  for (const auto& p : late) {
    EXPECT_TRUE(torch::equal(p.value()[0], early[p.key()][0])) << p.key() << " of the stopped replica changed";
  }
  EXPECT_FALSE(torch::equal(late["W_rec"][1], early["W_rec"][1]));
  // Its evaluations after stopping are those of the frozen network.
  const auto& h = longer->trainer->state().history;
  EXPECT_EQ(h.loss[0], h.loss[2 * 2]);
}

TEST(Replicas, ResumeIsBitIdentical) {
  at::set_num_threads(1);
  const auto a_path = temp_path("replicas_a.pt"), b_path = temp_path("replicas_b.pt");
  ToyOptions options;
  options.replicas = 3;
  options.thresholds = {1e-9, 1e9, 1e-9};  // replica 1 stops at step 10, before the interruption
  options.eval_every = 10;
  auto straight = toy(a_path, 60, 0, options);
  straight->trainer->run({});
  auto first = toy(b_path, 60, 0, options);
  rnn::TrainerHooks hooks;
  hooks.stop_after = 23;
  first->trainer->run(hooks);
  auto second = toy(b_path, 60, 0, options);
  second->trainer->resume();
  second->trainer->run({});
  EXPECT_EQ(straight->trainer->state().history.loss, second->trainer->state().history.loss);
  // Interrupted between evaluations: each replica's running training loss came through the checkpoint.
  EXPECT_EQ(straight->trainer->state().history.train_loss, second->trainer->state().history.train_loss);
  for (const auto& p : straight->model->named_parameters()) {
    EXPECT_TRUE(torch::equal(p.value(), second->model->named_parameters()[p.key()])) << p.key();
  }
  // A checkpoint of 3 replicas does not load into a model of 2.
  ToyOptions two = options;
  two.replicas = 2;
  auto other = toy(b_path, 60, 0, two);
  EXPECT_THROW(other->trainer->resume(true), Error);
  fs::remove(a_path);
  fs::remove(b_path);
}

TEST(Replicas, ModelTypesWithoutReplicasRefuseThem) {
  const Json gru = models::resolve(Json{{"type", "gru"}, {"units", 4}}, "toy");
  const auto message = error_of([&] { rnn::make_model(gru, toy_task(), 10.0, 3, 2); });
  EXPECT_NE(message.find("train.replicas = 2"), std::string::npos) << message;
  EXPECT_NE(message.find("type = \"ctrnn\""), std::string::npos) << message;
}

class ReplicaKernel : public ::testing::TestWithParam<std::tuple<std::string, rnn::TemporalSkip::Kind>> {};

TEST_P(ReplicaKernel, FusedMatchesItsReferenceTwin) {
  at::set_num_threads(1);
  // Three replicas of a noisy, learned-x0 network, plain or with a skip through time:
  // outputs and every gradient.
  const auto [form, skip] = GetParam();
  auto model = [&, form = form, skip = skip](const std::string& engine) {
    const Json cfg = models::resolve(Json{{"type", "ctrnn"}, {"units", 8}, {"form", form}, {"activation", "softplus"},
                                          {"tau", 20.0}, {"learn_x0", true}, {"engine", engine}},
                                     "toy");
    auto m = rnn::make_model(cfg, toy_task(), 10.0, 5, 3);
    m->set_temporal_skip(rnn::TemporalSkip{skip, 3, 0.4});
    return m;
  };
  auto fused = model("fused"), reference = model("reference");
  const auto batch = DelayedCopy(2).train_batch(0);
  const auto noise = at::randn({kSteps, kBatch, 8}, rnn::torch_generator(1, "noise"), torch::kFloat32);
  const auto a = fused->run(batch.inputs, noise), b = reference->run(batch.inputs, noise);
  ASSERT_EQ(a.outputs.sizes(), (std::vector<int64_t>{3, kSteps, kBatch, 1}));
  EXPECT_TRUE(torch::allclose(a.outputs, b.outputs, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(a.rates, b.rates, 1e-5, 1e-6));
  // A loss that weighs the replicas differently, so that a gradient landing on another
  // replica's slice would show.
  const auto weights = torch::tensor({1.0f, 2.0f, 3.0f}).view({3, 1, 1, 1});
  (a.outputs.pow(2) * weights).sum().backward();
  (b.outputs.pow(2) * weights).sum().backward();
  auto expected = reference->named_parameters();
  for (const auto& p : fused->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_TRUE(torch::allclose(p.value().grad(), expected[p.key()].grad(), 1e-4, 1e-5)) << p.key();
  }
}

INSTANTIATE_TEST_SUITE_P(Replicas, ReplicaKernel,
                         ::testing::Combine(::testing::Values("current", "rate"),
                                            ::testing::Values(rnn::TemporalSkip::Kind::none,
                                                              rnn::TemporalSkip::Kind::sctt,
                                                              rnn::TemporalSkip::Kind::dasc)));

TEST(Replicas, TrainingDoesNotDependOnTheThreadCount) {
  // The replicas of a step are split over the pool; each replica's arithmetic stays the same.
  ToyOptions options;
  options.replicas = 5;
  options.eval_every = 10;
  std::vector<std::unique_ptr<Toy>> runs;
  for (int threads : {1, 2}) {
    at::set_num_threads(threads);
    runs.push_back(toy("", 20, 1e-9, options));
    runs.back()->trainer->run({});
  }
  at::set_num_threads(1);
  EXPECT_EQ(runs[0]->trainer->state().history.loss, runs[1]->trainer->state().history.loss);
  auto two = runs[1]->model->named_parameters();
  for (const auto& p : runs[0]->model->named_parameters()) {
    EXPECT_TRUE(torch::equal(p.value(), two[p.key()])) << p.key();
  }
}
