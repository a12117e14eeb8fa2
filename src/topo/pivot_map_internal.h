// Open-addressing hash map from a pivot simplex (its 63-bit index) to the column that owns
// it. Ripser keeps these in std::unordered_map (or robin-hood); the persistence reduction
// looks a pivot up for nearly every column, so a flat table with linear probing (one cache
// line per probe, no allocation per insert) is worth its few lines.
#pragma once

#include <cstdint>
#include <vector>

namespace rnnscope::topo::detail {

class PivotMap {
 public:
  static constexpr int64_t kAbsent = -1;

  explicit PivotMap(size_t expected = 1024) { rehash(capacity_for(expected)); }

  // The value stored for `key`, or kAbsent.
  int64_t find(int64_t key) const {
    size_t slot = hash(key) & mask_;
    while (true) {
      const Slot& s = slots_[slot];
      if (s.key == key) return s.value;
      if (s.key == kEmpty) return kAbsent;
      slot = (slot + 1) & mask_;
    }
  }

  // Inserts key -> value; the key must be new (a pivot is claimed once).
  void insert(int64_t key, int64_t value) {
    if ((size_ + 1) * 2 > slots_.size()) rehash(slots_.size() * 2);
    place(key, value);
    ++size_;
  }

  size_t size() const { return size_; }

 private:
  static constexpr int64_t kEmpty = -1;
  struct Slot {
    int64_t key;
    int64_t value;
  };

  static size_t capacity_for(size_t expected) {
    size_t c = 16;
    while (c < expected * 2) c *= 2;
    return c;
  }
  // Fibonacci hashing: multiplying by 2^64/φ spreads consecutive simplex indices (which
  // arrive in runs) over the whole table; the high bits are the well-mixed ones.
  size_t hash(int64_t key) const {
    return static_cast<size_t>((static_cast<uint64_t>(key) * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  void place(int64_t key, int64_t value) {
    size_t slot = hash(key) & mask_;
    while (slots_[slot].key != kEmpty) slot = (slot + 1) & mask_;
    slots_[slot] = Slot{key, value};
  }
  void rehash(size_t capacity) {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(capacity, Slot{kEmpty, 0});
    mask_ = capacity - 1;
    int bits = 0;
    while ((size_t{1} << bits) < capacity) ++bits;
    shift_ = 64 - bits;
    for (const Slot& s : old)
      if (s.key != kEmpty) place(s.key, s.value);
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  int shift_ = 60;
  size_t size_ = 0;
};

}  // namespace rnnscope::topo::detail
