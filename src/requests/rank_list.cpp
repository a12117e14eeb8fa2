// Rank lists (include/rnnscope/requests/rank_list.h).
#include "rnnscope/requests/rank_list.h"

#include "rnnscope/core/error.h"

#include <algorithm>
#include <cctype>

namespace rnnscope::requests {
namespace {

int64_t parse_rank(const std::string& word, const std::string& what, const std::string& text, int64_t max) {
  const auto bad = [&] {
    return Error(what + " " + text + ": '" + word + "' is not a rank; write ranks as 1..5, 1,2,5 or 3 (integers 1.." +
                 std::to_string(max) + ")");
  };
  if (word.empty() || word.size() > 9 || !std::all_of(word.begin(), word.end(), [](unsigned char ch) { return std::isdigit(ch); })) {
    throw bad();
  }
  const int64_t r = std::stoll(word);
  if (r < 1 || r > max) throw bad();
  return r;
}

}  // namespace

std::vector<int64_t> parse_ranks(const std::string& text, const std::string& what, int64_t max) {
  std::vector<int64_t> ranks;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const size_t dots = item.find("..");
    if (dots == std::string::npos) {
      ranks.push_back(parse_rank(item, what, text, max));
    } else {
      const int64_t lo = parse_rank(item.substr(0, dots), what, text, max);
      const int64_t hi = parse_rank(item.substr(dots + 2), what, text, max);
      require(lo <= hi, what + " " + text + ": the range " + item + " is empty (write low..high)");
      for (int64_t r = lo; r <= hi; ++r) ranks.push_back(r);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  std::sort(ranks.begin(), ranks.end());
  require(std::adjacent_find(ranks.begin(), ranks.end()) == ranks.end(),
          what + " " + text + " names a rank twice");
  return ranks;
}

}  // namespace rnnscope::requests
