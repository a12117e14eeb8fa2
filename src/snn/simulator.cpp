// The LIF network's step loop (include/rnnscope/snn/simulator.h).
#include "rnnscope/snn/simulator.h"

#include "core/vector_clones.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace rnnscope::snn {

Simulator::Simulator(Network network, const InputParams& input, double dt_ms, const std::optional<StdpParams>& stdp,
                     uint64_t seed)
    : network_(std::move(network)),
      input_(input),
      dt_ms_(dt_ms),
      refractory_steps_(std::llround(network_.params.refractory_ms / dt_ms)),
      channels_(random_input_connectivity(input.n_inputs, network_.params.n_excitatory, input.p_input, input.input_mv,
                                          seed)),
      background_rng_(Rng::derive(seed, "snn/background")),
      channel_rng_(Rng::derive(seed, "snn/channels")) {
  const auto& p = network_.params;
  const auto n = static_cast<size_t>(network_.size());
  if (stdp) stdp_.emplace(network_.ee, p.n_excitatory, *stdp, dt_ms, seed);
  plastic_ = stdp_.has_value();

  Rng v_rng = Rng::derive(seed, "snn/v0");
  v_.resize(n);
  for (auto& v : v_) v = static_cast<float>(v_rng.uniform(p.v_reset_mv, p.v_threshold_mv));
  v_inf_.assign(n, static_cast<float>(p.v_rest_mv + p.bias_mv));
  decay_.resize(n);
  for (size_t i = 0; i < n; ++i) decay_[i] = static_cast<float>(std::exp(-dt_ms / network_.tau_m_ms[i]));
  held_.assign(n, 0);

  // The binomial CDF of background spikes per neuron and step, as 32-bit thresholds, up to
  // the count whose tail is below one draw's resolution (2⁻³²).
  const double chance = input.background_rate_hz * dt_ms * 1e-3;
  const auto inputs = input.background_inputs;
  if (inputs > 0 && chance > 0) {
    double log_pmf = static_cast<double>(inputs) * std::log1p(-chance), cumulative = 0;  // P(count = 0)
    for (int64_t k = 0; k < inputs; ++k) {
      cumulative += std::exp(log_pmf);
      const double threshold = std::ldexp(cumulative, 32);
      if (threshold >= 4294967295.0) break;
      background_thresholds_.push_back(static_cast<uint32_t>(threshold));
      log_pmf += std::log(static_cast<double>(inputs - k) / static_cast<double>(k + 1)) + std::log(chance) -
                 std::log1p(-chance);
    }
    background_draws_.resize(n);
    background_counts_.resize(n);
  }
}

namespace {

// membrane[i] += jump · (the number of thresholds at or below draws[i]) where held[i] is 0: each
// neuron's binomial count of background spikes from its uniform 32-bit draw, branch-free. In the
// CPU's widest vectors (vector_clones.h): with baseline SSE this was a third of the 4000-neuron
// simulation.
RNNSCOPE_VECTOR_CLONES void add_binomial_counts(const uint32_t* __restrict__ thresholds, size_t n_thresholds,
                                                const uint32_t* __restrict__ draws, const int32_t* __restrict__ held,
                                                size_t n, float jump, uint32_t* __restrict__ counts,
                                                float* __restrict__ membrane) {
  std::fill(counts, counts + n, 0u);
  for (size_t k = 0; k < n_thresholds; ++k)
    for (size_t i = 0; i < n; ++i) counts[i] += draws[i] >= thresholds[k];
  for (size_t i = 0; i < n; ++i) membrane[i] += static_cast<float>(counts[i] * (held[i] == 0)) * jump;
}

}  // namespace

void Simulator::add_background(std::vector<float>& v) {
  if (background_draws_.empty()) return;
  const size_t n = background_draws_.size();
  for (size_t i = 0; i + 1 < n; i += 2) {
    const uint64_t bits = background_rng_.next_u64();
    background_draws_[i] = static_cast<uint32_t>(bits);
    background_draws_[i + 1] = static_cast<uint32_t>(bits >> 32);
  }
  if (n % 2 == 1) background_draws_[n - 1] = static_cast<uint32_t>(background_rng_.next_u64());
  add_binomial_counts(background_thresholds_.data(), background_thresholds_.size(), background_draws_.data(),
                      held_.data(), n, static_cast<float>(input_.background_mv), background_counts_.data(), v.data());
}

void Simulator::add_channel_spikes(const float* hz, std::vector<float>& v) {
  const double to_chance = dt_ms_ * 1e-3;
  for (int64_t c = 0; c < channels_.rows(); ++c) {
    if (!channel_rng_.bernoulli(hz[c] * to_chance)) continue;
    for (int64_t s = channels_.row_start[c]; s < channels_.row_start[c + 1]; ++s) {
      const auto j = static_cast<size_t>(channels_.target[static_cast<size_t>(s)]);
      if (held_[j] == 0) v[j] += channels_.weight[static_cast<size_t>(s)];
    }
  }
}

void Simulator::propagate(const std::vector<int32_t>& spikes, std::vector<float>& v) {
  const auto gain = static_cast<float>(network_.params.ee_gain_mv);
  const auto& ee = network_.ee;
  const auto& fixed = network_.fixed;
  for (int32_t pre : spikes) {
    const auto i = static_cast<size_t>(pre);
    if (pre < network_.params.n_excitatory) {
      for (int64_t s = ee.row_start[i]; s < ee.row_start[i + 1]; ++s) {
        const auto j = static_cast<size_t>(ee.target[static_cast<size_t>(s)]);
        if (held_[j] == 0) v[j] += gain * ee.weight[static_cast<size_t>(s)];
      }
    }
    for (int64_t s = fixed.row_start[i]; s < fixed.row_start[i + 1]; ++s) {
      const auto j = static_cast<size_t>(fixed.target[static_cast<size_t>(s)]);
      if (held_[j] == 0) v[j] += fixed.weight[static_cast<size_t>(s)];
    }
  }
}

SegmentResult Simulator::run(int64_t steps, const InputRates& rates, const Recording& recording) {
  const auto n = static_cast<size_t>(network_.size());
  const int32_t n_excitatory = static_cast<int32_t>(network_.params.n_excitatory);
  const auto threshold = static_cast<float>(network_.params.v_threshold_mv);
  const auto reset = static_cast<float>(network_.params.v_reset_mv);
  const auto hold = static_cast<int32_t>(refractory_steps_ + 1);
  SegmentResult out;
  out.counts.assign(n, 0);
  out.membrane.reserve(static_cast<size_t>(steps) * recording.membrane_ids.size());
  for (int64_t k = 0; k < steps; ++k) {
    // Exact integration over dt for the neurons not held; a held neuron stays at reset.
    // Local unaliased pointers and a bitwise select between the held and the integrated value,
    // so that the compiler vectorises the loop (a float select may not be if-converted: the
    // integration could raise a floating-point exception the branchy form would not).
    {
      int32_t* __restrict__ hold_left = held_.data();
      float* __restrict__ v = v_.data();
      const float* __restrict__ v_inf = v_inf_.data();
      const float* __restrict__ decay = decay_.data();
      for (size_t i = 0; i < n; ++i) {
        const int32_t held = hold_left[i] - (hold_left[i] > 0);
        hold_left[i] = held;
        const float integrated = v_inf[i] + (v[i] - v_inf[i]) * decay[i];
        uint32_t kept, moved;
        std::memcpy(&kept, &v[i], sizeof kept);
        std::memcpy(&moved, &integrated, sizeof moved);
        const uint32_t keep = 0u - static_cast<uint32_t>(held > 0);  // all ones while held
        const uint32_t bits = (kept & keep) | (moved & ~keep);
        std::memcpy(&v[i], &bits, sizeof bits);
      }
    }
    spikes_.clear();
    for (size_t i = 0; i < n; ++i)
      if (v_[i] >= threshold) spikes_.push_back(static_cast<int32_t>(i));
    // Held through the next refractory_steps steps, and from now: this step's inputs are dropped.
    for (int32_t i : spikes_) held_[static_cast<size_t>(i)] = hold;
    add_background(v_);
    if (rates.rows > 0) {
      const int64_t row = std::min(k / rates.row_steps, rates.rows - 1);
      add_channel_spikes(rates.hz.data() + row * channels_.rows(), v_);
    }
    propagate(spikes_, v_);
    for (int32_t i : spikes_) {
      v_[static_cast<size_t>(i)] = reset;
      ++out.counts[static_cast<size_t>(i)];
    }
    if (recording.raster) {
      out.spike_step.insert(out.spike_step.end(), spikes_.size(), step_);
      out.spike_id.insert(out.spike_id.end(), spikes_.begin(), spikes_.end());
    }
    if (plastic_) {
      // spikes_ is ascending and excitatory neurons come first: they are a prefix.
      excitatory_spikes_.assign(spikes_.begin(),
                                std::lower_bound(spikes_.begin(), spikes_.end(), n_excitatory));
      if (!excitatory_spikes_.empty()) stdp_->on_spikes(excitatory_spikes_, step_, network_.ee);
    }
    for (int32_t id : recording.membrane_ids) out.membrane.push_back(v_[static_cast<size_t>(id)]);
    ++step_;
  }
  return out;
}

}  // namespace rnnscope::snn
