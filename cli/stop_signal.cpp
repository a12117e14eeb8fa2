// The stop flag behind SIGINT/SIGTERM (cli/stop_signal.h).
#include "stop_signal.h"

#include <atomic>
#include <csignal>

namespace rnnscope::cli {
namespace {

std::atomic<bool> g_stop_requested{false};

extern "C" void rnnscope_request_stop(int) { g_stop_requested = true; }

}  // namespace

void install_stop_handlers() {
  std::signal(SIGINT, rnnscope_request_stop);
  std::signal(SIGTERM, rnnscope_request_stop);
}

bool stop_requested() { return g_stop_requested.load(); }

}  // namespace rnnscope::cli
