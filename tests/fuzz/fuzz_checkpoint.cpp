// Fuzzes the checkpoint reader behind `rnnscope train --resume`. A checkpoint is a LibTorch
// archive (a zip of pickles, CRC-checked): mutated bytes almost never get past LibTorch's
// container to our part, the reading of the trainer's state. So the input mostly describes a
// checkpoint — which entries the writer puts in, with what type, shape and values, and the
// size of the model it saved — the harness writes it as LibTorch does, optionally truncates
// it or flips a byte, and loads it as resume does. One input in four is raw bytes. Anything
// but a clean rnnscope::Error, or a loaded state the trainer could not continue from, is a
// finding. LibTorch (uninstrumented, from the release build) is not what is fuzzed here.
#include "fuzz_file.h"

#include "training/checkpoint_internal.h"
#include "training/fused_adam_internal.h"
#include "training/run_parts.h"

#include "rnnscope/core/error.h"
#include "rnnscope/training/run_config.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>

using namespace rnnscope;

namespace {

rnn::RunParts tiny_run(int64_t units) {
  const Json config{{"seed", 1},
                    {"task", {{"name", "perceptual_dm"}}},
                    {"model", {{"units", units}}},
                    {"train", {{"threads", 1}}}};
  return rnn::build_run(rnn::resolve_run_config(config, "fuzz"));
}

std::unique_ptr<torch::optim::Optimizer> optimizer_of(rnn::RecurrentModel& model) {
  return std::make_unique<rnn::FusedAdam>(model.parameters(), torch::optim::AdamOptions(0.01));
}

// A value as the trainer writes them (small counts, seconds, accuracies) or anything a
// double can be, NaN and infinities included.
double value(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0: return in.ConsumeIntegralInRange(-2, 40);
    case 1: return in.ConsumeProbability<double>();
    case 2: return in.PickValueInArray({std::numeric_limits<double>::quiet_NaN(),
                                        std::numeric_limits<double>::infinity(), -1e300, 1e300, 9.3e18, -0.0});
    default: return in.ConsumeFloatingPoint<double>();
  }
}

// One trainer entry: absent, or a tensor whose type, shape and values the input chooses.
void write_entry(torch::serialize::OutputArchive& archive, const char* key, FuzzedDataProvider& in) {
  const int kind = in.ConsumeIntegralInRange(0, 5);
  if (kind == 0) return;
  const int64_t length = in.ConsumeIntegralInRange<int64_t>(0, 12);
  std::vector<double> values;
  for (int64_t i = 0; i < length; ++i) values.push_back(value(in));
  auto t = torch::tensor(values.empty() ? std::vector<double>{} : values, torch::kFloat64);
  if (kind == 2) t = t.to(torch::kFloat32);
  if (kind == 3) t = t.nan_to_num().clamp(-1e9, 1e9).to(torch::kInt64);
  if (kind == 4 && length % 2 == 0) t = t.reshape({2, length / 2});
  archive.write(key, t);
}

void write_described_checkpoint(const std::string& path, FuzzedDataProvider& in) {
  // Mostly the model the reader expects; sometimes another size (a checkpoint of another config).
  auto writer = tiny_run(in.PickValueInArray({3, 3, 3, 4}));
  torch::serialize::OutputArchive archive;
  if (in.ConsumeBool()) writer.model->save(archive);
  if (in.ConsumeBool()) {
    torch::serialize::OutputArchive optim_archive;
    optimizer_of(*writer.model)->save(optim_archive);
    archive.write("optimizer", optim_archive);
  }
  for (const char* key : {"trainer.scalars", "trainer.replicas", "trainer.last_accuracy", "trainer.history_step",
                          "trainer.history_loss", "trainer.history_accuracy", "trainer.history_train_loss",
                          "trainer.history_wall_seconds"}) {
    write_entry(archive, key, in);
  }
  archive.save_to(path);
  // Then what a disk or a copy can do to it: cut it short or change one byte.
  const int damage = in.ConsumeIntegralInRange(0, 3);
  if (damage == 0) return;
  std::string bytes;
  {
    std::ifstream file(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(file), {});
  }
  if (bytes.empty()) return;
  const size_t at = in.ConsumeIntegralInRange<size_t>(0, bytes.size() - 1);
  if (damage == 1) {
    bytes.resize(at);
  } else {
    bytes[at] = static_cast<char>(bytes[at] ^ in.ConsumeIntegralInRange(1, 255));
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// What the trainer relies on when it continues from a loaded state.
void require_continuable(const rnn::TrainState& s, int64_t replicas) {
  const auto& h = s.history;
  const size_t evaluations = h.step.size();
  const bool ok = s.step >= 0 && s.steps_since_eval >= 0 && s.steps_since_eval <= s.step &&
                  std::isfinite(s.train_seconds) && std::isfinite(s.eval_seconds) &&
                  s.loss_sum_since_eval.size() == size_t(replicas) &&
                  std::all_of(s.loss_sum_since_eval.begin(), s.loss_sum_since_eval.end(),
                              [](double l) { return std::isfinite(l); }) &&
                  h.replicas == replicas &&
                  s.last_accuracy.size() == size_t(replicas) && h.loss.size() == evaluations * replicas &&
                  h.accuracy.size() == evaluations * replicas && h.train_loss.size() == evaluations * replicas &&
                  h.wall_seconds.size() == evaluations;
  if (!ok) {
    std::fprintf(stderr, "a checkpoint loaded into a state the trainer cannot continue from (step %lld)\n",
                 static_cast<long long>(s.step));
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::FuzzFile file("checkpoint.pt");  // one file per process: the fuzzer's loop is hot
  FuzzedDataProvider in(data, size);
  if (in.ConsumeIntegralInRange(0, 3) == 0) {
    const auto bytes = in.ConsumeRemainingBytes<uint8_t>();
    file.write(bytes.data(), bytes.size());
  } else {
    write_described_checkpoint(file.path(), in);
  }
  auto reader = tiny_run(3);
  auto optimizer = optimizer_of(*reader.model);
  try {
    require_continuable(rnn::load_checkpoint(file.path(), *reader.model, *optimizer), reader.model->replicas());
  } catch (const Error&) {
  }
  return 0;
}
