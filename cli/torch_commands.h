// The subcommands that need LibTorch (train, eval) run in a plugin,
// librnnscope_torch_commands.so, that the CLI loads only when one of them runs: loading
// LibTorch costs ~0.2 s per process, more than a whole `rnnscope ph` on a small input. The
// executable declares these commands' options and help itself (cmd_train.cpp, cmd_eval.cpp),
// so `--help` never loads the plugin; the plugin (cli/torch/) holds what runs them.
//
// Both sides include this header and are built together, with the same compiler and flags,
// so the argument structs can cross as C++ types. Exceptions do not cross: each entry point
// catches its own and reports an exit code and message, which run_torch_command() turns back
// into the exception main() expects.
#pragma once

#include "rnnscope/core/error.h"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace rnnscope::cli {

struct TrainArgs {
  std::string config_path;
  std::string out_dir;
  std::vector<std::string> overrides;
  bool force = false;
  bool resume = false;
  bool quiet = false;
  int64_t stop_after = -1;
};

struct EvalArgs {
  std::string run_dir;
  std::string out;
  int64_t trials = 256;
  bool no_noise = false;
  int64_t seed = -1;
  bool force = false;
};

// What an entry point returns: 0, or one of these with the message in its `error` argument.
inline constexpr int torch_command_user_error = 2;      // rnnscope::Error
inline constexpr int torch_command_internal_error = 1;  // anything else (LibTorch's c10::Error included)

// Address of `symbol` in the plugin, loaded (with LibTorch) from the executable's own
// directory. Throws std::runtime_error when the plugin is missing or broken.
void* load_torch_command(const char* symbol);

// Calls the plugin's entry point `symbol`, of type Entry, with `args`.
template <class Entry, class Args>
void run_torch_command(const char* symbol, const Args& args) {
  const auto entry = reinterpret_cast<Entry*>(load_torch_command(symbol));
  std::string error;
  const int code = entry(args, error);
  if (code == torch_command_user_error) throw Error(error);
  if (code != 0) throw std::runtime_error(error);
}

}  // namespace rnnscope::cli

// The plugin's entry points, looked up by these unmangled names. The plugin is built with
// hidden visibility, so these are the only symbols it exports.
extern "C" {
__attribute__((visibility("default"))) int rnnscope_torch_train(const rnnscope::cli::TrainArgs& args,
                                                                std::string& error);
__attribute__((visibility("default"))) int rnnscope_torch_eval(const rnnscope::cli::EvalArgs& args,
                                                               std::string& error);
}
