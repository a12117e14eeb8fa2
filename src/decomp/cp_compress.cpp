// Tucker compression before CP-ALS (src/decomp/cp_internal.h). CP fits of the small core are
// CP fits of X restricted to the bases' span (CANDELINC: Carroll, Pruzansky & Kruskal 1980;
// used to speed PARAFAC by Bro & Andersson 1998), so random restarts run on the core, and the
// best is refined on X itself.
#include "decomp/cp_internal.h"

#include "rnnscope/core/rng.h"

#include <algorithm>

namespace rnnscope::decomp::detail {
namespace {

Matrix gaussian(Eigen::Index rows, Eigen::Index cols, Rng& rng) {
  Matrix m(rows, cols);
  for (Eigen::Index c = 0; c < cols; ++c)
    for (Eigen::Index r = 0; r < rows; ++r) m(r, c) = rng.normal();
  return m;
}

// An orthonormal basis of the range of `sketch` [n, L] (thin Householder QR), or the
// identity when L reaches n.
Matrix basis_of(const Matrix& sketch) {
  const Eigen::Index n = sketch.rows();
  if (sketch.cols() >= n) return Matrix::Identity(n, n);
  Eigen::HouseholderQR<Matrix> qr(sketch);
  return qr.householderQ() * Matrix::Identity(n, sketch.cols());
}

}  // namespace

int compression_width(int rank) { return rank + 10; }

bool worth_compressing(const std::array<int64_t, 3>& dims, int rank) {
  const int64_t width = compression_width(rank);
  const double core = double(std::min(width, dims[0])) * double(std::min(width, dims[1])) *
                      double(std::min(width, dims[2]));
  return 4 * core <= double(dims[0]) * double(dims[1]) * double(dims[2]);
}

Compression compress(const TensorView& t, int rank, uint64_t seed) {
  const int64_t width = compression_width(rank);
  Rng rng = Rng::derive(seed, "cp_compress");
  const Matrix test_0 = gaussian(t.i, width, rng), test_1 = gaussian(t.j, width, rng),
               test_2 = gaussian(t.k, width, rng);
  // Sketches X_(m) (T_a ⊙ T_b) of the three unfoldings: modes 0 and 1 from one pass
  // (Y = X_(12) T_2), mode 2 from a second.
  RowMatrix work;
  times_last_mode(t, test_2, work);
  Matrix sketch_0, sketch_1, sketch_2;
  contract_mode1(work, test_1, sketch_0);
  contract_mode0(work, test_0, sketch_1);
  khatri_rao(test_0, test_1, work);
  transposed_times(t, work, sketch_2);
  Compression out;
  out.bases = {basis_of(sketch_0), basis_of(sketch_1), basis_of(sketch_2)};
  // core[a, b, c] = Σ_ij U[i, a] V[j, b] Z[i·J + j, c] with Z = X_(12) W (the third pass).
  const Matrix& u = out.bases[0];
  const Matrix& v = out.bases[1];
  times_last_mode(t, out.bases[2], work);
  const Eigen::Index l0 = u.cols(), l1 = v.cols(), l2 = out.bases[2].cols();
  RowMatrix core = RowMatrix::Zero(l0, l1 * l2);  // row a holds core[a, :, :] row-major
  RowMatrix slab(l1, l2);
  for (int64_t i = 0; i < t.i; ++i) {
    slab.noalias() = v.transpose() * work.middleRows(i * t.j, t.j);
    const Eigen::Map<const Eigen::RowVectorXd> flat(slab.data(), l1 * l2);
    core.noalias() += u.row(i).transpose() * flat;
  }
  out.core.dims = {l0, l1, l2};
  out.core.values.assign(core.data(), core.data() + core.size());
  return out;
}

}  // namespace rnnscope::decomp::detail
