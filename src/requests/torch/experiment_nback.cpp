// `rnnscope experiment nback`: the latent geometry of Lei, Ito & Bashivan 2024 (docs/nback.md,
// "The experiment") — vanilla, GRU and LSTM networks trained on all nine N-back tasks over
// several seeds (`train`), each analysed on held-out trials (`analyze`), and the paper's four
// findings read off the numbers: (1) multi-task networks keep task-irrelevant features;
// (2) vanilla RNNs share subspaces across tasks, GRU/LSTM are task-specific; (3) the RNN space
// is less orthogonal than the perceptual space; (4) a shared encoding space with time-specific
// (chronological) memory transformations.
#include "requests/nback_analysis_internal.h"
#include "requests/torch/experiments_internal.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/rng.h"
#include "rnnscope/core/text_file.h"
#include "rnnscope/nback/sequences.h"
#include "rnnscope/requests/nback_analyze.h"
#include "rnnscope/requests/nback_pretrain.h"
#include "rnnscope/requests/output_policy.h"
#include "rnnscope/requests/train.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

namespace rnnscope::requests {
namespace {

// The compared architectures at the published size, with the training settings of each: the one
// place to change when an architecture needs other settings (the [train] keys here override the
// experiment's, below). The vanilla RNN is configs/nback.toml's; GRU and LSTM are parameter-matched
// as published.
struct Architecture {
  const char* name;   // in results.h5
  Json model;         // [model]
  int64_t embedding;  // [perception] embedding
  Json train;         // [train] keys of this architecture
};

// The settings of configs/nback.toml, nback_gru.toml and nback_lstm.toml: the gated networks
// need the wider embedding to keep location (docs/nback.md "Measured").
std::vector<Architecture> architectures() {
  return {{"vanilla", {{"type", "ctrnn"}, {"activation", "tanh"}, {"tau", 100}, {"units", 512}}, 64,
           {{"lr", 3e-4}, {"max_steps", 3000}}},
          {"gru", {{"type", "gru"}, {"units", 256}}, 256, {{"lr", 3e-4}, {"max_steps", 4000}}},
          {"lstm", {{"type", "lstm"}, {"units", 256}}, 256, {{"lr", 3e-4}, {"max_steps", 4000}}}};
}

struct NbackSizes {
  const char* name;
  int64_t seeds;
  std::vector<int64_t> cnn_channels;  // the CNN's pretraining (`nback pretrain`)
  int64_t cnn_epochs, cnn_train_images;
  Json stimuli;                       // [stimuli] (the rest: the defaults, as published)
  int64_t views, reduced_channels;    // [perception]
  int64_t units_divisor;              // each architecture's units and embedding / this
  int64_t step_cap;                   // at most this many steps (0: the architecture's budget)
  int64_t batch_size, eval_every, eval_trials;
  int64_t analysis_trials, analysis_folds;  // `analyze --trials --folds`
};

NbackSizes nback_sizes(ExperimentSize size) {
  switch (size) {
    case ExperimentSize::ci:  // 2 categories x 1 identity: every cell of the analyses has samples
      return {"ci", 2, {4, 8}, 1, 500,
              {{"categories", {0, 1}}, {"identities", 1}, {"cell_size", 28}},
              4, 2, 32, 4, 16, 2, 90, 180, 3};
    case ExperimentSize::quick:
      return {"quick", 2, {16, 32, 64}, 2, 20000, Json::object(), 16, 4, 2, 1000, 64, 100, 288, 360, 3};
    case ExperimentSize::full: break;
  }
  // Analyses: 512 trials (57 per task) and 3 folds instead of `analyze`'s 1024 and 5, which
  // would take ~11 min per vanilla network (docs/nback.md "Analyses of a trained run").
  return {"full", 3, {16, 32, 64}, 6, 0, Json::object(), 64, 4, 1, 0, 64, 100, 512, 512, 3};
}

Json nback_run_config(const NbackSizes& sizes, const Architecture& arch, const std::string& cnn, uint64_t seed,
                int64_t threads) {
  Json model = arch.model;
  model["units"] = std::max<int64_t>(1, model.at("units").get<int64_t>() / sizes.units_divisor);
  Json train = {{"optimizer", "adamw"},          {"batch_size", sizes.batch_size}, {"eval_every", sizes.eval_every},
                {"eval_trials", sizes.eval_trials}, {"checkpoint_every", 500},      {"threads", threads}};
  for (const auto& [key, value] : arch.train.items()) train[key] = value;
  if (sizes.step_cap > 0) train["max_steps"] = std::min(train.at("max_steps").get<int64_t>(), sizes.step_cap);
  return {{"seed", seed},
          {"task", {{"name", "nback"}}},
          {"stimuli", sizes.stimuli},
          {"perception",
           {{"cnn", cnn}, {"views", sizes.views}, {"reduced_channels", sizes.reduced_channels},
            {"embedding", std::max<int64_t>(4, arch.embedding / sizes.units_divisor)}}},
          {"model", model},
          {"train", train}};
}

// One analysed network's numbers, as results.h5 holds them (features: nback::Feature order).
struct Network {
  std::vector<double> task_accuracy;                   // [tasks], the run's held-out evaluation
  std::vector<double> cross_task;                      // [tasks fitted, tasks tested]
  std::vector<double> cross_task_chance;
  std::vector<double> irrelevant, irrelevant_chance;   // [tasks]
  double orthogonality_rnn = kNaN, orthogonality_cnn = kNaN;
  // Finding (4), the task's own feature, means over tasks, positions and ages.
  ScoreMean shared_encoding;                 // (4b) fitted at position i, tested at j != i
  double procrustes_own = kNaN, swap_same_age = kNaN, swap_next_age = kNaN;  // (4c), (4d)
  Json perception;                           // summary.json's: the CNN and its decoding
};

nback::Scores scores_of(const Record& record, const std::string& name) {
  const RecordArray& accuracy = record.array(name + "/accuracy");
  return {accuracy.shape, std::get<std::vector<double>>(accuracy.data),
          std::get<std::vector<double>>(record.array(name + "/chance").data)};
}

double mean_of(const std::vector<double>& values) {
  double sum = 0;
  int64_t n = 0;
  for (double v : values)
    if (std::isfinite(v)) sum += v, ++n;
  return n ? sum / double(n) : kNaN;
}

// What results.h5 takes from a run's summary and its analyses.
Network network_of(const Json& summary, const Record& analysis) {
  const auto tasks = nback::all_tasks();
  const auto K = int64_t(tasks.size());
  const auto feature = [&](int64_t k) { return int64_t(tasks[size_t(k)].feature); };
  Network n;
  for (const auto& t : tasks) {
    const Json& a = summary.at("task_accuracy").at(t.name());
    n.task_accuracy.push_back(a.is_null() ? kNaN : a.get<double>());
  }
  // (2) The decoder of the row task's own feature, fitted on its encoding steps, tested on the column task's.
  const nback::Scores cross = scores_of(analysis, "cross_task");  // [features, K, K]
  for (int64_t a = 0; a < K; ++a)
    for (int64_t b = 0; b < K; ++b) {
      const size_t cell = size_t((feature(a) * K + a) * K + b);
      n.cross_task.push_back(cross.accuracy[cell]);
      n.cross_task_chance.push_back(cross.chance[cell]);
    }
  // (1) The two other features at their encoding step (T = S), mean over S and the two features.
  const nback::Scores decoding = scores_of(analysis, "decoding");  // [K, features, S, T]
  for (int64_t k = 0; k < K; ++k) {
    const ScoreMean m = mean_over(decoding, [&](const auto& i) { return i[0] == k && i[1] != feature(k) && i[2] == i[3]; });
    n.irrelevant.push_back(m.accuracy);
    n.irrelevant_chance.push_back(m.chance);
  }
  // (3) The index of each feature, mean over the three.
  n.orthogonality_rnn = mean_of(std::get<std::vector<double>>(analysis.array("orthogonality/rnn").data));
  n.orthogonality_cnn = mean_of(std::get<std::vector<double>>(analysis.array("orthogonality/cnn").data));
  // (4)
  n.shared_encoding = mean_over(scores_of(analysis, "across_positions"),
                                [&](const auto& i) { return i[1] == feature(i[0]) && i[2] != i[3]; });
  const auto all = [](const auto&) { return true; };
  n.procrustes_own = mean_over(scores_of(analysis, "procrustes"), all).accuracy;
  n.swap_same_age = mean_over(scores_of(analysis, "procrustes/swap_same_age"), all).accuracy;
  n.swap_next_age = mean_over(scores_of(analysis, "procrustes/swap_next_age"), all).accuracy;
  n.perception = summary.at("perception");
  return n;
}

// Trains one (architecture, seed) and analyses it.
Network train_and_analyse(const ExperimentRequest& req, const NbackSizes& sizes, const Architecture& arch,
                          const std::string& cnn, uint64_t seed) {
  const std::string dir = req.out + "/runs/" + arch.name + "-" + std::to_string(seed);
  const auto stopped = [&] {
    return Error("the nback experiment was stopped during " + dir + "; run it again with " + spell(req.door, "force") +
                 " to start over");
  };
  TrainRequest train;
  train.config = nback_run_config(sizes, arch, cnn, seed, req.threads);
  train.config_source = "the nback experiment's config of " + std::string(arch.name);
  train.out = dir;
  train.stop_requested = req.stop_requested;
  train.door = req.door;
  if (req.progress) req.progress("train " + std::string(arch.name) + ", seed " + std::to_string(seed) + " (" + dir + ")");
  const Json summary = run_train(train);
  if (summary.at("status") != "finished") throw stopped();

  NbackAnalyzeRequest analyze;
  analyze.run_dir = dir;
  analyze.out = dir + "/analysis.h5";
  analyze.trials = sizes.analysis_trials;
  analyze.folds = sizes.analysis_folds;
  analyze.door = req.door;
  if (req.progress) req.progress("analyse " + std::string(arch.name) + ", seed " + std::to_string(seed));
  const NbackAnalyzeResult analysis = run_nback_analyze(analyze);
  if (req.stop_requested && req.stop_requested()) throw stopped();
  return network_of(summary, analysis.record);
}

// Mean over seeds of a network's value, for every architecture.
template <class Get>
std::vector<double> by_architecture(const std::vector<std::vector<Network>>& nets, Get get) {
  std::vector<double> out;
  for (const auto& seeds : nets) {
    std::vector<double> values;
    for (const Network& n : seeds) values.push_back(get(n));
    out.push_back(mean_of(values));
  }
  return out;
}

// The row-major [architectures, rest..., seeds] array of a per-network vector (or scalar).
template <class Get>
std::vector<double> stacked(const std::vector<std::vector<Network>>& nets, int64_t cells, Get get) {
  std::vector<double> out;
  for (const auto& seeds : nets)
    for (int64_t c = 0; c < cells; ++c)
      for (const Network& n : seeds) out.push_back(get(n, c));
  return out;
}

std::string number(double v) { return format_cell("%.2f", v); }

// Cross-task generalisation of a network: the decoders' accuracy above chance on the other tasks
// (all ordered pairs A != B) as a fraction of that on their own task's held-out trials.
double generalisation(const Network& n, int64_t K) {
  std::vector<double> own, other;
  for (int64_t a = 0; a < K; ++a)
    for (int64_t b = 0; b < K; ++b) {
      const size_t c = size_t(a * K + b);
      (a == b ? own : other).push_back(n.cross_task[c] - n.cross_task_chance[c]);
    }
  return mean_of(other) / mean_of(own);
}

struct Finding {
  std::string paper, here;
  bool reproduced;
};

// The paper's four findings, each judged from the means over seeds.
std::vector<Finding> findings(const std::vector<Architecture>& archs, const std::vector<std::vector<Network>>& nets,
                              int64_t K) {
  const auto name = [&](size_t a) { return std::string(archs[a].name); };
  std::vector<Finding> out;

  const auto irrelevant = by_architecture(nets, [](const Network& n) { return mean_of(n.irrelevant); });
  const auto irrelevant_chance = by_architecture(nets, [](const Network& n) { return mean_of(n.irrelevant_chance); });
  std::string here;
  bool all = true;
  for (size_t a = 0; a < archs.size(); ++a) {
    here += (a ? "; " : "") + name(a) + " " + number(irrelevant[a]) + " (chance " + number(irrelevant_chance[a]) + ")";
    all = all && irrelevant[a] > irrelevant_chance[a] + 0.1;
  }
  out.push_back({"(1) Multi-task RNNs keep the task-irrelevant features of the objects.",
                 "irrelevant features decoded at the encoding step: " + here +
                     ". Reproduced where every architecture is more than 0.10 above chance.",
                 all});

  const auto general = by_architecture(nets, [&](const Network& n) { return generalisation(n, K); });
  here.clear();
  for (size_t a = 0; a < archs.size(); ++a) here += (a ? ", " : "") + name(a) + " " + number(general[a]);
  out.push_back({"(2) Vanilla RNNs share representational subspaces across tasks; GRU and LSTM keep task-specific ones.",
                 "cross-task generalisation (accuracy above chance on the other tasks / on the task's own): " + here +
                     ". Reproduced where the vanilla RNN's exceeds both gated networks'.",
                 general[0] > general[1] && general[0] > general[2]});

  const auto rnn = by_architecture(nets, [](const Network& n) { return n.orthogonality_rnn; });
  const auto cnn = by_architecture(nets, [](const Network& n) { return n.orthogonality_cnn; });
  here.clear();
  all = true;
  for (size_t a = 0; a < archs.size(); ++a) {
    here += (a ? "; " : "") + name(a) + " RNN " + number(rnn[a]) + ", CNN " + number(cnn[a]);
    all = all && rnn[a] < cnn[a];
  }
  out.push_back({"(3) The RNN's representation is less orthogonalised than the perceptual (CNN) space.",
                 "orthogonalisation index O (1 = orthogonal), mean over features: " + here +
                     ". Reproduced where O is lower in the RNN for every architecture.",
                 all});

  const auto shared = by_architecture(nets, [](const Network& n) { return n.shared_encoding.accuracy; });
  const auto shared_chance = by_architecture(nets, [](const Network& n) { return n.shared_encoding.chance; });
  const auto own = by_architecture(nets, [](const Network& n) { return n.procrustes_own; });
  const auto same = by_architecture(nets, [](const Network& n) { return n.swap_same_age; });
  const auto next = by_architecture(nets, [](const Network& n) { return n.swap_next_age; });
  here.clear();
  all = true;
  for (size_t a = 0; a < archs.size(); ++a) {
    here += (a ? "; " : "") + name(a) + ": across positions " + number(shared[a]) + " (chance " +
            number(shared_chance[a]) + "), Procrustes own map " + number(own[a]) + ", same age " + number(same[a]) +
            ", next age " + number(next[a]);
    all = all && shared[a] > shared_chance[a] + 0.1 && same[a] > next[a];
  }
  out.push_back({"(4) Objects share an encoding space across sequence positions; memory transforms it by time-specific "
                 "(chronological) maps.",
                 "the task's feature decoded at position j by the decoder of position i != j (4b), and the swap test "
                 "(4d): " + here + ". Reproduced where, for every architecture, the decoders read other positions more "
                 "than 0.10 above chance and another object's map of the same age beats the next age's.",
                 all});
  return out;
}

std::string markdown(const NbackSizes& sizes, const std::vector<Architecture>& archs,
                     const std::vector<std::vector<Network>>& nets, const std::vector<uint64_t>& seeds,
                     const std::string& cnn, uint64_t seed, double seconds) {
  const auto tasks = nback::all_tasks();
  const auto K = int64_t(tasks.size());
  std::string md = "# N-back latent geometry (`rnnscope experiment nback`, size " + std::string(sizes.name) + ", seed " +
                   std::to_string(seed) + ")\n\nThe multi-task diet (all nine tasks), " + std::to_string(seeds.size()) +
                   " seeds per architecture:";
  for (size_t a = 0; a < archs.size(); ++a) {
    const Json config = nback_run_config(sizes, archs[a], cnn, 0, 0);
    const Json &model = config.at("model"), &train = config.at("train");
    md += (a ? "; " : " ") + std::string(archs[a].name) + " (" + model.at("type").get<std::string>() + ", " +
          std::to_string(model.at("units").get<int64_t>()) + " units, AdamW lr " +
          format_value("%g", train.at("lr").get<double>()) + ", at most " +
          std::to_string(train.at("max_steps").get<int64_t>()) + " steps)";
  }
  md += ". Batches of " + std::to_string(sizes.batch_size) + " trials, " + std::to_string(sizes.views) +
        " views of each object per bank, training stops at 0.95 of the held-out frames answered right. The CNN: " + cnn +
        ". Analyses (docs/nback.md): " + std::to_string(sizes.analysis_trials) + " held-out trials per network, " +
        std::to_string(sizes.analysis_folds) + "-fold cross-validated decoders.\n\n";

  const Json& perception = nets.at(0).at(0).perception;
  md += "The CNN's test accuracy on Fashion-MNIST: " + number(perception.value("cnn_test_accuracy", kNaN)) +
        "; its features decode";
  for (const char* f : {"location", "identity", "category"}) {
    const Json& d = perception.at("heldout_decoding").at(f);
    md += std::string(" ") + f + " " + number(d.at("accuracy").get<double>()) + " (chance " +
          number(d.at("chance").get<double>()) + ")";
  }
  md += " on held-out views.\n\n## Held-out accuracy per task (mean over seeds; the paper: > 0.90)\n\n";
  const auto header = [&](const std::string& first) {
    std::string head = "| " + first + " |", rule = "|---|";
    for (const auto& a : archs) {
      head += " " + std::string(a.name) + " |";
      rule += "---|";
    }
    return head + "\n" + rule + "\n";
  };
  md += header("task");
  for (int64_t k = 0; k < K; ++k) {
    md += "| " + tasks[size_t(k)].name() + " |";
    for (const double v : by_architecture(nets, [&](const Network& n) { return n.task_accuracy[size_t(k)]; }))
      md += " " + number(v) + " |";
    md += "\n";
  }

  md += "\n## Per architecture (means over seeds and tasks; chance in brackets)\n\n" + header("");
  const auto line = [&](const std::string& label, const std::vector<double>& values, const std::vector<double>& chance) {
    md += "| " + label + " |";
    for (size_t a = 0; a < values.size(); ++a)
      md += " " + number(values[a]) + (chance.empty() ? "" : " (" + number(chance[a]) + ")") + " |";
    md += "\n";
  };
  // The cross-task decoders on their own task (own) or on the others, accuracy or chance.
  const auto cross_task = [K](bool own, std::vector<double> Network::*values) {
    return [=](const Network& n) {
      std::vector<double> v;
      for (int64_t a = 0; a < K; ++a)
        for (int64_t b = 0; b < K; ++b)
          if ((a == b) == own) v.push_back((n.*values)[size_t(a * K + b)]);
      return mean_of(v);
    };
  };
  line("irrelevant features at encoding", by_architecture(nets, [](const Network& n) { return mean_of(n.irrelevant); }),
       by_architecture(nets, [](const Network& n) { return mean_of(n.irrelevant_chance); }));
  line("relevant feature, fitted and tested on one task", by_architecture(nets, cross_task(true, &Network::cross_task)),
       by_architecture(nets, cross_task(true, &Network::cross_task_chance)));
  line("relevant feature, fitted on one task, tested on another",
       by_architecture(nets, cross_task(false, &Network::cross_task)),
       by_architecture(nets, cross_task(false, &Network::cross_task_chance)));
  line("cross-task generalisation", by_architecture(nets, [&](const Network& n) { return generalisation(n, K); }), {});
  line("orthogonality O, RNN", by_architecture(nets, [](const Network& n) { return n.orthogonality_rnn; }), {});
  line("orthogonality O, CNN", by_architecture(nets, [](const Network& n) { return n.orthogonality_cnn; }), {});
  line("across positions (4b)", by_architecture(nets, [](const Network& n) { return n.shared_encoding.accuracy; }),
       by_architecture(nets, [](const Network& n) { return n.shared_encoding.chance; }));
  line("Procrustes, own map", by_architecture(nets, [](const Network& n) { return n.procrustes_own; }), {});
  line("swap, same age", by_architecture(nets, [](const Network& n) { return n.swap_same_age; }), {});
  line("swap, next age", by_architecture(nets, [](const Network& n) { return n.swap_next_age; }), {});

  md += "\n## The paper's findings and ours\n\n| finding (Lei, Ito & Bashivan 2024) | here | reproduced |\n|---|---|---|\n";
  std::string yes, no;
  int64_t index = 1;
  for (const Finding& f : findings(archs, nets, K)) {
    md += "| " + f.paper + " | " + f.here + " | " + (f.reproduced ? "yes" : "no") + " |\n";
    std::string& list = f.reproduced ? yes : no;
    list += (list.empty() ? "(" : ", (") + std::to_string(index++) + ")";
  }
  md += "\nWe reproduce " + (yes.empty() ? std::string("none of the four findings") : "finding(s) " + yes) +
        (no.empty() ? std::string(".") : "; not " + no + ".") + "\n\nWall time: " + format_value("%.0f", seconds) + " s.\n";
  return md;
}

}  // namespace

ExperimentResult run_nback_experiment(const ExperimentRequest& req) {
  require(!req.out.empty(), "the nback experiment needs an output directory");
  if (!req.cnn.empty() && !std::filesystem::is_regular_file(req.cnn))
    throw Error(spell(req.door, "cnn", req.cnn) + ": no such file; give a CNN written by " +
                    (req.door == Door::cli ? "`rnnscope nback pretrain --out FILE`" : "`rnnscope.nback.pretrain(out=FILE)`") +
                    ", or leave it out to pretrain one",
                Error::Kind::file_not_found);
  prepare_output_dir(req.out, existing_policy(req.force), req.door, {"cnn.h5", "runs", "results.h5", "results.md"});
  const auto start = std::chrono::steady_clock::now();
  const NbackSizes sizes = nback_sizes(req.size);
  const std::vector<Architecture> archs = architectures();
  std::vector<uint64_t> seeds;
  for (int64_t s = 0; s < sizes.seeds; ++s)
    seeds.push_back(Rng::derive_seed(req.seed, "experiment_nback", uint64_t(s)) % 1000000);

  std::string cnn = req.cnn.empty() ? req.out + "/cnn.h5" : req.cnn;
  cnn = std::filesystem::absolute(cnn).lexically_normal().string();
  if (req.cnn.empty()) {
    NbackPretrainRequest pretrain;
    pretrain.channels = sizes.cnn_channels;
    pretrain.epochs = sizes.cnn_epochs;
    pretrain.train_images = sizes.cnn_train_images;
    pretrain.seed = Rng::derive_seed(req.seed, "experiment_nback/cnn") % 1000000;
    pretrain.threads = req.threads;
    pretrain.out = cnn;
    pretrain.door = req.door;
    if (req.progress)
      req.progress("pretrain the CNN (" + std::to_string(sizes.cnn_epochs) + " epochs, " + cnn + ")");
    run_nback_pretrain(pretrain);
  }

  // nets[architecture][seed]
  std::vector<std::vector<Network>> nets(archs.size());
  for (size_t a = 0; a < archs.size(); ++a)
    for (const uint64_t seed : seeds) nets[a].push_back(train_and_analyse(req, sizes, archs[a], cnn, seed));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const auto tasks = nback::all_tasks();
  const auto A = int64_t(archs.size()), K = int64_t(tasks.size()), S = int64_t(seeds.size());
  std::vector<std::string> arch_names, task_names;
  for (const auto& a : archs) arch_names.emplace_back(a.name);
  for (const auto& t : tasks) task_names.push_back(t.name());
  ExperimentResult result;
  result.out = req.out;
  Record& rec = result.record;
  rec.add("architectures", {A}, arch_names);
  rec.add("tasks", {K}, task_names);
  rec.add("task_accuracy", {A, K, S}, stacked(nets, K, [](const Network& n, int64_t c) { return n.task_accuracy[size_t(c)]; }));
  rec.add("cross_task_generalization", {A, K, K, S},
          stacked(nets, K * K, [](const Network& n, int64_t c) { return n.cross_task[size_t(c)]; }));
  rec.add("irrelevant_feature_decoding", {A, K, S},
          stacked(nets, K, [](const Network& n, int64_t c) { return n.irrelevant[size_t(c)]; }));
  rec.add("irrelevant_feature_chance", {A, K, S},
          stacked(nets, K, [](const Network& n, int64_t c) { return n.irrelevant_chance[size_t(c)]; }));
  rec.add("orthogonality_rnn", {A, S}, stacked(nets, 1, [](const Network& n, int64_t) { return n.orthogonality_rnn; }));
  rec.add("orthogonality_cnn", {A, S}, stacked(nets, 1, [](const Network& n, int64_t) { return n.orthogonality_cnn; }));
  // Beside the datasets: the seeds, and the numbers of finding (4) (docs/nback.md).
  rec.add("seeds", {S}, std::vector<int64_t>(seeds.begin(), seeds.end()));
  rec.add("memory/across_positions", {A, S},
          stacked(nets, 1, [](const Network& n, int64_t) { return n.shared_encoding.accuracy; }));
  rec.add("memory/across_positions_chance", {A, S},
          stacked(nets, 1, [](const Network& n, int64_t) { return n.shared_encoding.chance; }));
  rec.add("memory/procrustes_own", {A, S}, stacked(nets, 1, [](const Network& n, int64_t) { return n.procrustes_own; }));
  rec.add("memory/swap_same_age", {A, S}, stacked(nets, 1, [](const Network& n, int64_t) { return n.swap_same_age; }));
  rec.add("memory/swap_next_age", {A, S}, stacked(nets, 1, [](const Network& n, int64_t) { return n.swap_next_age; }));
  auto& at = rec.attributes;
  at["size"] = sizes.name;
  at["seed"] = req.seed;
  at["cnn"] = cnn;
  at["analysis_trials"] = sizes.analysis_trials;
  at["analysis_folds"] = sizes.analysis_folds;
  at["seconds"] = seconds;
  at["version"] = RNNSCOPE_VERSION;

  result.markdown = markdown(sizes, archs, nets, seeds, cnn, req.seed, seconds);
  write_record(req.out + "/results.h5", rec);
  write_text_atomic(req.out + "/results.md", result.markdown);
  return result;
}

}  // namespace rnnscope::requests
