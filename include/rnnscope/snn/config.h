// The config of `rnnscope snn` (docs/snn.md): its sections and keys, declared once
// (core/params.h), resolved into the simulator's parameter structs.
#pragma once

#include "rnnscope/core/params.h"
#include "rnnscope/geometry/decoders.h"
#include "rnnscope/snn/patterns.h"
#include "rnnscope/snn/simulator.h"

#include <cstdint>
#include <string>
#include <vector>

namespace rnnscope::snn {

struct SimulationParams {
  double dt_ms = 0.1;
  double duration_ms = 1000;  // `snn simulate`
  double segment_ms = 100;    // spike counts per segment of this length
  double input_rate_hz = 0;   // every input channel's rate in `snn simulate` (a static rate vector)
};

// `rule = "surrogate"` of `snn train`: supervised BPTT of a discrete-time recurrent LIF layer of
// the same sizes (docs/snn.md "Surrogate-gradient training").
struct SurrogateParams {
  std::string function = "fast_sigmoid";  // the spike's surrogate derivative: fast_sigmoid, arctan, triangle
  double slope = 25;                       // its slope k
  double dt_ms = 1;                        // the discrete time step (β = exp(−dt / tau_m_ms))
  double lr = 0.002;                       // Adam's learning rate
  int64_t epochs = 30;                     // passes over the training samples
  int64_t batch = 16;                      // samples per gradient step
  std::string loss = "cross_entropy";      // of the count readout: cross_entropy or mse (against one-hot)
  double input_scale = 1;                  // the initial input weights' spread relative to the default
  int64_t threads = 0;                     // LibTorch's threads (0 = all cores), as [train] threads
};

struct SnnConfig {
  uint64_t seed = 0;
  NetworkParams network;
  InputParams input;
  SimulationParams simulation;
  std::string rule = "none";  // [stdp] rule: "none", "hom_stdp", "het_stdp", "surrogate"
  StdpParams stdp;            // used by hom_stdp and het_stdp
  SurrogateParams surrogate;  // used by surrogate
  PatternParams data;         // `snn train`
  uint64_t pattern_seed = 0;  // [data] seed, or the run's seed: the patterns' draws
  geometry::DecoderOptions readout;  // `snn train`: l2 and max_iterations (one fit, no folds)
  Json resolved;              // the whole config with defaults filled in (config.toml of a run)
};

// The declarations of each section, in file order: (section, its keys); "seed" is top-level.
const std::vector<std::pair<std::string, std::vector<ParamSpec>>>& snn_sections();

// Resolves `raw` (a TOML table) with `overrides` ("section.key=value") applied: unknown
// sections and keys, wrong types and values out of range are Errors naming the key
// (`context` says where the config came from, `override_source` what the overrides are).
SnnConfig resolve_snn_config(Json raw, const std::vector<std::string>& overrides, const std::string& context,
                             const std::string& override_source);

// Every section's keys as help text.
std::string describe_snn_config();

}  // namespace rnnscope::snn
