// A sweep's output directory and its results table (docs/scaling.md):
//   DIR/sweep.json          the sweep as given (base inlined) and its cells: a re-run of the
//                           same sweep resumes, a different one is refused without force
//   DIR/cells/<id>/         each cell's run directory (runs/run_directory.h), plus error.txt
//                           when the cell failed
//   DIR/cells/<id>.lock     held while a process runs the cell (flock): ranks, --cell jobs and
//                           re-runs never run one cell twice; the OS releases it when a process dies
//   DIR/sweep.lock          held exclusively by a sweep run (local, or MPI rank 0 for all ranks)
//                           and shared by --cell jobs: two sweeps cannot write one directory at once
//   DIR/results.h5, .csv    one row per cell, rewritten atomically as cells finish
// Torch-free.
#pragma once

#include "rnnscope/core/file_lock.h"
#include "rnnscope/core/params.h"
#include "rnnscope/sweeps/spec.h"

#include <optional>
#include <string>
#include <vector>

namespace rnnscope::sweeps {

using rnnscope::FileLock;  // core/file_lock.h

enum class CellStatus { pending, done, failed };
const char* status_name(CellStatus status);

struct Row {
  std::string cell;
  Json values;          // axis key -> value
  uint64_t seed = 0;
  CellStatus status = CellStatus::pending;
  double final_accuracy = -1;
  int64_t steps = 0;
  double wall_seconds = 0;
  double steps_per_second = 0;
  bool reached_target = false;  // stopped at its criterion (summary.json); not a table column
  std::string error;    // the failed cell's message
};

struct Table {
  std::vector<std::string> keys;  // axis keys, the value columns' names
  std::vector<Row> rows;
};

class SweepDirectory {
 public:
  explicit SweepDirectory(std::string path);
  const std::string& path() const { return path_; }
  std::string spec_path() const;
  std::string cell_dir(const std::string& id) const;
  std::string cell_lock_path(const std::string& id) const;
  std::string cell_error_path(const std::string& id) const;
  std::string lock_path() const;
  std::string prepare_lock_path() const;  // held while a process sets the directory up
  std::string results_h5() const;
  std::string results_csv() const;

  CellStatus status(const std::string& id) const;
  Row row(const Cell& cell) const;
  Table table(const std::vector<std::string>& keys, const std::vector<Cell>& cells) const;
  // Rewrites results.h5 and results.csv (under a lock, atomically).
  void write_table(const Table& table) const;

 private:
  std::string path_;
};

// Reads DIR/sweep.json: the keys and the cells of the sweep written there.
std::pair<std::vector<std::string>, std::vector<Cell>> read_cells(const SweepDirectory& dir);
// The table of a sweep directory as it is now.
Table load_table(const std::string& dir);

}  // namespace rnnscope::sweeps
