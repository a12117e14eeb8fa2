// The replicas' per-step small products (bench/RESULTS.md, "Replicas"): K = 100 replicas of
// 50 units at batch 20, each product in the BLAS (column-major) form the recurrent engine's
// per-step calls reach (engine/ctrnn_kernel.cpp through linalg::gemm_batch), through
// MKL's sgemm (the one LibTorch's wheel exports, which linalg::gemm calls) and through a
// libxsmm 1.17 JIT kernel (Debian libxsmm-dev), interleaved, best of 5 rounds, 1 thread.
// Measures whether libxsmm would pay for the engine before it becomes a dependency; not built
// by CMake (libxsmm is not one). By hand, from the repository root:
//   T=.venv/lib/python3.11/site-packages/torch/lib
//   g++ -O2 -std=c++17 -Wall -Wextra bench/bench_small_gemm.cpp -o /tmp/bench_small_gemm -L$T -Wl,-rpath,$T -ltorch_cpu -lc10 -lxsmm -lxsmmnoblas -ldl -lpthread
//   OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 /tmp/bench_small_gemm
#include <libxsmm.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

extern "C" void sgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
                       const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
                       const float* beta, float* c, const int* ldc);

namespace {

constexpr int kReplicas = 100, kUnits = 50, kBatch = 20, kRepetitions = 2000, kRounds = 5;

// One product of the step, C[m x n] (+)= op(A) op(B), repeated for every replica.
struct Product {
  const char* name;
  char trans_a, trans_b;
  int m, n, k;
  float beta;
};

double microseconds_per_call(const std::chrono::steady_clock::time_point& start,
                             const std::chrono::steady_clock::time_point& end) {
  return std::chrono::duration<double, std::micro>(end - start).count() / kRepetitions;
}

}  // namespace

int main() {
  std::mt19937 generator(0);
  std::normal_distribution<float> normal;
  std::vector<float> weights(size_t(kReplicas) * kUnits * kUnits), states(size_t(kReplicas) * kUnits * kBatch);
  for (auto& x : weights) x = normal(generator);
  for (auto& x : states) x = normal(generator);
  std::vector<float> out(weights.size());
  libxsmm_init();
  // The forward's z_t = r_{t-1} W^T (row-major) reached BLAS as TN on W; since the kernel
  // stores W^T it is NN, as the backward's dr = dz W is. The weight gradient is accumulated
  // over blocks of steps (larger products), not per step.
  const Product products[] = {{"forward on W as before (TN 50x20x50)", 'T', 'N', kUnits, kBatch, kUnits, 0.f},
                              {"forward on W^T stored; backward (NN 50x20x50)", 'N', 'N', kUnits, kBatch, kUnits, 0.f}};
  std::printf("%d replicas, per step of all of them, microseconds (best of %d interleaved rounds)\n", kReplicas,
              kRounds);
  for (const auto& p : products) {
    const float alpha = 1, beta = p.beta;
    const int lda = p.trans_a == 'N' ? p.m : p.k, ldb = p.trans_b == 'N' ? p.k : p.n, ldc = p.m;
    const size_t a_size = size_t(p.m) * p.k, b_size = size_t(p.k) * p.n, c_size = size_t(p.m) * p.n;
    const auto mkl = [&] {
      for (int r = 0; r < kReplicas; ++r)
        sgemm_(&p.trans_a, &p.trans_b, &p.m, &p.n, &p.k, &alpha, weights.data() + r * a_size, &lda,
               states.data() + r * b_size, &ldb, &beta, out.data() + r * c_size, &ldc);
    };
    const int flags = (p.trans_a == 'T' ? LIBXSMM_GEMM_FLAG_TRANS_A : 0) | (p.trans_b == 'T' ? LIBXSMM_GEMM_FLAG_TRANS_B : 0);
    const libxsmm_smmfunction kernel =
        libxsmm_smmdispatch(p.m, p.n, p.k, &lda, &ldb, &ldc, &alpha, &beta, &flags, nullptr);
    const auto xsmm = [&] {
      for (int r = 0; r < kReplicas; ++r)
        kernel(weights.data() + r * a_size, states.data() + r * b_size, out.data() + r * c_size);
    };
    // Both give the same products (from zeroed outputs, so beta = 1 accumulates once).
    double difference = NAN;
    if (kernel) {
      std::fill(out.begin(), out.end(), 0.f);
      mkl();
      const std::vector<float> reference(out.begin(), out.begin() + long(kReplicas * c_size));
      std::fill(out.begin(), out.end(), 0.f);
      xsmm();
      difference = 0;
      for (size_t i = 0; i < reference.size(); ++i) difference = std::max(difference, double(std::abs(reference[i] - out[i])));
    }
    double mkl_best = INFINITY, xsmm_best = INFINITY;
    for (int round = 0; round < kRounds; ++round) {
      const auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < kRepetitions; ++i) mkl();
      const auto t1 = std::chrono::steady_clock::now();
      if (kernel)
        for (int i = 0; i < kRepetitions; ++i) xsmm();
      const auto t2 = std::chrono::steady_clock::now();
      mkl_best = std::min(mkl_best, microseconds_per_call(t0, t1));
      xsmm_best = std::min(xsmm_best, microseconds_per_call(t1, t2));
    }
    if (kernel) {
      std::printf("%s: MKL sgemm %.1f, libxsmm %.1f (%.2fx), largest difference %.2g\n", p.name, mkl_best, xsmm_best,
                  mkl_best / xsmm_best, difference);
    } else {
      std::printf("%s: MKL sgemm %.1f, libxsmm has no kernel for this transpose\n", p.name, mkl_best);
    }
  }
  libxsmm_finalize();
}
