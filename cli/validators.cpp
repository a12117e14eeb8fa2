// Shared option checks (cli/validators.h).
#include "validators.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>

namespace rnnscope::cli {

CLI::Validator seed_range() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const std::string allowed = "a seed is an integer in 0..9223372036854775807";
        if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos)
          return "'" + text + "' is not a seed; " + allowed;
        if (std::stoull(text) > static_cast<unsigned long long>(std::numeric_limits<int64_t>::max()))
          return "'" + text + "' is too large; " + allowed;
        return "";
      },
      "SEED in 0..2^63-1");
}

CLI::Validator at_least_one() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
        if (!digits || text.find_first_not_of('0') == std::string::npos)
          return "'" + text + "' is not allowed; give a whole number >= 1";
        return "";
      },
      "INT >= 1");
}

CLI::Validator at_least_zero() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        const bool number = !text.empty() && end == text.c_str() + text.size() && std::isfinite(value);
        if (!number || value < 0) return "'" + text + "' is not allowed; give a number >= 0";
        return "";
      },
      "NUMBER >= 0");
}

void add_memory_limit_option(CLI::App* cmd, double& gb, const std::string& what) {
  cmd->add_option("--memory-limit", gb,
                  "refuse, before allocating anything, " + what +
                      " whose memory estimate exceeds this many GB (default 0: the memory available when it "
                      "starts)")
      ->check(at_least_zero());
}

}  // namespace rnnscope::cli
