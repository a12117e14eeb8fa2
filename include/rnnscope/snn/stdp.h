// Trace-based pair STDP on the E→E synapses (Song, Miller & Abbott 2000; the form of Diehl &
// Cook 2015). Each synapse sees a presynaptic trace x_pre (+1 at every pre spike, decaying with
// τ+) and a postsynaptic trace x_post (+1 at every post spike, decaying with τ−):
//   post spike: w += A+ · x_pre        pre spike: w += A− · x_post   (A− < 0)
// and w is clipped to [w_min, w_max] after each change. Within one step the pre spikes are
// applied before the post spikes, and a neuron's own trace jumps before it is read, so a pre
// and a post spike in the same step potentiate by A+ (Brian2's ordering of on_pre/on_post).
// Homogeneous: one (A±, τ±) for all synapses, traces per neuron. Heterogeneous: A± per synapse
// lognormal around A± and τ± per synapse gamma around τ± (each with its configured CV), traces
// per synapse (a synapse's trace decays with its own τ).
#pragma once

#include "rnnscope/snn/network.h"

#include <cstdint>
#include <vector>

namespace rnnscope::snn {

struct StdpParams {
  double tau_plus_ms = 20, tau_minus_ms = 20;
  double a_plus = 0.01, a_minus = -0.0105;
  double w_min = 0, w_max = 1;
  bool heterogeneous = false;
  double cv_a = 0.5;    // CV of A± across synapses (lognormal), heterogeneous only
  double cv_tau = 0.5;  // CV of τ± across synapses (gamma), heterogeneous only
};

class Stdp {
 public:
  // For the E→E synapses of `ee` (n_excitatory rows); per-synapse parameters drawn from `seed`.
  Stdp(const Csr& ee, int64_t n_excitatory, const StdpParams& params, double dt_ms, uint64_t seed);

  // The excitatory neurons that spiked at `step` (ascending), applied to the weights of `ee`.
  void on_spikes(const std::vector<int32_t>& excitatory_spikes, int64_t step, Csr& ee);

  // Per-synapse parameters, aligned with ee.weight (all equal when homogeneous).
  const std::vector<float>& a_plus() const { return a_plus_; }
  const std::vector<float>& a_minus() const { return a_minus_; }
  const std::vector<float>& tau_plus_ms() const { return tau_plus_; }
  const std::vector<float>& tau_minus_ms() const { return tau_minus_; }

 private:
  // The pre/post trace a synapse sees at `step` (its stored value decayed since the last spike
  // of its pre/post neuron), by the synapse's index into `ee` and its pre/post neuron.
  double pre_trace(int64_t synapse, int32_t pre, int64_t step) const;
  double post_trace(int64_t synapse, int32_t post, int64_t step) const;
  float clip(double w) const;

  StdpParams params_;
  double dt_ms_;
  std::vector<float> a_plus_, a_minus_, tau_plus_, tau_minus_;
  // The synapses into each post neuron: their indices into `ee` and their pre neurons.
  std::vector<int64_t> column_start_;
  std::vector<int64_t> column_synapse_;
  std::vector<int32_t> column_pre_;
  // Trace values just after each neuron's last spike (homogeneous: per neuron; heterogeneous:
  // per synapse) and the step of that spike; exp(−lag·dt/τ) tables for the homogeneous τ±.
  std::vector<double> x_pre_, x_post_;
  std::vector<int64_t> last_pre_, last_post_;
  std::vector<double> decay_plus_, decay_minus_;
};

}  // namespace rnnscope::snn
