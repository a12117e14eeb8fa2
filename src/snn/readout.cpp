// Multinomial logistic regression by Nesterov's accelerated gradient
// (include/rnnscope/snn/readout.h).
#include "rnnscope/snn/readout.h"

#include <algorithm>
#include <cmath>

namespace rnnscope::snn {
namespace {

// The z-scored features with a column of ones (the biases') appended.
linalg::Matrix design(const LogisticReadout& readout, const linalg::Matrix& features) {
  linalg::Matrix x(features.rows(), features.cols() + 1);
  x.leftCols(features.cols()) =
      (features.rowwise() - readout.mean.transpose()).array().rowwise() / readout.scale.transpose().array();
  x.col(features.cols()).setOnes();
  return x;
}

// Row-wise softmax of the logits, in place (shifted by the row maximum, so exp never overflows).
void softmax_rows(linalg::Matrix& logits) {
  for (Eigen::Index r = 0; r < logits.rows(); ++r) {
    auto row = logits.row(r);
    row.array() = (row.array() - row.maxCoeff()).exp();
    row /= row.sum();
  }
}

}  // namespace

LogisticReadout fit_logistic(const linalg::Matrix& features, const std::vector<int32_t>& labels, int64_t classes,
                             const ReadoutParams& params) {
  const auto n = features.rows();
  LogisticReadout readout;
  readout.mean = features.colwise().mean().transpose();
  readout.scale = ((features.rowwise() - readout.mean.transpose()).array().square().colwise().sum() /
                   static_cast<double>(n))
                      .sqrt()
                      .transpose();
  for (auto& s : readout.scale) s = s > 1e-12 ? s : 1.0;
  const linalg::Matrix x = design(readout, features);
  linalg::Matrix onehot = linalg::Matrix::Zero(n, classes);
  for (Eigen::Index i = 0; i < n; ++i) onehot(i, labels[static_cast<size_t>(i)]) = 1;
  // The penalty spares the biases' row.
  linalg::Matrix penalty_mask = linalg::Matrix::Ones(x.cols(), classes);
  penalty_mask.row(x.cols() - 1).setZero();

  // The gradient's Lipschitz constant: the softmax Hessian is at most ½·XᵀX/n (per class).
  const double sigma = linalg::svd(x).s(0);
  const double step = 1.0 / (0.5 * sigma * sigma / static_cast<double>(n) + params.l2);

  auto gradient = [&](const linalg::Matrix& w) {
    linalg::Matrix p = x * w;
    softmax_rows(p);
    return linalg::Matrix(x.transpose() * (p - onehot) / static_cast<double>(n) +
                          params.l2 * w.cwiseProduct(penalty_mask));
  };
  linalg::Matrix w = linalg::Matrix::Zero(x.cols(), classes), previous = w;
  for (int64_t k = 1; k <= params.iterations; ++k) {
    const linalg::Matrix look = w + (static_cast<double>(k - 1) / static_cast<double>(k + 2)) * (w - previous);
    previous = w;
    w = look - step * gradient(look);
  }
  readout.weights = w;

  linalg::Matrix p = x * w;
  softmax_rows(p);
  double loss = 0;
  for (Eigen::Index i = 0; i < n; ++i) loss -= std::log(std::max(p(i, labels[static_cast<size_t>(i)]), 1e-300));
  readout.train_loss = loss / static_cast<double>(n) + 0.5 * params.l2 * w.cwiseProduct(penalty_mask).squaredNorm();
  return readout;
}

std::vector<int32_t> predict(const LogisticReadout& readout, const linalg::Matrix& features) {
  const linalg::Matrix logits = design(readout, features) * readout.weights;
  std::vector<int32_t> out(static_cast<size_t>(logits.rows()));
  for (Eigen::Index i = 0; i < logits.rows(); ++i) {
    Eigen::Index best;
    logits.row(i).maxCoeff(&best);
    out[static_cast<size_t>(i)] = static_cast<int32_t>(best);
  }
  return out;
}

double accuracy(const std::vector<int32_t>& predicted, const std::vector<int32_t>& labels) {
  size_t right = 0;
  for (size_t i = 0; i < labels.size(); ++i) right += predicted[i] == labels[i];
  return labels.empty() ? 0.0 : static_cast<double>(right) / static_cast<double>(labels.size());
}

}  // namespace rnnscope::snn
