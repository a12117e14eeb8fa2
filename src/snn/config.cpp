// The declared sections of an snn config and their resolution (include/rnnscope/snn/config.h).
// Defaults: the benchmark network of docs/snn.md (Brian2's STDP example sizes and
// Diehl & Cook 2015's STDP constants); docs/snn.md says which values are ours.
#include "rnnscope/snn/config.h"

#include "rnnscope/core/config_io.h"
#include "rnnscope/core/error.h"
#include "rnnscope/training/run_config.h"

#include <algorithm>

namespace rnnscope::snn {
namespace {

ParamSpec number(const std::string& name, double value, const std::string& doc) {
  return ParamSpec(name, ParamKind::number, value, doc);
}
ParamSpec integer(const std::string& name, int64_t value, const std::string& doc) {
  return ParamSpec(name, ParamKind::integer, value, doc);
}
ParamSpec probability(const std::string& name, double value, const std::string& doc) {
  return number(name, value, doc).with_min(0).with_max(1);
}
ParamSpec positive(const std::string& name, double value, const std::string& doc) {
  return number(name, value, doc).with_min(0, true);
}
ParamSpec cv(const std::string& name, double value, const std::string& doc) {
  return number(name, value, doc).with_min(0).with_max(10);
}

std::vector<std::pair<std::string, std::vector<ParamSpec>>> make_sections() {
  return {
      {"network",
       {integer("n_excitatory", 800, "excitatory neurons").with_min(1).with_max(1e7),
        integer("n_inhibitory", 200, "inhibitory neurons").with_min(0).with_max(1e7),
        probability("p_ee", 0.1, "E→E connection probability"),
        probability("p_ei", 0.1, "E→I connection probability"),
        probability("p_ie", 0.1, "I→E connection probability"),
        probability("p_ii", 0.1, "I→I connection probability"),
        positive("tau_m_ms", 20, "mean membrane time constant (ms)"),
        cv("tau_m_cv", 0, "CV of the membrane time constants across neurons (gamma; 0 = all equal)"),
        number("v_rest_mv", -65, "resting potential (mV)"),
        number("v_reset_mv", -65, "reset potential (mV), below the threshold"),
        number("v_threshold_mv", -50, "spike threshold (mV)"),
        number("bias_mv", 0, "constant drive R·I (mV): the membrane relaxes to v_rest + bias"),
        number("refractory_ms", 2, "refractory period (ms): held at reset, inputs dropped").with_min(0),
        number("w_ee_max_init", 0.5, "E→E weights start ~ U(0, w_ee_max_init) (dimensionless)").with_min(0),
        number("ee_gain_mv", 0.5, "an E→E spike adds w · ee_gain_mv (mV)"),
        number("ei_mv", 0.5, "jump of an E→I spike (mV)"),
        number("ie_mv", -1, "jump of an I→E spike (mV)"),
        number("ii_mv", -1, "jump of an I→I spike (mV)")}},
      {"input",
       {integer("background_inputs", 100, "independent Poisson inputs per neuron").with_min(0).with_max(1e6),
        number("background_rate_hz", 15, "rate of each background input (Hz)").with_min(0),
        number("background_mv", 0.6, "jump of a background spike (mV)"),
        integer("n_inputs", 0, "input channels (the rate-coded stimulus); `snn train` needs >= 1")
            .with_min(0).with_max(1e6),
        probability("p_input", 0.1, "probability that a channel reaches an excitatory neuron"),
        number("input_mv", 1, "jump of an input channel's spike (mV)")}},
      {"simulation",
       {positive("dt_ms", 0.1, "time step (ms)"),
        positive("duration_ms", 1000, "`snn simulate`: simulated time (ms)"),
        positive("segment_ms", 100, "`snn simulate`: spike counts per segment of this length (ms)"),
        number("input_rate_hz", 0, "`snn simulate`: rate of every input channel (Hz)").with_min(0)}},
      {"stdp",
       {ParamSpec("rule", ParamKind::string, "none",
                  "E→E plasticity: none, hom_stdp or het_stdp; or surrogate (`snn train` only: supervised "
                  "surrogate-gradient training, [surrogate])")
            .with_choices({"none", "hom_stdp", "het_stdp", "surrogate"}),
        positive("tau_plus_ms", 20, "presynaptic trace time constant τ+ (ms)"),
        positive("tau_minus_ms", 20, "postsynaptic trace time constant τ− (ms)"),
        number("a_plus", 0.01, "potentiation A+ on a post spike (>= 0)").with_min(0),
        number("a_minus", -0.0105, "depression A− on a pre spike (<= 0)").with_max(0),
        number("w_min", 0, "lower weight bound"),
        number("w_max", 1, "upper weight bound"),
        cv("cv_a", 0.5, "het_stdp: CV of A± across synapses (lognormal)"),
        cv("cv_tau", 0.5, "het_stdp: CV of τ± across synapses (gamma)")}},
      {"data",
       {integer("classes", 4, "`snn train`: pattern classes").with_min(2).with_max(1000),
        integer("train_samples", 120, "training samples (balanced over classes)").with_min(1).with_max(1e6),
        integer("test_samples", 80, "test samples").with_min(1).with_max(1e6),
        probability("active_fraction", 0.25, "chance that a prototype turns a channel on"),
        number("rate_on_hz", 40, "rate of an \"on\" channel (Hz)").with_min(0),
        number("rate_off_hz", 2, "rate of an \"off\" channel (Hz)").with_min(0),
        probability("flip", 0.1, "chance that a sample flips a channel's state"),
        positive("sample_ms", 100, "presentation of a sample (ms)"),
        number("rest_ms", 20, "silent input channels between samples (ms)").with_min(0),
        integer("epochs", 1, "unsupervised STDP passes over the training samples").with_min(0).with_max(1000),
        integer("seed", -1, "seed of the patterns (prototypes and samples); -1: the run's seed").with_min(-1)}},
      {"surrogate",
       {ParamSpec("function", ParamKind::string, "fast_sigmoid",
                  "surrogate spike derivative: fast_sigmoid, arctan or triangle (compact support)")
            .with_choices({"fast_sigmoid", "arctan", "triangle"}),
        positive("slope", 25, "slope k of the surrogate derivative (per unit of membrane, threshold 1)").with_max(1e4),
        positive("dt_ms", 1, "time step of the discrete-time LIF layer (ms): β = exp(−dt / tau_m_ms)"),
        positive("lr", 0.002, "Adam's learning rate").with_max(10),
        integer("epochs", 30, "passes over the training samples").with_min(1).with_max(100000),
        integer("batch", 16, "samples per gradient step").with_min(1).with_max(100000),
        ParamSpec("loss", ParamKind::string, "cross_entropy",
                  "loss of the linear readout of spike counts: cross_entropy, or mse against one-hot targets")
            .with_choices({"cross_entropy", "mse"}),
        positive("input_scale", 1,
                 "spread of the initial input weights relative to the default (1: the membrane's fluctuation starts "
                 "at the threshold's scale; lower: the network starts at lower rates)")
            .with_max(100),
        rnn::threads_param_spec()}},
      {"readout",
       {positive("l2", 1.0, "L2 penalty (l2 / 2)·|w|² of the logistic readout beside its summed log-loss (scikit-learn's C = 1 / l2)"),
        integer("newton_steps", 100, "Newton steps per class of the readout fit").with_min(1).with_max(1e4)}},
  };
}

double num(const Json& section, const char* key) { return section.at(key).get<double>(); }
int64_t whole(const Json& section, const char* key) { return section.at(key).get<int64_t>(); }

}  // namespace

const std::vector<std::pair<std::string, std::vector<ParamSpec>>>& snn_sections() {
  static const auto sections = make_sections();
  return sections;
}

SnnConfig resolve_snn_config(Json raw, const std::vector<std::string>& overrides, const std::string& context,
                             const std::string& override_source) {
  for (const auto& o : overrides) apply_override(raw, o, override_source);
  require(raw.is_object(), context + ": expected a table");
  std::string allowed = "seed";
  for (const auto& [name, specs] : snn_sections()) allowed += ", [" + name + "]";
  for (const auto& [key, value] : raw.items()) {
    bool known = key == "seed";
    for (const auto& [name, specs] : snn_sections()) known = known || key == name;
    require(known, context + ": unknown key '" + key + "'; allowed: " + allowed);
  }
  SnnConfig c;
  c.resolved = Json::object();
  c.resolved["seed"] = resolve_params(Json{{"seed", raw.value("seed", Json(0))}},
                                      {ParamSpec("seed", ParamKind::integer, 0, "seed").with_min(0)}, context)["seed"];
  c.seed = c.resolved["seed"].get<uint64_t>();
  for (const auto& [name, specs] : snn_sections()) {
    const Json given = raw.value(name, Json::object());
    require(given.is_object(), context + ": '" + name + "' must be a table [" + name + "]");
    c.resolved[name] = resolve_params(given, specs, context + " [" + name + "]");
  }

  const Json& n = c.resolved["network"];
  c.network = {whole(n, "n_excitatory"), whole(n, "n_inhibitory"), num(n, "p_ee"),        num(n, "p_ei"),
               num(n, "p_ie"),           num(n, "p_ii"),           num(n, "tau_m_ms"),    num(n, "tau_m_cv"),
               num(n, "v_rest_mv"),      num(n, "v_reset_mv"),     num(n, "v_threshold_mv"), num(n, "bias_mv"),
               num(n, "refractory_ms"),  num(n, "w_ee_max_init"),  num(n, "ee_gain_mv"),  num(n, "ei_mv"),
               num(n, "ie_mv"),          num(n, "ii_mv")};
  const Json& in = c.resolved["input"];
  c.input = {whole(in, "background_inputs"), num(in, "background_rate_hz"), num(in, "background_mv"),
             whole(in, "n_inputs"),          num(in, "p_input"),            num(in, "input_mv")};
  const Json& sim = c.resolved["simulation"];
  c.simulation = {num(sim, "dt_ms"), num(sim, "duration_ms"), num(sim, "segment_ms"), num(sim, "input_rate_hz")};
  const Json& s = c.resolved["stdp"];
  c.rule = s.at("rule").get<std::string>();
  const Json& g = c.resolved["surrogate"];
  c.surrogate = {g.at("function").get<std::string>(), num(g, "slope"),  num(g, "dt_ms"),
                 num(g, "lr"),  whole(g, "epochs"), whole(g, "batch"), g.at("loss").get<std::string>(),
                 num(g, "input_scale"), whole(g, "threads")};
  c.stdp = {num(s, "tau_plus_ms"), num(s, "tau_minus_ms"), num(s, "a_plus"), num(s, "a_minus"),
            num(s, "w_min"),       num(s, "w_max"),        c.rule == "het_stdp", num(s, "cv_a"),
            num(s, "cv_tau")};
  const Json& d = c.resolved["data"];
  c.data = {whole(d, "classes"),     whole(d, "train_samples"), whole(d, "test_samples"), num(d, "active_fraction"),
            num(d, "rate_on_hz"),    num(d, "rate_off_hz"),     num(d, "flip"),           num(d, "sample_ms"),
            num(d, "rest_ms"),       whole(d, "epochs")};
  c.pattern_seed = whole(d, "seed") < 0 ? c.seed : static_cast<uint64_t>(whole(d, "seed"));
  const Json& r = c.resolved["readout"];
  c.readout.l2 = num(r, "l2");
  c.readout.max_iterations = static_cast<int>(whole(r, "newton_steps"));

  // What one key's range cannot say.
  require(c.network.v_reset_mv < c.network.v_threshold_mv,
          context + " [network] v_reset_mv must be below v_threshold_mv, got " + std::to_string(c.network.v_reset_mv) +
              " >= " + std::to_string(c.network.v_threshold_mv));
  require(c.stdp.w_min <= c.stdp.w_max, context + " [stdp] w_min must be <= w_max, got " +
                                            std::to_string(c.stdp.w_min) + " > " + std::to_string(c.stdp.w_max));
  const double dt = c.simulation.dt_ms;
  require(c.input.background_rate_hz * dt * 1e-3 <= 1,
          context + " [input] background_rate_hz × dt must be at most one spike per step, got " +
              std::to_string(c.input.background_rate_hz) + " Hz at dt " + std::to_string(dt) + " ms");
  for (const auto& [key, value] : {std::pair<const char*, double>{"duration_ms", c.simulation.duration_ms},
                                   {"segment_ms", c.simulation.segment_ms}})
    require(value >= dt, context + " [simulation] " + key + " must be at least dt_ms (" + std::to_string(dt) +
                             "), got " + std::to_string(value));
  require(c.data.sample_ms >= dt, context + " [data] sample_ms must be at least [simulation] dt_ms (" +
                                      std::to_string(dt) + "), got " + std::to_string(c.data.sample_ms));
  if (c.rule == "surrogate") {
    // The surrogate layer draws each channel's spikes per step of its own dt.
    const double dt_g = c.surrogate.dt_ms;
    require(c.data.sample_ms >= dt_g, context + " [data] sample_ms must be at least [surrogate] dt_ms (" +
                                          std::to_string(dt_g) + "), got " + std::to_string(c.data.sample_ms));
    require(std::max(c.data.rate_on_hz, c.data.rate_off_hz) * dt_g * 1e-3 <= 1,
            context + " [data] rate_on_hz and rate_off_hz × [surrogate] dt_ms must be at most one spike per step, got " +
                std::to_string(std::max(c.data.rate_on_hz, c.data.rate_off_hz)) + " Hz at dt " + std::to_string(dt_g) +
                " ms");
  }
  return c;
}

std::string describe_snn_config() {
  std::string out = "seed (integer, default 0): seed of every random draw\n";
  for (const auto& [name, specs] : snn_sections()) out += "[" + name + "]\n" + describe_params(specs, "  ");
  return out;
}

}  // namespace rnnscope::snn
