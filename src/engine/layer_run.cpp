// One recurrent layer on given weights, forward and backward in double precision
// (include/rnnscope/engine/layer_run.h): the harness through which tests/python/test_engine.py
// checks the engines against torch.nn.GRU / torch.nn.LSTM.
#include "rnnscope/engine/layer_run.h"

#include "engine/engine_internal.h"
#include "rnnscope/core/error.h"

#include <map>
#include <string>
#include <vector>

namespace rnnscope::rnn {
namespace {

using torch::Tensor;

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

Tensor from_array(const h5::Array& a, const std::string& name, const std::vector<int64_t>& expected) {
  require(a.shape == expected, "run_layer: " + name + " has shape " + shape_text(a.shape) + ", expected " +
                                   shape_text(expected));
  return torch::from_blob(const_cast<double*>(a.data.data()), a.shape, torch::kFloat64).clone();
}

h5::Array to_array(const Tensor& t) {
  const Tensor c = t.detach().to(torch::kFloat64).contiguous();
  return {std::vector<int64_t>(c.sizes().begin(), c.sizes().end()),
          std::vector<double>(c.const_data_ptr<double>(), c.const_data_ptr<double>() + c.numel())};
}

}  // namespace

LayerRunResult run_layer(const LayerRun& run) {
  require(run.type == "ctrnn" || run.type == "gru" || run.type == "lstm",
          "run_layer: type \"" + run.type + "\" is not allowed; allowed: ctrnn, gru, lstm");
  const Engine engine = parse_engine(run.engine);
  require(run.inputs.shape.size() == 3, "run_layer: inputs must be [T, B, n_in], got " + shape_text(run.inputs.shape));
  const int64_t T = run.inputs.shape[0], B = run.inputs.shape[1], n_in = run.inputs.shape[2];
  require(T > 0 && B > 0 && n_in > 0, "run_layer: inputs " + shape_text(run.inputs.shape) + " must not be empty");
  const bool ctrnn = run.type == "ctrnn";
  require(!ctrnn || (run.alpha > 0 && run.alpha <= 1),
          "run_layer: alpha = " + std::to_string(run.alpha) + " must lie in (0, 1]");
  const std::string recurrent = ctrnn ? "W_rec" : "W_hh";
  require(run.weights.count(recurrent) && run.weights.at(recurrent).shape.size() == 2,
          "run_layer: weight " + recurrent + " (a matrix) is required");
  const int64_t n = run.weights.at(recurrent).shape[1];
  const int64_t rows = ctrnn ? n : gate_count(run.type == "gru" ? GatedKind::gru : GatedKind::lstm) * n;
  const std::map<std::string, std::vector<int64_t>> expected =
      ctrnn ? std::map<std::string, std::vector<int64_t>>{{"W_in", {n, n_in}}, {"W_rec", {n, n}}, {"b", {n}}, {"x0", {n}}}
            : std::map<std::string, std::vector<int64_t>>{
                  {"W_ih", {rows, n_in}}, {"W_hh", {rows, n}}, {"b_ih", {rows}}, {"b_hh", {rows}}, {"x0", {n}}};
  for (const auto& [name, array] : run.weights) {
    require(expected.count(name), "run_layer: unknown weight '" + name + "' for type " + run.type);
  }
  std::map<std::string, Tensor> w;
  for (const auto& [name, shape] : expected) {
    if (run.weights.count(name)) {
      w[name] = from_array(run.weights.at(name), name, shape);
    } else {
      require(name == "x0", "run_layer: weight '" + name + "' is required for type " + run.type);
      w[name] = torch::zeros(shape, torch::kFloat64);
    }
    w[name].requires_grad_(true);
  }
  const Tensor inputs = from_array(run.inputs, "inputs", run.inputs.shape).requires_grad_(true);
  const Tensor grad_states = from_array(run.grad_states, "grad_states", {T, B, n});
  Workspace workspace;
  const Tensor states =
      ctrnn ? ctrnn_sequence(engine, workspace, inputs, w["W_in"], w["W_rec"], w["b"], w["x0"], Tensor(),
                             uniform_ctrnn_dynamics(CtrnnForm::current, parse_activation(run.activation), run.alpha,
                                                    0.0, n, inputs.options()))
                  .states
            : gated_sequence(engine, workspace, run.type == "gru" ? GatedKind::gru : GatedKind::lstm, inputs, w["W_ih"],
                             w["W_hh"], w["b_ih"], w["b_hh"], w["x0"])
                  .states;
  states.backward(grad_states);
  LayerRunResult result;
  result.states = to_array(states);
  for (const auto& [name, t] : w) result.grads[name] = to_array(t.grad());
  result.grads["inputs"] = to_array(inputs.grad());
  return result;
}

}  // namespace rnnscope::rnn
