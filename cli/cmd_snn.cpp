// `rnnscope snn simulate|train CONFIG`: the spiking network (docs/snn.md); the requests are in
// rnnscope/requests/snn.h. Simulation and the STDP rules need no LibTorch and run in this
// process; `snn train` with rule "surrogate" runs in the LibTorch plugin (torch_commands.h).
#include "commands.h"
#include "torch_commands.h"

#include "rnnscope/requests/snn.h"
#include "rnnscope/snn/config.h"

#include <cstdio>
#include <memory>

namespace rnnscope::cli {
namespace {

void add_config_options(CLI::App* cmd, requests::SnnConfigSource& source) {
  cmd->add_option("CONFIG", source.config_path, "TOML config: seed, [network], [input], [simulation], [stdp], "
                                                "[data], [readout] (every key has a default; see the footer)")
      ->required();
  cmd->add_option("--set", source.overrides, "override a config value, e.g. --set network.n_excitatory=400 (repeatable)");
  cmd->footer("Config keys:\n" + snn::describe_snn_config() + "docs/snn.md describes the model and the defaults' sources.");
}

void add_simulate(CLI::App& snn) {
  auto req = std::make_shared<requests::SnnSimulateRequest>();
  auto* cmd = snn.add_subcommand("simulate", "Simulate the recurrent LIF network and write its spikes");
  add_config_options(cmd, req->source);
  cmd->add_option("--out,-o", req->out,
                  "write SPIKES.h5: /spike_times_ms, /spike_ids [spikes] (the raster), /counts [segments, neurons], "
                  "/segment_start_ms, /tau_m_ms; attributes: sizes, dt_ms, duration_ms, rates, seconds; atomic");
  cmd->add_flag("--force", req->force, "overwrite an existing --out file");
  cmd->callback([req] {
    const requests::Record record = requests::run_snn_simulate(*req);
    const Json& a = record.attributes;
    std::printf("%lld spikes in %.0f ms: E %.2f Hz, I %.2f Hz (simulated in %.3f s)\n",
                static_cast<long long>(a.at("spikes").get<int64_t>()), a.at("duration_ms").get<double>(),
                a.at("rate_e_hz").get<double>(), a.at("rate_i_hz").get<double>(), a.at("seconds").get<double>());
    if (!req->out.empty()) std::printf("written to %s\n", req->out.c_str());
  });
}

void add_train(CLI::App& snn) {
  auto req = std::make_shared<requests::SnnTrainRequest>();
  auto* cmd = snn.add_subcommand("train", "Train the network's E→E synapses with STDP on Poisson-coded patterns, "
                                          "then a logistic readout of its spike counts; or (stdp.rule = surrogate) "
                                          "a recurrent LIF layer and a readout of its counts by surrogate gradients");
  add_config_options(cmd, req->source);
  cmd->add_option("--out,-o", req->out, "run directory to write (config.toml, summary.json, snn.h5)")->required();
  cmd->add_flag("--force", req->force, "overwrite an existing run directory: removes the files a run writes "
                                       "(docs/outputs.md) and keeps any others");
  cmd->callback([req] {
    const Json summary = requests::snn_train_needs_torch(*req)
                             ? run_in_torch_plugin<Json>("snn-train-surrogate", *req)
                             : requests::run_snn_train(*req);
    std::printf("run written to %s\n", req->out.c_str());
    std::printf("%s: test accuracy %.4f (train %.4f, chance %.4f), %.1f s\n", summary.at("rule").get<std::string>().c_str(),
                summary.at("test_accuracy").get<double>(), summary.at("train_accuracy").get<double>(),
                summary.at("chance").get<double>(), summary.at("seconds").get<double>());
  });
}

void add_eval(CLI::App& snn) {
  auto req = std::make_shared<requests::SnnEvalRequest>();
  auto* cmd = snn.add_subcommand("eval", "Show a trained run's network the test samples again and write its spike "
                                         "counts and filtered traces per time segment and sample");
  cmd->add_option("RUN", req->run, "run directory of `rnnscope snn train`")->required();
  cmd->add_option("--out,-o", req->out,
                  "write FILE.h5: /counts, /traces [samples, segments, n], /segment_start_ms, /inputs [samples, "
                  "n_inputs], /scores [samples, classes], /labels; attributes (docs/snn.md); atomic")
      ->required();
  cmd->add_option("--segments", req->segments, "time segments per presentation")->capture_default_str();
  cmd->add_option("--trace-ms", req->trace_ms, "time constant of the filtered traces (ms)")->capture_default_str();
  cmd->add_flag("--force", req->force, "overwrite an existing --out file");
  cmd->callback([req] {
    const requests::Record record = requests::snn_eval_needs_torch(*req)
                                        ? run_in_torch_plugin<requests::Record>("snn-eval-surrogate", *req)
                                        : requests::run_snn_eval(*req);
    std::printf("%s: test accuracy %.4f over %lld segments; written to %s\n",
                record.attributes.at("rule").get<std::string>().c_str(),
                record.attributes.at("test_accuracy").get<double>(),
                static_cast<long long>(req->segments), req->out.c_str());
  });
}

}  // namespace

void add_snn_command(CLI::App& app) {
  auto* snn = app.add_subcommand("snn", "Spiking network: recurrent LIF with STDP or surrogate gradients (simulate, train, eval)");
  snn->require_subcommand(1);
  add_simulate(*snn);
  add_train(*snn);
  add_eval(*snn);
}

}  // namespace rnnscope::cli
