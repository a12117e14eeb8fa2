// The Yang et al. (2019) multitask family ("Task representations in neural networks trained to
// perform many cognitive tasks", Nat. Neurosci.) with the epochs of Soo, Goudar & Wang (NeurIPS
// 2023): one shared input/output layout, one trial generator and one performance measure; each
// task below is a declaration of its epochs, which stimuli it shows where, and its answer.
#include "rnnscope/core/error.h"
#include "rnnscope/tasks/scoring.h"
#include "rnnscope/tasks/trial_task.h"
#include "stimuli.h"
#include "task_entries.h"
#include "task_params.h"

#include <cmath>

namespace rnnscope::tasks {
namespace {

constexpr int64_t kRingUnits = 32;
constexpr int64_t kRules = 20;  // Yang 2019's full rule set; the one-hot keeps its indices
constexpr double kHigh = 0.85;  // fixation target while fixating
constexpr double kLow = 0.05;   // fixation target in the response; ring baseline target
constexpr double kFixationThreshold = 0.5;
constexpr double kAngleTolerance = 0.2 * M_PI;

// How a task's epochs follow the 1 s rule-only burn-in.
enum class Structure {
  immediate,   // fixation, stimulus, response: the stimulus stays on through the response
  reaction,    // fixation, response: the stimulus appears at the response, fixation input stays on
  delayed,     // fixation, stimulus, delay, response: the answer comes from memory
  sequential,  // fixation, stimulus1, delay, stimulus2, response: two stimuli apart in time
};

enum class Answer {
  pro,       // the stimulus direction
  anti,      // opposite the stimulus direction
  stronger,  // the direction of the stronger of two stimuli
  match,     // the test direction when sample and test match, else keep fixating
  nonmatch,  // the test direction when they do not match, else keep fixating
};

// Which modalities show a decision task's two stimuli and which strengths decide.
enum class Evidence {
  modality1,  // both stimuli in modality 1 only
  context,    // both modalities, independent strengths; modality 1 decides
  summed,     // both modalities; the summed strength decides
};

struct Declaration {
  const char* name;
  int64_t rule;  // index in Yang 2019's rule list (fdgo, reactgo, delaygo, fdanti, …, dmcnogo)
  Structure structure;
  Answer answer;
  Evidence evidence;      // decision tasks only
  bool by_category;       // match tasks: compare categories (half rings) instead of directions
  const char* summary;
};

// Name, Yang rule index (published name in the summary), epochs, answer.
const std::vector<Declaration>& declarations() {
  // A constant table built once, like the registry it feeds.
  static const std::vector<Declaration> table = {
      {"go", 0, Structure::immediate, Answer::pro, Evidence::modality1, false,
       "Go (fdgo): when fixation goes off, respond in the direction of the stimulus, shown in one random modality until the end."},
      {"rtgo", 1, Structure::reaction, Answer::pro, Evidence::modality1, false,
       "Reaction-time go (reactgo): respond in the stimulus direction as soon as it appears; the fixation input never goes off."},
      {"dlygo", 2, Structure::delayed, Answer::pro, Evidence::modality1, false,
       "Delayed go (delaygo): a brief stimulus, a delay, then respond in its remembered direction."},
      {"anti", 3, Structure::immediate, Answer::anti, Evidence::modality1, false,
       "Anti (fdanti): as go, but respond opposite the stimulus."},
      {"rtanti", 4, Structure::reaction, Answer::anti, Evidence::modality1, false,
       "Reaction-time anti (reactanti): respond opposite the stimulus as soon as it appears."},
      {"dlyanti", 5, Structure::delayed, Answer::anti, Evidence::modality1, false,
       "Delayed anti (delayanti): respond opposite a stimulus remembered over a delay."},
      {"dm1", 6, Structure::immediate, Answer::stronger, Evidence::modality1, false,
       "Decision making 1 (dm1): two stimuli in modality 1; respond to the stronger."},
      {"ctxdm1", 8, Structure::immediate, Answer::stronger, Evidence::context, false,
       "Context decision making 1 (contextdm1): two stimuli in both modalities; respond to the one stronger in modality 1, ignoring modality 2."},
      {"multsendm", 10, Structure::immediate, Answer::stronger, Evidence::summed, false,
       "Multisensory decision making (multidm): two stimuli in both modalities; respond to the one stronger summed over modalities."},
      {"dlydm1", 11, Structure::sequential, Answer::stronger, Evidence::modality1, false,
       "Delayed decision making 1 (delaydm1): two stimuli in modality 1 apart in time; respond to the stronger."},
      {"ctxdlydm1", 13, Structure::sequential, Answer::stronger, Evidence::context, false,
       "Context delayed decision making 1 (contextdelaydm1): as dlydm1 in both modalities; modality 1 decides."},
      {"multsendlydm", 15, Structure::sequential, Answer::stronger, Evidence::summed, false,
       "Multisensory delayed decision making (multidelaydm): as dlydm1 in both modalities; the summed strength decides."},
      {"dms", 16, Structure::sequential, Answer::match, Evidence::modality1, false,
       "Delayed match-to-sample (dmsgo): respond to the test direction if it matches the sample, else keep fixating."},
      {"dnms", 17, Structure::sequential, Answer::nonmatch, Evidence::modality1, false,
       "Delayed non-match-to-sample (dmsnogo): respond to the test direction if it differs from the sample, else keep fixating."},
      {"dmc", 18, Structure::sequential, Answer::match, Evidence::modality1, true,
       "Delayed match-to-category (dmcgo): respond to the test if its category (half ring) is the sample's, else keep fixating."},
      {"dnmc", 19, Structure::sequential, Answer::nonmatch, Evidence::modality1, true,
       "Delayed non-match-to-category (dmcnogo): respond to the test if its category differs from the sample's, else keep fixating."},
  };
  return table;
}

std::vector<std::string> periods_of(Structure s) {
  switch (s) {
    case Structure::immediate: return {"burn_in", "fixation", "stimulus", "response"};
    case Structure::reaction: return {"burn_in", "fixation", "response"};
    case Structure::delayed: return {"burn_in", "fixation", "stimulus", "delay", "response"};
    case Structure::sequential:
      return {"burn_in", "fixation", "stimulus1", "delay", "stimulus2", "response"};
  }
  return {};
}

// Nominal epoch lengths of Soo et al. 2023 (before jitter).
Json default_timing(Structure s) {
  const Json nominal = {{"burn_in", 1000}, {"fixation", 500}, {"stimulus", 500},
                        {"stimulus1", 500}, {"delay", 1000},  {"stimulus2", 500},
                        {"response", 500}};
  Json out = Json::object();
  for (const auto& p : periods_of(s)) out[p] = nominal.at(p);
  return out;
}

bool is_decision(const Declaration& d) { return d.answer == Answer::stronger; }
bool is_match(const Declaration& d) { return d.answer == Answer::match || d.answer == Answer::nonmatch; }

TaskInfo make_info(const Declaration& d) {
  TaskInfo info;
  info.name = d.name;
  info.description =
      std::string(d.summary) +
      " Yang et al. 2019's task family with Soo, Goudar & Wang 2023's epochs. Every trial starts "
      "with a rule-only burn-in (mask 0). Stimuli are bumps 0.8·exp(−½(8Δ/π)²)·strength on a "
      "32-unit ring per modality; the one-hot rule input (20 rules, Yang's order) is on throughout. "
      "Targets (MSE): fixation 0.85 and ring 0.05 until the response; in the response fixation "
      "0.05 and the ring the bump at the answer + 0.05 (fixation 0.85 on trials without a response).";
  info.criterion =
      "fixation output > 0.5 at every step from the fixation epoch to the response; at the last "
      "response step the fixation output < 0.5 and the ring's population-vector angle within 0.2π "
      "of the answer (trials without a response: fixation output > 0.5 to the end)";
  info.periods = periods_of(d.structure);
  info.inputs = {{"fixation", 1, "1 from the fixation epoch until the response (reaction tasks: to the end)"},
                 {"modality1", kRingUnits, "ring of modality 1"},
                 {"modality2", kRingUnits, "ring of modality 2"},
                 {"rule", kRules, "one-hot rule, Yang 2019's 20 rules, on throughout"}};
  info.outputs = {{"fixation", 1, "0.85 while fixating, 0.05 in the response"},
                  {"ring", kRingUnits, "bump at the answer direction in the response, 0.05 elsewhere"}};
  info.loss = LossKind::mse;
  info.default_target_accuracy = 0.99;
  info.evaluation_params = {{"jitter_ms", 0.0}};
  info.integer_conditions = {"responds"};
  if (is_match(d)) info.integer_conditions.insert(info.integer_conditions.end(), {"modality", "match"});
  if (d.answer == Answer::pro || d.answer == Answer::anti) info.integer_conditions.push_back("modality");
  return info;
}

// One stimulus of a trial: shown in the epochs of `slot` (0: the first stimulus, 1: the second).
struct Stimulus {
  int64_t slot;
  int64_t modality;  // 0 or 1
  double direction;  // radians
  double strength;
};

// What a trial shows and asks for, before it is laid out in time.
struct Content {
  std::vector<Stimulus> stimuli;
  bool responds = true;
  double answer = 0;  // radians, when responds
  std::map<std::string, double> conditions;
};

double wrap(double angle) {
  const double w = std::fmod(angle, 2.0 * M_PI);
  return w < 0 ? w + 2.0 * M_PI : w;
}

// A direction at least 0.1π from the category boundary (0 and π) inside category `category`
// (0: (0, π), 1: (π, 2π)), so that the category is never ambiguous.
double direction_in_category(int64_t category, Rng& rng) {
  return rng.uniform(0.1 * M_PI, 0.9 * M_PI) + static_cast<double>(category) * M_PI;
}

class YangTask final : public TrialTask {
 public:
  YangTask(const Declaration& d, const Json& p)
      : TrialTask(make_info(d), p, default_timing(d.structure)),
        decl_(d),
        jitter_ms_(p.at("jitter_ms").get<double>()),
        sigma_(p.at("sigma").get<double>()),
        fixation_(period_index(info(), "fixation")),
        response_(period_index(info(), "response")) {
    if (is_decision(d)) strength_differences_ = nonempty_list(p, "strength_differences");
    timing().require_min_steps("response", 1, dt_ms());
  }

 private:
  Trial make_trial(TrialBuilder& b, Rng& rng) const override {
    const Content c = draw_content(rng);
    std::map<std::string, double> durations;
    for (const auto& period : info().periods) {
      // Soo et al. jitter every epoch but the burn-in and the response by ±jitter_ms.
      const bool jittered = period != "burn_in" && period != "response" && jitter_ms_ > 0;
      durations[period] = b.sample_ms(period) + (jittered ? rng.uniform(-jitter_ms_, jitter_ms_) : 0.0);
    }
    auto t = b.periods(durations);
    const auto& all = info().periods;
    const std::vector<std::string> after_burn_in(all.begin() + 1, all.end());
    const std::vector<std::string> before_response(all.begin() + 1, all.end() - 1);

    t.input(all).set(one_hot(decl_.rule, kRules), "rule");
    t.input(decl_.structure == Structure::reaction ? after_burn_in : before_response)
        .set(1.0, "fixation");
    for (const auto& s : c.stimuli) {
      auto ring = ring_profile(s.direction, kRingUnits);
      for (double& r : ring) r *= s.strength;
      t.input(stimulus_periods(s.slot)).add(ring, s.modality == 0 ? "modality1" : "modality2");
    }
    t.input(after_burn_in).add_noise(sigma_, "modality1").add_noise(sigma_, "modality2");

    // The burn-in gets no target, so its mask stays 0.
    t.target(before_response).set(kHigh, "fixation").set(kLow, "ring");
    if (c.responds) {
      auto bump = ring_profile(c.answer, kRingUnits);
      for (double& r : bump) r += kLow;
      t.target("response").set(kLow, "fixation").set(bump, "ring");
    } else {
      t.target("response").set(kHigh, "fixation").set(kLow, "ring");
    }
    auto conditions = c.conditions;
    conditions["responds"] = c.responds ? 1 : 0;
    conditions["answer_direction"] = c.responds ? c.answer : -1.0;
    return t.finish(std::move(conditions));
  }

  std::vector<std::string> stimulus_periods(int64_t slot) const {
    switch (decl_.structure) {
      case Structure::immediate: return {"stimulus", "response"};
      case Structure::reaction: return {"response"};
      case Structure::delayed: return {"stimulus"};
      case Structure::sequential: return {slot == 0 ? "stimulus1" : "stimulus2"};
    }
    return {};
  }

  Content draw_content(Rng& rng) const {
    if (is_decision(decl_)) return draw_decision(rng);
    if (is_match(decl_)) return draw_match(rng);
    Content c;
    const int64_t modality = rng.integer(2);
    const double direction = rng.uniform(0, 2.0 * M_PI);
    c.stimuli = {{0, modality, direction, 1.0}};
    c.answer = decl_.answer == Answer::anti ? wrap(direction + M_PI) : direction;
    c.conditions = {{"modality", modality}, {"stimulus_direction", direction}};
    return c;
  }

  // Two stimuli 0.5π–1.5π apart with strengths mean ± d per modality (mean uniform in
  // [0.8, 1.2], d a signed draw from strength_differences), as Yang 2019's dm tasks.
  Content draw_decision(Rng& rng) const {
    Content c;
    const double direction1 = rng.uniform(0, 2.0 * M_PI);
    const double direction2 = wrap(direction1 + rng.uniform(0.5 * M_PI, 1.5 * M_PI));
    const int64_t n_modalities = decl_.evidence == Evidence::modality1 ? 1 : 2;
    std::vector<double> differences(static_cast<size_t>(n_modalities));
    double deciding = 0;
    do {  // the summed evidence must favour one stimulus (differences of equal size cancel)
      for (double& d : differences) d = rng.choice(strength_differences_) * (rng.bernoulli(0.5) ? 1 : -1);
      deciding = decl_.evidence == Evidence::summed ? differences[0] + differences[1] : differences[0];
    } while (deciding == 0);
    const int64_t second_slot = decl_.structure == Structure::sequential ? 1 : 0;
    for (int64_t m = 0; m < n_modalities; ++m) {
      const double mean = rng.uniform(0.8, 1.2);
      const double d = differences[static_cast<size_t>(m)];
      c.stimuli.push_back({0, m, direction1, mean + d});
      c.stimuli.push_back({second_slot, m, direction2, mean - d});
      c.conditions["strength_difference_mod" + std::to_string(m + 1)] = 2 * d;
    }
    c.answer = deciding > 0 ? direction1 : direction2;
    c.conditions["direction1"] = direction1;
    c.conditions["direction2"] = direction2;
    return c;
  }

  // Sample and test in one random modality; they match half the time. Non-matching test
  // directions lie 0.5π–1.5π from the sample (by direction) or in the other category.
  Content draw_match(Rng& rng) const {
    Content c;
    const int64_t modality = rng.integer(2);
    const bool match = rng.bernoulli(0.5);
    double sample = 0, test = 0;
    if (decl_.by_category) {
      const int64_t category = rng.integer(2);
      sample = direction_in_category(category, rng);
      test = direction_in_category(match ? category : 1 - category, rng);
    } else {
      sample = rng.uniform(0, 2.0 * M_PI);
      test = match ? sample : wrap(sample + rng.uniform(0.5 * M_PI, 1.5 * M_PI));
    }
    c.stimuli = {{0, modality, sample, 1.0}, {1, modality, test, 1.0}};
    c.responds = match == (decl_.answer == Answer::match);
    c.answer = test;
    c.conditions = {{"modality", modality}, {"match", match ? 1 : 0},
                    {"sample_direction", sample}, {"test_direction", test}};
    return c;
  }

  bool trial_correct(const Batch& batch, const float* outputs, int64_t trial) const override {
    const int64_t fixation_channel = channel_span(info().outputs, "fixation").offset;
    const int64_t fixation_start = period_steps(batch, fixation_, trial).first;
    const auto [response_start, response_end] = period_steps(batch, response_, trial);
    const auto k = static_cast<size_t>(trial);
    if (batch.conditions.at("responds")[k] == 0) {
      return stays_above(batch, outputs, trial, fixation_channel, fixation_start, response_end,
                         kFixationThreshold);
    }
    if (!stays_above(batch, outputs, trial, fixation_channel, fixation_start, response_start,
                     kFixationThreshold)) {
      return false;
    }
    // Yang 2019 reads the response at its last step.
    const int64_t last = response_end - 1;
    if (output_at(batch, outputs, last, trial, fixation_channel) >= kFixationThreshold) return false;
    const int64_t ring = channel_span(info().outputs, "ring").offset;
    std::vector<double> activity(static_cast<size_t>(kRingUnits));
    for (int64_t i = 0; i < kRingUnits; ++i) {
      activity[static_cast<size_t>(i)] = output_at(batch, outputs, last, trial, ring + i);
    }
    return circular_distance(population_vector_angle(activity),
                             batch.conditions.at("answer_direction")[k]) < kAngleTolerance;
  }

  Declaration decl_;
  double jitter_ms_;
  double sigma_;
  int64_t fixation_;
  int64_t response_;
  std::vector<double> strength_differences_;
};

TaskEntry entry(const Declaration& d) {
  std::vector<ParamSpec> params = {
      dt_param(20), timing_param(default_timing(d.structure)),
      ParamSpec("jitter_ms", ParamKind::number, 100,
                "every epoch but the burn-in and the response lasts its timing draw plus a uniform "
                "draw in [-jitter_ms, jitter_ms] (Soo et al. 2023: 100 in training; set 0 to "
                "evaluate on the nominal epochs)")
          .with_min(0),
      sigma_param(0.1)};
  if (is_decision(d)) {
    params.push_back(ParamSpec("strength_differences", ParamKind::number_list,
                               std::vector<double>{0.08, 0.16, 0.32},
                               "half the strength difference of the two stimuli in a modality, one "
                               "drawn per trial and modality (with a random sign)")
                         .with_min(0, true));
  }
  return {d.name, std::move(params),
          [d](const Json& p) { return std::make_unique<YangTask>(d, p); }};
}

}  // namespace

std::vector<TaskEntry> yang_family_entries() {
  std::vector<TaskEntry> out;
  for (const auto& d : declarations()) out.push_back(entry(d));
  return out;
}

}  // namespace rnnscope::tasks
