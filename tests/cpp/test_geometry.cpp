// Decoders, the orthogonalisation index and scaled Procrustes on planted and hand-built data.
#include "rnnscope/geometry/decoders.h"
#include "rnnscope/geometry/subspaces.h"

#include "rnnscope/core/rng.h"
#include "rnnscope/linalg/dense_product.h"
#include "test_errors.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace rnnscope;
using namespace rnnscope::geometry;
using rnnscope::testing::error_of;

namespace {

// `per_class` samples of each of `classes` labels: class c is separation · e_c plus unit
// Gaussian noise in `features` dimensions.
struct Planted {
  Matrix x;
  std::vector<int64_t> y;
};
Planted planted_code(int classes, int per_class, int features, double separation, uint64_t seed) {
  Rng rng(seed);
  Planted p{Matrix(classes * per_class, features), {}};
  for (int c = 0; c < classes; ++c) {
    for (int k = 0; k < per_class; ++k) {
      const Eigen::Index row = static_cast<Eigen::Index>(p.y.size());
      for (int f = 0; f < features; ++f) p.x(row, f) = rng.normal() + (f == c ? separation : 0.0);
      p.y.push_back(10 + c);  // labels need not start at 0
    }
  }
  return p;
}

}  // namespace

// This program does not link LibTorch: the decoders' products are Eigen's here, and on the
// wheel's BLAS in test_linalg (which checks both give the same product) and in the Python module.
TEST(Decoders, RunOnEigenWithoutLibTorch) { EXPECT_FALSE(linalg::product_has_blas()); }

TEST(Decoders, RecoverAPlantedLinearCode) {
  const Planted p = planted_code(4, 100, 20, 4.0, 1);
  const Decoding d = decode(p.x, p.y, {});
  EXPECT_GT(d.accuracy, 0.95);
  EXPECT_DOUBLE_EQ(d.chance, 0.25);  // 20 test samples of each class per fold
  ASSERT_EQ(d.fold_accuracy.size(), 5u);
  EXPECT_EQ(d.decoder.classes, (std::vector<int64_t>{10, 11, 12, 13}));
  // Each one-vs-rest normal points along its class's planted axis.
  for (int c = 0; c < 4; ++c) {
    const double cosine = d.decoder.normals(c, c) / d.decoder.normals.row(c).norm();
    EXPECT_GT(cosine, 0.7) << c;
  }
}

TEST(Decoders, ChanceOnShuffledLabels) {
  Planted p = planted_code(4, 100, 20, 4.0, 2);
  Rng rng(5);
  for (size_t i = p.y.size(); i > 1; --i) std::swap(p.y[i - 1], p.y[static_cast<size_t>(rng.integer(static_cast<int64_t>(i)))]);
  const Decoding d = decode(p.x, p.y, {});
  // 400 test predictions in all: 4.5 binomial standard deviations of chance.
  EXPECT_NEAR(d.accuracy, d.chance, 4.5 * std::sqrt(0.25 * 0.75 / 400));
}

TEST(Decoders, ChanceIsTheMajorityClassRate) {
  Rng rng(3);
  Matrix x(200, 3);
  std::vector<int64_t> y;
  for (int i = 0; i < 200; ++i) {
    for (int f = 0; f < 3; ++f) x(i, f) = rng.normal();
    y.push_back(i % 4 == 0 ? 1 : 0);
  }
  const Decoding d = decode(x, y, {});
  EXPECT_DOUBLE_EQ(d.chance, 0.75);
  EXPECT_NEAR(d.accuracy, 0.75, 0.08);  // no signal: the decoder learns to answer the majority
}

namespace {

// The largest entry of the penalised log-loss's gradient (normals and intercept) of any class
// of decoder d on the samples x, y: zero at the unique minimum.
double largest_gradient(const Matrix& x, const std::vector<int64_t>& y, const LinearDecoder& d, double l2) {
  double largest = 0;
  for (Eigen::Index c = 0; c < d.normals.rows(); ++c) {
    Vector residual(x.rows());
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      const double z = x.row(i).dot(d.normals.row(c)) + d.intercepts(c);
      residual(i) = 1 / (1 + std::exp(-z)) - (y[static_cast<size_t>(i)] == d.classes[static_cast<size_t>(c)]);
    }
    const Vector gradient = x.transpose() * residual + l2 * d.normals.row(c).transpose();
    largest = std::max({largest, gradient.cwiseAbs().maxCoeff(), std::abs(residual.sum())});
  }
  return largest;
}

}  // namespace

TEST(Decoders, SolutionIsTheStationaryPointOfThePenalisedLoss) {
  const Planted p = planted_code(3, 30, 5, 1.0, 4);
  const DecoderOptions options{0.5, 5, 0, 100, 1e-11, false};
  EXPECT_LT(largest_gradient(p.x, p.y, fit_decoder(p.x, p.y, options), options.l2), 1e-7);
}

// With fewer samples than half the features the fit runs in the samples' span (a QR
// factorisation of Xᵀ); the minimum is the same problem's, checked on the full gradient.
TEST(Decoders, FitInTheSamplesSpanIsTheStationaryPoint) {
  const Planted p = planted_code(4, 8, 120, 1.0, 12);
  DecoderOptions options{0.5, 5, 0, 100, 1e-11, false};
  EXPECT_LT(largest_gradient(p.x, p.y, fit_decoder(p.x, p.y, options), options.l2), 1e-7);
  // At the default tolerance the stopping rule is the original problem's: the gradient's norm
  // below 1e-4 of its norm at zero (here checked entry-wise, so with the same bound).
  options.tolerance = 1e-4;
  const LinearDecoder loose = fit_decoder(p.x, p.y, options);
  const LinearDecoder zero{loose.classes, Matrix::Zero(4, 120), Vector::Zero(4), {}};
  EXPECT_LT(largest_gradient(p.x, p.y, loose, options.l2), 1e-4 * std::sqrt(121.0) * largest_gradient(p.x, p.y, zero, options.l2));
  // Several label sets on the same samples share the factorisation: the same decoders.
  std::vector<int64_t> halves;
  for (size_t i = 0; i < p.y.size(); ++i) halves.push_back(int64_t(i % 2));
  options.standardize = true;
  const auto both = fit_decoders(p.x, {p.y, halves}, options);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_LT((both[0].normals - fit_decoder(p.x, p.y, options).normals).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((both[1].normals - fit_decoder(p.x, halves, options).normals).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_NE(error_of([&] { fit_decoders(p.x, {{1, 2}}, options); }).find("has 32 samples but y has 2 labels"), std::string::npos);
}

TEST(Decoders, StandardisedDecoderScalesWithItsOwnFittingSamples) {
  Planted p = planted_code(3, 20, 6, 3.0, 13);
  for (Eigen::Index i = 0; i < p.x.rows(); ++i) p.x.row(i).array() *= Eigen::Array<double, 1, 6>{1, 10, 0.1, 5, 1, 2};
  DecoderOptions options{1.0, 5, 0, 100, 1e-11, true};
  const Matrix train = p.x.topRows(50);
  const std::vector<int64_t> y_train(p.y.begin(), p.y.begin() + 50);
  const LinearDecoder d = fit_decoder(train, y_train, options);
  const FeatureScaling own = fit_scaling(train);
  EXPECT_EQ(d.scaling.mean, own.mean);
  EXPECT_EQ(d.scaling.scale, own.scale);
  // The normals are the minimum on the z-scored samples, and the decoder reads any x through
  // that scaling.
  EXPECT_LT(largest_gradient(own.apply(train), y_train, d, options.l2), 1e-7);
  const LinearDecoder plain{d.classes, d.normals, d.intercepts, {}};
  EXPECT_EQ(d.predict(p.x), plain.predict(own.apply(p.x)));
  // decode's decoder of all samples: the minimum on all samples z-scored.
  const Decoding cv = decode(p.x, p.y, options);
  EXPECT_LT(largest_gradient(cv.decoder.scaling.apply(p.x), p.y, cv.decoder, options.l2), 1e-7);
  EXPECT_GT(cv.accuracy, 0.9);
}


TEST(Decoders, CrossDecodingBetweenSets) {
  const Planted a = planted_code(3, 60, 10, 4.0, 6);
  const Planted b = planted_code(3, 60, 10, 4.0, 7);
  const CrossDecoding same = cross_decode(a.x, a.y, b.x, b.y, {});
  EXPECT_GT(same.accuracy, 0.95);
  EXPECT_NEAR(same.chance, 1.0 / 3, 1e-12);
  // Set B with its classes' axes permuted: the code does not transfer.
  std::vector<int64_t> permuted;
  for (int64_t label : b.y) permuted.push_back(10 + (label - 10 + 1) % 3);
  EXPECT_LT(cross_decode(a.x, a.y, b.x, permuted, {}).accuracy, 0.1);
  std::vector<int64_t> unknown = b.y;
  unknown[0] = 99;
  EXPECT_NE(error_of([&] { cross_decode(a.x, a.y, b.x, unknown, {}); }).find("set B has label 99, which set A does not have"),
            std::string::npos);
  EXPECT_NE(error_of([&] { cross_decode(a.x, a.y, b.x.leftCols(4), b.y, {}); }).find("set A has 10 features, set B 4"),
            std::string::npos);
}

TEST(Decoders, BadInputsAreRefused) {
  const Planted p = planted_code(2, 3, 2, 1.0, 8);
  EXPECT_NE(error_of([&] { decode(p.x, p.y, {}); }).find("class 10 has 3 samples, fewer than folds = 5"), std::string::npos);
  EXPECT_NE(error_of([&] { fit_decoder(p.x, std::vector<int64_t>(6, 1), {}); }).find("y has one class"), std::string::npos);
  EXPECT_NE(error_of([&] { fit_decoder(p.x, {1, 2}, {}); }).find("has 6 samples but y has 2 labels"), std::string::npos);
  DecoderOptions no_penalty;
  no_penalty.l2 = 0;
  EXPECT_NE(error_of([&] { fit_decoder(p.x, p.y, no_penalty); }).find("l2 = 0"), std::string::npos);
  Matrix bad = p.x;
  bad(1, 1) = std::nan("");
  EXPECT_NE(error_of([&] { fit_decoder(bad, p.y, {}); }).find("non-finite"), std::string::npos);
}

TEST(FeatureScaling, ZScoresWithTheFittedSetsMeanAndSpread) {
  // Columns: values 1, 3 (mean 2, population sd 1), a constant 5 (scale 1), and -4, 4 (sd 4).
  Matrix x(2, 3);
  x << 1, 5, -4, 3, 5, 4;
  const FeatureScaling s = fit_scaling(x);
  EXPECT_DOUBLE_EQ(s.mean(0), 2.0);
  EXPECT_DOUBLE_EQ(s.scale(0), 1.0);
  EXPECT_DOUBLE_EQ(s.scale(1), 1.0);
  EXPECT_DOUBLE_EQ(s.scale(2), 4.0);
  const Matrix z = s.apply(x);
  EXPECT_DOUBLE_EQ(z(0, 0), -1.0);
  EXPECT_DOUBLE_EQ(z(1, 1), 0.0);
  EXPECT_DOUBLE_EQ(z(1, 2), 1.0);
  // Another set goes through the same shift and scale, not its own.
  Matrix other(1, 3);
  other << 4, 6, 8;
  const Matrix zo = s.apply(other);
  EXPECT_DOUBLE_EQ(zo(0, 0), 2.0);
  EXPECT_DOUBLE_EQ(zo(0, 1), 1.0);
  EXPECT_DOUBLE_EQ(zo(0, 2), 2.0);
  EXPECT_NE(error_of([&] { s.apply(Matrix(1, 2)); }).find("has 2 features, the scaling was fitted on 3"), std::string::npos);
  Matrix bad = x;
  bad(0, 0) = std::nan("");
  EXPECT_NE(error_of([&] { fit_scaling(bad); }).find("non-finite"), std::string::npos);
}

TEST(Orthogonality, HandBuiltNormals) {
  EXPECT_DOUBLE_EQ(orthogonalization_index(Matrix::Identity(4, 6)), 1.0);
  Matrix collinear(3, 2);
  collinear << 1, 2, -2, -4, 3, 6;
  EXPECT_NEAR(orthogonalization_index(collinear), 0.0, 1e-15);
  Matrix diagonal(2, 2);
  diagonal << 1, 0, 1, 1;
  EXPECT_NEAR(orthogonalization_index(diagonal), 1 - 1 / std::sqrt(2.0), 1e-15);
  // Three pairs: (e1, e2) orthogonal, (e1, e1 + e2) and (e2, e1 + e2) at 45 degrees.
  Matrix three(3, 2);
  three << 1, 0, 0, 1, 1, 1;
  EXPECT_NEAR(orthogonalization_index(three), (1 + 2 * (1 - 1 / std::sqrt(2.0))) / 3, 1e-15);
  EXPECT_NE(error_of([] { orthogonalization_index(Matrix::Ones(1, 3)); }).find("at least 2 rows"), std::string::npos);
  Matrix zero_row = Matrix::Identity(3, 3);
  zero_row.row(2).setZero();
  EXPECT_NE(error_of([&] { orthogonalization_index(zero_row); }).find("row 2 of normals is all zeros"), std::string::npos);
}

TEST(Procrustes, RecoversRotationAndScale) {
  Rng rng(9);
  Matrix a(8, 5), g(5, 5);
  for (Eigen::Index i = 0; i < a.size(); ++i) a.data()[i] = rng.normal();
  for (Eigen::Index i = 0; i < g.size(); ++i) g.data()[i] = rng.normal();
  const Matrix rotation = Eigen::HouseholderQR<Matrix>(g).householderQ();
  const ScaledRotation fit = procrustes_with_scale(a, 2.5 * a * rotation);
  EXPECT_NEAR(fit.scale, 2.5, 1e-12);
  EXPECT_LT(fit.relative_residual, 1e-12);
  EXPECT_LT((fit.rotation() - rotation).cwiseAbs().maxCoeff(), 1e-10);
  // With noise on the target the residual says how much is left.
  Matrix noisy = 2.5 * a * rotation;
  noisy(0, 0) += 1;
  EXPECT_GT(procrustes_with_scale(a, noisy).relative_residual, 1e-3);
  EXPECT_NE(error_of([&] { procrustes_with_scale(Matrix::Zero(8, 5), a); }).find("a is all zeros"), std::string::npos);
}

// Decoders of few classes in many features: the rotation turns the span of their rows only,
// reaches the same minimum as the SVD of the whole product, and fixes every other direction.
TEST(Procrustes, WideDecodersTurnOnlyTheirSpan) {
  Rng rng(10);
  Matrix a(4, 40), b(4, 40), g(40, 40);
  for (auto* m : {&a, &b, &g})
    for (Eigen::Index i = 0; i < m->size(); ++i) m->data()[i] = rng.normal();
  const Matrix rotation = Eigen::HouseholderQR<Matrix>(g).householderQ();
  const ScaledRotation exact = procrustes_with_scale(a, 1.5 * a * rotation);
  EXPECT_NEAR(exact.scale, 1.5, 1e-12);
  EXPECT_LT(exact.relative_residual, 1e-12);
  const ScaledRotation fit = procrustes_with_scale(a, b);
  const Matrix r = fit.rotation();
  EXPECT_LT((r.transpose() * r - Matrix::Identity(40, 40)).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((fit.rotate(a) - a * r).cwiseAbs().maxCoeff(), 1e-12);
  const Matrix whole = linalg::procrustes(a, b);  // the full SVD's minimiser
  EXPECT_NEAR((a * r - b).norm(), (a * whole - b).norm(), 1e-10);
  Vector away(40);
  for (Eigen::Index i = 0; i < 40; ++i) away(i) = rng.normal();
  away -= fit.basis * (fit.basis.transpose() * away);
  EXPECT_LT((r.transpose() * away - away).cwiseAbs().maxCoeff(), 1e-12);
}
