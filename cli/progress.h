// Progress lines for long jobs: a live line rewritten in place on a terminal, plain
// periodic lines when stderr is a file or a pipe (CI logs, cluster job output).
#pragma once

#include "rnnscope/training/progress.h"

#include <chrono>
#include <functional>
#include <string>

namespace rnnscope::cli {

class ProgressPrinter {
 public:
  explicit ProgressPrinter(double plain_interval_seconds = 10.0);
  // `force` prints a plain line even between intervals (evaluations, the last step).
  void update(const std::string& text, bool force);
  // Ends the live line so later output starts on a fresh line.
  void finish();

 private:
  bool terminal_;
  double plain_interval_seconds_;
  bool live_line_open_ = false;
  std::chrono::steady_clock::time_point last_print_;
  bool printed_ = false;
};

std::string format_duration(double seconds);

// The progress callback of a request that trains in stages ("rank 3, seed 0 (cross-
// validation)", "pretraining"): "STAGE: <unit> i/n  loss L  R <unit>/s" through `printer`,
// with a plain line at each stage's last evaluated step.
std::function<void(const std::string&, const rnn::TrainProgress&)> stage_progress(ProgressPrinter& printer,
                                                                                  const std::string& unit);

}  // namespace rnnscope::cli
