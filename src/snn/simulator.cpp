// The LIF network's step loop (include/rnnscope/snn/simulator.h).
#include "rnnscope/snn/simulator.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace rnnscope::snn {
namespace {

// A geometric gap: the number of failures before the next success of chance q, from
// log_miss = log(1 − q) (−inf when q = 1: no gap).
int64_t geometric_gap(Rng& rng, double log_miss) {
  const double gap = std::floor(std::log(1.0 - rng.uniform()) / log_miss);
  return gap < 1e15 ? static_cast<int64_t>(gap) : std::numeric_limits<int64_t>::max() / 2;
}

}  // namespace

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
  refractory_until_.assign(n, -1);

  // The binomial count of background spikes per neuron and step, given at least one.
  const double chance = input.background_rate_hz * dt_ms * 1e-3;
  const auto inputs = input.background_inputs;
  if (inputs > 0 && chance > 0) {
    background_log_miss_ = static_cast<double>(inputs) * std::log1p(-chance);
    const double at_least_one = -std::expm1(background_log_miss_);
    double log_binomial = 0, cumulative = 0;  // log C(inputs, k)
    for (int64_t k = 1; k <= inputs; ++k) {
      log_binomial += std::log(static_cast<double>(inputs - k + 1) / static_cast<double>(k));
      cumulative += std::exp(log_binomial + static_cast<double>(k) * std::log(chance) +
                             static_cast<double>(inputs - k) * std::log1p(-chance)) /
                    at_least_one;
      background_count_cdf_.push_back(cumulative);
      if (cumulative > 1 - 1e-15) break;
    }
    background_count_cdf_.back() = 1.0;  // the rounding of the sum must not leave a gap at the top
    background_next_ = geometric_gap(background_rng_, background_log_miss_);
  } else {
    background_next_ = std::numeric_limits<int64_t>::max();
  }
}

void Simulator::add_background(std::vector<float>& v) {
  const int64_t n = network_.size();
  while (background_next_ < n) {
    const auto i = static_cast<size_t>(background_next_);
    const double u = background_rng_.uniform();
    const auto count = std::upper_bound(background_count_cdf_.begin(), background_count_cdf_.end(), u) -
                       background_count_cdf_.begin() + 1;
    if (step_ > refractory_until_[i]) v[i] += static_cast<float>(static_cast<double>(count) * input_.background_mv);
    background_next_ += 1 + geometric_gap(background_rng_, background_log_miss_);
  }
  if (background_next_ != std::numeric_limits<int64_t>::max()) background_next_ -= n;
}

void Simulator::add_channel_spikes(const float* hz, std::vector<float>& v) {
  const double to_chance = dt_ms_ * 1e-3;
  for (int64_t c = 0; c < channels_.rows(); ++c) {
    if (!channel_rng_.bernoulli(hz[c] * to_chance)) continue;
    for (int64_t s = channels_.row_start[c]; s < channels_.row_start[c + 1]; ++s) {
      const auto j = static_cast<size_t>(channels_.target[static_cast<size_t>(s)]);
      if (step_ > refractory_until_[j]) v[j] += channels_.weight[static_cast<size_t>(s)];
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
        if (step_ > refractory_until_[j]) v[j] += gain * ee.weight[static_cast<size_t>(s)];
      }
    }
    for (int64_t s = fixed.row_start[i]; s < fixed.row_start[i + 1]; ++s) {
      const auto j = static_cast<size_t>(fixed.target[static_cast<size_t>(s)]);
      if (step_ > refractory_until_[j]) v[j] += fixed.weight[static_cast<size_t>(s)];
    }
  }
}

SegmentResult Simulator::run(int64_t steps, const InputRates& rates, const Recording& recording) {
  const auto n = static_cast<size_t>(network_.size());
  const int32_t n_excitatory = static_cast<int32_t>(network_.params.n_excitatory);
  const auto threshold = static_cast<float>(network_.params.v_threshold_mv);
  const auto reset = static_cast<float>(network_.params.v_reset_mv);
  SegmentResult out;
  out.counts.assign(n, 0);
  out.membrane.reserve(static_cast<size_t>(steps) * recording.membrane_ids.size());
  for (int64_t k = 0; k < steps; ++k) {
    spikes_.clear();
    for (size_t i = 0; i < n; ++i) {
      if (step_ <= refractory_until_[i]) continue;
      const float v = v_inf_[i] + (v_[i] - v_inf_[i]) * decay_[i];
      v_[i] = v;
      if (v >= threshold) {
        spikes_.push_back(static_cast<int32_t>(i));
        refractory_until_[i] = step_ + refractory_steps_;
      }
    }
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
