// Checks the CLI's options share, so a value that is not what an option promises is refused
// (exit 2, one line) instead of wrapping around or falling back to a default.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace rnnscope::cli {

// A seed: a decimal integer in 0..2^63-1 (the range both doors accept), so "-1" cannot
// wrap around to 2^64-1 and "99999999999999999999999" cannot saturate.
CLI::Validator seed_range();

// A count: a whole number >= 1 ("0 is not allowed; give a whole number >= 1"), in place of
// CLI11's PositiveNumber, whose message spells out the largest double.
CLI::Validator at_least_one();

// A number >= 0 ("'-1' is not allowed; give a number >= 0"), in place of CLI11's
// NonNegativeNumber, whose message spells out the largest double.
CLI::Validator at_least_zero();

// --memory-limit GB (>= 0; 0 = the memory available when the work starts): `what` is what the
// command refuses, before allocating it, when its memory estimate exceeds the limit.
void add_memory_limit_option(CLI::App* cmd, double& gb, const std::string& what);

}  // namespace rnnscope::cli
