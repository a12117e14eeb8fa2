// Drawing the network: membrane time constants and CSR connectivity
// (include/rnnscope/snn/network.h).
#include "rnnscope/snn/network.h"

#include "rnnscope/core/rng.h"
#include "rnnscope/snn/distributions.h"

#include <cmath>
#include <limits>

namespace rnnscope::snn {
namespace {

// Appends to the open row the targets post_offset + j, j in [0, n_post), each with probability
// p, skipping `self` (a neuron's own index: no autapses). Geometric skips draw one number per
// synapse instead of one per pair.
void append_targets(Csr& csr, int64_t n_post, int64_t post_offset, double p, float weight, int64_t self, Rng& rng) {
  if (p <= 0 || n_post <= 0) return;
  const double log_q = std::log1p(-p);  // −inf at p = 1: every gap is 0
  int64_t j = -1;
  for (;;) {
    const double gap = p >= 1 ? 0.0 : std::floor(std::log(1.0 - rng.uniform()) / log_q);
    if (gap >= static_cast<double>(n_post - j - 1)) return;
    j += 1 + static_cast<int64_t>(gap);
    if (post_offset + j == self) continue;
    csr.target.push_back(static_cast<int32_t>(post_offset + j));
    csr.weight.push_back(weight);
  }
}

void close_row(Csr& csr) { csr.row_start.push_back(csr.synapses()); }

}  // namespace

Network build_network(const NetworkParams& params, uint64_t seed) {
  Network net;
  net.params = params;
  const int64_t ne = params.n_excitatory, ni = params.n_inhibitory, n = ne + ni;

  Rng tau_rng = Rng::derive(seed, "snn/tau_m");
  net.tau_m_ms.resize(static_cast<size_t>(n));
  for (auto& tau : net.tau_m_ms) {
    // A draw that rounds to 0 in float would make the neuron's decay undefined; gamma draws
    // that small (CV >> 1) are redrawn.
    do tau = static_cast<float>(gamma_draw(tau_rng, params.tau_m_ms, params.tau_m_cv));
    while (!(tau > 0));
  }

  Rng ee_rng = Rng::derive(seed, "snn/ee");
  Rng w_rng = Rng::derive(seed, "snn/w_ee");
  for (int64_t i = 0; i < ne; ++i) {
    append_targets(net.ee, ne, 0, params.p_ee, 0.0f, i, ee_rng);
    close_row(net.ee);
  }
  for (auto& w : net.ee.weight) w = static_cast<float>(w_rng.uniform(0, params.w_ee_max_init));

  Rng fixed_rng = Rng::derive(seed, "snn/fixed");
  for (int64_t i = 0; i < n; ++i) {
    if (i < ne) {
      append_targets(net.fixed, ni, ne, params.p_ei, static_cast<float>(params.ei_mv), i, fixed_rng);
    } else {
      append_targets(net.fixed, ne, 0, params.p_ie, static_cast<float>(params.ie_mv), i, fixed_rng);
      append_targets(net.fixed, ni, ne, params.p_ii, static_cast<float>(params.ii_mv), i, fixed_rng);
    }
    close_row(net.fixed);
  }
  return net;
}

Csr random_input_connectivity(int64_t n_inputs, int64_t n_targets, double p, double weight_mv, uint64_t seed) {
  Csr csr;
  Rng rng = Rng::derive(seed, "snn/input");
  for (int64_t c = 0; c < n_inputs; ++c) {
    append_targets(csr, n_targets, 0, p, static_cast<float>(weight_mv), -1, rng);
    close_row(csr);
  }
  return csr;
}

}  // namespace rnnscope::snn
