// What the requests that run a trained network (eval, analyze) require of its run directory.
// Private to the LibTorch library.
#pragma once

#include "rnnscope/core/error.h"
#include "rnnscope/requests/door.h"
#include "rnnscope/runs/run_directory.h"

namespace rnnscope::requests {

// Error (file_not_found) when the run has no model.h5, suggesting resuming only where there
// is a checkpoint to resume from.
inline void require_trained_model(const runs::RunDirectory& dir, Door door) {
  if (dir.has_model()) return;
  throw Error(dir.path() + " has no model.h5 (" +
                  (dir.has_checkpoint() ? "training not finished? continue it with " + spell(door, "resume")
                                        : "training never finished and left no checkpoint; train it again with " +
                                              spell(door, "force")) +
                  ")",
              Error::Kind::file_not_found);
}

}  // namespace rnnscope::requests
