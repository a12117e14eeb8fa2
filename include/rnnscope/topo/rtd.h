// Representation Topology Divergence (Barannikov, Trofimov, Balabin, Burnaev; ICML 2022),
// computed exactly as the reference code (IlyaTrofimov/RTD, rtd/barcodes.py) but with our
// own Vietoris–Rips persistence on the CPU instead of Ripser++ on a GPU. Construction:
// docs/topology.md.
#pragma once

#include <cstdint>
#include <vector>

#include "rnnscope/topo/distance_matrix.h"
#include "rnnscope/topo/vietoris_rips.h"

namespace rnnscope::topo {

struct RtdOptions {
  // Number of random sub-samples averaged (the reference's `trials`).
  int64_t trials = 10;
  // Rows per sub-sample, drawn without replacement, the same rows from both clouds;
  // min(batch, n) is used. With batch >= n every trial uses all rows (no randomness).
  int64_t batch = 500;
  // Seed of the sub-sampling; trial k draws from Rng::derive(seed, "rtd", k).
  uint64_t seed = 0;
  // Average of RTD(P, Q) and RTD(Q, P) (the reference's rtd); false: RTD(P, Q) only.
  bool symmetric = true;
  // Worker threads (0 = all hardware threads): independent persistence computations (trials
  // and directions) run concurrently. The result does not depend on it.
  int threads = 1;
  // The memory of the concurrent persistence computations is estimated and checked against
  // this before they start (Error of kind memory_limit).
  MemoryBudget memory;

  RtdOptions& set_trials(int64_t v) { trials = v; return *this; }
  RtdOptions& set_batch(int64_t v) { batch = v; return *this; }
  RtdOptions& set_seed(uint64_t v) { seed = v; return *this; }
  RtdOptions& set_symmetric(bool v) { symmetric = v; return *this; }
  RtdOptions& set_threads(int v) { threads = v; return *this; }
  RtdOptions& set_memory(MemoryBudget v) { memory = std::move(v); return *this; }
};

struct RtdTrial {
  std::vector<int64_t> rows;          // the sub-sample (row indices into P and Q)
  double forward = 0;                 // RTD(P, Q): H1 bar-length sum of the P→Q matrix
  double backward = 0;                // RTD(Q, P); 0 unless symmetric
  double score = 0;                   // (forward + backward) / 2, or forward
  std::vector<PersistencePair> forward_bars;   // H1 bars of the P→Q matrix
  std::vector<PersistencePair> backward_bars;  // H1 bars of the Q→P matrix (symmetric only)
};

struct RtdResult {
  double score = 0;  // mean of the trial scores
  std::vector<RtdTrial> trials;
};

// The 2n×2n matrix whose H1 barcode is the R-Cross-Barcode of (P, Q), P and Q paired row
// by row (they may differ in width): with r1 = D(P) / q0.9(D(P)), r2 = D(Q) / q0.9(D(Q))
// (Euclidean distances, each divided by its own 0.9-quantile over all n² entries),
//   [ 0   r1ᵀ        ]
//   [ r1  min(r1, r2) ]
// and entries below mean(r1)·1e-6 set to 0. Errors: row counts differ, empty, non-finite,
// a cloud whose 0.9-quantile distance is 0 (mostly duplicate points).
DistanceMatrix rtd_matrix(const PointCloudView& p, const PointCloudView& q);

// Sum of the finite H1 bar lengths (the reference's h1sum).
double rtd_bar_sum(const std::vector<PersistencePair>& h1_bars);

// RTD(P, Q) averaged over sub-samples. Errors as rtd_matrix, plus trials < 1, batch < 2.
RtdResult rtd(const PointCloudView& p, const PointCloudView& q, const RtdOptions& options = {});

}  // namespace rnnscope::topo
