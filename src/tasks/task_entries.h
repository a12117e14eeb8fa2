// The registry entry of each task family, one per source file; registry.cpp lists them.
#pragma once

#include "rnnscope/tasks/registry.h"

namespace rnnscope::tasks {

TaskEntry perceptual_dm_entry();
TaskEntry context_dm_entry();
TaskEntry delayed_match_entry();
TaskEntry n_parity_entry();
TaskEntry interval_reproduction_entry();
TaskEntry centre_out_reach_entry();

}  // namespace rnnscope::tasks
