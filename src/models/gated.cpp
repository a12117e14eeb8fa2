// Gated recurrent networks, GRU (Cho et al. 2014) and LSTM (Hochreiter & Schmidhuber 1997)
// in PyTorch's formulation (torch.nn.GRU / torch.nn.LSTM, one layer), with the same readout
// and run contract as the CTRNN:
//   h_t = cell(h_{t−1}, u_t),   y_t = W_out h_t + b_out.
// Unlike the CTRNN they have no time constant, rate function or recurrent noise: `states`
// and `rates` are both h_t. The recurrence runs on src/engine/gated_kernel.cpp's fused kernel
// or its autograd twin ([model] engine).
#include "engine/engine_internal.h"
#include "models/model_type.h"

#include "rnnscope/core/error.h"

#include <cmath>

namespace rnnscope::rnn {
namespace {

class GatedRnn final : public RecurrentModel {
 public:
  GatedRnn(GatedKind kind, const Json& cfg, const ModelContext& context)
      : kind_(kind),
        units_(cfg.at("units").get<int64_t>()),
        engine_(parse_engine(cfg.at("engine").get<std::string>())) {
    const int64_t n_in = context.task.n_inputs(), n_out = context.task.n_outputs(), h = units_,
                  g = gate_count(kind_);
    auto gen = torch_generator(context.seed, "init");
    auto opts = torch::TensorOptions().dtype(torch::kFloat32);
    // PyTorch's initialisation of GRU/LSTM weights and biases: U(−1/√H, 1/√H).
    const double bound = 1.0 / std::sqrt(double(h));
    auto uniform = [&](std::vector<int64_t> shape) {
      return at::rand(shape, gen, opts) * (2 * bound) - bound;
    };
    w_ih_ = register_parameter("W_ih", uniform({g * h, n_in}));
    w_hh_ = register_parameter("W_hh", uniform({g * h, h}));
    b_ih_ = register_parameter("b_ih", uniform({g * h}));
    b_hh_ = register_parameter("b_hh", uniform({g * h}));
    w_out_ = register_parameter("W_out", at::randn({n_out, h}, gen, opts) / std::sqrt(double(h)));
    b_out_ = register_parameter("b_out", torch::zeros({n_out}, opts));
    x0_ = register_parameter("x0", torch::zeros({h}, opts), cfg.at("learn_x0").get<bool>());
  }

  int64_t units() const override { return units_; }

  // Gated networks take no recurrent noise: `noise` is ignored.
  SequenceOutput run(const torch::Tensor& inputs, const torch::Tensor& /*noise*/) override {
    const auto seq = gated_sequence(engine_, workspace_, kind_, inputs, w_ih_, w_hh_, b_ih_, b_hh_, x0_,
                                    Readout{w_out_, b_out_});
    return {seq.outputs, seq.states, seq.states, {}};
  }

  torch::Tensor weight_penalty() const override {
    return w_ih_.pow(2).mean() + w_hh_.pow(2).mean() + w_out_.pow(2).mean();
  }

  std::vector<std::pair<std::string, torch::Tensor>> weight_matrices() const override {
    return {{"W_ih", w_ih_}, {"W_hh", w_hh_}, {"W_out", w_out_}};
  }

  void write_weights(h5::Writer& out) const override {
    for (const auto& [name, tensor] : file_tensors()) write_tensor(out, name, tensor);
    const bool gru = kind_ == GatedKind::gru;
    out.attribute("/", "model", std::string(gru ? "gru" : "lstm"));
    out.attribute("/", "gate_order", std::string(gru ? "r,z,n" : "i,f,g,o"));
    out.attribute("/", "units", units_);
  }

  void read_weights(const std::string& path) override {
    for (auto [name, tensor] : file_tensors()) read_tensor(path, name, tensor);
  }

 private:
  // The model.h5 datasets and the parameters they hold (docs/outputs.md). Tensors are
  // handles: reading into a copy fills the parameter's own storage.
  std::vector<std::pair<const char*, torch::Tensor>> file_tensors() const {
    return {{"/W_ih", w_ih_}, {"/W_hh", w_hh_}, {"/b_ih", b_ih_}, {"/b_hh", b_hh_},
            {"/W_out", w_out_}, {"/b_out", b_out_}, {"/x0", x0_}};
  }

  GatedKind kind_;
  int64_t units_;
  Engine engine_;
  Workspace workspace_;
  torch::Tensor w_ih_, w_hh_, b_ih_, b_hh_, w_out_, b_out_, x0_;
};

ModelType gated_model_type(GatedKind kind, const std::string& name, const std::string& summary) {
  return {{name, summary,
           "h_t = cell(h_{t-1}, u_t) in PyTorch's formulation and gate order (one layer), readout y = W_out h + "
           "b_out; no time constant, rate function or recurrent noise.",
           {engine_param(), units_param(), learn_x0_param("h0")}},
          [kind](const Json& resolved, const ModelContext& context) {
            return std::make_shared<GatedRnn>(kind, resolved, context);
          }};
}

}  // namespace

ModelType gru_model_type() {
  return gated_model_type(GatedKind::gru, "gru", "Gated recurrent unit (Cho et al. 2014), as torch.nn.GRU");
}

ModelType lstm_model_type() {
  return gated_model_type(GatedKind::lstm, "lstm",
                          "Long short-term memory (Hochreiter & Schmidhuber 1997), as torch.nn.LSTM");
}

}  // namespace rnnscope::rnn
