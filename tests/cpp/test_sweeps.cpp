// Sweep files: expansion of axes (product, zip, random with a seed) against hand-written
// lists, and bad files refused with the key named; the results table as written.
#include "rnnscope/core/error.h"
#include "rnnscope/core/hdf5_io.h"
#include "rnnscope/core/text_file.h"
#include "rnnscope/sweeps/directory.h"
#include "rnnscope/sweeps/spec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace rnnscope;
using namespace rnnscope::sweeps;

namespace {

Json base() { return Json{{"seed", 9}, {"task", {{"name", "perceptual_dm"}}}, {"model", {{"units", 8}}}}; }

std::string error_of(const Json& table) {
  try {
    parse_sweep(table, "s.toml");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// (units, lr, seed) of every cell.
std::vector<std::tuple<int64_t, double, uint64_t>> triples(const std::vector<Cell>& cells) {
  std::vector<std::tuple<int64_t, double, uint64_t>> out;
  for (const auto& c : cells) {
    out.emplace_back(c.values.at("model.units").get<int64_t>(), c.values.at("train.lr").get<double>(), c.seed);
  }
  return out;
}

}  // namespace

TEST(SweepExpansion, ProductIsEveryCombinationLastAxisFastestSeedsInnermost) {
  const Json t = {{"base", base()}, {"seeds", {1, 2}}, {"axes", {{"model.units", {64, 128}}, {"train.lr", {0.1, 0.3}}}}};
  const auto cells = expand(parse_sweep(t, "s.toml"));
  using T = std::tuple<int64_t, double, uint64_t>;
  EXPECT_EQ(triples(cells), (std::vector<T>{{64, 0.1, 1}, {64, 0.1, 2}, {64, 0.3, 1}, {64, 0.3, 2},
                                            {128, 0.1, 1}, {128, 0.1, 2}, {128, 0.3, 1}, {128, 0.3, 2}}));
  EXPECT_EQ(cells[0].id, "0000");
  EXPECT_EQ(cells[7].id, "0007");
  // Each cell's config is the base with its values and seed applied.
  EXPECT_EQ(cells[5].config["model"]["units"], 128);
  EXPECT_EQ(cells[5].config["train"]["lr"], 0.1);
  EXPECT_EQ(cells[5].config["seed"], 2);
  EXPECT_EQ(cells[5].config["task"]["name"], "perceptual_dm");
}

TEST(SweepExpansion, ZipPairsTheIthValues) {
  const Json t = {{"base", base()}, {"combine", "zip"},
                  {"axes", {{"model.units", {64, 128, 256}}, {"train.lr", {0.1, 0.2, 0.3}}}}};
  using T = std::tuple<int64_t, double, uint64_t>;
  // Without `seeds`, the base config's seed.
  EXPECT_EQ(triples(expand(parse_sweep(t, "s.toml"))), (std::vector<T>{{64, 0.1, 9}, {128, 0.2, 9}, {256, 0.3, 9}}));
}

TEST(SweepExpansion, RandomSamplesAreSeededInRangeAndCrossedWithAxes) {
  const Json t = {{"base", base()},
                  {"axes", {{"model.units", {16, 32}}}},
                  {"random",
                   {{"samples", 3},
                    {"seed", 5},
                    {"train.lr", {{"log_uniform", {1e-4, 1e-2}}}},
                    {"train.batch_size", {{"int_uniform", {8, 12}}}},
                    {"model.activation", {{"choice", {"relu", "tanh"}}}}}}};
  const auto spec = parse_sweep(t, "s.toml");
  EXPECT_EQ(value_keys(spec),
            (std::vector<std::string>{"model.units", "model.activation", "train.batch_size", "train.lr"}));
  const auto cells = expand(spec);
  ASSERT_EQ(cells.size(), 6u);
  for (size_t i = 0; i < cells.size(); ++i) {
    const double lr = cells[i].values.at("train.lr").get<double>();
    const int64_t batch = cells[i].values.at("train.batch_size").get<int64_t>();
    EXPECT_GE(lr, 1e-4);
    EXPECT_LT(lr, 1e-2);
    EXPECT_GE(batch, 8);
    EXPECT_LE(batch, 12);
    const auto act = cells[i].values.at("model.activation").get<std::string>();
    EXPECT_TRUE(act == "relu" || act == "tanh");
    // Sample k is the same draw under every axis combination.
    EXPECT_EQ(cells[i].values.at("train.lr"), cells[i % 3].values.at("train.lr"));
    EXPECT_EQ(cells[i].values.at("model.units"), i < 3 ? 16 : 32);
  }
  // Reproducible from the seed; another seed draws other values.
  EXPECT_EQ(expand(parse_sweep(t, "s.toml"))[1].values, cells[1].values);
  Json other = t;
  other["random"]["seed"] = 6;
  EXPECT_NE(expand(parse_sweep(other, "s.toml"))[1].values.at("train.lr"), cells[1].values.at("train.lr"));
}

TEST(SweepExpansion, BadFilesNameTheKey) {
  EXPECT_NE(error_of({{"base", base()}, {"axis", {{"a.b", {1}}}}}).find("unknown key 'axis'"), std::string::npos);
  EXPECT_NE(error_of({{"base", base()}, {"axes", {{"model.units", Json::array()}}}}).find("'model.units': the axis is empty"),
            std::string::npos);
  EXPECT_NE(error_of({{"base", base()}, {"combine", "zip"}, {"axes", {{"model.units", {1, 2}}, {"train.lr", {0.1}}}}})
                .find("'train.lr': combine = \"zip\" needs axes of one length"),
            std::string::npos);
  EXPECT_NE(error_of({{"base", base()}, {"combine", "cross"}}).find("allowed: product, zip"), std::string::npos);
  EXPECT_NE(error_of({{"axes", {{"model.units", {1}}}}}).find("`base` is required"), std::string::npos);
  EXPECT_NE(error_of({{"base", base()}, {"random", {{"samples", 2}, {"train.lr", {{"gauss", {0, 1}}}}}}})
                .find("unknown range kind 'gauss'"),
            std::string::npos);
  EXPECT_NE(error_of({{"base", base()}, {"seeds", {-1}}}).find("seeds"), std::string::npos);
  EXPECT_NE(error_of({{"base", base()}, {"runner", {{"threads", 2}}}}).find("unknown key 'threads'"), std::string::npos);
}

TEST(SweepTable, WritesOneRowPerCellWithTypedColumns) {
  const auto path = (fs::temp_directory_path() / ("rnnscope_test_sweeps_" + std::to_string(::getpid()))).string();
  fs::remove_all(path);
  fs::create_directories(path + "/cells/0001");
  const SweepDirectory dir(path);
  const Json t = {{"base", base()}, {"seeds", {1}},
                  {"axes", {{"model.units", {4, 8}}, {"model.type", {"gru"}}, {"train.lr", {0.5}}}}};
  const auto spec = parse_sweep(t, "s.toml");
  const auto cells = expand(spec);
  write_text_atomic(dir.cell_error_path("0001"), "training diverged\n");
  const auto table = dir.table(value_keys(spec), cells);
  EXPECT_EQ(table.rows[0].status, CellStatus::pending);
  EXPECT_EQ(table.rows[1].status, CellStatus::failed);
  EXPECT_EQ(table.rows[1].error, "training diverged");
  dir.write_table(table);
  EXPECT_EQ(h5::read_array(dir.results_h5(), "/model.units").data, (std::vector<double>{4, 8}));
  EXPECT_EQ(h5::read_array(dir.results_h5(), "/seed").data, (std::vector<double>{1, 1}));
  EXPECT_EQ(read_text(dir.results_csv()),
            "cell,model.type,model.units,train.lr,seed,status,final_accuracy,steps,wall_seconds,steps_per_second,error\n"
            "0000,gru,4,0.5,1,pending,-1,0,0,0,\n"
            "0001,gru,8,0.5,1,failed,-1,0,0,0,training diverged\n");
  // A second holder cannot take a held lock; it can once the first is gone.
  {
    auto held = FileLock::try_lock(dir.lock_path());
    ASSERT_TRUE(held);
    EXPECT_FALSE(FileLock::try_lock(dir.lock_path()));
  }
  EXPECT_TRUE(FileLock::try_lock(dir.lock_path()));
  fs::remove_all(path);
}
