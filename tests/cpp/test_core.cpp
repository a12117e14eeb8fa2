// Core utilities: declared parameters, TOML configs and overrides, random streams, HDF5
// round trips and atomic writes, run-directory policy.
#include "rnnscope/core/config_io.h"
#include "rnnscope/core/error.h"
#include "rnnscope/core/file_lock.h"
#include "rnnscope/core/hdf5_io.h"
#include "rnnscope/core/layout.h"
#include "rnnscope/core/memory.h"
#include "rnnscope/core/normal_fill.h"
#include "rnnscope/core/params.h"
#include "rnnscope/core/rng.h"
#include "rnnscope/core/text_file.h"
#include "rnnscope/requests/output_policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace rnnscope;

namespace {

std::vector<ParamSpec> demo_specs() {
  return {
      ParamSpec("units", ParamKind::integer, 8, "units").with_min(1),
      ParamSpec("dt", ParamKind::number, 20.0, "step in ms").with_min(0, true),
      ParamSpec("activation", ParamKind::string, "relu", "f").with_choices({"relu", "tanh"}),
      ParamSpec("flag", ParamKind::boolean, false, "a flag"),
      ParamSpec("levels", ParamKind::number_list, Json::array({1.0, 2.0}), "levels").with_min(0),
  };
}

std::string temp_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("rnnscope_test_core_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Params, FillsDefaultsInDeclarationOrder) {
  const Json out = resolve_params(Json{{"dt", 10}}, demo_specs(), "cfg");
  EXPECT_EQ(out["units"], 8);
  EXPECT_DOUBLE_EQ(out["dt"].get<double>(), 10.0);
  EXPECT_TRUE(out["dt"].is_number_float());  // integers become numbers
  EXPECT_EQ(out.begin().key(), "units");
}

TEST(Params, StringListsCheckEveryEntryAgainstTheChoices) {
  const std::vector<ParamSpec> specs = {
      ParamSpec("tasks", ParamKind::string_list, Json::array({"a"}), "tasks").with_choices({"a", "b"})};
  EXPECT_EQ(resolve_params(Json::object(), specs, "c")["tasks"], Json::array({"a"}));
  EXPECT_EQ(resolve_params(Json{{"tasks", {"b", "a"}}}, specs, "c")["tasks"], Json::array({"b", "a"}));
  EXPECT_NE(error_of([&] { resolve_params(Json{{"tasks", {"a", "z"}}}, specs, "c"); })
                .find("c tasks[1] = \"z\" is not allowed; allowed: a, b"),
            std::string::npos);
  EXPECT_NE(error_of([&] { resolve_params(Json{{"tasks", {"a", 1}}}, specs, "c"); }).find("tasks[1]: expected a string"),
            std::string::npos);
  EXPECT_NE(error_of([&] { resolve_params(Json{{"tasks", "a"}}, specs, "c"); }).find("expected list of strings"),
            std::string::npos);
}

TEST(Params, RejectsUnknownKeysNamingTheAllowedOnes) {
  const auto msg = error_of([] { resolve_params(Json{{"unit", 3}}, demo_specs(), "cfg [model]"); });
  EXPECT_NE(msg.find("unknown key 'unit'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("units"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cfg [model]"), std::string::npos) << msg;
}

TEST(Params, RejectsWrongTypesRangesAndNaN) {
  EXPECT_NE(error_of([] { resolve_params(Json{{"units", "many"}}, demo_specs(), "c"); }).find("expected integer"),
            std::string::npos);
  EXPECT_NE(error_of([] { resolve_params(Json{{"units", 0}}, demo_specs(), "c"); }).find(">= 1"), std::string::npos);
  EXPECT_NE(error_of([] { resolve_params(Json{{"dt", 0.0}}, demo_specs(), "c"); }).find("> 0"), std::string::npos);
  EXPECT_NE(error_of([] { resolve_params(Json{{"dt", NAN}}, demo_specs(), "c"); }).find("finite"), std::string::npos);
  EXPECT_NE(error_of([] { resolve_params(Json{{"units", 2.5}}, demo_specs(), "c"); }), "");
  EXPECT_EQ(resolve_params(Json{{"units", 3.0}}, demo_specs(), "c")["units"], 3);
  EXPECT_NE(error_of([] { resolve_params(Json{{"activation", "sigmoid"}}, demo_specs(), "c"); }).find("relu, tanh"),
            std::string::npos);
  EXPECT_NE(error_of([] { resolve_params(Json{{"levels", {1, -1}}}, demo_specs(), "c"); }).find("levels[1]"),
            std::string::npos);
  EXPECT_NE(error_of([] { resolve_params(Json{{"flag", 1}}, demo_specs(), "c"); }).find("boolean"), std::string::npos);
}

TEST(ConfigIo, TomlRoundTripKeepsTypesAndSections) {
  const Json config = parse_toml("seed = 3\n[model]\nunits = 64\ntau = 100.0\nname = \"x\"\n"
                                 "[task]\ncoherences = [1.0, 2.5]\ntiming = { delay = { uniform = [1, 2] } }\n",
                                 "t.toml");
  const Json again = parse_toml(to_toml(config), "again.toml");
  EXPECT_EQ(config, again);
  EXPECT_TRUE(again["model"]["tau"].is_number_float());
  EXPECT_TRUE(again["model"]["units"].is_number_integer());
}

TEST(ConfigIo, FloatsAreWrittenShortestAndReadBackExactly) {
  const Json config = parse_toml("c = [6.4, 12.8, 0.1, 1e-05, 100.0, 1.7976931348623157e308]\n"
                                 "[t]\nx = 0.30000000000000004\n\"odd key\" = \"a \\\"q\\\"\"\n"
                                 "[t.inner]\nv = -2.5\n",
                                 "t.toml");
  const std::string text = to_toml(config);
  EXPECT_NE(text.find("c = [6.4, 12.8, 0.1, 1e-05, 100.0, 1.7976931348623157e+308]"), std::string::npos) << text;
  EXPECT_NE(text.find("[t.inner]"), std::string::npos) << text;
  EXPECT_EQ(parse_toml(text, "again.toml"), config) << text;
}

TEST(ConfigIo, ParseErrorsNameFileAndLine) {
  const auto msg = error_of([] { parse_toml("a = 1\nb = = 2\n", "bad.toml"); });
  EXPECT_NE(msg.find("bad.toml:2"), std::string::npos) << msg;
}

TEST(ConfigIo, MissingFileIsFileNotFound) {
  try {
    read_toml_file("/nonexistent/config.toml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::file_not_found);
  }
}

TEST(ConfigIo, OverridesParseTomlValuesAndBareWords) {
  Json config = Json::object();
  apply_override(config, "model.units=64");
  apply_override(config, "model.activation=tanh");
  apply_override(config, "train.lr=1e-3");
  apply_override(config, "task.coherences=[1, 2]");
  EXPECT_EQ(config["model"]["units"], 64);
  EXPECT_EQ(config["model"]["activation"], "tanh");
  EXPECT_DOUBLE_EQ(config["train"]["lr"].get<double>(), 1e-3);
  EXPECT_EQ(config["task"]["coherences"].size(), 2u);
  EXPECT_NE(error_of([&] { apply_override(config, "novalue"); }), "");
  EXPECT_NE(error_of([&] { apply_override(config, "model.units.x=1"); }), "");
}

TEST(ConfigIo, AnOverrideThatIsNotUtf8TextIsRefused) {
  // Found by tests/fuzz: taken as a string, it made writing config.toml throw a JSON error.
  Json config = Json::object();
  EXPECT_NE(error_of([&] { apply_override(config, "train.lr=0.\xb0" "0", "--set"); }).find("--set: an assignment that is not UTF-8"),
            std::string::npos);
  EXPECT_TRUE(config.empty());
  apply_override(config, "model.activation=t\xc3\xa4nh");  // UTF-8 text is fine (and refused later as no activation)
  EXPECT_EQ(config["model"]["activation"], "t\xc3\xa4nh");
}

TEST(Hdf5, DamagedFilesFoundByFuzzingAreRefusedWithAnError) {
  // tests/fuzz/corpus/hdf5/regression-*: a link table whose name length HDF5 reports as -1
  // (was taken as a huge string length), one on which libhdf5 asks malloc for ~2^64 bytes,
  // and a dataset claiming 10^13 values in a few bytes (was std::bad_alloc).
  for (const char* name : {"regression-list-group-negative-length", "regression-libhdf5-huge-malloc",
                           "regression-claims-huge-shape"}) {
    const std::string path = std::string(RNNSCOPE_SOURCE_DIR) + "/tests/fuzz/corpus/hdf5/" + name;
    ASSERT_TRUE(fs::exists(path)) << path;
    for (const auto& read : std::vector<std::function<void()>>{[&] { h5::list_group(path, "/"); },
                                                               [&] { h5::read_attributes(path, "/data"); },
                                                               [&] { h5::read_array(path, "/data"); }}) {
      try {
        read();
      } catch (const Error&) {
      }  // anything else escapes and fails the test
    }
  }
  EXPECT_NE(error_of([&] {
              h5::list_group(std::string(RNNSCOPE_SOURCE_DIR) + "/tests/fuzz/corpus/hdf5/regression-list-group-negative-length", "/");
            }).find("cannot be listed"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              h5::read_array(std::string(RNNSCOPE_SOURCE_DIR) + "/tests/fuzz/corpus/hdf5/regression-claims-huge-shape", "/data");
            }).find("the file stores fewer"),
            std::string::npos);
}

TEST(Rng, StreamsAreDeterministicAndIndependent) {
  Rng a = Rng::derive(1, "train", 5), b = Rng::derive(1, "train", 5), c = Rng::derive(1, "train", 6);
  const auto x = a.next_u64();
  EXPECT_EQ(x, b.next_u64());
  EXPECT_NE(x, c.next_u64());
  EXPECT_NE(Rng::derive_seed(1, "train"), Rng::derive_seed(1, "eval"));
}

TEST(Rng, DistributionsHaveTheRightMoments) {
  Rng rng(42);
  const int n = 200000;
  double sum = 0, sum_sq = 0, usum = 0;
  std::vector<int> counts(5, 0);
  for (int i = 0; i < n; ++i) {
    const double z = rng.normal();
    sum += z;
    sum_sq += z * z;
    const double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    usum += u;
    ++counts[static_cast<size_t>(rng.integer(5))];
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sum_sq / n, 1.0, 0.02);
  EXPECT_NEAR(usum / n, 0.5, 0.005);
  for (int c : counts) EXPECT_NEAR(c / double(n), 0.2, 0.01);
}

// The counter-based normals: each value equals the Box–Muller transform computed here in
// double from the documented bits; the fill is deterministic per key and independent across
// keys; a million draws have the standard normal's moments, quantiles and no correlation
// between neighbours or between the two values of a pair.
TEST(NormalFill, MatchesItsDefinitionAndTheStandardNormal) {
  const size_t n = 1000001;  // odd: the last value comes from half a pair
  std::vector<float> x(n), again(n), other(n);
  fill_standard_normal(42, x.data(), n);
  fill_standard_normal(42, again.data(), n);
  fill_standard_normal(43, other.data(), n);
  EXPECT_EQ(x, again);
  // The definition, in double.
  for (const size_t k : {size_t(0), size_t(1), size_t(777), n / 2}) {
    uint64_t z = 42 + (k + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    const double u1 = double((z >> 40) + 1) / 16777216.0;
    const double theta = 2 * M_PI * double(uint32_t(z)) / 4294967296.0;
    const double r = std::sqrt(-2 * std::log(u1));
    EXPECT_NEAR(x[2 * k], r * std::cos(theta), 2e-6 * (1 + r)) << k;
    if (2 * k + 1 < n) {
      EXPECT_NEAR(x[2 * k + 1], r * std::sin(theta), 2e-6 * (1 + r)) << k;
    }
  }
  double sum = 0, sum2 = 0, sum3 = 0, sum4 = 0, within1 = 0, within2 = 0, lag = 0, pair = 0, pair_sq = 0,
         cross = 0;
  for (size_t i = 0; i < n; ++i) {
    const double v = x[i];
    sum += v;
    sum2 += v * v;
    sum3 += v * v * v;
    sum4 += v * v * v * v;
    within1 += std::fabs(v) < 1;
    within2 += std::fabs(v) < 2;
    if (i + 1 < n) lag += v * x[i + 1];
    if (i % 2 == 0 && i + 1 < n) {
      pair += v * x[i + 1];
      pair_sq += (v * v - 1) * (x[i + 1] * x[i + 1] - 1);
    }
    cross += v * other[i];
  }
  const double m = double(n), se = 1 / std::sqrt(m);
  EXPECT_NEAR(sum / m, 0, 5 * se);
  EXPECT_NEAR(sum2 / m, 1, 5 * std::sqrt(2.0) * se);
  EXPECT_NEAR(sum3 / m, 0, 5 * std::sqrt(15.0) * se);
  EXPECT_NEAR(sum4 / m, 3, 5 * std::sqrt(96.0) * se);
  EXPECT_NEAR(within1 / m, 0.682689, 5 * 0.466 * se);
  EXPECT_NEAR(within2 / m, 0.954500, 5 * 0.209 * se);
  EXPECT_NEAR(lag / m, 0, 5 * se);
  EXPECT_NEAR(pair / (m / 2), 0, 5 * std::sqrt(2.0) * se);
  EXPECT_NEAR(pair_sq / (m / 2), 0, 5 * 2 * std::sqrt(2.0) * se);
  EXPECT_NEAR(cross / m, 0, 5 * se);
  EXPECT_LE(*std::max_element(x.begin(), x.end()), 5.8f);
  EXPECT_GE(*std::min_element(x.begin(), x.end()), -5.8f);
}

TEST(Hdf5, RoundTripOfArraysAndAttributes) {
  const auto dir = temp_dir("h5");
  const auto path = dir + "/x.h5";
  {
    h5::Writer out(path);
    const std::vector<float> a = {1, 2, 3, 4, 5, 6};
    out.write("/group/a", a.data(), {2, 3});
    out.write("/steps", std::vector<int64_t>{1, 2, 3});
    out.attribute("/", "model", std::string("ctrnn"));
    out.attribute("/", "alpha", 0.2);
    EXPECT_FALSE(fs::exists(path));  // nothing visible before commit
    out.commit();
  }
  const auto a = h5::read_array(path, "/group/a");
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_DOUBLE_EQ(a.data[5], 6.0);
  EXPECT_EQ(h5::read_string_attribute(path, "/", "model"), "ctrnn");
  EXPECT_DOUBLE_EQ(h5::read_double_attribute(path, "/", "alpha"), 0.2);
  EXPECT_EQ(h5::list_group(path, "/").size(), 2u);
  EXPECT_NE(error_of([&] { h5::read_array(path, "/missing"); }).find("no dataset /missing"), std::string::npos);
  fs::remove_all(dir);
}

TEST(Hdf5, UncommittedWriterLeavesNothingBehind) {
  const auto dir = temp_dir("h5abort");
  { h5::Writer out(dir + "/y.h5"); }
  EXPECT_TRUE(fs::is_empty(dir));
  fs::remove_all(dir);
}

TEST(Hdf5, TruncatedAndForeignFilesGiveClearErrors) {
  const auto dir = temp_dir("h5bad");
  {
    h5::Writer out(dir + "/good.h5");
    std::vector<double> v(1000, 1.0);
    out.write("/v", v);
    out.commit();
  }
  const auto size = fs::file_size(dir + "/good.h5");
  fs::copy_file(dir + "/good.h5", dir + "/cut.h5");
  fs::resize_file(dir + "/cut.h5", size / 2);
  std::ofstream(dir + "/text.h5") << "not hdf5";
  EXPECT_NE(error_of([&] { h5::read_array(dir + "/cut.h5", "/v"); }), "");
  EXPECT_NE(error_of([&] { h5::read_array(dir + "/text.h5", "/v"); }).find("not an HDF5 file"), std::string::npos);
  fs::remove_all(dir);
}

TEST(RunDir, RefusesNonEmptyDirectoryUnlessForcedOrResumed) {
  using requests::Door;
  using requests::Existing;
  const auto dir = temp_dir("rundir");
  const std::vector<std::string> ours = {"model.h5", "data"};
  write_text_atomic(dir + "/keep.txt", "x");
  EXPECT_NE(error_of([&] { requests::prepare_output_dir(dir, Existing::refuse, Door::cli, ours); }).find("--force"),
            std::string::npos);
  // Each door names the argument its own way.
  EXPECT_NE(
      error_of([&] { requests::prepare_output_dir(dir, Existing::refuse, Door::python, ours); }).find("force=True"),
      std::string::npos);
  // Only a command that can resume names resume.
  EXPECT_EQ(error_of([&] { requests::prepare_output_dir(dir, Existing::refuse, Door::cli, ours); }).find("--resume"),
            std::string::npos);
  EXPECT_NE(error_of([&] { requests::prepare_output_dir(dir, Existing::refuse_resumable, Door::cli, ours); })
                .find("--force to overwrite it or --resume to continue its training"),
            std::string::npos);
  EXPECT_EQ(requests::existing_policy(false, false, Door::cli), Existing::refuse_resumable);
  EXPECT_EQ(requests::existing_policy(false), Existing::refuse);
  EXPECT_EQ(requests::existing_policy(true), Existing::overwrite);
  write_text_atomic(dir + "/model.h5", "x");
  requests::prepare_output_dir(dir, Existing::resume, Door::cli, ours);
  EXPECT_TRUE(fs::exists(dir + "/keep.txt"));
  EXPECT_TRUE(fs::exists(dir + "/model.h5"));
  // force removes what the command writes (files, folders, a killed writer's temporaries)
  // and nothing of the user's, look-alikes included.
  fs::create_directories(dir + "/data/sub");
  for (const char* name : {"model.h5.tmp.123", "model.h5.tmp.x1", "model.h5.bak", "my_data"})
    write_text_atomic(dir + "/" + name, "x");
  requests::prepare_output_dir(dir, Existing::overwrite, Door::cli, ours);
  for (const char* gone : {"model.h5", "data", "model.h5.tmp.123"}) EXPECT_FALSE(fs::exists(dir + "/" + gone)) << gone;
  for (const char* kept : {"keep.txt", "model.h5.tmp.x1", "model.h5.bak", "my_data"})
    EXPECT_TRUE(fs::exists(dir + "/" + kept)) << kept;
  EXPECT_TRUE(fs::is_directory(dir));
  write_text_atomic(dir + "/out.txt", "abc");
  EXPECT_EQ(read_text(dir + "/out.txt"), "abc");
  EXPECT_NE(error_of([&] { requests::check_can_write(dir + "/out.txt", false, Door::cli); }).find("--force"),
            std::string::npos);
  requests::check_can_write(dir + "/out.txt", true, Door::cli);
  EXPECT_NE(error_of([&] { requests::existing_policy(true, true, Door::python); }).find("force=True and resume=True"),
            std::string::npos);
  fs::remove_all(dir);
}

TEST(RunDir, ClaimHoldsALockThatASecondClaimerIsRefused) {
  using requests::Door;
  using requests::Existing;
  const auto dir = temp_dir("claim");
  fs::remove_all(dir);
  {
    const FileLock held = requests::claim_output_dir(dir, Existing::refuse, Door::cli, {"config.toml"});
    EXPECT_TRUE(fs::exists(dir + "/" + requests::kOutputLockName));
    // flock locks belong to open file descriptions: a second open in this process conflicts too.
    EXPECT_NE(error_of([&] { requests::claim_output_dir(dir, Existing::resume, Door::cli, {"config.toml"}); })
                  .find("another process is writing"),
              std::string::npos);
    EXPECT_NE(error_of([&] { requests::claim_output_dir(dir, Existing::overwrite, Door::cli, {"config.toml"}); })
                  .find("another process is writing"),
              std::string::npos);
    // The lock file is no content: the directory still counts as empty, and is not cleared.
    EXPECT_NO_THROW(requests::prepare_output_dir(dir, Existing::refuse, Door::cli, {"config.toml"}));
    write_text_atomic(dir + "/config.toml", "x");
    requests::prepare_output_dir(dir, Existing::overwrite, Door::cli, {"config.toml"});
    EXPECT_FALSE(fs::exists(dir + "/config.toml"));
    EXPECT_TRUE(fs::exists(dir + "/" + requests::kOutputLockName));
  }
  // Released with its holder.
  EXPECT_NO_THROW(requests::claim_output_dir(dir, Existing::resume, Door::cli, {"config.toml"}));
  fs::remove_all(dir);
}

TEST(RunDir, ClaimingRemovesTheTemporariesOfWritersThatDied) {
  using requests::Door;
  using requests::Existing;
  const auto dir = temp_dir("stale");
  // The pid of a process that has ended (and been reaped): what a killed writer leaves.
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  const std::string dead = std::to_string(child), alive = std::to_string(::getpid());
  const std::vector<std::string> stale = {"model.h5.tmp." + dead, "checkpoint.pt.tmp." + dead,
                                          "config.toml.tmp." + dead, "summary.json.tmp." + dead};
  // Kept: the files themselves, a live writer's temporary, names that are not ours.
  const std::vector<std::string> kept = {"model.h5", "learning.h5.tmp." + alive, "notes.txt.tmp." + dead,
                                         "model.h5.tmp.x" + dead, "model.h5.tmp."};
  const std::vector<std::string> ours = {"config.toml", "summary.json", "model.h5", "checkpoint.pt", "learning.h5"};
  for (const auto& name : stale) write_text_atomic(dir + "/" + name, "half");
  for (const auto& name : kept) write_text_atomic(dir + "/" + name, "mine");
  {
    const FileLock held = requests::claim_output_dir(dir, Existing::resume, Door::cli, ours);
    for (const auto& name : stale) EXPECT_FALSE(fs::exists(dir + "/" + name)) << name;
    for (const auto& name : kept) EXPECT_TRUE(fs::exists(dir + "/" + name)) << name;
  }
  fs::remove_all(dir);
}

TEST(TextFile, AFailedWriteNamesTheFileAndLeavesNoTemporary) {
  const auto dir = temp_dir("failed_text");
  const std::string path = dir + "/missing/summary.json";
  const auto message = error_of([&] { write_text_atomic(path, "{}"); });
  EXPECT_EQ(message.rfind("cannot write " + path + ": ", 0), 0u) << message;
  EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
  EXPECT_TRUE(fs::is_empty(dir));
  fs::remove_all(dir);
}

TEST(Memory, EstimatesAboveTheLimitAreRefusedNamingEstimateLimitAndHowToRaiseIt) {
  EXPECT_GT(available_memory_bytes(), 1e6);
  EXPECT_EQ(format_bytes(1.5e9), "1.5 GB");
  EXPECT_EQ(format_bytes(512), "512 bytes");
  const MemoryBudget budget = MemoryBudget().set_limit_bytes(1e6).set_raise_hint("raise it with --memory-limit GB");
  EXPECT_NO_THROW(require_memory(1e5, "a small thing", "", budget));
  try {
    require_memory(3e9, "a big thing", "of many parts", budget);
    ADD_FAILURE() << "not refused";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.kind(), Error::Kind::memory_limit);
    for (const char* part : {"a big thing needs about 3 GB (of many parts)", "the limit of 1 MB",
                             "available memory", "--memory-limit GB"})
      EXPECT_NE(message.find(part), std::string::npos) << message;
  }
  // Without a limit: the memory available now.
  EXPECT_THROW(require_memory(1e30, "everything", "", MemoryBudget()), Error);
}

TEST(Layout, TrialMajorTransposes) {
  // T = 2, B = 3, k = 1: element (t, b) = 10 t + b.
  const std::vector<float> tm = {0, 1, 2, 10, 11, 12};
  EXPECT_EQ(trial_major(tm, 2, 3, 1), (std::vector<float>{0, 10, 1, 11, 2, 12}));
}
