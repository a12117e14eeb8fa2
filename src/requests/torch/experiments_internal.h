// The experiments behind `rnnscope experiment NAME` (requests/experiment.h): one function per
// experiment, each in its own experiment_<name>.cpp, listed once in experiment.cpp's table.
#pragma once

#include "rnnscope/requests/experiment.h"

#include <limits>
#include <string>

namespace rnnscope::requests {

// What results.h5 holds where a number does not exist (a criterion never reached, a
// statistic of fewer than two values).
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One number printed by a printf pattern, for the results.md tables.
std::string format_value(const char* pattern, double value);
// format_value, or "–" where the number does not exist (not finite): a results.md table cell.
std::string format_cell(const char* pattern, double value);

// Planted-rank recovery by fit-ltr and the tensor rank of a task-trained RNN's weight updates.
ExperimentResult run_ltr_experiment(const ExperimentRequest& request);
// Base CTRNN against SCTT, DASC and CD (GRU, LSTM as reference) on tasks with long delays.
ExperimentResult run_long_deps_experiment(const ExperimentRequest& request);
// Spiking networks trained by het_stdp, hom_stdp and surrogate gradients compared by RTD.
ExperimentResult run_snn_topology_experiment(const ExperimentRequest& request);
// Vanilla, GRU and LSTM networks trained on the nine N-back tasks and their latent geometry.
ExperimentResult run_nback_experiment(const ExperimentRequest& request);

}  // namespace rnnscope::requests
