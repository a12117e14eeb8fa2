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

// Unsupervised STDP ([stdp] rule) on the training patterns, then the logistic readout of the
// frozen network's excitatory spike counts; writes config.toml, summary.json and snn.h5
// (docs/snn.md) and returns the summary: rule, seed, train_accuracy, test_accuracy, chance,
// readout_loss, rate_e_hz (excitatory rate while the samples were shown, frozen), w_ee_mean_initial,
// w_ee_mean_final, synapses_ee, stdp_seconds, seconds, version.
Json run_snn_train(const SnnTrainRequest& request);

}  // namespace rnnscope::requests
