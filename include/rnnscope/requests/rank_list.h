// Lists of ranks as users write them on the command line (`--ranks 1..5`, `--ranks 1,2,5`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rnnscope::requests {

// "1..5", "1,2,5", "3" (or a mix: "1..3,5"): distinct ranks ≥ 1, increasing, at most `max`.
// Error naming `what` (e.g. "--ranks") and the accepted forms otherwise.
std::vector<int64_t> parse_ranks(const std::string& text, const std::string& what, int64_t max = 1000);

}  // namespace rnnscope::requests
