// The recurrent LIF kernel of surrogate-gradient training (src/engine/lif_kernel.h): each
// surrogate's derivative against finite differences of its primitive, the fused kernel
// against its autograd reference twin (spikes or their counts, membranes and every gradient), and a tiny
// network that learns a classification task through it.
#include "engine/lif_kernel.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace rnnscope::rnn;

namespace {

const Surrogate kSurrogates[] = {Surrogate::fast_sigmoid, Surrogate::arctan, Surrogate::triangle};

}  // namespace

TEST(LifSurrogate, DerivativeIsTheSlopeOfItsPrimitive) {
  for (Surrogate s : kSurrogates) {
    const double k = 2.5, h = 1e-6;
    // Away from the triangle's kinks at 0 and ±1/k = ±0.4, where its primitive is not C².
    for (double x : {-1.3, -0.37, -0.21, -0.05, 0.03, 0.17, 0.33, 0.9}) {
      const double fd = (surrogate_primitive(s, x + h, k) - surrogate_primitive(s, x - h, k)) / (2 * h);
      EXPECT_NEAR(surrogate_derivative(s, x, k), fd, 1e-7) << static_cast<int>(s) << " at " << x;
    }
  }
  EXPECT_EQ(surrogate_derivative(Surrogate::triangle, 0.5, 2.5), 0.0);  // compact support
  EXPECT_GT(surrogate_derivative(Surrogate::fast_sigmoid, 5.0, 2.5), 0.0);
}

// Three cases, each for every surrogate: dense real-valued inputs with a loss on every step's
// spikes and membranes; binary spike-train inputs (the event-driven input path skips their
// zeros) with a loss on the spike counts summed from the spikes, whose gradient reaches the
// kernel as [B, N] expanded over T (read through its strides); and the same loss on the counts
// the kernel gives itself (lif_spike_counts, the training's case). N = 45 puts the compact
// surrogate's dot products through their blocks of four vectors, one vector and a scalar tail
// (8 doubles to a vector), and the search for non-zero entries (spikes, σ') through its blocks
// of 16, with and without one, and its tail.
TEST(LifKernel, FusedMatchesTheReferenceTwinInValuesAndGradients) {
  torch::manual_seed(7);
  const int64_t T = 15, B = 3, n_in = 4;
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  enum class Case { dense, summed_spikes, counts };
  Workspace workspace;
  for (const Case which : {Case::dense, Case::summed_spikes, Case::counts}) {
    const bool spike_inputs = which != Case::dense;
    const int64_t N = spike_inputs ? 45 : 7;
    const torch::Tensor inputs0 = spike_inputs ? torch::bernoulli(torch::full({T, B, n_in}, 0.3, f64))
                                               : torch::rand({T, B, n_in}, f64);
    const torch::Tensor w_in0 = (spike_inputs ? 1.5 : 0.8) * torch::randn({N, n_in}, f64),
                        w_rec0 = 0.5 * torch::randn({N, N}, f64);
    const torch::Tensor b0 = 0.1 * torch::randn({N}, f64);
    const torch::Tensor r_s = torch::randn({T, B, N}, f64), r_v = torch::randn({T, B, N}, f64),
                        r_c = torch::randn({B, N}, f64);
    for (Surrogate s : kSurrogates) {
      const LifDynamics dynamics{0.85, 1.0, s, 1.5};
      std::vector<std::vector<torch::Tensor>> grads;
      std::vector<LifSequence> runs;
      std::vector<torch::Tensor> counts;
      for (Engine engine : {Engine::fused, Engine::reference}) {
        auto inputs = inputs0.clone().requires_grad_(), w_in = w_in0.clone().requires_grad_(),
             w_rec = w_rec0.clone().requires_grad_(), b = b0.clone().requires_grad_();
        torch::Tensor loss;
        if (which == Case::counts) {
          const LifCounts out = lif_spike_counts(engine, workspace, inputs, w_in, w_rec, b, dynamics);
          loss = (out.counts * r_c).sum();
          counts.push_back(out.counts);
          // The spikes of the same run, from the other door, for the checks below.
          runs.push_back(lif_sequence(engine, workspace, inputs, w_in, w_rec, b, dynamics));
          EXPECT_TRUE(torch::equal(out.membrane, runs.back().membrane));
        } else {
          runs.push_back(lif_sequence(engine, workspace, inputs, w_in, w_rec, b, dynamics));
          const LifSequence& out = runs.back();
          loss = which == Case::summed_spikes ? (out.spikes.sum(0) * r_c).sum()
                                              : (out.spikes * r_s).sum() + (out.membrane * r_v).sum();
        }
        loss.backward();
        grads.push_back({inputs.grad(), w_in.grad(), w_rec.grad(), b.grad()});
      }
      if (which == Case::counts) {
        EXPECT_TRUE(torch::equal(counts[0], runs[0].spikes.sum(0)));
        EXPECT_TRUE(torch::allclose(counts[0], counts[1], 0, 1e-12));
      }
      const double spikes = runs[0].spikes.sum().item<double>();
      ASSERT_GT(spikes, 0.1 * T * B * N) << "too few spikes to test the recurrence";
      ASSERT_LT(spikes, 0.9 * T * B * N);
      // The twin's spikes are H + f − f (f the primitive): 1 or 0 up to rounding.
      EXPECT_TRUE(torch::equal(runs[0].spikes, (runs[1].membrane > 1.0).to(torch::kFloat64)));
      EXPECT_TRUE(torch::allclose(runs[0].spikes, runs[1].spikes, 0, 1e-12));
      EXPECT_TRUE(torch::allclose(runs[0].membrane, runs[1].membrane, 1e-12, 1e-12));
      if (s == Surrogate::triangle) {
        // Some entries outside the support, so the compact path's skipping is exercised.
        const auto x = (runs[0].membrane - 1.0).abs();
        EXPECT_GT((x >= 1 / 1.5).sum().item<int64_t>(), 0);
        EXPECT_GT((x < 1 / 1.5).sum().item<int64_t>(), 0);
      }
      const char* names[] = {"inputs", "w_in", "w_rec", "b"};
      for (size_t i = 0; i < 4; ++i) {
        EXPECT_TRUE(torch::allclose(grads[0][i], grads[1][i], 1e-10, 1e-10))
            << names[i] << " surrogate " << static_cast<int>(s) << " case " << static_cast<int>(which) << "\n"
            << (grads[0][i] - grads[1][i]).abs().max().item<double>();
      }
    }
  }
}

TEST(LifKernel, LearnsToClassifyPoissonPatternsFromSpikeCounts) {
  // Two classes of Poisson input patterns (half the channels fast for class 0, the other half
  // for class 1); a linear readout of the spike counts, cross-entropy, Adam through the kernel.
  torch::manual_seed(3);
  const int64_t T = 20, B = 32, n_in = 10, N = 16;
  const auto labels = torch::arange(B) % 2;
  auto rates = torch::full({B, n_in}, 0.05);
  rates.index_put_({labels == 0, torch::indexing::Slice(0, n_in / 2)}, 0.4);
  rates.index_put_({labels == 1, torch::indexing::Slice(n_in / 2, n_in)}, 0.4);
  const auto draw = [&] { return torch::bernoulli(rates.unsqueeze(0).expand({T, B, n_in})); };
  auto w_in = (0.3 * torch::randn({N, n_in})).requires_grad_(), w_rec = (0.1 * torch::randn({N, N})).requires_grad_(),
       b = torch::zeros({N}).requires_grad_(), w_out = (0.1 * torch::randn({2, N})).requires_grad_(),
       b_out = torch::zeros({2}).requires_grad_();
  torch::optim::Adam adam({w_in, w_rec, b, w_out, b_out}, torch::optim::AdamOptions(0.02));
  Workspace workspace;
  const LifDynamics dynamics{0.9, 1.0, Surrogate::fast_sigmoid, 5.0};
  const auto accuracy = [&](const torch::Tensor& inputs) {
    torch::NoGradGuard no_grad;
    const auto counts = lif_spike_counts(Engine::fused, workspace, inputs, w_in, w_rec, b, dynamics).counts;
    return (torch::linear(counts, w_out, b_out).argmax(1) == labels).to(torch::kFloat64).mean().item<double>();
  };
  const double untrained = accuracy(draw());
  for (int step = 0; step < 60; ++step) {
    adam.zero_grad();
    const auto counts = lif_spike_counts(Engine::fused, workspace, draw(), w_in, w_rec, b, dynamics).counts;
    torch::nn::functional::cross_entropy(torch::linear(counts, w_out, b_out), labels).backward();
    adam.step();
  }
  EXPECT_LE(untrained, 0.75);
  EXPECT_GE(accuracy(draw()), 0.9);
}

// The fused kernel takes its [T, B, N] membranes (and spikes) from the caller's workspace: a
// buffer is reused once nothing holds it any more, and never while an output of an earlier call
// or a pending backward's saved tensor still does.
TEST(LifKernel, WorkspaceReusesOnlyTheBuffersNobodyHolds) {
  torch::manual_seed(5);
  const int64_t T = 12, B = 2, n_in = 3, N = 20;
  const LifDynamics dynamics{0.9, 1.0, Surrogate::triangle, 2.0};
  const torch::Tensor w_in = torch::randn({N, n_in}), w_rec = 0.3 * torch::randn({N, N}), b = torch::zeros({N});
  const torch::Tensor x1 = torch::bernoulli(torch::full({T, B, n_in}, 0.5)),
                      x2 = torch::bernoulli(torch::full({T, B, n_in}, 0.5));
  Workspace workspace;
  const void* released = lif_spike_counts(Engine::fused, workspace, x1, w_in, w_rec, b, dynamics).membrane.data_ptr();
  const LifCounts held = lif_spike_counts(Engine::fused, workspace, x1, w_in, w_rec, b, dynamics);
  EXPECT_EQ(held.membrane.data_ptr(), released);
  const torch::Tensor kept = held.membrane.clone();
  EXPECT_NE(lif_sequence(Engine::fused, workspace, x2, w_in, w_rec, b, dynamics).membrane.data_ptr(), released);
  EXPECT_TRUE(torch::equal(held.membrane, kept));

  // The gradient of a backward whose saved membranes outlived its outputs, with other calls on
  // the same workspace in between, equals that of a call on a workspace of its own.
  const auto grad_of_w_rec = [&](Workspace& ws, bool interleave) {
    const torch::Tensor w = w_rec.clone().requires_grad_();
    const torch::Tensor loss = lif_spike_counts(Engine::fused, ws, x1, w_in, w, b, dynamics).counts.sum();
    for (int i = 0; interleave && i < 2; ++i) lif_spike_counts(Engine::fused, ws, x2, w_in, w_rec, b, dynamics);
    loss.backward();
    return w.grad();
  };
  Workspace own;
  EXPECT_TRUE(torch::equal(grad_of_w_rec(workspace, true), grad_of_w_rec(own, false)));
}
