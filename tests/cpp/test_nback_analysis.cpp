// The N-back analyses (nback/analysis.h) on hidden states with a planted code: each frame's
// object written into its own block of the state from that frame on — its location on location
// tasks, its identity on identity tasks — so what is decodable where is known.
#include "rnnscope/nback/analysis.h"

#include "rnnscope/core/rng.h"
#include "rnnscope/geometry/subspaces.h"

#include "test_errors.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace rnnscope;
using namespace rnnscope::nback;
using rnnscope::testing::error_of;

namespace {

constexpr int kFrames = 4, kBlock = 8;  // a block holds a one-hot location (4) or identity (8)

AnalysisInput planted_input(int64_t trials) {
  const auto stimuli = StimulusConfig::from_params(resolve_params(Json::object(), stimulus_params(), "test [stimuli]"));
  AnalysisInput in;
  in.diet = {task_named("location_1back"), task_named("identity_1back")};
  in.frames = kFrames;
  in.trials = generate_trials(stimuli, {kFrames, 0.5}, in.diet, ViewKind::heldout, 3, 0, trials);
  Rng rng(11);
  in.states = linalg::Matrix::Zero(trials * kFrames, kFrames * kBlock);
  in.perceptual = linalg::Matrix::Zero(trials * kFrames, 12);
  for (int64_t b = 0; b < trials; ++b) {
    const Trial& trial = in.trials[size_t(b)];
    const Feature feature = all_tasks()[size_t(trial.task)].feature;
    for (int t = 0; t < kFrames; ++t) {
      const auto row = b * kFrames + t;
      for (int s = 0; s <= t; ++s) in.states(row, s * kBlock + feature_value(trial.objects[size_t(s)], feature)) = 1;
      in.perceptual(row, trial.objects[size_t(t)].identity) = 1;
      in.perceptual(row, 8 + trial.objects[size_t(t)].location) = 1;
    }
  }
  for (auto* m : {&in.states, &in.perceptual})
    for (Eigen::Index i = 0; i < m->size(); ++i) m->data()[i] += 0.1 * rng.normal();
  return in;
}

// Scores [tasks, features, S, T] (or any 4-d shape) at one cell.
double at(const std::vector<double>& v, const std::vector<int64_t>& shape, int64_t a, int64_t b, int64_t c, int64_t d) {
  return v[size_t(((a * shape[1] + b) * shape[2] + c) * shape[3] + d)];
}

}  // namespace

TEST(NbackAnalysis, PlantedCodesAreFoundWhereTheyAreAndNowhereElse) {
  const AnalysisInput in = planted_input(200);
  AnalysisOptions options;
  options.decoder.folds = 4;
  const NbackAnalysis a = analyze(in, options);
  ASSERT_EQ(a.tasks, (std::vector<std::string>{"location_1back", "identity_1back"}));
  EXPECT_EQ(a.relevant, (std::vector<uint8_t>{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(a.task_trials[0] + a.task_trials[1], 200);
  const std::vector<int64_t> shape{2, 3, kFrames, kFrames};
  ASSERT_EQ(a.decoding.shape, shape);
  ASSERT_EQ(a.encoding_to_memory.shape, shape);
  ASSERT_EQ(a.across_positions.shape, shape);
  ASSERT_EQ(a.cross_task.shape, (std::vector<int64_t>{3, 2, 2}));
  ASSERT_EQ(a.procrustes.shape, (std::vector<int64_t>{2, kFrames, kFrames}));
  double irrelevant = 0;
  int cells = 0;
  for (int S = 0; S < kFrames; ++S) {
    for (int T = 0; T < kFrames; ++T) {
      const double location = at(a.decoding.accuracy, shape, 0, 0, S, T);
      if (T < S) {
        EXPECT_TRUE(std::isnan(location));
        continue;
      }
      // The location task's own feature, at its encoding step and every later one.
      EXPECT_GT(location, 0.9) << S << " " << T;
      EXPECT_NEAR(at(a.decoding.chance, shape, 0, 0, S, T), 0.25, 0.1);
      EXPECT_GT(at(a.decoding.accuracy, shape, 1, 1, S, T), 0.6) << S << " " << T;  // identity, 8 values
      // The encoding step's decoder reads the same block later on (4a); at T = S it is (1)'s.
      // It reads step T through step S's scaling, where later objects' blocks held noise alone
      // (sd 0.1): their one-hot codes at T come in at 10 sd, so its small weights there cost
      // some accuracy.
      EXPECT_GT(at(a.encoding_to_memory.accuracy, shape, 0, 0, S, T), T == S ? 0.9 : 0.75) << S << " " << T;
      irrelevant += at(a.decoding.accuracy, shape, 0, 1, S, T), ++cells;  // identity, not planted in location trials
    }
    EXPECT_EQ(at(a.encoding_to_memory.accuracy, shape, 0, 0, S, S), at(a.decoding.accuracy, shape, 0, 0, S, S));
    EXPECT_EQ(at(a.across_positions.accuracy, shape, 1, 1, S, S), at(a.decoding.accuracy, shape, 1, 1, S, S));
  }
  EXPECT_LT(irrelevant / cells, 0.35);
  // (2) location is held by the location task's states only (pooled over S, one decoder reads
  // every block, earlier objects' included, so it is not perfect on its own task).
  EXPECT_GT(a.cross_task.accuracy[0 * 4 + 0 * 2 + 0], 0.6);
  EXPECT_LT(a.cross_task.accuracy[0 * 4 + 0 * 2 + 1], 0.5);
  // (3) the perceptual space holds every feature; the indices are in [0, 1].
  for (size_t f = 0; f < 3; ++f) {
    EXPECT_GT(a.decoding_cnn.accuracy[f], 0.9);
    EXPECT_GE(a.orthogonality_cnn[f], 0);
    EXPECT_LE(a.orthogonality_cnn[f], 1);
    EXPECT_GE(a.orthogonality_rnn[f], 0);
    EXPECT_LE(a.orthogonality_rnn[f], 1);
  }
  // (4c) successive decoders of one block differ by little more than noise: the carried
  // decoder still reads the location.
  for (int S = 0; S + 1 < kFrames; ++S) {
    const size_t c = size_t(S * kFrames + S);
    EXPECT_GT(a.procrustes.accuracy[c], 0.9);
    EXPECT_GT(a.procrustes_scale[c], 0);
    EXPECT_LT(a.procrustes_residual[c], 1);
  }
  EXPECT_TRUE(std::isnan(a.procrustes.accuracy[size_t(kFrames - 1)]));  // S = 0, T = last: no next step
  // (4d) each object's code has a block of its own at every age, which stays: its own map of
  // the next age carries its decoder, and so does another object's map of the same age, which
  // turns that object's block and fixes the rest (geometry::ScaledRotation), this one's
  // included. Defined where such a map exists.
  for (int S = 0; S + 1 < kFrames; ++S) {
    for (int T = S; T + 1 < kFrames; ++T) {
      const size_t c = size_t(S * kFrames + T);
      bool other_of_same_age = false;
      for (int other = 0; other < kFrames; ++other) other_of_same_age |= other != S && other + (T - S) + 1 < kFrames;
      EXPECT_EQ(std::isnan(a.swap_same_age.accuracy[c]), !other_of_same_age) << S << " " << T;
      if (other_of_same_age) {
        EXPECT_GT(a.swap_same_age.accuracy[c], 0.75) << S << " " << T;
      }
      EXPECT_EQ(std::isnan(a.swap_next_age.accuracy[c]), T + 2 >= kFrames) << S << " " << T;
      if (T + 2 < kFrames) {
        EXPECT_GT(a.swap_next_age.accuracy[c], 0.9) << S << " " << T;
      }
    }
  }
  EXPECT_TRUE(std::isnan(a.swap_same_age.accuracy[size_t((kFrames - 1) * kFrames + kFrames - 1)]));
}

// Every decoder z-scores with its own training rows: the identity task's states, blown up by a
// factor and an offset, change nothing of the location task's analyses (a scaling over all
// samples would let them flatten the location task's code).
TEST(NbackAnalysis, OtherRowsDoNotShapeATasksScaling) {
  AnalysisInput in = planted_input(120);
  AnalysisOptions options;
  options.decoder.folds = 3;
  const NbackAnalysis a = analyze(in, options);
  for (size_t b = 0; b < in.trials.size(); ++b) {
    if (in.trials[b].task != task_id(in.diet[0])) {
      in.states.middleRows(Eigen::Index(b) * kFrames, kFrames).array() = 1000 * in.states.middleRows(Eigen::Index(b) * kFrames, kFrames).array() + 50;
    }
  }
  const NbackAnalysis blown = analyze(in, options);
  const size_t location_cells = 3 * kFrames * kFrames;  // task 0's [features, S, T]
  for (const auto& [before, after] : {std::pair{&a.decoding, &blown.decoding}, {&a.encoding_to_memory, &blown.encoding_to_memory},
                                      {&a.across_positions, &blown.across_positions}}) {
    for (size_t c = 0; c < location_cells; ++c) {
      if (!std::isnan(before->accuracy[c])) {
        EXPECT_EQ(before->accuracy[c], after->accuracy[c]) << c;
      }
    }
  }
  for (size_t c = 0; c < size_t(kFrames * kFrames); ++c) {
    for (const auto& [before, after] : {std::pair{&a.procrustes, &blown.procrustes}, {&a.swap_same_age, &blown.swap_same_age},
                                        {&a.swap_next_age, &blown.swap_next_age}}) {
      if (!std::isnan(before->accuracy[c])) {
        EXPECT_EQ(before->accuracy[c], after->accuracy[c]) << c;
      }
    }
  }
  EXPECT_EQ(a.cross_task.accuracy[0], blown.cross_task.accuracy[0]);  // location, fitted and tested on task 0
  EXPECT_GT(at(a.decoding.accuracy, {2, 3, kFrames, kFrames}, 0, 0, 1, 2), 0.9);
}

// (4c) is the mean over every fold, each fold's decoders fitted on its training trials and the
// carried decoder tested on its held-out trials: one cell recomputed from geometry's parts.
// Decoders of one step share their samples' factorisation (fit_decoders): the same decoders as
// fit_decoder's, to rounding.
TEST(NbackAnalysis, ProcrustesIsTheMeanOverFolds) {
  const AnalysisInput in = planted_input(120);
  AnalysisOptions options;
  options.decoder.folds = 3;
  const NbackAnalysis a = analyze(in, options);
  constexpr int S = 1, T = 2;
  std::vector<size_t> rows;  // the location task's trials
  std::vector<int64_t> y;    // object S's location
  for (size_t b = 0; b < in.trials.size(); ++b) {
    if (in.trials[b].task != task_id(in.diet[0])) continue;
    rows.push_back(b);
    y.push_back(feature_value(in.trials[b].objects[S], Feature::location));
  }
  auto states_at = [&](int frame, const std::vector<size_t>& trials) {
    linalg::Matrix x(Eigen::Index(trials.size()), in.states.cols());
    for (size_t i = 0; i < trials.size(); ++i) x.row(Eigen::Index(i)) = in.states.row(Eigen::Index(trials[i]) * kFrames + frame);
    return x;
  };
  geometry::DecoderOptions o = options.decoder;
  o.standardize = true;
  // One split of the task's trials for every feature and object: a seeded shuffle dealt round-robin.
  const std::vector<int> fold_of = geometry::stratified_folds(std::vector<int64_t>(y.size(), 0), o.folds, o.seed);
  double accuracy = 0, scale = 0, residual = 0;
  for (int fold = 0; fold < o.folds; ++fold) {
    std::vector<size_t> train, test;
    std::vector<int64_t> y_train, y_test;
    for (size_t i = 0; i < rows.size(); ++i) {
      (fold_of[i] == fold ? test : train).push_back(rows[i]);
      (fold_of[i] == fold ? y_test : y_train).push_back(y[i]);
    }
    const auto from = geometry::fit_decoder(states_at(T, train), y_train, o);
    const auto to = geometry::fit_decoder(states_at(T + 1, train), y_train, o);
    const auto map = geometry::procrustes_with_scale(from.normals, to.normals);
    accuracy += geometry::transformed(from, map, to.scaling).accuracy(states_at(T + 1, test), y_test) / o.folds;
    scale += map.scale / o.folds;
    residual += map.relative_residual / o.folds;
  }
  const size_t cell = size_t(S * kFrames + T);  // task 0
  EXPECT_DOUBLE_EQ(a.procrustes.accuracy[cell], accuracy);
  EXPECT_NEAR(a.procrustes_scale[cell], scale, 1e-12);
  EXPECT_NEAR(a.procrustes_residual[cell], residual, 1e-12);
}

TEST(NbackAnalysis, InputsThatDoNotFitAreRefused) {
  AnalysisInput in = planted_input(8);
  AnalysisInput short_rows = in;
  short_rows.states = in.states.topRows(5);
  EXPECT_NE(error_of([&] { analyze(short_rows, {}); }).find("trials · frames = 32 rows"), std::string::npos);
  AnalysisInput other_diet = in;
  other_diet.diet = {task_named("category_1back")};
  EXPECT_NE(error_of([&] { analyze(other_diet, {}); }).find("which is not in the diet"), std::string::npos);
}
