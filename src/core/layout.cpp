// Time-major to trial-major transposition.
#include "rnnscope/core/layout.h"

namespace rnnscope {

std::vector<float> trial_major(const std::vector<float>& data, int64_t T, int64_t B, int64_t k) {
  std::vector<float> out(data.size());
  for (int64_t t = 0; t < T; ++t)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t i = 0; i < k; ++i) out[(b * T + t) * k + i] = data[(t * B + b) * k + i];
  return out;
}

}  // namespace rnnscope
