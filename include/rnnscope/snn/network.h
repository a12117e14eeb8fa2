// The recurrent LIF network's structure: its populations (excitatory first, then inhibitory),
// per-neuron membrane time constants and sparse connectivity (CSR, one row per presynaptic
// neuron), drawn once from the parameters and a seed. The dynamics are in simulator.h.
#pragma once

#include <cstdint>
#include <vector>

namespace rnnscope::snn {

// Sparse connectivity, row = presynaptic neuron: the synapses of row i are
// [row_start[i], row_start[i + 1]) in `target` and `weight`, targets ascending.
struct Csr {
  std::vector<int64_t> row_start{0};
  std::vector<int32_t> target;
  std::vector<float> weight;

  int64_t rows() const { return static_cast<int64_t>(row_start.size()) - 1; }
  int64_t synapses() const { return static_cast<int64_t>(target.size()); }
};

struct NetworkParams {
  int64_t n_excitatory = 800;
  int64_t n_inhibitory = 200;
  // Connection probability of each pathway (source→target); no neuron connects to itself.
  double p_ee = 0.1, p_ei = 0.1, p_ie = 0.1, p_ii = 0.1;
  double tau_m_ms = 20;   // mean membrane time constant
  double tau_m_cv = 0;    // its coefficient of variation across neurons (gamma); 0 = homogeneous
  double v_rest_mv = -65, v_reset_mv = -65, v_threshold_mv = -50;
  double bias_mv = 0;     // constant drive R·I: the membrane relaxes to v_rest + bias
  double refractory_ms = 2;
  double w_ee_max_init = 0.5;  // E→E weights start ~ U(0, w_ee_max_init) (dimensionless)
  double ee_gain_mv = 0.5;     // an E→E spike adds w · ee_gain_mv to the target
  double ei_mv = 0.5, ie_mv = -1, ii_mv = -1;  // the fixed pathways' jumps
};

struct Network {
  NetworkParams params;
  std::vector<float> tau_m_ms;  // [n]
  Csr ee;     // E→E, weight = w (plastic, dimensionless), rows 0..n_E−1, targets in 0..n_E−1
  Csr fixed;  // every other pathway, weight in mV, rows 0..n−1, targets in 0..n−1

  int64_t size() const { return params.n_excitatory + params.n_inhibitory; }
};

// Validates `params` (Error naming the `network.` key) and draws the network for `seed`.
Network build_network(const NetworkParams& params, uint64_t seed);

// The input channels' connections: each of n_inputs channels reaches each of the n_targets
// neurons (the excitatory ones, 0..n_targets−1) with probability p, adding weight_mv.
Csr random_input_connectivity(int64_t n_inputs, int64_t n_targets, double p, double weight_mv, uint64_t seed);

}  // namespace rnnscope::snn
