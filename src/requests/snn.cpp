// The snn requests (include/rnnscope/requests/snn.h): config → network → simulation or
// STDP training and readout → record / run directory.
#include "rnnscope/requests/snn.h"

#include "rnnscope/core/config_io.h"
#include "rnnscope/core/error.h"
#include "rnnscope/geometry/decoders.h"
#include "rnnscope/requests/output_policy.h"
#include "rnnscope/runs/run_directory.h"
#include "rnnscope/snn/config.h"
#include "rnnscope/snn/patterns.h"
#include "rnnscope/snn/segments.h"
#include "requests/snn_internal.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <cmath>

namespace rnnscope::requests {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int64_t steps_of(double ms, double dt_ms) { return std::max<int64_t>(1, std::llround(ms / dt_ms)); }

std::optional<snn::StdpParams> plasticity(const snn::SnnConfig& c) {
  if (c.rule == "none") return std::nullopt;
  return c.stdp;
}

// Every channel at one rate (a single row), or silence without channels.
snn::InputRates constant_rates(int64_t n_inputs, double hz) {
  snn::InputRates rates;
  if (n_inputs == 0) return rates;
  rates.rows = 1;
  rates.hz.assign(static_cast<size_t>(n_inputs), static_cast<float>(hz));
  return rates;
}

snn::InputRates given_rates(const SnnSimulateRequest& req, const snn::SnnConfig& c) {
  const h5::Array& a = *req.rates;
  const std::string name = argument_name(req.door, "rates");
  const int64_t n_inputs = c.input.n_inputs;
  require(a.shape.size() == 2 && a.shape[1] == n_inputs && a.shape[0] >= 1,
          name + ": expected an array [rows, input.n_inputs = " + std::to_string(n_inputs) + "] of rates in Hz, got " +
              std::to_string(a.shape.size()) + " dimension(s)" +
              (a.shape.size() == 2 ? " [" + std::to_string(a.shape[0]) + ", " + std::to_string(a.shape[1]) + "]" : ""));
  for (double v : a.data)
    require(std::isfinite(v) && v >= 0 && v * c.simulation.dt_ms * 1e-3 <= 1,
            name + ": every rate must be finite, >= 0 and at most one spike per step (1/dt), got " + std::to_string(v));
  require(a.shape[0] == 1 || (std::isfinite(req.row_ms) && req.row_ms > 0),
          argument_name(req.door, "row_ms") + " must be > 0 with " + name + " of more than one row, got " +
              std::to_string(req.row_ms));
  snn::InputRates rates;
  rates.rows = a.shape[0];
  rates.row_steps = a.shape[0] == 1 ? 1 : steps_of(req.row_ms, c.simulation.dt_ms);
  rates.hz.assign(a.data.begin(), a.data.end());
  return rates;
}

// Mean rate of neurons [begin, end) over `ms` from spike counts per neuron.
double mean_rate_hz(const std::vector<int64_t>& counts, int64_t begin, int64_t end, double ms) {
  if (end <= begin) return 0;
  double total = 0;
  for (int64_t i = begin; i < end; ++i) total += static_cast<double>(counts[static_cast<size_t>(i)]);
  return total / static_cast<double>(end - begin) / (ms * 1e-3);
}

// The samples of `set` shown one after another (each followed by the rest), as the
// excitatory neurons' spike counts [samples, n_excitatory] during each presentation.
linalg::Matrix present(snn::Simulator& sim, const snn::PatternSet& set, const snn::SnnConfig& c) {
  const int64_t n_inputs = c.input.n_inputs, n_e = c.network.n_excitatory;
  const int64_t sample_steps = steps_of(c.data.sample_ms, c.simulation.dt_ms);
  const int64_t rest_steps = std::llround(c.data.rest_ms / c.simulation.dt_ms);
  const auto samples = static_cast<int64_t>(set.labels.size());
  linalg::Matrix counts(samples, n_e);
  snn::InputRates rates;
  rates.rows = 1;
  for (int64_t s = 0; s < samples; ++s) {
    const auto row = set.rates_hz.begin() + s * n_inputs;
    rates.hz.assign(row, row + n_inputs);
    const snn::SegmentResult shown = sim.run(sample_steps, rates);
    for (int64_t i = 0; i < n_e; ++i) counts(s, i) = shown.counts[static_cast<size_t>(i)];
    if (rest_steps > 0) sim.run(rest_steps, snn::InputRates{});
  }
  return counts;
}

std::vector<double> row_major(const linalg::Matrix& m) {
  std::vector<double> out(static_cast<size_t>(m.size()));
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) out[static_cast<size_t>(i * m.cols() + j)] = m(i, j);
  return out;
}

double mean_of(const std::vector<float>& values) {
  double total = 0;
  for (float v : values) total += v;
  return values.empty() ? 0.0 : total / static_cast<double>(values.size());
}

}  // namespace

snn::SnnConfig load_snn_config(const SnnConfigSource& source, Door door) {
  const bool from_file = !source.config_path.empty();
  return snn::resolve_snn_config(from_file ? read_toml_file(source.config_path) : source.config, source.overrides,
                                 from_file ? source.config_path : source.config_source,
                                 argument_name(door, "overrides"));
}

ClaimedSnnRun claim_snn_run(const SnnTrainRequest& req, const snn::SnnConfig& c) {
  require(c.input.n_inputs >= 1, "snn train needs input channels for its patterns: set input.n_inputs >= 1 (" +
                                     spell_override(req.door, "input.n_inputs") + ")");
  require(!req.out.empty(), spell(req.door, "out", "DIR") + ": give the run directory to write");
  runs::RunDirectory dir(req.out);
  FileLock lock = claim_output_dir(dir.path(), existing_policy(req.force), req.door,
                                   runs::RunDirectory::file_names());
  dir.write_config(c.resolved);
  return {std::move(dir), std::move(lock)};
}

Json snn_summary(const snn::SnnConfig& c, double train_accuracy, double test_accuracy) {
  Json summary = Json::object();
  summary["command"] = "snn train";
  summary["rule"] = c.rule;
  summary["seed"] = c.seed;
  summary["train_accuracy"] = train_accuracy;
  summary["test_accuracy"] = test_accuracy;
  summary["chance"] = 1.0 / static_cast<double>(c.data.classes);
  summary["version"] = RNNSCOPE_VERSION;
  return summary;
}

bool snn_train_needs_torch(const SnnTrainRequest& req) {
  return load_snn_config(req.source, req.door).rule == "surrogate";
}

Record run_snn_simulate(const SnnSimulateRequest& req) {
  const snn::SnnConfig c = load_snn_config(req.source, req.door);
  require(c.rule != "surrogate", "stdp.rule = \"surrogate\" is a training rule of `snn train`; snn simulate runs "
                                 "the spiking network with none, hom_stdp or het_stdp");
  if (!req.out.empty()) check_can_write(req.out, req.force, req.door);
  const snn::InputRates rates = req.rates ? given_rates(req, c) : constant_rates(c.input.n_inputs, c.simulation.input_rate_hz);

  const double dt = c.simulation.dt_ms;
  const int64_t steps = steps_of(c.simulation.duration_ms, dt);
  const int64_t segment_steps = steps_of(c.simulation.segment_ms, dt);
  const auto start = Clock::now();
  snn::Simulator sim(snn::build_network(c.network, c.seed), c.input, dt, plasticity(c), c.seed);
  snn::Recording recording;
  recording.raster = true;
  const snn::SegmentResult result = sim.run(steps, rates, recording);
  const double seconds = seconds_since(start);

  // Counts per segment from the raster (the last segment may be shorter).
  const int64_t n = sim.network().size();
  const int64_t segments = (steps + segment_steps - 1) / segment_steps;
  std::vector<int64_t> counts(static_cast<size_t>(segments * n), 0), totals(static_cast<size_t>(n), 0);
  std::vector<double> times(result.spike_step.size()), segment_start(static_cast<size_t>(segments));
  std::vector<int64_t> ids(result.spike_id.begin(), result.spike_id.end());
  for (size_t k = 0; k < ids.size(); ++k) {
    times[k] = static_cast<double>(result.spike_step[k]) * dt;
    ++counts[static_cast<size_t>(result.spike_step[k] / segment_steps * n + ids[k])];
    ++totals[static_cast<size_t>(ids[k])];
  }
  for (int64_t g = 0; g < segments; ++g) segment_start[static_cast<size_t>(g)] = static_cast<double>(g * segment_steps) * dt;

  Record record;
  const auto spikes = static_cast<int64_t>(ids.size());
  record.add("spike_times_ms", {spikes}, std::move(times));
  record.add("spike_ids", {spikes}, std::move(ids));
  record.add("counts", {segments, n}, std::move(counts));
  record.add("segment_start_ms", {segments}, std::move(segment_start));
  record.add("tau_m_ms", {n}, std::vector<double>(sim.network().tau_m_ms.begin(), sim.network().tau_m_ms.end()));
  auto& a = record.attributes;
  const double ms = static_cast<double>(steps) * dt;
  a["n_excitatory"] = c.network.n_excitatory;
  a["n_inhibitory"] = c.network.n_inhibitory;
  a["dt_ms"] = dt;
  a["duration_ms"] = ms;
  a["steps"] = steps;
  a["seed"] = static_cast<int64_t>(c.seed);
  a["rule"] = c.rule;
  a["spikes"] = spikes;
  a["rate_e_hz"] = mean_rate_hz(totals, 0, c.network.n_excitatory, ms);
  a["rate_i_hz"] = mean_rate_hz(totals, c.network.n_excitatory, n, ms);
  a["seconds"] = seconds;
  a["version"] = RNNSCOPE_VERSION;
  if (!req.out.empty()) write_record(req.out, record);
  return record;
}

Json run_snn_train(const SnnTrainRequest& req) {
  const snn::SnnConfig c = load_snn_config(req.source, req.door);
  require(c.rule != "surrogate", "stdp.rule = \"surrogate\" trains in LibTorch: run_snn_train_surrogate runs it");
  const ClaimedSnnRun run = claim_snn_run(req, c);
  const runs::RunDirectory& dir = run.dir;

  const auto start = Clock::now();
  snn::Simulator sim(snn::build_network(c.network, c.seed), c.input, c.simulation.dt_ms, plasticity(c), c.seed);
  const std::vector<float> w_initial = sim.network().ee.weight;
  const snn::PatternSet train = snn::make_patterns(c.data, c.input.n_inputs, "train", c.pattern_seed);
  const snn::PatternSet test = snn::make_patterns(c.data, c.input.n_inputs, "test", c.pattern_seed);
  for (int64_t epoch = 0; epoch < c.data.epochs; ++epoch) present(sim, train, c);
  const double stdp_seconds = seconds_since(start);

  sim.set_plastic(false);
  const linalg::Matrix train_counts = present(sim, train, c);
  const linalg::Matrix test_counts = present(sim, test, c);
  // The readout: the geometry decoder (one-vs-rest L2 logistic regression) on the counts
  // z-scored with the training samples' mean and spread, so the penalty weighs every neuron alike.
  const geometry::FeatureScaling scaling = geometry::fit_scaling(train_counts);
  const std::vector<int64_t> train_labels(train.labels.begin(), train.labels.end());
  const std::vector<int64_t> test_labels(test.labels.begin(), test.labels.end());
  const geometry::LinearDecoder readout = geometry::fit_decoder(scaling.apply(train_counts), train_labels, c.readout);
  const double train_accuracy = readout.accuracy(scaling.apply(train_counts), train_labels);
  const double test_accuracy = readout.accuracy(scaling.apply(test_counts), test_labels);
  const double shown_ms = static_cast<double>(train_counts.rows() + test_counts.rows()) * c.data.sample_ms;

  const auto& ee = sim.network().ee;
  const int64_t synapses = ee.synapses(), n_e = c.network.n_excitatory;
  Record record;
  record.add("ee_row_start", {n_e + 1}, ee.row_start);
  record.add("ee_target", {synapses}, std::vector<int64_t>(ee.target.begin(), ee.target.end()));
  record.add("w_ee_initial", {synapses}, as_doubles(w_initial));
  record.add("w_ee", {synapses}, as_doubles(ee.weight));
  record.add("tau_m_ms", {sim.network().size()}, as_doubles(sim.network().tau_m_ms));
  if (c.rule == "het_stdp") {
    record.add("a_plus", {synapses}, as_doubles(sim.stdp()->a_plus()));
    record.add("a_minus", {synapses}, as_doubles(sim.stdp()->a_minus()));
    record.add("tau_plus_ms", {synapses}, as_doubles(sim.stdp()->tau_plus_ms()));
    record.add("tau_minus_ms", {synapses}, as_doubles(sim.stdp()->tau_minus_ms()));
  }
  record.add("train_counts", {train_counts.rows(), n_e}, row_major(train_counts));
  record.add("train_labels", {train_counts.rows()}, train_labels);
  record.add("test_counts", {test_counts.rows(), n_e}, row_major(test_counts));
  record.add("test_labels", {test_counts.rows()}, test_labels);
  record.add("readout_mean", {n_e}, std::vector<double>(scaling.mean.begin(), scaling.mean.end()));
  record.add("readout_scale", {n_e}, std::vector<double>(scaling.scale.begin(), scaling.scale.end()));
  record.add("readout_normals", {readout.normals.rows(), n_e}, row_major(readout.normals));
  record.add("readout_intercepts", {readout.intercepts.size()},
             std::vector<double>(readout.intercepts.begin(), readout.intercepts.end()));
  record.attributes["rule"] = c.rule;
  record.attributes["seed"] = static_cast<int64_t>(c.seed);
  record.attributes["version"] = RNNSCOPE_VERSION;
  write_record(dir.snn_path(), record);

  Json summary = snn_summary(c, train_accuracy, test_accuracy);
  summary["rate_e_hz"] = (train_counts.sum() + test_counts.sum()) / static_cast<double>(n_e) / (shown_ms * 1e-3);
  summary["w_ee_mean_initial"] = mean_of(w_initial);
  summary["w_ee_mean_final"] = mean_of(ee.weight);
  summary["synapses_ee"] = synapses;
  summary["stdp_seconds"] = stdp_seconds;
  summary["seconds"] = seconds_since(start);
  dir.write_summary(summary);
  return summary;
}

snn::SnnConfig load_snn_eval_run(const SnnEvalRequest& req) {
  const runs::RunDirectory dir(req.run);
  require(dir.has_config() && std::filesystem::is_regular_file(dir.snn_path()) &&
              h5::has_dataset(dir.snn_path(), "test_labels"),
          spell(req.door, "run", "RUN") + ": '" + req.run + "' is not a run directory of `snn train` (config.toml and snn.h5)");
  snn::SnnConfig c = snn::resolve_snn_config(read_toml_file(dir.config_path()), {}, dir.config_path(), "");
  require(req.segments >= 1, argument_name(req.door, "segments") + " must be >= 1, got " + std::to_string(req.segments));
  require(std::isfinite(req.trace_ms) && req.trace_ms > 0,
          argument_name(req.door, "trace_ms") + " must be > 0, got " + std::to_string(req.trace_ms));
  if (!req.out.empty()) check_can_write(req.out, req.force, req.door);
  return c;
}

Record snn_eval_record(const SnnEvalRequest& req, const snn::SnnConfig& c, const snn::PatternSet& test,
                       int64_t neurons, int64_t steps, double dt_ms, const std::vector<snn::SegmentedSpikes>& segmented,
                       const std::vector<double>& scores) {
  const auto samples = static_cast<int64_t>(test.labels.size());
  const int64_t classes = c.data.classes, segments = req.segments;
  std::vector<double> counts, traces, starts;
  for (const snn::SegmentedSpikes& s : segmented) {
    counts.insert(counts.end(), s.counts.begin(), s.counts.end());
    traces.insert(traces.end(), s.traces.begin(), s.traces.end());
  }
  for (int64_t g = 0; g < segments; ++g) starts.push_back(static_cast<double>(snn::segment_start(steps, segments, g)) * dt_ms);
  std::vector<int64_t> labels(test.labels.begin(), test.labels.end());
  int64_t correct = 0;
  for (int64_t s = 0; s < samples; ++s) {
    const auto row = scores.begin() + s * classes;
    correct += std::max_element(row, row + classes) - row == labels[static_cast<size_t>(s)];
  }
  Record record;
  record.add("counts", {samples, segments, neurons}, std::move(counts));
  record.add("traces", {samples, segments, neurons}, std::move(traces));
  record.add("segment_start_ms", {segments}, std::move(starts));
  record.add("inputs", {samples, c.input.n_inputs}, as_doubles(test.rates_hz));
  record.add("scores", {samples, classes}, scores);
  record.add("labels", {samples}, std::move(labels));
  auto& a = record.attributes;
  a["rule"] = c.rule;
  a["seed"] = static_cast<int64_t>(c.seed);
  a["segments"] = segments;
  a["sample_ms"] = static_cast<double>(steps) * dt_ms;
  a["dt_ms"] = dt_ms;
  a["trace_ms"] = req.trace_ms;
  a["n"] = neurons;
  a["test_accuracy"] = static_cast<double>(correct) / static_cast<double>(samples);
  a["version"] = RNNSCOPE_VERSION;
  if (!req.out.empty()) write_record(req.out, record);
  return record;
}

bool snn_eval_needs_torch(const SnnEvalRequest& req) { return load_snn_eval_run(req).rule == "surrogate"; }

Record run_snn_eval(const SnnEvalRequest& req) {
  const snn::SnnConfig c = load_snn_eval_run(req);
  require(c.rule != "surrogate", "stdp.rule = \"surrogate\" evaluates in LibTorch: run_snn_eval_surrogate runs it");
  const std::string weights = runs::RunDirectory(req.run).snn_path();
  snn::Network network = snn::build_network(c.network, c.seed);
  const h5::Array w = h5::read_array(weights, "w_ee");
  require(w.size() == network.ee.synapses(), weights + ": /w_ee has " + std::to_string(w.size()) +
                                                 " weights, the config's network " +
                                                 std::to_string(network.ee.synapses()) + " E→E synapses");
  network.ee.weight.assign(w.data.begin(), w.data.end());
  snn::Simulator sim(std::move(network), c.input, c.simulation.dt_ms, std::nullopt, c.seed);

  const double dt = c.simulation.dt_ms;
  const int64_t n_e = c.network.n_excitatory, n_inputs = c.input.n_inputs;
  const int64_t steps = steps_of(c.data.sample_ms, dt), rest_steps = std::llround(c.data.rest_ms / dt);
  const snn::PatternSet test = snn::make_patterns(c.data, n_inputs, "test", c.pattern_seed);
  const std::vector<double> mean = h5::read_array(weights, "readout_mean").data,
                            scale = h5::read_array(weights, "readout_scale").data,
                            normals = h5::read_array(weights, "readout_normals").data,
                            intercepts = h5::read_array(weights, "readout_intercepts").data;
  const int64_t classes = c.data.classes;
  std::vector<snn::SegmentedSpikes> segmented;
  std::vector<double> scores;
  snn::Recording raster;
  raster.raster = true;
  snn::InputRates rates;
  rates.rows = 1;
  for (size_t s = 0; s < test.labels.size(); ++s) {
    const auto row = test.rates_hz.begin() + static_cast<int64_t>(s) * n_inputs;
    rates.hz.assign(row, row + n_inputs);
    const int64_t onset = sim.step();
    snn::SegmentResult shown = sim.run(steps, rates, raster);
    for (int64_t& k : shown.spike_step) k -= onset;
    segmented.push_back(snn::segment_spikes(shown.spike_step, shown.spike_id, steps, n_e, req.segments, dt, req.trace_ms));
    // The run's readout (z-scored counts, docs/snn.md) of the whole presentation's counts.
    for (int64_t k = 0; k < classes; ++k) {
      double score = intercepts[static_cast<size_t>(k)];
      for (int64_t i = 0; i < n_e; ++i) {
        const auto u = static_cast<size_t>(i);
        score += (shown.counts[u] - mean[u]) / scale[u] * normals[static_cast<size_t>(k * n_e + i)];
      }
      scores.push_back(score);
    }
    if (rest_steps > 0) sim.run(rest_steps, snn::InputRates{});
  }
  return snn_eval_record(req, c, test, n_e, steps, dt, segmented, scores);
}

}  // namespace rnnscope::requests
