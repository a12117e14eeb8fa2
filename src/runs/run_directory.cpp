// The run directory's files (include/rnnscope/runs/run_directory.h).
#include "rnnscope/runs/run_directory.h"

#include "rnnscope/core/config_io.h"
#include "rnnscope/core/error.h"
#include "rnnscope/core/text_file.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace rnnscope::runs {
namespace {

// A metric of every evaluation: [evaluations] for one replica, [evaluations, K] for K.
void write_metric(h5::Writer& out, const std::string& name, const std::vector<double>& values, int64_t replicas) {
  const int64_t evaluations = replicas > 0 ? int64_t(values.size()) / replicas : 0;
  if (replicas == 1) {
    out.write(name, values);
  } else {
    out.write(name, values.data(), {evaluations, replicas});
  }
}

std::vector<double> read_metric(const std::string& path, const std::string& name) {
  return h5::read_array(path, name).data;
}

}  // namespace

RunDirectory::RunDirectory(std::string path) : path_(std::move(path)) {}

// Every file name of a run directory, once (docs/outputs.md).
namespace names {
constexpr const char* config = "config.toml";
constexpr const char* summary = "summary.json";
constexpr const char* history = "history.h5";
constexpr const char* model = "model.h5";
constexpr const char* checkpoint = "checkpoint.pt";
constexpr const char* fit = "fit.h5";
constexpr const char* rank_selection = "rank_selection.h5";
constexpr const char* snn = "snn.h5";
constexpr const char* weights_history = "weights_history.h5";
constexpr const char* learning = "learning.h5";
}  // namespace names

const std::vector<std::string>& RunDirectory::file_names() {
  static const std::vector<std::string> all = {names::config, names::summary,        names::history,
                                               names::model,  names::checkpoint,     names::fit,
                                               names::rank_selection, names::weights_history, names::learning,
                                               names::snn};
  return all;
}

std::string RunDirectory::config_path() const { return path_ + "/" + names::config; }
std::string RunDirectory::summary_path() const { return path_ + "/" + names::summary; }
std::string RunDirectory::history_path() const { return path_ + "/" + names::history; }
std::string RunDirectory::model_path() const { return path_ + "/" + names::model; }
std::string RunDirectory::checkpoint_path() const { return path_ + "/" + names::checkpoint; }
std::string RunDirectory::fit_path() const { return path_ + "/" + names::fit; }
std::string RunDirectory::rank_selection_path() const { return path_ + "/" + names::rank_selection; }
std::string RunDirectory::snn_path() const { return path_ + "/" + names::snn; }
std::string RunDirectory::weights_history_path() const { return path_ + "/" + names::weights_history; }
std::string RunDirectory::learning_path() const { return path_ + "/" + names::learning; }

bool RunDirectory::has_config() const { return fs::exists(config_path()); }
bool RunDirectory::has_summary() const { return fs::exists(summary_path()); }
bool RunDirectory::has_history() const { return fs::exists(history_path()); }
bool RunDirectory::has_model() const { return fs::exists(model_path()); }
bool RunDirectory::has_checkpoint() const { return fs::exists(checkpoint_path()); }
bool RunDirectory::has_weights_history() const { return fs::exists(weights_history_path()); }

void RunDirectory::require_run() const {
  if (!fs::is_directory(path_)) throw Error("run directory not found: " + path_, Error::Kind::file_not_found);
  if (!has_config()) {
    throw Error(path_ + " is not a run directory (no config.toml)", Error::Kind::file_not_found);
  }
}

void RunDirectory::write_config(const Json& config) const { write_text_atomic(config_path(), to_toml(config)); }

Json RunDirectory::read_config() const { return read_toml_file(config_path()); }

void RunDirectory::write_summary(const Json& summary) const {
  write_text_atomic(summary_path(), summary.dump(2) + "\n");
}

Json RunDirectory::read_summary() const {
  const std::string text = read_text(summary_path());
  try {
    return Json::parse(text);
  } catch (const Json::parse_error&) {
    throw Error(summary_path() + " is not valid JSON (truncated?)");
  }
}

int64_t History::first_evaluation_reaching(double target, int64_t replica) const {
  require(replica >= 0 && replica < replicas, "replica " + std::to_string(replica) + " of a history of " +
                                                  std::to_string(replicas) + " replicas");
  for (size_t e = 0; e < evaluations(); ++e)
    if (accuracy[e * size_t(replicas) + size_t(replica)] >= target) return int64_t(e);
  return -1;
}

void RunDirectory::write_history(const History& h) const {
  h5::Writer out(history_path());
  out.write("/step", h.step);
  write_metric(out, "/loss", h.loss, h.replicas);
  write_metric(out, "/accuracy", h.accuracy, h.replicas);
  write_metric(out, "/train_loss", h.train_loss, h.replicas);
  out.write("/wall_seconds", h.wall_seconds);
  if (!h.continued_at_step.empty()) {
    // In a group: the root holds one row per evaluation (load_run reads it whole).
    out.write("/continuations/step", h.continued_at_step);
    out.write("/continuations/changes", h.continued_changes);
  }
  for (const auto& [name, values] : h.schedule) out.write("/schedule/" + name, values);
  out.commit();
}

History RunDirectory::read_history() const {
  const auto path = history_path();
  History h;
  const auto loss = h5::read_array(path, "/loss");
  h.replicas = loss.shape.size() == 2 ? loss.shape[1] : 1;
  for (double s : h5::read_array(path, "/step").data) h.step.push_back(int64_t(s));
  h.loss = loss.data;
  h.accuracy = read_metric(path, "/accuracy");
  h.train_loss = read_metric(path, "/train_loss");
  h.wall_seconds = read_metric(path, "/wall_seconds");
  const size_t rows = h.step.size() * size_t(h.replicas);
  require(h.loss.size() == rows && h.accuracy.size() == rows && h.train_loss.size() == rows &&
              h.wall_seconds.size() == h.step.size(),
          path + ": datasets /step, /loss, /accuracy, /train_loss, /wall_seconds differ in length");
  if (h5::is_group(path, "/schedule")) {
    for (const auto& name : h5::list_group(path, "/schedule")) {
      h.schedule[name] = h5::read_array(path, "/schedule/" + name).data;
      require(h.schedule[name].size() == h.step.size(), path + ": /schedule/" + name + " and /step differ in length");
    }
  }
  return h;
}

void RunDirectory::write_weights_history(const WeightHistory& h) const {
  h5::Writer out(weights_history_path());
  out.write("/step", h.step);
  for (const auto& w : h.weights) {
    std::vector<int64_t> shape{int64_t(h.snapshots())};
    shape.insert(shape.end(), w.shape.begin(), w.shape.end());
    out.write("/" + w.name, w.values.data(), shape);
  }
  out.commit();
}

WeightHistory RunDirectory::read_weights_history() const {
  const auto path = weights_history_path();
  if (!has_weights_history()) {
    // A run trained without snapshots: a usage error (exit 2, ValueError), not a lost file.
    throw Error(path_ + " has no weights_history.h5 (no weight snapshots): train with train.save_weights_every > 0");
  }
  WeightHistory h;
  for (double s : h5::read_array(path, "/step").data) h.step.push_back(int64_t(s));
  for (const auto& name : h5::list_group(path, "/")) {
    if (name == "step") continue;
    const auto array = h5::read_array(path, "/" + name);
    require(!array.shape.empty() && array.shape[0] == int64_t(h.snapshots()),
            path + ": /" + name + " does not hold one entry per /step");
    // Stored as float32, so the round trip through double is exact.
    h.weights.push_back({name, std::vector<int64_t>(array.shape.begin() + 1, array.shape.end()),
                         std::vector<float>(array.data.begin(), array.data.end())});
  }
  return h;
}

H5Contents RunDirectory::read_model() const {
  if (!has_model()) {
    throw Error(path_ + " has no model.h5 (training not finished? continue it with resume)",
                Error::Kind::file_not_found);
  }
  return read_h5_contents(model_path());
}

H5Contents read_h5_contents(const std::string& path) {
  H5Contents contents;
  for (const auto& name : h5::list_group(path, "/")) {
    if (!h5::is_group(path, "/" + name)) contents.datasets[name] = h5::read_array(path, "/" + name);
  }
  contents.attributes = h5::read_attributes(path, "/");
  return contents;
}

}  // namespace rnnscope::runs
