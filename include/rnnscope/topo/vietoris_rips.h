// Persistent homology of Vietoris–Rips filtrations (barcodes over Z/2), Ripser-class:
// implicit simplices, cohomology with clearing, apparent and emergent pairs, union–find for
// H0. Algorithm and references: docs/topology.md.
#pragma once

#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "rnnscope/core/memory.h"
#include "rnnscope/topo/distance_matrix.h"

namespace rnnscope::topo {

// One bar [birth, death); death = +inf for a class that never dies.
struct PersistencePair {
  double birth = 0;
  double death = 0;
};

struct PersistenceOptions {
  // Highest homology dimension computed (0 = components only, 1 = loops, 2 = voids).
  int max_dim = 1;
  // Largest edge length in the filtration; +inf means the enclosing radius (beyond which the
  // complex is contractible, so no bar is lost — as in Ripser).
  double threshold = std::numeric_limits<double>::infinity();
  // Worker threads for the parallel phases; 0 = all hardware threads. Results do not
  // depend on it.
  int threads = 1;
  // The estimate of what the computation allocates is checked against this before it
  // allocates (Error of kind memory_limit when it exceeds it).
  MemoryBudget memory;

  PersistenceOptions& set_max_dim(int v) { max_dim = v; return *this; }
  PersistenceOptions& set_threshold(double v) { threshold = v; return *this; }
  PersistenceOptions& set_threads(int v) { threads = v; return *this; }
  PersistenceOptions& set_memory(MemoryBudget v) { memory = std::move(v); return *this; }
};

struct Barcodes {
  // bars[k] are the bars in dimension k, in the order the `ripser` program prints them;
  // bars of zero length are omitted (as in Ripser).
  std::vector<std::vector<PersistencePair>> bars;
  // The threshold actually used (the enclosing radius when none was given).
  double threshold = 0;
};

// Bytes the computation allocates beyond the distance matrix, estimated from the number of
// points, the edges within the threshold and max_dim (the Erdős–Rényi count of higher
// simplices at the complex's edge density; clustered clouds have more).
double estimate_persistence_bytes(int64_t points, int64_t edges, int max_dim);

// Bytes of a distance matrix of `points` points as DistanceMatrix stores it (float32, full).
double distance_matrix_bytes(int64_t points);

// Errors: max_dim outside [0, 8], negative or NaN threshold, threads < 0, an estimate of the
// memory needed above options.memory.
Barcodes vietoris_rips(const DistanceMatrix& distances, const PersistenceOptions& options = {});

}  // namespace rnnscope::topo
