// Rendered N-back trials from declared options (include/rnnscope/nback/rendered.h).
#include "rnnscope/nback/rendered.h"

#include "rnnscope/core/error.h"

namespace rnnscope::nback {

RenderedSequences render_sequences(const SequenceRequest& request) {
  constexpr int64_t kMaxTrials = 100000;
  require(request.trials >= 1 && request.trials <= kMaxTrials,
          "nback sequences: trials = " + std::to_string(request.trials) + ", allowed 1.." + std::to_string(kMaxTrials));
  RenderedSequences out;
  out.stimuli = StimulusConfig::from_params(resolve_params(request.stimuli, stimulus_params(), "stimuli"));
  out.config = SequenceConfig::from_params(resolve_params(request.sequences, sequence_params(), "nback"));
  std::vector<NBackTask> tasks;
  for (const std::string& name : request.tasks) tasks.push_back(task_named(name));
  if (tasks.empty()) tasks = all_tasks();
  // The rendered frames are float32: refuse a request past 1 GiB before drawing anything.
  constexpr int64_t kMaxFrameBytes = int64_t{1} << 30;
  const int64_t side = out.stimuli.canvas_size(), frame_size = side * side;
  const int64_t bytes = request.trials * out.config.frames * frame_size * static_cast<int64_t>(sizeof(float));
  if (bytes > kMaxFrameBytes) {
    throw Error("nback sequences: " + std::to_string(request.trials) + " trials of " + std::to_string(out.config.frames) +
                    " frames of " + std::to_string(side) + " x " + std::to_string(side) + " pixels need " +
                    std::to_string(bytes >> 20) + " MiB, more than the 1024 MiB allowed; ask for fewer trials",
                Error::Kind::memory_limit);
  }
  const std::string dir = request.data_dir.empty() ? data::kFashionMnistDir : request.data_dir;
  const StimulusSet set(out.stimuli, data::load_fashion_mnist(data::Split::test, dir), request.seed);
  for (int id = 0; id < out.stimuli.n_identities(); ++id) out.exemplar_indices.push_back(set.exemplar_index(id));
  out.trials = generate_trials(out.stimuli, out.config, tasks, request.views, request.seed, 0, request.trials);
  out.frames.resize(static_cast<size_t>(request.trials * out.config.frames * frame_size));
  float* frame = out.frames.data();
  for (const Trial& trial : out.trials) {
    for (size_t f = 0; f < trial.objects.size(); ++f, frame += frame_size) set.render(trial.objects[f], trial.views[f], frame);
  }
  return out;
}

}  // namespace rnnscope::nback
