// HDF5 outputs of persistence and RTD (include/rnnscope/topo/outputs.h).
#include "rnnscope/topo/outputs.h"

#include <filesystem>

#include "rnnscope/core/error.h"
#include "rnnscope/core/hdf5_io.h"

namespace rnnscope::topo {
namespace {

void refuse_existing(const std::string& path, bool overwrite) {
  if (!overwrite && std::filesystem::exists(path))
    throw Error(path + " already exists; pass --force to overwrite it");
}

void write_bars(h5::Writer& w, const std::string& name, const std::vector<PersistencePair>& bars) {
  std::vector<double> flat;
  flat.reserve(bars.size() * 2);
  for (const PersistencePair& p : bars) {
    flat.push_back(p.birth);
    flat.push_back(p.death);
  }
  w.write(name, flat.data(), {static_cast<int64_t>(bars.size()), 2});
}

}  // namespace

void write_barcodes(const std::string& path, const Barcodes& barcodes, int64_t points,
                    const std::string& source, bool overwrite) {
  refuse_existing(path, overwrite);
  h5::Writer w(path);
  for (size_t dim = 0; dim < barcodes.bars.size(); ++dim)
    write_bars(w, "/dim" + std::to_string(dim), barcodes.bars[dim]);
  w.attribute("/", "max_dim", static_cast<int64_t>(barcodes.bars.size()) - 1);
  w.attribute("/", "threshold", barcodes.threshold);
  w.attribute("/", "points", points);
  w.attribute("/", "source", source);
  w.commit();
}

void write_rtd(const std::string& path, const RtdResult& result, const RtdOptions& options,
               const std::string& p_source, const std::string& q_source, bool overwrite) {
  refuse_existing(path, overwrite);
  h5::Writer w(path);
  std::vector<double> scores, forward, backward;
  std::vector<int64_t> rows;
  for (const RtdTrial& t : result.trials) {
    scores.push_back(t.score);
    forward.push_back(t.forward);
    backward.push_back(t.backward);
    rows.insert(rows.end(), t.rows.begin(), t.rows.end());
  }
  w.write("/score", std::vector<double>{result.score});
  w.write("/trial_scores", scores);
  w.write("/trial_forward", forward);
  if (options.symmetric) w.write("/trial_backward", backward);
  const int64_t trials = static_cast<int64_t>(result.trials.size());
  const int64_t batch = trials ? static_cast<int64_t>(result.trials[0].rows.size()) : 0;
  w.write("/rows", rows.data(), {trials, batch});
  for (int64_t k = 0; k < trials; ++k) {
    const RtdTrial& t = result.trials[static_cast<size_t>(k)];
    write_bars(w, "/trial_" + std::to_string(k) + "/forward_h1", t.forward_bars);
    if (options.symmetric) write_bars(w, "/trial_" + std::to_string(k) + "/backward_h1", t.backward_bars);
  }
  w.attribute("/", "trials", options.trials);
  w.attribute("/", "batch", batch);
  w.attribute("/", "seed", static_cast<int64_t>(options.seed));
  w.attribute("/", "symmetric", static_cast<int64_t>(options.symmetric));
  w.attribute("/", "p", p_source);
  w.attribute("/", "q", q_source);
  w.commit();
}

}  // namespace rnnscope::topo
