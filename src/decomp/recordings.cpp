// Recordings files, their validation and z-scoring, block cross-validation masks and the PCA
// reference (include/rnnscope/decomp/recordings.h).
#include "rnnscope/decomp/recordings.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/rng.h"
#include "rnnscope/linalg/dense.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace rnnscope::decomp {
namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

void require_finite(const std::vector<double>& values, const std::string& what) {
  for (size_t i = 0; i < values.size(); ++i) {
    require(std::isfinite(values[i]), what + " holds a NaN or infinite value (at flat index " + std::to_string(i) +
                                          "); recordings must be finite (drop or interpolate missing bins first)");
  }
}

}  // namespace

int64_t Recordings::conditions() const {
  int64_t c = 0;
  for (int64_t v : condition) c = std::max(c, v + 1);
  return std::max<int64_t>(c, 1);
}

void validate_recordings(const Recordings& rec, const std::string& what) {
  require(rec.trials >= 2 && rec.steps >= 2 && rec.neurons >= 1,
          what + " activity has shape [" + std::to_string(rec.trials) + ", " + std::to_string(rec.steps) + ", " +
              std::to_string(rec.neurons) + "]; needs [trials >= 2, time >= 2, neurons >= 1]");
  require(int64_t(rec.activity.size()) == rec.trials * rec.steps * rec.neurons,
          what + " activity size does not match its shape");
  require_finite(rec.activity, what + " activity");
  if (rec.inputs > 0) {
    require(int64_t(rec.input_values.size()) == rec.trials * rec.steps * rec.inputs,
            what + " inputs must be [trials, time, n_in] = [" + std::to_string(rec.trials) + ", " +
                std::to_string(rec.steps) + ", n_in], matching the activity's trials and time");
    require_finite(rec.input_values, what + " inputs");
  }
  require(rec.condition.empty() || int64_t(rec.condition.size()) == rec.trials,
          what + " condition must have one entry per trial (" + std::to_string(rec.trials) + ")");
  for (int64_t c : rec.condition) {
    require(c >= 0 && c < 100000, what + " condition holds " + std::to_string(c) + "; conditions are 0..C-1");
  }
  require(rec.times.empty() || int64_t(rec.times.size()) == rec.steps,
          what + " times must have one entry per time step (" + std::to_string(rec.steps) + ")");
  require(rec.trial_id.empty() || int64_t(rec.trial_id.size()) == rec.trials,
          what + " trial_id must have one entry per trial (" + std::to_string(rec.trials) + ")");
  for (const auto& [name, values] : rec.trial_info) {
    require(int64_t(values.size()) == rec.trials,
            what + " trial_info " + name + " must have one entry per trial (" + std::to_string(rec.trials) + ")");
    require_finite(values, what + " trial_info " + name);
  }
  // A neuron with one value everywhere cannot be z-scored and carries nothing to fit.
  for (int64_t j = 0; j < rec.neurons; ++j) {
    const double first = rec.activity[size_t(j)];
    bool constant = true;
    for (int64_t i = 1; i < rec.trials * rec.steps && constant; ++i) {
      constant = rec.activity[size_t(i * rec.neurons + j)] == first;
    }
    require(!constant, what + " neuron " + std::to_string(j) + " is constant over all trials and times; "
                              "remove it (it cannot be z-scored)");
  }
}

const std::vector<double>& Recordings::info(const std::string& name) const {
  for (const auto& [key, values] : trial_info)
    if (key == name) return values;
  std::string known;
  for (const auto& item : trial_info) known += (known.empty() ? "" : ", ") + item.first;
  throw Error(source + " has no /trial_info/" + name + " (it has: " + (known.empty() ? "none" : known) + ")");
}

Recordings read_recordings(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    const auto colon = path.rfind(':');
    if (colon != std::string::npos && std::filesystem::exists(path.substr(0, colon))) {
      throw Error("recordings file " + path + " does not exist; a recordings file is read whole (/activity, "
                  "/inputs, /condition, ...): give " + path.substr(0, colon) + " without a :/dataset");
    }
    throw Error("recordings file " + path + " does not exist", Error::Kind::file_not_found);
  }
  require(h5::has_dataset(path, "/activity"),
          path + " has no /activity dataset; a recordings file holds /activity [trials, time, neurons] "
                 "(optional /inputs, /condition, /times, /trial_id, /trial_info/*)");
  Recordings rec;
  rec.source = path;
  auto activity = h5::read_array(path, "/activity");
  require(activity.shape.size() == 3, path + ":/activity has shape " + shape_text(activity.shape) +
                                          "; it must be 3-D [trials, time, neurons]");
  // MATLAB (v7.3 files are HDF5) writes column-major arrays, so a [trials, time, neurons] array
  // appears here as [neurons, time, trials]: read as it stands it would be a wrong but valid fit.
  require(!h5::read_attributes(path, "/activity").contains("MATLAB_class"),
          path + ":/activity was written by MATLAB (attribute MATLAB_class), which stores arrays with their "
                 "dimensions reversed (shape here " + shape_text(activity.shape) +
                 "); rnnscope reads /activity as [trials, time, neurons] in C order: write permute(activity, "
                 "[3 2 1]) from MATLAB, or transpose the array in Python before saving");
  rec.trials = activity.shape[0];
  rec.steps = activity.shape[1];
  rec.neurons = activity.shape[2];
  rec.activity = std::move(activity.data);
  if (h5::has_dataset(path, "/inputs")) {
    auto inputs = h5::read_array(path, "/inputs");
    require(inputs.shape.size() == 3 && inputs.shape[0] == rec.trials && inputs.shape[1] == rec.steps,
            path + ":/inputs has shape " + shape_text(inputs.shape) + "; it must be [trials, time, n_in] = [" +
                std::to_string(rec.trials) + ", " + std::to_string(rec.steps) + ", n_in]");
    rec.inputs = inputs.shape[2];
    rec.input_values = std::move(inputs.data);
  }
  if (h5::is_group(path, "/trial_info")) {
    for (const std::string& name : h5::list_group(path, "/trial_info")) {
      const std::string dataset = "/trial_info/" + name;
      auto a = h5::read_array(path, dataset);
      require(a.shape.size() == 1 && a.shape[0] == rec.trials,
              path + ":" + dataset + " has shape " + shape_text(a.shape) + "; trial information is [trials] = [" +
                  std::to_string(rec.trials) + "]");
      for (double v : a.data)
        require(std::isfinite(v), path + ":" + dataset + " holds " + std::to_string(v) + "; values must be finite");
      rec.trial_info.emplace_back(name, std::move(a.data));
    }
  }
  const bool info_condition = std::any_of(rec.trial_info.begin(), rec.trial_info.end(),
                                          [](const auto& item) { return item.first == "condition"; });
  const bool root_condition = h5::has_dataset(path, "/condition");
  require(!(info_condition && root_condition),
          path + " has both /condition and /trial_info/condition; give the trials' condition once");
  if (root_condition || info_condition) {
    const std::string dataset = root_condition ? "/condition" : "/trial_info/condition";
    auto cond = h5::read_array(path, dataset);
    require(cond.shape.size() == 1 && cond.shape[0] == rec.trials,
            path + ":" + dataset + " has shape " + shape_text(cond.shape) + "; it must be [trials] = [" +
                std::to_string(rec.trials) + "]");
    for (double v : cond.data) {
      require(std::isfinite(v) && v >= 0 && v == std::floor(v),
              path + ":" + dataset + " holds " + std::to_string(v) + "; conditions are integers 0..C-1");
      rec.condition.push_back(int64_t(v));
    }
  }
  for (const auto& [name, field, length] :
       {std::tuple{"/times", &rec.times, rec.steps}, std::tuple{"/trial_id", &rec.trial_id, rec.trials}}) {
    if (!h5::has_dataset(path, name)) continue;
    auto a = h5::read_array(path, name);
    require(a.shape.size() == 1 && a.shape[0] == length, path + ":" + name + " has shape " + shape_text(a.shape) +
                                                             "; it must be 1-D of length " + std::to_string(length));
    *field = std::move(a.data);
  }
  validate_recordings(rec, path);
  return rec;
}

void write_trial_metadata(h5::Writer& out, const Recordings& rec) {
  bool condition_in_info = false;
  for (const auto& [name, values] : rec.trial_info) {
    out.write("/trial_info/" + name, values);
    condition_in_info = condition_in_info || name == "condition";
  }
  if (!rec.condition.empty() && !condition_in_info) out.write("/condition", rec.condition);
  if (!rec.times.empty()) out.write("/times", rec.times);
  if (!rec.trial_id.empty()) out.write("/trial_id", rec.trial_id);
}

void write_recordings(h5::Writer& out, const Recordings& rec) {
  out.write("/activity", rec.activity.data(), {rec.trials, rec.steps, rec.neurons});
  if (rec.inputs > 0) out.write("/inputs", rec.input_values.data(), {rec.trials, rec.steps, rec.inputs});
  write_trial_metadata(out, rec);
}

NeuronScaling zscore_neurons(Recordings& rec) {
  NeuronScaling s;
  const int64_t rows = rec.trials * rec.steps, m = rec.neurons;
  s.mean.assign(size_t(m), 0.0);
  s.std.assign(size_t(m), 0.0);
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < m; ++j) s.mean[size_t(j)] += rec.activity[size_t(i * m + j)];
  }
  for (auto& v : s.mean) v /= double(rows);
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < m; ++j) {
      const double d = rec.activity[size_t(i * m + j)] - s.mean[size_t(j)];
      s.std[size_t(j)] += d * d;
    }
  }
  for (auto& v : s.std) v = std::sqrt(v / double(rows));
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < m; ++j) {
      auto& v = rec.activity[size_t(i * m + j)];
      v = (v - s.mean[size_t(j)]) / s.std[size_t(j)];
    }
  }
  return s;
}

CvMasks block_cv_masks(int64_t trials, int64_t steps, int64_t neurons, double held_out_fraction, uint64_t seed,
                       BlockHalfSize outer, BlockHalfSize inner) {
  require(held_out_fraction > 0 && held_out_fraction < 1,
          "the held-out fraction must lie in (0, 1), got " + std::to_string(held_out_fraction));
  const int64_t total = trials * steps * neurons;
  CvMasks m;
  m.train.assign(size_t(total), 1);
  m.test.assign(size_t(total), 0);
  Rng rng = Rng::derive(seed, "cv-blocks");
  int64_t excluded = 0;
  const auto index = [&](int64_t k, int64_t t, int64_t j) { return size_t((k * steps + t) * neurons + j); };
  // Visit every entry of the box of half-size h around (k, t, j), clipped to the tensor.
  const auto for_box = [&](int64_t k, int64_t t, int64_t j, BlockHalfSize h, const auto& fn) {
    for (int64_t kk = std::max<int64_t>(0, k - h.trial); kk <= std::min(trials - 1, k + h.trial); ++kk)
      for (int64_t tt = std::max<int64_t>(0, t - h.time); tt <= std::min(steps - 1, t + h.time); ++tt)
        for (int64_t jj = std::max<int64_t>(0, j - h.neuron); jj <= std::min(neurons - 1, j + h.neuron); ++jj)
          fn(index(kk, tt, jj));
  };
  const int64_t target = int64_t(std::ceil(held_out_fraction * double(total)));
  // A bounded number of draws: tiny tensors may never reach the target without excluding all.
  for (int64_t draw = 0; draw < 100 * total && excluded < target; ++draw) {
    const int64_t k = rng.integer(trials), t = rng.integer(steps), j = rng.integer(neurons);
    for_box(k, t, j, outer, [&](size_t i) {
      if (m.train[i]) {
        m.train[i] = 0;
        ++excluded;
      }
    });
    for_box(k, t, j, inner, [&](size_t i) { m.test[i] = 1; });
  }
  int64_t kept = 0;
  for (auto v : m.train) kept += v;
  require(kept > 0, "the cross-validation blocks leave no training data; lower the held-out fraction");
  return m;
}

std::vector<double> pca_unexplained(const Recordings& rec, const std::vector<int64_t>& ranks) {
  const int64_t rows = rec.trials * rec.steps, m = rec.neurons;
  linalg::Matrix x(rows, m);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < m; ++j) x(i, j) = rec.activity[size_t(i * m + j)];
  x.rowwise() -= x.colwise().mean();
  const linalg::Matrix cov = x.transpose() * x;
  const auto eig = linalg::eigh(0.5 * (cov + cov.transpose()));
  const double total = std::max(1e-300, eig.values.cwiseMax(0.0).sum());
  std::vector<double> out;
  for (int64_t r : ranks) {
    double kept = 0;
    for (int64_t i = 0; i < std::min(r, m); ++i) kept += std::max(0.0, eig.values(i));
    out.push_back(std::max(0.0, 1.0 - kept / total));
  }
  return out;
}

}  // namespace rnnscope::decomp
