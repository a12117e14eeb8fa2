// `rnnscope sweep SWEEP.toml --out DIR` / `rnnscope.sweep`: train every cell of a sweep
// (sweeps/spec.h) into DIR/cells/<id>/, a pool of cells at once in this process and, under
// mpirun, across ranks; resumable; one results table (sweeps/directory.h).
#pragma once

#include "rnnscope/core/params.h"
#include "rnnscope/requests/door.h"
#include "rnnscope/sweeps/directory.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace rnnscope::requests {

struct SweepProgress {
  int rank = 0, ranks = 1;  // this process among the MPI ranks
  int64_t cells = 0;     // in this run (one with `cell`)
  int64_t done = 0;      // finished here or before
  int64_t failed = 0;
  int64_t running = 0;   // in this process
  double eta_seconds = -1;  // from the mean time of the cells finished in this session; -1 unknown
  std::string event;     // "cell 0003 done (12.1 s)", "cell 0004 failed: …"
};

struct SweepRequest {
  std::string spec_path;              // the sweep file, or
  Json spec = Json::object();         // the sweep table given in memory
  std::string out;                    // the sweep directory
  bool list = false;                  // only expand and return the cells (no `out` needed)
  int64_t cell = -1;                  // run this cell index alone (SLURM job arrays); -1 all
  bool retry_failed = false;          // run failed cells again
  bool force = false;                 // replace a directory that holds another sweep
  int64_t workers = -1;               // cells at once in this process; -1: the sweep's [runner]
  std::function<void(const SweepProgress&)> progress;  // optional, called as cells start and end
  std::function<bool()> stop_requested;  // optional: stop (cells in flight checkpoint and stop)
  Door door = Door::cli;
};

struct SweepResult {
  std::vector<sweeps::Cell> cells;    // every cell of the sweep
  sweeps::Table table;                // the results table (empty with `list`)
  int rank = 0, ranks = 1;            // this process among the MPI ranks
  int64_t workers = 1;
  bool interrupted = false;
};

SweepResult run_sweep(const SweepRequest& request);

}  // namespace rnnscope::requests
