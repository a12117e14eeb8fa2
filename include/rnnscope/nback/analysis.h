// The latent-geometry analyses of a trained N-back network (Lei, Ito & Bashivan, NeurIPS 2024;
// docs/nback.md "Analyses"): from its hidden states and the CNN features of the frames it saw
// on evaluation trials, cross-validated linear decoders of every feature of every object at
// every later step, their generalisation across tasks and across sequence positions, the
// orthogonalisation index of their normals in the perceptual and the recurrent space, and
// Procrustes maps between decoders of successive steps. Torch-free: the request that runs the
// network hands the arrays over (requests/nback_analyze.h).
#pragma once

#include "rnnscope/geometry/decoders.h"
#include "rnnscope/nback/sequences.h"

#include <cstdint>
#include <string>
#include <vector>

namespace rnnscope::nback {

// Samples of one trained network: row b·frames + t of `states` is trial b's hidden state after
// frame t, the same row of `perceptual` the CNN features of the view it saw at frame t.
struct AnalysisInput {
  std::vector<Trial> trials;
  std::vector<NBackTask> diet;  // the run's tasks: the analyses' task axis, in this order
  int frames = 0;
  linalg::Matrix states;        // [trials · frames, units]
  linalg::Matrix perceptual;    // [trials · frames, CNN features]
};

struct AnalysisOptions {
  // l2, folds (the most: (1) and (4) split each task's trials once for every feature, object
  // and step; (2) and (3) stratify by their labels, fewer where a class has fewer samples),
  // seed; standardize is always on.
  geometry::DecoderOptions decoder;
  // Encoding samples the orthogonalisation index reads in each space (the first ones in trial
  // order): the CNN space has thousands of features, and the decoders' cost grows with
  // samples × features.
  int64_t orthogonality_samples = 1024;
};

// Accuracies and their chance levels (the accuracy of always answering the class most frequent
// among the training samples, on the same test samples), row-major over `shape`; NaN where a
// cell is undefined (a step before the object's frame, a set whose smallest class has fewer
// than 2 samples or that holds one class).
struct Scores {
  std::vector<int64_t> shape;
  std::vector<double> accuracy, chance;
};

// Features are indexed location, identity, category (the Feature enum); S and T are frames:
// object S (the one shown at frame S) read from the hidden state after frame T ≥ S.
struct NbackAnalysis {
  std::vector<std::string> tasks;    // the diet's names
  std::vector<int64_t> task_trials;  // [tasks] trials of each task among the input's
  std::vector<uint8_t> relevant;     // [tasks, features] 1 where the feature is the task's
  // (1) [tasks, features, S, T]: decoded from the hidden state after frame T, each cell its own
  // cross-validated decoder.
  Scores decoding;
  // (2) [features, tasks A, tasks B]: a decoder of the object shown at each frame, fitted on
  // task A's hidden states at its encoding step (T = S, all S pooled), tested on task B's; the
  // diagonal on A's held-out folds, elsewhere on all of B (other trials), averaged over A's
  // fold decoders.
  Scores cross_task;
  // (3) [features]: the orthogonalisation index (geometry/subspaces.h) of the normals of a
  // decoder fitted on all encoding samples (T = S), in the CNN space and in the RNN space, and
  // those decoders' cross-validated accuracy.
  std::vector<double> orthogonality_cnn, orthogonality_rnn;
  Scores decoding_cnn, decoding_rnn;
  // (4a) [tasks, features, S, T]: the decoder fitted at the encoding step (S, S) tested at (S, T)
  // on the held-out trials; T = S equals (1)'s cell.
  Scores encoding_to_memory;
  // (4b) [tasks, features, S_fit, S_test]: fitted on E(S = i, T = i), tested on E(S = j, T = j)
  // (the object shown at frame j, read right after it) on the held-out trials.
  Scores across_positions;
  // (4c) [tasks, S, T] for the task's own feature: the decoder of (S, T) carried onto the
  // decoder of (S, T + 1) by a rotation and a common scale (geometry::procrustes_with_scale),
  // both fitted on one fold's training trials; the reconstructed decoder's accuracy on that
  // fold's held-out trials at T + 1, the scale and the relative residual, each the mean over
  // folds. NaN for T < S and T = frames − 1.
  Scores procrustes;
  std::vector<double> procrustes_scale, procrustes_residual;
  // (4d) [tasks, S, T], the swap test on (4c)'s decoders and trials, in every fold: the decoder
  // of (S, T) carried to T + 1 by the same fold's map of another object of the same age
  // (T' − S' = T − S; the mean over those and the folds), and by its own map of the next age
  // (T + 1 → T + 2). A shared, time-specific (chronological) memory transformation keeps the
  // first near (4c) and not the second.
  Scores swap_same_age, swap_next_age;
};

// Every decoder z-scores each unit of `states` and each feature of `perceptual` over its own
// training rows (DecoderOptions::standardize), so that the L2 penalty weighs them alike and a
// held-out row never shapes the scaling it is read through. Errors: rows of states or perceptual other than trials · frames, a trial whose frame count
// differs, an empty diet, a trial whose task is not in the diet.
NbackAnalysis analyze(const AnalysisInput& input, const AnalysisOptions& options);

}  // namespace rnnscope::nback
