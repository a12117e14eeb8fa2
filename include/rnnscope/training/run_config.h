// The run config: `seed`, [task], [model], [train]. Declared here once; resolved configs
// are what config.toml in a run directory holds.
#pragma once

#include "rnnscope/core/params.h"

#include <string>
#include <vector>

namespace rnnscope::rnn {

std::vector<ParamSpec> model_param_specs();
std::vector<ParamSpec> train_param_specs();

// Validates a whole config and fills in every default (the task's own parameters
// included). `context` names the source in error messages.
Json resolve_run_config(const Json& raw, const std::string& context);

// `config` (a table) with `overrides` ("section.key=value") applied, then resolved.
Json resolve_run_config(Json config, const std::vector<std::string>& overrides,
                        const std::string& context);

// Help text listing every section and key with its default and doc.
std::string describe_run_config();

}  // namespace rnnscope::rnn
