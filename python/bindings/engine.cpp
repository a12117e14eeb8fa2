// Bindings for the recurrent engines: one layer run on given weights (for tests against
// other implementations, e.g. torch.nn.GRU / torch.nn.LSTM).
#include "bindings.h"
#include "convert.h"

#include "rnnscope/engine/layer_run.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

namespace py = pybind11;

namespace rnnscope::python {

void bind_engine(py::module_& m) {
  m.def(
      "run_layer",
      [](const std::string& type, const std::string& engine, const std::map<std::string, DoubleArray>& weights,
         const DoubleArray& inputs, const DoubleArray& grad_states, double alpha, const std::string& activation) {
        rnn::LayerRun run;
        run.type = type;
        run.engine = engine;
        for (const auto& [name, array] : weights) run.weights[name] = to_array(array);
        run.inputs = to_array(inputs);
        run.grad_states = to_array(grad_states);
        run.alpha = alpha;
        run.activation = activation;
        rnn::LayerRunResult result;
        {
          py::gil_scoped_release release;
          result = rnn::run_layer(run);
        }
        py::dict grads;
        for (const auto& [name, array] : result.grads) grads[py::str(name)] = to_numpy(array);
        return py::make_tuple(to_numpy(result.states), grads);
      },
      py::arg("type"), py::arg("engine"), py::arg("weights"), py::arg("inputs"), py::arg("grad_states"),
      py::arg("alpha") = 0.1, py::arg("activation") = "relu",
      "Runs one layer (ctrnn, gru or lstm) forward and backward in double precision on the given "
      "weights (model.h5 names); returns (states [T, B, N], {name: dL/dname} incl. 'inputs').");
}

}  // namespace rnnscope::python
