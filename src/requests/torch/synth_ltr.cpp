// The synth-ltr request (include/rnnscope/requests/synth_ltr.h): a teacher ltrRNN with
// planted factors, simulated on the same model and kernel that fit-ltr fits.
#include "rnnscope/requests/synth_ltr.h"

#include "models/ltr_internal.h"

#include "rnnscope/core/error.h"
#include "rnnscope/requests/output_policy.h"

#include <cmath>

namespace rnnscope::requests {
namespace {

void validate(const SynthLtrRequest& r) {
  const auto at_least = [&](int64_t v, int64_t min, const std::string& name) {
    require(v >= min, argument_name(r.door, name) + " must be >= " + std::to_string(min) + ", got " + std::to_string(v));
  };
  at_least(r.rank, 1, "rank");
  at_least(r.units, 1, "units");
  at_least(r.neurons, 1, "neurons");
  at_least(r.trials, 2, "trials");
  at_least(r.steps, 2, "steps");
  at_least(r.conditions, 1, "conditions");
  require(r.rank <= r.units, argument_name(r.door, "rank") + " must not exceed " + argument_name(r.door, "units"));
  require(std::isfinite(r.dt_ms) && r.dt_ms > 0 && std::isfinite(r.tau_ms) && r.tau_ms >= r.dt_ms,
          argument_name(r.door, "dt_ms") + " and " + argument_name(r.door, "tau_ms") + " must satisfy 0 < dt <= tau");
  require(std::isfinite(r.noise) && r.noise >= 0, argument_name(r.door, "noise") + " must be >= 0");
  require(std::isfinite(r.learning_change) && r.learning_change >= 0,
          argument_name(r.door, "learning_change") + " must be >= 0");
}

}  // namespace

SynthLtrResult run_synth_ltr(const SynthLtrRequest& req) {
  validate(req);
  if (!req.out.empty()) check_can_write(req.out, req.force, req.door);
  torch::NoGradGuard no_grad;
  const int64_t N = req.units, R = req.rank, K = req.trials, T = req.steps, M = req.neurons, C = req.conditions;
  const int64_t n_in = 2;  // a direction per condition: (cos θ_c, sin θ_c) during the stimulus
  auto gen = rnn::torch_generator(req.seed, "synth-ltr");
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);

  rnn::LtrOptions o;
  o.units = N;
  o.rank = R;
  o.trials = K;
  o.neurons = M;
  o.inputs = n_in;
  o.conditions = C;
  o.alpha = req.dt_ms / req.tau_ms;
  std::vector<int64_t> condition(static_cast<size_t>(K));
  for (int64_t k = 0; k < K; ++k) condition[size_t(k)] = k % C;
  rnn::LtrRnn teacher(o, condition, req.seed);

  // Factors: Â random; B̂ half aligned with Â, so that the components feed back on themselves
  // and shape the dynamics rather than only decay.
  const auto unit = [](const torch::Tensor& m) { return m / m.norm(2, 0, true); };
  const auto a = unit(at::randn({N, R}, gen, f32));
  const auto b = unit(a + at::randn({N, R}, gen, f32) / std::sqrt(double(N)));
  // Trial factors: a base gain per component plus a sigmoid step over trials (the learning
  // trajectory) at a random trial in the middle half, of random sign.
  const auto base = 2.0 + at::rand({R}, gen, f32);
  const auto centre = (0.25 + 0.5 * at::rand({R}, gen, f32)) * double(K);
  const auto sign = torch::where(at::rand({R}, gen, f32) < 0.5, -1.0, 1.0).to(torch::kFloat32);
  const auto trial = torch::arange(K, f32).unsqueeze(1);
  const auto step = torch::sigmoid((trial - centre) / (0.05 * double(K)));
  const auto c = base + req.learning_change * sign * (step - 0.5);
  teacher.set_factors(a, b, c);
  auto params = teacher.named_parameters();
  params["P_in"].copy_(at::randn({R, n_in}, gen, f32) * 1.5);
  params["P_x0"].copy_(at::randn({C, R}, gen, f32));
  // The readout stays as initialised: the orthonormal factor of a random Gaussian matrix.

  // Inputs: condition c's direction during the first third of the trial.
  auto inputs = torch::zeros({T, K, n_in}, f32);
  const int64_t stimulus_steps = std::max<int64_t>(1, T / 3);
  for (int64_t k = 0; k < K; ++k) {
    const double theta = 2 * M_PI * double(condition[size_t(k)]) / double(C);
    inputs.narrow(0, 0, stimulus_steps).select(1, k).select(1, 0).fill_(std::cos(theta));
    inputs.narrow(0, 0, stimulus_steps).select(1, k).select(1, 1).fill_(std::sin(theta));
  }
  const auto clean = teacher.run(inputs, {}).outputs;  // [T, K, M]
  const auto noisy = clean + req.noise * clean.std() * at::randn(clean.sizes(), gen, f32);

  SynthLtrResult result;
  decomp::Recordings& rec = result.recordings;
  rec.trials = K;
  rec.steps = T;
  rec.neurons = M;
  rec.inputs = n_in;
  rec.activity = rnn::to_doubles(noisy.transpose(0, 1));
  rec.input_values = rnn::to_doubles(inputs.transpose(0, 1));
  rec.condition = condition;
  for (int64_t t = 0; t < T; ++t) rec.times.push_back(double(t) * req.dt_ms);
  for (int64_t k = 0; k < K; ++k) rec.trial_id.push_back(double(k));
  rec.source = req.out.empty() ? "(in memory)" : req.out;
  result.a = rnn::to_doubles(teacher.a_hat());
  result.b = rnn::to_doubles(teacher.b_hat());
  result.c = rnn::to_doubles(teacher.trial_factors());
  result.readout = rnn::to_doubles(teacher.readout());
  if (!req.out.empty()) {
    h5::Writer out(req.out);
    decomp::write_recordings(out, rec);
    out.write("/truth/a", result.a.data(), {N, R});
    out.write("/truth/b", result.b.data(), {N, R});
    out.write("/truth/c", result.c.data(), {K, R});
    out.write("/truth/readout", result.readout.data(), {M, N});
    out.attribute("/", "generator", std::string("planted"));
    out.attribute("/", "planted_rank", R);
    out.attribute("/", "seed", int64_t(req.seed));
    out.attribute("/", "noise", req.noise);
    out.attribute("/", "dt_ms", req.dt_ms);
    out.attribute("/", "tau_ms", req.tau_ms);
    out.attribute("/", "version", std::string(RNNSCOPE_VERSION));
    out.commit();
  }
  return result;
}

}  // namespace rnnscope::requests
