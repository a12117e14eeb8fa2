// Tensor-times-matrix passes of CP-ALS (src/decomp/contractions_internal.h).
#include "decomp/contractions_internal.h"

namespace rnnscope::decomp::detail {

void times_last_mode(const TensorView& t, const linalg::Matrix& m, RowMatrix& out) {
  const RowMatrix m_t = m.transpose();  // rows of length K, contiguous like the fibres
  const auto x = t.unfolding();
  out.resize(x.rows(), m.cols());
  for (Eigen::Index row = 0; row < x.rows(); ++row)
    for (Eigen::Index r = 0; r < m_t.rows(); ++r) out(row, r) = x.row(row).dot(m_t.row(r));
}

void transposed_times(const TensorView& t, const RowMatrix& w, linalg::Matrix& out) {
  const auto x = t.unfolding();
  RowMatrix out_t = RowMatrix::Zero(w.cols(), x.cols());
  for (Eigen::Index row = 0; row < x.rows(); ++row)
    for (Eigen::Index r = 0; r < w.cols(); ++r) out_t.row(r) += w(row, r) * x.row(row);
  out = out_t.transpose();
}

void contract_mode1(const RowMatrix& y, const linalg::Matrix& b, linalg::Matrix& out) {
  const Eigen::Index j = b.rows(), i = y.rows() / j;
  out.resize(i, b.cols());
  for (Eigen::Index row = 0; row < i; ++row)
    out.row(row) = y.middleRows(row * j, j).cwiseProduct(b).colwise().sum();
}

void contract_mode0(const RowMatrix& y, const linalg::Matrix& a, linalg::Matrix& out) {
  const Eigen::Index i = a.rows(), j = y.rows() / i;
  out.setZero(j, a.cols());
  for (Eigen::Index row = 0; row < i; ++row) out.noalias() += y.middleRows(row * j, j) * a.row(row).asDiagonal();
}

void khatri_rao(const linalg::Matrix& a, const linalg::Matrix& b, RowMatrix& out) {
  const Eigen::Index j = b.rows();
  out.resize(a.rows() * j, a.cols());
  for (Eigen::Index row = 0; row < a.rows(); ++row) out.middleRows(row * j, j).noalias() = b * a.row(row).asDiagonal();
}

}  // namespace rnnscope::decomp::detail
