// Pair STDP with lazily decayed traces (include/rnnscope/snn/stdp.h): a trace is stored as its
// value just after its neuron's last spike and decayed to the present only when read, so a
// step without spikes costs nothing.
#include "rnnscope/snn/stdp.h"

#include "rnnscope/core/rng.h"
#include "rnnscope/snn/distributions.h"

#include <algorithm>
#include <cmath>

namespace rnnscope::snn {
namespace {

// exp(−lag·dt/τ) for lags up to where it falls below 1e-12 (beyond: 0).
std::vector<double> decay_table(double tau_ms, double dt_ms) {
  const auto lags = static_cast<size_t>(std::ceil(std::log(1e12) * tau_ms / dt_ms)) + 1;
  std::vector<double> table(lags);
  for (size_t k = 0; k < lags; ++k) table[k] = std::exp(-static_cast<double>(k) * dt_ms / tau_ms);
  return table;
}

// exp(−lag·dt/τ) from a table (0 beyond its end).
double table_decay(const std::vector<double>& table, int64_t lag) {
  return static_cast<size_t>(lag) < table.size() ? table[static_cast<size_t>(lag)] : 0.0;
}

}  // namespace

Stdp::Stdp(const Csr& ee, int64_t n_excitatory, const StdpParams& params, double dt_ms, uint64_t seed)
    : params_(params), dt_ms_(dt_ms) {
  const auto synapses = static_cast<size_t>(ee.synapses());
  Rng rng = Rng::derive(seed, "snn/stdp");
  a_plus_.resize(synapses);
  a_minus_.resize(synapses);
  tau_plus_.resize(synapses);
  tau_minus_.resize(synapses);
  for (size_t s = 0; s < synapses; ++s) {
    const double cv_a = params.heterogeneous ? params.cv_a : 0, cv_tau = params.heterogeneous ? params.cv_tau : 0;
    a_plus_[s] = static_cast<float>(lognormal_draw(rng, params.a_plus, cv_a));
    a_minus_[s] = static_cast<float>(lognormal_draw(rng, params.a_minus, cv_a));
    // A time constant rounding to 0 would divide by 0; such draws (CV >> 1) are redrawn.
    do tau_plus_[s] = static_cast<float>(gamma_draw(rng, params.tau_plus_ms, cv_tau));
    while (!(tau_plus_[s] > 0));
    do tau_minus_[s] = static_cast<float>(gamma_draw(rng, params.tau_minus_ms, cv_tau));
    while (!(tau_minus_[s] > 0));
  }

  column_start_.assign(static_cast<size_t>(n_excitatory) + 1, 0);
  for (int32_t post : ee.target) ++column_start_[static_cast<size_t>(post) + 1];
  for (size_t j = 0; j < static_cast<size_t>(n_excitatory); ++j) column_start_[j + 1] += column_start_[j];
  column_synapse_.resize(synapses);
  column_pre_.resize(synapses);
  std::vector<int64_t> fill(column_start_.begin(), column_start_.end() - 1);
  for (int64_t pre = 0; pre < ee.rows(); ++pre)
    for (int64_t s = ee.row_start[pre]; s < ee.row_start[pre + 1]; ++s) {
      const auto at = static_cast<size_t>(fill[static_cast<size_t>(ee.target[s])]++);
      column_synapse_[at] = s;
      column_pre_[at] = static_cast<int32_t>(pre);
    }

  const size_t traces = params.heterogeneous ? synapses : static_cast<size_t>(n_excitatory);
  x_pre_.assign(traces, 0);
  x_post_.assign(traces, 0);
  last_pre_.assign(static_cast<size_t>(n_excitatory), 0);
  last_post_.assign(static_cast<size_t>(n_excitatory), 0);
  if (!params.heterogeneous) {
    decay_plus_ = decay_table(params.tau_plus_ms, dt_ms);
    decay_minus_ = decay_table(params.tau_minus_ms, dt_ms);
  }
}

double Stdp::pre_trace(int64_t synapse, int32_t pre, int64_t step) const {
  const int64_t lag = step - last_pre_[static_cast<size_t>(pre)];
  if (!params_.heterogeneous) return x_pre_[static_cast<size_t>(pre)] * table_decay(decay_plus_, lag);
  const auto s = static_cast<size_t>(synapse);
  return x_pre_[s] * std::exp(-static_cast<double>(lag) * dt_ms_ / tau_plus_[s]);
}

double Stdp::post_trace(int64_t synapse, int32_t post, int64_t step) const {
  const int64_t lag = step - last_post_[static_cast<size_t>(post)];
  if (!params_.heterogeneous) return x_post_[static_cast<size_t>(post)] * table_decay(decay_minus_, lag);
  const auto s = static_cast<size_t>(synapse);
  return x_post_[s] * std::exp(-static_cast<double>(lag) * dt_ms_ / tau_minus_[s]);
}

float Stdp::clip(double w) const { return static_cast<float>(std::clamp(w, params_.w_min, params_.w_max)); }

void Stdp::on_spikes(const std::vector<int32_t>& excitatory_spikes, int64_t step, Csr& ee) {
  // Pre spikes: the pre trace jumps, then each outgoing synapse is depressed by its post trace.
  // (Homogeneous traces are per neuron, so the synapse index passed with them is unused.)
  for (int32_t pre : excitatory_spikes) {
    const auto i = static_cast<size_t>(pre);
    if (!params_.heterogeneous) x_pre_[i] = pre_trace(-1, pre, step) + 1.0;
    for (int64_t s = ee.row_start[i]; s < ee.row_start[i + 1]; ++s) {
      const auto at = static_cast<size_t>(s);
      if (params_.heterogeneous) x_pre_[at] = pre_trace(s, pre, step) + 1.0;
      ee.weight[at] = clip(ee.weight[at] + a_minus_[at] * post_trace(s, ee.target[at], step));
    }
    last_pre_[i] = step;
  }
  // Post spikes: the post trace jumps, then each incoming synapse is potentiated by its pre trace.
  for (int32_t post : excitatory_spikes) {
    const auto j = static_cast<size_t>(post);
    if (!params_.heterogeneous) x_post_[j] = post_trace(-1, post, step) + 1.0;
    for (int64_t c = column_start_[j]; c < column_start_[j + 1]; ++c) {
      const auto s = static_cast<size_t>(column_synapse_[static_cast<size_t>(c)]);
      if (params_.heterogeneous) x_post_[s] = post_trace(column_synapse_[static_cast<size_t>(c)], post, step) + 1.0;
      ee.weight[s] = clip(ee.weight[s] + a_plus_[s] * pre_trace(column_synapse_[static_cast<size_t>(c)],
                                                                   column_pre_[static_cast<size_t>(c)], step));
    }
    last_post_[j] = step;
  }
}

}  // namespace rnnscope::snn
