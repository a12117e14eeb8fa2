// Sorting (diameter, simplex index) entries into filtration order. Diameters are
// non-negative floats, whose IEEE-754 bit patterns order like the values, so an entry packs
// into one 64-bit key (diameter bits high, index low) whenever the index fits 32 bits;
// those keys are sorted by an LSD radix sort (linear time; Knuth, TAOCP 5.2.5), which beats
// comparison sorting by several times on the ~10^5–10^6 edges of the inputs we care about.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace rnnscope::topo::detail {

inline uint32_t float_bits(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits;
}

inline float bits_float(uint32_t bits) {
  float x;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

// Sorts keys ascending, 8 bits per pass; a pass whose digit is the same for every key is
// skipped (the high diameter bits mostly are).
inline void radix_sort(std::vector<uint64_t>& keys) {
  const size_t n = keys.size();
  if (n < 256) {
    std::sort(keys.begin(), keys.end());
    return;
  }
  std::vector<uint64_t> buffer(n);
  uint64_t* src = keys.data();
  uint64_t* dst = buffer.data();
  for (int shift = 0; shift < 64; shift += 8) {
    size_t count[257] = {0};
    for (size_t i = 0; i < n; ++i) ++count[((src[i] >> shift) & 0xFF) + 1];
    bool trivial = false;
    for (int d = 1; d <= 256; ++d)
      if (count[d] == n) trivial = true;
    if (trivial) continue;
    for (int d = 1; d <= 256; ++d) count[d] += count[d - 1];
    for (size_t i = 0; i < n; ++i) dst[count[(src[i] >> shift) & 0xFF]++] = src[i];
    std::swap(src, dst);
  }
  if (src != keys.data()) std::memcpy(keys.data(), src, n * sizeof(uint64_t));
}

}  // namespace rnnscope::topo::detail
