// `rnnscope snn simulate|train` / `rnnscope.snn.simulate|train`: the recurrent LIF network
// (rnnscope/snn, docs/snn.md) run from a config, with the output policy and the records in
// one place.
#pragma once

#include "rnnscope/core/hdf5_io.h"
#include "rnnscope/core/params.h"
#include "rnnscope/requests/door.h"
#include "rnnscope/requests/record.h"

#include <optional>
#include <string>
#include <vector>

namespace rnnscope::requests {

// The config of both commands: a TOML file (`config_path`), or a table given in memory
// (`config`, named `config_source` in messages), with "section.key=value" overrides.
struct SnnConfigSource {
  std::string config_path;
  Json config = Json::object();
  std::string config_source = "config";
  std::vector<std::string> overrides;
};

struct SnnSimulateRequest {
  SnnConfigSource source;
  // The input channels' rates [rows, input.n_inputs] in Hz, row r held for row_ms (the last
  // to the end); unset: every channel at simulation.input_rate_hz.
  std::optional<h5::Array> rates;
  double row_ms = 0;     // with `rates` of more than one row: > 0
  std::string out;       // SPIKES.h5 ("" = none)
  bool force = false;
  Door door = Door::cli;
};

// /spike_times_ms [spikes] float64 and /spike_ids [spikes] int64 (the raster, in time order,
// ascending ids within a step), /counts [segments, n] int64 (spikes per neuron and segment of
// simulation.segment_ms; the last may be shorter), /segment_start_ms [segments], /tau_m_ms [n];
// attributes: n_excitatory, n_inhibitory, dt_ms, duration_ms, steps, seed, rule, spikes,
// rate_e_hz, rate_i_hz, seconds (simulation wall time), version.
Record run_snn_simulate(const SnnSimulateRequest& request);

struct SnnTrainRequest {
  SnnConfigSource source;
  std::string out;  // the run directory
  bool force = false;
  Door door = Door::cli;
};

// Whether the request's rule is "surrogate", which trains in LibTorch: run_snn_train_surrogate
// (the CLI runs it in its plugin, as `snn-train-surrogate`), every other rule run_snn_train.
bool snn_train_needs_torch(const SnnTrainRequest& request);

// Unsupervised STDP ([stdp] rule none, hom_stdp or het_stdp) on the training patterns, then the logistic readout of the
// frozen network's excitatory spike counts; writes config.toml, summary.json and snn.h5
// (docs/snn.md) and returns the summary: rule, seed, train_accuracy, test_accuracy, chance,
// readout_loss, rate_e_hz (excitatory rate while the samples were shown, frozen), w_ee_mean_initial,
// w_ee_mean_final, synapses_ee, stdp_seconds, seconds, version.
Json run_snn_train(const SnnTrainRequest& request);

// rule "surrogate" (in the LibTorch library, src/requests/torch/snn_surrogate.cpp): a discrete-time
// recurrent LIF layer of n_excitatory + n_inhibitory neurons and a linear readout of its spike
// counts trained together by BPTT through surrogate spike derivatives ([surrogate]) on Poisson
// spike trains of the same patterns; writes config.toml, summary.json and snn.h5 (docs/snn.md)
// and returns the summary: rule, seed, train_accuracy, test_accuracy, chance, version,
// loss_final (the last epoch's mean training loss), rate_hz (every neuron, frozen, while the
// samples were shown), beta, steps (per sample), gradient_steps, train_seconds, seconds.
Json run_snn_train_surrogate(const SnnTrainRequest& request);

struct SnnEvalRequest {
  std::string run;        // a run directory of `snn train`
  std::string out;        // FILE.h5 ("" = none)
  int64_t segments = 3;   // each presentation cut into this many equal time segments
  double trace_ms = 20;   // time constant of the filtered traces
  bool force = false;
  Door door = Door::cli;
};

// The trained network of `run` (its weights frozen) shown the test samples once more, read per
// time segment (snn/segments.h) over the population its readout reads (the excitatory neurons
// with the STDP rules, every neuron with surrogate): /counts and /traces [samples, segments, n],
// /segment_start_ms [segments] (from the sample's onset), /inputs [samples, n_inputs] (the
// samples' rates, Hz), /scores [samples, classes] (the run's readout of the whole presentation's
// counts), /labels [samples]; attributes rule, seed, segments, sample_ms, dt_ms, trace_ms, n,
// test_accuracy (of /scores), version. The rules "none", "hom_stdp", "het_stdp" run in
// run_snn_eval (a fresh simulator: its background draws start again from the seed, so
// test_accuracy may differ a little from the run's), "surrogate" in run_snn_eval_surrogate (the
// LibTorch library; the same spike trains as the run's own test counts).
bool snn_eval_needs_torch(const SnnEvalRequest& request);
Record run_snn_eval(const SnnEvalRequest& request);
Record run_snn_eval_surrogate(const SnnEvalRequest& request);

}  // namespace rnnscope::requests
