// The commands the plugin runs; entry_points.cpp exports them to the executable.
#pragma once

#include "torch_commands.h"

namespace rnnscope::cli {

void run_train(const TrainArgs& args);
void run_eval(const EvalArgs& args);

}  // namespace rnnscope::cli
