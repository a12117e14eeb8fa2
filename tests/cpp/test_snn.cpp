// The spiking network (src/snn): the membrane against its closed form, refractoriness, the
// background input's statistics, connection probabilities of the CSR, pair STDP against its
// closed form (homogeneous and heterogeneous), the heterogeneous parameters' distributions,
// determinism under a seed, and config errors.
#include "rnnscope/snn/config.h"
#include "rnnscope/snn/distributions.h"
#include "rnnscope/snn/network.h"
#include "rnnscope/snn/segments.h"
#include "rnnscope/snn/simulator.h"
#include "rnnscope/snn/stdp.h"

#include "test_errors.h"

#include <gtest/gtest.h>

#include <cmath>

namespace rnnscope::snn {
namespace {

// Unconnected neurons without background: each relaxes alone towards v_rest + bias.
NetworkParams isolated(int64_t n, double bias_mv) {
  NetworkParams p;
  p.n_excitatory = n;
  p.n_inhibitory = 0;
  p.p_ee = p.p_ei = p.p_ie = p.p_ii = 0;
  p.bias_mv = bias_mv;
  return p;
}

InputParams silent() {
  InputParams in;
  in.background_inputs = 0;
  return in;
}

double mean(const std::vector<double>& x) {
  double s = 0;
  for (double v : x) s += v;
  return s / static_cast<double>(x.size());
}

double cv(const std::vector<double>& x) {
  const double m = mean(x);
  double s = 0;
  for (double v : x) s += (v - m) * (v - m);
  return std::sqrt(s / static_cast<double>(x.size())) / std::abs(m);
}

TEST(SnnMembrane, FollowsTheExactSolutionForConstantInput) {
  // τ_m per neuron from a gamma (CV 0.3): each relaxes to v∞ = −65 + 10 = −55 mV (below the
  // threshold) with its own τ: v_k − v∞ = (v_1 − v∞)·exp(−(k − 1)·dt/τ_i).
  NetworkParams p = isolated(4, 10);
  p.tau_m_cv = 0.3;
  Simulator sim(build_network(p, 3), silent(), 0.1, std::nullopt, 3);
  Recording rec;
  rec.membrane_ids = {0, 1, 2, 3};
  const int64_t steps = 2000;
  const SegmentResult r = sim.run(steps, {}, rec);
  for (size_t i = 0; i < 4; ++i) {
    const double tau = sim.network().tau_m_ms[i];
    const double first = r.membrane[i] - (-55.0);
    for (int64_t k = 0; k < steps; k += 97) {
      const double expected = -55.0 + first * std::exp(-static_cast<double>(k) * 0.1 / tau);
      EXPECT_NEAR(r.membrane[static_cast<size_t>(k) * 4 + i], expected, 2e-4) << "neuron " << i << " step " << k;
    }
  }
  EXPECT_EQ(r.counts, std::vector<int32_t>(4, 0));
}

TEST(SnnMembrane, SpikesPeriodicallyWithTheRefractoryPeriodAndTheClosedFormChargingTime) {
  // v∞ = −45 mV above the threshold −50: from reset −65, the membrane takes
  // m = ⌈τ/dt · ln((v∞ − v_reset)/(v∞ − θ))⌉ = ⌈200·ln 4⌉ = 278 steps; held for 2 ms = 20 steps.
  Simulator sim(build_network(isolated(1, 20), 1), silent(), 0.1, std::nullopt, 1);
  Recording rec;
  rec.raster = true;
  rec.membrane_ids = {0};
  const SegmentResult r = sim.run(3000, {}, rec);
  ASSERT_GE(r.spike_step.size(), 5u);
  const int64_t charge = static_cast<int64_t>(std::ceil(200 * std::log(4.0)));
  for (size_t k = 1; k < r.spike_step.size(); ++k) EXPECT_EQ(r.spike_step[k] - r.spike_step[k - 1], 20 + charge);
  for (int64_t held = 0; held <= 20; ++held)
    EXPECT_EQ(r.membrane[static_cast<size_t>(r.spike_step[1] + held)], -65.0f) << held;
  EXPECT_GT(r.membrane[static_cast<size_t>(r.spike_step[1] + 21)], -65.0f);
}

TEST(SnnMembrane, DropsInputsWhileRefractory) {
  // Strong background (each step several jumps of 5 mV) keeps the neuron spiking, but the 20
  // steps after each spike stay at reset.
  InputParams in;
  in.background_inputs = 100;
  in.background_rate_hz = 500;
  in.background_mv = 5;
  Simulator sim(build_network(isolated(1, 0), 2), in, 0.1, std::nullopt, 2);
  Recording rec;
  rec.raster = true;
  rec.membrane_ids = {0};
  const SegmentResult r = sim.run(2000, {}, rec);
  ASSERT_GE(r.spike_step.size(), 10u);
  for (size_t k = 0; k + 1 < r.spike_step.size(); ++k) {
    EXPECT_GE(r.spike_step[k + 1] - r.spike_step[k], 21);
    for (int64_t held = 0; held <= 20 && r.spike_step[k] + held < 2000; ++held)
      EXPECT_EQ(r.membrane[static_cast<size_t>(r.spike_step[k] + held)], -65.0f);
  }
}

TEST(SnnInput, BackgroundSpikesAreBinomialPerStep) {
  // A membrane that neither leaks (τ huge: its decay factor is 1 in float) nor fires (the
  // threshold far away) counts its background jumps of 1 mV exactly: from step 1 to step T the
  // total over neurons is (T − 1)·neurons·n·p in expectation, variance (T − 1)·neurons·n·p(1 − p).
  NetworkParams p = isolated(200, 0);
  p.tau_m_ms = 1e12;
  p.v_rest_mv = p.v_reset_mv = 0;
  p.v_threshold_mv = 1e6;
  InputParams in;  // 100 inputs at 15 Hz, dt 0.1 ms: p = 0.0015
  in.background_mv = 1;
  Simulator sim(build_network(p, 4), in, 0.1, std::nullopt, 4);
  Recording rec;
  for (int32_t i = 0; i < 200; ++i) rec.membrane_ids.push_back(i);
  const int64_t steps = 5000;
  const SegmentResult r = sim.run(steps, {}, rec);
  ASSERT_EQ(r.counts, std::vector<int32_t>(200, 0));
  double total = 0;
  for (size_t i = 0; i < 200; ++i) total += r.membrane[(steps - 1) * 200 + i] - r.membrane[i];
  const double expected = 200.0 * (steps - 1) * 100 * 0.0015, sd = std::sqrt(expected * (1 - 0.0015));
  EXPECT_NEAR(total, expected, 5 * sd);
}

TEST(SnnNetwork, ConnectsEachPathwayWithItsProbability) {
  NetworkParams p;
  p.n_excitatory = 400;
  p.n_inhibitory = 100;
  p.p_ee = 0.1, p.p_ei = 0.2, p.p_ie = 0.3, p.p_ii = 0.05;
  const Network net = build_network(p, 11);
  int64_t ei = 0, ie = 0, ii = 0;
  for (int64_t pre = 0; pre < net.fixed.rows(); ++pre)
    for (int64_t s = net.fixed.row_start[pre]; s < net.fixed.row_start[pre + 1]; ++s) {
      const int32_t post = net.fixed.target[s];
      EXPECT_NE(post, pre);
      const bool e_pre = pre < 400, e_post = post < 400;
      EXPECT_FALSE(e_pre && e_post) << "E→E belongs in the plastic CSR";
      if (e_pre) ++ei;
      if (!e_pre && e_post) ++ie;
      if (!e_pre && !e_post) ++ii;
    }
  for (int64_t pre = 0; pre < net.ee.rows(); ++pre) {
    for (int64_t s = net.ee.row_start[pre]; s < net.ee.row_start[pre + 1]; ++s) {
      EXPECT_NE(net.ee.target[s], pre);
      if (s > net.ee.row_start[pre]) {
        EXPECT_LT(net.ee.target[s - 1], net.ee.target[s]);
      }
      EXPECT_GE(net.ee.weight[s], 0.0f);
      EXPECT_LT(net.ee.weight[s], 0.5f);
    }
  }
  const int64_t ee = net.ee.synapses();
  auto expect_count = [](int64_t count, double pairs, double prob, const char* what) {
    const double expected = pairs * prob, sd = std::sqrt(pairs * prob * (1 - prob));
    EXPECT_NEAR(static_cast<double>(count), expected, 5 * sd) << what;
  };
  expect_count(ee, 400.0 * 399, 0.1, "E→E");
  expect_count(ei, 400.0 * 100, 0.2, "E→I");
  expect_count(ie, 100.0 * 400, 0.3, "I→E");
  expect_count(ii, 100.0 * 99, 0.05, "I→I");
}

TEST(SnnDistributions, HaveTheirMeanAndCv) {
  // 40000 draws: the sample mean is within ~4 standard errors (CV/√n = 0.25%) of the mean and
  // the sample CV within a few percent of the configured one.
  for (double c : {0.2, 0.5, 1.5}) {
    Rng rng(7);
    std::vector<double> g(40000), l(40000);
    for (auto& v : g) v = gamma_draw(rng, 20, c);
    for (auto& v : l) v = lognormal_draw(rng, -0.0105, c);
    EXPECT_NEAR(mean(g), 20, 20 * 4 * c / 200) << c;
    EXPECT_NEAR(cv(g), c, 0.05 * c) << c;
    EXPECT_NEAR(mean(l), -0.0105, 0.0105 * 6 * c / 200) << c;
    EXPECT_NEAR(cv(l), c, 0.1 * c) << c;
    for (double v : l) ASSERT_LT(v, 0);
    for (double v : g) ASSERT_GT(v, 0);
  }
}

TEST(SnnDistributions, HeterogeneousParametersFollowTheirDistributions) {
  NetworkParams p = isolated(20000, 0);
  p.tau_m_cv = 0.4;
  const Network net = build_network(p, 5);
  const std::vector<double> tau(net.tau_m_ms.begin(), net.tau_m_ms.end());
  EXPECT_NEAR(mean(tau), 20, 0.02 * 20);
  EXPECT_NEAR(cv(tau), 0.4, 0.02);

  NetworkParams dense = isolated(150, 0);
  dense.p_ee = 1;
  const Network all = build_network(dense, 5);
  ASSERT_EQ(all.ee.synapses(), 150 * 149);
  StdpParams sp;
  sp.heterogeneous = true;
  sp.cv_a = 0.3;
  sp.cv_tau = 0.6;
  const Stdp stdp(all.ee, 150, sp, 0.1, 5);
  auto doubles = [](const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); };
  EXPECT_NEAR(mean(doubles(stdp.a_plus())), 0.01, 0.01 * 0.02);
  EXPECT_NEAR(cv(doubles(stdp.a_plus())), 0.3, 0.02);
  EXPECT_NEAR(mean(doubles(stdp.a_minus())), -0.0105, 0.0105 * 0.02);
  EXPECT_NEAR(mean(doubles(stdp.tau_minus_ms())), 20, 20 * 0.03);
  EXPECT_NEAR(cv(doubles(stdp.tau_plus_ms())), 0.6, 0.04);
}

// One E→E synapse 0 → 1 with weight w.
Csr one_synapse(float w) {
  Csr csr;
  csr.row_start = {0, 1, 1};
  csr.target = {1};
  csr.weight = {w};
  return csr;
}

// The weight after a pre spike at step `pre` and a post spike at step `post`.
double pair_change(int64_t pre, int64_t post, const StdpParams& params, Stdp* inspect = nullptr) {
  Csr csr = one_synapse(0.5f);
  Stdp stdp(csr, 2, params, 0.1, 9);
  if (inspect) *inspect = stdp;
  if (pre == post) {
    stdp.on_spikes({0, 1}, pre, csr);
  } else {
    stdp.on_spikes({pre < post ? 0 : 1}, std::min(pre, post), csr);
    stdp.on_spikes({pre < post ? 1 : 0}, std::max(pre, post), csr);
  }
  return csr.weight[0] - 0.5;
}

TEST(SnnStdp, PairChangeEqualsTheClosedForm) {
  const StdpParams hom;  // τ± = 20 ms, A+ = 0.01, A− = −0.0105
  for (int64_t lag : {1, 50, 200, 700}) {
    const double dt_ms = 0.1 * static_cast<double>(lag);
    EXPECT_NEAR(pair_change(1000, 1000 + lag, hom), 0.01 * std::exp(-dt_ms / 20), 1e-7) << "pre first, Δt " << dt_ms;
    EXPECT_NEAR(pair_change(1000 + lag, 1000, hom), -0.0105 * std::exp(-dt_ms / 20), 1e-7) << "post first";
  }
  EXPECT_NEAR(pair_change(1000, 1000, hom), 0.01, 1e-7);  // same step: pre before post

  StdpParams het = hom;
  het.heterogeneous = true;
  Csr csr = one_synapse(0.5f);
  const Stdp drawn(csr, 2, het, 0.1, 9);
  const double a_plus = drawn.a_plus()[0], a_minus = drawn.a_minus()[0];
  const double tau_plus = drawn.tau_plus_ms()[0], tau_minus = drawn.tau_minus_ms()[0];
  ASSERT_NE(a_plus, 0.01);
  ASSERT_NE(tau_plus, 20.0f);
  for (int64_t lag : {3, 150}) {
    const double dt_ms = 0.1 * static_cast<double>(lag);
    EXPECT_NEAR(pair_change(10, 10 + lag, het), a_plus * std::exp(-dt_ms / tau_plus), 1e-7);
    EXPECT_NEAR(pair_change(10 + lag, 10, het), a_minus * std::exp(-dt_ms / tau_minus), 1e-7);
  }
}

TEST(SnnStdp, TracesAddUpAndWeightsStayInBounds) {
  // Two pre spikes 10 ms apart, then a post spike 5 ms later: A+·(e^{−15/20} + e^{−5/20}).
  StdpParams p;
  Csr csr = one_synapse(0.5f);
  Stdp stdp(csr, 2, p, 0.1, 1);
  stdp.on_spikes({0}, 0, csr);
  stdp.on_spikes({0}, 100, csr);
  stdp.on_spikes({1}, 150, csr);
  EXPECT_NEAR(csr.weight[0] - 0.5, 0.01 * (std::exp(-0.75) + std::exp(-0.25)), 1e-7);

  p.a_plus = 0.4;
  Csr high = one_synapse(0.9f);
  Stdp clipped(high, 2, p, 0.1, 1);
  clipped.on_spikes({0, 1}, 0, high);
  EXPECT_EQ(high.weight[0], 1.0f);
}

SnnConfig small_config(const std::vector<std::string>& overrides) {
  Json raw = {{"network", {{"n_excitatory", 160}, {"n_inhibitory", 40}}}, {"stdp", {{"rule", "het_stdp"}}}};
  return resolve_snn_config(raw, overrides, "test", "override");
}

std::pair<SegmentResult, std::vector<float>> run_small(uint64_t seed) {
  const SnnConfig c = small_config({"seed=" + std::to_string(seed), "network.tau_m_cv=0.2"});
  Simulator sim(build_network(c.network, c.seed), c.input, c.simulation.dt_ms, c.stdp, c.seed);
  Recording rec;
  rec.raster = true;
  SegmentResult r = sim.run(1500, {}, rec);
  // Cut in two segments, the run is the same as in one.
  const SegmentResult more = sim.run(1500, {}, rec);
  r.spike_step.insert(r.spike_step.end(), more.spike_step.begin(), more.spike_step.end());
  r.spike_id.insert(r.spike_id.end(), more.spike_id.begin(), more.spike_id.end());
  return {r, sim.network().ee.weight};
}

TEST(SnnSimulator, IsDeterministicUnderASeed) {
  const auto [a, wa] = run_small(3);
  const auto [b, wb] = run_small(3);
  const auto [c, wc] = run_small(4);
  ASSERT_GT(a.spike_id.size(), 50u);
  EXPECT_EQ(a.spike_step, b.spike_step);
  EXPECT_EQ(a.spike_id, b.spike_id);
  EXPECT_EQ(wa, wb);
  EXPECT_NE(a.spike_id, c.spike_id);

  const SnnConfig conf = small_config({"seed=3", "network.tau_m_cv=0.2"});
  Simulator whole(build_network(conf.network, conf.seed), conf.input, conf.simulation.dt_ms, conf.stdp, conf.seed);
  Recording rec;
  rec.raster = true;
  const SegmentResult once = whole.run(3000, {}, rec);
  EXPECT_EQ(once.spike_step, a.spike_step);
  EXPECT_EQ(whole.network().ee.weight, wa);
}

TEST(SnnSegments, CountAndFilterEachSegmentsSpikes) {
  // 10 steps of 2 ms in 3 segments [0, 3), [3, 6), [6, 10); τ = 4 ms. Neuron 1 spikes at steps
  // 1 and 7, neuron 0 at step 5; neuron 2 (left out: neurons = 2) at step 0.
  const SegmentedSpikes s = segment_spikes({7, 1, 5, 0}, {1, 1, 0, 2}, 10, 2, 3, 2.0, 4.0);
  EXPECT_EQ(s.counts, (std::vector<double>{0, 1, 1, 0, 0, 1}));
  // Each segment's trace at its last step (2, 5, 9): Σ exp(−(last − spike)·2 / 4).
  const std::vector<double> expected{0, std::exp(-0.5), 1, std::exp(-2.0), std::exp(-2.0), std::exp(-4.0) + std::exp(-1.0)};
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(s.traces[i], expected[i], 1e-12) << i;
  EXPECT_EQ(segment_start(10, 3, 2), 6);
  EXPECT_EQ(segment_start(10, 3, 3), 10);
  EXPECT_NE(testing::error_of([] { segment_spikes({}, {}, 10, 2, 11, 2.0, 4.0); }).find("segments must be in [1, 10]"),
            std::string::npos);
}

TEST(SnnConfig, BadConfigsGiveOneLineNamingTheKey) {
  using testing::error_of;
  EXPECT_NE(error_of([] { small_config({"network.n_excitatory=0"}); }).find("n_excitatory"), std::string::npos);
  EXPECT_NE(error_of([] { small_config({"network.v_reset_mv=-40"}); }).find("v_reset_mv must be below v_threshold_mv"),
            std::string::npos);
  EXPECT_NE(error_of([] { small_config({"stdp.rule=\"oja\""}); }).find("hom_stdp"), std::string::npos);
  EXPECT_NE(error_of([] { small_config({"surrogate.function=\"boxcar\""}); }).find("fast_sigmoid, arctan, triangle"),
            std::string::npos);
  EXPECT_NE(error_of([] { small_config({"stdp.rule=\"surrogate\"", "surrogate.dt_ms=200"}); })
                .find("sample_ms must be at least [surrogate] dt_ms"),
            std::string::npos);
  EXPECT_EQ(error_of([] { small_config({"surrogate.dt_ms=200"}); }), "");  // only the surrogate rule uses it
  EXPECT_NE(error_of([] { small_config({"stdp.a_minus=0.1"}); }).find("a_minus"), std::string::npos);
  EXPECT_NE(error_of([] { small_config({"networks.p_ee=0.1"}); }).find("allowed: seed, [network]"), std::string::npos);
  EXPECT_NE(error_of([] { small_config({"network.p_ee=1.5"}); }).find("p_ee"), std::string::npos);
  EXPECT_NE(error_of([] { small_config({"input.background_rate_hz=20000"}); }).find("one spike per step"),
            std::string::npos);
  const std::string unknown = error_of([] { small_config({"network.tau=3"}); });
  EXPECT_NE(unknown.find("tau_m_ms"), std::string::npos) << unknown;
  EXPECT_EQ(unknown.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace rnnscope::snn
