// Ctrl-C and SIGTERM stop long commands cleanly: the handler only sets a flag, which the
// running request polls (training checkpoints and stops at the end of its step).
#pragma once

namespace rnnscope::cli {

void install_stop_handlers();  // SIGINT and SIGTERM
bool stop_requested();

}  // namespace rnnscope::cli
