// What `rnnscope analyze` writes (requests/nback_analyze.h): the analyses as a record (the
// layout of FILE.h5 and the Python dict) and its Markdown summary. Torch-free, in
// src/requests/nback_analysis.cpp; the LibTorch side (src/requests/torch/nback.cpp) runs the
// network. Private to the library.
#pragma once

#include "rnnscope/nback/analysis.h"
#include "rnnscope/requests/record.h"

#include <cmath>
#include <functional>
#include <string>
#include <vector>

namespace rnnscope::requests {

// Mean accuracy and chance over the cells of `scores` that `pick` accepts (given a cell's
// row-major index) and that are defined; NaN when none is. The summary's tables and the nback
// experiment's numbers are such means.
struct ScoreMean {
  double accuracy = NAN, chance = NAN;
};
ScoreMean mean_over(const nback::Scores& scores, const std::function<bool(const std::vector<int64_t>&)>& pick);

// The datasets of docs/nback.md "Analyses of a trained run"; `task_accuracy` [tasks]: the
// network's answers on the analysed trials; `attributes` become the root's.
Record analysis_record(const nback::NbackAnalysis& analysis, const std::vector<double>& task_accuracy,
                       const Json& attributes);

// The analysed arrays under /states (NbackAnalyzeRequest::states): `hidden` [trials, frames,
// units], `perceptual` [trials, frames, CNN features], `objects` [trials, frames, 3] (location,
// identity, category) and `task` [trials] (index into the diet).
void add_states(Record& record, const nback::AnalysisInput& input);

// The summary: per task, the decoding at the encoding step of its own and the other features,
// cross-task generalisation, the index in both spaces, decoding by age (memory) and Procrustes
// reconstructions, each with chance.
std::string analysis_markdown(const nback::NbackAnalysis& analysis, const std::vector<double>& task_accuracy,
                              const Json& attributes);

}  // namespace rnnscope::requests
