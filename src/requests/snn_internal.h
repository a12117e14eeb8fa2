// What the snn train requests share (requests/snn.h): the STDP rules' in src/requests/snn.cpp,
// the surrogate-gradient rule's in the LibTorch library (src/requests/torch/snn_surrogate.cpp).
// Private to the library.
#pragma once

#include "rnnscope/core/file_lock.h"
#include "rnnscope/core/params.h"
#include "rnnscope/requests/snn.h"
#include "rnnscope/runs/run_directory.h"
#include "rnnscope/snn/config.h"
#include "rnnscope/snn/patterns.h"
#include "rnnscope/snn/segments.h"

#include <vector>

namespace rnnscope::requests {

// The config of `source`, resolved (errors name the overrides as `door` spells them).
snn::SnnConfig load_snn_config(const SnnConfigSource& source, Door door);

// The run directory of `request`, claimed under its overwrite policy, with config.toml
// written; `lock` holds it until destroyed.
struct ClaimedSnnRun {
  runs::RunDirectory dir;
  FileLock lock;
};
ClaimedSnnRun claim_snn_run(const SnnTrainRequest& request, const snn::SnnConfig& config);

// The summary fields every rule writes: command, rule, seed, train_accuracy, test_accuracy,
// chance, version.
Json snn_summary(const snn::SnnConfig& config, double train_accuracy, double test_accuracy);

// The config of an `snn eval` request's run (its config.toml), with the request's arguments
// and its output checked.
snn::SnnConfig load_snn_eval_run(const SnnEvalRequest& request);

// The eval record (requests/snn.h) of the test samples `test`: `segmented` per sample, `scores`
// [samples, classes]; writes it to request.out when given.
Record snn_eval_record(const SnnEvalRequest& request, const snn::SnnConfig& config, const snn::PatternSet& test,
                       int64_t neurons, int64_t steps, double dt_ms, const std::vector<snn::SegmentedSpikes>& segmented,
                       const std::vector<double>& scores);

template <class T>
std::vector<double> as_doubles(const std::vector<T>& values) {
  return std::vector<double>(values.begin(), values.end());
}

}  // namespace rnnscope::requests
