// The training loop (training/trainer.h): optimiser steps on the objective's loss with
// gradient clipping, periodic evaluation on the data source's fixed set, the objective's
// stopping rule per replica, checkpoints for resumption, and the history.
#include "training/trainer.h"

#include "training/checkpoint_internal.h"

#include "rnnscope/core/error.h"

#include <chrono>
#include <cmath>
#include <filesystem>

namespace rnnscope::rnn {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double mean(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return values.empty() ? -1 : sum / double(values.size());
}

}  // namespace

void DataSource::set_time_step_multiple(int64_t) {
  throw Error("train.method = \"cd\": this data source has no time step to coarsen");
}

Trainer::Trainer(std::shared_ptr<RecurrentModel> model, std::unique_ptr<DataSource> data,
                 std::unique_ptr<Objective> objective, std::unique_ptr<torch::optim::Optimizer> optimizer,
                 std::vector<std::unique_ptr<Schedule>> schedules, TrainerOptions options,
                 std::vector<std::unique_ptr<Recorder>> recorders)
    : model_(std::move(model)),
      data_(std::move(data)),
      objective_(std::move(objective)),
      optimizer_(std::move(optimizer)),
      schedules_(std::move(schedules)),
      options_(std::move(options)),
      recorders_(std::move(recorders)) {
  state_.history.replicas = model_->replicas();
  model_->set_training_states(objective_->uses_states());
  state_.last_accuracy.assign(size_t(model_->replicas()), -1.0);
  state_.loss_sum_since_eval.assign(size_t(model_->replicas()), 0.0);
  stopped_.assign(size_t(model_->replicas()), false);
}

std::vector<bool> Trainer::stopped_replicas() const {
  const auto& h = state_.history;
  const size_t replicas = size_t(h.replicas);
  std::vector<bool> stopped(replicas, false);
  for (size_t e = 0; e < h.step.size(); ++e) {
    const auto row = [&](const std::vector<double>& values) {
      return std::vector<double>(values.begin() + int64_t(e * replicas), values.begin() + int64_t((e + 1) * replicas));
    };
    const Metrics metrics{row(h.loss), row(h.accuracy)};
    for (size_t r = 0; r < replicas; ++r) stopped[r] = stopped[r] || objective_->reached(metrics, r);
  }
  return stopped;
}

void Trainer::clip_gradients() {
  const int64_t K = model_->replicas();
  if (K == 1) {
    torch::nn::utils::clip_grad_norm_(model_->parameters(), options_.grad_clip);
    return;
  }
  torch::NoGradGuard no_grad;
  // As clip_grad_norm_ does for one network: scale by max_norm / (norm + 1e-6) where that is < 1.
  torch::Tensor squares = torch::zeros({K}, torch::kFloat64);
  for (const auto& p : model_->parameters()) {
    if (p.grad().defined()) squares += p.grad().flatten(1).to(torch::kFloat64).pow(2).sum(1);
  }
  const torch::Tensor scale = (options_.grad_clip / (squares.sqrt() + 1e-6)).clamp_max(1.0);
  for (auto& p : model_->parameters()) {
    if (!p.grad().defined()) continue;
    std::vector<int64_t> shape(size_t(p.dim()), 1);
    shape[0] = K;
    p.grad().mul_(scale.to(p.scalar_type()).view(shape));
  }
}

void Trainer::optimizer_step() {
  std::vector<int64_t> frozen;
  for (size_t r = 0; r < stopped_.size(); ++r) {
    if (stopped_[r]) frozen.push_back(int64_t(r));
  }
  if (frozen.empty() || model_->replicas() == 1) {
    optimizer_->step();
    return;
  }
  // Adam moves a parameter on its momentum even where the gradient is zero: the stopped
  // replicas' slices are put back as they were instead.
  torch::NoGradGuard no_grad;
  const torch::Tensor index = torch::tensor(frozen, torch::kInt64);
  auto parameters = model_->parameters();
  std::vector<torch::Tensor> kept;
  for (const auto& p : parameters) kept.push_back(p.index_select(0, index));
  optimizer_->step();
  for (size_t i = 0; i < parameters.size(); ++i) parameters[i].index_copy_(0, index, kept[i]);
}

void Trainer::resume(bool finished_too) {
  state_ = load_checkpoint(options_.checkpoint_path, *model_, *optimizer_);
  require(state_.history.replicas == model_->replicas(),
          "checkpoint " + options_.checkpoint_path + " holds " + std::to_string(state_.history.replicas) +
              " replicas, the config " + std::to_string(model_->replicas()));
  require(finished_too || !state_.finished, "the run has already finished; nothing to resume");
  stopped_ = stopped_replicas();
  for (auto& recorder : recorders_) recorder->resume(state_.step);
}

void Trainer::record_continuation(const std::string& changes) {
  state_.history.continued_at_step.push_back(state_.step);
  state_.history.continued_changes.push_back(changes);
  state_.finished = false;
}

void Trainer::set_learning_rate(double lr) {
  for (auto& group : optimizer_->param_groups()) group.options().set_lr(lr);
}

void Trainer::save_progress() {
  for (auto& recorder : recorders_) recorder->persist();
  if (!options_.checkpoint_path.empty()) save_checkpoint(options_.checkpoint_path, *model_, *optimizer_, state_);
}

bool Trainer::evaluate() {
  const auto start = Clock::now();
  const TrainBatch& batch = data_->eval_batch();
  model_->eval();
  Metrics metrics;
  {
    torch::NoGradGuard no_grad;
    metrics = objective_->score(model_->run(batch.inputs, batch.noise), batch);
  }
  model_->train();
  state_.eval_seconds += seconds_since(start);
  const size_t replicas = size_t(model_->replicas());
  const bool has_accuracy = !metrics.accuracy.empty();
  if (has_accuracy) state_.last_accuracy = metrics.accuracy;
  auto& h = state_.history;
  h.step.push_back(state_.step);
  bool all_reached = true;
  for (size_t r = 0; r < replicas; ++r) {
    h.loss.push_back(metrics.loss[r]);
    h.accuracy.push_back(has_accuracy ? metrics.accuracy[r] : -1.0);
    h.train_loss.push_back(state_.steps_since_eval ? state_.loss_sum_since_eval[r] / double(state_.steps_since_eval)
                                                   : metrics.loss[r]);
    const bool reached = objective_->reached(metrics, r);
    stopped_[r] = stopped_[r] || reached;
    all_reached = all_reached && reached;
  }
  h.wall_seconds.push_back(state_.train_seconds + state_.eval_seconds);
  for (const auto& schedule : schedules_) {
    for (const auto& [name, value] : schedule->record(state_.step - 1)) h.schedule[name].push_back(value);
  }
  state_.loss_sum_since_eval.assign(replicas, 0.0);
  state_.steps_since_eval = 0;
  return all_reached;
}

TrainOutcome Trainer::run(const TrainerHooks& hooks) {
  const auto session_start = Clock::now();
  const int64_t session_first_step = state_.step;
  const int64_t max_steps = options_.max_steps;
  double session_train_seconds = 0;
  double first_step_seconds = 0;
  TrainOutcome outcome;
  outcome.stop_reason = "max_steps";
  if (state_.step == 0) {
    for (auto& recorder : recorders_) recorder->observe(0, false, *model_);
  }
  while (state_.step < max_steps) {
    const auto step_start = Clock::now();
    for (auto& schedule : schedules_) schedule->before_step(state_.step, *model_, *data_, *optimizer_);
    const TrainBatch batch = data_->train_batch(state_.step);
    const auto out = model_->run(batch.inputs, batch.noise);
    // One loss per replica ([K], or a scalar for one network), kept apart for the history.
    const torch::Tensor losses = objective_->loss(out, batch, *model_).reshape({-1});
    TORCH_INTERNAL_ASSERT(losses.numel() == model_->replicas(), "the objective gave ", losses.numel(), " losses for ",
                          model_->replicas(), " replicas");
    const torch::Tensor loss = losses.sum();
    optimizer_->zero_grad();
    loss.backward();
    if (options_.grad_clip > 0) clip_gradients();
    optimizer_step();
    const torch::Tensor replica_losses = losses.detach().to(torch::kFloat64).contiguous();
    const double* replica_loss = replica_losses.data_ptr<double>();
    outcome.last_loss = 0;
    for (int64_t r = 0; r < losses.numel(); ++r) outcome.last_loss += replica_loss[r];
    require(std::isfinite(outcome.last_loss),
            "training diverged at step " + std::to_string(state_.step + 1) +
                " (loss is not finite); lower train.lr or the model's initial weight scale");
    ++state_.step;
    for (size_t r = 0; r < state_.loss_sum_since_eval.size(); ++r) state_.loss_sum_since_eval[r] += replica_loss[r];
    ++state_.steps_since_eval;
    const double step_seconds = seconds_since(step_start);
    state_.train_seconds += step_seconds;
    session_train_seconds += step_seconds;
    if (state_.step == session_first_step + 1) first_step_seconds = step_seconds;

    const bool eval_due =
        (options_.eval_every > 0 && state_.step % options_.eval_every == 0) || state_.step == max_steps;
    if (eval_due && evaluate()) {
      outcome.reached = true;
      outcome.stop_reason = objective_->criterion();
    }
    for (auto& recorder : recorders_) recorder->observe(state_.step, outcome.reached || state_.step == max_steps, *model_);
    // The session's first step carries one-time costs (allocations, thread start-up): a rate
    // from it alone would be far off (an ETA of minutes for a run of seconds). Progress is
    // reported from the second step on, and at the first only when it was evaluated.
    const int64_t session_steps = state_.step - session_first_step;
    if (hooks.progress && (session_steps > 1 || eval_due)) {
      TrainProgress p;
      p.step = state_.step;
      p.max_steps = max_steps;
      p.loss = outcome.last_loss;
      p.accuracy = mean(state_.last_accuracy);
      // Once there are other steps, the rate (and the ETA from it) leaves the first one out.
      p.steps_per_second = session_steps > 1 ? double(session_steps - 1) /
                                                   std::max(1e-9, session_train_seconds - first_step_seconds)
                                             : 1.0 / std::max(1e-9, session_train_seconds);
      p.eta_seconds = session_steps > 1 ? double(max_steps - state_.step) / std::max(1e-9, p.steps_per_second) : -1;
      p.evaluated = eval_due;
      hooks.progress(p);
    }
    if (outcome.reached) break;
    if (options_.checkpoint_every > 0 && state_.step % options_.checkpoint_every == 0) save_progress();
    const bool stop_after_reached = hooks.stop_after >= 0 && state_.step >= hooks.stop_after;
    if ((stop_after_reached || (hooks.stop_requested && hooks.stop_requested())) && state_.step < max_steps) {
      outcome.stop_reason = stop_after_reached ? "stop_after" : "signal";
      break;
    }
  }
  // A run stopped at max_steps was just evaluated (the last step is always evaluated).
  outcome.finished = outcome.stop_reason != "stop_after" && outcome.stop_reason != "signal";
  state_.finished = outcome.finished;
  if (!outcome.finished) {
    save_progress();
  } else if (hooks.finish_later) {
    for (auto& recorder : recorders_) recorder->persist();
  } else {
    finish();
  }
  outcome.session_seconds = seconds_since(session_start);
  return outcome;
}

void Trainer::finish() {
  // checkpoint_every = 0: a checkpoint only where one is needed, to resume a stopped run; a
  // finished run keeps none (not even one left by an earlier, interrupted session).
  if (options_.checkpoint_every == 0) {
    for (auto& recorder : recorders_) recorder->persist();
    if (!options_.checkpoint_path.empty()) std::filesystem::remove(options_.checkpoint_path);
  } else {
    save_progress();
  }
}

}  // namespace rnnscope::rnn
