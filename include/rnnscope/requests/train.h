// Training a recurrent network on a task: the one entry point behind `rnnscope train` and
// `rnnscope.train`. Writes the run directory (config.toml, summary.json, history.h5,
// model.h5, checkpoint.pt) and returns the summary.
#pragma once

#include "rnnscope/core/params.h"
#include "rnnscope/core/run_dir.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace rnnscope::rnn {

struct TrainProgress {
  int64_t step = 0;            // optimiser steps done
  int64_t max_steps = 0;
  double loss = 0;             // training loss of the latest step
  double accuracy = -1;        // latest evaluation accuracy, -1 before the first
  double steps_per_second = 0;
  double eta_seconds = 0;      // to max_steps at the current rate
  bool evaluated = false;      // this update follows an evaluation
};

using ProgressCallback = std::function<void(const TrainProgress&)>;

struct TrainRequest {
  Json config = Json::object();        // as read from TOML or given from Python; unresolved
  std::string config_source = "config";  // names the config in error messages
  std::vector<std::string> overrides;  // "section.key=value"
  std::string out_dir;
  ExistingRun existing = ExistingRun::refuse;
  // Stop (after writing a checkpoint) once this many steps are done in total; the run is
  // continued later with ExistingRun::resume. -1: run to the end.
  int64_t stop_after = -1;
  ProgressCallback progress;           // optional
  // Polled after every step; returning true stops like stop_after (checkpoint, status
  // "interrupted"). The CLI sets it from SIGINT/SIGTERM so Ctrl-C loses no work.
  std::function<bool()> stop_requested;  // optional
};

// With ExistingRun::resume the directory's config.toml is used; a given config must
// resolve to the same thing (else Error).
Json train(const TrainRequest& request);

}  // namespace rnnscope::rnn
