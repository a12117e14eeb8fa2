// The run-directory type round-trips every file it owns (config, summary, history with one
// and with several replicas, model contents) and names what is missing.
#include "rnnscope/core/error.h"
#include "rnnscope/core/hdf5_io.h"
#include "rnnscope/runs/run_directory.h"
#include "rnnscope/training/run_config.h"
#include "test_errors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace rnnscope;

namespace {

std::string temp_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("rnnscope_test_runs_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

}  // namespace

TEST(RunDirectory, RoundTripsConfigSummaryHistoryAndModel) {
  const runs::RunDirectory dir(temp_dir("roundtrip"));
  EXPECT_FALSE(dir.has_config() || dir.has_summary() || dir.has_history() || dir.has_model() || dir.has_checkpoint());
  const Json config = {{"seed", 3},
                       {"task", {{"name", "perceptual_dm"}, {"dt", 20.0}, {"coherences", {6.4, 12.8}}}},
                       {"model", {{"type", "ctrnn"}, {"units", 8}, {"dale", false}}},
                       {"train", {{"lr", 0.001}}}};
  dir.write_config(config);
  // TOML tables have no order: compare as unordered JSON.
  EXPECT_EQ(nlohmann::json::parse(dir.read_config().dump()), nlohmann::json::parse(config.dump()));
  const Json summary = {{"status", "finished"}, {"steps", 40}, {"final_accuracy", 0.5}};
  dir.write_summary(summary);
  EXPECT_EQ(dir.read_summary(), summary);

  runs::History one;
  one.step = {10, 20};
  one.loss = {0.7, 0.3};
  one.accuracy = {0.5, 0.9};
  one.train_loss = {0.8, 0.4};
  one.wall_seconds = {0.1, 0.2};
  dir.write_history(one);
  EXPECT_EQ(h5::read_array(dir.history_path(), "/loss").shape, (std::vector<int64_t>{2}));
  const auto back = dir.read_history();
  EXPECT_EQ(back.replicas, 1);
  EXPECT_EQ(back.step, one.step);
  EXPECT_EQ(back.loss, one.loss);
  EXPECT_EQ(back.accuracy, one.accuracy);
  EXPECT_EQ(back.train_loss, one.train_loss);
  EXPECT_EQ(back.wall_seconds, one.wall_seconds);

  // Three replicas: [evaluations, 3] metrics.
  runs::History three = one;
  three.replicas = 3;
  three.loss = {1, 2, 3, 4, 5, 6};
  three.accuracy = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
  three.train_loss = {6, 5, 4, 3, 2, 1};
  dir.write_history(three);
  EXPECT_EQ(h5::read_array(dir.history_path(), "/accuracy").shape, (std::vector<int64_t>{2, 3}));
  const auto back3 = dir.read_history();
  EXPECT_EQ(back3.replicas, 3);
  EXPECT_EQ(back3.loss, three.loss);
  EXPECT_EQ(back3.train_loss, three.train_loss);
  // Replica-minor: replica 2 has 0.3 then 0.6, replica 0 0.1 then 0.4.
  EXPECT_EQ(back3.first_evaluation_reaching(0.3, 2), 0);
  EXPECT_EQ(back3.first_evaluation_reaching(0.35, 2), 1);
  EXPECT_EQ(back3.first_evaluation_reaching(0.4, 0), 1);
  EXPECT_EQ(back3.first_evaluation_reaching(0.45, 0), -1);
  EXPECT_THROW(back3.first_evaluation_reaching(0.5, 3), Error);

  {
    h5::Writer out(dir.model_path());
    out.write("/W", std::vector<double>{1, 2, 3});
    out.write("/group/inner", std::vector<double>{4});
    out.attribute("/", "model", std::string("ctrnn"));
    out.attribute("/", "units", int64_t(8));
    out.attribute("/", "dt", 20.0);
    out.commit();
  }
  const auto model = dir.read_model();
  EXPECT_EQ(model.datasets.at("W").data, (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(model.datasets.count("group"), 0u);  // groups are not datasets
  EXPECT_EQ(model.attributes.at("model"), "ctrnn");
  EXPECT_TRUE(model.attributes.at("units").is_number_integer());
  EXPECT_EQ(model.attributes.at("units"), 8);
  EXPECT_EQ(model.attributes.at("dt"), 20.0);
  fs::remove_all(dir.path());
}

TEST(RunDirectory, NamesWhatIsMissingOrBroken) {
  const runs::RunDirectory dir(temp_dir("missing"));
  try {
    dir.require_run();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::file_not_found);
    EXPECT_NE(std::string(e.what()).find("no config.toml"), std::string::npos);
  }
  EXPECT_THROW(runs::RunDirectory(dir.path() + "/nope").require_run(), Error);
  EXPECT_THROW(dir.read_model(), Error);
  std::ofstream(dir.summary_path()) << "{\"status\": ";  // truncated
  EXPECT_THROW(dir.read_summary(), Error);
  // Two runs writing the same history give the same bytes (no HDF5 timestamps).
  runs::History h;
  h.step = {1};
  h.loss = h.accuracy = h.train_loss = h.wall_seconds = {0.5};
  dir.write_history(h);
  const auto first = fs::file_size(dir.history_path());
  std::ifstream a(dir.history_path(), std::ios::binary);
  const std::string bytes_a((std::istreambuf_iterator<char>(a)), {});
  dir.write_history(h);
  std::ifstream b(dir.history_path(), std::ios::binary);
  const std::string bytes_b((std::istreambuf_iterator<char>(b)), {});
  EXPECT_EQ(first, fs::file_size(dir.history_path()));
  EXPECT_EQ(bytes_a, bytes_b);
  fs::remove_all(dir.path());
}

TEST(RunConfig, AContinuationMayChangeTheBudgetAndScheduleOnly) {
  const Json stored = Json::parse(R"({"seed": 0, "task": {"name": "perceptual_dm", "dt": 20.0},
      "model": {"type": "ctrnn", "units": 8}, "train": {"max_steps": 10, "lr": 0.001, "batch_size": 4}})");
  EXPECT_TRUE(rnn::continuation_changes(stored, stored).empty());
  Json longer = stored;
  longer["train"]["max_steps"] = 20;
  longer["train"]["lr"] = 0.0005;
  EXPECT_EQ(rnn::continuation_changes(stored, longer),
            (std::vector<std::string>{"train.max_steps: 10 -> 20", "train.lr: 0.001 -> 0.0005"}));
  for (const auto& [pointer, value] : std::vector<std::pair<std::string, Json>>{
           {"/model/units", 9}, {"/train/batch_size", 8}, {"/seed", 1}, {"/task/name", "delayed_match"}}) {
    Json changed = stored;
    changed[Json::json_pointer(pointer)] = value;
    std::string key = pointer.substr(1);
    std::replace(key.begin(), key.end(), '/', '.');
    const std::string message = rnnscope::testing::error_of([&] { rnn::continuation_changes(stored, changed); });
    EXPECT_NE(message.find("cannot resume with " + key + ": "), std::string::npos) << message;
    EXPECT_NE(message.find("may change only train.max_steps, train.lr"), std::string::npos) << message;
  }
}
