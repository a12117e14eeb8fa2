// The nine N-back tasks of Lei, Ito & Bashivan (NeurIPS 2024) — {location, identity, category}
// × {1, 2, 3}-back — and their trials: a sequence of frames (objects under views), the task
// and the answer on every frame: match or non-match of the task's feature with the frame N
// back, no-action on the first N frames.
//
// Unlike the tasks of src/tasks/ (input channels over time steps, built by the TrialBuilder),
// an N-back frame is an image for a perceptual front end, so the trials here are objects and
// views that a data source renders or looks up in a bank of pre-computed features.
#pragma once

#include "rnnscope/nback/stimuli.h"

#include <cstdint>
#include <string>
#include <vector>

namespace rnnscope::nback {

enum class Feature { location, identity, category };

struct NBackTask {
  Feature feature = Feature::location;
  int n = 1;  // 1, 2 or 3
  // "location_1back", …, "category_3back".
  std::string name() const;
};

// The nine tasks, in the order location 1..3, identity 1..3, category 1..3 (a task's index in
// this list is its task id).
std::vector<NBackTask> all_tasks();
// The task with this name; Error listing the nine names for any other.
NBackTask task_named(const std::string& name);
int task_id(const NBackTask& task);

// The value of `feature` of an object (location cell, identity, category index).
int feature_value(const Object& object, Feature feature);

// Frame labels (the network's three outputs).
enum Label : uint8_t { match = 0, non_match = 1, no_action = 2 };

// The `[nback]` keys: frames per trial and match probability.
std::vector<ParamSpec> sequence_params();

struct SequenceConfig {
  int frames = 6;
  double match_probability = 0.5;  // P(match) on every answer frame (frames N.. of a trial)
  static SequenceConfig from_params(const Json& resolved);
};

struct Trial {
  int task = 0;                  // id in all_tasks()
  std::vector<Object> objects;   // one per frame
  std::vector<View> views;       // one per frame
  std::vector<uint8_t> labels;   // one Label per frame
};

// Trials first_trial .. first_trial + count − 1 of the stream of `seed`: trial t depends only
// on (seed, t), so any range is reproducible on its own. Each trial's task is drawn uniformly
// from `tasks`; its first N objects are uniform over all objects, and each later frame matches
// the frame N back on the task's feature with probability match_probability (the object then
// takes that feature's value, its other features uniform) and otherwise takes a different
// value of that feature, uniform over the others. Views come from the training or the
// held-out range. Errors: no tasks, frames <= a task's N, a task whose feature has one value
// (a non-match is impossible).
std::vector<Trial> generate_trials(const StimulusConfig& stimuli, const SequenceConfig& config,
                                   const std::vector<NBackTask>& tasks, ViewKind views, uint64_t seed,
                                   int64_t first_trial, int64_t count);

}  // namespace rnnscope::nback
