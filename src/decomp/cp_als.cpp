// CP decomposition by alternating least squares (include/rnnscope/decomp/cp.h): input checks,
// random restarts (in parallel, one thread each; on a Tucker-compressed core when that pays,
// the best then refined on the tensor) and the ALS sweep with extrapolation.
// Choices and references: docs/ltr.md, "CP decomposition".
#include "rnnscope/decomp/cp.h"

#include "decomp/cp_internal.h"
#include "topo/parallel_internal.h"  // the fork-join loop of the topology code, reused for restarts

#include "rnnscope/core/error.h"
#include "rnnscope/core/rng.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace rnnscope::decomp {
namespace {

using detail::RowMatrix;
using detail::TensorView;
using ConstRowMap = Eigen::Map<const RowMatrix>;
using Factors = std::array<Matrix, 3>;

// Below this relative error the cheap error formula (which subtracts numbers of the size of
// ‖X‖², so carries an absolute error near 1e-8 in the relative error) is too coarse for the
// tolerance: the residual is then summed directly (one more pass over the tensor).
constexpr double kExactErrorBelow = 1e-5;

// Extrapolation step schedule (Ang & Gillis 2019, adapted): the step β grows by kStepGrowth
// after each accepted extrapolation, up to a ceiling that itself grows slowly; a rejected
// extrapolation sets the ceiling to the step that failed and divides the step by kStepShrink.
constexpr double kInitialStep = 0.5;
constexpr double kStepGrowth = 1.25;
constexpr double kCeilingGrowth = 1.05;
constexpr double kCeilingMax = 4.0;
constexpr double kStepShrink = 2.0;

struct Problem {
  TensorView t;
  double norm_sq;  // ‖X‖²_F
};

Problem problem_of(const Tensor3& x) {
  Problem p{TensorView{x.values.data(), x.dims[0], x.dims[1], x.dims[2]}, 0};
  for (double v : x.values) p.norm_sq += v * v;
  return p;
}

std::string dims_text(const std::array<int64_t, 3>& d) {
  return "[" + std::to_string(d[0]) + ", " + std::to_string(d[1]) + ", " + std::to_string(d[2]) + "]";
}

void validate(const Tensor3& t, const CpOptions& o) {
  for (int64_t d : t.dims)
    require(d >= 1, "CP decomposition: every dimension of the tensor must be >= 1, got shape " + dims_text(t.dims));
  const int64_t size = t.dims[0] * t.dims[1] * t.dims[2];
  require(int64_t(t.values.size()) == size, "CP decomposition: a tensor of shape " + dims_text(t.dims) + " has " +
                                                std::to_string(size) + " values, got " +
                                                std::to_string(t.values.size()));
  for (double v : t.values) require(std::isfinite(v), "CP decomposition: the tensor contains a NaN or infinity");
  require(std::any_of(t.values.begin(), t.values.end(), [](double v) { return v != 0; }),
          "CP decomposition: the tensor is all zeros (the relative error is undefined)");
  if (o.nonnegative)
    require(std::all_of(t.values.begin(), t.values.end(), [](double v) { return v >= 0; }),
            "CP decomposition: nonnegative needs a tensor without negative entries");
  require(o.rank >= 1, "CP decomposition: rank must be >= 1, got " + std::to_string(o.rank));
  require(o.max_iterations >= 1, "CP decomposition: max_iterations must be >= 1, got " + std::to_string(o.max_iterations));
  require(o.restarts >= 1, "CP decomposition: restarts must be >= 1, got " + std::to_string(o.restarts));
  require(o.tolerance >= 0, "CP decomposition: tolerance must be >= 0 (and not NaN), got " + std::to_string(o.tolerance));
  require(o.threads >= 0, "CP decomposition: threads must be >= 0 (0 = all cores), got " + std::to_string(o.threads));
}

// The ALS state of one restart and the workspaces it reuses every sweep.
class AlsFit {
 public:
  AlsFit(const Problem& p, const CpOptions& o) : p_(p), t_(p.t), o_(o) {}

  CpFactors run(Factors f) {
    f_ = std::move(f);
    refresh_grams();
    double error = std::numeric_limits<double>::infinity();
    double step = kInitialStep, ceiling = 1.0;
    bool have_previous = false;
    CpFactors out;
    for (int it = 1; it <= o_.max_iterations; ++it) {
      // Extrapolation (Bro 1998; Rajih, Comon & Harshman 2008): try F + β(F − F_prev); the
      // pass over X that starts the sweep also gives the candidate's error, so a candidate
      // costs nothing extra unless it is rejected.
      Factors before = f_;
      bool fresh = true;
      if (have_previous) {
        Factors candidate;
        for (size_t m = 0; m < 3; ++m) {
          candidate[m] = f_[m] + step * (f_[m] - previous_[m]);
          if (o_.nonnegative) candidate[m] = candidate[m].cwiseMax(0.0);
        }
        std::swap(f_, candidate);
        refresh_grams();
        start_sweep();
        if (error_from(f_[0].cwiseProduct(mttkrp_[0]).sum()) < error) {
          step = std::min(ceiling, step * kStepGrowth);
          ceiling = std::min(kCeilingMax, ceiling * kCeilingGrowth);
          fresh = false;
        } else {
          ceiling = step;
          step /= kStepShrink;
          std::swap(f_, candidate);
          refresh_grams();
        }
      }
      if (fresh) start_sweep();
      previous_ = std::move(before);
      have_previous = true;
      finish_sweep();
      double next = error_from(f_[2].cwiseProduct(mttkrp_[2]).sum());
      if (next < kExactErrorBelow) next = exact_error();
      balance();
      out.iterations = it;
      out.converged = std::abs(error - next) < o_.tolerance;
      error = next;
      if (out.converged) break;
    }
    CpFactors canonical = detail::canonical_factors(f_);
    canonical.relative_error = error;
    canonical.iterations = out.iterations;
    canonical.converged = out.converged;
    return canonical;
  }

 private:
  // Y = X_(12) C [I·J, R]: the partial MTTKRP that the mode-0 and mode-1 updates both contract
  // further (a dimension tree: Phan, Tichavský & Cichocki 2013), so one pass over X serves
  // two modes. Then MTTKRP_0[i, r] = Σ_j Y[i·J + j, r] B[j, r].
  void start_sweep() {
    detail::times_last_mode(t_, f_[2], partial_);
    detail::contract_mode1(partial_, f_[1], mttkrp_[0]);
  }

  // A, then B from Y (MTTKRP_1[j, r] = Σ_i Y[i·J + j, r] A[i, r]), then C from the second
  // pass over X: MTTKRP_2 = X_(12)ᵀ (A ⊙ B), the Khatri–Rao product A ⊙ B [I·J, R] written
  // into Y's workspace (Y is spent by then), so no memory beyond Y's is needed.
  void finish_sweep() {
    update(0);
    detail::contract_mode0(partial_, f_[0], mttkrp_[1]);
    update(1);
    detail::khatri_rao(f_[0], f_[1], partial_);
    detail::transposed_times(t_, partial_, mttkrp_[2]);
    update(2);
  }

  // Factor m from its MTTKRP M and V = the Hadamard product of the other two Gram matrices:
  // least squares F V = M by Cholesky (a pseudo-inverse when V is singular: collinear or zero
  // components), or with `nonnegative` one HALS sweep over the columns (Cichocki & Phan 2009),
  // F[:, r] ← max(0, F[:, r] + (M[:, r] − F V[:, r]) / V[r, r]), which is the exact
  // non-negative least-squares solution for column r with the others fixed.
  void update(size_t m) {
    const Matrix v = grams_[(m + 1) % 3].cwiseProduct(grams_[(m + 2) % 3]);
    Matrix& f = f_[m];
    if (o_.nonnegative) {
      for (Eigen::Index r = 0; r < f.cols(); ++r) {
        if (v(r, r) <= 0) continue;  // a dead (zero) component stays dead
        f.col(r) = (f.col(r) + (mttkrp_[m].col(r) - f * v.col(r)) / v(r, r)).cwiseMax(0.0);
      }
    } else {
      Eigen::LLT<Matrix> llt(v);
      if (llt.info() == Eigen::Success) {
        f = llt.solve(mttkrp_[m].transpose()).transpose();
      } else {
        f = v.completeOrthogonalDecomposition().solve(mttkrp_[m].transpose()).transpose();
      }
    }
    grams_[m].noalias() = f.transpose() * f;
  }

  void refresh_grams() {
    for (size_t m = 0; m < 3; ++m) grams_[m].noalias() = f_[m].transpose() * f_[m];
  }

  // ‖X − X̂‖/‖X‖ from ⟨X, X̂⟩ and ‖X̂‖² = Σ (AᵀA ∘ BᵀB ∘ CᵀC): no reconstruction.
  double error_from(double inner) const {
    const double model_sq = grams_[0].cwiseProduct(grams_[1]).cwiseProduct(grams_[2]).sum();
    return std::sqrt(std::max(0.0, p_.norm_sq - 2 * inner + model_sq) / p_.norm_sq);
  }

  // The residual summed slab by slab: X_i − B diag(A[i, :]) Cᵀ for each i.
  double exact_error() {
    RowMatrix slab(t_.j, t_.k);
    double sum = 0;
    for (int64_t i = 0; i < t_.i; ++i) {
      slab.noalias() = (f_[1] * f_[0].row(i).asDiagonal()) * f_[2].transpose();
      sum += (ConstRowMap(t_.x + i * t_.j * t_.k, t_.j, t_.k) - slab).squaredNorm();
    }
    return std::sqrt(sum / p_.norm_sq);
  }

  // Gives each component's three columns the same norm (the cube root of their product): the
  // tensor is unchanged, and successive iterates stay in one scaling, which extrapolation
  // (a difference of iterates) needs.
  void balance() {
    for (Eigen::Index r = 0; r < o_.rank; ++r) {
      const double n0 = f_[0].col(r).norm(), n1 = f_[1].col(r).norm(), n2 = f_[2].col(r).norm();
      if (n0 == 0 || n1 == 0 || n2 == 0) continue;
      const double target = std::cbrt(n0 * n1 * n2);
      f_[0].col(r) *= target / n0;
      f_[1].col(r) *= target / n1;
      f_[2].col(r) *= target / n2;
    }
    refresh_grams();
  }

  const Problem& p_;
  const TensorView& t_;
  const CpOptions& o_;
  Factors f_, previous_;
  std::array<Matrix, 3> grams_, mttkrp_;
  RowMatrix partial_;  // Y = X_(12) C, then A ⊙ B
};

// Random factors: standard normal entries (uniform on [0, 1) with `nonnegative`), scaled so
// that ‖X̂‖ = ‖X‖.
Factors random_factors(const Problem& p, const CpOptions& o, Rng& rng) {
  Factors f;
  const std::array<int64_t, 3> rows{p.t.i, p.t.j, p.t.k};
  for (size_t m = 0; m < 3; ++m) {
    f[m].resize(rows[m], o.rank);
    for (Eigen::Index r = 0; r < o.rank; ++r)
      for (Eigen::Index row = 0; row < rows[m]; ++row) f[m](row, r) = o.nonnegative ? rng.uniform() : rng.normal();
  }
  const double model_sq = (f[0].transpose() * f[0])
                              .cwiseProduct(f[1].transpose() * f[1])
                              .cwiseProduct(f[2].transpose() * f[2])
                              .sum();
  const double scale = std::cbrt(std::sqrt(p.norm_sq / model_sq));
  for (auto& m : f) m *= scale;
  return f;
}

// A fit's factors with the weights folded into the first mode: the same tensor, as ALS holds it.
Factors raw_factors(const CpFactors& cp) {
  Factors f = cp.factors;
  f[0] = f[0] * cp.weights.asDiagonal();
  return f;
}

// One fit per restart on `p`, in parallel; each restart runs on one thread from its own
// generator, so results never depend on the thread count.
std::vector<CpFactors> restarts_on(const Problem& p, const CpOptions& options) {
  std::vector<CpFactors> fits(size_t(options.restarts));
  topo::detail::parallel_chunks(options.restarts, 1, topo::detail::resolve_threads(options.threads),
                                [&](int64_t begin, int64_t end, int) {
                                  for (int64_t k = begin; k < end; ++k) {
                                    Rng rng = Rng::derive(options.seed, "cp_als", uint64_t(k));
                                    AlsFit fit(p, options);
                                    fits[size_t(k)] = fit.run(random_factors(p, options, rng));
                                  }
                                });
  return fits;
}

}  // namespace

CpFit cp_als(const Tensor3& tensor, const CpOptions& options) {
  validate(tensor, options);
  const Problem p = problem_of(tensor);
  // Non-negativity does not survive the change of basis, so non-negative fits (and tensors
  // too small to gain) run every restart on X itself.
  const bool compressed = !options.nonnegative && detail::worth_compressing(tensor.dims, options.rank);
  std::vector<CpFactors> fits;
  if (compressed) {
    const detail::Compression c = detail::compress(p.t, options.rank, options.seed);
    const Problem core = problem_of(c.core);
    fits = restarts_on(core, options);
    // The fit of the core is a fit of X in the bases' span: by orthogonality
    // ‖X − X̂‖² = ‖X‖² − ‖G‖² + ‖G − Ĝ‖² (G the core), so each restart's error on X is exact.
    for (auto& fit : fits) {
      const double residual_sq = p.norm_sq - core.norm_sq + fit.relative_error * fit.relative_error * core.norm_sq;
      fit.relative_error = std::sqrt(std::max(0.0, residual_sq) / p.norm_sq);
      for (size_t m = 0; m < 3; ++m) fit.factors[m] = c.bases[m] * fit.factors[m];
    }
  } else {
    fits = restarts_on(p, options);
  }
  CpFit out;
  size_t best = 0;
  for (size_t k = 0; k < fits.size(); ++k)
    if (fits[k].relative_error < fits[best].relative_error) best = k;
  if (fits.size() > 1) {
    double sum = 0;
    for (size_t k = 0; k < fits.size(); ++k)
      if (k != best) sum += factor_congruence(fits[best], fits[k]);
    out.restart_similarity = sum / double(fits.size() - 1);
  }
  if (compressed) {  // the best restart, refined on X (its iterations and convergence are these sweeps)
    AlsFit refine(p, options);
    fits[best] = refine.run(raw_factors(fits[best]));
  }
  for (const auto& fit : fits) out.restart_errors.push_back(fit.relative_error);
  out.best = std::move(fits[best]);
  return out;
}

}  // namespace rnnscope::decomp
