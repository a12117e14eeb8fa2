// `rnnscope analyze RUN --out FILE.h5`: the latent-geometry analyses of a trained N-back run
// (docs/nback.md); options and help here, the request runs in the LibTorch plugin
// (requests/nback_analyze.h).
#include "commands.h"
#include "validators.h"

#include "torch_commands.h"

#include "rnnscope/requests/nback_analyze.h"

#include <cstdio>

namespace rnnscope::cli {

void add_analyze_command(CLI::App& app) {
  auto req = std::make_shared<requests::NbackAnalyzeRequest>();
  auto seed = std::make_shared<int64_t>(-1);
  auto* cmd = app.add_subcommand(
      "analyze", "Analyse a trained N-back run on held-out trials: decoders of every feature of every object at "
                 "every later step, cross-task generalisation, orthogonalisation index, encoding vs memory");
  cmd->add_option("RUN", req->run_dir, "run directory written by `rnnscope train` ([task] name = \"nback\")")->required();
  cmd->add_option("--out,-o", req->out, "HDF5 file for the analyses; a Markdown summary FILE.md goes beside it")->required();
  cmd->add_option("--trials,-n", req->trials, "held-out trials of the run's tasks (default 1024)");
  cmd->add_option("--folds", req->folds, "cross-validation folds (default 5; fewer where a class has fewer samples)");
  cmd->add_option("--l2", req->l2, "the decoders' L2 penalty (default 1, scikit-learn's C = 1)");
  cmd->add_option("--seed", *seed, "seed of the trials, their views and the folds (default: derived from the run's seed)")
      ->check(seed_range());
  cmd->add_flag("--states", req->states,
                "also write the analysed arrays under /states: hidden states, CNN features, objects and tasks");
  cmd->add_flag("--force", req->force, "overwrite --out and its Markdown file if they exist");
  cmd->footer("Example:\n  rnnscope analyze runs/nback --out runs/nback/analysis.h5");
  cmd->callback([req, seed] {
    if (*seed >= 0) req->seed = static_cast<uint64_t>(*seed);
    run_in_torch_plugin<requests::NbackAnalyzeResult>("analyze", *req);
    std::printf("analyses of %lld trials written to %s and %s\n", static_cast<long long>(req->trials), req->out.c_str(),
                requests::markdown_path(req->out).c_str());
  });
}

}  // namespace rnnscope::cli
