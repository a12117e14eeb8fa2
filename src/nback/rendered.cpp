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
  const StimulusSet set(out.stimuli, data::load_fashion_mnist(data::Split::test, request.data_dir.empty() ? data::kFashionMnistDir : request.data_dir), request.seed);
  for (int id = 0; id < out.stimuli.n_identities(); ++id) out.exemplar_indices.push_back(set.exemplar_index(id));
  out.trials = generate_trials(out.stimuli, out.config, tasks, request.views, request.seed, 0, request.trials);
  const int64_t side = out.stimuli.canvas_size(), frame_size = side * side;
  out.frames.resize(static_cast<size_t>(request.trials * out.config.frames * frame_size));
  float* frame = out.frames.data();
  for (const Trial& trial : out.trials) {
    for (size_t f = 0; f < trial.objects.size(); ++f, frame += frame_size) set.render(trial.objects[f], trial.views[f], frame);
  }
  return out;
}

}  // namespace rnnscope::nback
