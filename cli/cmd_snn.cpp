// `rnnscope snn simulate|train CONFIG`: the spiking network (docs/snn.md); the requests are in
// rnnscope/requests/snn.h and need no LibTorch, so they run in this process.
#include "commands.h"

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
                                          "then a logistic readout of its spike counts");
  add_config_options(cmd, req->source);
  cmd->add_option("--out,-o", req->out, "run directory to write (config.toml, summary.json, snn.h5)")->required();
  cmd->add_flag("--force", req->force, "overwrite an existing run directory: removes the files a run writes "
                                       "(docs/outputs.md) and keeps any others");
  cmd->callback([req] {
    const Json summary = requests::run_snn_train(*req);
    std::printf("run written to %s\n", req->out.c_str());
    std::printf("%s: test accuracy %.4f (train %.4f, chance %.4f), %.1f s\n", summary.at("rule").get<std::string>().c_str(),
                summary.at("test_accuracy").get<double>(), summary.at("train_accuracy").get<double>(),
                summary.at("chance").get<double>(), summary.at("seconds").get<double>());
  });
}

}  // namespace

void add_snn_command(CLI::App& app) {
  auto* snn = app.add_subcommand("snn", "Spiking network: recurrent LIF with STDP (simulate, train)");
  snn->require_subcommand(1);
  add_simulate(*snn);
  add_train(*snn);
}

}  // namespace rnnscope::cli
