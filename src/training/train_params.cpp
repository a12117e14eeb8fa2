// Declarations of the [train] section and the run config's help text (torch-free).
#include "rnnscope/training/run_config.h"

namespace rnnscope::rnn {

std::vector<ParamSpec> train_param_specs() {
  return {
      ParamSpec{"batch_size", ParamKind::integer, 64, "trials per optimiser step"}.with_min(1),
      ParamSpec{"optimizer", ParamKind::string, "adam",
                "adam, or sgd: plain gradient descent θ ← θ − lr·g (no momentum), the setting of the "
                "rank bounds on learning (docs/ltr.md)"}
          .with_choices({"adam", "sgd"}),
      ParamSpec{"lr", ParamKind::number, 1e-3, "learning rate"}.with_min(0, true),
      ParamSpec{"max_steps", ParamKind::integer, 2000, "optimiser steps at most"}.with_min(1),
      ParamSpec{"eval_every", ParamKind::integer, 100,
                "evaluate on fresh trials every this many steps (0 = only at the end)"}
          .with_min(0),
      ParamSpec{"eval_trials", ParamKind::integer, 256, "trials per evaluation"}.with_min(1),
      ParamSpec{"target_accuracy", ParamKind::number, -1.0,
                "stop when evaluation accuracy reaches this (-1 = the task's own criterion, "
                "2 = never stop early)"}
          .with_min(-1).with_max(2),
      ParamSpec{"checkpoint_every", ParamKind::integer, 500,
                "write checkpoint.pt every this many steps (0 = only when training stops early, so "
                "that --resume can continue; a finished run then keeps no checkpoint.pt)"}
          .with_min(0),
      ParamSpec{"save_weights_every", ParamKind::integer, 0,
                "save the weight matrices to weights_history.h5 at step 0, every this many steps and "
                "at the last step (0 = never); read by `rnnscope analyze-learning`"}
          .with_min(0),
      ParamSpec{"grad_clip", ParamKind::number, 1.0, "clip the gradient norm to this (0 = no clipping)"}
          .with_min(0),
      ParamSpec{"rate_l2", ParamKind::number, 0.0, "L2 penalty on rates: coefficient * mean(f(x)^2)"}
          .with_min(0),
      ParamSpec{"weight_l2", ParamKind::number, 0.0,
                "L2 penalty on weights: coefficient * (mean(W_in^2) + mean(W_rec^2) + mean(W_out^2))"}
          .with_min(0),
      ParamSpec{"threads", ParamKind::integer, 0,
                "CPU threads for LibTorch (0 = all cores); results are reproducible for a fixed count"}
          .with_min(0),
  };
}

std::string describe_run_config() {
  std::string out = "seed (integer, default 0): run seed\n";
  out += "[task]\n  name (string, required): one of the names `rnnscope tasks` lists; the task's own\n"
         "  keys are listed by `rnnscope tasks show NAME`\n";
  out += "[model]\n  type (string, default ctrnn): one of the types `rnnscope models` lists; each type's\n"
         "  keys are listed by `rnnscope models show TYPE`\n";
  out += "[train]\n" + describe_params(train_param_specs(), "  ");
  return out;
}

}  // namespace rnnscope::rnn
