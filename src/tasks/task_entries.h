// The registry entry of each task family, one per source file; registry.cpp lists them.
#pragma once

#include "rnnscope/tasks/registry.h"

#include <vector>

namespace rnnscope::tasks {

TaskEntry perceptual_dm_entry();
TaskEntry context_dm_entry();
TaskEntry delayed_match_entry();
TaskEntry n_parity_entry();
TaskEntry interval_reproduction_entry();
TaskEntry centre_out_reach_entry();
TaskEntry rule_reversal_entry();
// go, rtgo, dlygo, anti, …, dnmc: one entry per task of the Yang 2019 family (yang_family.cpp).
std::vector<TaskEntry> yang_family_entries();

}  // namespace rnnscope::tasks
