// Array layout conversions. Models run time-major [T, B, k]; files and Python users index
// trials first [B, T, k].
#pragma once

#include <cstdint>
#include <vector>

namespace rnnscope {

std::vector<float> trial_major(const std::vector<float>& time_major, int64_t steps, int64_t trials,
                               int64_t width);

}  // namespace rnnscope
