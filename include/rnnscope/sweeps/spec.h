// A sweep: one base config varied along axes and seeds, expanded into cells, each an ordinary
// training run (docs/scaling.md). The sweep file is TOML:
//   base = "configs/demo.toml"     # a path relative to the sweep file, or an inline [base] table
//   seeds = [1, 2, 3]              # default: the base config's seed
//   combine = "product"            # or "zip" (every axis the same length)
//   [axes]
//   "model.units" = [64, 128]
//   "train.lr" = [0.001, 0.003]
//   [random]                       # optional: `samples` points drawn from ranges (seeded),
//   samples = 4                    # combined with the axes by product
//   seed = 0
//   "train.lr" = { log_uniform = [1e-4, 1e-2] }   # also uniform, int_uniform, choice
//   [runner]
//   threads_per_cell = 1           # LibTorch threads of one cell
//   workers = 0                    # cells at once in one process (0: cores / threads_per_cell)
// Torch-free: parsing and expansion; the cells' configs are validated by the sweep request.
#pragma once

#include "rnnscope/core/params.h"

#include <cstdint>
#include <string>
#include <vector>

namespace rnnscope::sweeps {

struct Cell {
  std::string id;        // "0000", "0001", … in expansion order
  Json values;           // axis key ("model.units") -> value, axes then random keys
  uint64_t seed = 0;
  Json config;           // the base config with the values and the seed applied (unresolved)
};

struct SweepSpec {
  Json base;                          // the base config table (unresolved)
  std::string base_source;            // where it came from, for messages
  std::vector<uint64_t> seeds;
  std::string combine = "product";
  // In key order (a TOML table has none of its own; sorted keys give every reader the same).
  std::vector<std::pair<std::string, std::vector<Json>>> axes;
  int64_t random_samples = 0;
  uint64_t random_seed = 0;
  std::vector<std::pair<std::string, Json>> random_ranges;      // key -> {kind: [args]}
  int64_t threads_per_cell = 1;
  int64_t workers = 0;
  Json source = Json::object();       // the sweep table as given (base inlined), for resumption checks
};

// Parses a sweep table. `source_path` ("" for one given in memory) names the file in errors
// and anchors a relative `base` path. Errors name the key: unknown keys, an empty axis, zip
// axes of different lengths, a bad range.
SweepSpec parse_sweep(const Json& table, const std::string& source_path);
SweepSpec read_sweep_file(const std::string& path);

// The axis keys then the random keys, in the order of the cells' `values`.
std::vector<std::string> value_keys(const SweepSpec& spec);

// Every cell: axis combinations (product over the axes in key order, the last varying
// fastest; zip: the i-th value of every axis), times random samples, times seeds (innermost).
std::vector<Cell> expand(const SweepSpec& spec);

}  // namespace rnnscope::sweeps
