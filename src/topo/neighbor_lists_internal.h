// Each vertex's neighbours within the threshold, sorted by distance: the sparse view of the
// distance matrix. It makes coboundary enumeration output-sensitive — the cofacets of a
// simplex with diameter <= r add a vertex w within r of *every* vertex of the simplex, so
// scanning the shortest of the vertices' r-prefixes finds them all — which is what lets the
// lazy working column generate a coboundary one narrow diameter window at a time.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "rnnscope/topo/distance_matrix.h"
#include "topo/parallel_internal.h"
#include "topo/radix_sort_internal.h"

namespace rnnscope::topo::detail {

class NeighborLists {
 public:
  // Entries pack (distance bits << 32 | vertex); non-negative float bits order like the
  // values, so one integer sort orders a list by (distance, vertex).
  NeighborLists(const DistanceMatrix& dist, float threshold, int threads)
      : offsets_(static_cast<size_t>(dist.size() + 1), 0) {
    const int64_t n = dist.size();
    std::vector<int64_t> counts(static_cast<size_t>(n), 0);
    parallel_chunks(n, 32, threads, [&](int64_t begin, int64_t end, int) {
      for (int64_t i = begin; i < end; ++i) {
        const float* r = dist.row(i);
        int64_t c = 0;
        for (int64_t j = 0; j < n; ++j) c += (j != i) & (r[j] <= threshold);
        counts[static_cast<size_t>(i)] = c;
      }
    });
    for (int64_t i = 0; i < n; ++i)
      offsets_[static_cast<size_t>(i + 1)] = offsets_[static_cast<size_t>(i)] + counts[static_cast<size_t>(i)];
    entries_.resize(static_cast<size_t>(offsets_.back()));
    parallel_chunks(n, 32, threads, [&](int64_t begin, int64_t end, int) {
      for (int64_t i = begin; i < end; ++i) {
        const float* r = dist.row(i);
        uint64_t* out = entries_.data() + offsets_[static_cast<size_t>(i)];
        int64_t k = 0;
        for (int64_t j = 0; j < n; ++j)
          if (j != i && r[j] <= threshold)
            out[k++] = (uint64_t{float_bits(r[j])} << 32) | static_cast<uint64_t>(j);
        std::sort(out, out + k);
      }
    });
  }

  const uint64_t* begin(int64_t v) const { return entries_.data() + offsets_[static_cast<size_t>(v)]; }
  // End of the neighbours of v within distance r.
  const uint64_t* end_within(int64_t v, float r) const {
    const uint64_t* first = begin(v);
    const uint64_t* last = entries_.data() + offsets_[static_cast<size_t>(v) + 1];
    return std::upper_bound(first, last, (uint64_t{float_bits(r)} << 32) | 0xFFFFFFFFull);
  }
  static int64_t vertex(uint64_t entry) { return static_cast<int64_t>(entry & 0xFFFFFFFFull); }

 private:
  std::vector<int64_t> offsets_;
  std::vector<uint64_t> entries_;
};

}  // namespace rnnscope::topo::detail
