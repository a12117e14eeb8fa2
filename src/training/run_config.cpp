// Declarations and validation of the run config sections.
#include "rnnscope/training/run_config.h"

#include "rnnscope/core/config_io.h"
#include "rnnscope/core/error.h"
#include "rnnscope/tasks/registry.h"

namespace rnnscope::rnn {

std::vector<ParamSpec> model_param_specs() {
  return {
      ParamSpec{"type", ParamKind::string, "ctrnn",
                "model family: ctrnn (leaky rate RNN), gru or lstm (PyTorch's gated cells)"}
          .with_choices({"ctrnn", "gru", "lstm"}),
      ParamSpec{"engine", ParamKind::string, "fused",
                "fused (whole-sequence kernels) or reference (plain autograd, the test oracle)"}
          .with_choices({"fused", "reference"}),
      ParamSpec{"units", ParamKind::integer, 128, "number of recurrent units"}.with_min(1).with_max(100000),
      ParamSpec{"activation", ParamKind::string, "relu", "rate function f(x) (ctrnn only)"}
          .with_choices({"relu", "tanh", "softplus"}),
      ParamSpec{"tau", ParamKind::number, 100.0, "membrane time constant in ms, alpha = dt/tau (ctrnn only)"}
          .with_min(0, true),
      ParamSpec{"noise", ParamKind::number, 0.05,
                "recurrent noise sigma; the update adds alpha*sqrt(2/alpha)*sigma*N(0,1) (ctrnn only)"}
          .with_min(0),
      ParamSpec{"rec_gain", ParamKind::number, 1.0,
                "initial W_rec ~ N(0, rec_gain^2 / units) (magnitudes for Dale networks) (ctrnn only)"}
          .with_min(0),
      ParamSpec{"dale", ParamKind::boolean, false,
                "Dale's law: each unit's outgoing recurrent weights share one sign (ctrnn only)"},
      ParamSpec{"exc_fraction", ParamKind::number, 0.8,
                "fraction of excitatory units under Dale's law (ctrnn only)"}
          .with_min(0, true).with_max(1),
      ParamSpec{"learn_x0", ParamKind::boolean, false,
                "learn the initial state x0 (gru/lstm: the initial h) (else zeros)"},
  };
}

std::vector<ParamSpec> train_param_specs() {
  return {
      ParamSpec{"batch_size", ParamKind::integer, 64, "trials per optimiser step"}.with_min(1),
      ParamSpec{"lr", ParamKind::number, 1e-3, "Adam learning rate"}.with_min(0, true),
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
                "write checkpoint.pt every this many steps (0 = never)"}
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

namespace {

constexpr const char* kSections[] = {"seed", "task", "model", "train"};

std::string known_task_names() {
  std::string out;
  for (const auto& n : tasks::names()) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

Json resolve_run_config(const Json& raw, const std::string& context) {
  require(raw.is_object(), context + ": expected a table");
  for (const auto& [key, value] : raw.items()) {
    bool known = false;
    for (const char* k : kSections) known = known || key == k;
    require(known, context + ": unknown key '" + key + "'; allowed: seed, [task], [model], [train]");
  }
  Json out = Json::object();
  out["seed"] = resolve_params(Json{{"seed", raw.value("seed", Json(0))}},
                               {ParamSpec{"seed", ParamKind::integer, 0, "run seed"}.with_min(0)},
                               context)["seed"];

  require(raw.contains("task") && raw["task"].is_object() && raw["task"].contains("name"),
          context + ": [task] name is required; known tasks: " + known_task_names());
  const Json& task = raw["task"];
  require(task["name"].is_string(), context + " [task] name: expected a string");
  const auto task_name = task["name"].get<std::string>();
  Json task_params = task;
  task_params.erase("name");
  auto made = tasks::make(task_name, task_params, context + " [task]");
  Json resolved_task = Json::object();
  resolved_task["name"] = task_name;
  for (const auto& [k, v] : made->params().items()) resolved_task[k] = v;
  out["task"] = resolved_task;

  out["model"] = resolve_params(raw.value("model", Json::object()), model_param_specs(), context + " [model]");
  const auto model_type = out["model"]["type"].get<std::string>();
  require(model_type == "ctrnn" || !out["model"]["dale"].get<bool>(),
          context + " [model] dale = true applies only to type = \"ctrnn\", not \"" + model_type + "\"");
  out["train"] = resolve_params(raw.value("train", Json::object()), train_param_specs(), context + " [train]");
  return out;
}

Json resolve_run_config(Json config, const std::vector<std::string>& overrides,
                        const std::string& context) {
  for (const auto& o : overrides) apply_override(config, o);
  return resolve_run_config(config, context);
}

std::string describe_run_config() {
  std::string out = "seed (integer, default 0): run seed\n";
  out += "[task]\n  name (string, required): one of the names `rnnscope tasks` lists; the task's own\n"
         "  keys are listed by `rnnscope tasks show NAME`\n";
  out += "[model]\n" + describe_params(model_param_specs(), "  ");
  out += "[train]\n" + describe_params(train_param_specs(), "  ");
  return out;
}

}  // namespace rnnscope::rnn
