// The recurrent LIF network in time: clock-driven at dt, the membrane integrated exactly
// between steps, spikes propagated event-driven (a spike walks its CSR row), optional STDP on
// E→E. Each step, in Brian2's order:
//   1. every neuron out of its refractory period relaxes exactly over dt towards
//      v_rest + bias: v ← v∞ + (v − v∞)·exp(−dt/τ_m,i);
//   2. those with v >= threshold spike and become refractory for refractory_ms: the membrane
//      is held at reset and inputs are dropped until it integrates again;
//   3. the inputs of this step arrive at the neurons not refractory, as instantaneous jumps:
//      background Poisson inputs, the input channels' spikes and the spikes of step 2;
//   4. the spiking neurons are reset; STDP applies the E spikes (stdp.h).
// The membrane starts uniform in [reset, threshold). Draws come from streams derived from the
// seed, so a run is reproducible and independent of how it is cut into segments.
#pragma once

#include "rnnscope/core/rng.h"
#include "rnnscope/snn/network.h"
#include "rnnscope/snn/stdp.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace rnnscope::snn {

struct InputParams {
  // Background: every neuron receives `background_inputs` independent Poisson inputs at
  // background_rate_hz, each spike adding background_mv (Brian2's PoissonInput).
  int64_t background_inputs = 100;
  double background_rate_hz = 15;
  double background_mv = 0.6;
  // Input channels (the rate-coded stimulus): n_inputs Poisson channels, each reaching each
  // excitatory neuron with probability p_input and adding input_mv.
  int64_t n_inputs = 0;
  double p_input = 0.1;
  double input_mv = 1;
};

// The input channels' rates over a segment: an array [rows, n_inputs] in Hz; row r holds for
// steps [r·row_steps, (r + 1)·row_steps) of the segment and the last row to its end (a single
// row: a static rate vector). Empty (rows = 0): the channels are silent.
struct InputRates {
  int64_t rows = 0;
  int64_t row_steps = 1;
  std::vector<float> hz;  // [rows, n_inputs]
};

// What a segment keeps besides its spike counts.
struct Recording {
  bool raster = false;                // every spike as (step, neuron)
  std::vector<int32_t> membrane_ids;  // neurons whose membrane potential is kept at every step
};

struct SegmentResult {
  std::vector<int32_t> counts;      // [n] spikes per neuron in the segment
  std::vector<int64_t> spike_step;  // the raster (steps since the simulation started)
  std::vector<int32_t> spike_id;
  std::vector<float> membrane;      // [steps, membrane_ids] in mV, after the step's reset
};

class Simulator {
 public:
  // `stdp`: plasticity on E→E (std::nullopt: fixed weights).
  Simulator(Network network, const InputParams& input, double dt_ms, const std::optional<StdpParams>& stdp,
            uint64_t seed);

  SegmentResult run(int64_t steps, const InputRates& rates, const Recording& recording = {});

  // Switches STDP off (evaluation with frozen weights) or back on; no effect without STDP.
  void set_plastic(bool plastic) { plastic_ = plastic && stdp_.has_value(); }

  const Network& network() const { return network_; }
  const std::optional<Stdp>& stdp() const { return stdp_; }
  int64_t step() const { return step_; }
  double dt_ms() const { return dt_ms_; }

 private:
  void add_background(std::vector<float>& v);
  void add_channel_spikes(const float* hz, std::vector<float>& v);
  void propagate(const std::vector<int32_t>& spikes, std::vector<float>& v);

  Network network_;
  InputParams input_;
  double dt_ms_;
  int64_t refractory_steps_;
  Csr channels_;
  std::optional<Stdp> stdp_;
  bool plastic_ = false;
  Rng background_rng_, channel_rng_;

  std::vector<float> v_, v_inf_, decay_;
  // Steps the neuron is still held, this one included (0: integrating); int32 so that the
  // membrane loop vectorises.
  std::vector<int32_t> held_;
  std::vector<int32_t> spikes_, excitatory_spikes_;
  int64_t step_ = 0;

  // Background: a neuron's count of background spikes in a step is the number of thresholds
  // at or below a uniform 32-bit draw, threshold k = 2³²·P(count <= k) (binomial), so one draw
  // of 64 bits serves two neurons; counted branch-free, one threshold at a time over all
  // neurons (the loops vectorise).
  std::vector<uint32_t> background_thresholds_;
  std::vector<uint32_t> background_draws_, background_counts_;
};

}  // namespace rnnscope::snn
