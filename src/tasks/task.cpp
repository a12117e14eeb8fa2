// TaskInfo helpers (channel counts, named channel groups and periods) and accuracy().
#include "rnnscope/tasks/task.h"

#include "rnnscope/core/error.h"
#include "text.h"

#include <algorithm>

namespace rnnscope::tasks {
namespace {

int64_t total_size(const std::vector<ChannelGroup>& groups) {
  int64_t n = 0;
  for (const auto& g : groups) n += g.size;
  return n;
}

}  // namespace

int64_t TaskInfo::n_inputs() const { return total_size(inputs); }
int64_t TaskInfo::n_outputs() const { return total_size(outputs); }

bool TaskInfo::is_integer_condition(const std::string& condition) const {
  return std::find(integer_conditions.begin(), integer_conditions.end(), condition) != integer_conditions.end();
}

ChannelSpan channel_span(const std::vector<ChannelGroup>& groups, const std::string& name) {
  ChannelSpan span;
  std::vector<std::string> known;
  for (const auto& g : groups) {
    if (g.name == name) {
      span.size = g.size;
      return span;
    }
    span.offset += g.size;
    known.push_back(g.name);
  }
  throw Error("unknown channel group '" + name + "'; groups: " + join(known));
}

int64_t period_index(const TaskInfo& info, const std::string& period) {
  for (size_t i = 0; i < info.periods.size(); ++i) {
    if (info.periods[i] == period) return static_cast<int64_t>(i);
  }
  throw Error("task '" + info.name + "' has no period '" + period + "'; periods: " +
              join(info.periods));
}

const char* loss_name(LossKind kind) {
  return kind == LossKind::cross_entropy ? "cross_entropy" : "mse";
}

double accuracy(const std::vector<uint8_t>& correct) {
  if (correct.empty()) return 0.0;
  size_t n = 0;
  for (uint8_t c : correct) n += c != 0;
  return static_cast<double>(n) / static_cast<double>(correct.size());
}

}  // namespace rnnscope::tasks
