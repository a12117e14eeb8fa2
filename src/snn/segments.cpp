// Spike counts and filtered traces per time segment (include/rnnscope/snn/segments.h).
#include "rnnscope/snn/segments.h"

#include "rnnscope/core/error.h"

#include <cmath>
#include <string>

namespace rnnscope::snn {

int64_t segment_start(int64_t steps, int64_t segments, int64_t g) {
  return g == segments ? steps : g * (steps / segments);
}

SegmentedSpikes segment_spikes(const std::vector<int64_t>& step, const std::vector<int32_t>& neuron, int64_t steps,
                               int64_t neurons, int64_t segments, double dt_ms, double trace_ms) {
  require(segments >= 1 && segments <= steps, "segments must be in [1, " + std::to_string(steps) +
                                                  "] (the steps of a presentation), got " + std::to_string(segments));
  require(trace_ms > 0, "the traces' time constant must be > 0 ms, got " + std::to_string(trace_ms));
  const auto cells = static_cast<size_t>(segments * neurons);
  SegmentedSpikes out{std::vector<double>(cells, 0.0), std::vector<double>(cells, 0.0)};
  for (size_t k = 0; k < step.size(); ++k) {
    const int64_t s = step[k], i = neuron[k];
    require(s >= 0 && s < steps, "a spike at step " + std::to_string(s) + " outside the presentation's " +
                                     std::to_string(steps) + " steps");
    if (i < 0 || i >= neurons) continue;
    // Its segment counts it; it adds to the trace of its own and every later segment's end.
    int64_t g = std::min(s / (steps / segments), segments - 1);
    out.counts[static_cast<size_t>(g * neurons + i)] += 1;
    for (; g < segments; ++g) {
      const int64_t last = segment_start(steps, segments, g + 1) - 1;
      out.traces[static_cast<size_t>(g * neurons + i)] += std::exp(-static_cast<double>(last - s) * dt_ms / trace_ms);
    }
  }
  return out;
}

}  // namespace rnnscope::snn
