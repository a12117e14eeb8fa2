// `rnnscope sweep SWEEP.toml --out DIR`: options and help here; the request runs in the
// LibTorch plugin (requests/sweep.h), under mpirun on every rank.
#include "commands.h"

#include "progress.h"
#include "stop_signal.h"
#include "torch_commands.h"

#include "rnnscope/requests/sweep.h"

#include <cstdio>

namespace rnnscope::cli {
namespace {

struct SweepArgs {
  requests::SweepRequest request;
  bool quiet = false;
};

std::string cell_text(const sweeps::Cell& cell) {
  std::string text = cell.id + "  seed=" + std::to_string(cell.seed);
  for (const auto& [key, value] : cell.values.items()) text += "  " + key + "=" + value.dump();
  return text;
}

void run_sweep(SweepArgs args) {
  auto& req = args.request;
  ProgressPrinter printer;
  if (!args.quiet && !req.list) {
    req.progress = [&printer](const requests::SweepProgress& p) {
      char text[160];
      std::snprintf(text, sizeof text, "%ssweep %lld/%lld done, %lld failed, %lld running, ETA %s — ",
                    p.ranks > 1 ? ("[rank " + std::to_string(p.rank) + "] ").c_str() : "",
                    static_cast<long long>(p.done), static_cast<long long>(p.cells),
                    static_cast<long long>(p.failed), static_cast<long long>(p.running),
                    p.eta_seconds < 0 ? "-" : format_duration(p.eta_seconds).c_str());
      printer.update(text + p.event, true);
    };
  }
  req.stop_requested = stop_requested;
  install_stop_handlers();
  const auto result = run_in_torch_plugin<requests::SweepResult>("sweep", req);
  printer.finish();
  if (req.list) {
    for (const auto& cell : result.cells) std::printf("%s\n", cell_text(cell).c_str());
    return;
  }
  if (result.rank != 0) return;
  int64_t done = 0, failed = 0, pending = 0;
  for (const auto& row : result.table.rows) {
    done += row.status == sweeps::CellStatus::done;
    failed += row.status == sweeps::CellStatus::failed;
    pending += row.status == sweeps::CellStatus::pending;
  }
  std::printf("sweep %s %s: %lld cells, %lld done, %lld failed, %lld pending (%d rank%s x %lld workers); table: "
              "%s/results.csv\n",
              result.interrupted ? "interrupted in" : "written to", req.out.c_str(),
              static_cast<long long>(result.table.rows.size()), static_cast<long long>(done),
              static_cast<long long>(failed), static_cast<long long>(pending), result.ranks,
              result.ranks == 1 ? "" : "s", static_cast<long long>(result.workers), req.out.c_str());
  if (failed) std::printf("failed cells keep their error in results.csv; run them again with --retry-failed\n");
  if (pending) std::printf("continue with the same command: finished cells are kept, interrupted ones resume\n");
}

}  // namespace

void add_sweep_command(CLI::App& app) {
  auto args = std::make_shared<SweepArgs>();
  auto& req = args->request;
  auto* cmd = app.add_subcommand("sweep", "Train every cell of a sweep (configs x seeds), locally or across MPI ranks");
  cmd->add_option("SWEEP", req.spec_path, "sweep file (TOML): base, seeds, combine, [axes], [random], [runner]")
      ->required();
  cmd->add_option("--out,-o", req.out, "sweep directory: cells/<id>/ run directories, results.h5, results.csv");
  cmd->add_flag("--list", req.list, "print the cells (id, seed, axis values) and exit");
  cmd->add_option("--cell", req.cell, "run only cell I (0-based), e.g. one SLURM array task per cell");
  cmd->add_flag("--retry-failed", req.retry_failed, "run failed cells again");
  cmd->add_flag("--force", req.force, "replace a directory that holds another sweep");
  cmd->add_option("--workers", req.workers, "cells at once in this process (default: [runner] workers, else "
                                            "cores / threads_per_cell; 1 per MPI rank)");
  cmd->add_flag("--quiet,-q", args->quiet, "no progress output");
  cmd->footer(
      "Re-running the same sweep skips finished cells, resumes interrupted ones from their checkpoints and\n"
      "keeps failed ones (with their error) unless --retry-failed. Under `mpirun -np K rnnscope sweep ...`\n"
      "the ranks share the cells; a shared filesystem holds DIR. See docs/scaling.md.\n"
      "Example sweep file:\n"
      "  base = \"demo.toml\"     # relative to the sweep file, or an inline [base] table\n"
      "  seeds = [1, 2, 3]\n"
      "  combine = \"product\"    # or \"zip\"\n"
      "  [axes]\n"
      "  \"model.units\" = [64, 128]\n"
      "  \"train.lr\" = [0.001, 0.003]\n"
      "Examples:\n"
      "  rnnscope sweep sweep.toml --list\n"
      "  rnnscope sweep sweep.toml --out sweeps/units\n"
      "  mpirun -np 64 rnnscope sweep sweep.toml --out /shared/sweeps/units");
  cmd->callback([args] { run_sweep(*args); });
}

}  // namespace rnnscope::cli
