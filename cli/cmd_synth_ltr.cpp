// `rnnscope synth-ltr --rank R --out DATA.h5`: options and help here; the request runs in the
// LibTorch plugin (requests/synth_ltr.h).
#include "commands.h"
#include "validators.h"

#include "torch_commands.h"

#include "rnnscope/requests/synth_ltr.h"

#include <cstdio>

namespace rnnscope::cli {

void add_synth_ltr_command(CLI::App& app) {
  auto req = std::make_shared<requests::SynthLtrRequest>();
  auto* cmd = app.add_subcommand("synth-ltr", "Write synthetic recordings of a teacher ltrRNN with a planted rank");
  cmd->add_option("--out,-o", req->out, "recordings file to write (HDF5, the layout fit-ltr reads, plus /truth/*)")
      ->required();
  cmd->add_option("--rank,-r", req->rank, "planted tensor rank (default 2)");
  cmd->add_option("--units", req->units, "teacher's latent units (default 50)");
  cmd->add_option("--neurons", req->neurons, "recorded neurons (default 40)");
  cmd->add_option("--trials", req->trials, "trials (default 120)");
  cmd->add_option("--steps", req->steps, "time bins per trial (default 41)");
  cmd->add_option("--conditions", req->conditions, "conditions: initial states and input directions (default 4)");
  cmd->add_option("--dt-ms", req->dt_ms, "bin width in ms (default 10)");
  cmd->add_option("--tau-ms", req->tau_ms, "time constant in ms (default 50)");
  cmd->add_option("--noise", req->noise, "observation noise relative to the activity's std (default 0.05)");
  cmd->add_option("--learning-change", req->learning_change,
                  "how far each trial factor moves across trials (default 1.0; base gains 2..3)");
  cmd->add_option("--seed", req->seed, "seed (default 0)")->check(seed_range());
  cmd->add_flag("--force", req->force, "overwrite --out if it exists");
  cmd->footer("Example:\n  rnnscope synth-ltr --rank 3 --trials 200 --out data.h5\n"
              "  rnnscope fit-ltr data.h5 --ranks 1..5 --out fits/data");
  cmd->callback([req] {
    run_in_torch_plugin<requests::SynthLtrResult>("synth-ltr", *req);
    std::printf("planted rank %lld: %lld trials x %lld time bins x %lld neurons written to %s\n",
                static_cast<long long>(req->rank), static_cast<long long>(req->trials),
                static_cast<long long>(req->steps), static_cast<long long>(req->neurons), req->out.c_str());
  });
}

}  // namespace rnnscope::cli
