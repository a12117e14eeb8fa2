// One recurrent layer run on given weights in double precision, forward and backward — for
// checking the engines against other implementations (tests/python/test_engine.py compares
// the GRU and LSTM with torch.nn.GRU / torch.nn.LSTM).
#pragma once

#include "rnnscope/core/hdf5_io.h"

#include <map>
#include <string>

namespace rnnscope::rnn {

struct LayerRun {
  std::string type = "gru";         // "ctrnn", "gru" or "lstm"
  std::string engine = "fused";     // "fused" or "reference"
  // Named as in model.h5. ctrnn: W_in [N, n_in], W_rec [N, N] (effective), b [N];
  // gru/lstm: W_ih [G·N, n_in], W_hh [G·N, N], b_ih, b_hh [G·N] in PyTorch's gate order.
  // Optional x0 [N] (the initial state; zeros when absent).
  std::map<std::string, h5::Array> weights;
  h5::Array inputs;                 // [T, B, n_in]
  h5::Array grad_states;            // [T, B, N]: dL/d(states), the gradient to propagate back
  double alpha = 0.1;               // ctrnn only: dt/tau
  std::string activation = "relu";  // ctrnn only
};

struct LayerRunResult {
  h5::Array states;                        // [T, B, N]: x_t (ctrnn) or h_t (gru/lstm)
  std::map<std::string, h5::Array> grads;  // dL/d(each weight, x0 included) and dL/d("inputs")
};

// Error names the offending weight, shape or option.
LayerRunResult run_layer(const LayerRun& run);

}  // namespace rnnscope::rnn
