// The low-tensor-rank RNN: its fused kernel against the reference twin and finite
// differences, the model's structure (state in the span of A, orthonormal readout, factors
// round trip), and the recordings' validation, cross-validation blocks and PCA reference.
#include "engine/engine_internal.h"
#include "models/ltr_internal.h"
#include "training/loss_internal.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/hdf5_io.h"
#include "rnnscope/decomp/recordings.h"
#include "rnnscope/requests/rank_list.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>

namespace fs = std::filesystem;
using namespace rnnscope;

namespace {

struct LtrCase {
  int64_t trials, steps, units, rank, inputs, conditions, substeps;
};

std::shared_ptr<rnn::LtrRnn> make_ltr(const LtrCase& c, rnn::Engine engine, torch::Dtype dtype, uint64_t seed) {
  rnn::LtrOptions o;
  o.units = c.units;
  o.rank = c.rank;
  o.trials = c.trials;
  o.neurons = 5;
  o.inputs = c.inputs;
  o.conditions = c.conditions;
  o.substeps = c.substeps;
  o.alpha = 0.3;
  o.engine = engine;
  o.gp_length_trials = 3;
  std::vector<int64_t> condition;
  for (int64_t k = 0; k < c.trials; ++k) condition.push_back(k % c.conditions);
  auto model = std::make_shared<rnn::LtrRnn>(o, condition, seed);
  model->to(dtype);
  torch::NoGradGuard no_grad;
  // Trial factors away from their initial constant, so that every trial differs.
  auto gen = rnn::torch_generator(seed, "ltr-test");
  model->named_parameters()["z"].copy_(at::randn({c.trials, c.rank}, gen, torch::TensorOptions().dtype(dtype)) * 5);
  model->named_parameters()["p_b"].copy_(at::randn({c.rank}, gen, torch::TensorOptions().dtype(dtype)));
  // Gain and offset away from 1 and 0, so that the fused readout's use of each shows.
  model->named_parameters()["gain"].copy_(1 + 0.5 * at::randn({5}, gen, torch::TensorOptions().dtype(dtype)));
  model->named_parameters()["offset"].copy_(at::randn({5}, gen, torch::TensorOptions().dtype(dtype)));
  return model;
}

// Max abs difference over b's largest entry, floored at 1e-4: a gradient that is zero
// analytically (B̂ of a single unit) is rounding noise on both sides and has no scale of its own.
double relative_difference(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>() / std::max(1e-4, b.abs().max().item<double>());
}

std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() / ("rnnscope_test_ltr_" + name + "_" + std::to_string(::getpid()))).string();
}

const std::vector<LtrCase> kCases = {
    {1, 2, 1, 1, 0, 1, 1}, {6, 9, 7, 2, 3, 2, 1}, {5, 4, 12, 3, 0, 1, 3}, {3, 15, 4, 4, 1, 3, 2}, {40, 30, 20, 5, 2, 4, 1},
};

}  // namespace

// The fused kernel (recurrence, readout with gain and offset, state penalty sum) and every
// parameter gradient equal the autograd reference's, under a loss that uses each of its outputs
// (the fit's own masked MSE and penalty, plus direct uses of the states and rates).
TEST(LtrEngine, FusedEqualsReference) {
  for (const auto dtype : {torch::kFloat32, torch::kFloat64}) {
    const double tolerance = dtype == torch::kFloat64 ? 1e-10 : 2e-5;
    for (size_t i = 0; i < kCases.size(); ++i) {
      const LtrCase& c = kCases[i];
      auto fused = make_ltr(c, rnn::Engine::fused, dtype, 11 + i);
      auto reference = make_ltr(c, rnn::Engine::reference, dtype, 11 + i);
      auto gen = rnn::torch_generator(5 + i, "inputs");
      const auto opts = torch::TensorOptions().dtype(dtype);
      const auto inputs = at::randn({c.steps, c.trials, c.inputs}, gen, opts);
      const auto targets = at::randn({c.steps, c.trials, 5}, gen, opts);
      const auto mask = (at::rand({c.steps, c.trials, 5}, gen, opts) > 0.3).to(dtype);
      auto loss_of = [&](rnn::LtrRnn& m, bool fused_loss) {
        const auto out = m.run(inputs, {});
        auto loss = (fused_loss ? rnn::masked_squared_error(out.outputs, targets, mask)
                                : rnn::masked_squared_error_reference(out.outputs, targets, mask)) +
                    0.1 * out.states.pow(2).mean() + 0.05 * out.rates.pow(2).mean() +
                    0.02 * out.state_sq_sum / double(out.states.numel());
        m.zero_grad();
        loss.backward();
        return out;
      };
      const auto out_f = loss_of(*fused, true);
      const auto out_r = loss_of(*reference, false);
      const std::string where = "case " + std::to_string(i) + (dtype == torch::kFloat64 ? " f64" : " f32");
      EXPECT_LE(relative_difference(out_f.states, out_r.states), tolerance) << where;
      EXPECT_LE(relative_difference(out_f.outputs, out_r.outputs), tolerance) << where;
      EXPECT_LE(relative_difference(out_f.state_sq_sum, out_r.state_sq_sum), tolerance) << where;
      EXPECT_LE(relative_difference(out_f.state_sq_sum, out_r.states.pow(2).sum()), tolerance) << where;
      const auto ref = reference->named_parameters();
      for (const auto& p : fused->named_parameters()) {
        if (!p.value().requires_grad() || p.value().numel() == 0) continue;
        ASSERT_TRUE(p.value().grad().defined()) << where << " " << p.key();
        EXPECT_LE(relative_difference(p.value().grad(), ref[p.key()].grad()), tolerance) << where << " d/d" << p.key();
      }
    }
  }
}

// d(loss)/d(θ) of the fused model equals central finite differences for every parameter, with
// every output of the kernel in the loss (readout, states, rates, the state penalty sum), with
// and without substeps (recorded steps every 2nd step or every step).
void check_finite_differences(const LtrCase& c) {
  auto model = make_ltr(c, rnn::Engine::fused, torch::kFloat64, 3);
  auto gen = rnn::torch_generator(9, "inputs");
  const auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  const auto inputs = at::randn({c.steps, c.trials, c.inputs}, gen, opts);
  const auto targets = at::randn({c.steps, c.trials, 5}, gen, opts);
  const auto mask = (at::rand({c.steps, c.trials, 5}, gen, opts) > 0.3).to(torch::kFloat64);
  auto loss_of = [&] {
    const auto out = model->run(inputs, {});
    return rnn::masked_squared_error(out.outputs, targets, mask) + 0.1 * out.states.pow(2).sum() +
           0.05 * out.rates.sum() + 0.3 * out.state_sq_sum;
  };
  model->zero_grad();
  loss_of().backward();
  for (auto& p : model->named_parameters()) {
    auto& value = p.value();
    const auto grad = value.grad().clone();
    auto flat = value.data().view({-1});
    for (int64_t i = 0; i < flat.numel(); i += std::max<int64_t>(1, flat.numel() / 7)) {
      const double h = 1e-6, saved = flat[i].item<double>();
      double up, down;
      {
        torch::NoGradGuard ng;
        flat[i] = saved + h;
        up = loss_of().item<double>();
        flat[i] = saved - h;
        down = loss_of().item<double>();
        flat[i] = saved;
      }
      const double fd = (up - down) / (2 * h), analytic = grad.view({-1})[i].item<double>();
      EXPECT_NEAR(analytic, fd, 1e-5 * std::max(1.0, std::abs(fd))) << p.key() << "[" << i << "]";
    }
  }
}

TEST(LtrEngine, GradientMatchesFiniteDifferences) {
  check_finite_differences(LtrCase{4, 8, 6, 2, 2, 2, 2});
  check_finite_differences(LtrCase{3, 6, 7, 3, 1, 1, 1});
}

// Inputs, bias and initial states lie in the span of A, so every state does (no noise).
TEST(LtrModel, StateStaysInTheSpanOfA) {
  const LtrCase c{5, 12, 15, 3, 2, 2, 1};
  auto model = make_ltr(c, rnn::Engine::fused, torch::kFloat64, 4);
  auto gen = rnn::torch_generator(2, "inputs");
  const auto inputs = at::randn({c.steps, c.trials, c.inputs}, gen, torch::TensorOptions().dtype(torch::kFloat64));
  torch::NoGradGuard ng;
  const auto x = model->run(inputs, {}).states.reshape({-1, c.units});
  const auto a = model->a_hat();
  const auto projection = a.mm(torch::linalg_pinv(a));
  EXPECT_LE(relative_difference(x.mm(projection), x), 1e-10);
}

TEST(LtrModel, ReadoutIsOrthonormalAndFactorsRoundTrip) {
  const LtrCase c{9, 3, 8, 2, 0, 1, 1};
  auto model = make_ltr(c, rnn::Engine::fused, torch::kFloat64, 6);
  torch::NoGradGuard ng;
  const auto d = model->readout();  // [5, 8]: orthonormal rows
  EXPECT_LE((d.mm(d.t()) - torch::eye(5, torch::kFloat64)).abs().max().item<double>(), 1e-10);
  auto gen = rnn::torch_generator(1, "factors");
  const auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  const auto a = at::randn({8, 2}, gen, opts), b = at::randn({8, 2}, gen, opts);
  const auto cf = at::rand({9, 2}, gen, opts) * 3;
  model->set_factors(a, b, cf);
  EXPECT_LE(relative_difference(model->trial_factors(), cf), 1e-9);
  EXPECT_LE(relative_difference(model->a_hat(), a / a.norm(2, 0, true)), 1e-12);
  EXPECT_LE(relative_difference(model->b_hat(), b / b.norm(2, 0, true)), 1e-12);
}

// Every tested entry is separated from the training entries by the buffer between the inner
// and outer boxes (3 steps in time and trials), and the blocks hold about the asked share.
TEST(Recordings, CrossValidationBlocksKeepTheirBuffer) {
  const int64_t K = 30, T = 25, M = 6;
  const auto masks = decomp::block_cv_masks(K, T, M, 0.15, 7);
  int64_t excluded = 0, tested = 0;
  const auto at = [&](const std::vector<uint8_t>& m, int64_t k, int64_t t, int64_t j) {
    return m[size_t((k * T + t) * M + j)];
  };
  for (int64_t k = 0; k < K; ++k)
    for (int64_t t = 0; t < T; ++t)
      for (int64_t j = 0; j < M; ++j) {
        excluded += !at(masks.train, k, t, j);
        if (!at(masks.test, k, t, j)) continue;
        ++tested;
        for (int64_t dk = -3; dk <= 3; ++dk)
          for (int64_t dt = -3; dt <= 3; ++dt) {
            const int64_t kk = k + dk, tt = t + dt;
            if (kk < 0 || kk >= K || tt < 0 || tt >= T) continue;
            ASSERT_FALSE(at(masks.train, kk, tt, j)) << "train entry next to test entry " << k << "," << t << "," << j;
          }
      }
  EXPECT_GT(tested, 0);
  const double share = double(excluded) / double(K * T * M);
  EXPECT_GE(share, 0.15);
  EXPECT_LE(share, 0.25);
  const auto again = decomp::block_cv_masks(K, T, M, 0.15, 7);
  EXPECT_EQ(again.train, masks.train);
  EXPECT_EQ(again.test, masks.test);
}

TEST(Recordings, PcaReferenceOfAPlantedRank) {
  decomp::Recordings rec;
  rec.trials = 10;
  rec.steps = 8;
  rec.neurons = 6;
  // Activity = two fixed neuron patterns with varying weights: rank 2 after centring.
  for (int64_t i = 0; i < rec.trials * rec.steps; ++i) {
    const double u = std::sin(0.7 * double(i)), v = std::cos(1.3 * double(i));
    for (int64_t j = 0; j < rec.neurons; ++j) rec.activity.push_back(u * double(j + 1) + v * double(j % 3) + 2.0);
  }
  const auto unexplained = decomp::pca_unexplained(rec, {1, 2, 3});
  EXPECT_GT(unexplained[0], 1e-3);
  EXPECT_NEAR(unexplained[1], 0.0, 1e-10);
  EXPECT_NEAR(unexplained[2], 0.0, 1e-10);
}

TEST(Recordings, BadFilesNameWhatIsWrong) {
  const std::string path = temp_path("bad.h5");
  const auto write = [&](const std::vector<double>& activity, const std::vector<int64_t>& shape,
                         const std::vector<double>& inputs = {}, const std::vector<int64_t>& input_shape = {}) {
    h5::Writer out(path);
    out.write("/activity", activity.data(), shape);
    if (!inputs.empty()) out.write("/inputs", inputs.data(), input_shape);
    out.commit();
  };
  const auto message = [&] {
    try {
      decomp::read_recordings(path);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::vector<double> good(3 * 4 * 2);
  for (size_t i = 0; i < good.size(); ++i) good[i] = std::sin(double(i));
  write(good, {3, 4, 2});
  EXPECT_NO_THROW(decomp::read_recordings(path));
  write(good, {12, 2});
  EXPECT_NE(message().find("3-D [trials, time, neurons]"), std::string::npos) << message();
  auto nan = good;
  nan[5] = std::numeric_limits<double>::quiet_NaN();
  write(nan, {3, 4, 2});
  EXPECT_NE(message().find("NaN"), std::string::npos) << message();
  std::vector<double> inputs(3 * 5);
  write(good, {3, 4, 2}, inputs, {3, 5, 1});
  EXPECT_NE(message().find("/inputs"), std::string::npos) << message();
  auto constant = good;
  for (size_t i = 1; i < constant.size(); i += 2) constant[i] = 4.0;
  write(constant, {3, 4, 2});
  EXPECT_NE(message().find("neuron 1 is constant"), std::string::npos) << message();
  {
    // MATLAB v7.3 stores [trials, time, neurons] reversed, with MATLAB_class on the dataset.
    h5::Writer out(path);
    out.write("/activity", good.data(), {2, 4, 3});
    out.attribute("/activity", "MATLAB_class", std::string("double"));
    out.commit();
  }
  EXPECT_NE(message().find("written by MATLAB"), std::string::npos) << message();
  fs::remove(path);
  EXPECT_THROW(decomp::read_recordings(path), Error);
}

TEST(Recordings, TrialInfoIsReadCarriedAndLookedUpByName) {
  const std::string path = temp_path("info.h5");
  std::vector<double> activity(3 * 4 * 2);
  for (size_t i = 0; i < activity.size(); ++i) activity[i] = std::cos(double(i));
  {
    h5::Writer out(path);
    out.write("/activity", activity.data(), {3, 4, 2});
    out.write("/trial_info/block", std::vector<double>{0, 1, 2});
    out.write("/trial_info/condition", std::vector<int64_t>{1, 0, 1});
    out.commit();
  }
  const auto rec = decomp::read_recordings(path);
  EXPECT_EQ(rec.condition, (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(rec.info("block"), (std::vector<double>{0, 1, 2}));
  try {
    rec.info("rt");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no /trial_info/rt (it has: block, condition)"), std::string::npos) << e.what();
  }
  // Written back, the condition stays where it came from (not duplicated at /condition).
  {
    h5::Writer out(path);
    decomp::write_recordings(out, rec);
    out.commit();
  }
  EXPECT_FALSE(h5::has_dataset(path, "/condition"));
  EXPECT_EQ(decomp::read_recordings(path).condition, rec.condition);
  fs::remove(path);
}

TEST(RankList, ParsesRangesAndListsAndRefusesTheRest) {
  EXPECT_EQ(requests::parse_ranks("1..4", "--ranks"), (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(requests::parse_ranks("5,1,2", "--ranks"), (std::vector<int64_t>{1, 2, 5}));
  EXPECT_EQ(requests::parse_ranks("1..2,7", "--ranks"), (std::vector<int64_t>{1, 2, 7}));
  EXPECT_EQ(requests::parse_ranks("3", "--ranks"), (std::vector<int64_t>{3}));
  for (const char* bad : {"", "0", "3..1", "a", "1,,2", "1..", "-1", "2,2", "1.5", "99999999999"}) {
    EXPECT_THROW(requests::parse_ranks(bad, "--ranks"), Error) << bad;
  }
}

// The recordings objective's fused masked squared error against its reference twin, with
// element-wise weights (0/1 masks, fractional weights, an all-zero mask).
TEST(RecordingLoss, FusedMaskedSquaredErrorEqualsReference) {
  for (const auto dtype : {torch::kFloat32, torch::kFloat64}) {
    const double tolerance = dtype == torch::kFloat64 ? 1e-12 : 1e-5;
    const auto opts = torch::TensorOptions().dtype(dtype);
    for (int trial = 0; trial < 4; ++trial) {
      auto gen = rnn::torch_generator(uint64_t(trial), "mse-test");
      const auto y0 = at::randn({7, 5, 3}, gen, opts), q = at::randn({7, 5, 3}, gen, opts);
      auto w = (at::rand({7, 5, 3}, gen, opts) > 0.4).to(dtype);
      if (trial == 1) w = w * 0.25;
      if (trial == 2) w.zero_();
      auto value_and_grad = [&](bool fused) {
        const auto y = y0.clone().requires_grad_(true);
        const auto loss = fused ? rnn::masked_squared_error(y, q, w) : rnn::masked_squared_error_reference(y, q, w);
        (loss * 1.3).backward();
        return std::make_pair(loss.detach(), y.grad());
      };
      const auto [loss_f, grad_f] = value_and_grad(true);
      const auto [loss_r, grad_r] = value_and_grad(false);
      EXPECT_NEAR(loss_f.item<double>(), loss_r.item<double>(), tolerance * (1 + std::abs(loss_r.item<double>())));
      EXPECT_LE((grad_f - grad_r).abs().max().item<double>(), tolerance * (1 + grad_r.abs().max().item<double>()));
    }
  }
}
