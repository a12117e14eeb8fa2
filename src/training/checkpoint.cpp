// Checkpoints in LibTorch's archive format, written atomically.
#include "training/checkpoint_internal.h"

#include "rnnscope/core/error.h"

#include <unistd.h>

#include <filesystem>

namespace rnnscope::rnn {
namespace {

torch::Tensor doubles(const std::vector<double>& v) {
  return torch::tensor(v.empty() ? std::vector<double>{} : v, torch::kFloat64);
}

std::vector<double> to_vector(const torch::Tensor& t) {
  const auto c = t.contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

std::string shape_text(at::IntArrayRef sizes) {
  std::string s = "[";
  for (size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + "]";
}

}  // namespace

void save_checkpoint(const std::string& path, RecurrentModel& model, torch::optim::Optimizer& optimizer,
                     const TrainState& s) {
  torch::serialize::OutputArchive archive;
  model.save(archive);
  torch::serialize::OutputArchive optim_archive;
  optimizer.save(optim_archive);
  archive.write("optimizer", optim_archive);
  const auto& h = s.history;
  archive.write("trainer.scalars",
                torch::tensor(std::vector<double>{double(s.step), s.finished ? 1.0 : 0.0, s.train_seconds,
                                                  s.eval_seconds, s.last_accuracy.at(0), s.loss_sum_since_eval,
                                                  double(s.steps_since_eval)},
                              torch::kFloat64));
  archive.write("trainer.replicas", torch::tensor(std::vector<double>{double(h.replicas)}, torch::kFloat64));
  archive.write("trainer.last_accuracy", doubles(s.last_accuracy));
  archive.write("trainer.history_step", doubles(std::vector<double>(h.step.begin(), h.step.end())));
  archive.write("trainer.history_loss", doubles(h.loss));
  archive.write("trainer.history_accuracy", doubles(h.accuracy));
  archive.write("trainer.history_train_loss", doubles(h.train_loss));
  archive.write("trainer.history_wall_seconds", doubles(h.wall_seconds));
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  archive.save_to(temp);
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  require(!ec, "cannot write checkpoint " + path + ": " + ec.message());
}

TrainState load_checkpoint(const std::string& path, RecurrentModel& model, torch::optim::Optimizer& optimizer) {
  if (!std::filesystem::exists(path)) {
    throw Error("cannot resume: " + path + " does not exist (no checkpoint was written yet)",
                Error::Kind::file_not_found);
  }
  TrainState s;
  // LibTorch's load replaces a parameter's storage, shape included, without a check: a
  // checkpoint of another config would load into the wrong network. Compared after loading.
  std::vector<std::pair<std::string, std::vector<int64_t>>> expected;
  for (const auto& item : model.named_parameters())
    expected.emplace_back(item.key(), std::vector<int64_t>(item.value().sizes().begin(), item.value().sizes().end()));
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    model.load(archive);
    const auto loaded = model.named_parameters();
    for (const auto& [name, shape] : expected) {
      const auto sizes = loaded[name].sizes();
      require(std::vector<int64_t>(sizes.begin(), sizes.end()) == shape,
              "checkpoint " + path + " holds " + name + " of shape " + shape_text(sizes) + ", but the config's model " +
                  shape_text(shape) + " (a checkpoint of another config)");
    }
    torch::serialize::InputArchive optim_archive;
    archive.read("optimizer", optim_archive);
    optimizer.load(optim_archive);
    torch::Tensor t;
    archive.read("trainer.scalars", t);
    const auto v = to_vector(t);
    require(v.size() == 7, "checkpoint " + path + " has an unknown layout");
    s.step = static_cast<int64_t>(v[0]);
    s.finished = v[1] != 0;
    s.train_seconds = v[2];
    s.eval_seconds = v[3];
    s.last_accuracy = {v[4]};
    s.loss_sum_since_eval = v[5];
    s.steps_since_eval = static_cast<int64_t>(v[6]);
    // Checkpoints from before replicas existed hold one replica and no per-replica accuracy.
    if (archive.try_read("trainer.replicas", t)) s.history.replicas = static_cast<int64_t>(to_vector(t).at(0));
    if (archive.try_read("trainer.last_accuracy", t)) s.last_accuracy = to_vector(t);
    archive.read("trainer.history_step", t);
    for (double step : to_vector(t)) s.history.step.push_back(static_cast<int64_t>(step));
    archive.read("trainer.history_loss", t);
    s.history.loss = to_vector(t);
    archive.read("trainer.history_accuracy", t);
    s.history.accuracy = to_vector(t);
    archive.read("trainer.history_train_loss", t);
    s.history.train_loss = to_vector(t);
    archive.read("trainer.history_wall_seconds", t);
    s.history.wall_seconds = to_vector(t);
  } catch (const c10::Error& e) {
    throw Error("cannot read checkpoint " + path + " (truncated or from another config): " +
                std::string(e.what_without_backtrace()).substr(0, 200));
  }
  return s;
}

}  // namespace rnnscope::rnn
