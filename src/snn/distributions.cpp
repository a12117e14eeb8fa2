// Gamma and lognormal draws parameterised by mean and CV (include/rnnscope/snn/distributions.h).
#include "rnnscope/snn/distributions.h"

#include <cmath>

namespace rnnscope::snn {
namespace {

// Standard gamma with shape k >= 1: Marsaglia & Tsang's squeeze-and-reject on a cubed normal.
double standard_gamma_at_least_one(Rng& rng, double k) {
  const double d = k - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = rng.normal();
      v = 1.0 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = 1.0 - rng.uniform();  // (0, 1]
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

}  // namespace

double gamma_draw(Rng& rng, double mean, double cv) {
  if (cv == 0) return mean;
  const double k = 1.0 / (cv * cv);
  double g;
  if (k >= 1) {
    g = standard_gamma_at_least_one(rng, k);
  } else {
    // Shape below 1: Gamma(k) = Gamma(k + 1) · U^(1/k) (Marsaglia & Tsang's boost).
    const double u = 1.0 - rng.uniform();
    g = standard_gamma_at_least_one(rng, k + 1) * std::pow(u, 1.0 / k);
  }
  return g * mean * cv * cv;
}

double lognormal_draw(Rng& rng, double mean, double cv) {
  if (cv == 0) return mean;
  const double s2 = std::log1p(cv * cv);
  const double mu = std::log(std::abs(mean)) - 0.5 * s2;
  return std::copysign(std::exp(mu + std::sqrt(s2) * rng.normal()), mean);
}

}  // namespace rnnscope::snn
