// The record and Markdown summary of `rnnscope analyze` (src/requests/nback_analysis_internal.h).
#include "requests/nback_analysis_internal.h"

#include "rnnscope/requests/nback_analyze.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

namespace rnnscope::requests {
namespace {

const std::vector<std::string> kFeatureNames = {"location", "identity", "category"};

void add_scores(Record& record, const std::string& name, const nback::Scores& scores) {
  record.add(name + "/accuracy", scores.shape, scores.accuracy);
  record.add(name + "/chance", scores.shape, scores.chance);
}

std::string number(double v) {
  if (std::isnan(v)) return "–";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", v);
  return buffer;
}
std::string cell(const ScoreMean& m) { return std::isnan(m.accuracy) ? "–" : number(m.accuracy) + " (" + number(m.chance) + ")"; }

std::string row(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const auto& c : cells) out += " " + c + " |";
  return out + "\n";
}
std::string header(const std::vector<std::string>& cells) {
  std::string rule = "|";
  for (size_t i = 0; i < cells.size(); ++i) rule += "---|";
  return row(cells) + rule + "\n";
}

int feature_of(const nback::NbackAnalysis& a, size_t task) {
  for (int f = 0; f < 3; ++f)
    if (a.relevant[task * 3 + size_t(f)]) return f;
  return 0;
}

}  // namespace

void add_states(Record& record, const nback::AnalysisInput& in) {
  const auto trials = static_cast<int64_t>(in.trials.size()), frames = static_cast<int64_t>(in.frames);
  const auto matrix_values = [](const linalg::Matrix& m) {  // row by row (Eigen stores columns)
    std::vector<double> out;
    out.reserve(static_cast<size_t>(m.size()));
    for (Eigen::Index r = 0; r < m.rows(); ++r)
      for (Eigen::Index c = 0; c < m.cols(); ++c) out.push_back(m(r, c));
    return out;
  };
  record.add("states/hidden", {trials, frames, in.states.cols()}, matrix_values(in.states));
  record.add("states/perceptual", {trials, frames, in.perceptual.cols()}, matrix_values(in.perceptual));
  std::vector<int64_t> objects, task;
  for (const nback::Trial& t : in.trials) {
    for (const nback::Object& o : t.objects)
      for (int f = 0; f < 3; ++f) objects.push_back(nback::feature_value(o, static_cast<nback::Feature>(f)));
    const auto in_diet = std::find_if(in.diet.begin(), in.diet.end(), [&](const nback::NBackTask& d) { return nback::task_id(d) == t.task; });
    task.push_back(static_cast<int64_t>(in_diet - in.diet.begin()));
  }
  record.add("states/objects", {trials, frames, 3}, std::move(objects));
  record.add("states/task", {trials}, std::move(task));
}

ScoreMean mean_over(const nback::Scores& s, const std::function<bool(const std::vector<int64_t>&)>& pick) {
  double accuracy = 0, chance = 0;
  int64_t n = 0;
  std::vector<int64_t> index(s.shape.size(), 0);
  for (size_t cell = 0; cell < s.accuracy.size(); ++cell) {
    if (pick(index) && !std::isnan(s.accuracy[cell])) accuracy += s.accuracy[cell], chance += s.chance[cell], ++n;
    for (size_t d = index.size(); d-- > 0;) {  // the next row-major index
      if (++index[d] < s.shape[d]) break;
      index[d] = 0;
    }
  }
  return n == 0 ? ScoreMean{} : ScoreMean{accuracy / double(n), chance / double(n)};
}

std::string markdown_path(const std::string& out) {
  const std::string h5 = ".h5";
  return out.size() > h5.size() && out.compare(out.size() - h5.size(), h5.size(), h5) == 0
             ? out.substr(0, out.size() - h5.size()) + ".md"
             : out + ".md";
}

Record analysis_record(const nback::NbackAnalysis& a, const std::vector<double>& task_accuracy, const Json& attributes) {
  Record record;
  const auto K = static_cast<int64_t>(a.tasks.size());
  record.add("tasks", {K}, a.tasks);
  record.add("features", {3}, kFeatureNames);
  record.add("task_trials", {K}, a.task_trials);
  record.add("task_accuracy", {K}, task_accuracy);
  record.add("relevant", {K, 3}, a.relevant);
  add_scores(record, "decoding", a.decoding);
  add_scores(record, "cross_task", a.cross_task);
  record.add("orthogonality/cnn", {3}, a.orthogonality_cnn);
  record.add("orthogonality/rnn", {3}, a.orthogonality_rnn);
  add_scores(record, "orthogonality/cnn_decoding", a.decoding_cnn);
  add_scores(record, "orthogonality/rnn_decoding", a.decoding_rnn);
  add_scores(record, "encoding_to_memory", a.encoding_to_memory);
  add_scores(record, "across_positions", a.across_positions);
  add_scores(record, "procrustes", a.procrustes);
  record.add("procrustes/scale", a.procrustes.shape, a.procrustes_scale);
  record.add("procrustes/residual", a.procrustes.shape, a.procrustes_residual);
  add_scores(record, "procrustes/swap_same_age", a.swap_same_age);
  add_scores(record, "procrustes/swap_next_age", a.swap_next_age);
  record.attributes = attributes;
  return record;
}

std::string analysis_markdown(const nback::NbackAnalysis& a, const std::vector<double>& task_accuracy,
                              const Json& attributes) {
  const size_t K = a.tasks.size();
  const int64_t frames = a.decoding.shape.at(2);
  std::string md = "# N-back analyses of " + attributes.at("run").get<std::string>() + "\n\n";
  md += std::to_string(attributes.at("trials").get<int64_t>()) + " held-out trials (seed " +
        std::to_string(attributes.at("seed").get<int64_t>()) + "), " + std::to_string(attributes.at("folds").get<int64_t>()) +
        "-fold cross-validated one-vs-rest logistic decoders (l2 " + number(attributes.at("l2").get<double>()) +
        "). Every entry is accuracy (chance); – where undefined. Layout of the HDF5 file beside: docs/nback.md.\n\n";

  md += "## Decoding at the encoding step (T = S, mean over S)\n\nThe task's own feature is marked *.\n\n";
  md += header({"task", "trials", "task accuracy", "location", "identity", "category"});
  for (size_t k = 0; k < K; ++k) {
    std::vector<std::string> cells{a.tasks[k], std::to_string(a.task_trials[k]), number(task_accuracy[k])};
    for (int64_t f = 0; f < 3; ++f) {
      const ScoreMean m = mean_over(a.decoding, [&](const auto& i) { return i[0] == int64_t(k) && i[1] == f && i[2] == i[3]; });
      cells.push_back(cell(m) + (a.relevant[k * 3 + size_t(f)] ? " *" : ""));
    }
    md += row(cells);
  }

  std::vector<std::string> ages{"task"};
  for (int64_t age = 0; age < frames; ++age) ages.push_back("age " + std::to_string(age));
  const auto by_age = [&](const nback::Scores& s, const std::string& title) {
    std::string out = title + header(ages);
    for (size_t k = 0; k < K; ++k) {
      const int64_t f = feature_of(a, k);
      std::vector<std::string> cells{a.tasks[k]};
      for (int64_t age = 0; age < frames; ++age) {
        cells.push_back(cell(mean_over(s, [&](const auto& i) { return i[0] == int64_t(k) && i[1] == f && i[3] - i[2] == age; })));
      }
      out += row(cells);
    }
    return out;
  };
  md += "\n" + by_age(a.decoding, "## Memory: the task's feature by age T − S (mean over S)\n\nA decoder fitted at each step:\n\n");
  md += "\n" + by_age(a.encoding_to_memory, "The decoder of the encoding step (T = S) tested at later steps (4a):\n\n");

  md += "\n## Across sequence positions (4b): fitted on E(S = i, T = i), tested on E(S = j, T = j), the task's feature\n\n";
  md += header({"task", "i = j", "i ≠ j"});
  for (size_t k = 0; k < K; ++k) {
    const int64_t f = feature_of(a, k);
    const auto same = mean_over(a.across_positions, [&](const auto& i) { return i[0] == int64_t(k) && i[1] == f && i[2] == i[3]; });
    const auto other = mean_over(a.across_positions, [&](const auto& i) { return i[0] == int64_t(k) && i[1] == f && i[2] != i[3]; });
    md += row({a.tasks[k], cell(same), cell(other)});
  }

  md += "\n## Procrustes (4c): the decoder of age a carried onto age a + 1 by a rotation and a scale, the task's feature\n\n";
  std::vector<std::string> steps{"task"};
  for (int64_t age = 0; age + 1 < frames; ++age) steps.push_back(std::to_string(age) + " → " + std::to_string(age + 1));
  md += header(steps);
  for (size_t k = 0; k < K; ++k) {
    std::vector<std::string> cells{a.tasks[k]};
    for (int64_t age = 0; age + 1 < frames; ++age) {
      cells.push_back(cell(mean_over(a.procrustes, [&](const auto& i) { return i[0] == int64_t(k) && i[2] - i[1] == age; })));
    }
    md += row(cells);
  }

  md += "\n## Swap test (4d): the decoder of age a carried to a + 1 by its own map, another object's map of the same age, "
        "its own map of the next age (mean over S and a)\n\n";
  md += header({"task", "own map", "same age, another object", "next age"});
  for (size_t k = 0; k < K; ++k) {
    const auto of_task = [&](const auto& i) { return i[0] == int64_t(k); };
    md += row({a.tasks[k], cell(mean_over(a.procrustes, of_task)), cell(mean_over(a.swap_same_age, of_task)),
               cell(mean_over(a.swap_next_age, of_task))});
  }

  md += "\n## Cross-task generalisation (2): fitted on the row's task, tested on the column's (encoding step)\n";
  for (int64_t f = 0; f < 3; ++f) {
    md += "\n" + kFeatureNames[size_t(f)] + ":\n\n";
    std::vector<std::string> columns{"fitted on \\ tested on"};
    columns.insert(columns.end(), a.tasks.begin(), a.tasks.end());
    md += header(columns);
    for (size_t r = 0; r < K; ++r) {
      std::vector<std::string> cells{a.tasks[r]};
      for (size_t c = 0; c < K; ++c) {
        cells.push_back(cell(mean_over(a.cross_task, [&](const auto& i) { return i[0] == f && i[1] == int64_t(r) && i[2] == int64_t(c); })));
      }
      md += row(cells);
    }
  }

  md += "\n## Orthogonalisation index (3) of each feature's one-vs-rest normals (1 = orthogonal)\n\n";
  md += header({"feature", "O in the CNN space", "O in the RNN space", "CNN decoding", "RNN decoding"});
  for (size_t f = 0; f < 3; ++f) {
    md += row({kFeatureNames[f], number(a.orthogonality_cnn[f]), number(a.orthogonality_rnn[f]),
               cell({a.decoding_cnn.accuracy[f], a.decoding_cnn.chance[f]}),
               cell({a.decoding_rnn.accuracy[f], a.decoding_rnn.chance[f]})});
  }
  return md;
}

}  // namespace rnnscope::requests
