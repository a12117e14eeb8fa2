// The latent-geometry analyses of a trained N-back network (include/rnnscope/nback/analysis.h).
#include "rnnscope/nback/analysis.h"

#include "rnnscope/core/error.h"
#include "rnnscope/geometry/subspaces.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>

namespace rnnscope::nback {
namespace {

using geometry::LinearDecoder;
using linalg::Matrix;

constexpr int kFeatures = 3;  // location, identity, category (the Feature enum's order)
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Feature feature_at(int f) { return static_cast<Feature>(f); }

// Row-major means over folds of two values per cell of `shape` (an accuracy and its chance, or
// a Procrustes map's scale and residual), every cell NaN until a fold adds to it.
struct Accumulator {
  explicit Accumulator(std::vector<int64_t> dims) : shape(std::move(dims)) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    sums.assign(static_cast<size_t>(n), {0, 0, 0});
  }
  void add(size_t cell, double first, double second) {
    sums[cell][0] += first, sums[cell][1] += second, sums[cell][2] += 1;
  }
  std::vector<double> means(size_t which) const {
    std::vector<double> out;
    for (const auto& sum : sums) out.push_back(sum[2] > 0 ? sum[which] / sum[2] : kNaN);
    return out;
  }
  Scores scores() const { return {shape, means(0), means(1)}; }
  std::vector<int64_t> shape;
  std::vector<std::array<double, 3>> sums;  // first, second, folds
};

Matrix rows_of(const Matrix& x, const std::vector<size_t>& rows) {
  Matrix out(static_cast<Eigen::Index>(rows.size()), x.cols());
  for (size_t i = 0; i < rows.size(); ++i) out.row(static_cast<Eigen::Index>(i)) = x.row(static_cast<Eigen::Index>(rows[i]));
  return out;
}

template <class T>
std::vector<T> pick(const std::vector<T>& values, const std::vector<size_t>& at) {
  std::vector<T> out;
  for (size_t i : at) out.push_back(values[i]);
  return out;
}

// The folds a set of labels allows: the requested count, fewer where the smallest class is
// smaller; 0 where no cross-validation is possible (one class, a class of one sample).
int usable_folds(const std::vector<int64_t>& y, int requested) {
  std::map<int64_t, int64_t> counts;
  for (int64_t v : y) ++counts[v];
  if (counts.size() < 2) return 0;
  int64_t smallest = std::numeric_limits<int64_t>::max();
  for (const auto& [value, count] : counts) smallest = std::min(smallest, count);
  return smallest < 2 ? 0 : static_cast<int>(std::min<int64_t>(requested, smallest));
}

// Training and held-out samples of one fold.
struct Split {
  std::vector<size_t> train, test;
};
Split split(const std::vector<int>& fold_of, int fold) {
  Split s;
  for (size_t i = 0; i < fold_of.size(); ++i) (fold_of[i] == fold ? s.test : s.train).push_back(i);
  return s;
}

// One task's samples: its trials (indices into the input), the hidden states after each frame
// ([frames] matrices over those trials) and the objects' feature values.
struct TaskSamples {
  std::vector<size_t> trials;
  std::vector<Matrix> after_frame;
  // The value of feature f of the object shown at frame s, per trial of the task.
  std::vector<int64_t> labels(const AnalysisInput& in, int f, int s) const {
    std::vector<int64_t> y;
    for (size_t b : trials) y.push_back(feature_value(in.trials[b].objects[static_cast<size_t>(s)], feature_at(f)));
    return y;
  }
  // All encoding samples: the state after frame s with object s's value, frames stacked.
  std::pair<Matrix, std::vector<int64_t>> encoding(const AnalysisInput& in, int f) const {
    const auto n = static_cast<Eigen::Index>(trials.size());
    Matrix x(n * in.frames, after_frame.empty() ? 0 : after_frame[0].cols());
    std::vector<int64_t> y;
    for (int s = 0; s < in.frames; ++s) {
      x.middleRows(s * n, n) = after_frame[static_cast<size_t>(s)];
      const auto ys = labels(in, f, s);
      y.insert(y.end(), ys.begin(), ys.end());
    }
    return {x, y};
  }
};

void check_input(const AnalysisInput& in) {
  require(!in.diet.empty(), "nback analysis: the diet is empty");
  require(in.frames >= 1, "nback analysis: frames must be >= 1");
  const auto rows = static_cast<Eigen::Index>(in.trials.size()) * in.frames;
  require(in.states.rows() == rows && in.perceptual.rows() == rows,
          "nback analysis: states and perceptual must have trials · frames = " + std::to_string(rows) + " rows, got " +
              std::to_string(in.states.rows()) + " and " + std::to_string(in.perceptual.rows()));
  for (const Trial& t : in.trials) {
    require(static_cast<int>(t.objects.size()) == in.frames, "nback analysis: a trial has " +
                                                                 std::to_string(t.objects.size()) + " frames, not " +
                                                                 std::to_string(in.frames));
  }
}

// One fold of one object S's decoders of the task's own feature: what (4c) and the swap test
// (4d) read.
struct FoldFits {
  std::vector<LinearDecoder> at;                // [frames]: fitted at T >= S
  std::vector<geometry::ScaledRotation> maps;   // [frames]: at[T] → at[T + 1], S <= T < frames − 1
  std::vector<size_t> test;                     // held-out trials
  std::vector<int64_t> y_test;
  double chance = 0;
  // at[from] carried into at[to]'s space by `map`: read through at[to]'s scaling, as the
  // decoder that the map was fitted towards.
  LinearDecoder carried(int from, int to, const geometry::ScaledRotation& map) const {
    return geometry::transformed(at[size_t(from)], map, at[size_t(to)].scaling);
  }
};

// The analyses' per-task results, filled fold by fold.
struct TaskScores {
  Accumulator decoding, encoding_to_memory, across_positions, procrustes, procrustes_fit;
};

// (1), (4a), (4b), (4c) of task k. Its trials are split into folds once (a shuffle by the seed,
// dealt round-robin), the same split for every feature, object and step: each fold's decoders
// of one step T — every feature of every object S <= T — are then fitted on the same samples
// and share their scaling and factorisation (geometry::fit_decoders). A cell is NaN where its
// labels allow no split (one class, a class of one sample); a fold whose training labels hold
// one class adds nothing to it. fits[S][fold] receives the fold's decoders and maps of object
// S's task feature (the swap test's; none where that fold fitted none).
void analyze_task(const AnalysisInput& in, const TaskSamples& task, size_t k, int relevant, const AnalysisOptions& options,
                  TaskScores& scores, std::vector<std::vector<FoldFits>>& fits) {
  const int frames = in.frames;
  const auto F = size_t(frames);
  const int folds = static_cast<int>(std::min<size_t>(size_t(options.decoder.folds), task.trials.size()));
  if (folds < 2) return;
  std::vector<std::vector<int64_t>> labels(kFeatures * F);  // [f · frames + S] over the task's trials
  std::vector<bool> usable(kFeatures * F);
  for (int f = 0; f < kFeatures; ++f) {
    for (int S = 0; S < frames; ++S) {
      labels[size_t(f) * F + size_t(S)] = task.labels(in, f, S);
      usable[size_t(f) * F + size_t(S)] = usable_folds(labels[size_t(f) * F + size_t(S)], 2) > 0;
    }
  }
  const std::vector<int> fold_of = geometry::stratified_folds(std::vector<int64_t>(task.trials.size(), 0), folds, options.decoder.seed);
  for (auto& object : fits) object.resize(size_t(folds));
  auto cell = [&](int f, int a, int b) { return ((k * kFeatures + size_t(f)) * F + size_t(a)) * F + size_t(b); };
  const auto two_classes = [](const std::vector<int64_t>& y) { return std::any_of(y.begin(), y.end(), [&](int64_t v) { return v != y[0]; }); };
  for (int fold = 0; fold < folds; ++fold) {
    const Split s = split(fold_of, fold);
    std::vector<LinearDecoder> at(kFeatures * F * F);  // [f][S][T]
    std::vector<bool> fitted(at.size(), false);
    std::vector<Matrix> x_test(F);
    for (int T = 0; T < frames; ++T) {
      x_test[size_t(T)] = rows_of(task.after_frame[size_t(T)], s.test);
      std::vector<std::vector<int64_t>> ys;
      std::vector<size_t> where;
      for (int f = 0; f < kFeatures; ++f) {
        for (int S = 0; S <= T; ++S) {
          if (!usable[size_t(f) * F + size_t(S)]) continue;
          auto y_train = pick(labels[size_t(f) * F + size_t(S)], s.train);
          if (!two_classes(y_train)) continue;
          ys.push_back(std::move(y_train));
          where.push_back((size_t(f) * F + size_t(S)) * F + size_t(T));
        }
      }
      if (ys.empty()) continue;
      auto decoders = geometry::fit_decoders(rows_of(task.after_frame[size_t(T)], s.train), ys, options.decoder);
      for (size_t i = 0; i < where.size(); ++i) at[where[i]] = std::move(decoders[i]), fitted[where[i]] = true;
    }
    for (int f = 0; f < kFeatures; ++f) {
      for (int S = 0; S < frames; ++S) {
        const auto fs = size_t(f) * F + size_t(S);
        if (!fitted[fs * F + size_t(S)]) continue;  // then no later step was fitted either
        const LinearDecoder& encoding = at[fs * F + size_t(S)];
        const auto y_train = pick(labels[fs], s.train), y_test = pick(labels[fs], s.test);
        const int64_t guess = geometry::most_frequent(y_train);
        const double chance = geometry::constant_accuracy(guess, y_test);
        for (int T = S; T < frames; ++T) {
          scores.decoding.add(cell(f, S, T), at[fs * F + size_t(T)].accuracy(x_test[size_t(T)], y_test), chance);
          scores.encoding_to_memory.add(cell(f, S, T), encoding.accuracy(x_test[size_t(T)], y_test), chance);
        }
        for (int j = 0; j < frames; ++j) {
          const auto y_j = pick(labels[size_t(f) * F + size_t(j)], s.test);
          scores.across_positions.add(cell(f, S, j), encoding.accuracy(x_test[size_t(j)], y_j), geometry::constant_accuracy(guess, y_j));
        }
        if (f != relevant) continue;
        FoldFits& fit = fits[size_t(S)][size_t(fold)] = (FoldFits{std::vector<LinearDecoder>(at.begin() + std::ptrdiff_t(fs * F),
                                                                                          at.begin() + std::ptrdiff_t(fs * F + F)),
                                                              std::vector<geometry::ScaledRotation>(F), s.test, y_test, chance});
        for (int T = S; T + 1 < frames; ++T) {
          const auto& map = fit.maps[size_t(T)] = geometry::procrustes_with_scale(fit.at[size_t(T)].normals, fit.at[size_t(T) + 1].normals);
          const size_t c = (k * F + size_t(S)) * F + size_t(T);
          scores.procrustes.add(c, fit.carried(T, T + 1, map).accuracy(x_test[size_t(T) + 1], y_test), chance);
          scores.procrustes_fit.add(c, map.scale, map.relative_residual);
        }
      }
    }
  }
}

// (4d) the swap test of one task's own feature, in every fold: the decoder of (S, T) carried
// to T + 1 by the map of another object S' of the same age (T' − S' = T − S, the same fold's
// map, averaged over those S'), and by its own map of the next age (T + 1 → T + 2), each
// tested on S's held-out trials at T + 1. fits[S][fold] holds object S's decoders and maps
// (none where that fold fitted none).
void swap_test(const TaskSamples& task, size_t k, int frames, const std::vector<std::vector<FoldFits>>& fits,
               Accumulator& same_age, Accumulator& next_age) {
  for (int S = 0; S < frames; ++S) {
    for (size_t fold = 0; fold < fits[size_t(S)].size(); ++fold) {
      const FoldFits& own = fits[size_t(S)][fold];
      if (own.at.empty()) continue;
      for (int T = S; T + 1 < frames; ++T) {
        const Matrix x = rows_of(task.after_frame[size_t(T) + 1], own.test);
        const auto accuracy = [&](const geometry::ScaledRotation& map) { return own.carried(T, T + 1, map).accuracy(x, own.y_test); };
        const size_t cell = (k * size_t(frames) + size_t(S)) * size_t(frames) + size_t(T);
        for (int other = 0; other < frames; ++other) {
          const int T_other = other + (T - S);
          if (other == S || fits[size_t(other)][fold].at.empty() || T_other + 1 >= frames) continue;
          same_age.add(cell, accuracy(fits[size_t(other)][fold].maps[size_t(T_other)]), own.chance);
        }
        if (T + 2 < frames) next_age.add(cell, accuracy(own.maps[size_t(T) + 1]), own.chance);
      }
    }
  }
}

// (2) for feature f: decoders of task A's encoding samples, tested on every task's.
void analyze_cross_task(const AnalysisInput& in, const std::vector<TaskSamples>& tasks, int f,
                        const AnalysisOptions& options, Accumulator& cross_task) {
  const size_t K = tasks.size();
  std::vector<std::pair<Matrix, std::vector<int64_t>>> sets;
  for (const auto& t : tasks) sets.push_back(t.encoding(in, f));
  for (size_t a = 0; a < K; ++a) {
    const auto& [x, y] = sets[a];
    const int folds = usable_folds(y, options.decoder.folds);
    if (folds == 0) continue;
    const std::vector<int> fold_of = geometry::stratified_folds(y, folds, options.decoder.seed);
    for (int fold = 0; fold < folds; ++fold) {
      const Split s = split(fold_of, fold);
      const auto y_train = pick(y, s.train);
      const int64_t guess = geometry::most_frequent(y_train);
      const LinearDecoder decoder = geometry::fit_decoder(rows_of(x, s.train), y_train, options.decoder);
      for (size_t b = 0; b < K; ++b) {
        const size_t cell = (size_t(f) * K + a) * K + b;
        if (b == a) {
          const auto y_test = pick(y, s.test);
          cross_task.add(cell, decoder.accuracy(rows_of(x, s.test), y_test), geometry::constant_accuracy(guess, y_test));
        } else if (!sets[b].second.empty()) {
          cross_task.add(cell, decoder.accuracy(sets[b].first, sets[b].second), geometry::constant_accuracy(guess, sets[b].second));
        }
      }
    }
  }
}

// (3) in one space: the index of the normals of a decoder of every encoding sample (the first
// `samples` rows), and its cross-validated accuracy.
void orthogonality(const AnalysisInput& in, const Matrix& space, int f, const AnalysisOptions& options,
                   std::vector<double>& index, Scores& decoding) {
  const auto n = std::min<Eigen::Index>(space.rows(), options.orthogonality_samples);
  std::vector<int64_t> y;
  for (Eigen::Index r = 0; r < n; ++r) {
    const Trial& t = in.trials[static_cast<size_t>(r / in.frames)];
    y.push_back(feature_value(t.objects[static_cast<size_t>(r % in.frames)], feature_at(f)));
  }
  geometry::DecoderOptions o = options.decoder;
  o.folds = usable_folds(y, o.folds);
  if (o.folds == 0) {
    index.push_back(kNaN), decoding.accuracy.push_back(kNaN), decoding.chance.push_back(kNaN);
    return;
  }
  const auto fit = geometry::decode(space.topRows(n), y, o);
  index.push_back(geometry::orthogonalization_index(fit.decoder.normals));
  decoding.accuracy.push_back(fit.accuracy);
  decoding.chance.push_back(fit.chance);
}

}  // namespace

NbackAnalysis analyze(const AnalysisInput& in, const AnalysisOptions& requested) {
  check_input(in);
  const int frames = in.frames;
  const size_t K = in.diet.size();
  std::map<int, size_t> position;  // task id → index in the diet
  for (size_t k = 0; k < K; ++k) position[task_id(in.diet[k])] = k;
  std::vector<TaskSamples> tasks(K);
  for (size_t b = 0; b < in.trials.size(); ++b) {
    const auto it = position.find(in.trials[b].task);
    require(it != position.end(), "nback analysis: trial " + std::to_string(b) + " is of task " +
                                      all_tasks().at(static_cast<size_t>(in.trials[b].task)).name() +
                                      ", which is not in the diet");
    tasks[it->second].trials.push_back(b);
  }
  // Every decoder z-scores each unit and CNN feature over its own training rows (the L2 penalty
  // then weighs every unit alike: a GRU's small states would otherwise be penalised into
  // chance), so that held-out rows never shape the scaling they are read through.
  AnalysisOptions options = requested;
  options.decoder.standardize = true;
  NbackAnalysis out;
  const auto Ki = static_cast<int64_t>(K), T = static_cast<int64_t>(frames);
  for (size_t k = 0; k < K; ++k) {
    out.tasks.push_back(in.diet[k].name());
    out.task_trials.push_back(static_cast<int64_t>(tasks[k].trials.size()));
    for (int f = 0; f < kFeatures; ++f) out.relevant.push_back(in.diet[k].feature == feature_at(f));
    for (int t = 0; t < frames; ++t) {
      std::vector<size_t> rows;
      for (size_t b : tasks[k].trials) rows.push_back(b * size_t(frames) + size_t(t));
      tasks[k].after_frame.push_back(rows_of(in.states, rows));
    }
  }
  TaskScores scores{Accumulator({Ki, kFeatures, T, T}), Accumulator({Ki, kFeatures, T, T}),
                    Accumulator({Ki, kFeatures, T, T}), Accumulator({Ki, T, T}), Accumulator({Ki, T, T})};
  Accumulator swap_same_age({Ki, T, T}), swap_next_age({Ki, T, T}), cross_task({kFeatures, Ki, Ki});
  for (size_t k = 0; k < K; ++k) {
    if (tasks[k].trials.empty()) continue;
    std::vector<std::vector<FoldFits>> fits(static_cast<size_t>(frames));  // [S][fold], the task's own feature
    analyze_task(in, tasks[k], k, static_cast<int>(in.diet[k].feature), options, scores, fits);
    swap_test(tasks[k], k, frames, fits, swap_same_age, swap_next_age);
  }
  for (int f = 0; f < kFeatures; ++f) {
    analyze_cross_task(in, tasks, f, options, cross_task);
    orthogonality(in, in.perceptual, f, options, out.orthogonality_cnn, out.decoding_cnn);
    orthogonality(in, in.states, f, options, out.orthogonality_rnn, out.decoding_rnn);
  }
  out.decoding_cnn.shape = out.decoding_rnn.shape = {kFeatures};
  out.decoding = scores.decoding.scores();
  out.encoding_to_memory = scores.encoding_to_memory.scores();
  out.across_positions = scores.across_positions.scores();
  out.procrustes = scores.procrustes.scores();
  out.procrustes_scale = scores.procrustes_fit.means(0);
  out.procrustes_residual = scores.procrustes_fit.means(1);
  out.swap_same_age = swap_same_age.scores();
  out.swap_next_age = swap_next_age.scores();
  out.cross_task = cross_task.scores();
  return out;
}

}  // namespace rnnscope::nback
