// A linear readout of spike counts: multinomial logistic regression with an L2 penalty,
// fitted by accelerated gradient descent (Nesterov) on z-scored features. The loss is convex,
// so the fit is the same whatever the start (zeros).
#pragma once

#include "rnnscope/linalg/dense.h"

#include <cstdint>
#include <vector>

namespace rnnscope::snn {

struct ReadoutParams {
  double l2 = 1e-2;          // penalty on the weights (not the biases), per sample
  int64_t iterations = 500;  // gradient steps
};

struct LogisticReadout {
  linalg::Vector mean, scale;  // the features' z-scoring (scale 1 where a feature is constant)
  linalg::Matrix weights;      // [features + 1, classes], the last row the biases
  double train_loss = 0;       // mean cross-entropy + penalty at the end
};

// Fits the readout to `features` [samples, features] with labels in [0, classes).
LogisticReadout fit_logistic(const linalg::Matrix& features, const std::vector<int32_t>& labels, int64_t classes,
                             const ReadoutParams& params);

// The most probable class of each row of `features`.
std::vector<int32_t> predict(const LogisticReadout& readout, const linalg::Matrix& features);

// The fraction of predictions equal to the labels.
double accuracy(const std::vector<int32_t>& predicted, const std::vector<int32_t>& labels);

}  // namespace rnnscope::snn
