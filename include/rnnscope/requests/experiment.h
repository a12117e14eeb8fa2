// `rnnscope experiment NAME --out DIR` / `rnnscope.experiment`: the one-command reproductions.
// An experiment composes existing requests (synth-ltr, fit-ltr, train, analyze-learning, ...)
// into one output directory with a results.h5 and a results.md; "ltr" reproduces the claims
// of Pellegrino, Cayco-Gajic & Chadwick 2023 (docs/ltr.md, "The experiment"), "long-deps"
// the claim of Soo, Goudar & Wang 2023 (docs/long_deps.md, "The experiment"), "snn-topology"
// compares spiking networks' representations by learning rule (docs/snn.md, "The experiment"),
// "nback" the latent geometry of Lei, Ito & Bashivan 2024 (docs/nback.md, "The experiment").
#pragma once

#include "rnnscope/requests/door.h"
#include "rnnscope/requests/record.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace rnnscope::requests {

// How big an experiment runs: `full` is the reported one, `quick` a few minutes on a laptop
// (and the end-to-end test's size); `ci`, an experiment whose quick size takes too long for a
// test, its end-to-end test's size (seconds; its numbers mean nothing): nback only.
enum class ExperimentSize { ci, quick, full };

struct ExperimentRequest {
  std::string name;                      // one of experiment_names()
  std::string out;                       // output directory
  ExperimentSize size = ExperimentSize::full;
  uint64_t seed = 0;                     // every step's seed derives from it
  int64_t threads = 0;                   // CPU threads of the fits and trainings (0: all cores);
                                         // long-deps: trainings at once, one thread each
  bool force = false;                    // overwrite an existing output directory
  std::string cnn;                       // nback: a pretrained CNN (`nback pretrain`) to use instead
                                         // of pretraining one ("" = pretrain it into DIR/cnn.h5)
  std::function<void(const std::string& step)> progress;  // called as each step starts
  std::function<bool()> stop_requested;  // polled by the fits and trainings (Ctrl-C)
  Door door = Door::cli;
};

struct ExperimentResult {
  std::string out;       // the output directory
  std::string markdown;  // results.md: the tables and what they say
  Record record;         // results.h5
};

// The known experiments, in the order the CLI lists them.
std::vector<std::string> experiment_names();

// Runs the named experiment; Error (listing the known names) for an unknown one.
ExperimentResult run_experiment(const ExperimentRequest& request);

}  // namespace rnnscope::requests
