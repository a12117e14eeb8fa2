// Declarations of the [train] section and the run config's help text (torch-free).
#include "rnnscope/training/run_config.h"

#include "rnnscope/core/error.h"
#include "rnnscope/nback/run_params.h"

#include <algorithm>

namespace rnnscope::rnn {

std::vector<ParamSpec> train_param_specs() {
  return {
      ParamSpec{"batch_size", ParamKind::integer, 64, "trials per optimiser step"}.with_min(1),
      ParamSpec{"optimizer", ParamKind::string, "adam",
                "adam; adamw: Adam with decoupled weight decay 0.01 (LibTorch's default), as the N-back "
                "models are published; or sgd: plain gradient descent θ ← θ − lr·g (no momentum), the "
                "setting of the rank bounds on learning (docs/ltr.md)"}
          .with_choices({"adam", "adamw", "sgd"}),
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
      ParamSpec{"rate_l1", ParamKind::number, 0.0, "L1 penalty on rates: coefficient * mean(|f(x)|)"}.with_min(0),
      ParamSpec{"weight_l2", ParamKind::number, 0.0,
                "L2 penalty on weights: coefficient * (mean(W_in^2) + mean(W_rec^2) + mean(W_out^2))"}
          .with_min(0),
      ParamSpec{"weight_l1", ParamKind::number, 0.0,
                "L1 penalty on the recurrent weights: coefficient * mean(|W_rec|) (|W_hh| for gru/lstm)"}
          .with_min(0),
      ParamSpec{"method", ParamKind::string, "none",
                "training-only long-dependency method (docs/long_deps.md): none, sctt (skip connections "
                "through time), dasc (dynamics-aligned skips) or cd (coarsened discretisation); ctrnn only"}
          .with_choices({"none", "sctt", "dasc", "cd"}),
      ParamSpec{"skip_steps", ParamKind::integer, 10,
                "theta: skip length in steps (sctt, dasc), or the first stage's multiple of dt (cd)"}
          .with_min(1),
      ParamSpec{"beta_init", ParamKind::number, 0.0, "beta of the first stage; beta rises to 1 in train.stages steps"}
          .with_min(0)
          .with_max(1),
      ParamSpec{"stages", ParamKind::integer, 1, "equal steps of beta from beta_init to 1 (train.method)"}.with_min(1),
      ParamSpec{"stage_steps", ParamKind::integer, 500,
                "optimiser steps per stage; after the last stage training is plain (beta = 1)"}
          .with_min(1),
      ParamSpec{"replicas", ParamKind::integer, 1,
                "independent networks of this config trained at once, each from its own initialisation (seed, "
                "replica), on the same trials, with its own early stop (ctrnn only; docs/outputs.md)"}
          .with_min(1),
      threads_param_spec(),
  };
}

ParamSpec threads_param_spec() {
  return ParamSpec{"threads", ParamKind::integer, 0,
                   "CPU threads for LibTorch (0 = all cores); results are reproducible for a fixed count"}
      .with_min(0);
}

const std::vector<std::string>& continuable_train_keys() {
  static const std::vector<std::string> keys = {"max_steps",  "lr",        "target_accuracy", "eval_every",
                                                "checkpoint_every", "grad_clip", "rate_l2", "rate_l1",
                                                "weight_l2", "weight_l1", "threads"};
  return keys;
}

std::string continuable_keys_text() {
  std::string text;
  for (const auto& k : continuable_train_keys()) text += (text.empty() ? "train." : ", train.") + k;
  return text;
}

std::vector<std::string> continuation_changes(const Json& stored, const Json& given) {
  const auto& allowed = continuable_train_keys();
  std::vector<std::string> changes;
  // Both are resolved: the same sections and keys, in declaration order (a changed task name
  // changes the task's keys too; it is named first).
  const Json flat_stored = stored.flatten(), flat_given = given.flatten();
  std::vector<std::string> keys;
  for (const auto& [pointer, value] : flat_stored.items()) keys.push_back(pointer);
  for (const auto& [pointer, value] : flat_given.items())
    if (!flat_stored.contains(pointer)) keys.push_back(pointer);
  for (const auto& pointer : keys) {
    const Json old_value = flat_stored.value(pointer, Json());
    const Json new_value = flat_given.value(pointer, Json());
    if (old_value == new_value) continue;
    std::string key = pointer.substr(1);
    std::replace(key.begin(), key.end(), '/', '.');
    const bool continuable =
        key.rfind("train.", 0) == 0 && std::find(allowed.begin(), allowed.end(), key.substr(6)) != allowed.end();
    const std::string change = key + ": " + (old_value.is_null() ? "(none)" : old_value.dump()) + " -> " +
                               (new_value.is_null() ? "(none)" : new_value.dump());
    require(continuable, "cannot resume with " + change + ": a continued run keeps its network, data and "
                         "evaluation set; it may change only " + continuable_keys_text());
    changes.push_back(change);
  }
  return changes;
}

std::string describe_run_config() {
  std::string out = "seed (integer, default 0): run seed\n";
  out += "[task]\n  name (string, required): one of the names `rnnscope tasks` lists; the task's own\n"
         "  keys are listed by `rnnscope tasks show NAME`\n";
  out += "[model]\n  type (string, default ctrnn): one of the types `rnnscope models` lists; each type's\n"
         "  keys are listed by `rnnscope models show TYPE`\n";
  out += "[train]\n" + describe_params(train_param_specs(), "  ");
  out += nback::describe_run_sections();
  return out;
}

}  // namespace rnnscope::rnn
