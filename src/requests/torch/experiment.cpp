// The table of experiments (requests/experiment.h): a new experiment is one entry here and
// one experiment_<name>.cpp.
#include "requests/torch/experiments_internal.h"

#include "rnnscope/core/error.h"

#include <cmath>
#include <cstdio>

namespace rnnscope::requests {
namespace {

struct Experiment {
  const char* name;
  ExperimentResult (*run)(const ExperimentRequest&);
  bool has_ci_size = false;  // takes ExperimentSize::ci
  bool takes_cnn = false;    // reads ExperimentRequest::cnn
};

const Experiment kExperiments[] = {
    {"ltr", run_ltr_experiment},
    {"long-deps", run_long_deps_experiment},
    {"snn-topology", run_snn_topology_experiment},
    {"nback", run_nback_experiment, true, true},
};

}  // namespace

std::vector<std::string> experiment_names() {
  std::vector<std::string> names;
  for (const Experiment& e : kExperiments) names.emplace_back(e.name);
  return names;
}

ExperimentResult run_experiment(const ExperimentRequest& request) {
  // Checked before an experiment prepares its directory.
  require(request.threads >= 0, argument_name(request.door, "threads") + " must be >= 0 (0: all cores), got " +
                                    std::to_string(request.threads));
  for (const Experiment& e : kExperiments) {
    if (request.name != e.name) continue;
    // An option an experiment does not read is refused, not ignored.
    require(e.has_ci_size || request.size != ExperimentSize::ci,
            "the " + request.name + " experiment has no " + spell(request.door, "ci") +
                " size (its quick size is its test's); only nback has one");
    require(e.takes_cnn || request.cnn.empty(), "the " + request.name + " experiment trains no N-back network: " +
                                                    argument_name(request.door, "cnn") + " is nback's only");
    return e.run(request);
  }
  std::string known;
  for (const std::string& name : experiment_names()) known += (known.empty() ? "" : ", ") + name;
  throw Error("unknown experiment '" + request.name + "'; known experiments: " + known);
}

std::string format_value(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

std::string format_cell(const char* pattern, double value) {
  return std::isfinite(value) ? format_value(pattern, value) : "–";
}

}  // namespace rnnscope::requests
