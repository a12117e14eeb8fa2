// `rnnscope synth-ltr [--generator planted|reach] --out DATA.h5`: options and help here; the
// requests run in the LibTorch plugin (requests/synth_ltr.h).
#include "commands.h"
#include "validators.h"

#include "progress.h"
#include "stop_signal.h"
#include "torch_commands.h"

#include "rnnscope/core/error.h"
#include "rnnscope/requests/synth_ltr.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

namespace rnnscope::cli {
namespace {

// The options of both generators; the shared ones are optional so that each generator keeps
// its own default.
struct SynthArgs {
  std::string generator = "planted";
  requests::SynthLtrRequest planted;
  requests::SynthReachRequest reach;
  std::optional<int64_t> units, neurons;
  std::optional<double> noise;
  uint64_t seed = 0;
  std::string out;
  bool force = false, quiet = false;
  std::vector<CLI::Option*> planted_only, reach_only;
};

// An option given for the other generator is an error, not silently ignored.
void require_unused(const std::vector<CLI::Option*>& options, const std::string& generator) {
  for (const CLI::Option* o : options) {
    require(o->count() == 0, o->get_name() + " applies to --generator " + generator + " only");
  }
}

template <class Request>
void fill_shared(const SynthArgs& a, Request& r) {
  if (a.units) r.units = *a.units;
  if (a.neurons) r.neurons = *a.neurons;
  if (a.noise) r.noise = *a.noise;
  r.seed = a.seed;
  r.out = a.out;
  r.force = a.force;
}

void run_planted(SynthArgs& a) {
  require_unused(a.reach_only, "reach");
  auto& req = a.planted;
  fill_shared(a, req);
  run_in_torch_plugin<requests::SynthLtrResult>("synth-ltr", req);
  std::printf("planted rank %lld: %lld trials x %lld time bins x %lld neurons written to %s\n",
              static_cast<long long>(req.rank), static_cast<long long>(req.trials), static_cast<long long>(req.steps),
              static_cast<long long>(req.neurons), req.out.c_str());
}

void run_reach(SynthArgs& a) {
  require_unused(a.planted_only, "planted");
  auto& req = a.reach;
  fill_shared(a, req);
  ProgressPrinter printer;
  if (!a.quiet) req.progress = stage_progress(printer, "step");
  req.stop_requested = stop_requested;
  install_stop_handlers();
  const auto r = run_in_torch_plugin<requests::SynthReachResult>("synth-reach", req);
  printer.finish();
  const auto& error = r.recordings.info("endpoint_error_deg");
  const auto mean_abs = [&](int64_t from, int64_t n) {
    double sum = 0;
    for (int64_t k = from; k < from + n; ++k) sum += std::abs(error[size_t(k)]);
    return n > 0 ? sum / double(n) : 0.0;
  };
  const int64_t first = std::min<int64_t>(10, req.perturbed);
  std::printf("pretrained %lld steps to accuracy %.3f; reach endpoint error |deg|: baseline %.1f, first %lld perturbed "
              "trials %.1f, last %lld perturbed %.1f\n",
              static_cast<long long>(r.pretrain_steps), r.pretrain_accuracy, mean_abs(0, req.baseline),
              static_cast<long long>(first), mean_abs(req.baseline, first), static_cast<long long>(first),
              mean_abs(req.baseline + req.perturbed - first, first));
  std::printf("%lld trials x %lld time bins x %lld neurons written to %s\n",
              static_cast<long long>(r.recordings.trials), static_cast<long long>(r.recordings.steps),
              static_cast<long long>(r.recordings.neurons), req.out.c_str());
}

}  // namespace

void add_synth_ltr_command(CLI::App& app) {
  auto a = std::make_shared<SynthArgs>();
  auto* cmd = app.add_subcommand("synth-ltr", "Write synthetic recordings for fit-ltr: a planted-rank teacher, or a "
                                              "task-trained network adapting to a perturbation");
  cmd->add_option("--generator,-g", a->generator,
                  "planted (default): a teacher ltrRNN of planted rank; reach: a CTRNN trained on centre_out_reach, "
                  "recorded while it adapts to a visuomotor rotation (baseline, perturbed, washout trials)")
      ->check(CLI::IsMember({"planted", "reach"}));
  cmd->add_option("--out,-o", a->out, "recordings file to write (HDF5, the layout fit-ltr reads, plus /truth/*)")
      ->required();
  cmd->add_option("--units", a->units, "the generating network's units (default: planted 50, reach 64)");
  cmd->add_option("--neurons", a->neurons, "recorded neurons (default: planted 40, reach 64)");
  cmd->add_option("--noise", a->noise, "observation noise relative to the activity's std (default 0.05)");
  cmd->add_option("--seed", a->seed, "seed (default 0)")->check(seed_range());
  cmd->add_flag("--force", a->force, "overwrite --out if it exists");
  cmd->add_flag("--quiet,-q", a->quiet, "no progress output (reach)");

  auto& p = a->planted;
  a->planted_only = {
      cmd->add_option("--rank,-r", p.rank, "planted: tensor rank (default 2)"),
      cmd->add_option("--trials", p.trials, "planted: trials (default 120)"),
      cmd->add_option("--steps", p.steps, "planted: time bins per trial (default 41)"),
      cmd->add_option("--conditions", p.conditions, "planted: initial states and input directions (default 4)"),
      cmd->add_option("--dt-ms", p.dt_ms, "planted: bin width in ms (default 10)"),
      cmd->add_option("--tau-ms", p.tau_ms, "planted: time constant in ms (default 50)"),
      cmd->add_option("--learning-change", p.learning_change,
                      "planted: how far each trial factor moves across trials (default 1.0; base gains 2..3)")};
  auto& r = a->reach;
  a->reach_only = {
      cmd->add_option("--targets", r.targets, "reach: directions; trial k reaches to target k mod targets (default 8)"),
      cmd->add_option("--rotation", r.rotation_deg, "reach: the perturbed block's visuomotor rotation in degrees "
                                                    "(default 30)"),
      cmd->add_option("--baseline", r.baseline, "reach: baseline trials (default 40)"),
      cmd->add_option("--perturbed", r.perturbed, "reach: perturbed trials (default 120)"),
      cmd->add_option("--washout", r.washout, "reach: washout trials (default 80)"),
      cmd->add_option("--pretrain-steps", r.pretrain_steps,
                      "reach: Adam steps at most before the recording; stops at the task's criterion (default 3000)"),
      cmd->add_option("--adapt-lr", r.adapt_lr, "reach: gradient-descent step size during the recording (default 0.05)"),
      cmd->add_option("--threads", r.threads, "reach: CPU threads (default 0: all cores)")};
  cmd->footer("Examples:\n  rnnscope synth-ltr --rank 3 --trials 200 --out data.h5\n"
              "  rnnscope synth-ltr --generator reach --rotation 45 --out reach.h5\n"
              "  rnnscope fit-ltr data.h5 --ranks 1..5 --out fits/data");
  cmd->callback([a] { a->generator == "reach" ? run_reach(*a) : run_planted(*a); });
}

}  // namespace rnnscope::cli
