// Leaky continuous-time rate RNN (CTRNN), Euler-discretised, as in Song, Yang & Wang (2016)
// and Yang et al. (2019):
//   x_{t+1} = (1 − α) x_t + α (W_rec f(x_t) + W_in u_t + b + sqrt(2/α) σ ξ_t),  α = dt/τ
//   y_t     = W_out f(x_{t+1}) + b_out
// The sqrt(2/α) factor keeps the stationary noise variance of x independent of dt.
// Dale's law: W_rec = |W_raw| · diag(sign), one sign per presynaptic (column) unit.
// The recurrence runs on src/engine/ctrnn_kernel.cpp's fused kernel or its autograd twin
// ([model] engine).
#include "engine/engine_internal.h"
#include "models/model_type.h"

#include "rnnscope/core/error.h"

#include <cmath>

namespace rnnscope::rnn {
namespace {

class Ctrnn final : public RecurrentModel {
 public:
  Ctrnn(const Json& cfg, const ModelContext& context)
      : units_(cfg.at("units").get<int64_t>()),
        alpha_(context.dt_ms / cfg.at("tau").get<double>()),
        noise_std_(cfg.at("noise").get<double>()),
        activation_name_(cfg.at("activation").get<std::string>()),
        activation_(parse_activation(activation_name_)),
        dale_(cfg.at("dale").get<bool>()),
        engine_(parse_engine(cfg.at("engine").get<std::string>())) {
    require(alpha_ > 0 && alpha_ <= 1, "[model] tau must be >= task dt (alpha = dt/tau = " +
                                           std::to_string(alpha_) + " must lie in (0, 1])");
    const int64_t n_in = context.task.n_inputs(), n_out = context.task.n_outputs(), n = units_;
    auto gen = torch_generator(context.seed, "init");
    auto opts = torch::TensorOptions().dtype(torch::kFloat32);
    const double gain = cfg.at("rec_gain").get<double>();
    torch::Tensor w_rec = at::randn({n, n}, gen, opts) * (gain / std::sqrt(double(n)));
    torch::Tensor sign = torch::ones({n}, opts);
    if (dale_) {
      // Balanced start: inhibitory magnitudes scaled by n_exc/n_inh so each unit's
      // expected excitatory and inhibitory input cancel.
      const auto n_exc = std::max<int64_t>(1, std::llround(cfg.at("exc_fraction").get<double>() * n));
      const int64_t n_inh = n - n_exc;
      sign.narrow(0, n_exc, n_inh).fill_(-1.0);
      w_rec = w_rec.abs();
      if (n_inh > 0) w_rec.narrow(1, n_exc, n_inh).mul_(double(n_exc) / double(n_inh));
    }
    w_in_ = register_parameter("W_in", at::randn({n, n_in}, gen, opts) / std::sqrt(double(n_in)));
    w_rec_ = register_parameter("W_rec", w_rec);
    b_ = register_parameter("b", torch::zeros({n}, opts));
    w_out_ = register_parameter("W_out", at::randn({n_out, n}, gen, opts) / std::sqrt(double(n)));
    b_out_ = register_parameter("b_out", torch::zeros({n_out}, opts));
    x0_ = register_parameter("x0", torch::zeros({n}, opts), cfg.at("learn_x0").get<bool>());
    sign_ = register_buffer("dale_sign", sign);
  }

  int64_t units() const override { return units_; }

  torch::Tensor effective_w_rec() const { return dale_ ? w_rec_.abs() * sign_ : w_rec_; }

  SequenceOutput run(const torch::Tensor& inputs, const torch::Tensor& noise) override {
    const bool noisy = noise.defined() && noise_std_ > 0;
    const auto seq = ctrnn_sequence(engine_, workspace_, inputs, w_in_, effective_w_rec(), b_, x0_,
                                    noisy ? noise : torch::Tensor(), std::sqrt(2.0 / alpha_) * noise_std_, alpha_,
                                    activation_, Readout{w_out_, b_out_});
    return {seq.outputs, seq.states, seq.rates, {}};
  }

  torch::Tensor weight_penalty() const override {
    return w_in_.pow(2).mean() + effective_w_rec().pow(2).mean() + w_out_.pow(2).mean();
  }

  std::vector<std::pair<std::string, torch::Tensor>> weight_matrices() const override {
    return {{"W_in", w_in_}, {"W_rec", effective_w_rec()}, {"W_out", w_out_}};
  }

  void write_weights(h5::Writer& out) const override {
    auto put = [&](const std::string& name, const torch::Tensor& t) { write_tensor(out, name, t); };
    put("/W_in", w_in_);
    put("/W_rec", effective_w_rec());
    put("/b", b_);
    put("/W_out", w_out_);
    put("/b_out", b_out_);
    put("/x0", x0_);
    put("/dale_sign", sign_);
    out.attribute("/", "model", std::string("ctrnn"));
    out.attribute("/", "alpha", alpha_);
    out.attribute("/", "activation", activation_name_);
    out.attribute("/", "noise", noise_std_);
    out.attribute("/", "units", units_);
  }

  void read_weights(const std::string& path) override {
    auto get = [&](const std::string& name, torch::Tensor& param) { read_tensor(path, name, param); };
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
  int64_t units_;
  double alpha_;
  double noise_std_;
  std::string activation_name_;
  Activation activation_;
  bool dale_;
  Engine engine_;
  Workspace workspace_;
  torch::Tensor w_in_, w_rec_, b_, w_out_, b_out_, x0_, sign_;
};

}  // namespace

ModelType ctrnn_model_type() {
  return {{"ctrnn", "Leaky continuous-time rate RNN (Song, Yang & Wang 2016)",
           "x <- (1 - alpha) x + alpha (W_rec f(x) + W_in u + b + sqrt(2/alpha) sigma xi), alpha = dt/tau, "
           "readout y = W_out f(x) + b_out; optional Dale's law (one sign per presynaptic unit).",
           {
               engine_param(),
               units_param(),
               ParamSpec{"activation", ParamKind::string, "relu", "rate function f(x)"}
                   .with_choices({"relu", "tanh", "softplus", "linear"}),
               ParamSpec{"tau", ParamKind::number, 100.0, "membrane time constant in ms, alpha = dt/tau"}
                   .with_min(0, true),
               ParamSpec{"noise", ParamKind::number, 0.05,
                         "recurrent noise sigma; the update adds alpha*sqrt(2/alpha)*sigma*N(0,1)"}
                   .with_min(0),
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
