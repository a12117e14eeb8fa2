// Equality with the reference `ripser` program (Debian package `ripser`) on random inputs:
// the same multiset of bars to float32 precision, and the same printed text.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "rnnscope/core/error.h"
#include "rnnscope/topo/text_formats.h"
#include "rnnscope/topo/vietoris_rips.h"

namespace {

namespace fs = std::filesystem;
using namespace rnnscope::topo;

const char* kRipser = "/usr/bin/ripser";

struct TempFile {
  fs::path path;
  explicit TempFile(const std::string& tag)
      : path(fs::temp_directory_path() / ("rnnscope_topo_" + std::to_string(::getpid()) + "_" + tag + ".txt")) {}
  ~TempFile() {
    std::error_code ec;
    fs::remove(path, ec);
  }
};

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, got);
  ::pclose(pipe);
  return out;
}

// Bars per dimension parsed from "persistence intervals in dim k:" / " [b,d)" lines.
std::vector<std::vector<std::pair<double, double>>> parse_intervals(const std::string& text) {
  std::vector<std::vector<std::pair<double, double>>> dims;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("persistence intervals in dim", 0) == 0) {
      dims.emplace_back();
    } else if (line.rfind(" [", 0) == 0 && !dims.empty()) {
      const size_t comma = line.find(',');
      const double birth = std::stod(line.substr(2, comma - 2));
      const std::string rest = line.substr(comma + 1);
      const double death = rest[0] == ' ' ? INFINITY : std::stod(rest);
      dims.back().emplace_back(birth, death);
    }
  }
  for (auto& d : dims) std::sort(d.begin(), d.end());
  return dims;
}

std::string intervals_part(const std::string& text) {
  const size_t at = text.find("persistence intervals");
  return at == std::string::npos ? "" : text.substr(at);
}

// Writes the full matrix as the `distance` text format with 9 significant digits (exact
// for float32), and returns the matrix as our reader sees it.
MetricInput write_distance_file(const std::vector<double>& d, int64_t n, const fs::path& path) {
  std::ofstream out(path);
  out.precision(9);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) out << (j ? "," : "") << static_cast<float>(d[static_cast<size_t>(i * n + j)]);
    out << "\n";
  }
  out.close();
  return read_text_input(path.string(), TextFormat::distance);
}

void compare_with_ripser(const MetricInput& input, const fs::path& file, const std::string& format,
                         int max_dim, double threshold, const std::string& what) {
  std::ostringstream ours;
  const Barcodes b = vietoris_rips(input.distances, PersistenceOptions().set_max_dim(max_dim).set_threshold(threshold));
  write_ripser_output(ours, input, b, threshold);
  std::string command = std::string(kRipser) + " --format " + format + " --dim " + std::to_string(max_dim);
  if (!std::isinf(threshold)) {
    std::ostringstream t;
    t.precision(9);
    t << threshold;
    command += " --threshold " + t.str();
  }
  const std::string theirs = run(command + " " + file.string());
  ASSERT_FALSE(theirs.empty()) << what;
  const auto a = parse_intervals(ours.str()), r = parse_intervals(theirs);
  ASSERT_EQ(a.size(), r.size()) << what;
  for (size_t k = 0; k < a.size(); ++k) {
    ASSERT_EQ(a[k].size(), r[k].size()) << what << " dim " << k;
    for (size_t i = 0; i < a[k].size(); ++i) {
      // The program prints 6 significant digits; float32 agreement shows up as that.
      EXPECT_NEAR(a[k][i].first, r[k][i].first, 1e-5 * std::max(1.0, std::fabs(r[k][i].first))) << what;
      if (std::isinf(r[k][i].second)) EXPECT_TRUE(std::isinf(a[k][i].second)) << what;
      else EXPECT_NEAR(a[k][i].second, r[k][i].second, 1e-5 * std::max(1.0, std::fabs(r[k][i].second))) << what;
    }
  }
  // Same text too, line for line, barcode section (bars in the program's order).
  EXPECT_EQ(intervals_part(ours.str()), intervals_part(theirs)) << what;
}

}  // namespace

// Outside the anonymous namespace: a test after it derives from this fixture.
class TopoRipser : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kRipser)) GTEST_SKIP() << "the `ripser` program is not installed";
  }
};

TEST_F(TopoRipser, RandomPointCloudsMatch) {
  std::mt19937 gen(2024);
  std::normal_distribution<double> normal;
  for (int trial = 0; trial < 12; ++trial) {
    const int64_t n = 10 + trial * 5, dim = 2 + trial % 3;
    TempFile file("pc" + std::to_string(trial));
    {
      std::ofstream out(file.path);
      out.precision(9);
      for (int64_t i = 0; i < n; ++i) {
        for (int64_t k = 0; k < dim; ++k) out << (k ? "," : "") << static_cast<float>(normal(gen));
        out << "\n";
      }
    }
    const MetricInput input = read_text_input(file.path.string(), TextFormat::point_cloud);
    const int max_dim = trial % 4 == 3 ? 2 : 1;
    const double threshold = trial % 3 == 2 ? 1.5 : INFINITY;
    compare_with_ripser(input, file.path, "point-cloud", max_dim, threshold, "point cloud " + std::to_string(trial));
  }
}

TEST_F(TopoRipser, RandomDistanceMatricesWithTiesMatch) {
  std::mt19937 gen(99);
  for (int trial = 0; trial < 12; ++trial) {
    const int64_t n = 8 + trial * 4;
    std::vector<double> d(static_cast<size_t>(n * n), 0.0);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    std::uniform_int_distribution<int> level(0, 5);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < i; ++j) {
        // Half the matrices have heavily tied values (coarse levels, zeros included).
        const double x = trial % 2 ? level(gen) / 5.0 : uniform(gen);
        d[static_cast<size_t>(i * n + j)] = d[static_cast<size_t>(j * n + i)] = x;
      }
    TempFile file("dm" + std::to_string(trial));
    const MetricInput input = write_distance_file(d, n, file.path);
    const int max_dim = trial % 3 == 0 ? 2 : 1;
    compare_with_ripser(input, file.path, "distance", max_dim, INFINITY, "matrix " + std::to_string(trial));
  }
}

TEST_F(TopoRipser, RtdShapedMatrixMatches) {
  // The structure RTD produces: a zero block, r1 off-diagonal, min(r1, r2) in the corner.
  std::mt19937 gen(5);
  std::normal_distribution<double> normal;
  const int64_t m = 60, n = 2 * m;
  std::vector<double> p(static_cast<size_t>(m * 3)), q(static_cast<size_t>(m * 3));
  for (auto& x : p) x = normal(gen);
  for (size_t i = 0; i < q.size(); ++i) q[i] = p[i] + 0.4 * normal(gen);
  auto dist = [](const std::vector<double>& x, int64_t i, int64_t j) {
    double s = 0;
    for (int k = 0; k < 3; ++k) s += (x[static_cast<size_t>(i * 3 + k)] - x[static_cast<size_t>(j * 3 + k)]) *
                                     (x[static_cast<size_t>(i * 3 + k)] - x[static_cast<size_t>(j * 3 + k)]);
    return std::sqrt(s);
  };
  std::vector<double> d(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < m; ++j) {
      d[static_cast<size_t>((m + i) * n + j)] = d[static_cast<size_t>(j * n + m + i)] = dist(p, i, j);
      d[static_cast<size_t>((m + i) * n + m + j)] = std::min(dist(p, i, j), dist(q, i, j));
    }
  TempFile file("rtd");
  const MetricInput input = write_distance_file(d, n, file.path);
  compare_with_ripser(input, file.path, "distance", 1, INFINITY, "rtd matrix");
}

// Lower-distance files as people write them: row 1 on the first line (numpy's way), an empty
// line 0 first, or all values on one line. The program reads the values as one stream and
// takes n from their count; so must we, in every layout (a reader that took line i as row i
// once read one point fewer from the first layout and returned another matrix's barcodes).
TEST_F(TopoRipser, LowerDistanceFilesInEveryLayoutMatch) {
  std::mt19937 gen(7);
  std::uniform_real_distribution<double> uniform(0.1, 1.0);
  for (int trial = 0; trial < 6; ++trial) {
    const int64_t n = 12 + 9 * trial;
    std::vector<std::vector<float>> rows(static_cast<size_t>(n));
    for (int64_t i = 1; i < n; ++i)
      for (int64_t j = 0; j < i; ++j) rows[static_cast<size_t>(i)].push_back(static_cast<float>(uniform(gen)));
    for (const std::string layout : {"row-1-first", "empty-line-0", "one-line"}) {
      TempFile file("ld" + std::to_string(trial) + layout);
      {
        std::ofstream out(file.path);
        out.precision(9);
        if (layout == "empty-line-0") out << "\n";
        for (int64_t i = 1; i < n; ++i) {
          for (size_t j = 0; j < rows[static_cast<size_t>(i)].size(); ++j)
            out << (j || (layout == "one-line" && i > 1) ? "," : "") << rows[static_cast<size_t>(i)][j];
          if (layout != "one-line") out << "\n";
        }
      }
      const MetricInput input = read_text_input(file.path.string(), TextFormat::lower_distance);
      ASSERT_EQ(input.distances.size(), n) << layout;
      compare_with_ripser(input, file.path, "lower-distance", 1, INFINITY, layout + " " + std::to_string(trial));
    }
  }
}

TEST(TopoText, LowerDistanceCountThatIsNoTriangleIsAnError) {
  TempFile file("ld-bad");
  std::ofstream(file.path) << "1\n2 3\n4\n";  // 4 values: no n has n(n-1)/2 = 4 (the program drops the 4)
  try {
    read_text_input(file.path.string(), TextFormat::lower_distance);
    ADD_FAILURE() << "no error";
  } catch (const rnnscope::Error& e) {
    EXPECT_NE(std::string(e.what()).find("4 values do not form a lower triangle"), std::string::npos) << e.what();
  }
}
