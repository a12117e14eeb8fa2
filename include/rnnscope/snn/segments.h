// A sample's spikes read per time segment (`snn eval`, docs/snn.md "Evaluation and
// representations"): the presentation of `steps` steps cut into `segments` equal parts (the
// last takes the remainder), and per segment and neuron the spike count and the exponentially
// filtered spike train at the segment's last step, x(t) = Σ_{spikes s ≤ t} exp(−(t − s)·dt / τ).
// Rule-independent: the STDP simulator's raster and the surrogate layer's spike tensor both
// come here as (step, neuron) events.
#pragma once

#include <cstdint>
#include <vector>

namespace rnnscope::snn {

struct SegmentedSpikes {
  std::vector<double> counts;  // [segments, neurons]
  std::vector<double> traces;  // [segments, neurons]
};

// `step` and `neuron` are the events (steps 0 … steps−1 since the presentation began, in any
// order); events of neurons >= `neurons` are left out. Requires 1 <= segments <= steps, trace_ms > 0.
SegmentedSpikes segment_spikes(const std::vector<int64_t>& step, const std::vector<int32_t>& neuron, int64_t steps,
                               int64_t neurons, int64_t segments, double dt_ms, double trace_ms);

// First step of segment g (g = segments: `steps`).
int64_t segment_start(int64_t steps, int64_t segments, int64_t g);

}  // namespace rnnscope::snn
