// `snn train` and `snn eval` with rule "surrogate" (requests/snn.h, docs/snn.md
// "Surrogate-gradient training"): a discrete-time recurrent LIF layer run by the fused kernel
// (engine/lif_kernel.h) and a linear readout of its spike counts, trained together by BPTT with
// the trainer's Adam (FusedAdam) on Poisson spike trains of the STDP rules' patterns
// (snn/patterns.h), and read per time segment on the test samples.
#include "rnnscope/requests/snn.h"

#include "engine/lif_kernel.h"
#include "requests/snn_internal.h"
#include "training/fused_adam_internal.h"
#include "training/run_parts.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/hdf5_io.h"
#include "rnnscope/core/rng.h"
#include "rnnscope/runs/run_directory.h"
#include "rnnscope/snn/patterns.h"
#include "rnnscope/snn/segments.h"

#include <chrono>
#include <cmath>
#include <numeric>

namespace rnnscope::requests {
namespace {

using Clock = std::chrono::steady_clock;

// Spike trains [steps, samples, n_inputs] of the samples `index` of `set`: channel c of sample
// s spikes in a step with probability rate · dt, drawn from the stream (seed, `stream`,
// offset + s), so a sample's train depends on neither its batch nor its place in one.
torch::Tensor poisson_spikes(const snn::PatternSet& set, const std::vector<int64_t>& index, int64_t n_inputs,
                             int64_t steps, double dt_ms, uint64_t seed, const std::string& stream, uint64_t offset) {
  const auto batch = static_cast<int64_t>(index.size());
  torch::Tensor out = torch::zeros({steps, batch, n_inputs});
  float* p = out.data_ptr<float>();
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t s = index[static_cast<size_t>(b)];
    Rng rng = Rng::derive(seed, stream, offset + static_cast<uint64_t>(s));
    const float* hz = set.rates_hz.data() + s * n_inputs;
    for (int64_t t = 0; t < steps; ++t)
      for (int64_t c = 0; c < n_inputs; ++c)
        p[(t * batch + b) * n_inputs + c] = rng.bernoulli(hz[c] * dt_ms * 1e-3) ? 1.0F : 0.0F;
  }
  return out;
}

// A tensor of `shape` with independent N(0, std²) entries from the stream (seed, `stream`).
torch::Tensor normal_tensor(const std::vector<int64_t>& shape, double std, uint64_t seed, const std::string& stream) {
  torch::Tensor out = torch::empty(shape);
  Rng rng = Rng::derive(seed, stream);
  float* p = out.data_ptr<float>();
  for (int64_t i = 0; i < out.numel(); ++i) p[i] = static_cast<float>(rng.normal(0, std));
  return out;
}

// The trained parameters: the LIF layer's (lif_kernel.h) and the readout's, scores = counts · w_outᵀ + b_out.
struct SurrogateNet {
  torch::Tensor w_in, w_rec, b, w_out, b_out;
  std::vector<torch::Tensor> parameters() const { return {w_in, w_rec, b, w_out, b_out}; }
};

// Initial weights. The input weights' scale puts the membrane's fluctuation at the patterns'
// mean rate near the threshold's scale (1): a sum of n_in·r̄·dt input spikes per step with
// weights of spread σ, leaking with β, has variance σ²·n_in·r̄·dt / (1 − β²). The recurrent and
// readout weights are N(0, 1/N): a neuron's recurrent drive has the variance of one neuron's
// spike probability per step, and a readout score starts at the scale of the counts' spread.
// [surrogate] input_scale multiplies the input weights' spread (lower: lower initial rates).
SurrogateNet initial_net(const snn::SnnConfig& c, double beta) {
  const int64_t n = c.network.n_excitatory + c.network.n_inhibitory, n_in = c.input.n_inputs;
  const double mean_hz = c.data.active_fraction * c.data.rate_on_hz + (1 - c.data.active_fraction) * c.data.rate_off_hz;
  const double inputs_per_step = std::max(static_cast<double>(n_in) * mean_hz * c.surrogate.dt_ms * 1e-3, 1e-3);
  const double in_std = c.surrogate.input_scale * std::sqrt((1 - beta * beta) / inputs_per_step);
  const double unit_std = 1 / std::sqrt(static_cast<double>(n));
  SurrogateNet net{normal_tensor({n, n_in}, in_std, c.seed, "snn/surrogate/w_in"),
                   normal_tensor({n, n}, unit_std, c.seed, "snn/surrogate/w_rec"), torch::zeros({n}),
                   normal_tensor({c.data.classes, n}, unit_std, c.seed, "snn/surrogate/w_out"),
                   torch::zeros({c.data.classes})};
  for (torch::Tensor& p : net.parameters()) p.requires_grad_(true);
  return net;
}

bool gradients_finite(const SurrogateNet& net) {
  for (const torch::Tensor& p : net.parameters())
    if (!torch::isfinite(p.grad()).all().item<bool>()) return false;
  return true;
}

// `workspace` keeps the kernel's membranes (64 MB at the benchmark's size) from one batch to the
// next instead of having them mapped and zeroed anew each time (engine_internal.h).
torch::Tensor spike_counts(const SurrogateNet& net, rnn::Workspace& workspace, const torch::Tensor& inputs,
                           const rnn::LifDynamics& dynamics) {
  return rnn::lif_spike_counts(rnn::Engine::fused, workspace, inputs, net.w_in, net.w_rec, net.b, dynamics).counts;
}

torch::Tensor loss_of(const torch::Tensor& scores, const torch::Tensor& labels, const std::string& loss) {
  if (loss == "cross_entropy") return torch::nn::functional::cross_entropy(scores, labels);
  const torch::Tensor target = torch::one_hot(labels, scores.size(1)).to(scores.scalar_type());
  return torch::mse_loss(scores, target);
}

torch::Tensor labels_of(const snn::PatternSet& set, const std::vector<int64_t>& index) {
  torch::Tensor out = torch::empty({static_cast<int64_t>(index.size())}, torch::kInt64);
  for (size_t b = 0; b < index.size(); ++b)
    out[static_cast<int64_t>(b)] = static_cast<int64_t>(set.labels[static_cast<size_t>(index[b])]);
  return out;
}

// A permutation of 0 … n−1 from the stream (seed, "snn/surrogate/order", epoch) (Fisher–Yates).
std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  Rng rng = Rng::derive(seed, "snn/surrogate/order", static_cast<uint64_t>(epoch));
  for (int64_t i = n - 1; i > 0; --i) std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(rng.integer(i + 1))]);
  return order;
}

// One draw of every sample's spike train (stream `stream`) for the frozen network, in batches of
// `batch`, in order: `use(inputs [steps, batch, n_inputs])` for each, without autograd.
template <class Use>
void frozen_batches(const snn::PatternSet& set, const snn::SnnConfig& c, int64_t steps, const std::string& stream,
                    const Use& use) {
  torch::NoGradGuard no_grad;
  const auto samples = static_cast<int64_t>(set.labels.size());
  for (int64_t start = 0; start < samples; start += c.surrogate.batch) {
    std::vector<int64_t> index(static_cast<size_t>(std::min(c.surrogate.batch, samples - start)));
    std::iota(index.begin(), index.end(), start);
    const torch::Tensor inputs =
        poisson_spikes(set, index, c.input.n_inputs, steps, c.surrogate.dt_ms, c.seed, stream, 0);
    use(inputs);
  }
}

// The frozen network's spike counts [samples, N] (frozen_batches).
torch::Tensor frozen_counts(const SurrogateNet& net, rnn::Workspace& workspace, const snn::PatternSet& set,
                            const snn::SnnConfig& c, const rnn::LifDynamics& dynamics, int64_t steps,
                            const std::string& stream) {
  std::vector<torch::Tensor> parts;
  frozen_batches(set, c, steps, stream,
                 [&](const torch::Tensor& inputs) { parts.push_back(spike_counts(net, workspace, inputs, dynamics)); });
  return torch::cat(parts);
}

// The layer's dynamics and steps per sample under `c`.
rnn::LifDynamics dynamics_of(const snn::SnnConfig& c) {
  const snn::SurrogateParams& g = c.surrogate;
  return {std::exp(-g.dt_ms / c.network.tau_m_ms), 1.0, rnn::parse_surrogate(g.function), g.slope};
}
int64_t steps_per_sample(const snn::SnnConfig& c) {
  return std::max<int64_t>(1, std::llround(c.data.sample_ms / c.surrogate.dt_ms));
}

// A stored array as a float tensor of its shape.
torch::Tensor stored(const std::string& path, const std::string& name) {
  const h5::Array a = h5::read_array(path, name);
  return torch::tensor(a.data, torch::kFloat64).reshape(a.shape).to(torch::kFloat32);
}

constexpr const char* kTestStream = "snn/surrogate/eval/test";

std::vector<double> flat(const torch::Tensor& t) {
  const torch::Tensor d = t.detach().to(torch::kFloat64).contiguous();
  return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}

std::vector<int64_t> labels_vector(const snn::PatternSet& set) {
  return std::vector<int64_t>(set.labels.begin(), set.labels.end());
}

double accuracy(const SurrogateNet& net, const torch::Tensor& counts, const snn::PatternSet& set) {
  torch::NoGradGuard no_grad;
  const torch::Tensor predicted = torch::linear(counts, net.w_out, net.b_out).argmax(1);
  const torch::Tensor labels = torch::tensor(labels_vector(set));
  return (predicted == labels).to(torch::kFloat64).mean().item<double>();
}

}  // namespace

Json run_snn_train_surrogate(const SnnTrainRequest& req) {
  const snn::SnnConfig c = load_snn_config(req.source, req.door);
  require(c.rule == "surrogate", "run_snn_train_surrogate trains stdp.rule = \"surrogate\", got \"" + c.rule + "\"");
  const ClaimedSnnRun run = claim_snn_run(req, c);
  const auto start = Clock::now();
  const int64_t threads = rnn::use_threads(c.surrogate.threads);

  const snn::SurrogateParams& g = c.surrogate;
  const rnn::LifDynamics dynamics = dynamics_of(c);
  const double beta = dynamics.beta;
  const int64_t steps = steps_per_sample(c);
  const snn::PatternSet train = snn::make_patterns(c.data, c.input.n_inputs, "train", c.pattern_seed);
  const snn::PatternSet test = snn::make_patterns(c.data, c.input.n_inputs, "test", c.pattern_seed);
  const auto n_train = static_cast<int64_t>(train.labels.size());

  SurrogateNet net = initial_net(c, beta);
  rnn::Workspace workspace;
  rnn::FusedAdam adam(net.parameters(), torch::optim::AdamOptions(g.lr));
  const int64_t n = net.w_rec.size(0), n_in = c.input.n_inputs;
  std::vector<double> epoch_loss, epoch_rate_hz, epoch_seconds;
  int64_t gradient_steps = 0;
  for (int64_t epoch = 0; epoch < g.epochs; ++epoch) {
    const auto epoch_start = Clock::now();
    const std::vector<int64_t> order = epoch_order(n_train, c.seed, epoch);
    double total = 0, spikes = 0;
    for (int64_t first = 0; first < n_train; first += g.batch) {
      const std::vector<int64_t> index(order.begin() + first, order.begin() + std::min(first + g.batch, n_train));
      // Each epoch draws new spike trains of the same samples.
      const torch::Tensor inputs = poisson_spikes(train, index, c.input.n_inputs, steps, g.dt_ms, c.seed,
                                                  "snn/surrogate/train", static_cast<uint64_t>(epoch * n_train));
      adam.zero_grad();
      const torch::Tensor counts = spike_counts(net, workspace, inputs, dynamics);
      const torch::Tensor scores = torch::linear(counts, net.w_out, net.b_out);
      const torch::Tensor loss = loss_of(scores, labels_of(train, index), g.loss);
      loss.backward();
      // A surrogate too steep for the recurrence makes δ grow through time until it overflows;
      // Adam would turn the infinities into NaN weights, and a NaN membrane never spikes: a
      // silent network that reports a finite loss.
      require(gradients_finite(net), "snn train (surrogate): the gradients overflowed in epoch " +
                                         std::to_string(epoch + 1) + " (they grow through time at surrogate.slope " +
                                         Json(g.slope).dump() + "); lower surrogate.slope");
      adam.step();
      total += loss.item<double>() * static_cast<double>(index.size());
      spikes += counts.sum().item<double>();
      ++gradient_steps;
    }
    epoch_loss.push_back(total / static_cast<double>(n_train));
    epoch_rate_hz.push_back(spikes / static_cast<double>(n * n_train * steps) / (g.dt_ms * 1e-3));
    epoch_seconds.push_back(std::chrono::duration<double>(Clock::now() - epoch_start).count());
    require(std::isfinite(epoch_loss.back()), "snn train (surrogate): the loss diverged in epoch " +
                                                  std::to_string(epoch + 1) + "; lower surrogate.lr (now " +
                                                  std::to_string(g.lr) + ")");
  }
  const double train_seconds = std::chrono::duration<double>(Clock::now() - start).count();

  const torch::Tensor train_counts =
      frozen_counts(net, workspace, train, c, dynamics, steps, "snn/surrogate/eval/train");
  const torch::Tensor test_counts = frozen_counts(net, workspace, test, c, dynamics, steps, kTestStream);
  const double train_accuracy = accuracy(net, train_counts, train);
  const double test_accuracy = accuracy(net, test_counts, test);
  const double shown_s = static_cast<double>(train_counts.size(0) + test_counts.size(0)) *
                         static_cast<double>(steps) * g.dt_ms * 1e-3;
  const double rate_hz =
      (train_counts.sum().item<double>() + test_counts.sum().item<double>()) / static_cast<double>(n) / shown_s;

  Record record;
  record.add("w_in", {n, n_in}, flat(net.w_in));
  record.add("w_rec", {n, n}, flat(net.w_rec));
  record.add("bias", {n}, flat(net.b));
  record.add("readout_weight", {c.data.classes, n}, flat(net.w_out));
  record.add("readout_bias", {c.data.classes}, flat(net.b_out));
  record.add("loss", {g.epochs}, epoch_loss);
  record.add("rate_hz", {g.epochs}, epoch_rate_hz);
  record.add("epoch_seconds", {g.epochs}, epoch_seconds);
  record.add("train_counts", {train_counts.size(0), n}, flat(train_counts));
  record.add("train_labels", {n_train}, labels_vector(train));
  record.add("test_counts", {test_counts.size(0), n}, flat(test_counts));
  record.add("test_labels", {test_counts.size(0)}, labels_vector(test));
  record.attributes["rule"] = c.rule;
  record.attributes["seed"] = static_cast<int64_t>(c.seed);
  record.attributes["beta"] = beta;
  record.attributes["steps"] = steps;
  record.attributes["version"] = RNNSCOPE_VERSION;
  write_record(run.dir.snn_path(), record);

  Json summary = snn_summary(c, train_accuracy, test_accuracy);
  summary["loss_final"] = epoch_loss.back();
  summary["rate_hz"] = rate_hz;
  summary["beta"] = beta;
  summary["steps"] = steps;
  summary["gradient_steps"] = gradient_steps;
  summary["threads"] = threads;
  summary["train_seconds"] = train_seconds;
  summary["seconds"] = std::chrono::duration<double>(Clock::now() - start).count();
  run.dir.write_summary(summary);
  return summary;
}

Record run_snn_eval_surrogate(const SnnEvalRequest& req) {
  const snn::SnnConfig c = load_snn_eval_run(req);
  require(c.rule == "surrogate", "run_snn_eval_surrogate evaluates stdp.rule = \"surrogate\", got \"" + c.rule + "\"");
  rnn::use_threads(c.surrogate.threads);
  const std::string weights = runs::RunDirectory(req.run).snn_path();
  const SurrogateNet net{stored(weights, "w_in"), stored(weights, "w_rec"), stored(weights, "bias"),
                         stored(weights, "readout_weight"), stored(weights, "readout_bias")};
  const int64_t n = net.w_rec.size(0), steps = steps_per_sample(c);
  require(net.w_in.sizes() == torch::IntArrayRef{n, c.input.n_inputs} && net.w_out.size(0) == c.data.classes,
          weights + ": the weights' shapes do not match the run's config");
  const snn::PatternSet test = snn::make_patterns(c.data, c.input.n_inputs, "test", c.pattern_seed);
  std::vector<snn::SegmentedSpikes> segmented;
  std::vector<double> scores;
  // The same spike trains as the run's /test_counts.
  const rnn::LifDynamics dynamics = dynamics_of(c);
  rnn::Workspace workspace;
  frozen_batches(test, c, steps, kTestStream, [&](const torch::Tensor& inputs) {
    const torch::Tensor spikes =
        rnn::lif_sequence(rnn::Engine::fused, workspace, inputs, net.w_in, net.w_rec, net.b, dynamics).spikes;
    const torch::Tensor events = spikes.nonzero();  // [spikes, 3]: step, sample in the batch, neuron
    const int64_t batch = spikes.size(1);
    std::vector<std::vector<int64_t>> step(static_cast<size_t>(batch));
    std::vector<std::vector<int32_t>> neuron(static_cast<size_t>(batch));
    const auto e = events.accessor<int64_t, 2>();
    for (int64_t k = 0; k < e.size(0); ++k) {
      step[static_cast<size_t>(e[k][1])].push_back(e[k][0]);
      neuron[static_cast<size_t>(e[k][1])].push_back(static_cast<int32_t>(e[k][2]));
    }
    for (int64_t b = 0; b < batch; ++b)
      segmented.push_back(snn::segment_spikes(step[static_cast<size_t>(b)], neuron[static_cast<size_t>(b)], steps, n,
                                              req.segments, c.surrogate.dt_ms, req.trace_ms));
    const torch::Tensor s = torch::linear(spikes.sum(0), net.w_out, net.b_out).to(torch::kFloat64).contiguous();
    scores.insert(scores.end(), s.data_ptr<double>(), s.data_ptr<double>() + s.numel());
  });
  return snn_eval_record(req, c, test, n, steps, c.surrogate.dt_ms, segmented, scores);
}

}  // namespace rnnscope::requests
