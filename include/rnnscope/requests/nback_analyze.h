// `rnnscope analyze RUN --out FILE.h5` / `rnnscope.analyze(run, out=...)`: the latent-geometry
// analyses (nback/analysis.h) of a trained N-back run on held-out trials of its own, written
// to an HDF5 file with a Markdown summary beside it (docs/nback.md "Analyses of a trained run").
#pragma once

#include "rnnscope/requests/door.h"
#include "rnnscope/requests/record.h"

#include <cstdint>
#include <optional>
#include <string>

namespace rnnscope::requests {

struct NbackAnalyzeRequest {
  std::string run_dir;
  std::string out;                // FILE.h5 ("" = none, the Python door only); FILE.md beside it
  int64_t trials = 1024;          // held-out trials of the run's diet, their tasks drawn uniformly
  std::optional<uint64_t> seed;   // the trials and their views; default derived from the run's seed
  int64_t folds = 5;              // cross-validation folds (>= 2; fewer where a class is smaller)
  double l2 = 1.0;                // the decoders' penalty (geometry::DecoderOptions)
  bool states = false;            // also record the analysed arrays (/states: hidden, perceptual, objects, task)
  bool force = false;             // overwrite FILE.h5 and FILE.md
  Door door = Door::cli;
};

struct NbackAnalyzeResult {
  Record record;         // the layout of FILE.h5 (docs/nback.md)
  std::string markdown;  // FILE.md
};

// The Markdown file beside an output file: FILE.h5 → FILE.md (other names: name + ".md").
std::string markdown_path(const std::string& out);

// Errors: a missing run or model.h5, a run that is not an N-back run, an existing output
// without force, trials < 1, folds < 2, l2 <= 0.
NbackAnalyzeResult run_nback_analyze(const NbackAnalyzeRequest& request);

}  // namespace rnnscope::requests
