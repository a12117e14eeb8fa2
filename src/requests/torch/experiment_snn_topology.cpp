// `rnnscope experiment snn-topology`: do recurrent spiking networks trained with heterogeneous
// STDP represent the same samples differently from networks trained with homogeneous STDP or
// surrogate gradients, beyond the differences between seeds of one rule (issue 19; docs/snn.md
// "The experiment")? Every (rule, seed) trains on the same patterns (`snn train`), is read per
// time segment on the same test samples (`snn eval`), and every pair of networks is compared by
// RTD (topo/rtd.h) layer by layer of the feedforward reading (docs/snn.md).
#include "requests/torch/experiments_internal.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/rng.h"
#include "rnnscope/core/text_file.h"
#include "rnnscope/requests/output_policy.h"
#include "rnnscope/requests/snn.h"
#include "rnnscope/topo/rtd.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <variant>
#include <string>
#include <utility>
#include <vector>

namespace rnnscope::requests {
namespace {

const char* const kRules[] = {"het_stdp", "hom_stdp", "surrogate"};
constexpr int64_t kRuleCount = 3;
// The compared layers of the feedforward reading (docs/snn.md); the input layer is the same
// for every network (the samples' rates), so it is left out.
const char* const kLayers[] = {"early", "middle", "late", "output"};
constexpr int64_t kLayerCount = 4;
constexpr int64_t kSegments = 3;

// Everything that changes with ExperimentSize.
struct SnnTopologySizes {
  const char* name;
  int64_t seeds;
  int64_t n_excitatory, n_inhibitory, n_inputs, classes, train_samples, test_samples;
  double sample_ms;
  int64_t stdp_epochs, surrogate_epochs;
};

SnnTopologySizes snn_topology_sizes(ExperimentSize size) {
  if (size == ExperimentSize::quick) return {"quick", 2, 80, 20, 30, 3, 60, 45, 60, 1, 15};
  return {"full", 4, 160, 40, 40, 4, 120, 80, 100, 2, 30};
}

// The config of one (rule, seed): the docs' defaults but for the sizes; the patterns' seed is
// the experiment's, so every network sees the same samples; `threads` the surrogate trainings'.
Json run_config(const SnnTopologySizes& sizes, const std::string& rule, uint64_t seed, uint64_t pattern_seed,
                int64_t threads) {
  return {{"seed", seed},
          {"network", {{"n_excitatory", sizes.n_excitatory}, {"n_inhibitory", sizes.n_inhibitory}, {"p_ee", 0.2}}},
          {"input", {{"n_inputs", sizes.n_inputs}, {"input_mv", 2.0}}},
          {"stdp", {{"rule", rule}}},
          {"data",
           {{"classes", sizes.classes},
            {"train_samples", sizes.train_samples},
            {"test_samples", sizes.test_samples},
            {"sample_ms", sizes.sample_ms},
            {"rest_ms", 10},
            {"epochs", sizes.stdp_epochs},
            {"seed", pattern_seed}}},
          {"surrogate", {{"epochs", sizes.surrogate_epochs}, {"lr", 0.01}, {"threads", threads}}}};
}

// A layer's point cloud: one row per test sample.
struct Cloud {
  int64_t n = 0, dim = 0;
  std::vector<double> data;
  topo::PointCloudView view() const { return {data.data(), n, dim}; }
};

// The compared layers of an eval record (requests/snn.h): the traces after the first, middle
// and last segment and the readout's scores.
std::vector<Cloud> layers_of(const Record& eval) {
  const RecordArray& traces_array = eval.array("traces");
  const RecordArray& scores_array = eval.array("scores");
  const auto& traces = std::get<std::vector<double>>(traces_array.data);
  const auto& scores = std::get<std::vector<double>>(scores_array.data);
  const int64_t samples = traces_array.shape[0], segments = traces_array.shape[1], n = traces_array.shape[2];
  std::vector<Cloud> layers;
  for (const int64_t g : {int64_t(0), segments / 2, segments - 1}) {
    Cloud c{samples, n, {}};
    for (int64_t s = 0; s < samples; ++s) {
      const auto row = traces.begin() + (s * segments + g) * n;
      c.data.insert(c.data.end(), row, row + n);
    }
    layers.push_back(std::move(c));
  }
  layers.push_back({samples, scores_array.shape[1], scores});
  return layers;
}

// RTD normalises each cloud by its distances' 0.9-quantile, which is 0 when 90% of the pairs
// coincide (a layer that is silent for most samples): no topology to compare.
bool degenerate(const Cloud& c) {
  int64_t zero = 0;
  for (int64_t i = 0; i < c.n; ++i)
    for (int64_t j = 0; j < c.n; ++j) {
      bool same = true;
      for (int64_t k = 0; k < c.dim && same; ++k) same = c.data[size_t(i * c.dim + k)] == c.data[size_t(j * c.dim + k)];
      zero += same;
    }
  return double(zero) >= 0.9 * double(c.n * c.n);
}

// Mean and sample standard deviation of the finite values.
std::pair<double, double> mean_sd(const std::vector<double>& values) {
  double sum = 0, sq = 0;
  int64_t n = 0;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    sum += v;
    sq += v * v;
    ++n;
  }
  if (n == 0) return {kNaN, kNaN};
  const double mean = sum / double(n);
  return {mean, n > 1 ? std::sqrt(std::max(0.0, (sq - double(n) * mean * mean) / double(n - 1))) : kNaN};
}

std::string cell(std::pair<double, double> m) {
  if (!std::isfinite(m.first)) return "–";
  return format_value("%.3f", m.first) + (std::isfinite(m.second) ? " ± " + format_value("%.3f", m.second) : "");
}

// An exact permutation test of "networks of rules a and b are farther apart than networks of
// one rule": over every split of their 2·seeds networks into two groups of `seeds`, the statistic
// mean RTD across the groups − mean RTD within them (pairs of different seeds only, as in the
// tables); p = the share of splits whose statistic is at least the rules' own.
struct PermutationTest {
  double p = kNaN;
  int64_t splits = 0;
};

PermutationTest permutation_p(const std::vector<double>& rtd, int64_t nets, int64_t seeds, int64_t a, int64_t b) {
  const int64_t m = 2 * seeds;  // member i: network (i < seeds ? a : b) · seeds + i mod seeds
  const auto net = [&](int64_t i) { return (i < seeds ? a : b) * seeds + i % seeds; };
  const auto statistic = [&](uint64_t group) {  // bit i set: member i in the first group
    double across = 0, within = 0;
    int64_t n_across = 0, n_within = 0;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = i + 1; j < m; ++j) {
        if (i % seeds == j % seeds) continue;
        const double v = rtd[size_t(net(i) * nets + net(j))];
        if (((group >> i) & 1) != ((group >> j) & 1)) {
          across += v;
          ++n_across;
        } else {
          within += v;
          ++n_within;
        }
      }
    return across / double(n_across) - within / double(n_within);
  };
  const uint64_t by_rule = (uint64_t(1) << seeds) - 1;  // the first `seeds` members: rule a
  const double observed = statistic(by_rule);
  PermutationTest test;
  if (!std::isfinite(observed) || m > 24) return test;
  int64_t at_least = 0;
  for (uint64_t group = 0; group < (uint64_t(1) << m); ++group) {
    if (__builtin_popcountll(group) != seeds) continue;
    ++test.splits;
    at_least += statistic(group) >= observed - 1e-12;
  }
  test.p = double(at_least) / double(test.splits);
  return test;
}

}  // namespace

ExperimentResult run_snn_topology_experiment(const ExperimentRequest& req) {
  require(!req.out.empty(), "the snn-topology experiment needs an output directory");
  prepare_output_dir(req.out, existing_policy(req.force), req.door, {"runs", "results.h5", "results.md"});
  const auto start = std::chrono::steady_clock::now();
  const SnnTopologySizes sizes = snn_topology_sizes(req.size);
  const uint64_t pattern_seed = Rng::derive_seed(req.seed, "experiment_snn_topology/patterns") % 1000000;
  std::vector<uint64_t> seeds;
  for (int64_t s = 0; s < sizes.seeds; ++s)
    seeds.push_back(Rng::derive_seed(req.seed, "experiment_snn_topology", uint64_t(s)) % 1000000);
  const auto n_seeds = int64_t(seeds.size());
  const int64_t nets = kRuleCount * n_seeds;  // network k = rule · seeds + seed

  std::vector<double> accuracy(static_cast<size_t>(nets));
  std::vector<std::vector<Cloud>> layers(static_cast<size_t>(nets));
  for (int64_t r = 0; r < kRuleCount; ++r)
    for (int64_t s = 0; s < n_seeds; ++s) {
      const std::string rule = kRules[r], dir = req.out + "/runs/" + rule + "-" + std::to_string(seeds[size_t(s)]);
      if (req.progress) req.progress("train " + rule + ", seed " + std::to_string(seeds[size_t(s)]) + " (" + dir + ")");
      if (req.stop_requested && req.stop_requested())
        throw Error("the snn-topology experiment was stopped; run it again with " + spell(req.door, "force") +
                    " to start over");
      SnnTrainRequest train;
      train.source.config = run_config(sizes, rule, seeds[size_t(s)], pattern_seed, req.threads);
      train.source.config_source = "the snn-topology experiment's config";
      train.out = dir;
      train.door = req.door;
      const Json summary = rule == "surrogate" ? run_snn_train_surrogate(train) : run_snn_train(train);
      SnnEvalRequest eval;
      eval.run = dir;
      eval.out = dir + "/eval.h5";
      eval.segments = kSegments;
      eval.door = req.door;
      const Record record = rule == "surrogate" ? run_snn_eval_surrogate(eval) : run_snn_eval(eval);
      const int64_t k = r * n_seeds + s;
      accuracy[size_t(k)] = summary.at("test_accuracy").get<double>();
      layers[size_t(k)] = layers_of(record);
    }

  // rtd[layer][a][b] over every pair of networks (symmetric RTD, all test samples at once: one
  // deterministic trial); NaN where either cloud is degenerate.
  if (req.progress) req.progress("RTD between " + std::to_string(nets * (nets - 1) / 2) + " pairs of networks x " +
                                 std::to_string(kLayerCount) + " layers");
  const auto cells = size_t(nets * nets);
  std::vector<double> rtd_layers(size_t(kLayerCount) * cells, 0.0), rtd(cells, 0.0);
  int64_t degenerate_pairs = 0;
  for (int64_t l = 0; l < kLayerCount; ++l)
    for (int64_t a = 0; a < nets; ++a)
      for (int64_t b = a + 1; b < nets; ++b) {
        const Cloud &p = layers[size_t(a)][size_t(l)], &q = layers[size_t(b)][size_t(l)];
        double score = kNaN;
        if (degenerate(p) || degenerate(q)) {
          ++degenerate_pairs;
        } else {
          const topo::RtdOptions options =
              topo::RtdOptions().set_trials(1).set_batch(p.n).set_threads(int(req.threads));
          score = topo::rtd(p.view(), q.view(), options).score;
        }
        rtd_layers[size_t(l) * cells + size_t(a * nets + b)] = rtd_layers[size_t(l) * cells + size_t(b * nets + a)] = score;
      }
  for (size_t ab = 0; ab < cells; ++ab) {
    double sum = 0;
    int64_t n = 0;
    for (int64_t l = 0; l < kLayerCount; ++l) {
      const double v = rtd_layers[size_t(l) * cells + ab];
      if (!std::isfinite(v)) continue;
      sum += v;
      ++n;
    }
    rtd[ab] = n > 0 ? sum / double(n) : kNaN;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // Summary: per pair of rules, the mean RTD over its pairs of networks of different seeds (within
  // a rule: its seeds against each other, the control). Networks of one seed share their wiring,
  // initial weights and noise whatever their rule, so pairs across rules of the same seed would
  // be closer for that alone and are left out.
  const auto between = [&](int64_t r1, int64_t r2) {
    std::vector<double> values;
    for (int64_t s1 = 0; s1 < n_seeds; ++s1)
      for (int64_t s2 = 0; s2 < n_seeds; ++s2) {
        const int64_t a = r1 * n_seeds + s1, b = r2 * n_seeds + s2;
        if (s1 == s2 || (r1 == r2 && s2 < s1)) continue;
        values.push_back(rtd[size_t(a * nets + b)]);
      }
    return mean_sd(values);
  };
  std::string table = "| RTD (mean ± sd over pairs) | het_stdp | hom_stdp | surrogate |\n|---|---|---|---|\n";
  for (int64_t r1 = 0; r1 < kRuleCount; ++r1) {
    table += "| **" + std::string(kRules[r1]) + "** |";
    for (int64_t r2 = 0; r2 < kRuleCount; ++r2) table += " " + cell(between(r1, r2)) + " |";
    table += "\n";
  }
  std::string accuracy_table = "| rule | test accuracy (mean ± sd over seeds) |\n|---|---|\n";
  for (int64_t r = 0; r < kRuleCount; ++r)
    accuracy_table += "| " + std::string(kRules[r]) + " | " +
                      cell(mean_sd(std::vector<double>(accuracy.begin() + r * n_seeds,
                                                       accuracy.begin() + (r + 1) * n_seeds))) +
                      " |\n";
  // The claim: het_stdp against each other rule, by an exact permutation test of the rule labels
  // (permutation_p): are networks of different rules farther apart than networks of one rule?
  std::string claim;
  std::vector<double> p_values(size_t(kRuleCount), kNaN);
  const double within_het = between(0, 0).first;
  for (int64_t r = 1; r < kRuleCount; ++r) {
    const double across = between(0, r).first, within_other = between(r, r).first;
    const PermutationTest test = permutation_p(rtd, nets, n_seeds, 0, r);
    p_values[size_t(r)] = test.p;
    const bool distinct = test.p <= 0.05;
    claim += "- het_stdp vs " + std::string(kRules[r]) + ": mean RTD " + format_value("%.3f", across) +
             " across the rules against " + format_value("%.3f", within_het) + " between het_stdp seeds and " +
             format_value("%.3f", within_other) + " between " + kRules[r] + " seeds; permutation p = " +
             format_value("%.3f", test.p) + " (exact, " + std::to_string(test.splits) + " splits): " +
             (distinct ? "**distinct** beyond seed-to-seed variation" : "**not distinct** beyond seed-to-seed variation") +
             (test.splits < 40 ? " (with this few seeds no split can reach p <= 0.05)" : "") + ".\n";
  }

  ExperimentResult result;
  result.out = req.out;
  Record& rec = result.record;
  std::vector<std::string> rule_names(std::begin(kRules), std::end(kRules)), layer_names(std::begin(kLayers), std::end(kLayers));
  rec.add("rules", {kRuleCount}, rule_names);
  rec.add("seeds", {n_seeds}, std::vector<int64_t>(seeds.begin(), seeds.end()));
  rec.add("layers", {kLayerCount}, layer_names);
  rec.add("test_accuracy", {kRuleCount, n_seeds}, accuracy);
  rec.add("rtd", {kRuleCount, n_seeds, kRuleCount, n_seeds}, rtd);
  rec.add("rtd_layers", {kLayerCount, kRuleCount, n_seeds, kRuleCount, n_seeds}, rtd_layers);
  rec.add("p_het_stdp", {kRuleCount}, p_values);
  auto& a = rec.attributes;
  a["size"] = sizes.name;
  a["quick"] = req.size == ExperimentSize::quick;
  a["seed"] = req.seed;
  a["pattern_seed"] = pattern_seed;
  a["segments"] = kSegments;
  a["n_excitatory"] = sizes.n_excitatory;
  a["n_inhibitory"] = sizes.n_inhibitory;
  a["test_samples"] = sizes.test_samples;
  a["degenerate_pairs"] = degenerate_pairs;
  a["seconds"] = seconds;
  a["version"] = RNNSCOPE_VERSION;

  result.markdown =
      "# Spiking networks' representations by rule (`rnnscope experiment snn-topology`, size " + std::string(sizes.name) +
      ", seed " + std::to_string(req.seed) + ")\n\n" + std::to_string(sizes.n_excitatory) + " E / " +
      std::to_string(sizes.n_inhibitory) + " I LIF neurons, " + std::to_string(sizes.n_inputs) + " input channels, " +
      std::to_string(sizes.classes) + " classes of Poisson-coded patterns (" + std::to_string(sizes.train_samples) +
      " training, " + std::to_string(sizes.test_samples) + " test samples, " + format_value("%.0f", sizes.sample_ms) +
      " ms each, the same for every network), " + std::to_string(n_seeds) + " seeds per rule; STDP " +
      std::to_string(sizes.stdp_epochs) + " epoch(s), surrogate " + std::to_string(sizes.surrogate_epochs) +
      " epochs. Layers (docs/snn.md): the traces after the first, middle and last third of each test presentation "
      "and the readout's scores; RTD (symmetric, all test samples) per layer, averaged over the layers.\n\n"
      "## Test accuracy\n\n" + accuracy_table + "\n## RTD between rules (diagonal: between seeds of one rule)\n\n" +
      table + "\n## The claim\n\nHeterogeneous STDP gives representations distinct from homogeneous STDP and "
      "surrogate training, beyond seed-to-seed variation. Here:\n\n" + claim +
      (degenerate_pairs > 0 ? "\n" + std::to_string(degenerate_pairs) +
                                  " (layer, pair) comparisons had a silent layer (no RTD) and are left out of the means.\n"
                            : std::string()) +
      "\nWall time: " + format_value("%.0f", seconds) + " s.\n";
  write_record(req.out + "/results.h5", rec);
  write_text_atomic(req.out + "/results.md", result.markdown);
  return result;
}

}  // namespace rnnscope::requests
