// The plugin's exported entry points (declared in cli/torch_commands.h): each runs one command
// and turns its exceptions into an exit code and a message, so none crosses into the
// executable, which has its own copy of the core library and no LibTorch to catch c10::Error.
#include "runs.h"

#include <c10/util/Exception.h>

namespace rnnscope::cli {
namespace {

template <class Run>
int run_guarded(std::string& error, const Run& run) {
  try {
    run();
    return 0;
  } catch (const Error& e) {
    error = e.what();
    return torch_command_user_error;
  } catch (const c10::Error& e) {
    // A LibTorch error that validation should have caught: exit 1, because it is our bug,
    // not the user's; without the backtrace, to stay one line.
    error = e.what_without_backtrace();
    return torch_command_internal_error;
  } catch (const std::exception& e) {
    error = e.what();
    return torch_command_internal_error;
  }
}

}  // namespace
}  // namespace rnnscope::cli

int rnnscope_torch_train(const rnnscope::cli::TrainArgs& args, std::string& error) {
  return rnnscope::cli::run_guarded(error, [&] { rnnscope::cli::run_train(args); });
}

int rnnscope_torch_eval(const rnnscope::cli::EvalArgs& args, std::string& error) {
  return rnnscope::cli::run_guarded(error, [&] { rnnscope::cli::run_eval(args); });
}
