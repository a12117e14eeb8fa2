// The request layer's torch-free part: argument spelling per door, records written as HDF5
// exactly as they are held, and the ph/rtd requests giving the same record from a file (the
// CLI's way) and from an array (Python's way).
#include "rnnscope/core/error.h"
#include "rnnscope/core/hdf5_io.h"
#include "rnnscope/requests/door.h"
#include "rnnscope/requests/ph.h"
#include "rnnscope/requests/rtd.h"
#include "rnnscope/runs/run_directory.h"
#include "test_errors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <random>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace rnnscope;
using namespace rnnscope::requests;

namespace {

std::string temp_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("rnnscope_test_requests_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

h5::Array random_cloud(int64_t n, int64_t d, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> normal;
  h5::Array a{{n, d}, {}};
  for (int64_t i = 0; i < n * d; ++i) a.data.push_back(normal(gen));
  return a;
}

void write_cloud(const std::string& path, const std::string& name, const h5::Array& a) {
  h5::Writer out(path);
  out.write(name, a.data.data(), a.shape);
  out.commit();
}

std::vector<double> doubles(const RecordArray& a) { return std::get<std::vector<double>>(a.data); }

}  // namespace

TEST(Door, SpellsArgumentsTheWayEachDoorTakesThem) {
  EXPECT_EQ(spell(Door::cli, "force"), "--force");
  EXPECT_EQ(spell(Door::python, "force"), "force=True");
  EXPECT_EQ(spell(Door::cli, "out", "DIR"), "--out DIR");
  EXPECT_EQ(spell(Door::python, "out", "DIR"), "out=DIR");
  EXPECT_EQ(spell(Door::cli, "stop_after", "N"), "--stop-after N");
  EXPECT_EQ(spell(Door::cli, "config", "CONFIG.toml"), "CONFIG");  // positional
  EXPECT_EQ(argument_name(Door::cli, "overrides"), "--set");
  EXPECT_EQ(argument_name(Door::python, "overrides"), "overrides");
}

TEST(Record, IsWrittenAsHeld) {
  const auto dir = temp_dir("record");
  Record r;
  r.add("a", {2, 2}, std::vector<float>{1, 2, 3, 4});
  r.add("group/b", {3}, std::vector<int64_t>{7, 8, 9});
  r.add("c", {1}, std::vector<uint8_t>{1});
  r.attributes["name"] = "x";
  r.attributes["count"] = 3;
  r.attributes["ratio"] = 0.25;
  write_record(dir + "/r.h5", r);
  EXPECT_EQ(h5::read_array(dir + "/r.h5", "/a").data, (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(h5::read_array(dir + "/r.h5", "/group/b").shape, (std::vector<int64_t>{3}));
  const Json attrs = h5::read_attributes(dir + "/r.h5", "/");
  EXPECT_EQ(attrs.at("name"), "x");
  EXPECT_EQ(attrs.at("count"), 3);
  EXPECT_EQ(attrs.at("ratio"), 0.25);
  EXPECT_THROW(r.array("missing"), Error);
  fs::remove_all(dir);
}

TEST(PhRequest, FileAndArrayGiveTheSameRecordAndOutputPolicyHolds) {
  const auto dir = temp_dir("ph");
  const auto cloud = random_cloud(40, 3, 1);
  write_cloud(dir + "/in.h5", "/cloud", cloud);
  PhRequest from_file;
  from_file.input = dir + "/in.h5:/cloud";
  from_file.out = dir + "/bars.h5";
  const auto a = run_ph(from_file);
  PhRequest from_array;
  from_array.array = cloud;
  from_array.door = Door::python;
  const auto b = run_ph(from_array);
  ASSERT_EQ(a.record.arrays.size(), 2u);  // dim0, dim1
  for (size_t i = 0; i < a.record.arrays.size(); ++i) {
    EXPECT_EQ(a.record.arrays[i].name, b.record.arrays[i].name);
    EXPECT_EQ(doubles(a.record.arrays[i]), doubles(b.record.arrays[i]));
  }
  EXPECT_EQ(h5::read_array(dir + "/bars.h5", "/dim1").data, doubles(a.record.array("dim1")));
  // The file exists now: refused, naming the argument as each door spells it.
  try {
    run_ph(from_file);
    ADD_FAILURE() << "overwrote without force";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--force"), std::string::npos);
  }
  from_array.out = from_file.out;
  try {
    run_ph(from_array);
    ADD_FAILURE() << "overwrote without force";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("force=True"), std::string::npos);
  }
  from_file.force = true;
  EXPECT_NO_THROW(run_ph(from_file));
  fs::remove_all(dir);
}

using rnnscope::testing::error_of;

// The distance matrix of a cloud, with one entry changed.
h5::Array distances_of(const h5::Array& cloud, int64_t i = -1, int64_t j = -1, double value = 0) {
  const int64_t n = cloud.shape[0], d = cloud.shape[1];
  h5::Array m{{n, n}, std::vector<double>(size_t(n * n))};
  for (int64_t a = 0; a < n; ++a)
    for (int64_t b = 0; b < n; ++b) {
      double s = 0;
      for (int64_t k = 0; k < d; ++k) s += std::pow(cloud.data[size_t(a * d + k)] - cloud.data[size_t(b * d + k)], 2);
      m.data[size_t(a * n + b)] = std::sqrt(s);
    }
  if (i >= 0) m.data[size_t(i * n + j)] = value;
  return m;
}

TEST(PhRequest, WhatAnHdf5DatasetHoldsIsStatedNeverGuessedFromItsValues) {
  const auto dir = temp_dir("ph_format");
  const auto cloud = random_cloud(20, 2, 5);
  const auto d = distances_of(cloud);
  write_cloud(dir + "/d.h5", "/D", d);
  PhRequest req;
  req.input = dir + "/d.h5:/D";
  // Square and unstated: an error that says how to state it.
  EXPECT_NE(error_of([&] { run_ph(req); }).find("--format distance | --format point-cloud"), std::string::npos);
  req.format = "distance";
  PhRequest from_cloud;
  from_cloud.array = cloud;
  from_cloud.door = Door::python;
  EXPECT_EQ(doubles(run_ph(req).record.array("dim1")), doubles(run_ph(from_cloud).record.array("dim1")));
  // The dataset attribute states it too.
  {
    h5::Writer out(dir + "/attr.h5");
    out.write("/D", d.data.data(), d.shape);
    out.attribute("/D", "format", std::string("distance"));
    out.commit();
  }
  PhRequest by_attribute;
  by_attribute.input = dir + "/attr.h5:/D";
  EXPECT_EQ(doubles(run_ph(by_attribute).record.array("dim1")), doubles(run_ph(req).record.array("dim1")));
  // Invalid under the stated format: the reason, the entry, and by how much.
  write_cloud(dir + "/diag.h5", "/D", distances_of(cloud, 3, 3, 1e-8));
  req.input = dir + "/diag.h5:/D";
  EXPECT_NE(error_of([&] { run_ph(req); }).find("diagonal entry [3, 3] is 1e-08"), std::string::npos);
  write_cloud(dir + "/asym.h5", "/D", distances_of(cloud, 4, 1, d.data[4 * 20 + 1] + 1e-3));
  req.input = dir + "/asym.h5:/D";
  const std::string asym = error_of([&] { run_ph(req); });
  EXPECT_NE(asym.find("entry [4, 1]"), std::string::npos) << asym;
  EXPECT_NE(asym.find("off by 0.001"), std::string::npos) << asym;
  // Python arrays: a square array needs distance_matrix=.
  PhRequest square_array;
  square_array.array = d;
  square_array.door = Door::python;
  EXPECT_NE(error_of([&] { run_ph(square_array); }).find("distance_matrix=True | False"), std::string::npos);
  // A non-square 2-D dataset can only be a point cloud; a 1-D one only a lower triangle.
  write_cloud(dir + "/cloud.h5", "/X", cloud);
  PhRequest points;
  points.input = dir + "/cloud.h5:/X";
  EXPECT_NO_THROW(run_ph(points));
  fs::remove_all(dir);
}

TEST(PhRequest, RefusesWhatWouldExceedTheMemoryLimitBeforeAllocating) {
  PhRequest req;
  req.array = random_cloud(600, 2, 3);  // a 1.44 MB distance matrix
  req.memory_limit_gb = 1e-6;           // 1 kB
  req.door = Door::python;
  std::string message = error_of([&] { run_ph(req); });
  EXPECT_NE(message.find("the distance matrix of x needs about 1.44 MB"), std::string::npos) << message;
  EXPECT_NE(message.find("memory_limit_gb="), std::string::npos) << message;
  const auto dir = temp_dir("ph_memory");
  write_cloud(dir + "/c.h5", "/X", random_cloud(200, 2, 3));  // 160 kB matrix; the edges need more
  PhRequest file;
  file.input = dir + "/c.h5:/X";
  file.memory_limit_gb = 2e-4;
  message = error_of([&] { run_ph(file); });
  EXPECT_NE(message.find("persistent homology of 200 points up to dimension 1"), std::string::npos) << message;
  EXPECT_NE(message.find("--memory-limit GB"), std::string::npos) << message;
  fs::remove_all(dir);
  req.array = random_cloud(200, 2, 3);
  req.memory_limit_gb = 0.1;
  EXPECT_NO_THROW(run_ph(req));
  req.memory_limit_gb = -1;
  EXPECT_NE(error_of([&] { run_ph(req); }).find("memory_limit_gb must be"), std::string::npos);
  RtdRequest rtd;
  rtd.p_array = random_cloud(300, 2, 1);
  rtd.q_array = random_cloud(300, 3, 2);
  rtd.memory_limit_gb = 1e-3;
  EXPECT_NE(error_of([&] { run_rtd(rtd); }).find("RTD on 300 rows per trial needs about"), std::string::npos);
}

TEST(RtdRequest, FileAndArrayGiveTheSameRecord) {
  const auto dir = temp_dir("rtd");
  const auto p = random_cloud(30, 4, 2), q = random_cloud(30, 2, 3);
  write_cloud(dir + "/p.h5", "/p", p);
  write_cloud(dir + "/q.h5", "/q", q);
  RtdRequest from_file;
  from_file.p = dir + "/p.h5:/p";
  from_file.q = dir + "/q.h5:/q";
  from_file.options.trials = 2;
  from_file.options.batch = 20;
  from_file.out = dir + "/rtd.h5";
  const auto a = run_rtd(from_file);
  RtdRequest from_array = from_file;
  from_array.p_array = p;
  from_array.q_array = q;
  from_array.out.clear();
  const auto b = run_rtd(from_array);
  EXPECT_EQ(a.rtd.score, b.rtd.score);
  EXPECT_EQ(doubles(a.record.array("trial_forward")), doubles(b.record.array("trial_forward")));
  EXPECT_EQ(doubles(a.record.array("trial_1/backward_h1")), doubles(b.record.array("trial_1/backward_h1")));
  EXPECT_EQ(h5::read_array(dir + "/rtd.h5", "/score").data, std::vector<double>{a.rtd.score});
  EXPECT_EQ(h5::read_attributes(dir + "/rtd.h5", "/").at("trials"), 2);
  fs::remove_all(dir);
}
