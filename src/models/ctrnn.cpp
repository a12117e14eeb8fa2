// Leaky continuous-time rate RNN (CTRNN), Euler-discretised, in two forms ([model] form):
//   current (Song, Yang & Wang 2016; Yang et al. 2019), α = dt/τ:
//     x_{t+1} = (1 − α) x_t + α (W_rec f(x_t) + W_in u_t + b + sqrt(2/α) σ ξ_t)
//     y_t     = W_out f(x_{t+1}) + b_out
//   rate (Soo, Goudar & Wang 2023), x the rate:
//     x_{t+1} = x_t + α ⊙ (−x_t + f(W_rec x_t + W_in u_t + b + σ η_t))
//     y_t     = W_out x_{t+1} (+ b_out)
// The sqrt(2/α) factor keeps the stationary noise variance of x independent of dt. Both take
// per-unit τ (the last fast_fraction of units τ·fast_tau_factor), Ornstein–Uhlenbeck noise
// (noise_tau > 0), inputs and readout restricted to unit ranges, and a sigmoid readout.
// Dale's law: W_rec = |W_raw| · diag(sign), one sign per presynaptic (column) unit.
// The recurrence runs on src/engine/ctrnn_kernel.cpp's fused kernel or its autograd twin
// ([model] engine).
#include "engine/engine_internal.h"
#include "models/model_type.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/memory.h"

#include <cmath>

namespace rnnscope::rnn {
namespace {

class Ctrnn final : public RecurrentModel {
 public:
  Ctrnn(const Json& cfg, const ModelContext& context)
      : units_(cfg.at("units").get<int64_t>()),
        replicas_(context.replicas),
        form_name_(cfg.at("form").get<std::string>()),
        form_(parse_ctrnn_form(form_name_)),
        dt_ms_(context.dt_ms),
        noise_std_(cfg.at("noise").get<double>()),
        noise_tau_ms_(cfg.at("noise_tau").get<double>()),
        activation_name_(cfg.at("activation").get<std::string>()),
        activation_(parse_activation(activation_name_)),
        sigmoid_readout_(cfg.at("readout").get<std::string>() == "sigmoid"),
        dale_(cfg.at("dale").get<bool>()),
        engine_(parse_engine(cfg.at("engine").get<std::string>())) {
    const int64_t n_in = context.task.n_inputs(), n_out = context.task.n_outputs(), n = units_;
    const double tau = cfg.at("tau").get<double>();
    const int64_t n_fast = std::llround(cfg.at("fast_fraction").get<double>() * double(n));
    const double fast_tau = tau * cfg.at("fast_tau_factor").get<double>();
    require(dt_ms_ <= tau, "[model] tau must be >= task dt (alpha = dt/tau = " + std::to_string(dt_ms_ / tau) +
                               " must lie in (0, 1])");
    require(n_fast == 0 || dt_ms_ <= fast_tau,
            "[model] tau * fast_tau_factor must be >= task dt for the fast units (alpha = " +
                std::to_string(dt_ms_ / fast_tau) + " must lie in (0, 1])");
    auto opts = torch::TensorOptions().dtype(torch::kFloat64);
    tau_ms_ = at::full({n}, tau, opts);
    tau_ms_.narrow(0, n - n_fast, n_fast).fill_(fast_tau);
    const auto [in_begin, in_end] = unit_range(cfg, "input_units", n);
    const auto [out_begin, out_end] = unit_range(cfg, "readout_units", n);
    opts = torch::TensorOptions().dtype(torch::kFloat32);
    const int64_t K = replicas_;
    if (K > 1) {
      // Weights, their gradients and Adam's two moments, before any of it is allocated.
      const double floats = double(K) * double(n * n + n * n_in + n_out * n + 2 * n + n_out);
      require_memory(16 * floats, "train.replicas = " + std::to_string(K),
                     std::to_string(K) + " networks of " + std::to_string(n) + " units", MemoryBudget{});
    }
    torch::Tensor sign = torch::ones({n}, opts);
    const auto n_exc = std::max<int64_t>(1, std::llround(cfg.at("exc_fraction").get<double>() * double(n)));
    if (dale_) sign.narrow(0, n_exc, n - n_exc).fill_(-1.0);
    // Units outside the input (readout) range get no input (are not read): masks on the
    // rows of W_in (columns of W_out), applied on every use so the gradient respects them.
    input_mask_ = torch::zeros({n, 1}, opts);
    input_mask_.narrow(0, in_begin, in_end - in_begin).fill_(1.0);
    readout_mask_ = torch::zeros({1, n}, opts);
    readout_mask_.narrow(1, out_begin, out_end - out_begin).fill_(1.0);
    const double readout_fan_in = double(out_end - out_begin);
    const double gain = cfg.at("rec_gain").get<double>();
    // Replica k draws from the stream (seed, "init", k): replica 0 is the network a run with
    // one replica and the same seed starts from.
    std::vector<torch::Tensor> w_in, w_rec, w_out;
    for (int64_t k = 0; k < K; ++k) {
      auto gen = torch_generator(context.seed, "init", uint64_t(k));
      torch::Tensor w = at::randn({n, n}, gen, opts) * (gain / std::sqrt(double(n)));
      if (dale_) {
        // Balanced start: inhibitory magnitudes scaled by n_exc/n_inh so each unit's
        // expected excitatory and inhibitory input cancel.
        const int64_t n_inh = n - n_exc;
        w = w.abs();
        if (n_inh > 0) w.narrow(1, n_exc, n_inh).mul_(double(n_exc) / double(n_inh));
      }
      w_rec.push_back(w);
      w_in.push_back(at::randn({n, n_in}, gen, opts) / std::sqrt(double(n_in)) * input_mask_);
      w_out.push_back(at::randn({n_out, n}, gen, opts) / std::sqrt(readout_fan_in) * readout_mask_);
    }
    // One replica keeps the single network's shapes (and files); K a leading dimension.
    auto replicated = [&](const std::vector<torch::Tensor>& parts) { return K == 1 ? parts[0] : at::stack(parts); };
    auto zeros = [&](int64_t size) { return K == 1 ? torch::zeros({size}, opts) : torch::zeros({K, size}, opts); };
    w_in_ = register_parameter("W_in", replicated(w_in));
    w_rec_ = register_parameter("W_rec", replicated(w_rec));
    b_ = register_parameter("b", zeros(n));
    w_out_ = register_parameter("W_out", replicated(w_out));
    b_out_ = register_parameter("b_out", zeros(n_out), cfg.at("readout_bias").get<bool>());
    x0_ = register_parameter("x0", zeros(n), cfg.at("learn_x0").get<bool>());
    sign_ = register_buffer("dale_sign", sign);
  }

  int64_t replicas() const override { return replicas_; }
  int64_t units() const override { return units_; }

  torch::Tensor effective_w_rec() const { return dale_ ? w_rec_.abs() * sign_ : w_rec_; }
  torch::Tensor effective_w_in() const { return w_in_ * input_mask_; }
  torch::Tensor effective_w_out() const { return w_out_ * readout_mask_; }

  SequenceOutput run(const torch::Tensor& inputs, const torch::Tensor& noise) override {
    const bool noisy = noise.defined() && noise_std_ > 0;
    const auto options = inputs.options();
    const double step_ms = dt_ms_ * double(is_training() ? step_multiple_ : 1);
    const torch::Tensor alpha = step_ms / tau_ms_;
    // Current form: sqrt(2/α) σ keeps the noise variance in x independent of dt (white noise).
    const torch::Tensor noise_scale =
        form_ == CtrnnForm::current ? (2.0 / alpha).sqrt() * noise_std_ : at::full_like(alpha, noise_std_);
    const CtrnnDynamics dynamics{form_, activation_, alpha.to(options), noise_scale.to(options)};
    const auto seq = ctrnn_sequence(engine_, workspace_, inputs, effective_w_in(), effective_w_rec(), b_, x0_,
                                    noisy ? noise_process(noise, step_ms) : torch::Tensor(), dynamics,
                                    Readout{effective_w_out(), b_out_}, is_training() ? skip_ : TemporalSkip{},
                                    !is_training() || training_states_);
    // The rate form's state is its rate: states and rates are one tensor.
    const torch::Tensor& states = form_ == CtrnnForm::rate ? seq.rates : seq.states;
    return {sigmoid_readout_ ? torch::sigmoid(seq.outputs) : seq.outputs, states, seq.rates, {}};
  }

  void set_temporal_skip(const TemporalSkip& skip) override { skip_ = skip; }
  void set_training_states(bool wanted) override { training_states_ = wanted; }

  void set_time_step_multiple(int64_t m) override {
    const double fastest_tau = tau_ms_.min().item<double>();
    require(dt_ms_ * double(m) <= fastest_tau,
            "train.skip_steps = " + std::to_string(m) + ": a coarsened step of " + std::to_string(dt_ms_ * double(m)) +
                " ms exceeds the smallest time constant, " + std::to_string(fastest_tau) + " ms (alpha must lie in (0, 1])");
    step_multiple_ = m;
  }

  torch::Tensor weight_penalty() const override {
    return replica_mean(effective_w_in().pow(2), replicas_) + replica_mean(effective_w_rec().pow(2), replicas_) +
           replica_mean(effective_w_out().pow(2), replicas_);
  }

  std::vector<std::pair<std::string, torch::Tensor>> weight_matrices() const override {
    return {{"W_in", effective_w_in()}, {"W_rec", effective_w_rec()}, {"W_out", effective_w_out()}};
  }

  void write_weights(h5::Writer& out) const override {
    auto put = [&](const std::string& name, const torch::Tensor& t) { write_tensor(out, name, t); };
    put("/W_in", effective_w_in());
    put("/W_rec", effective_w_rec());
    put("/b", b_);
    put("/W_out", effective_w_out());
    put("/b_out", b_out_);
    put("/x0", x0_);
    put("/dale_sign", sign_);
    const torch::Tensor alpha = dt_ms_ / tau_ms_;
    put("/alpha", alpha);
    out.attribute("/", "model", std::string("ctrnn"));
    out.attribute("/", "form", form_name_);
    // Units share one α unless fast_fraction > 0; /alpha holds every unit's.
    out.attribute("/", "alpha", alpha[0].item<double>());
    out.attribute("/", "readout", std::string(sigmoid_readout_ ? "sigmoid" : "linear"));
    out.attribute("/", "activation", activation_name_);
    out.attribute("/", "noise", noise_std_);
    out.attribute("/", "units", units_);
    // Every array above has a leading replica axis when there are replicas (docs/outputs.md).
    if (replicas_ > 1) out.attribute("/", "replicas", replicas_);
  }

  void read_weights(const std::string& path) override {
    auto get = [&](const std::string& name, torch::Tensor& param) { read_tensor(path, name, param); };
    // W_in and W_out are stored masked; masking them again changes nothing.
    get("/W_in", w_in_);
    // The stored matrix is the effective one; with Dale's law |W| · sign reproduces it
    // because every column already carries its unit's sign.
    get("/W_rec", w_rec_);
    get("/b", b_);
    get("/W_out", w_out_);
    get("/b_out", b_out_);
    get("/x0", x0_);
  }

 private:
  // [begin, end) of a [model] unit-range key: [] is every unit, else [first, end).
  static std::pair<int64_t, int64_t> unit_range(const Json& cfg, const std::string& key, int64_t n) {
    const Json& range = cfg.at(key);
    if (range.empty()) return {0, n};
    require(range.size() == 2, "[model] " + key + ": expected [] (all units) or [first, end)");
    const double first = range[0].get<double>(), end = range[1].get<double>();
    require(first == std::floor(first) && end == std::floor(end) && first >= 0 && first < end && end <= double(n),
            "[model] " + key + " = [" + range[0].dump() + ", " + range[1].dump() +
                "]: expected whole numbers 0 <= first < end <= units (" + std::to_string(n) + ")");
    return {int64_t(first), int64_t(end)};
  }

  // The noise the recurrence sees, from standard-normal draws ξ [T, B, N]: ξ itself, or with
  // noise_tau > 0 the Ornstein–Uhlenbeck process of unit stationary variance sampled exactly
  // at the step, η_0 = ξ_0, η_{t+1} = ρ η_t + sqrt(1 − ρ²) ξ_{t+1}, ρ = exp(−step/noise_tau).
  torch::Tensor noise_process(const torch::Tensor& xi, double step_ms) const {
    if (noise_tau_ms_ <= 0) return xi;
    const double rho = std::exp(-step_ms / noise_tau_ms_), innovation = std::sqrt(1 - rho * rho);
    torch::Tensor eta = xi.detach().contiguous().clone();
    // One pass over raw memory: per-step ATen ops would cost two dispatches per time step.
    AT_DISPATCH_FLOATING_TYPES(eta.scalar_type(), "rnnscope_ou_noise", [&] {
      scalar_t* e = eta.data_ptr<scalar_t>();
      const int64_t per_step = eta.numel() / std::max<int64_t>(1, eta.size(0));
      const auto r = static_cast<scalar_t>(rho), c = static_cast<scalar_t>(innovation);
      for (int64_t t = 1; t < eta.size(0); ++t) {
        for (int64_t i = 0; i < per_step; ++i) e[t * per_step + i] = r * e[(t - 1) * per_step + i] + c * e[t * per_step + i];
      }
    });
    return eta;
  }

  int64_t units_;
  int64_t replicas_;
  std::string form_name_;
  CtrnnForm form_;
  double dt_ms_;
  double noise_std_;
  double noise_tau_ms_;
  std::string activation_name_;
  Activation activation_;
  bool sigmoid_readout_;
  bool dale_;
  Engine engine_;
  Workspace workspace_;
  // Training only: the skip through time and the coarsening of dt (train.method).
  TemporalSkip skip_;
  bool training_states_ = true;  // set_training_states
  int64_t step_multiple_ = 1;
  // Each unit's time constant [N], float64; α and the noise scale follow on each run.
  torch::Tensor tau_ms_;
  torch::Tensor w_in_, w_rec_, b_, w_out_, b_out_, x0_, sign_, input_mask_, readout_mask_;
};

}  // namespace

ModelType ctrnn_model_type() {
  return {{"ctrnn", "Leaky continuous-time rate RNN (Song, Yang & Wang 2016; Soo, Goudar & Wang 2023)",
           "form = current: x <- (1 - alpha) x + alpha (W_rec f(x) + W_in u + b + sqrt(2/alpha) sigma xi), "
           "readout y = W_out f(x) + b_out; form = rate: x <- x + alpha (-x + f(W_rec x + W_in u + b + sigma eta)), "
           "readout y = W_out x (+ b_out); alpha = dt/tau per unit; optional Dale's law (one sign per presynaptic "
           "unit), unit ranges for inputs and readout, sigmoid readout, Ornstein-Uhlenbeck noise.",
           {
               engine_param(),
               units_param(),
               ParamSpec{"form", ParamKind::string, "current",
                         "current: f acts on the state x (Song et al. 2016); rate: x is the rate and f acts on the "
                         "input current (Soo et al. 2023)"}
                   .with_choices({"current", "rate"}),
               ParamSpec{"activation", ParamKind::string, "relu", "rate function f(x)"}
                   .with_choices({"relu", "tanh", "softplus", "linear"}),
               ParamSpec{"tau", ParamKind::number, 100.0, "membrane time constant in ms, alpha = dt/tau"}
                   .with_min(0, true),
               ParamSpec{"fast_fraction", ParamKind::number, 0.0,
                         "fraction of units, the last ones, whose time constant is tau * fast_tau_factor"}
                   .with_min(0)
                   .with_max(1),
               ParamSpec{"fast_tau_factor", ParamKind::number, 0.5, "time constant of the fast units relative to tau"}
                   .with_min(0, true),
               ParamSpec{"noise", ParamKind::number, 0.05,
                         "noise sigma: form current adds alpha*sqrt(2/alpha)*sigma*noise to x, form rate "
                         "sigma*noise to the input current inside f"}
                   .with_min(0),
               ParamSpec{"noise_tau", ParamKind::number, 0.0,
                         "noise time constant in ms: 0 = white noise, > 0 = Ornstein-Uhlenbeck noise of unit "
                         "variance with this time constant"}
                   .with_min(0),
               ParamSpec{"input_units", ParamKind::number_list, Json::array(),
                         "[first, end): only these units receive the task's inputs ([] = all)"},
               ParamSpec{"readout_units", ParamKind::number_list, Json::array(),
                         "[first, end): only these units feed the readout ([] = all)"},
               ParamSpec{"readout", ParamKind::string, "linear", "readout nonlinearity: linear, or sigmoid(W_out r + b_out)"}
                   .with_choices({"linear", "sigmoid"}),
               ParamSpec{"readout_bias", ParamKind::boolean, true, "learn the readout bias b_out (else zero)"},
               ParamSpec{"rec_gain", ParamKind::number, 1.0,
                         "initial W_rec ~ N(0, rec_gain^2 / units) (magnitudes for Dale networks)"}
                   .with_min(0),
               ParamSpec{"dale", ParamKind::boolean, false,
                         "Dale's law: each unit's outgoing recurrent weights share one sign"},
               ParamSpec{"exc_fraction", ParamKind::number, 0.8, "fraction of excitatory units under Dale's law"}
                   .with_min(0, true)
                   .with_max(1),
               learn_x0_param("x0"),
           }},
          [](const Json& resolved, const ModelContext& context) {
            return std::make_shared<Ctrnn>(resolved, context);
          }};
}

}  // namespace rnnscope::rnn
