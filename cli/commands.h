// The CLI's subcommands. Each cmd_<name>.cpp defines one add_<name>_command, which adds its
// subcommand to the app and sets the callback that runs it. Callbacks throw rnnscope::Error
// for user errors; main() turns that into one line on stderr and exit code 2.
#pragma once

#include <CLI/CLI.hpp>

namespace rnnscope::cli {

void add_tasks_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_models_command(CLI::App& app);
void add_sweep_command(CLI::App& app);
void add_ph_command(CLI::App& app);
void add_rtd_command(CLI::App& app);
void add_fit_ltr_command(CLI::App& app);
void add_synth_ltr_command(CLI::App& app);
void add_cp_command(CLI::App& app);
void add_analyze_learning_command(CLI::App& app);
void add_analyze_command(CLI::App& app);
void add_experiment_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_snn_command(CLI::App& app);
void add_nback_command(CLI::App& app);

}  // namespace rnnscope::cli
