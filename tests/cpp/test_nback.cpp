// N-back stimuli and trials: rendering known answers, quadrant placement, disjoint view
// ranges, determinism, and every task's labels checked against the objects by brute force.
#include "rnnscope/nback/sequences.h"

#include "test_errors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

using namespace rnnscope;
using namespace rnnscope::nback;
using rnnscope::testing::error_of;

namespace {

StimulusConfig config_with(Json given = Json::object()) {
  return StimulusConfig::from_params(resolve_params(given, stimulus_params(), "test [stimuli]"));
}

// Fashion-MNIST's test split (10000 images, ~0.05 s to read).
data::LabelledImages test_images() { return data::load_fashion_mnist(data::Split::test); }

std::vector<float> render(const StimulusSet& set, const Object& o, const View& v) {
  std::vector<float> out(static_cast<size_t>(set.config().canvas_size() * set.config().canvas_size()));
  set.render(o, v, out.data());
  return out;
}

}  // namespace

TEST(NbackStimuli, DefaultsFollowThePaper) {
  const StimulusConfig c = config_with();
  EXPECT_EQ(c.n_categories(), 4);
  EXPECT_EQ(c.n_identities(), 8);
  EXPECT_EQ(c.n_locations(), 4);
  EXPECT_EQ(c.canvas_size(), 64);
}

TEST(NbackStimuli, ExemplarsAreDistinctImagesOfTheirCategory) {
  const StimulusConfig c = config_with();
  const auto images = test_images();
  const StimulusSet set(c, images, 7);
  std::set<int64_t> seen;
  for (int id = 0; id < c.n_identities(); ++id) {
    const int64_t index = set.exemplar_index(id);
    EXPECT_EQ(images.labels[static_cast<size_t>(index)], c.categories[static_cast<size_t>(id / c.identities)]);
    seen.insert(index);
  }
  EXPECT_EQ(seen.size(), 8u);
  EXPECT_EQ(StimulusSet(c, images, 7).exemplar_index(5), set.exemplar_index(5));
  EXPECT_NE(StimulusSet(c, images, 8).exemplar_index(5), set.exemplar_index(5));
}

TEST(NbackStimuli, PlainViewIsTheExemplarCentredInItsQuadrant) {
  const StimulusConfig c = config_with({{"noise_std", 0.0}});
  const auto images = test_images();
  const StimulusSet set(c, images, 1);
  const uint8_t* exemplar = images.image(set.exemplar_index(3));
  for (int location = 0; location < 4; ++location) {
    const auto canvas = render(set, {1, 3, location}, View{});
    const int top = (location / 2) * 32 + 2, left = (location % 2) * 32 + 2;  // (32 − 28) / 2 = 2
    for (int i = 0; i < 64; ++i) {
      for (int j = 0; j < 64; ++j) {
        const bool inside = i >= top && i < top + 28 && j >= left && j < left + 28;
        const float expected = inside ? exemplar[(i - top) * 28 + (j - left)] / 255.0f : 0.0f;
        ASSERT_NEAR(canvas[static_cast<size_t>(i * 64 + j)], expected, 1e-6) << location << " " << i << " " << j;
      }
    }
  }
}

TEST(NbackStimuli, TransformedViewsStayInTheirQuadrant) {
  const StimulusConfig c = config_with({{"noise_std", 0.0}});
  const auto images = test_images();
  const StimulusSet set(c, images, 1);
  Rng rng(3);
  for (int k = 0; k < 40; ++k) {
    const Object o{k % 4, (k % 4) * 2 + k % 2, k % 4};
    const View v = draw_view(c, k % 2 ? ViewKind::heldout : ViewKind::training, rng);
    const auto canvas = render(set, o, v);
    double inside = 0, outside = 0;
    for (int i = 0; i < 64; ++i) {
      for (int j = 0; j < 64; ++j) {
        const bool in_cell = i / 32 == o.location / 2 && j / 32 == o.location % 2;
        (in_cell ? inside : outside) += canvas[static_cast<size_t>(i * 64 + j)];
      }
    }
    EXPECT_EQ(outside, 0.0);
    EXPECT_GT(inside, 10.0);
  }
  // A rotation moves pixels; pixel noise changes them, reproducibly from the view's seed.
  const View turned{10, 1, 0, 0, 0};
  EXPECT_NE(render(set, {0, 0, 0}, turned), render(set, {0, 0, 0}, View{}));
  const StimulusSet noisy(config_with(), images, 1);
  EXPECT_EQ(render(noisy, {0, 0, 0}, turned), render(noisy, {0, 0, 0}, turned));
  EXPECT_NE(render(noisy, {0, 0, 0}, turned), render(noisy, {0, 0, 0}, View{10, 1, 0, 0, 1}));
}

TEST(NbackStimuli, TrainingAndHeldoutViewRangesAreDisjoint) {
  const StimulusConfig c = config_with();
  Rng rng(11);
  double largest_training = 0, smallest_heldout = 1e9, largest_heldout = 0;
  int negative_heldout = 0;
  for (int k = 0; k < 2000; ++k) {
    const View t = draw_view(c, ViewKind::training, rng);
    const View h = draw_view(c, ViewKind::heldout, rng);
    largest_training = std::max(largest_training, std::abs(t.rotation_deg));
    smallest_heldout = std::min(smallest_heldout, std::abs(h.rotation_deg));
    largest_heldout = std::max(largest_heldout, std::abs(h.rotation_deg));
    negative_heldout += h.rotation_deg < 0;
    for (const View& v : {t, h}) {
      EXPECT_GE(v.scale, 0.9);
      EXPECT_LE(v.scale, 1.1);
      EXPECT_LE(std::abs(v.shift_x), 2.0);
      EXPECT_LE(std::abs(v.shift_y), 2.0);
    }
  }
  EXPECT_LE(largest_training, 10.0);
  EXPECT_GT(largest_training, 9.9);
  EXPECT_GT(smallest_heldout, 10.0);
  EXPECT_LT(smallest_heldout, 10.1);
  EXPECT_LE(largest_heldout, 20.0);
  EXPECT_GT(negative_heldout, 900);
  EXPECT_LT(negative_heldout, 1100);
}

TEST(NbackStimuli, BadConfigsAreRefused) {
  const auto images = test_images();
  EXPECT_NE(error_of([] { config_with({{"categories", {0, 0}}}); }).find("repeats a label"), std::string::npos);
  EXPECT_NE(error_of([] { config_with({{"categories", {10}}}); }).find("categories"), std::string::npos);
  EXPECT_NE(error_of([] { config_with({{"heldout_rotation_deg", 5}}); }).find("must be > rotation_deg"), std::string::npos);
  EXPECT_NE(error_of([] { config_with({{"scale_min", 1.2}}); }).find("scale_min"), std::string::npos);
  EXPECT_NE(error_of([&] { StimulusSet(config_with({{"cell_size", 20}}), images, 0); }).find("smaller than the images"),
            std::string::npos);
  EXPECT_NE(error_of([&] { StimulusSet(config_with({{"identities", 1001}}), images, 0); }).find("identities"),
            std::string::npos);
}

TEST(NbackTasks, NineTasksByName) {
  const auto tasks = all_tasks();
  ASSERT_EQ(tasks.size(), 9u);
  EXPECT_EQ(tasks[0].name(), "location_1back");
  EXPECT_EQ(tasks[8].name(), "category_3back");
  for (size_t i = 0; i < tasks.size(); ++i) {
    EXPECT_EQ(task_id(task_named(tasks[i].name())), static_cast<int>(i));
  }
  EXPECT_NE(error_of([] { task_named("colour_1back"); }).find("location_1back, location_2back"), std::string::npos);
}

TEST(NbackTasks, LabelsMatchTheObjectsInEveryTask) {
  const StimulusConfig stimuli = config_with();
  for (double p : {0.5, 0.2}) {
    const SequenceConfig config{6, p};
    for (const NBackTask& task : all_tasks()) {
      const auto trials = generate_trials(stimuli, config, {task}, ViewKind::training, 5, 0, 400);
      int answers = 0, matches = 0;
      for (const Trial& trial : trials) {
        ASSERT_EQ(trial.task, task_id(task));
        ASSERT_EQ(trial.objects.size(), 6u);
        for (size_t f = 0; f < 6; ++f) {
          const Object& o = trial.objects[f];
          ASSERT_EQ(o.category, o.identity / stimuli.identities);
          ASSERT_LT(o.location, 4);
          uint8_t expected = Label::no_action;
          if (static_cast<int>(f) >= task.n) {
            const Object& back = trial.objects[f - static_cast<size_t>(task.n)];
            const int now_value = task.feature == Feature::location ? o.location
                                  : task.feature == Feature::identity ? o.identity : o.category;
            const int back_value = task.feature == Feature::location ? back.location
                                   : task.feature == Feature::identity ? back.identity : back.category;
            expected = now_value == back_value ? Label::match : Label::non_match;
            ++answers;
            matches += expected == Label::match;
          }
          ASSERT_EQ(trial.labels[f], expected) << task.name() << " frame " << f;
        }
      }
      // 400 · (6 − N) answers: the match fraction is p within 4.5 binomial standard deviations.
      const double fraction = static_cast<double>(matches) / answers;
      EXPECT_NEAR(fraction, p, 4.5 * std::sqrt(p * (1 - p) / answers)) << task.name();
    }
  }
}

TEST(NbackTasks, TrialsDependOnlyOnSeedAndIndex) {
  const StimulusConfig stimuli = config_with();
  const SequenceConfig config{6, 0.5};
  const auto tasks = all_tasks();
  const auto all = generate_trials(stimuli, config, tasks, ViewKind::heldout, 9, 0, 10);
  const auto part = generate_trials(stimuli, config, tasks, ViewKind::heldout, 9, 5, 3);
  std::set<int> task_ids;
  for (const Trial& t : all) task_ids.insert(t.task);
  EXPECT_GT(task_ids.size(), 4u);
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(part[k].labels, all[5 + k].labels);
    EXPECT_EQ(part[k].views[2].noise_seed, all[5 + k].views[2].noise_seed);
    EXPECT_EQ(part[k].objects[4].identity, all[5 + k].objects[4].identity);
  }
  const auto other = generate_trials(stimuli, config, tasks, ViewKind::heldout, 10, 0, 10);
  EXPECT_NE(other[0].views[0].noise_seed, all[0].views[0].noise_seed);
}

TEST(NbackTasks, ImpossibleTrialsAreRefused) {
  const StimulusConfig stimuli = config_with();
  EXPECT_NE(error_of([&] { generate_trials(stimuli, {3, 0.5}, {task_named("category_3back")}, ViewKind::training, 0, 0, 1); })
                .find("must be > 3"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              generate_trials(config_with({{"grid", 1}}), {6, 0.5}, {task_named("location_1back")}, ViewKind::training, 0, 0, 1);
            }).find("at least 2 values of location"),
            std::string::npos);
  EXPECT_NE(error_of([&] { generate_trials(stimuli, {6, 0.5}, {}, ViewKind::training, 0, 0, 1); }).find("at least one task"),
            std::string::npos);
}
