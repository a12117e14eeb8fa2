// The run config: `seed`, [task], [model], [train]. Each section is declared where it lives
// — [task] by the task registry, [model] by the model registry, [train] here — and a
// resolved config (every default filled in) is what config.toml in a run directory holds.
#pragma once

#include "rnnscope/core/params.h"

#include <string>
#include <vector>

namespace rnnscope::rnn {

// [train] keys. Torch-free (train_params.cpp), so `rnnscope train --help` lists them without
// loading LibTorch.
std::vector<ParamSpec> train_param_specs();
// The `threads` key of [train], which the surrogate-gradient runs of `snn train` declare too
// ([surrogate], snn/config.h): both are applied by rnn::use_threads.
ParamSpec threads_param_spec();

// The [train] keys a continued run (resume with overrides) may change: its budget and
// schedule. Every other key would change the network, its data or its evaluation set.
const std::vector<std::string>& continuable_train_keys();
// The same as text: "train.max_steps, train.lr, …".
std::string continuable_keys_text();

// What continuing the run whose resolved config is `stored` with the resolved config `given`
// changes: one "section.key: old -> new" text per changed key (empty: nothing). Error naming
// the first key that a continued run may not change, and the keys it may.
std::vector<std::string> continuation_changes(const Json& stored, const Json& given);

// Help text: seed, where [task] and [model] keys are listed, and every [train] key.
std::string describe_run_config();

// Validates a whole config and fills in every default (the task's and the model type's own
// parameters included). `context` names the source in error messages. (LibTorch library:
// the model registry lives there.)
Json resolve_run_config(const Json& raw, const std::string& context);

// `config` (a table) with `overrides` ("section.key=value") applied, then resolved.
// `override_source` names the overrides in error messages (the CLI's `--set`).
Json resolve_run_config(Json config, const std::vector<std::string>& overrides, const std::string& context,
                        const std::string& override_source = "override");

}  // namespace rnnscope::rnn
