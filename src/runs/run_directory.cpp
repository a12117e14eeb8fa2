// The run directory's files (include/rnnscope/runs/run_directory.h).
#include "rnnscope/runs/run_directory.h"

#include "rnnscope/core/config_io.h"
#include "rnnscope/core/error.h"
#include "rnnscope/core/text_file.h"

#include <signal.h>

#include <cerrno>
#include <filesystem>

namespace fs = std::filesystem;

namespace rnnscope::runs {
namespace {

// Every file a run directory holds (the list at the top of run_directory.h).
constexpr const char* kRunFiles[] = {"config.toml", "summary.json", "history.h5", "model.h5",
                                     "checkpoint.pt", "weights_history.h5", "learning.h5", "fit.h5",
                                     "rank_selection.h5"};

// The writer's pid when `name` is "<one of kRunFiles>.tmp.<pid>"; 0 otherwise.
pid_t temporary_writer(const std::string& name) {
  for (const char* file : kRunFiles) {
    const std::string prefix = std::string(file) + ".tmp.";
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return 0;
    return static_cast<pid_t>(std::stol(digits));
  }
  return 0;
}

// kill(pid, 0) probes without signalling; EPERM means alive but someone else's.
bool process_alive(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

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

std::string RunDirectory::config_path() const { return path_ + "/config.toml"; }
std::string RunDirectory::summary_path() const { return path_ + "/summary.json"; }
std::string RunDirectory::history_path() const { return path_ + "/history.h5"; }
std::string RunDirectory::model_path() const { return path_ + "/model.h5"; }
std::string RunDirectory::checkpoint_path() const { return path_ + "/checkpoint.pt"; }
std::string RunDirectory::fit_path() const { return path_ + "/fit.h5"; }
std::string RunDirectory::rank_selection_path() const { return path_ + "/rank_selection.h5"; }
std::string RunDirectory::weights_history_path() const { return path_ + "/weights_history.h5"; }
std::string RunDirectory::learning_path() const { return path_ + "/learning.h5"; }

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

void RunDirectory::write_history(const History& h) const {
  h5::Writer out(history_path());
  out.write("/step", h.step);
  write_metric(out, "/loss", h.loss, h.replicas);
  write_metric(out, "/accuracy", h.accuracy, h.replicas);
  write_metric(out, "/train_loss", h.train_loss, h.replicas);
  out.write("/wall_seconds", h.wall_seconds);
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

std::vector<std::string> RunDirectory::remove_stale_temporaries() const {
  std::vector<std::string> removed;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(path_, ec)) {
    const std::string name = entry.path().filename().string();
    const pid_t writer = temporary_writer(name);
    // A live writer (a command that writes into a run without its lock, such as
    // analyze-learning) keeps its temporary file; its pid may also be one reused since.
    if (writer <= 0 || process_alive(writer) || !entry.is_regular_file(ec)) continue;
    if (fs::remove(entry.path(), ec)) removed.push_back(name);
  }
  return removed;
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
