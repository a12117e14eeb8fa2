// The commands that need LibTorch (train, eval, models) run in a plugin,
// librnnscope_torch_commands.so, that the CLI loads only when one of them runs: loading
// LibTorch costs ~0.2 s per process, more than a whole `rnnscope ph` on a small input. The
// executable declares these commands' options and help itself (cmd_<name>.cpp), fills their
// request (include/rnnscope/requests/) and hands it to the plugin's one generic entry point,
// which runs the request function registered under the command's name
// (cli/torch/entry_point.cpp: one line per command).
//
// Both sides include this header and are built together, with the same compiler and flags,
// so requests and results cross as C++ types (their type names are checked on entry).
// Exceptions do not cross: the entry point catches its own and reports an exit code and
// message, which run_in_torch_plugin() turns back into the exception main() expects.
#pragma once

#include "rnnscope/core/error.h"

#include <stdexcept>
#include <string>
#include <typeinfo>

// Runs `command` on `request` (of the type named `request_type`) into `result` (named
// `result_type`). Returns 0, or one of torch_command_* with the message in `error`. The plugin
// is built with hidden visibility, so this is the only symbol it exports.
extern "C" __attribute__((visibility("default"))) int rnnscope_torch_run(const char* command,
                                                                         const char* request_type,
                                                                         const void* request,
                                                                         const char* result_type, void* result,
                                                                         std::string& error);

namespace rnnscope::cli {

inline constexpr int torch_command_user_error = 2;      // rnnscope::Error
inline constexpr int torch_command_internal_error = 1;  // anything else (LibTorch's c10::Error included)

// Address of `symbol` in the plugin, loaded (with LibTorch) from the executable's own
// directory. Throws std::runtime_error when the plugin is missing or broken.
void* load_torch_command(const char* symbol);

template <class Result, class Request>
Result run_in_torch_plugin(const char* command, const Request& request) {
  const auto entry = reinterpret_cast<decltype(&rnnscope_torch_run)>(load_torch_command("rnnscope_torch_run"));
  Result result;
  std::string error;
  const int code = entry(command, typeid(Request).name(), &request, typeid(Result).name(), &result, error);
  if (code == torch_command_user_error) throw Error(error);
  if (code != 0) throw std::runtime_error(error);
  return result;
}

}  // namespace rnnscope::cli
