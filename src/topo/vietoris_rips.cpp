// Vietoris–Rips persistence barcodes over Z/2, in the manner of Ripser (U. Bauer, "Ripser:
// efficient computation of Vietoris–Rips persistence barcodes", J. Appl. Comput. Topol. 5,
// 2021). Written from the paper; the derivations are in docs/topology.md. In short:
//  * simplices are integers (combinatorial number system) and never stored as vertex lists;
//  * cohomology: the coboundary matrix is reduced column by column in reverse filtration
//    order, and "clearing" (Chen & Kerber 2011) skips every column whose simplex was a pivot
//    one dimension lower;
//  * apparent pairs (σ, τ) with diam σ = diam τ, τ the earliest cofacet of σ and σ the latest
//    facet of τ, are persistence pairs of zero length: their columns are never built, and
//    when a reduction meets such a τ as pivot it recomputes σ on the fly;
//  * emergent pairs: a column whose earliest cofacet has the same diameter and is unclaimed
//    is already reduced, found by a scan that stops at that cofacet;
//  * H0 by union–find over the sorted edges (Kruskal), whose non-tree edges are the
//    columns of dimension 1.
// Departures from Ripser, each named where it is implemented: lazy coboundaries in the
// working column (diameter windows over distance-sorted neighbour lists, with sentinels),
// cached heads of reduced columns, one coboundary scan per column shared by the apparent-
// and emergent-pair tests, packed 64-bit heap keys, a full row-major distance matrix
// (sequential scans), radix sorting of edges, an open-addressing pivot table, and
// multithreaded column assembly.
#include "rnnscope/topo/vietoris_rips.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "rnnscope/core/error.h"
#include "topo/filtration_key_internal.h"
#include "topo/neighbor_lists_internal.h"
#include "topo/parallel_internal.h"
#include "topo/pivot_map_internal.h"
#include "topo/radix_sort_internal.h"
#include "topo/simplex_coding_internal.h"

namespace rnnscope::topo {
namespace {

using detail::BinomialTable;
using detail::PivotMap;

constexpr int kMaxVertices = 11;  // max_dim <= 8: simplices of dimension up to 9 (cofacets)
constexpr int64_t kNone = -1;
constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kFirstWindowFraction = 32;
constexpr size_t kHeadEntries = 32;

// A simplex in the filtration: its diameter and its combinatorial index.
struct Entry {
  float diam;
  int64_t index;
};

// Filtration order: by diameter, ties broken by *decreasing* index (the reverse
// colexicographic order Ripser uses; it makes the earliest cofacet the one found first by a
// scan over vertices from the top, which is what makes apparent pairs cheap to find).
inline bool earlier(const Entry& a, const Entry& b) {
  return a.diam < b.diam || (a.diam == b.diam && a.index > b.index);
}

// A column to reduce, with the cofacet found by its apparent-pair scan: the earliest
// cofacet of equal diameter (kNone if there is none), i.e. its emergent-pair candidate.
struct Column {
  Entry simplex;
  int64_t candidate;
};

// A reduced column kept for later additions: the simplex whose coboundary it started as,
// plus the other simplices added into it (a range of Computation::reducer_terms_), and the
// cached head of the reduced column: its entries up to diameter `cut` (a range of the
// reduction's head store), or all of them when `complete`.
struct Reducer {
  Entry simplex;
  int64_t terms_begin;
  int64_t terms_end;
  int64_t head_begin = 0;
  int64_t head_end = 0;
  float cut = 0;
  bool complete = false;
  bool has_head = false;
};

class Computation {
 public:
  Computation(const DistanceMatrix& dist, int max_dim, float threshold, int threads)
      : dist_(dist), n_(dist.size()), max_dim_(max_dim), threshold_(threshold),
        limit_(std::min(threshold, dist.max_distance())), threads_(threads),
        binom_(dist.size(), max_dim + 2),
        // Only the reductions (dimension >= 1) use neighbour lists; H0 alone needs none.
        neighbors_(dist, max_dim >= 1 ? threshold : -1.0f, threads) {}

  Barcodes run() {
    Barcodes out;
    out.bars.resize(static_cast<size_t>(max_dim_ + 1));
    std::vector<Entry> edges = sorted_edges();
    build_edge_tops(edges);
    std::vector<Column> columns = compute_h0(edges, out.bars[0]);
    if (max_dim_ < 1) return out;
    std::vector<Entry> simplices = std::move(edges);  // every edge within the threshold
    for (int dim = 1; dim <= max_dim_; ++dim) {
      PivotMap pivots(columns.size());
      reduce(dim, columns, pivots, out.bars[static_cast<size_t>(dim)]);
      if (dim < max_dim_) assemble_columns(dim, simplices, pivots, columns);
    }
    return out;
  }

 private:
  // ---- simplex geometry ------------------------------------------------------------------

  // Vertices of a dim-simplex, largest first.
  void vertices(int64_t index, int dim, int64_t* v) const {
    if (dim == 1) {
      // Closed form for edges: the largest a with C(a, 2) <= index, from a(a-1)/2 <= index,
      // instead of a binary search (edges are by far the most decoded simplices).
      int64_t a = static_cast<int64_t>((1.0 + std::sqrt(1.0 + 8.0 * static_cast<double>(index))) / 2.0);
      while (a * (a - 1) / 2 > index) --a;
      while ((a + 1) * a / 2 <= index) ++a;
      v[0] = a;
      v[1] = index - a * (a - 1) / 2;
      return;
    }
    detail::decode_simplex(binom_, index, dim, v);
  }

  // Largest w in [lo, hi] with d(v_i, w) <= diam for every row; kNone if none. The caller
  // keeps the simplex's own vertices out of [lo, hi].
  int64_t scan_segment(const float* const* rows, int count, float diam, int64_t hi,
                       int64_t lo) const {
    int64_t w = hi;
    if (count == 2) {
      // Blocked scan: test eight vertices per step without an early exit inside the block,
      // which the compiler turns into SIMD compares; most scans run long before a hit.
      const float* a = rows[0];
      const float* b = rows[1];
      for (; w - 7 >= lo; w -= 8) {
        int hit = 0;
        for (int k = 0; k < 8; ++k) hit |= (a[w - k] <= diam) & (b[w - k] <= diam);
        if (hit) break;
      }
      for (; w >= lo; --w)
        if (a[w] <= diam && b[w] <= diam) return w;
      return kNone;
    }
    for (; w >= lo; --w) {
      bool ok = true;
      for (int i = 0; i < count; ++i) ok &= rows[i][w] <= diam;
      if (ok) return w;
    }
    return kNone;
  }

  // The largest vertex w > `floor` outside the simplex v[0..dim] (diameter `diam`) with
  // d(v_i, w) <= diam for all i, i.e. the earliest cofacet of equal diameter among those
  // adding a vertex above `floor` (vertices are scanned from the top, so cofacet indices
  // decrease); kNone if none. The scan starts at cofacet_ceiling(), not at the top vertex.
  // (Walking the shortest diam-prefix of the distance-sorted neighbour lists instead was
  // measured no faster on RTD matrices and 3-D point clouds: hits come early from the top.)
  int64_t top_equal_cofacet_vertex(const int64_t* v, int dim, float diam, int64_t floor) const {
    int64_t hi = cofacet_ceiling(v, dim, diam);
    if (hi <= floor) return kNone;
    // Zeroed only because GCC cannot prove that scan_segment reads no row beyond those set
    // here (-Wmaybe-uninitialized once this is inlined into the column assembly).
    const float* rows[kMaxVertices] = {};
    for (int i = 0; i <= dim; ++i) rows[i] = dist_.row(v[i]);
    for (int t = 0; t <= dim + 1; ++t) {
      const int64_t lo = std::max(floor + 1, t <= dim ? v[t] + 1 : int64_t{0});
      if (hi >= lo) {
        const int64_t w = scan_segment(rows, dim + 1, diam, hi, lo);
        if (w != kNone) return w;
      }
      if (t > dim || v[t] <= floor + 1) break;
      hi = std::min(hi, v[t] - 1);
    }
    return kNone;
  }

  // An upper bound on the vertex top_equal_cofacet_vertex() looks for: every vertex w that
  // keeps the diameter of v[0..dim] lies in the lune of v's longest edge {a, b} (d(a, w) and
  // d(b, w) <= d(a, b) = diam), and the largest vertex of that lune is in edge_top_. kNone
  // when the lune is empty; n - 1 (no bound) without the table.
  int64_t cofacet_ceiling(const int64_t* v, int dim, float diam) const {
    if (edge_top_.empty()) return n_ - 1;
    for (int i = 0; i < dim; ++i) {
      const float* r = dist_.row(v[i]);
      for (int j = i + 1; j <= dim; ++j)
        if (r[v[j]] == diam) return edge_top_[static_cast<size_t>(detail::edge_index(v[i], v[j]))];
    }
    return n_ - 1;  // unreachable: some edge of a simplex has its diameter
  }

  // edge_top_ for every edge within the threshold: its top equal-diameter cofacet vertex,
  // found by one scan per edge. With it, the apparent-pair tests of dimension 2 and up start
  // their scans at the lune's top instead of vertex n - 1, and those of triangles against
  // their facets (is a triangle the earliest cofacet of its latest facet?) need no scan at
  // all; on a 300-point cloud up to H2 those tests were ~90% of the time. Built only when
  // max_dim >= 2, and only when the edges fill at least 1/8 of the possible ones: it is
  // indexed by edge index (C(n, 2) entries), so on sparse complexes it would cost more memory
  // than the edge list itself.
  void build_edge_tops(const std::vector<Entry>& edges) {
    const int64_t possible = n_ * (n_ - 1) / 2;
    if (max_dim_ < 2 || static_cast<int64_t>(edges.size()) * 8 < possible) return;
    std::vector<int32_t> tops(static_cast<size_t>(possible), -1);
    detail::parallel_chunks(static_cast<int64_t>(edges.size()), 4096, threads_,
                            [&](int64_t begin, int64_t end, int) {
                              int64_t v[2];
                              for (int64_t i = begin; i < end; ++i) {
                                const Entry& e = edges[static_cast<size_t>(i)];
                                vertices(e.index, 1, v);
                                tops[static_cast<size_t>(e.index)] =
                                    static_cast<int32_t>(top_equal_cofacet_vertex(v, 1, e.diam, -1));
                              }
                            });
    edge_top_ = std::move(tops);
  }

  // Index of the cofacet v ∪ {w} (w not in v): vertices above w move up one binomial slot.
  int64_t cofacet_index(const int64_t* v, int dim, int64_t w) const {
    int64_t index = 0;
    int t = 0;
    for (; t <= dim && v[t] > w; ++t) index += binom_(v[t], dim + 2 - t);
    index += binom_(w, dim + 2 - t);
    for (; t <= dim; ++t) index += binom_(v[t], dim + 1 - t);
    return index;
  }

  // Diameter of the vertex set u[0..count) without u[skip].
  float diameter_without(const int64_t* u, int count, int skip) const {
    float d = 0;
    for (int i = 0; i < count; ++i) {
      if (i == skip) continue;
      const float* r = dist_.row(u[i]);
      for (int j = i + 1; j < count; ++j)
        if (j != skip) d = std::max(d, r[u[j]]);
    }
    return d;
  }

  // Index of the facet u \ {u[skip]} of the (count-1)-simplex u.
  int64_t facet_index(const int64_t* u, int count, int skip) const {
    const int dim = count - 1;
    int64_t index = 0;
    for (int i = 0; i < count; ++i) {
      if (i == skip) continue;
      index += binom_(u[i], i < skip ? dim - i : dim + 1 - i);
    }
    return index;
  }

  // If τ (dimension dim+1, diameter diam) is the pivot of a zero-length apparent pair
  // (σ, τ), returns σ; otherwise kNone. σ is τ's latest facet — the first facet of equal
  // diameter when removing vertices from the largest (increasing index) — and τ must in turn
  // be σ's earliest cofacet: no vertex above the one τ adds may give an equal diameter.
  int64_t apparent_facet(int64_t tau, int dim, float diam) const {
    int64_t u[kMaxVertices];
    vertices(tau, dim + 1, u);
    return apparent_facet_of(u, dim, diam);
  }

  // apparent_facet() for τ given by its vertices u[0..dim+1], largest first (column assembly
  // has them at hand; decoding the index costs more than the test itself with edge_top_).
  int64_t apparent_facet_of(const int64_t* u, int dim, float diam) const {
    const int count = dim + 2;
    for (int k = 0; k < count; ++k) {
      if (diameter_without(u, count, k) != diam) continue;
      int64_t v[kMaxVertices];
      for (int i = 0, j = 0; i < count; ++i)
        if (i != k) v[j++] = u[i];
      if (top_equal_cofacet_vertex(v, dim, diam, u[k]) != kNone) return kNone;
      return facet_index(u, count, k);
    }
    return kNone;
  }

  // The apparent-pair test for a column σ: finds σ's earliest cofacet of equal diameter τ
  // (the emergent candidate) and reports whether σ is also τ's latest facet — then the pair
  // is apparent and σ needs no column. One scan serves both tests (Ripser scans twice).
  bool is_apparent(const Entry& s, int dim, int64_t* candidate) const {
    int64_t v[kMaxVertices];
    vertices(s.index, dim, v);
    return is_apparent_of(v, dim, s.diam, candidate);
  }

  // is_apparent() for σ given by its vertices v[0..dim], largest first, and its diameter.
  bool is_apparent_of(const int64_t* v, int dim, float diam, int64_t* candidate) const {
    // Unreachable (max_dim <= 8 keeps dim + 2 <= kMaxVertices); it tells the compiler the
    // vertex array below is large enough.
    *candidate = kNone;
    if (dim + 2 > kMaxVertices) return false;
    const int64_t w = top_equal_cofacet_vertex(v, dim, diam, -1);
    if (w == kNone) return false;
    *candidate = cofacet_index(v, dim, w);
    // Facets of τ = σ ∪ {w} earlier in index order than σ are those removing a vertex of σ
    // above w; σ is the latest facet iff all of them are shorter than σ.
    int64_t u[kMaxVertices];
    int t = 0;
    for (; t <= dim && v[t] > w; ++t) u[t] = v[t];
    u[t] = w;
    for (int i = t; i <= dim; ++i) u[i + 1] = v[i];
    for (int k = 0; k < t; ++k)
      if (diameter_without(u, dim + 2, k) >= diam) return false;
    return true;
  }

  // ---- dimension 0 -----------------------------------------------------------------------

  // All edges with diameter <= threshold in filtration order.
  std::vector<Entry> sorted_edges() const {
    const int64_t rows = n_;
    std::vector<std::vector<uint64_t>> parts(static_cast<size_t>(threads_));
    const bool packable = n_ * (n_ - 1) / 2 < (int64_t{1} << 32);
    std::vector<Entry> edges;
    if (!packable) {
      for (int64_t i = 1; i < rows; ++i) {
        const float* r = dist_.row(i);
        for (int64_t j = 0; j < i; ++j)
          if (r[j] <= threshold_) edges.push_back(Entry{r[j], detail::edge_index(i, j)});
      }
      std::sort(edges.begin(), edges.end(), earlier);
      return edges;
    }
    // Packed key: diameter bits high, (2^32 - 1 - index) low, so ascending keys are the
    // filtration order (diameter up, index down).
    detail::parallel_chunks(rows, 64, threads_, [&](int64_t begin, int64_t end, int worker) {
      auto& out = parts[static_cast<size_t>(worker)];
      for (int64_t i = std::max<int64_t>(begin, 1); i < end; ++i) {
        const float* r = dist_.row(i);
        const int64_t base = detail::edge_index(i, 0);
        for (int64_t j = 0; j < i; ++j)
          if (r[j] <= threshold_)
            out.push_back((uint64_t{detail::float_bits(r[j])} << 32) |
                          (0xFFFFFFFFull - static_cast<uint64_t>(base + j)));
      }
    });
    std::vector<uint64_t> keys;
    size_t total = 0;
    for (auto& p : parts) total += p.size();
    keys.reserve(total);
    for (auto& p : parts) {
      keys.insert(keys.end(), p.begin(), p.end());
      std::vector<uint64_t>().swap(p);
    }
    detail::radix_sort(keys);
    edges.resize(keys.size());
    for (size_t i = 0; i < keys.size(); ++i)
      edges[i] = Entry{detail::bits_float(static_cast<uint32_t>(keys[i] >> 32)),
                       static_cast<int64_t>(0xFFFFFFFFull - (keys[i] & 0xFFFFFFFFull))};
    return edges;
  }

  // Kruskal with union–find (path halving, union by rank): an edge joining two components
  // kills the younger one, a bar [0, diam); every other edge closes a cycle and becomes a
  // column of dimension 1 unless it forms an apparent pair. Tree edges are exactly the
  // pivots of dimension 0, so leaving them out is the clearing step for dimension 1.
  std::vector<Column> compute_h0(const std::vector<Entry>& edges,
                                 std::vector<PersistencePair>& bars) const {
    std::vector<int64_t> parent(static_cast<size_t>(n_));
    std::vector<uint8_t> rank(static_cast<size_t>(n_), 0);
    for (int64_t i = 0; i < n_; ++i) parent[static_cast<size_t>(i)] = i;
    auto find = [&](int64_t x) {
      while (parent[static_cast<size_t>(x)] != x) {
        parent[static_cast<size_t>(x)] = parent[static_cast<size_t>(parent[static_cast<size_t>(x)])];
        x = parent[static_cast<size_t>(x)];
      }
      return x;
    };
    std::vector<Entry> cycle_edges;
    for (const Entry& e : edges) {
      int64_t v[2];
      vertices(e.index, 1, v);
      int64_t a = find(v[0]), b = find(v[1]);
      if (a != b) {
        if (e.diam > 0) bars.push_back(PersistencePair{0.0, static_cast<double>(e.diam)});
        if (rank[static_cast<size_t>(a)] < rank[static_cast<size_t>(b)]) std::swap(a, b);
        parent[static_cast<size_t>(b)] = a;
        if (rank[static_cast<size_t>(a)] == rank[static_cast<size_t>(b)]) ++rank[static_cast<size_t>(a)];
      } else if (max_dim_ >= 1) {
        cycle_edges.push_back(e);
      }
    }
    for (int64_t i = 0; i < n_; ++i)
      if (find(i) == i) bars.push_back(PersistencePair{0.0, std::numeric_limits<double>::infinity()});
    if (max_dim_ < 1) return {};
    // Reverse filtration order for the cohomology reduction.
    std::reverse(cycle_edges.begin(), cycle_edges.end());
    return filter_apparent(cycle_edges, 1);
  }

  // Drops the candidates that form apparent pairs and keeps the rest, in the given order,
  // with their emergent candidates. Independent per simplex, hence parallel.
  std::vector<Column> filter_apparent(const std::vector<Entry>& candidates, int dim) const {
    std::vector<int64_t> found(candidates.size());
    detail::parallel_chunks(static_cast<int64_t>(candidates.size()), 4096, threads_,
                            [&](int64_t begin, int64_t end, int) {
                              for (int64_t i = begin; i < end; ++i) {
                                int64_t candidate;
                                const bool apparent = is_apparent(candidates[static_cast<size_t>(i)], dim, &candidate);
                                found[static_cast<size_t>(i)] = apparent ? -2 : candidate;
                              }
                            });
    std::vector<Column> columns;
    for (size_t i = 0; i < candidates.size(); ++i)
      if (found[i] != -2) columns.push_back(Column{candidates[i], found[i]});
    return columns;
  }

  // ---- reduction -------------------------------------------------------------------------

  // The working column of the reduction: a sum (over Z/2) of coboundaries δs, one per added
  // simplex s, kept as a min-heap of cofacet keys whose top is the pivot.
  //
  // Lazy coboundaries (unlike Ripser, which pushes every cofacet of every added simplex):
  // a column is typically reduced after a few pops, while each coboundary has up to n
  // cofacets — on a 1000-vertex RTD matrix the eager heap receives 160 M entries and
  // finally holds 55 M, of which a few thousand are ever popped. Here each added simplex is
  // a generator that pushes its cofacets one diameter window at a time (windows double in
  // width), leaving in a second, small heap a sentinel that sorts after its last pushed
  // window. While a sentinel precedes the top of the cofacet heap, that generator pushes
  // its next window; once none does, every copy of the top entry has been pushed, so
  // cancellation and the pivot are exact.
  template <class Key>
  class LazyColumn {
   public:
    using Raw = typename Key::Raw;
    LazyColumn(const Computation& c, int dim) : c_(c), dim_(dim) {}

    void clear() {
      heap_.clear();
      sentinels_.clear();
      generators_.clear();
      groups_.clear();
    }

    // Adds a stored reduced column through its cached head (entries with diameter <= cut,
    // already cancelled) and, unless the head is the whole column, a deferred group that
    // stands for the rest — the coboundaries of its V-terms beyond the cut — and becomes
    // generators only if the pivot search ever passes the cut (usually it does not).
    void add_reduced(const Reducer& r, const Raw* head, const std::vector<Entry>& terms) {
      const size_t before = heap_.size();
      heap_.insert(heap_.end(), head + r.head_begin, head + r.head_end);
      heapify_appended(before);
      if (r.complete) return;
      groups_.push_back(Group{&r, &terms});
      sentinels_.push_back(Sentinel{Key::sentinel(r.cut), -static_cast<int32_t>(groups_.size())});
      std::push_heap(sentinels_.begin(), sentinels_.end(), SentinelGreater{});
    }

    // After the pivot is popped: collects the column's next entries in order (cancelled),
    // at least `count` of them and then to the end of that diameter, into `out`. Returns
    // the cut diameter, or +inf when the column ran out (the head is complete). Consumes
    // the column.
    float drain_head(size_t count, std::vector<Raw>& out) {
      Raw next;
      size_t taken = 0;
      float cut = -kInf;
      while (pop_pivot(&next)) {
        const float d = Key::diam(next);
        if (taken >= count && d > cut) return cut;
        out.push_back(next);
        ++taken;
        cut = d;
      }
      return kInf;
    }

    // Adds δs to the column.
    void add(const Entry& s) {
      const float span = c_.limit_ - s.diam;
      // First window: 1/32 of what is left up to the limit, then doubling. Measured on RTD
      // matrices of 400 and 1000 vertices: 1/8 to 1/256 are within 10%; 1/32 is best.
      generators_.push_back(Generator{s, -kInf, span > 0 ? span / kFirstWindowFraction : 0.0f});
      refill(static_cast<int32_t>(generators_.size() - 1));
    }

    // Puts back a popped entry (before adding the column that cancels it).
    void push(Raw key) {
      heap_.push_back(key);
      std::push_heap(heap_.begin(), heap_.end(), Greater{});
    }

    // Removes and returns the pivot (the earliest entry with odd multiplicity).
    bool pop_pivot(Raw* pivot) {
      while (true) {
        while (!sentinels_.empty() &&
               (heap_.empty() || Key::less(sentinels_.front().key, heap_.front()))) {
          const int32_t g = sentinels_.front().generator;
          std::pop_heap(sentinels_.begin(), sentinels_.end(), SentinelGreater{});
          sentinels_.pop_back();
          if (g >= 0) refill(g); else expand(-g - 1);
        }
        if (heap_.empty()) return false;
        const Raw top = heap_.front();
        std::pop_heap(heap_.begin(), heap_.end(), Greater{});
        heap_.pop_back();
        if (!heap_.empty() && heap_.front() == top) {
          std::pop_heap(heap_.begin(), heap_.end(), Greater{});
          heap_.pop_back();
          continue;
        }
        *pivot = top;
        return true;
      }
    }

   private:
    struct Generator {
      Entry simplex;
      float frontier;  // cofacets with diameter <= frontier have been pushed
      float step;      // width of the next window
    };
    struct Group {
      const Reducer* reducer;
      const std::vector<Entry>* terms;
    };
    struct Sentinel {
      Raw key;
      int32_t generator;  // >= 0: a generator; < 0: group -generator - 1
    };

    // Replaces a deferred group by generators for the reducer's simplex and V-terms, each
    // starting past the cut (everything up to it came from the cached head).
    void expand(int32_t group) {
      const Reducer& r = *groups_[static_cast<size_t>(group)].reducer;
      const std::vector<Entry>& terms = *groups_[static_cast<size_t>(group)].terms;
      add_from(r.simplex, r.cut);
      for (int64_t k = r.terms_begin; k < r.terms_end; ++k) add_from(terms[static_cast<size_t>(k)], r.cut);
    }

    // A generator for δs whose cofacets up to diameter `from` are already accounted for.
    void add_from(const Entry& s, float from) {
      const float span = c_.limit_ - from;
      generators_.push_back(Generator{s, from, span > 0 ? span / kFirstWindowFraction : 0.0f});
      refill(static_cast<int32_t>(generators_.size() - 1));
    }

    void heapify_appended(size_t before) {
      // Bulk heap construction: one O(m) make_heap beats many O(log m) pushes when the
      // new entries are at least as many as the old ones.
      const size_t added = heap_.size() - before;
      if (added >= before) {
        std::make_heap(heap_.begin(), heap_.end(), Greater{});
      } else {
        for (size_t i = before + 1; i <= heap_.size(); ++i)
          std::push_heap(heap_.begin(), heap_.begin() + static_cast<std::ptrdiff_t>(i), Greater{});
      }
    }
    struct Greater {
      bool operator()(const Raw& a, const Raw& b) const { return Key::less(b, a); }
    };
    struct SentinelGreater {
      bool operator()(const Sentinel& a, const Sentinel& b) const { return Key::less(b.key, a.key); }
    };

    // Pushes the generator's next window of cofacets and, unless it was the last, its
    // sentinel.
    void refill(int32_t g) {
      Generator& gen = generators_[static_cast<size_t>(g)];
      const float lo = gen.frontier;
      float hi = (lo == -kInf ? gen.simplex.diam : lo) + gen.step;
      gen.step *= 2;
      // The last window ends at the limit; so does a step lost to float rounding.
      if (!(hi < c_.limit_) || !(hi > lo)) hi = c_.limit_;
      gen.frontier = hi;
      const size_t before = heap_.size();
      push_window(gen.simplex, lo, hi);
      heapify_appended(before);
      if (hi < c_.limit_) {
        sentinels_.push_back(Sentinel{Key::sentinel(hi), g});
        std::push_heap(sentinels_.begin(), sentinels_.end(), SentinelGreater{});
      }
    }

    // Appends the cofacets of s with lo < diameter <= hi: those adding a vertex w within hi
    // of every vertex of s and farther than lo from at least one (or, in the first window,
    // lo = -inf, any w within hi of all). Output-sensitive via the sorted neighbour lists:
    //  * first window: walk the shortest of the vertices' hi-prefixes;
    //  * later windows: walk each vertex's ring lo < d(v_i, w) <= hi, emitting w from the
    //    ring of the first vertex farther than lo (so once), checking the rest on the dense
    //    rows. Rings of successive windows are disjoint, so a generator costs its final
    //    prefixes in total, however many windows it takes.
    void push_window(const Entry& s, float lo, float hi) {
      int64_t v[kMaxVertices];
      c_.vertices(s.index, dim_, v);
      const float* rows[kMaxVertices];
      for (int i = 0; i <= dim_; ++i) rows[i] = c_.dist_.row(v[i]);
      if (lo == -kInf) {
        const uint64_t* first = nullptr;
        const uint64_t* last = nullptr;
        for (int i = 0; i <= dim_; ++i) {
          const uint64_t* b = c_.neighbors_.begin(v[i]);
          const uint64_t* e = c_.neighbors_.end_within(v[i], hi);
          if (first == nullptr || e - b < last - first) {
            first = b;
            last = e;
          }
        }
        for (const uint64_t* p = first; p != last; ++p) {
          const int64_t w = detail::NeighborLists::vertex(*p);
          float d = s.diam;
          bool member = false;
          for (int i = 0; i <= dim_; ++i) {
            d = std::max(d, rows[i][w]);
            member |= v[i] == w;
          }
          if (d <= hi && !member) heap_.push_back(Key::make(d, c_.cofacet_index(v, dim_, w)));
        }
        return;
      }
      // s.diam <= lo here (the first window always covers s's own diameter), so the
      // cofacet's diameter is the largest distance from w to the vertices of s.
      for (int i = 0; i <= dim_; ++i) {
        const uint64_t* p = c_.neighbors_.end_within(v[i], lo);
        const uint64_t* last = c_.neighbors_.end_within(v[i], hi);
        for (; p != last; ++p) {
          const int64_t w = detail::NeighborLists::vertex(*p);
          float d = detail::bits_float(static_cast<uint32_t>(*p >> 32));
          bool ok = true;
          for (int j = 0; j <= dim_; ++j) {
            if (j == i) continue;
            const float x = rows[j][w];
            ok &= j < i ? x <= lo : x <= hi;
            ok &= v[j] != w;
            d = std::max(d, x);
          }
          if (ok) heap_.push_back(Key::make(d, c_.cofacet_index(v, dim_, w)));
        }
      }
    }

    const Computation& c_;
    const int dim_;
    std::vector<Raw> heap_;
    std::vector<Sentinel> sentinels_;
    std::vector<Generator> generators_;
    std::vector<Group> groups_;
  };

  void reduce(int dim, const std::vector<Column>& columns, PivotMap& pivots,
              std::vector<PersistencePair>& bars) {
    // Packed keys whenever every cofacet index fits them (all H1 work below ~2900 points).
    if (binom_(n_, dim + 2) <= detail::PackedKey::kMaxIndex)
      reduce_with<detail::PackedKey>(dim, columns, pivots, bars);
    else
      reduce_with<detail::WideKey>(dim, columns, pivots, bars);
  }

  template <class Key>
  void reduce_with(int dim, const std::vector<Column>& columns, PivotMap& pivots,
                   std::vector<PersistencePair>& bars) {
    reducers_.clear();
    reducer_terms_.clear();
    // Cached heads of the reduced columns (see LazyColumn::add_reduced).
    std::vector<typename Key::Raw> heads;
    LazyColumn<Key> work(*this, dim);
    for (const Column& column : columns) {
      const Entry& s = column.simplex;
      // Emergent pair: the earliest cofacet τ has σ's diameter and is unclaimed (neither a
      // stored pivot nor the pivot of an apparent pair), so the column is already reduced.
      if (column.candidate != kNone && pivots.find(column.candidate) == PivotMap::kAbsent &&
          apparent_facet(column.candidate, dim, s.diam) == kNone) {
        pivots.insert(column.candidate, static_cast<int64_t>(reducers_.size()));
        reducers_.push_back(Reducer{s, 0, 0});  // V = {σ}: one generator when added
        continue;
      }
      work.clear();
      terms_.clear();
      work.add(s);
      typename Key::Raw raw;
      while (true) {
        if (!work.pop_pivot(&raw)) {
          // The cocycle survives: an essential class born at diam σ.
          bars.push_back(PersistencePair{s.diam, std::numeric_limits<double>::infinity()});
          break;
        }
        const Entry pivot{Key::diam(raw), Key::index(raw)};
        const int64_t r = pivots.find(pivot.index);
        if (r != PivotMap::kAbsent) {
          // Add the stored column that owns this pivot (its V-column: the simplex and the
          // terms added into it); the pivot goes back in so that the copy cancels it.
          work.push(raw);
          const Reducer& red = reducers_[static_cast<size_t>(r)];
          terms_.push_back(red.simplex);
          terms_.insert(terms_.end(), reducer_terms_.begin() + red.terms_begin,
                        reducer_terms_.begin() + red.terms_end);
          if (red.has_head) {
            work.add_reduced(red, heads.data(), reducer_terms_);
          } else {
            work.add(red.simplex);
            for (int64_t k = red.terms_begin; k < red.terms_end; ++k)
              work.add(reducer_terms_[static_cast<size_t>(k)]);
          }
          continue;
        }
        const int64_t facet = apparent_facet(pivot.index, dim, pivot.diam);
        if (facet != kNone) {
          // The pivot belongs to an apparent pair: its column is just δ(facet).
          work.push(raw);
          const Entry term{pivot.diam, facet};
          terms_.push_back(term);
          work.add(term);
          continue;
        }
        if (pivot.diam > s.diam)
          bars.push_back(PersistencePair{s.diam, static_cast<double>(pivot.diam)});
        pivots.insert(pivot.index, static_cast<int64_t>(reducers_.size()));
        Reducer red{s, static_cast<int64_t>(reducer_terms_.size()), 0};
        append_cancelled_terms();
        red.terms_end = static_cast<int64_t>(reducer_terms_.size());
        // Cache the head of the reduced column: the pivot and the next kHeadEntries entries
        // (to the end of that diameter). Later additions of this column push these instead
        // of regenerating the coboundaries of all its V-terms, which at 2000 vertices are
        // hundreds per column.
        red.has_head = true;
        red.head_begin = static_cast<int64_t>(heads.size());
        heads.push_back(raw);
        red.cut = work.drain_head(kHeadEntries, heads);
        red.complete = std::isinf(red.cut);
        red.head_end = static_cast<int64_t>(heads.size());
        reducers_.push_back(red);
        break;
      }
    }
  }

  // Stores the added simplices of the working column, each kept once if it was added an
  // odd number of times (Z/2).
  void append_cancelled_terms() {
    std::sort(terms_.begin(), terms_.end(),
              [](const Entry& a, const Entry& b) { return a.index < b.index; });
    for (size_t i = 0; i < terms_.size();) {
      size_t j = i;
      while (j < terms_.size() && terms_[j].index == terms_[i].index) ++j;
      if ((j - i) % 2 == 1) reducer_terms_.push_back(terms_[i]);
      i = j;
    }
  }

  // ---- columns of the next dimension ------------------------------------------------------

  // From all dim-simplices within the threshold, builds all (dim+1)-simplices within it
  // (each once: from the facet missing its largest vertex) and the columns among them:
  // not a pivot of dimension dim (clearing), not in an apparent pair.
  void assemble_columns(int dim, std::vector<Entry>& simplices, const PivotMap& pivots,
                        std::vector<Column>& columns) {
    const bool keep_simplices = dim + 1 < max_dim_;
    std::vector<std::vector<Entry>> next_parts(static_cast<size_t>(threads_));
    std::vector<std::vector<Column>> column_parts(static_cast<size_t>(threads_));
    detail::parallel_chunks(
        static_cast<int64_t>(simplices.size()), 1024, threads_,
        [&](int64_t begin, int64_t end, int worker) {
          auto& next = next_parts[static_cast<size_t>(worker)];
          auto& cols = column_parts[static_cast<size_t>(worker)];
          // u = the cofacet's vertices, largest first: u[0] = w, then s's own.
          int64_t u[kMaxVertices + 1];
          const int64_t* v = u + 1;
          const float* rows[kMaxVertices];
          for (int64_t i = begin; i < end; ++i) {
            const Entry s = simplices[static_cast<size_t>(i)];
            vertices(s.index, dim, u + 1);
            for (int j = 0; j <= dim; ++j) rows[j] = dist_.row(v[j]);
            for (int64_t w = v[0] + 1; w < n_; ++w) {
              float d = s.diam;
              for (int j = 0; j <= dim; ++j) d = std::max(d, rows[j][w]);
              if (d > threshold_) continue;
              const Entry c{d, binom_(w, dim + 2) + s.index};
              if (keep_simplices) next.push_back(c);
              if (pivots.find(c.index) != PivotMap::kAbsent) continue;
              u[0] = w;
              if (apparent_facet_of(u, dim, c.diam) != kNone) continue;
              int64_t candidate;
              if (is_apparent_of(u, dim + 1, c.diam, &candidate)) continue;
              cols.push_back(Column{c, candidate});
            }
          }
        });
    columns.clear();
    for (auto& p : column_parts) columns.insert(columns.end(), p.begin(), p.end());
    std::sort(columns.begin(), columns.end(),
              [](const Column& a, const Column& b) { return earlier(b.simplex, a.simplex); });
    simplices.clear();
    if (keep_simplices)
      for (auto& p : next_parts) simplices.insert(simplices.end(), p.begin(), p.end());
  }

  const DistanceMatrix& dist_;
  const int64_t n_;
  const int max_dim_;
  const float threshold_;
  // No simplex is longer than this: min(threshold, largest distance).
  const float limit_;
  const int threads_;
  const BinomialTable binom_;
  const detail::NeighborLists neighbors_;
  // Per edge index: the edge's top equal-diameter cofacet vertex, or -1 (build_edge_tops);
  // empty when not built.
  std::vector<int32_t> edge_top_;
  // Workspaces of the serial reduction, reused across columns.
  std::vector<Entry> terms_;
  std::vector<Reducer> reducers_;
  std::vector<Entry> reducer_terms_;
};

}  // namespace

double distance_matrix_bytes(int64_t points) { return 4.0 * double(points) * double(points); }

// Per edge: the sort (keys and entries, 32 bytes at its peak), the neighbour lists (2 x 8),
// the edge list kept as dimension-1 simplices (16), their columns (24) and pivot-map slots
// (~48 at the map's load factor). A dimension d >= 2 below max_dim keeps all its simplices
// (16 bytes, twice while merged: assemble_columns); columns (72 bytes with their pivot slot)
// are counted for one simplex in ten, the rest being apparent pairs or cleared, as is typical
// of Rips complexes (Bauer 2021) — so the estimate is a floor, not a bound.
double estimate_persistence_bytes(int64_t points, int64_t edges, int max_dim) {
  const double n = double(points), e = double(edges);
  const double possible = n * (n - 1) / 2;
  if (max_dim < 1) return 32 * e + 16 * n;
  double bytes = 136 * e + 32 * n;
  if (max_dim >= 2 && e * 8 >= possible) bytes += 4 * possible;  // the edge-top table
  const double density = possible > 0 ? e / possible : 0;
  for (int d = 2; d <= max_dim; ++d) {
    // C(n, d+1) p^C(d+1, 2): the expected number of d-simplices at edge density p.
    double simplices = 1;
    for (int k = 0; k <= d; ++k) simplices *= (n - k) / double(k + 1);
    simplices = std::max(0.0, simplices * std::pow(density, double(d * (d + 1) / 2)));
    bytes += (d < max_dim ? 32 * simplices : 0) + 7.2 * simplices;
  }
  return bytes;
}

Barcodes vietoris_rips(const DistanceMatrix& distances, const PersistenceOptions& options) {
  require(options.max_dim >= 0 && options.max_dim <= 8,
          "persistent homology: max_dim must be in [0, 8], got " + std::to_string(options.max_dim));
  require(!std::isnan(options.threshold) && options.threshold >= 0,
          "persistent homology: threshold must be >= 0, got " + std::to_string(options.threshold));
  require(options.threads >= 0,
          "persistent homology: threads must be >= 0 (0 = all), got " + std::to_string(options.threads));
  require(distances.size() > 0, "persistent homology: empty distance matrix");
  const float threshold = std::isinf(options.threshold)
                              ? distances.enclosing_radius()
                              : static_cast<float>(options.threshold);
  const int64_t edges = distances.count_edges(threshold);
  require_memory(estimate_persistence_bytes(distances.size(), edges, options.max_dim),
                 "persistent homology of " + std::to_string(distances.size()) + " points up to dimension " +
                     std::to_string(options.max_dim),
                 std::to_string(edges) + " edges within the threshold " + std::to_string(threshold),
                 options.memory);
  Computation computation(distances, options.max_dim, threshold,
                          detail::resolve_threads(options.threads));
  Barcodes out = computation.run();
  out.threshold = threshold;
  return out;
}

}  // namespace rnnscope::topo
