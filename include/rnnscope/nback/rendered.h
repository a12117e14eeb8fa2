// N-back trials with their frames rendered, from declared options: what `rnnscope.nback.
// sequences` shows a user (docs/nback.md), and the reference a data source of pre-rendered
// views will be checked against.
#pragma once

#include "rnnscope/nback/sequences.h"

#include <string>
#include <vector>

namespace rnnscope::nback {

struct SequenceRequest {
  Json stimuli = Json::object();    // [stimuli] keys (stimulus_params()); defaults for those absent
  Json sequences = Json::object();  // [nback] keys (sequence_params())
  std::vector<std::string> tasks;   // task names; empty = all nine
  ViewKind views = ViewKind::training;
  uint64_t seed = 0;                // exemplars and trials
  int64_t trials = 1;
  std::string data_dir;  // where the Fashion-MNIST files are; "" = data::kFashionMnistDir
};

struct RenderedSequences {
  StimulusConfig stimuli;
  SequenceConfig config;
  std::vector<Trial> trials;
  std::vector<int64_t> exemplar_indices;  // per identity, into the Fashion-MNIST test split
  std::vector<float> frames;              // [trials, frames, canvas, canvas], values in [0, 1]
};

// Exemplars come from Fashion-MNIST's test split (10000 images), so a perceptual network
// pretrained on the training split has never seen the identities. Errors: the options'
// (unknown keys, values out of range), unknown task names, trials < 1 or above 100000, frames
// that would take more than 1 GiB (Kind::memory_limit), and those of StimulusSet and
// generate_trials.
RenderedSequences render_sequences(const SequenceRequest& request);

}  // namespace rnnscope::nback
