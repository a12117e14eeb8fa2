// The sweep request (include/rnnscope/requests/sweep.h). Cells are claimed one at a time
// through a lock file each (DIR/cells/<id>.lock): worker threads of one process, MPI ranks
// and --cell jobs all take the next unclaimed cell, so work is shared dynamically without a
// coordinator, a killed process releases its cell (the OS drops its locks), and a cell runs
// once. Each cell is an ordinary train request into its own run directory.
#include "rnnscope/requests/sweep.h"

#include "sweeps/mpi/ranks.h"

#include "rnnscope/core/config_io.h"
#include "rnnscope/core/error.h"
#include "rnnscope/core/text_file.h"
#include "rnnscope/requests/train.h"
#include "rnnscope/runs/run_directory.h"
#include "rnnscope/training/run_config.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

namespace fs = std::filesystem;

namespace rnnscope::requests {
namespace {

using Clock = std::chrono::steady_clock;
using sweeps::CellStatus;

sweeps::SweepSpec read_spec(const SweepRequest& req) {
  if (!req.spec_path.empty()) return sweeps::read_sweep_file(req.spec_path);
  require(!req.spec.empty(), "a sweep is required (" + spell(req.door, "spec", "SWEEP.toml") + ")");
  return sweeps::parse_sweep(req.spec, "");
}

// Every axis key must name a config key: the base resolved with each axis's first value (and
// each random key's) alone, so the error names the axis; then every cell resolves.
void validate(const sweeps::SweepSpec& spec, std::vector<sweeps::Cell>& cells, const std::string& source) {
  for (const auto& key : sweeps::value_keys(spec)) {
    Json config = spec.base;
    const std::string context = source + " axis '" + key + "'";
    try {
      set_dotted(config, key, cells.front().values.at(key), context);
      rnn::resolve_run_config(config, spec.base_source);
    } catch (const Error& e) {
      throw Error(context + ": " + e.what(), e.kind());
    }
  }
  for (auto& cell : cells) {
    cell.config["train"]["threads"] = spec.threads_per_cell;
    try {
      rnn::resolve_run_config(cell.config, "cell " + cell.id);
    } catch (const Error& e) {
      throw Error(source + ": " + e.what(), e.kind());
    }
  }
}

Json saved_sweep(const sweeps::SweepSpec& spec, const std::vector<sweeps::Cell>& cells) {
  Json out = Json::object();
  out["spec"] = spec.source;
  out["keys"] = sweeps::value_keys(spec);
  out["cells"] = Json::array();
  for (const auto& c : cells) {
    out["cells"].push_back(Json{{"id", c.id}, {"values", c.values}, {"seed", c.seed}, {"config", c.config}});
  }
  return out;
}

bool is_lock_file(const sweeps::SweepDirectory& dir, const fs::path& path) {
  return path == fs::path(dir.lock_path()) || path == fs::path(dir.prepare_lock_path());
}

// Everything in the sweep directory but its lock files (which running processes hold).
void clear_directory(const sweeps::SweepDirectory& dir) {
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    if (!is_lock_file(dir, entry.path())) fs::remove_all(entry.path());
  }
}

// Rank 0 (or the only process), holding the sweep lock: the directory holds this sweep
// (resumed), another one or something else (refused without force), or nothing yet.
void prepare(const SweepRequest& req, const sweeps::SweepDirectory& dir, const Json& saved) {
  const std::string replace = "; use " + spell(req.door, "force") + " to replace it, or another " +
                              spell(req.door, "out", "DIR");
  if (fs::exists(dir.spec_path())) {
    Json existing;
    try {
      existing = Json::parse(read_text(dir.spec_path()));
    } catch (const Json::parse_error&) {
      require(req.force, dir.spec_path() + " is not valid JSON (truncated?)" + replace);
    }
    if (existing.is_object() && existing.value("cells", Json()) == saved.at("cells")) return;  // resume
    require(req.force, dir.path() + " holds another sweep (different cells)" + replace);
    clear_directory(dir);
  } else {
    bool empty = true;
    for (const auto& entry : fs::directory_iterator(dir.path())) empty = empty && is_lock_file(dir, entry.path());
    require(empty || req.force, dir.path() + " exists and is not a sweep directory (no sweep.json)" + replace);
    clear_directory(dir);
  }
  fs::create_directories(dir.path() + "/cells");
  write_text_atomic(dir.spec_path(), saved.dump(1) + "\n");
}

class Pool {
 public:
  Pool(const SweepRequest& req, const sweeps::SweepDirectory& dir, const std::vector<sweeps::Cell>& cells,
       std::vector<size_t> todo, const std::vector<std::string>& keys, const sweeps::MpiRanks& ranks)
      : req_(req), dir_(dir), cells_(cells), todo_(std::move(todo)), keys_(keys) {
    progress_.rank = ranks.rank();
    progress_.ranks = ranks.size();
    progress_.cells = int64_t(todo_.size());
    for (size_t i : todo_) {
      const auto status = dir_.status(cells_[i].id);
      progress_.done += status == CellStatus::done;
      progress_.failed += status == CellStatus::failed && !req_.retry_failed;
    }
  }

  // The calling thread polls the request's stop flag while the workers run: Python can
  // only see a Ctrl-C (KeyboardInterrupt) from its main thread, which is this one.
  void run(int64_t workers) {
    std::atomic<int64_t> active{workers};
    std::vector<std::thread> threads;
    for (int64_t w = 0; w < workers; ++w) {
      threads.emplace_back([this, &active] {
        try {
          work();
        } catch (...) {  // not a cell's failure (those are recorded): the sweep's own, e.g. a full disk
          std::lock_guard<std::mutex> lock(mutex_);
          if (!failure_) failure_ = std::current_exception();
          stopped_ = true;
        }
        --active;
      });
    }
    while (active > 0) {
      if (!stopped_ && req_.stop_requested && req_.stop_requested()) stopped_ = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    for (auto& t : threads) t.join();
    if (failure_) std::rethrow_exception(failure_);
  }

  bool interrupted() const { return stopped_; }

 private:
  bool stop_requested() const { return stopped_; }

  void work() {
    for (size_t k = next_++; k < todo_.size() && !stop_requested(); k = next_++) {
      const sweeps::Cell& cell = cells_[todo_[k]];
      // Claimed by another process (rank, --cell job) right now: it is theirs.
      auto claim = sweeps::FileLock::try_lock(dir_.cell_lock_path(cell.id));
      if (!claim) continue;
      const auto status = dir_.status(cell.id);
      if (status == CellStatus::done || (status == CellStatus::failed && !req_.retry_failed)) continue;
      if (status == CellStatus::failed) fs::remove(dir_.cell_error_path(cell.id));
      report(+1, "cell " + cell.id + " started");
      const auto start = Clock::now();
      std::string error;
      bool finished = false;
      try {
        finished = train(cell);
      } catch (const std::exception& e) {
        error = e.what();
      }
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      if (!error.empty()) {
        fs::create_directories(dir_.cell_dir(cell.id));
        write_text_atomic(dir_.cell_error_path(cell.id), error + "\n");
      }
      dir_.write_table(dir_.table(keys_, cells_));
      std::lock_guard<std::mutex> lock(mutex_);
      --progress_.running;
      if (!error.empty()) {
        ++progress_.failed;
        progress_.event = "cell " + cell.id + " failed: " + error;
      } else if (finished) {
        ++progress_.done;
        session_seconds_ += seconds;
        ++session_cells_;
        char text[64];
        std::snprintf(text, sizeof text, " done (%.1f s)", seconds);
        progress_.event = "cell " + cell.id + text;
      } else {
        progress_.event = "cell " + cell.id + " interrupted (resumes from its checkpoint)";
      }
      publish();
    }
  }

  // One cell as a train request: resumed from its checkpoint when it has one.
  bool train(const sweeps::Cell& cell) {
    TrainRequest t;
    t.config = cell.config;
    t.config_source = "cell " + cell.id;
    t.out = dir_.cell_dir(cell.id);
    const runs::RunDirectory run(t.out);
    const bool has_checkpoint = run.has_checkpoint() && run.has_config();
    t.resume = has_checkpoint;
    t.force = !has_checkpoint;  // a cell directory without a checkpoint holds nothing to keep
    t.stop_requested = [this] { return stop_requested(); };
    t.door = req_.door;
    return run_train(t).at("status") == "finished";
  }

  void report(int running_delta, const std::string& event) {
    std::lock_guard<std::mutex> lock(mutex_);
    progress_.running += running_delta;
    progress_.event = event;
    publish();
  }

  void publish() {
    const int64_t remaining = progress_.cells - progress_.done - progress_.failed;
    progress_.eta_seconds =
        session_cells_ ? session_seconds_ / double(session_cells_) * double(remaining) /
                             double(std::max<int64_t>(1, progress_.running + 1))
                       : -1;
    if (req_.progress) req_.progress(progress_);
  }

  const SweepRequest& req_;
  const sweeps::SweepDirectory& dir_;
  const std::vector<sweeps::Cell>& cells_;
  std::vector<size_t> todo_;
  const std::vector<std::string>& keys_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> stopped_{false};
  std::mutex mutex_;
  std::exception_ptr failure_;
  SweepProgress progress_;
  double session_seconds_ = 0;
  int64_t session_cells_ = 0;
};

}  // namespace

SweepResult run_sweep(const SweepRequest& req) {
  const sweeps::SweepSpec spec = read_spec(req);
  const std::string source = req.spec_path.empty() ? "sweep" : req.spec_path;
  SweepResult result;
  result.cells = sweeps::expand(spec);
  validate(spec, result.cells, source);
  if (req.list) return result;

  require(!req.out.empty(), "an output directory is required (" + spell(req.door, "out", "DIR") + ")");
  require(req.cell < int64_t(result.cells.size()),
          spell(req.door, "cell", std::to_string(req.cell)) + ": the sweep has " +
              std::to_string(result.cells.size()) + " cells (0 to " + std::to_string(result.cells.size() - 1) + ")");
  const sweeps::MpiRanks ranks;
  result.rank = ranks.rank();
  result.ranks = ranks.size();
  const sweeps::SweepDirectory dir(req.out);
  const Json saved = saved_sweep(spec, result.cells);
  const auto keys = sweeps::value_keys(spec);

  // Rank 0 prepares the directory and takes the sweep lock (exclusive for a whole sweep,
  // shared for one --cell job); every rank learns whether it could.
  std::optional<sweeps::FileLock> sweep_lock;
  std::string setup_error;
  if (ranks.rank() == 0) {
    try {
      std::error_code ec;
      fs::create_directories(dir.path(), ec);
      require(fs::is_directory(dir.path()), "cannot create the sweep directory " + dir.path() +
                                                (ec ? ": " + ec.message() : " (a file is in the way)"));
      sweep_lock = sweeps::FileLock::try_lock(dir.lock_path(), req.cell >= 0);
      require(bool(sweep_lock), "another sweep is running in " + dir.path() + " (" + dir.lock_path() + " is held)");
      // --cell jobs of one sweep start together (a SLURM array): one prepares, the others
      // then find the sweep it wrote.
      const sweeps::FileLock preparing(dir.prepare_lock_path());
      prepare(req, dir, saved);
    } catch (const Error& e) {
      setup_error = e.what();
    }
  }
  if (!ranks.all(setup_error.empty())) {
    throw Error(setup_error.empty() ? "the sweep could not start on rank 0" : setup_error);
  }

  std::vector<size_t> todo;
  if (req.cell >= 0) {
    todo.push_back(size_t(req.cell));
  } else {
    for (size_t i = 0; i < result.cells.size(); ++i) todo.push_back(i);
  }
  // One MPI rank is one slot: a rank runs one cell at a time unless told otherwise (the
  // launcher binds it to one core); alone, a process fills the machine (cells × threads per
  // cell ≤ cores).
  const int64_t cores = std::max<int64_t>(1, std::thread::hardware_concurrency());
  result.workers = req.workers > 0      ? req.workers
                   : spec.workers > 0   ? spec.workers
                   : ranks.launched()   ? 1
                                        : std::max<int64_t>(1, cores / spec.threads_per_cell);
  result.workers = std::min<int64_t>(result.workers, int64_t(todo.size()));
  Pool pool(req, dir, result.cells, todo, keys, ranks);
  pool.run(result.workers);
  result.interrupted = pool.interrupted();
  ranks.barrier();
  result.table = dir.table(keys, result.cells);
  if (ranks.rank() == 0) dir.write_table(result.table);
  return result;
}

}  // namespace rnnscope::requests
