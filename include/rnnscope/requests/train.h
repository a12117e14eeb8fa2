// `rnnscope train` / `rnnscope.train`: train a network on a task into a run directory
// (runs/run_directory.h). The overwrite/resume policy and the run's records live here once.
#pragma once

#include "rnnscope/core/params.h"
#include "rnnscope/requests/door.h"
#include "rnnscope/training/progress.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rnnscope::requests {

struct TrainRequest {
  // The config: a TOML file (`config_path`), or a table given in memory (`config`, named
  // `config_source` in messages). Neither is needed with `resume` (the directory's own
  // config.toml is used); one given with `resume` must resolve to the same config.
  std::string config_path;
  Json config = Json::object();
  std::string config_source = "config";
  std::vector<std::string> overrides;  // "section.key=value"
  std::string out;                     // the run directory
  bool force = false;                  // overwrite an existing run directory
  bool resume = false;                 // continue the run in `out` from its checkpoint
  // Stop (after writing a checkpoint) once this many steps are done in total, counting the
  // steps of earlier sessions of a resumed run; continued later with `resume`. Unset: run to
  // the end. Must be >= 1 and, when resuming, more than the steps already done (Error).
  std::optional<int64_t> stop_after;
  // Refuse, before anything is written, batches whose memory estimate exceeds this many GB;
  // 0: the memory available when training starts.
  double memory_limit_gb = 0;
  rnn::ProgressCallback progress;      // optional
  // Polled after every step; returning true stops like stop_after (checkpoint, status
  // "interrupted"). The CLI sets it from SIGINT/SIGTERM, Python from KeyboardInterrupt.
  std::function<bool()> stop_requested;  // optional
  Door door = Door::cli;
};

// Trains and writes the run directory; returns the summary (what summary.json holds).
Json run_train(const TrainRequest& request);

}  // namespace rnnscope::requests
