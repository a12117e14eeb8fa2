// Checkpoints in LibTorch's archive format, written atomically.
#include "training/checkpoint_internal.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/text_file.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <sstream>

namespace rnnscope::rnn {
namespace {

torch::Tensor doubles(const std::vector<double>& v) {
  return torch::tensor(v.empty() ? std::vector<double>{} : v, torch::kFloat64);
}

std::vector<double> to_vector(const torch::Tensor& t) {
  const auto c = t.contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

// Texts as one byte tensor, each ended by '\n' (the texts hold none).
torch::Tensor text_tensor(const std::vector<std::string>& texts) {
  std::string joined;
  for (const auto& t : texts) joined += t + '\n';
  auto bytes = torch::empty({static_cast<int64_t>(joined.size())}, torch::kUInt8);
  // An empty tensor's data pointer is null, which memcpy may not be given even for 0 bytes
  // (UBSan, make test-sanitize).
  if (!joined.empty()) std::memcpy(bytes.data_ptr<uint8_t>(), joined.data(), joined.size());
  return bytes;
}

std::vector<std::string> texts_of(const torch::Tensor& t) {
  require(t.scalar_type() == torch::kUInt8, "continuation records are not text");
  const auto c = t.contiguous();
  const std::string joined(c.data_ptr<uint8_t>(), c.data_ptr<uint8_t>() + c.numel());
  std::vector<std::string> texts;
  for (size_t start = 0, end; (end = joined.find('\n', start)) != std::string::npos; start = end + 1)
    texts.push_back(joined.substr(start, end - start));
  return texts;
}

// A count stored as a double, checked before the cast (undefined behaviour for NaN or a value
// out of range: found by tests/fuzz).
int64_t count_of(double v, const std::string& what, const std::string& path) {
  require(v >= 0 && v <= 9007199254740992.0 && v == std::floor(v),
          "checkpoint " + path + " is damaged: " + what + " is not a count");
  return static_cast<int64_t>(v);
}

// What the trainer relies on when it continues from a loaded state: one entry per replica of
// the config's model, history columns of one length, finite times and running sums.
void require_continuable(const TrainState& s, int64_t replicas, const std::string& path) {
  const auto& h = s.history;
  const std::string damaged = "checkpoint " + path + " is damaged: ";
  require(h.replicas == replicas, "checkpoint " + path + " holds " + std::to_string(h.replicas) +
                                      " replicas, but the config's model " + std::to_string(replicas) +
                                      " (a checkpoint of another config)");
  require(s.last_accuracy.size() == size_t(replicas), damaged + "trainer.last_accuracy is not one value per replica");
  const size_t rows = h.step.size() * size_t(replicas);
  require(h.loss.size() == rows && h.accuracy.size() == rows && h.train_loss.size() == rows &&
              h.wall_seconds.size() == h.step.size(),
          damaged + "its history columns differ in length");
  require(s.steps_since_eval <= s.step, damaged + "more steps since the last evaluation than in all");
  require(s.loss_sum_since_eval.size() == size_t(replicas),
          damaged + "trainer.loss_sum_since_eval is not one value per replica");
  bool finite = std::isfinite(s.train_seconds) && std::isfinite(s.eval_seconds);
  for (double a : s.last_accuracy) finite = finite && std::isfinite(a);
  for (double l : s.loss_sum_since_eval) finite = finite && std::isfinite(l);
  require(finite, damaged + "a time, running loss or accuracy is not finite");
}

// LibTorch's messages run over several lines (some start with an empty one); ours are one line.
std::string first_line(const std::string& text) {
  const size_t start = std::min(text.find_first_not_of(" \n"), text.size());
  return text.substr(start, text.find('\n', start) - start);
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
                                                  s.eval_seconds, s.last_accuracy.at(0), std::accumulate(s.loss_sum_since_eval.begin(), s.loss_sum_since_eval.end(), 0.0),
                                                  double(s.steps_since_eval)},
                              torch::kFloat64));
  archive.write("trainer.replicas", torch::tensor(std::vector<double>{double(h.replicas)}, torch::kFloat64));
  archive.write("trainer.last_accuracy", doubles(s.last_accuracy));
  archive.write("trainer.loss_sum_since_eval", doubles(s.loss_sum_since_eval));
  archive.write("trainer.history_step", doubles(std::vector<double>(h.step.begin(), h.step.end())));
  archive.write("trainer.history_loss", doubles(h.loss));
  archive.write("trainer.history_accuracy", doubles(h.accuracy));
  archive.write("trainer.history_train_loss", doubles(h.train_loss));
  archive.write("trainer.history_wall_seconds", doubles(h.wall_seconds));
  archive.write("trainer.continued_at_step",
                doubles(std::vector<double>(h.continued_at_step.begin(), h.continued_at_step.end())));
  archive.write("trainer.continued_changes", text_tensor(h.continued_changes));
  // The schedules' records: their names, and their values one name after another.
  std::vector<std::string> schedule_names;
  std::vector<double> schedule_values;
  for (const auto& [name, values] : h.schedule) {
    schedule_names.push_back(name);
    schedule_values.insert(schedule_values.end(), values.begin(), values.end());
  }
  archive.write("trainer.schedule_names", text_tensor(schedule_names));
  archive.write("trainer.schedule_values", doubles(schedule_values));
  // Built in memory, then written by write_text_atomic: LibTorch's own file writer ends the
  // process when a write fails (a full disk), as its destructor throws a second time. Ours
  // reports an Error and leaves the previous checkpoint as it was (tests/python/test_failed_writes.py).
  std::ostringstream bytes;
  archive.save_to(bytes);
  write_text_atomic(path, bytes.str());
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
    s.step = count_of(v[0], "the step", path);
    s.finished = v[1] != 0;
    s.train_seconds = v[2];
    s.eval_seconds = v[3];
    s.last_accuracy = {v[4]};
    s.steps_since_eval = count_of(v[6], "the steps since the last evaluation", path);
    // Checkpoints from before replicas existed hold one replica and no per-replica accuracy.
    if (archive.try_read("trainer.replicas", t)) {
      const auto replicas = to_vector(t);
      require(replicas.size() == 1, "checkpoint " + path + " is damaged: trainer.replicas is not one value");
      s.history.replicas = count_of(replicas[0], "the replica count", path);
    }
    if (archive.try_read("trainer.last_accuracy", t)) s.last_accuracy = to_vector(t);
    // Checkpoints from before each replica's training loss was kept hold only their sum
    // (v[5]), which the history then recorded as every replica's share.
    if (archive.try_read("trainer.loss_sum_since_eval", t)) {
      s.loss_sum_since_eval = to_vector(t);
    } else {
      s.loss_sum_since_eval.assign(size_t(s.history.replicas), v[5] / double(s.history.replicas));
    }
    archive.read("trainer.history_step", t);
    for (double step : to_vector(t)) s.history.step.push_back(count_of(step, "an evaluation's step", path));
    archive.read("trainer.history_loss", t);
    s.history.loss = to_vector(t);
    archive.read("trainer.history_accuracy", t);
    s.history.accuracy = to_vector(t);
    archive.read("trainer.history_train_loss", t);
    s.history.train_loss = to_vector(t);
    archive.read("trainer.history_wall_seconds", t);
    s.history.wall_seconds = to_vector(t);
    // Checkpoints from before continuations were recorded hold none.
    if (archive.try_read("trainer.continued_at_step", t))
      for (double step : to_vector(t))
        s.history.continued_at_step.push_back(count_of(step, "trainer.continued_at_step", path));
    // Read into a tensor of its own: reading into a defined one keeps that one's dtype.
    torch::Tensor bytes;
    if (archive.try_read("trainer.continued_changes", bytes)) s.history.continued_changes = texts_of(bytes);
    require(s.history.continued_at_step.size() == s.history.continued_changes.size(),
            "checkpoint " + path + " has an unknown layout (continuation records differ in length)");
    // Checkpoints from before schedules were recorded hold none.
    torch::Tensor names;
    if (archive.try_read("trainer.schedule_names", names)) {
      archive.read("trainer.schedule_values", t);
      const auto values = to_vector(t);
      const auto schedule_names = texts_of(names);
      const size_t rows = s.history.step.size();
      require(values.size() == rows * schedule_names.size(),
              "checkpoint " + path + " has an unknown layout (schedule records differ in length)");
      for (size_t i = 0; i < schedule_names.size(); ++i) {
        s.history.schedule[schedule_names[i]].assign(values.begin() + long(i * rows), values.begin() + long((i + 1) * rows));
      }
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    // Not only c10::Error: LibTorch's unpickler throws torch::jit::ErrorReport, a plain
    // std::exception, for a damaged archive (found by tests/fuzz).
    throw Error("cannot read checkpoint " + path + " (truncated or from another config): " +
                first_line(e.what()).substr(0, 200));
  }
  require_continuable(s, model.replicas(), path);
  return s;
}

}  // namespace rnnscope::rnn
