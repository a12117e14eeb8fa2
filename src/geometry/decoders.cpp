// One-vs-rest L2 logistic decoders and their cross-validation (include/rnnscope/geometry/
// decoders.h). Each class's decoder is found by truncated Newton steps with step halving on
// the convex penalised log-loss; with l2 > 0 the minimum is unique, so results do not depend on
// the starting point and the normals are comparable across fits.
#include "rnnscope/geometry/decoders.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/rng.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

namespace rnnscope::geometry {
namespace {

std::string shape_text(const Matrix& m) { return "[" + std::to_string(m.rows()) + ", " + std::to_string(m.cols()) + "]"; }

void check_samples(const Matrix& x, const std::vector<int64_t>& y, const std::string& what) {
  require(x.rows() >= 1 && x.cols() >= 1, what + ": x " + shape_text(x) + " must have at least one sample and one feature");
  require(static_cast<size_t>(x.rows()) == y.size(), what + ": x " + shape_text(x) + " has " + std::to_string(x.rows()) +
                                                          " samples but y has " + std::to_string(y.size()) +
                                                          " labels; they must be the same count");
  require(x.allFinite(), what + ": x contains a non-finite value (NaN or infinity)");
}

void check_options(const DecoderOptions& o) {
  require(std::isfinite(o.l2) && o.l2 > 0, "decoder: l2 = " + std::to_string(o.l2) + " must be finite and > 0");
  require(o.max_iterations >= 1, "decoder: max_iterations must be >= 1");
  require(std::isfinite(o.tolerance) && o.tolerance >= 0, "decoder: tolerance must be finite and >= 0");
}

// log(1 + e^z) without overflow.
double softplus(double z) { return std::max(z, 0.0) + std::log1p(std::exp(-std::abs(z))); }

// Σ_i [log(1 + e^{z_i}) − t_i z_i] + (l2 / 2)·‖w‖², z = X w + b, beta = [w; b].
double objective(const Matrix& x, const Vector& t, const Vector& beta, double l2) {
  const Eigen::Index d = x.cols();
  const Vector z = (x * beta.head(d)).array() + beta(d);
  double loss = 0;
  for (Eigen::Index i = 0; i < z.size(); ++i) loss += softplus(z(i)) - t(i) * z(i);
  return loss + 0.5 * l2 * beta.head(d).squaredNorm();
}

// The Hessian of the objective at D = diag(p(1 − p)) times v = [v_w; v_b]:
// [Xᵀ D u + l2·v_w; 1ᵀ D u] with u = X v_w + v_b — two passes over X, never the
// (features + 1)² matrix itself.
Vector hessian_times(const Matrix& x, const Vector& curvature, double l2, const Vector& v) {
  const Eigen::Index d = x.cols();
  const Vector weighted = ((x * v.head(d)).array() + v(d)).cwiseProduct(curvature.array()).matrix();
  Vector out(d + 1);
  out.head(d) = x.transpose() * weighted + l2 * v.head(d);
  out(d) = weighted.sum();
  return out;
}

// Truncated Newton (Newton-CG, as liblinear's trust-region Newton and scikit-learn's
// newton-cg solvers): each step solves H s = g by conjugate gradients to a relative residual
// η = min(0.1, √(‖g‖/‖g₀‖)), which tightens as the gradient falls (superlinear convergence),
// at O(samples · features) per product instead of the O(samples · features²) of forming H.
Vector newton_cg_step(const Matrix& x, const Vector& curvature, double l2, const Vector& gradient, double eta) {
  Vector step = Vector::Zero(gradient.size());
  Vector residual = gradient, direction = gradient;
  double rr = residual.squaredNorm();
  const double target = eta * eta * rr;
  for (Eigen::Index k = 0; k <= gradient.size() && rr > target; ++k) {
    const Vector hd = hessian_times(x, curvature, l2, direction);
    const double alpha = rr / direction.dot(hd);
    step += alpha * direction;
    residual -= alpha * hd;
    const double next = residual.squaredNorm();
    direction = residual + (next / rr) * direction;
    rr = next;
  }
  return step;
}

// Minimises the objective for one binary problem (targets t in {0, 1}); returns beta = [w; b].
Vector fit_binary(const Matrix& x, const Vector& t, const DecoderOptions& o) {
  const Eigen::Index d = x.cols();
  Vector beta = Vector::Zero(d + 1);
  double current = objective(x, t, beta, o.l2), first_norm = 0;
  for (int iteration = 0; iteration < o.max_iterations; ++iteration) {
    const Vector z = (x * beta.head(d)).array() + beta(d);
    const Vector p = z.unaryExpr([](double v) { return 1.0 / (1.0 + std::exp(-v)); });
    const Vector r = p - t;
    Vector gradient(d + 1);
    gradient.head(d) = x.transpose() * r + o.l2 * beta.head(d);
    gradient(d) = r.sum();
    const double norm = gradient.norm();
    if (iteration == 0) first_norm = norm;
    if (norm <= o.tolerance * first_norm) break;
    const Vector curvature = p.array() * (1 - p.array());
    const Vector step = newton_cg_step(x, curvature, o.l2, gradient, std::min(0.1, std::sqrt(norm / first_norm)));
    double length = 1, next = objective(x, t, beta - step, o.l2);
    while (next > current && length > 1e-8) {
      length /= 2;
      next = objective(x, t, beta - length * step, o.l2);
    }
    if (next > current) break;  // no descent left along the Newton direction: converged to rounding
    beta -= length * step;
    current = next;
  }
  return beta;
}

Matrix rows_of(const Matrix& x, const std::vector<Eigen::Index>& rows) {
  Matrix out(static_cast<Eigen::Index>(rows.size()), x.cols());
  for (size_t i = 0; i < rows.size(); ++i) out.row(static_cast<Eigen::Index>(i)) = x.row(rows[i]);
  return out;
}

}  // namespace

std::vector<int64_t> LinearDecoder::predict(const Matrix& x) const {
  require(x.cols() == normals.cols(), "decoder: x " + shape_text(x) + " has " + std::to_string(x.cols()) +
                                          " features, the decoder " + std::to_string(normals.cols()));
  const Matrix scores = (x * normals.transpose()).rowwise() + intercepts.transpose();
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

LinearDecoder fit_decoder(const Matrix& x, const std::vector<int64_t>& y, const DecoderOptions& options) {
  check_samples(x, y, "decoder");
  check_options(options);
  LinearDecoder decoder;
  decoder.classes = y;
  std::sort(decoder.classes.begin(), decoder.classes.end());
  decoder.classes.erase(std::unique(decoder.classes.begin(), decoder.classes.end()), decoder.classes.end());
  require(decoder.classes.size() >= 2, "decoder: y has one class (" + std::to_string(decoder.classes[0]) +
                                           "); decoding needs at least 2");
  const auto k = static_cast<Eigen::Index>(decoder.classes.size());
  decoder.normals.resize(k, x.cols());
  decoder.intercepts.resize(k);
  for (Eigen::Index c = 0; c < k; ++c) {
    Vector t(x.rows());
    for (Eigen::Index i = 0; i < x.rows(); ++i) t(i) = y[static_cast<size_t>(i)] == decoder.classes[static_cast<size_t>(c)];
    const Vector beta = fit_binary(x, t, options);
    decoder.normals.row(c) = beta.head(x.cols()).transpose();
    decoder.intercepts(c) = beta(x.cols());
  }
  return decoder;
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

Decoding decode(const Matrix& x, const std::vector<int64_t>& y, const DecoderOptions& options) {
  check_samples(x, y, "decode");
  check_options(options);
  require(options.folds >= 2, "decode: folds = " + std::to_string(options.folds) + " must be >= 2");
  std::map<int64_t, std::vector<Eigen::Index>> members;
  for (size_t i = 0; i < y.size(); ++i) members[y[i]].push_back(static_cast<Eigen::Index>(i));
  // Stratified folds: each class's samples in a shuffled order, dealt round-robin, the deal
  // continuing from class to class so fold sizes differ by at most one.
  Rng rng = Rng::derive(options.seed, "geometry.folds");
  std::vector<int> fold_of(y.size());
  int next = 0;
  for (auto& [label, indices] : members) {
    require(static_cast<int64_t>(indices.size()) >= options.folds,
            "decode: class " + std::to_string(label) + " has " + std::to_string(indices.size()) +
                " samples, fewer than folds = " + std::to_string(options.folds));
    for (size_t i = indices.size(); i > 1; --i) std::swap(indices[i - 1], indices[static_cast<size_t>(rng.integer(static_cast<int64_t>(i)))]);
    for (Eigen::Index i : indices) fold_of[static_cast<size_t>(i)] = next++ % options.folds;
  }
  Decoding out;
  for (int fold = 0; fold < options.folds; ++fold) {
    std::vector<Eigen::Index> train, test;
    std::vector<int64_t> y_train, y_test;
    for (size_t i = 0; i < y.size(); ++i) {
      (fold_of[i] == fold ? test : train).push_back(static_cast<Eigen::Index>(i));
      (fold_of[i] == fold ? y_test : y_train).push_back(y[i]);
    }
    const LinearDecoder decoder = fit_decoder(rows_of(x, train), y_train, options);
    out.fold_accuracy.push_back(decoder.accuracy(rows_of(x, test), y_test));
    out.fold_chance.push_back(constant_accuracy(most_frequent(y_train), y_test));
  }
  const double folds = options.folds;
  for (int f = 0; f < options.folds; ++f) {
    out.accuracy += out.fold_accuracy[static_cast<size_t>(f)] / folds;
    out.chance += out.fold_chance[static_cast<size_t>(f)] / folds;
  }
  out.decoder = fit_decoder(x, y, options);
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
