// A minimal fork-join loop for the embarrassingly parallel phases of the persistence
// computation (edge collection, apparent-pair detection, column assembly). Work is handed
// out in chunks through an atomic counter so that uneven chunks (short vs long coboundary
// scans) balance; with threads <= 1 it runs inline, so serial and threaded runs execute the
// same code on the same data in the same chunk layout.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <thread>
#include <vector>

namespace rnnscope::topo::detail {

// Calls body(begin, end, worker) over [0, n) in chunks of `chunk`.
template <class Body>
void parallel_chunks(int64_t n, int64_t chunk, int threads, Body&& body) {
  if (n <= 0) return;
  const int64_t n_chunks = (n + chunk - 1) / chunk;
  const int workers = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, n_chunks)));
  if (workers == 1) {
    for (int64_t c = 0; c < n_chunks; ++c) body(c * chunk, std::min(n, (c + 1) * chunk), 0);
    return;
  }
  std::atomic<int64_t> next{0};
  std::vector<std::exception_ptr> errors(static_cast<size_t>(workers));
  auto run = [&](int worker) {
    try {
      for (int64_t c = next++; c < n_chunks; c = next++)
        body(c * chunk, std::min(n, (c + 1) * chunk), worker);
    } catch (...) {
      errors[static_cast<size_t>(worker)] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(workers - 1));
  for (int w = 1; w < workers; ++w) pool.emplace_back(run, w);
  run(0);
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

inline int resolve_threads(int threads) {
  if (threads > 0) return threads;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

}  // namespace rnnscope::topo::detail
