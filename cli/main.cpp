// rnnscope: the command-line door into the library. Subcommands live in cmd_<name>.cpp; those
// that need LibTorch run in a plugin loaded on demand (torch_commands.h).
#include "commands.h"

#include "rnnscope/core/error.h"

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// CLI11 answers a mistyped command with "A subcommand is required"; name the word, the
// closest command and the list instead. Empty when `word` is a command.
std::string unknown_command_message(const CLI::App& app, const std::string& word) {
  std::string names, closest;
  size_t best = 3;  // suggest only near misses
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name() == word) return "";
    names += (names.empty() ? "" : ", ") + sub->get_name();
    const size_t d = edit_distance(word, sub->get_name());
    if (d < best) {
      best = d;
      closest = sub->get_name();
    }
  }
  return "unknown command '" + word + "'" + (closest.empty() ? "." : "; did you mean '" + closest + "'?") +
         " Commands: " + names;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "rnnscope — recurrent network models of cognition: cognitive tasks, training rate (CTRNN) and\n"
      "gated (GRU, LSTM) networks on them (one run, or sweeps of many across MPI ranks), low tensor\n"
      "rank (ltrRNN fits to recordings, CP decomposition, the rank of weights over learning) and the\n"
      "topology of representations (persistent homology, RTD), spiking LIF networks with STDP (snn);\n"
      "`rnnscope report` draws any result as one offline HTML page.\n"
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
  rnnscope::cli::add_snn_command(app);
  rnnscope::cli::add_nback_command(app);
  rnnscope::cli::add_analyze_command(app);
  if (argc > 1 && argv[1][0] != '-') {
    const std::string message = unknown_command_message(app, argv[1]);
    if (!message.empty()) {
      std::cerr << "rnnscope: error: " << message << "\n";
      return 2;
    }
  }
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
