// `rnnscope report PATH --out report.html`: options and help here; the page is drawn by the
// rnnscope Python package (rnnscope.reports), since plotting is Python's job in this project.
// The command replaces itself with `python -m rnnscope._report_cli …` run by the Python
// installed beside this program (the venv's bin/, where `make` installs both), so the CLI and
// rnnscope.report() draw with one code.
#include "commands.h"
#include "executable.h"

#include "rnnscope/core/error.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace rnnscope::cli {
namespace {

struct ReportArgs {
  std::string path;
  std::string out;
  bool force = false;
};

[[noreturn]] void run_report(const ReportArgs& args) {
  const std::string python = (executable_directory() / "python").string();
  if (::access(python.c_str(), X_OK) != 0)
    throw Error("rnnscope report draws with the rnnscope Python package, but there is no Python beside this "
                "program (" + python + "); run the rnnscope that `make` installs into the venv (.venv/bin/rnnscope)");
  std::vector<std::string> words = {python, "-m", "rnnscope._report_cli", args.path, "--out", args.out};
  if (args.force) words.emplace_back("--force");
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  ::execv(python.c_str(), argv.data());
  throw std::runtime_error("cannot run " + python + ": " + std::strerror(errno));
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand("report", "One self-contained HTML page of figures for a result");
  cmd->add_option("PATH", args->path,
                  "a run directory (rnnscope train), an eval file (rnnscope eval --out), a ph or rtd output, a "
                  "sweep directory or an experiment directory (or its results.h5); recognised by the files and "
                  "HDF5 layouts rnnscope writes")
      ->required();
  cmd->add_option("--out,-o", args->out, "the HTML file to write (atomically)")->required();
  cmd->add_flag("--force", args->force, "overwrite --out if it exists");
  cmd->footer(
      "Figures per result: a run's learning curves against steps and wall time, example trials, a\n"
      "psychometric curve (decision tasks), the recurrent weights and state trajectories in PCA space;\n"
      "an eval file's trials, psychometric curve and trajectories; persistence diagrams and barcodes;\n"
      "RTD per trial; a sweep's table and its accuracy and steps against each axis; an experiment's\n"
      "headline figures beside the paper's claims. Inline PNG images, no script, nothing fetched: the\n"
      "page opens offline in any browser. Drawn by the rnnscope Python package (rnnscope.report), run\n"
      "with the Python installed beside this program. See docs/report.md.\n"
      "Example:\n  rnnscope report runs/demo --out demo.html");
  cmd->callback([args] { run_report(*args); });
}

}  // namespace rnnscope::cli
