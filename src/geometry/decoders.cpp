// One-vs-rest L2 logistic decoders and their cross-validation (include/rnnscope/geometry/
// decoders.h). Each class's decoder is found by truncated Newton steps with step halving on
// the convex penalised log-loss; with l2 > 0 the minimum is unique, so results do not depend on
// the starting point and the normals are comparable across fits.
// With fewer samples than features (the N-back analyses: ~90 training trials of 512 units),
// the fit runs in the samples' span (Design), where every pass costs samples²
// instead of samples × features.
#include "rnnscope/geometry/decoders.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/rng.h"
#include "rnnscope/linalg/dense_product.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace rnnscope::geometry {
namespace {

std::string shape_text(const Matrix& m) { return "[" + std::to_string(m.rows()) + ", " + std::to_string(m.cols()) + "]"; }

// x has a sample and a feature at least, every entry finite.
void check_features(const Matrix& x, const std::string& what) {
  require(x.rows() >= 1 && x.cols() >= 1, what + ": x " + shape_text(x) + " must have at least one sample and one feature");
  require(x.allFinite(), what + ": x contains a non-finite value (NaN or infinity)");
}

// y has one label per sample of x.
void check_label_count(const Matrix& x, const std::vector<int64_t>& y, const std::string& what) {
  require(static_cast<size_t>(x.rows()) == y.size(), what + ": x " + shape_text(x) + " has " + std::to_string(x.rows()) +
                                                          " samples but y has " + std::to_string(y.size()) +
                                                          " labels; they must be the same count");
}

void check_samples(const Matrix& x, const std::vector<int64_t>& y, const std::string& what) {
  check_features(x, what);
  check_label_count(x, y, what);
}

void check_options(const DecoderOptions& o) {
  require(std::isfinite(o.l2) && o.l2 > 0, "decoder: l2 = " + std::to_string(o.l2) + " must be finite and > 0");
  require(o.max_iterations >= 1, "decoder: max_iterations must be >= 1");
  require(std::isfinite(o.tolerance) && o.tolerance >= 0, "decoder: tolerance must be finite and >= 0");
}

// log(1 + e^z) without overflow.
double softplus(double z) { return std::max(z, 0.0) + std::log1p(std::exp(-std::abs(z))); }

// The problems of all classes advance together, as the columns of beta [features + 1, classes]
// (a column is [w; b]) and of the targets T [samples, classes] (1 for the class, 0 for the
// rest): every pass over X is then one matrix product for all classes instead of one
// matrix-vector product per class, which reads X once instead of once per class.

// Per column k: Σ_i [log(1 + e^{z_ik}) − t_ik z_ik] + (l2 / 2)·‖w_k‖², Z = X W + 1 bᵀ.
Vector objectives(const Matrix& x, const Matrix& t, const Matrix& beta, double l2) {
  const Eigen::Index d = x.cols();
  const Matrix z = linalg::product(x, false, beta.topRows(d), false).rowwise() + beta.row(d);
  Vector out(beta.cols());
  for (Eigen::Index k = 0; k < beta.cols(); ++k) {
    double loss = 0;
    for (Eigen::Index i = 0; i < z.rows(); ++i) loss += softplus(z(i, k)) - t(i, k) * z(i, k);
    out(k) = loss + 0.5 * l2 * beta.col(k).head(d).squaredNorm();
  }
  return out;
}

// The Hessian of column k's objective at D_k = diag(p_k(1 − p_k)) times v_k = [v_w; v_b]:
// [Xᵀ D_k u + l2·v_w; 1ᵀ D_k u] with u = X v_w + v_b — two passes over X, never the
// (features + 1)² matrix itself.
Matrix hessian_times(const Matrix& x, const Matrix& curvature, double l2, const Matrix& v) {
  const Eigen::Index d = x.cols();
  const Matrix weighted = (linalg::product(x, false, v.topRows(d), false).rowwise() + v.row(d)).cwiseProduct(curvature);
  Matrix out(d + 1, v.cols());
  out.topRows(d) = linalg::product(x, true, weighted, false) + l2 * v.topRows(d);
  out.row(d) = weighted.colwise().sum();
  return out;
}

// Truncated Newton (Newton-CG, as liblinear's trust-region Newton and scikit-learn's
// newton-cg solvers): each step solves H s = g by conjugate gradients to a relative residual
// η = min(0.1, √(‖g‖/‖g₀‖)), which tightens as the gradient falls (superlinear convergence),
// at O(samples · features) per product instead of the O(samples · features²) of forming H.
// Preconditioned by H's diagonal (Jacobi: [(X∘X)ᵀ D + l2; Σ D], from squares = X∘X), which
// evens out features of different scales. A column whose gradient is zero gets a zero step.
Matrix newton_cg_steps(const Matrix& x, const Matrix& squares, const Matrix& curvature, double l2,
                       const Matrix& gradient, const Vector& eta) {
  const Eigen::Index d = x.cols(), classes = gradient.cols();
  Matrix inverse_diagonal(d + 1, classes);
  inverse_diagonal.topRows(d) = (linalg::product(squares, true, curvature, false).array() + l2).inverse();
  inverse_diagonal.row(d) = curvature.colwise().sum().array().max(1e-300).inverse();
  Matrix step = Matrix::Zero(d + 1, classes);
  Matrix residual = gradient;
  Matrix preconditioned = inverse_diagonal.cwiseProduct(residual);
  Matrix direction = preconditioned;
  Vector rz = residual.cwiseProduct(preconditioned).colwise().sum();
  Vector rr = residual.colwise().squaredNorm();
  const Vector target = eta.cwiseProduct(eta).cwiseProduct(rr);
  for (Eigen::Index iteration = 0; iteration <= d + 1; ++iteration) {
    std::vector<bool> running(static_cast<size_t>(classes));
    bool any = false;
    for (Eigen::Index k = 0; k < classes; ++k) {
      running[static_cast<size_t>(k)] = rr(k) > target(k);
      any = any || running[static_cast<size_t>(k)];
      if (!running[static_cast<size_t>(k)]) direction.col(k).setZero();
    }
    if (!any) break;
    const Matrix hd = hessian_times(x, curvature, l2, direction);
    for (Eigen::Index k = 0; k < classes; ++k) {
      if (!running[static_cast<size_t>(k)]) continue;
      const double alpha = rz(k) / direction.col(k).dot(hd.col(k));
      step.col(k) += alpha * direction.col(k);
      residual.col(k) -= alpha * hd.col(k);
      preconditioned.col(k) = inverse_diagonal.col(k).cwiseProduct(residual.col(k));
      const double next = residual.col(k).dot(preconditioned.col(k));
      direction.col(k) = preconditioned.col(k) + (next / rz(k)) * direction.col(k);
      rz(k) = next;
      rr(k) = residual.col(k).squaredNorm();
    }
  }
  return step;
}

// The gradient of every column's objective at beta, given the probabilities p = σ(Z).
Matrix gradients(const Matrix& x, const Matrix& t, const Matrix& beta, const Matrix& p, double l2) {
  const Eigen::Index d = x.cols();
  const Matrix r = p - t;
  Matrix g(d + 1, beta.cols());
  g.topRows(d) = linalg::product(x, true, r, false) + l2 * beta.topRows(d);
  g.row(d) = r.colwise().sum();
  return g;
}

// Minimises every column's objective from `beta` (zeros, or a nearby solution: the optimum is
// unique, so the start changes only how many steps it takes); returns the minimiser. Each
// column stops on its own, when its gradient norm falls below tolerance times its norm at
// beta = 0, or when step halving finds no descent (converged to rounding).
Matrix fit_one_vs_rest(const Matrix& x, const Matrix& t, Matrix beta, const DecoderOptions& o) {
  const Eigen::Index d = x.cols(), classes = t.cols();
  const Vector first_norm =
      gradients(x, t, Matrix::Zero(d + 1, classes), Matrix::Constant(x.rows(), classes, 0.5), o.l2).colwise().norm();
  const Matrix squares = x.cwiseAbs2();
  Vector current = objectives(x, t, beta, o.l2);
  std::vector<bool> active(static_cast<size_t>(classes), true);
  for (int iteration = 0; iteration < o.max_iterations; ++iteration) {
    const Matrix z = linalg::product(x, false, beta.topRows(d), false).rowwise() + beta.row(d);
    const Matrix p = z.unaryExpr([](double v) { return 1.0 / (1.0 + std::exp(-v)); });
    Matrix gradient = gradients(x, t, beta, p, o.l2);
    const Vector norms = gradient.colwise().norm();
    Vector eta(classes);
    bool any = false;
    for (Eigen::Index k = 0; k < classes; ++k) {
      const bool a = active[static_cast<size_t>(k)] && norms(k) > o.tolerance * first_norm(k);
      active[static_cast<size_t>(k)] = a;
      if (!a) gradient.col(k).setZero();
      eta(k) = a ? std::min(0.1, std::sqrt(norms(k) / first_norm(k))) : 0.0;
      any = any || a;
    }
    if (!any) break;
    const Matrix curvature = p.array() * (1 - p.array());
    const Matrix step = newton_cg_steps(x, squares, curvature, o.l2, gradient, eta);
    // Step halving, per column, until each objective decreases.
    Vector length = Vector::Ones(classes);
    Vector next = objectives(x, t, beta - step * length.asDiagonal(), o.l2);
    for (int halving = 0; halving < 27; ++halving) {
      bool shortened = false;
      for (Eigen::Index k = 0; k < classes; ++k) {
        if (active[static_cast<size_t>(k)] && next(k) > current(k)) length(k) /= 2, shortened = true;
      }
      if (!shortened) break;
      next = objectives(x, t, beta - step * length.asDiagonal(), o.l2);
    }
    for (Eigen::Index k = 0; k < classes; ++k) {
      if (!active[static_cast<size_t>(k)]) continue;
      if (next(k) > current(k)) {
        active[static_cast<size_t>(k)] = false;  // no descent left along the Newton direction
        continue;
      }
      beta.col(k) -= length(k) * step.col(k);
      current(k) = next(k);
    }
  }
  return beta;
}

// The samples every fit on one x minimises over: x itself or, with standardize, x z-scored
// over its rows; and, where it is the cheaper problem, the factorisation of the samples' span.
//
// The span: the gradient in w is Xᵀ(p − t) + l2·w, so at the minimum w = −Xᵀ(p − t)/l2 lies
// in the rows' span. With the thin QR factorisation Xᵀ = Q R (Q [features, samples]
// orthonormal), w = Q c gives X w = Rᵀ c and ‖w‖ = ‖c‖: the problem on the [samples, samples]
// matrix Rᵀ is the same problem, its gradient norms are the original's (‖Q g‖ = ‖g‖), so the
// stopping rule and the minimum carry over exactly. The factorisation costs 2·n²·d once, on
// Eigen (this library's baseline x86-64 build), while the passes it saves (each n·d·classes
// on X, n²·classes in the span) run on MKL when the process has it: it pays for itself for
// the analyses' ~90 × 512 fits, not for 1024 CNN samples × 4096 features, where the
// factorisation alone took longer than the whole fit on X (measured, docs/nback.md
// "Analyses of a trained run"); hence both conditions of kSpanSamples. It is shared by every
// label set fitted on the same samples (fit_decoders).
constexpr Eigen::Index kSpanSamples = 512;  // the most samples a fit in their span takes
struct Design {
  FeatureScaling scaling;  // empty without standardize
  Matrix x;                // the samples fitted on
  std::optional<Eigen::HouseholderQR<Matrix>> span;  // of xᵀ, when 2·samples <= features
  Matrix reduced_x;        // Rᵀ [samples, samples], with span

  Design(const Matrix& samples, bool standardize) {
    if (standardize) scaling = fit_scaling(samples);
    x = standardize ? scaling.apply(samples) : samples;
    if (2 * x.rows() > x.cols() || x.rows() > kSpanSamples) return;
    span.emplace(x.transpose());
    reduced_x = span->matrixQR().topRows(x.rows()).triangularView<Eigen::Upper>().transpose();
  }

  // The minimiser of every column's objective (fit_one_vs_rest) from `start` [features + 1, classes].
  Matrix minimise(const Matrix& t, Matrix start, const DecoderOptions& o) const {
    if (!span) return fit_one_vs_rest(x, t, std::move(start), o);
    const Eigen::Index n = x.rows(), d = x.cols(), classes = t.cols();
    Matrix reduced_start = Matrix::Zero(n + 1, classes);
    if (!start.topRows(d).isZero(0)) reduced_start.topRows(n) = (span->householderQ().transpose() * start.topRows(d)).topRows(n);
    reduced_start.row(n) = start.row(d);
    const Matrix reduced = fit_one_vs_rest(reduced_x, t, std::move(reduced_start), o);
    Matrix padded = Matrix::Zero(d, classes);
    padded.topRows(n) = reduced.topRows(n);
    Matrix beta(d + 1, classes);
    beta.topRows(d) = span->householderQ() * padded;
    beta.row(d) = reduced.row(n);
    return beta;
  }
};

Matrix rows_of(const Matrix& x, const std::vector<Eigen::Index>& rows) {
  Matrix out(static_cast<Eigen::Index>(rows.size()), x.cols());
  for (size_t i = 0; i < rows.size(); ++i) out.row(static_cast<Eigen::Index>(i)) = x.row(rows[i]);
  return out;
}

}  // namespace

std::vector<int64_t> LinearDecoder::predict(const Matrix& x) const {
  require(x.cols() == normals.cols(), "decoder: x " + shape_text(x) + " has " + std::to_string(x.cols()) +
                                          " features, the decoder " + std::to_string(normals.cols()));
  const Matrix scores =
      linalg::product(scaling.mean.size() == 0 ? x : scaling.apply(x), false, normals, true).rowwise() + intercepts.transpose();
  std::vector<int64_t> out(static_cast<size_t>(x.rows()));
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    Eigen::Index best = 0;
    scores.row(i).maxCoeff(&best);
    out[static_cast<size_t>(i)] = classes[static_cast<size_t>(best)];
  }
  return out;
}

double LinearDecoder::accuracy(const Matrix& x, const std::vector<int64_t>& y) const {
  check_samples(x, y, "decoder accuracy");
  const auto predicted = predict(x);
  int64_t right = 0;
  for (size_t i = 0; i < y.size(); ++i) right += predicted[i] == y[i];
  return static_cast<double>(right) / static_cast<double>(y.size());
}

namespace {

// A scaling's shift and scale, the identity (0, 1) when it is empty.
std::pair<Vector, Vector> shift_and_scale(const FeatureScaling& s, Eigen::Index features) {
  if (s.mean.size() == 0) return {Vector::Zero(features), Vector::Ones(features)};
  return {s.mean, s.scale};
}

// The coefficients [w; b] (a column per class) that compute, on x read through `into`, the
// scores `decoder` computes: with raw normals u = w_d / σ_d, the score x·u + b_d − μ_d·u is
// x'·(σ ∘ u) + b_d + (μ − μ_d)·u for x = μ + σ ∘ x'.
Matrix coefficients_in(const LinearDecoder& decoder, const FeatureScaling& into, Eigen::Index features) {
  const auto [from_mean, from_scale] = shift_and_scale(decoder.scaling, features);
  const auto [to_mean, to_scale] = shift_and_scale(into, features);
  const Matrix raw = decoder.normals.transpose().array().colwise() / from_scale.array();
  Matrix out(features + 1, raw.cols());
  out.topRows(features) = raw.array().colwise() * to_scale.array();
  out.row(features) = decoder.intercepts.transpose() + (to_mean - from_mean).transpose() * raw;
  return out;
}

// The decoder of labels y on `design`'s samples, started from `warm`'s coefficients when given
// (the same classes). Errors: y's count, one class.
LinearDecoder fit_on(const Design& design, const std::vector<int64_t>& y, const DecoderOptions& options,
                     const LinearDecoder* warm) {
  const Matrix& x = design.x;
  check_label_count(x, y, "decoder");
  LinearDecoder decoder;
  decoder.classes = y;
  std::sort(decoder.classes.begin(), decoder.classes.end());
  decoder.classes.erase(std::unique(decoder.classes.begin(), decoder.classes.end()), decoder.classes.end());
  require(decoder.classes.size() >= 2, "decoder: y has one class (" + std::to_string(decoder.classes[0]) +
                                           "); decoding needs at least 2");
  const auto k = static_cast<Eigen::Index>(decoder.classes.size());
  Matrix t(x.rows(), k);
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    for (Eigen::Index c = 0; c < k; ++c) t(i, c) = y[static_cast<size_t>(i)] == decoder.classes[static_cast<size_t>(c)];
  }
  decoder.scaling = design.scaling;
  Matrix start = Matrix::Zero(x.cols() + 1, k);
  if (warm && warm->classes == decoder.classes) start = coefficients_in(*warm, decoder.scaling, x.cols());
  const Matrix beta = design.minimise(t, std::move(start), options);
  decoder.normals = beta.topRows(x.cols()).transpose();
  decoder.intercepts = beta.row(x.cols()).transpose();
  return decoder;
}

LinearDecoder fit(const Matrix& x, const std::vector<int64_t>& y, const DecoderOptions& options, const LinearDecoder* warm) {
  check_samples(x, y, "decoder");
  check_options(options);
  return fit_on(Design(x, options.standardize), y, options, warm);
}

}  // namespace

FeatureScaling fit_scaling(const Matrix& x) {
  check_features(x, "feature scaling");
  FeatureScaling out;
  out.mean = x.colwise().mean().transpose();
  const Vector variance = (x.rowwise() - out.mean.transpose()).colwise().squaredNorm().transpose() / static_cast<double>(x.rows());
  out.scale = variance.unaryExpr([](double v) { return v > 0 ? std::sqrt(v) : 1.0; });
  return out;
}

Matrix FeatureScaling::apply(const Matrix& x) const {
  require(x.cols() == mean.size(), "feature scaling: x " + shape_text(x) + " has " + std::to_string(x.cols()) +
                                       " features, the scaling was fitted on " + std::to_string(mean.size()));
  return ((x.rowwise() - mean.transpose()).array().rowwise() / scale.transpose().array()).matrix();
}

LinearDecoder fit_decoder(const Matrix& x, const std::vector<int64_t>& y, const DecoderOptions& options) {
  return fit(x, y, options, nullptr);
}

std::vector<LinearDecoder> fit_decoders(const Matrix& x, const std::vector<std::vector<int64_t>>& ys,
                                        const DecoderOptions& options) {
  check_features(x, "decoder");
  check_options(options);
  const Design design(x, options.standardize);
  std::vector<LinearDecoder> out;
  for (const auto& y : ys) out.push_back(fit_on(design, y, options, nullptr));
  return out;
}

int64_t most_frequent(const std::vector<int64_t>& y) {
  std::map<int64_t, int64_t> counts;
  for (int64_t v : y) ++counts[v];
  int64_t best = 0, best_count = -1;
  for (const auto& [value, count] : counts) {
    if (count > best_count) best = value, best_count = count;
  }
  return best;
}

double constant_accuracy(int64_t guess, const std::vector<int64_t>& y) {
  return static_cast<double>(std::count(y.begin(), y.end(), guess)) / static_cast<double>(y.size());
}

std::vector<int> stratified_folds(const std::vector<int64_t>& y, int folds, uint64_t seed) {
  require(folds >= 2, "decode: folds = " + std::to_string(folds) + " must be >= 2");
  std::map<int64_t, std::vector<size_t>> members;
  for (size_t i = 0; i < y.size(); ++i) members[y[i]].push_back(i);
  Rng rng = Rng::derive(seed, "geometry.folds");
  std::vector<int> fold_of(y.size());
  int next = 0;
  for (auto& [label, indices] : members) {
    require(static_cast<int64_t>(indices.size()) >= folds,
            "decode: class " + std::to_string(label) + " has " + std::to_string(indices.size()) +
                " samples, fewer than folds = " + std::to_string(folds));
    for (size_t i = indices.size(); i > 1; --i) std::swap(indices[i - 1], indices[static_cast<size_t>(rng.integer(static_cast<int64_t>(i)))]);
    for (size_t i : indices) fold_of[i] = next++ % folds;
  }
  return fold_of;
}

Decoding decode(const Matrix& x, const std::vector<int64_t>& y, const DecoderOptions& options) {
  check_samples(x, y, "decode");
  check_options(options);
  const std::vector<int> fold_of = stratified_folds(y, options.folds, options.seed);
  // The decoder on all samples first: each fold's fit starts from it, which saves Newton steps.
  Decoding out;
  out.decoder = fit_decoder(x, y, options);
  for (int fold = 0; fold < options.folds; ++fold) {
    std::vector<Eigen::Index> train, test;
    std::vector<int64_t> y_train, y_test;
    for (size_t i = 0; i < y.size(); ++i) {
      (fold_of[i] == fold ? test : train).push_back(static_cast<Eigen::Index>(i));
      (fold_of[i] == fold ? y_test : y_train).push_back(y[i]);
    }
    const LinearDecoder decoder = fit(rows_of(x, train), y_train, options, &out.decoder);
    out.fold_accuracy.push_back(decoder.accuracy(rows_of(x, test), y_test));
    out.fold_chance.push_back(constant_accuracy(most_frequent(y_train), y_test));
  }
  const double folds = options.folds;
  for (int f = 0; f < options.folds; ++f) {
    out.accuracy += out.fold_accuracy[static_cast<size_t>(f)] / folds;
    out.chance += out.fold_chance[static_cast<size_t>(f)] / folds;
  }
  return out;
}

CrossDecoding cross_decode(const Matrix& x_a, const std::vector<int64_t>& y_a, const Matrix& x_b,
                           const std::vector<int64_t>& y_b, const DecoderOptions& options) {
  check_samples(x_a, y_a, "cross_decode (set A)");
  check_samples(x_b, y_b, "cross_decode (set B)");
  require(x_a.cols() == x_b.cols(), "cross_decode: set A has " + std::to_string(x_a.cols()) + " features, set B " +
                                        std::to_string(x_b.cols()) + "; they must be the same");
  const LinearDecoder decoder = fit_decoder(x_a, y_a, options);
  for (int64_t label : y_b) {
    require(std::binary_search(decoder.classes.begin(), decoder.classes.end(), label),
            "cross_decode: set B has label " + std::to_string(label) + ", which set A does not have");
  }
  return {decoder.accuracy(x_b, y_b), constant_accuracy(most_frequent(y_a), y_b)};
}

}  // namespace rnnscope::geometry
