// Benchmark of one training step (forward + backward + Adam) of rnnscope's recurrent models,
// or of the GEMM floor of that step. A worker: after setup, every line "run" on stdin times
// K steps and prints one JSON line; bench/run_bench.py drives it interleaved with the
// PyTorch peers (bench/peers.py, the same protocol) and writes bench/RESULTS.md.
//
//   bench_engine --model ctrnn|gru|lstm --units N --batch B --steps T
//                [--engine fused|reference] [--iters K] [--threads P] [--replicas R] [--floor]
//
// Model mode: builds the model and optimiser as `rnnscope train` does (ctrnn: relu, tau 100 ms, dt 20 ms,
// noise 0.05), times K training steps on random inputs/targets (MSE loss; one warm-up step
// before the first "run"), and reports each step's time and the peak resident memory the
// steps added so far (VmHWM now − VmHWM before the first step).
// Floor mode: times exactly the matrix products such a step must do — the input projection,
// T recurrent products forward and T backward, the weight gradients over all T·B rows and the
// readout forward and backward — calling the same BLAS the engine calls.
// --replicas R (ctrnn): R networks trained at once (train.replicas), the loss summed over
// them; the floor then does those products for each of the R networks, on R networks' buffers.
#include "training/fused_adam_internal.h"
#include "training/loss_internal.h"
#include "models/model_internal.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/params.h"
#include "rnnscope/linalg/gemm.h"
#include "rnnscope/models/registry.h"

#include <ATen/Parallel.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <string>

namespace {

using namespace rnnscope;
using Clock = std::chrono::steady_clock;

constexpr int64_t kInputs = 16, kOutputs = 8;

struct Options {
  std::string model = "ctrnn", engine = "fused";
  int64_t units = 64, batch = 32, steps = 200, iters = 5, threads = 1, replicas = 1;
  bool floor = false;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      require(i + 1 < argc, a + " needs a value");
      return argv[++i];
    };
    if (a == "--model") o.model = value();
    else if (a == "--engine") o.engine = value();
    else if (a == "--units") o.units = std::stoll(value());
    else if (a == "--batch") o.batch = std::stoll(value());
    else if (a == "--steps") o.steps = std::stoll(value());
    else if (a == "--iters") o.iters = std::stoll(value());
    else if (a == "--threads") o.threads = std::stoll(value());
    else if (a == "--replicas") o.replicas = std::stoll(value());
    else if (a == "--floor") o.floor = true;
    else throw Error("unknown argument " + a);
  }
  return o;
}

double peak_rss_mb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

// Row-major C[m, n] (+)= op(A) op(B) through the engine's own wrapper (float beta, so that
// literal 0 and 1 convert).
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
          float beta, float* c, int64_t ldc) {
  linalg::gemm<float>(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
}

std::string json_list(const std::vector<double>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
  return out + "]";
}

// Answers every "run" line on stdin with {"step_seconds": [...], "peak_mb": ...}.
template <class Step>
void serve(const Options& o, const Step& step) {
  const double rss_before = peak_rss_mb();
  step();  // warm-up
  std::cout << "ready" << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line != "run") continue;
    std::vector<double> times;
    for (int64_t it = 0; it < o.iters; ++it) {
      const auto start = Clock::now();
      step();
      times.push_back(seconds(start, Clock::now()));
    }
    std::cout << "{\"step_seconds\": " << json_list(times) << ", \"peak_mb\": " << (peak_rss_mb() - rss_before)
              << "}" << std::endl;
  }
}

void serve_floor(const Options& o) {
  const int64_t T = o.steps, B = o.batch, N = o.units, R = o.replicas;
  const int64_t G = o.model == "gru" ? 3 : o.model == "lstm" ? 4 : 1, GN = G * N;
  // Every replica has its own weights and [T·B, ·] buffers (the inputs are shared): the floor
  // reads them from where a step of R networks must.
  const auto f = [R](std::initializer_list<int64_t> s) {
    std::vector<int64_t> shape{R};
    shape.insert(shape.end(), s.begin(), s.end());
    return at::randn(shape);
  };
  auto u = at::randn({T * B, kInputs}), w_ih = f({GN, kInputs}), w_hh = f({GN, N}), pre = f({T * B, GN});
  // W_hhᵀ stored, as the ctrnn kernel stores W_recᵀ: the recurrent products in their faster,
  // untransposed BLAS form (its transposition is part of the step). The recurrent products
  // run replica by replica, each replica's weights staying in L1 over its T steps: measured
  // 3% faster than stepping all replicas at each time step (100 replicas × 50 units × batch 20,
  // T = 100), so the floor takes that order.
  auto w_hh_t = f({N, GN});
  auto h = f({T * B, N}), dh = f({B, N}), dw_hh = f({GN, N}), dw_ih = f({GN, kInputs}), w_out = f({kOutputs, N});
  auto y = f({T * B, kOutputs}), dw_out = f({kOutputs, N}), dhs = f({T * B, N});
  // Replica r's block of a [R, …] buffer.
  auto p = [](at::Tensor& t, int64_t r) { return t.data_ptr<float>() + r * (t.numel() / t.size(0)); };
  float* up = u.data_ptr<float>();
  serve(o, [&] {
    for (int64_t r = 0; r < R; ++r) {
      gemm(false, true, T * B, GN, kInputs, up, kInputs, p(w_ih, r), kInputs, 1, p(pre, r), GN);
    }
    w_hh_t.copy_(w_hh.transpose(1, 2));
    for (int64_t r = 0; r < R; ++r) {
      for (int64_t t = 0; t < T; ++t) {
        gemm(false, false, B, GN, N, p(h, r) + t * B * N, N, p(w_hh_t, r), GN, 1, p(pre, r) + t * B * GN, GN);
      }
    }
    for (int64_t r = 0; r < R; ++r) {
      gemm(false, true, T * B, kOutputs, N, p(h, r), N, p(w_out, r), N, 0, p(y, r), kOutputs);
      gemm(true, false, kOutputs, N, T * B, p(y, r), kOutputs, p(h, r), N, 0, p(dw_out, r), N);
      gemm(false, false, T * B, N, kOutputs, p(y, r), kOutputs, p(w_out, r), N, 0, p(dhs, r), N);
    }
    for (int64_t r = 0; r < R; ++r) {
      for (int64_t t = 0; t < T; ++t) {
        gemm(false, false, B, N, GN, p(pre, r) + t * B * GN, GN, p(w_hh, r), N, 1, p(dh, r), N);
      }
    }
    for (int64_t r = 0; r < R; ++r) {
      gemm(true, false, GN, N, T * B, p(pre, r), GN, p(h, r), N, 0, p(dw_hh, r), N);
      gemm(true, false, GN, kInputs, T * B, p(pre, r), GN, up, kInputs, 0, p(dw_ih, r), kInputs);
    }
  });
}

void serve_model(const Options& o) {
  tasks::TaskInfo info;
  info.name = "bench";
  info.inputs.push_back(tasks::ChannelGroup{"u", kInputs, "random input"});
  info.outputs.push_back(tasks::ChannelGroup{"y", kOutputs, "random target"});
  info.loss = tasks::LossKind::mse;
  Json raw{{"type", o.model}, {"engine", o.engine}, {"units", o.units}};
  if (o.model == "ctrnn") raw.update(Json{{"noise", 0.05}, {"tau", 100.0}});
  const Json model_config = models::resolve(raw, "bench [model]");
  auto model = rnn::make_model(model_config, info, 20.0, 1, o.replicas);
  // As the trainer sets it for a task's loss, which reads no states (Objective::uses_states).
  model->set_training_states(false);
  rnn::FusedAdam adam(model->parameters(), torch::optim::AdamOptions(1e-4));
  const auto inputs = at::randn({o.steps, o.batch, kInputs}), targets = at::randn({o.steps, o.batch, kOutputs});
  const auto noise = at::randn({o.steps, o.batch, o.units}), mask = at::ones({o.steps, o.batch});
  serve(o, [&] {
    const auto out = model->run(inputs, noise);
    // One loss per replica, summed, as the trainer does.
    const auto loss = rnn::task_loss(tasks::LossKind::mse, out.outputs, targets, mask).sum();
    adam.zero_grad();
    loss.backward();
    adam.step();
  });
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse(argc, argv);
    at::set_num_threads(static_cast<int>(o.threads));
    if (o.floor) {
      serve_floor(o);
    } else {
      serve_model(o);
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_engine: " << e.what() << "\n";
    return 2;
  }
}
