// The plugin's one exported entry point (cli/torch_commands.h): the table of LibTorch
// commands, each a request function of the library, and the guard that turns their
// exceptions into an exit code and a message — none may cross into the executable, which has
// its own copy of the core library and no LibTorch to catch c10::Error with.
#include "torch_commands.h"

#include "rnnscope/requests/eval.h"
#include "rnnscope/requests/experiment.h"
#include "rnnscope/requests/fit_ltr.h"
#include "rnnscope/requests/models.h"
#include "rnnscope/requests/nback_analyze.h"
#include "rnnscope/requests/nback_pretrain.h"
#include "rnnscope/requests/snn.h"
#include "rnnscope/requests/sweep.h"
#include "rnnscope/requests/synth_ltr.h"
#include "rnnscope/requests/train.h"

#include <c10/util/Exception.h>

#include <cstring>

namespace rnnscope::cli {
namespace {

struct Command {
  const char* name;
  const char* request_type;
  const char* result_type;
  void (*run)(const void* request, void* result);
};

template <class Request, class Result, Result (*Run)(const Request&)>
Command command(const char* name) {
  return {name, typeid(Request).name(), typeid(Result).name(), [](const void* request, void* result) {
            *static_cast<Result*>(result) = Run(*static_cast<const Request*>(request));
          }};
}

// One line per LibTorch command (docs/extending.md).
const Command kCommands[] = {
    command<requests::TrainRequest, Json, requests::run_train>("train"),
    command<requests::EvalRequest, requests::EvalResult, requests::run_eval>("eval"),
    command<requests::ModelsRequest, std::string, requests::run_models>("models"),
    command<requests::SweepRequest, requests::SweepResult, requests::run_sweep>("sweep"),
    command<requests::FitLtrRequest, requests::FitLtrResult, requests::run_fit_ltr>("fit-ltr"),
    command<requests::SynthLtrRequest, requests::SynthLtrResult, requests::run_synth_ltr>("synth-ltr"),
    command<requests::SynthReachRequest, requests::SynthReachResult, requests::run_synth_reach>("synth-reach"),
    command<requests::ExperimentRequest, requests::ExperimentResult, requests::run_experiment>("experiment"),
    command<requests::NbackPretrainRequest, requests::NbackPretrainResult, requests::run_nback_pretrain>("nback-pretrain"),
    command<requests::NbackAnalyzeRequest, requests::NbackAnalyzeResult, requests::run_nback_analyze>("analyze"),
    command<requests::SnnTrainRequest, Json, requests::run_snn_train_surrogate>("snn-train-surrogate"),
    command<requests::SnnEvalRequest, requests::Record, requests::run_snn_eval_surrogate>("snn-eval-surrogate"),
};

int run_guarded(std::string& error, const Command& command, const void* request, void* result) {
  try {
    command.run(request, result);
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

int rnnscope_torch_run(const char* name, const char* request_type, const void* request, const char* result_type,
                       void* result, std::string& error) {
  using namespace rnnscope::cli;
  for (const Command& c : kCommands) {
    if (std::strcmp(c.name, name) != 0) continue;
    if (std::strcmp(c.request_type, request_type) != 0 || std::strcmp(c.result_type, result_type) != 0) {
      error = std::string("the LibTorch command '") + name + "' was called with the wrong request or result type";
      return torch_command_internal_error;
    }
    return run_guarded(error, c, request, result);
  }
  error = std::string("the LibTorch plugin has no command '") + name + "'";
  return torch_command_internal_error;
}
