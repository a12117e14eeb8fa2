// The N-back sections of a run config (docs/nback.md "Training"): `[task] name = "nback"` with
// the diet, `[stimuli]` (stimulus_params), `[nback]` (sequence_params) and `[perception]` (the
// frozen CNN's file, the feature bank and the cognitive stage's front). Declared here, torch-free,
// so that config resolution and `rnnscope train --help` need no LibTorch.
#pragma once

#include "rnnscope/core/params.h"
#include "rnnscope/nback/sequences.h"

#include <string>
#include <vector>

namespace rnnscope::nback {

// The [task] name of an N-back run.
inline constexpr const char* kRunTaskName = "nback";
// The run's own criterion (train.target_accuracy = -1): the fraction of frames answered right on
// the held-out evaluation set. The paper trains to above 0.90 on every task.
inline constexpr double kDefaultTargetAccuracy = 0.95;

// [task] keys beside name: the diet `tasks` and `data_dir`, where the exemplars' images are.
std::vector<ParamSpec> run_task_params();
// [perception] keys: cnn (required), views, reduced_channels, embedding.
std::vector<ParamSpec> perception_params();

// The resolved N-back sections of `raw` (a run config whose [task] name is "nback"): "task",
// "stimuli", "nback", "perception", every default filled in, perception.cnn made absolute (a
// resumed run finds it from any directory). Error: unknown keys, values out of range, an empty
// or repeated diet, a diet task that needs more frames than [nback] frames.
Json resolve_run_sections(const Json& raw, const std::string& context);

// The diet of a resolved [task] table, in the order given.
std::vector<NBackTask> diet(const Json& resolved_task);

// "[task] (name = "nback") …" lines of every N-back key, for `rnnscope train --help`.
std::string describe_run_sections();

}  // namespace rnnscope::nback
