// Recordings: trial-structured neural activity as users bring it to `rnnscope fit-ltr`, and
// the block-wise cross-validation masks over it. Torch-free.
//
// The file (HDF5, docs/ltr.md):
//   /activity   [trials, time, neurons]  required, numeric, finite
//   /inputs     [trials, time, n_in]     optional, finite
//   /condition  [trials]                 optional, integers 0..C−1 (trials of a condition
//                                        share their initial state); also read from
//                                        /trial_info/condition
//   /times      [time]                   optional, carried through (e.g. go cue at 0)
//   /trial_id   [trials]                 optional, carried through
//   /trial_info/<name> [trials]          optional, numeric and finite, carried through
//                                        (block, perturbation, behaviour, …)
// Note the axis order: trials first (the published LtrRNN code uses time, trial, neuron).
#pragma once

#include "rnnscope/core/hdf5_io.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace rnnscope::decomp {

struct Recordings {
  int64_t trials = 0, steps = 0, neurons = 0, inputs = 0;
  std::vector<double> activity;      // [trials, steps, neurons]
  std::vector<double> input_values;  // [trials, steps, inputs]; empty when inputs == 0
  std::vector<int64_t> condition;    // [trials]; all 0 when the file has none
  std::vector<double> times;         // [steps] or empty
  std::vector<double> trial_id;      // [trials] or empty
  // /trial_info/<name> [trials], in the file's order (condition, when it came from there, too).
  std::vector<std::pair<std::string, std::vector<double>>> trial_info;
  std::string source;                // the file it came from, for messages

  int64_t conditions() const;        // 1 + the largest condition
  // /trial_info/<name>; Error naming what there is when it is absent.
  const std::vector<double>& info(const std::string& name) const;
};

// Reads and validates a recordings file. Error (naming the file, the dataset and what is
// allowed) for a missing file or /activity, a dataset of the wrong rank or size, NaN or
// infinite values, conditions that are not non-negative integers, fewer than 2 trials, time
// steps or neurons, a neuron that is constant over all trials and times.
Recordings read_recordings(const std::string& path);

// The same checks on recordings built in memory (Python arrays); `what` names them.
void validate_recordings(const Recordings& rec, const std::string& what);

// Writes the datasets above into `out` (the caller adds its own, e.g. ground truth under
// /truth/, and commits).
void write_recordings(h5::Writer& out, const Recordings& rec);
// Writes what describes the trials and time bins — /condition, /times, /trial_id,
// /trial_info/* — without the activity and inputs (fit.h5 carries them through).
void write_trial_metadata(h5::Writer& out, const Recordings& rec);

// z-scores every neuron over all trials and time steps in place; returns {mean, std} per
// neuron (what the fitted activity is mapped back with).
struct NeuronScaling {
  std::vector<double> mean, std;
};
NeuronScaling zscore_neurons(Recordings& rec);

// Block-wise cross-validation masks over (trial, time, neuron), as the published ltrRNN
// fits use them: random block centres; the training mask excludes the boxes of half-size
// `outer` around every centre and the test mask is the union of the inner boxes of
// half-size `inner`, so a buffer separates every tested entry from the training data
// (neighbouring time steps and trials are correlated). Centres are drawn until the excluded
// boxes hold about `held_out_fraction` of all entries. Masks are [trials, steps, neurons],
// 1 = in the set. Deterministic for a seed.
struct BlockHalfSize {
  int64_t time = 5, trial = 5, neuron = 1;
};
struct CvMasks {
  std::vector<uint8_t> train, test;
};
CvMasks block_cv_masks(int64_t trials, int64_t steps, int64_t neurons, double held_out_fraction, uint64_t seed,
                       BlockHalfSize outer = {5, 5, 1}, BlockHalfSize inner = {2, 2, 1});

// Reconstruction error of rank-r PCA of the activity as a [trials·steps, neurons] matrix,
// for r = each of `ranks`: the share of the (centred) variance outside the top r principal
// components — the reference line beside the ltrRNN's rank curve.
std::vector<double> pca_unexplained(const Recordings& rec, const std::vector<int64_t>& ranks);

}  // namespace rnnscope::decomp
