// Linear decoders of a discrete variable from population activity, cross-validated, as the
// latent-geometry analyses of Lei, Ito & Bashivan (NeurIPS 2024) use them (docs/nback.md).
// The paper used one-vs-rest linear SVMs; here each class gets a one-vs-rest L2-regularised
// logistic regression (the same one-vs-rest normals, a smooth convex loss that truncated Newton
// steps solve to convergence), and a sample goes to the class of largest score x·w_c + b_c.
// Every accuracy comes with its chance level: the accuracy, on the same test samples, of always
// answering the class most frequent in the training samples.
#pragma once

#include "rnnscope/linalg/dense.h"

#include <cstdint>
#include <vector>

namespace rnnscope::geometry {

using linalg::Matrix;
using linalg::Vector;

struct DecoderOptions {
  double l2 = 1.0;          // penalty (l2 / 2)·‖w‖² beside the summed log-loss (scikit-learn's C = 1 / l2); intercepts are not penalised
  int folds = 5;            // stratified cross-validation folds (>= 2)
  uint64_t seed = 0;        // assigns samples to folds
  int max_iterations = 100; // Newton steps per class
  double tolerance = 1e-4;  // stop when the gradient's norm is below this times its norm at w = 0 (as scikit-learn's default tol)
  bool standardize = false; // z-score every feature over the fitting samples (FeatureScaling) before the fit; the decoder keeps that scaling
};

// Per-feature z-scoring, fitted on one set of samples and applied to others (the same shift
// and scale). The L2 penalty acts on the normals in the features' units, so without it a
// feature of large variance (a fast-firing neuron's count) is penalised less than one of small
// variance; z-scored, every feature pays the same. A constant feature gets scale 1 (it stays
// at 0 after the shift).
struct FeatureScaling {
  Vector mean, scale;  // [features]
  // (x − mean) / scale, row by row; Error: a feature count other than mean's.
  Matrix apply(const Matrix& x) const;
};
// Errors: no samples, a non-finite entry.
FeatureScaling fit_scaling(const Matrix& x);

// One-vs-rest decoder: class c scores x'·normals.row(c) + intercepts(c), where x' is x through
// `scaling` (x itself when the scaling is empty).
struct LinearDecoder {
  std::vector<int64_t> classes;  // the label values, ascending
  Matrix normals;                // [classes, features], in the scaled features' units
  Vector intercepts;             // [classes]
  FeatureScaling scaling;        // fitted on the decoder's own fitting samples (DecoderOptions::standardize); empty: none

  std::vector<int64_t> predict(const Matrix& x) const;
  // The fraction of rows of x whose predicted class is y's; Error: shapes that differ.
  double accuracy(const Matrix& x, const std::vector<int64_t>& y) const;
};

// Fits the decoder on x [samples, features] and labels y [samples]; with options.standardize,
// on x z-scored over its own rows (so a held-out sample never shapes the scaling it is read
// through). Errors: shapes that differ, a non-finite entry, fewer than 2 classes, l2 <= 0 or
// not finite.
LinearDecoder fit_decoder(const Matrix& x, const std::vector<int64_t>& y, const DecoderOptions& options);

// fit_decoder for several label sets ys[i] on the same samples x: the scaling and the
// factorisation of the samples' span are computed once for all. Errors: as fit_decoder.
std::vector<LinearDecoder> fit_decoders(const Matrix& x, const std::vector<std::vector<int64_t>>& ys,
                                        const DecoderOptions& options);

struct Decoding {
  double accuracy = 0;   // mean over folds
  double chance = 0;     // mean over folds
  std::vector<double> fold_accuracy;
  std::vector<double> fold_chance;
  LinearDecoder decoder;  // fitted on all samples: its normals are the one-vs-rest normals
};

// Stratified k-fold cross-validated decoding (each class dealt evenly over the folds, in an
// order shuffled by the seed; with options.standardize, each fold's decoder z-scores with its
// training rows' statistics). Errors: as fit_decoder, and a class with fewer samples than folds.
Decoding decode(const Matrix& x, const std::vector<int64_t>& y, const DecoderOptions& options);

// The fold (0 … folds − 1) of every sample in decode's stratified assignment: each class's
// samples in an order shuffled by the seed, dealt round-robin, the deal continuing from class
// to class so fold sizes differ by at most one. For analyses that fit on one set of samples
// and test the same samples seen elsewhere (a later time step). Errors: folds < 2, a class
// with fewer samples than folds.
std::vector<int> stratified_folds(const std::vector<int64_t>& y, int folds, uint64_t seed);

struct CrossDecoding {
  double accuracy = 0;
  double chance = 0;
};

// A decoder fitted on all of set A, tested on set B (cross-task generalisation, a decoder of
// one time step tested at another). Errors: as fit_decoder, features that differ between the
// sets, a label of B that A does not have.
CrossDecoding cross_decode(const Matrix& x_a, const std::vector<int64_t>& y_a, const Matrix& x_b,
                           const std::vector<int64_t>& y_b, const DecoderOptions& options);

// The accuracy of always answering `guess`, on labels y (a chance level).
double constant_accuracy(int64_t guess, const std::vector<int64_t>& y);
// The label most frequent in y (the smallest of those tied).
int64_t most_frequent(const std::vector<int64_t>& y);

}  // namespace rnnscope::geometry
