// The distributions heterogeneous parameters are drawn from, each given by its mean and
// coefficient of variation (CV = std / mean), so a config states "around this value, this
// spread" whatever the family. CV 0 gives the mean itself (no draw).
#pragma once

#include "rnnscope/core/rng.h"

namespace rnnscope::snn {

// Gamma with shape 1/cv² and scale mean·cv² (Marsaglia & Tsang 2000); mean > 0, cv >= 0.
double gamma_draw(Rng& rng, double mean, double cv);

// Lognormal with the given mean and CV: log-normal(μ, σ) with σ² = ln(1 + cv²),
// μ = ln|mean| − σ²/2, carrying the sign of `mean` (a depression amplitude stays negative).
double lognormal_draw(Rng& rng, double mean, double cv);

}  // namespace rnnscope::snn
