// rnnscope: the command-line door into the library. Subcommands live in cmd_<name>.cpp; those
// that need LibTorch run in a plugin loaded on demand (torch_commands.h).
#include "commands.h"

#include "rnnscope/core/error.h"

#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{
      "rnnscope — recurrent network models of cognition: cognitive tasks, training rate (CTRNN) and\n"
      "gated (GRU, LSTM) networks on them (one run, or sweeps of many across MPI ranks), low tensor\n"
      "rank (ltrRNN fits to recordings, CP decomposition, the rank of weights over learning) and the\n"
      "topology of representations (persistent homology, RTD); `rnnscope report` draws any result\n"
      "as one offline HTML page.\n"
      "Run `rnnscope COMMAND --help` for a command's options."};
  // One line on stderr for every usage error, as for rnnscope::Error (subcommands inherit it).
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "rnnscope: error: " + std::string(e.what()) + " (see `rnnscope COMMAND --help`)\n";
  });
  app.set_version_flag("--version", std::string("rnnscope ") + RNNSCOPE_VERSION);
  app.require_subcommand(1);
  rnnscope::cli::add_tasks_command(app);
  rnnscope::cli::add_train_command(app);
  rnnscope::cli::add_eval_command(app);
  rnnscope::cli::add_models_command(app);
  rnnscope::cli::add_sweep_command(app);
  rnnscope::cli::add_ph_command(app);
  rnnscope::cli::add_rtd_command(app);
  rnnscope::cli::add_fit_ltr_command(app);
  rnnscope::cli::add_synth_ltr_command(app);
  rnnscope::cli::add_cp_command(app);
  rnnscope::cli::add_analyze_learning_command(app);
  rnnscope::cli::add_experiment_command(app);
  rnnscope::cli::add_report_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  } catch (const rnnscope::Error& e) {
    std::cerr << "rnnscope: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    // Our bug, not the user's (LibTorch errors from the train/eval plugin arrive here too).
    std::cerr << "rnnscope: internal error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
