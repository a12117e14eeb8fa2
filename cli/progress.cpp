// Terminal-aware progress output for the CLI.
#include "progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace rnnscope::cli {

ProgressPrinter::ProgressPrinter(double plain_interval_seconds)
    : terminal_(::isatty(STDERR_FILENO) != 0), plain_interval_seconds_(plain_interval_seconds) {}

void ProgressPrinter::update(const std::string& text, bool force) {
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_print_).count();
  if (terminal_) {
    // Redraw at most 10 times a second; the terminal is the bottleneck otherwise.
    if (!force && printed_ && since < 0.1) return;
    std::fprintf(stderr, "\r\033[K%s", text.c_str());
    if (force) std::fprintf(stderr, "\n");
    live_line_open_ = !force;
  } else {
    if (!force && printed_ && since < plain_interval_seconds_) return;
    std::fprintf(stderr, "%s\n", text.c_str());
  }
  std::fflush(stderr);
  last_print_ = now;
  printed_ = true;
}

void ProgressPrinter::finish() {
  if (live_line_open_) std::fprintf(stderr, "\n");
  live_line_open_ = false;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds)) return "?";
  const long s = std::lround(seconds);
  char text[32];
  if (s >= 3600) {
    std::snprintf(text, sizeof text, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  } else {
    std::snprintf(text, sizeof text, "%ldm%02lds", s / 60, s % 60);
  }
  return text;
}

std::function<void(const std::string&, const rnn::TrainProgress&)> stage_progress(ProgressPrinter& printer,
                                                                                  const std::string& unit) {
  return [&printer, unit](const std::string& stage, const rnn::TrainProgress& p) {
    char text[256];
    std::snprintf(text, sizeof text, "%s: %s %lld/%lld  loss %.4f  %.1f %s/s", stage.c_str(), unit.c_str(),
                  static_cast<long long>(p.step), static_cast<long long>(p.max_steps), p.loss, p.steps_per_second,
                  unit.c_str());
    printer.update(text, p.evaluated && p.step == p.max_steps);
  };
}

}  // namespace rnnscope::cli
