// Simplices as integers: the combinatorial number system (Knuth, TAOCP 7.2.1.3; used for
// Vietoris–Rips by Bauer, "Ripser", J. Appl. Comput. Topol. 2021, §3). A k-simplex with
// vertices v_k > … > v_0 has index Σ_i C(v_i, i+1), a bijection onto [0, C(n, k+1)); no
// simplex is ever stored as a vertex list, and the index order is the colexicographic order.
#pragma once

#include <cassert>
#include <cstdint>
#include <limits>
#include <vector>

#include "rnnscope/core/error.h"

namespace rnnscope::topo::detail {

// Table of C(v, k) for v in [0, n] and k in [0, max_k]. Stored k-major so that the binary
// search for a vertex (fixed k, varying v) walks one contiguous row.
class BinomialTable {
 public:
  BinomialTable(int64_t n, int max_k) : n_(n + 1), max_k_(max_k), table_((max_k + 1) * (n + 1)) {
    for (int64_t v = 0; v <= n; ++v) {
      at(v, 0) = 1;
      for (int k = 1; k <= max_k; ++k) {
        if (v == 0) {
          at(v, k) = 0;
          continue;
        }
        const int64_t a = at(v - 1, k - 1);
        const int64_t b = at(v - 1, k);
        // The largest index ever formed is C(n, max_k) plus a few terms below it; keeping
        // every entry under 2^62 leaves room for those sums without overflow.
        require(a <= (int64_t{1} << 62) - b,
                "persistent homology: " + std::to_string(n) + " points in dimension " +
                    std::to_string(max_k - 2) + " exceed the 64-bit simplex index range");
        at(v, k) = a + b;
      }
    }
  }

  int64_t operator()(int64_t v, int k) const {
    assert(v >= 0 && v < n_ && k >= 0 && k <= max_k_);
    return table_[static_cast<size_t>(k * n_ + v)];
  }

  // The largest v in [lo, hi] with C(v, k) <= index (C(·, k) is non-decreasing in v).
  int64_t largest_vertex(int64_t index, int k, int64_t lo, int64_t hi) const {
    const int64_t* row = table_.data() + k * n_;
    if (row[hi] <= index) return hi;
    // Invariant: row[lo] <= index < row[hi].
    while (hi - lo > 1) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (row[mid] <= index) lo = mid; else hi = mid;
    }
    return lo;
  }

  int64_t points() const { return n_ - 1; }

 private:
  int64_t& at(int64_t v, int k) { return table_[static_cast<size_t>(k * n_ + v)]; }
  int64_t n_;
  int max_k_;
  std::vector<int64_t> table_;
};

// Writes the dim+1 vertices of simplex `index`, largest first, into `out`.
inline void decode_simplex(const BinomialTable& binom, int64_t index, int dim, int64_t* out) {
  int64_t hi = binom.points() - 1;
  for (int k = dim + 1; k >= 1; --k) {
    const int64_t v = binom.largest_vertex(index, k, k - 1, hi);
    out[dim + 1 - k] = v;
    index -= binom(v, k);
    hi = v - 1;
  }
}

// Index of the edge {a, b}, a > b: C(a, 2) + b.
inline int64_t edge_index(int64_t a, int64_t b) { return a * (a - 1) / 2 + b; }

}  // namespace rnnscope::topo::detail
