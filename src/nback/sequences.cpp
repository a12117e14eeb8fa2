// N-back trials (include/rnnscope/nback/sequences.h): the labels are the generator's own match
// decisions, and each object is drawn to honour its decision, so the tests can check the
// labels against the objects by comparing features directly.
#include "rnnscope/nback/sequences.h"

#include "rnnscope/core/error.h"

namespace rnnscope::nback {
namespace {

constexpr const char* kFeatureNames[] = {"location", "identity", "category"};

int feature_count(const StimulusConfig& stimuli, Feature feature) {
  switch (feature) {
    case Feature::location: return stimuli.n_locations();
    case Feature::identity: return stimuli.n_identities();
    case Feature::category: return stimuli.n_categories();
  }
  return 0;
}

// Uniform over {0, …, n − 1} \ {excluded}; n >= 2.
int other_than(int excluded, int n, Rng& rng) {
  return (excluded + 1 + static_cast<int>(rng.integer(n - 1))) % n;
}

Object uniform_object(const StimulusConfig& stimuli, Rng& rng) {
  Object o;
  o.identity = static_cast<int>(rng.integer(stimuli.n_identities()));
  o.category = o.identity / stimuli.identities;
  o.location = static_cast<int>(rng.integer(stimuli.n_locations()));
  return o;
}

// A uniform object whose `feature` is `value` (matching) or any other value (not matching),
// uniform over those others; the remaining features uniform.
Object constrained_object(const StimulusConfig& stimuli, Feature feature, int value, bool matching, Rng& rng) {
  Object o = uniform_object(stimuli, rng);
  const int chosen = matching ? value : other_than(value, feature_count(stimuli, feature), rng);
  switch (feature) {
    case Feature::location: o.location = chosen; break;
    case Feature::identity:
      o.identity = chosen;
      o.category = chosen / stimuli.identities;
      break;
    case Feature::category:
      // Keep the exemplar drawn within its category, move it to the chosen one.
      o.identity = chosen * stimuli.identities + o.identity % stimuli.identities;
      o.category = chosen;
      break;
  }
  return o;
}

}  // namespace

std::string NBackTask::name() const {
  return std::string(kFeatureNames[static_cast<int>(feature)]) + "_" + std::to_string(n) + "back";
}

std::vector<NBackTask> all_tasks() {
  std::vector<NBackTask> tasks;
  for (Feature f : {Feature::location, Feature::identity, Feature::category}) {
    for (int n = 1; n <= 3; ++n) tasks.push_back({f, n});
  }
  return tasks;
}

NBackTask task_named(const std::string& name) {
  std::string names;
  for (const NBackTask& t : all_tasks()) {
    if (t.name() == name) return t;
    names += (names.empty() ? "" : ", ") + t.name();
  }
  throw Error("unknown N-back task '" + name + "'; the tasks are " + names);
}

int task_id(const NBackTask& task) { return static_cast<int>(task.feature) * 3 + (task.n - 1); }

int feature_value(const Object& object, Feature feature) {
  switch (feature) {
    case Feature::location: return object.location;
    case Feature::identity: return object.identity;
    case Feature::category: return object.category;
  }
  return 0;
}

std::vector<ParamSpec> sequence_params() {
  return {ParamSpec("frames", ParamKind::integer, 6, "frames per trial (the paper: 6)").with_min(2).with_max(64),
          ParamSpec("match_probability", ParamKind::number, 0.5,
                    "probability that an answer frame matches the frame N back on the task's feature")
              .with_min(0).with_max(1)};
}

SequenceConfig SequenceConfig::from_params(const Json& resolved) {
  return {resolved.at("frames").get<int>(), resolved.at("match_probability").get<double>()};
}

std::vector<Trial> generate_trials(const StimulusConfig& stimuli, const SequenceConfig& config,
                                   const std::vector<NBackTask>& tasks, ViewKind views, uint64_t seed,
                                   int64_t first_trial, int64_t count) {
  require(!tasks.empty(), "N-back trials need at least one task");
  require(first_trial >= 0 && count >= 0, "N-back trials: first trial and count must be >= 0");
  for (const NBackTask& t : tasks) {
    require(config.frames > t.n, "nback.frames = " + std::to_string(config.frames) + " leaves " + t.name() +
                                     " no frame to answer; it must be > " + std::to_string(t.n));
    require(feature_count(stimuli, t.feature) >= 2,
            t.name() + " needs at least 2 values of " + kFeatureNames[static_cast<int>(t.feature)] +
                " (a non-match is impossible with one); the stimuli have 1");
  }
  std::vector<Trial> trials(static_cast<size_t>(count));
  for (int64_t k = 0; k < count; ++k) {
    Rng rng = Rng::derive(seed, "nback.trial", static_cast<uint64_t>(first_trial + k));
    Trial& trial = trials[static_cast<size_t>(k)];
    const NBackTask& task = tasks[static_cast<size_t>(rng.integer(static_cast<int64_t>(tasks.size())))];
    trial.task = task_id(task);
    for (int f = 0; f < config.frames; ++f) {
      if (f < task.n) {
        trial.objects.push_back(uniform_object(stimuli, rng));
        trial.labels.push_back(Label::no_action);
      } else {
        const bool matching = rng.bernoulli(config.match_probability);
        const int earlier = feature_value(trial.objects[static_cast<size_t>(f - task.n)], task.feature);
        trial.objects.push_back(constrained_object(stimuli, task.feature, earlier, matching, rng));
        trial.labels.push_back(matching ? Label::match : Label::non_match);
      }
      trial.views.push_back(draw_view(stimuli, views, rng));
    }
  }
  return trials;
}

}  // namespace rnnscope::nback
