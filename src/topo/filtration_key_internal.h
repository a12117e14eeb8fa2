// Heap keys for the working column of the persistence reduction. A key orders simplices in
// the filtration order (diameter up, index down) with one comparison: for indices below
// 2^32 − 2 it packs into a uint64 (diameter bits high, complemented index low; non-negative
// IEEE-754 floats order like their bit patterns), which halves the heap's memory traffic
// and makes each comparison a single integer compare. Larger indices (high dimensions on
// many points) use a two-word key. Each key type also has "sentinels": a sentinel for
// diameter f sorts after every simplex of diameter <= f and before every longer one — the
// lazy working column uses them to stand for cofacets not generated yet.
#pragma once

#include <cstdint>

#include "topo/radix_sort_internal.h"

namespace rnnscope::topo::detail {

struct PackedKey {
  using Raw = uint64_t;
  static constexpr int64_t kMaxIndex = 0xFFFFFFFDll;
  static Raw make(float diam, int64_t index) {
    return (uint64_t{float_bits(diam)} << 32) | (0xFFFFFFFEull - static_cast<uint64_t>(index));
  }
  static Raw sentinel(float diam) { return (uint64_t{float_bits(diam)} << 32) | 0xFFFFFFFFull; }
  static float diam(Raw k) { return bits_float(static_cast<uint32_t>(k >> 32)); }
  static int64_t index(Raw k) { return static_cast<int64_t>(0xFFFFFFFEull - (k & 0xFFFFFFFFull)); }
  static bool less(Raw a, Raw b) { return a < b; }
};

struct WideKey {
  struct Raw {
    uint32_t diam_bits;
    uint64_t rest;  // ~0 − 1 − index for a simplex, ~0 for a sentinel
    bool operator==(const Raw& o) const { return diam_bits == o.diam_bits && rest == o.rest; }
  };
  static constexpr int64_t kMaxIndex = INT64_MAX;
  static Raw make(float diam, int64_t index) {
    return Raw{float_bits(diam), ~uint64_t{0} - 1 - static_cast<uint64_t>(index)};
  }
  static Raw sentinel(float diam) { return Raw{float_bits(diam), ~uint64_t{0}}; }
  static float diam(Raw k) { return bits_float(k.diam_bits); }
  static int64_t index(Raw k) { return static_cast<int64_t>(~uint64_t{0} - 1 - k.rest); }
  static bool less(Raw a, Raw b) {
    return a.diam_bits < b.diam_bits || (a.diam_bits == b.diam_bits && a.rest < b.rest);
  }
};

}  // namespace rnnscope::topo::detail
