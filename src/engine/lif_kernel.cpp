// The discrete-time recurrent LIF layer's fused whole-sequence kernel for surrogate-gradient
// training (a torch::autograd::Function) and its reference twin in plain LibTorch ops, the
// kernel's test oracle (lif_kernel.h).
//
// Forward, per trial (row vectors v_t, s_t [N], inputs u_t [n_in]):
//   v_t = β v_{t−1} + b + u_t W_inᵀ + s_{t−1} W_recᵀ − θ s_{t−1},   s_t = H(v_t − θ),   v_0 = s_0 = 0.
// s_{t−1} is binary and mostly zero, and so are spike-train inputs: both products are sums of
// the rows of W_recᵀ (W_inᵀ, scaled by u) of the entries that are not zero (event-driven: the
// cost is N per spike, not N² per step; a dense GEMM over all T·B rows of inputs that are 5%
// spikes would do 20× the work and stream a [T, B, N] drive buffer).
// Backward, with δ_t = dL/dv_t and the loss's own gradients g_s,t, g_v,t; the reset is
// detached (snnTorch's default), so gradient flows to s_{t−1} through W_rec only:
//   e_t = g_s,t + δ_{t+1} W_rec,   δ_t = g_v,t + σ'(v_t − θ) ⊙ e_t + β δ_{t+1},
//   dW_rec = Σ_t δ_tᵀ s_{t−1},  dW_in = Σ_t δ_tᵀ u_t,  db = Σ_t δ_t,
// the weight gradients event-driven too (row j of dW_recᵀ gains δ_t for each spike of j at
// t − 1; row c of dW_inᵀ gains u_t,c δ_t) and added a few steps' δ at a time
// (kGradientWindow), never from a [T, B, N] buffer. The loss's gradients are read through their
// strides: the counts' backward hands g_s as [B, N] expanded over T (or, from
// lif_spike_counts, as [B, N]), which is never copied.
// With a compact-support surrogate σ' is zero on most entries, and e_t is needed only where
// it is not: those entries are dot products with rows of W_recᵀ instead of a [B, N]·[N, N]
// GEMM per step.
#include "engine/lif_kernel.h"

#include "engine/bptt_internal.h"

#include "core/vector_clones.h"

#include "rnnscope/linalg/gemm.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

#ifdef __linux__
#include <sys/mman.h>
#endif

namespace rnnscope::rnn {
namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// σ'(x) of each surrogate (lif_kernel.h: Surrogate), k the slope.
template <Surrogate S, class T>
inline T surrogate_derivative(T x, T k) {
  if constexpr (S == Surrogate::fast_sigmoid) {
    const T d = T(1) + k * std::abs(x);
    return T(1) / (d * d);
  } else if constexpr (S == Surrogate::arctan) {
    const T z = T(M_PI / 2) * k * x;
    return (k / T(2)) / (T(1) + z * z);
  } else {
    return std::max(T(0), T(1) - k * std::abs(x));
  }
}

template <class F>
void with_surrogate(Surrogate s, const F& f) {
  switch (s) {
    case Surrogate::fast_sigmoid: return f(std::integral_constant<Surrogate, Surrogate::fast_sigmoid>());
    case Surrogate::arctan: return f(std::integral_constant<Surrogate, Surrogate::arctan>());
    case Surrogate::triangle: return f(std::integral_constant<Surrogate, Surrogate::triangle>());
  }
}

// The indices of the entries of x[0, n) that are not zero, into idx; returns their count.
// Spikes, input spikes and compact surrogates are mostly zero: a block of 16 entries is first
// tested as a whole, and only a block with a non-zero entry is scanned entry by entry (where
// each index store waits on the running count).
template <class T>
RNNSCOPE_VECTOR_CLONES int64_t nonzero_entries(const T* __restrict x, int64_t n, int32_t* __restrict idx) {
  constexpr int64_t block = 16;
  int64_t k = 0, i = 0;
  const auto scan = [&](int64_t end) {
    for (; i < end; ++i) {
      idx[k] = static_cast<int32_t>(i);
      k += x[i] != T(0);
    }
  };
  // The test ORs the entries' bit patterns without their signs (±0 alike): as float compares
  // GCC leaves it scalar, as integers it is a few vector ORs.
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  constexpr Bits magnitude = ~Bits(0) >> 1;
  for (; i + block <= n;) {
    Bits any = 0;
    for (int64_t j = 0; j < block; ++j) {
      Bits b;
      std::memcpy(&b, x + i + j, sizeof b);
      any |= b & magnitude;
    }
    if (any)
      scan(i + block);
    else
      i += block;
  }
  scan(n);
  return k;
}

// Σ_m a[m] b[m] in vectors of 64 bytes (GCC's vector extension: one AVX-512 register, two AVX2
// or four SSE ones in the clones of vector_clones.h), four independent sums of them, so that
// neither the adds' latency nor a scalar reduction bounds it. Written out because GCC does not
// reassociate a floating-point sum by itself: the plain loop stays scalar, and eight scalar
// partial sums came out as permutes and a chain of scalar adds (perf annotate).
template <class T>
RNNSCOPE_VECTOR_CLONES T dot(const T* __restrict a, const T* __restrict b, int64_t n) {
  typedef T Vec __attribute__((vector_size(64)));
  constexpr int64_t lanes = sizeof(Vec) / sizeof(T);
  Vec acc[4] = {}, x, y;
  int64_t m = 0;
  for (; m + 4 * lanes <= n; m += 4 * lanes)
    for (int64_t k = 0; k < 4; ++k) {
      std::memcpy(&x, a + m + k * lanes, sizeof x);
      std::memcpy(&y, b + m + k * lanes, sizeof y);
      acc[k] += x * y;
    }
  for (; m + lanes <= n; m += lanes) {
    std::memcpy(&x, a + m, sizeof x);
    std::memcpy(&y, b + m, sizeof y);
    acc[0] += x * y;
  }
  const Vec sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
  T out = 0;
  for (int64_t l = 0; l < lanes; ++l) out += sum[l];
  for (; m < n; ++m) out += a[m] * b[m];
  return out;
}

// y += Σ_k a[k] · rows[k] over n entries, k in order, in the CPU's widest vectors
// (vector_clones.h), four rows per pass, so that y is loaded and stored once per four rows
// instead of per row; each entry's sum is that of one row at a time. Out of line on purpose:
// inlined into the loops over events, GCC interleaved two events' rows in scalar code instead
// of vectorising the row (seen in perf annotate).
template <class T>
RNNSCOPE_VECTOR_CLONES __attribute__((noinline)) void add_rows(const T* const* rows, const T* a, int64_t count,
                                                               int64_t n, T* __restrict y) {
  int64_t k = 0;
  for (; k + 4 <= count; k += 4) {
    const T *__restrict r0 = rows[k], *__restrict r1 = rows[k + 1], *__restrict r2 = rows[k + 2],
                        *__restrict r3 = rows[k + 3];
    const T a0 = a[k], a1 = a[k + 1], a2 = a[k + 2], a3 = a[k + 3];
    for (int64_t i = 0; i < n; ++i) y[i] = (((y[i] + a0 * r0[i]) + a1 * r1[i]) + a2 * r2[i]) + a3 * r3[i];
  }
  for (; k < count; ++k) {
    const T* __restrict r0 = rows[k];
    const T a0 = a[k];
    for (int64_t i = 0; i < n; ++i) y[i] += a0 * r0[i];
  }
}

// y += Σ_{k < count} scale(k) · row(k) over n entries, through add_rows in batches of 16.
template <class T, class Row, class Scale>
void add_row_list(int64_t count, const Row& row, const Scale& scale, int64_t n, T* y) {
  const T* rows[16];
  T a[16];
  for (int64_t k0 = 0; k0 < count; k0 += 16) {
    const int64_t batch = std::min<int64_t>(16, count - k0);
    for (int64_t k = 0; k < batch; ++k) {
      rows[k] = row(k0 + k);
      a[k] = scale(k0 + k);
    }
    add_rows(rows, a, batch, n, y);
  }
}

// One trial's δ_t with a smooth surrogate (σ' nowhere zero, e = δ_{t+1} W_rec formed whole):
// δ = β δ_next + g_v + σ'(v − θ) ⊙ (g_s + e), the absent terms given as rows of zeros. Without
// branches, so that it vectorises (σ''s division is most of its cost; scalar, it was 9% of the
// fast sigmoid's step).
template <Surrogate S, class T>
RNNSCOPE_VECTOR_CLONES __attribute__((noinline)) void smooth_delta_row(T beta, T theta, T k, const T* __restrict v,
                                                                       const T* __restrict next, const T* __restrict g_v,
                                                                       const T* __restrict g_s, const T* __restrict e,
                                                                       int64_t n, T* __restrict delta) {
  for (int64_t i = 0; i < n; ++i)
    delta[i] = (beta * next[i] + g_v[i]) + surrogate_derivative<S>(v[i] - theta, k) * (g_s[i] + e[i]);
}

// The first of the two passes of one trial's δ_t with a compact-support surrogate, without
// branches so that it vectorises: δ = β δ_next + g_v, and σ'(v − θ) into `slope`. The second,
// δ += σ' ⊙ (g_s + e) only where σ' is not zero, is the caller's loop over those entries.
template <Surrogate S, class T>
RNNSCOPE_VECTOR_CLONES __attribute__((noinline)) void compact_delta_base(T beta, T theta, T k, const T* __restrict v,
                                                                         const T* __restrict next,
                                                                         const T* __restrict g_v, int64_t n,
                                                                         T* __restrict delta, T* __restrict slope) {
  for (int64_t i = 0; i < n; ++i) {
    slope[i] = surrogate_derivative<S>(v[i] - theta, k);
    delta[i] = beta * next[i] + g_v[i];
  }
}

// One trial's step: v = β v_prev + b + Σ_{c ∈ fed} u_c witr_c + Σ_{j ∈ spiked} (wrt_j − θ e_j),
// s = H(v − θ); `fed` lists the inputs of u that are not zero, `spiked` the spikes of s_prev.
template <class T>
void lif_forward_row(T beta, T theta, const T* __restrict v_prev, const T* __restrict u, const int32_t* fed,
                     int64_t n_fed, const int32_t* spiked, int64_t n_spiked, const T* __restrict b,
                     const T* __restrict wit, const T* __restrict wrt, int64_t n, T* __restrict v, T* __restrict s) {
  for (int64_t i = 0; i < n; ++i) v[i] = beta * v_prev[i] + b[i];
  add_row_list(n_fed, [&](int64_t k) { return wit + fed[k] * n; }, [&](int64_t k) { return u[fed[k]]; }, n, v);
  add_row_list(n_spiked, [&](int64_t k) { return wrt + spiked[k] * n; }, [](int64_t) { return T(1); }, n, v);
  for (int64_t k = 0; k < n_spiked; ++k) v[spiked[k]] -= theta;
  for (int64_t i = 0; i < n; ++i) s[i] = v[i] > theta ? T(1) : T(0);
}

// Per trial and step, the indices of the entries of the spikes s_t (or of the inputs u_t) that
// are not zero. The forward pass makes them and the backward pass reads them back, instead of
// searching the [T, B, N] spikes and [T, B, n_in] inputs again (that search was a tenth of a
// training step). Built per trial, as each trial's rows are one thread's, then packed into two
// tensors for the autograd context.
class TrialEvents {
 public:
  // Appends the non-zero entries of x[0, n) as the list of the next step.
  template <class T>
  void append(const T* x, int64_t n) {
    const size_t old = index_.size();
    index_.resize(old + static_cast<size_t>(n));
    index_.resize(old + static_cast<size_t>(nonzero_entries(x, n, index_.data() + old)));
    end_.push_back(static_cast<int64_t>(index_.size()));
  }
  // Step t's list (t < the steps appended) and its length.
  const int32_t* list(int64_t t) const { return index_.data() + begin(t); }
  int64_t count(int64_t t) const { return end_[static_cast<size_t>(t)] - begin(t); }

  // index int32 [all events of all trials], offset int64 [trials, steps + 1]: trial r's list of
  // step t is index[offset[r][t], offset[r][t + 1]).
  static std::pair<Tensor, Tensor> pack(const std::vector<TrialEvents>& trials, int64_t steps) {
    int64_t total = 0;
    for (const TrialEvents& e : trials) total += static_cast<int64_t>(e.index_.size());
    Tensor index = at::empty({total}, at::kInt);
    Tensor offset = at::empty({static_cast<int64_t>(trials.size()), steps + 1}, at::kLong);
    int32_t* ip = index.data_ptr<int32_t>();
    int64_t* op = offset.data_ptr<int64_t>();
    int64_t base = 0;
    for (const TrialEvents& e : trials) {
      std::copy(e.index_.begin(), e.index_.end(), ip + base);
      *op++ = base;
      for (int64_t end : e.end_) *op++ = base + end;
      base += static_cast<int64_t>(e.index_.size());
    }
    return {index, offset};
  }

 private:
  int64_t begin(int64_t t) const { return t ? end_[static_cast<size_t>(t - 1)] : 0; }
  std::vector<int32_t> index_;
  std::vector<int64_t> end_;
};

// A packed event list (TrialEvents::pack) as its trial r's list of step t.
struct PackedEvents {
  const int32_t* index;
  const int64_t* offset;
  int64_t steps;
  const int32_t* list(int64_t r, int64_t t) const { return index + offset[r * (steps + 1) + t]; }
  int64_t count(int64_t r, int64_t t) const {
    return offset[r * (steps + 1) + t + 1] - offset[r * (steps + 1) + t];
  }
};
PackedEvents packed(const Tensor& index, const Tensor& offset) {
  return {index.const_data_ptr<int32_t>(), offset.const_data_ptr<int64_t>(), offset.size(1) - 1};
}

// Asks Linux to back a buffer with 2 MB pages where it can (transparent huge pages in their
// "madvise" mode, the common default). The forward pass's [T, B, N] buffers (64 MB each on the
// benchmark network) are mapped anew whenever the workspace cannot hand back the last ones (the
// first step; an output still held), and in 4 KB pages their first touch is 16k page faults
// each, with memory-cgroup accounting: 15–20% of a training step in perf, when every step
// mapped them anew. On a buffer already touched it changes nothing; a hint only: where it is
// refused, nothing changes either.
void advise_huge_pages(const Tensor& fresh) {
#ifdef __linux__
  constexpr uintptr_t huge = uintptr_t(2) << 20;
  const auto begin = reinterpret_cast<uintptr_t>(fresh.data_ptr());
  const uintptr_t first = (begin + huge - 1) & ~(huge - 1), last = (begin + fresh.nbytes()) & ~(huge - 1);
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
  (void)fresh;
#endif
}

// A gradient of the outputs [T, B, N] as a base pointer and its step and trial strides (entries
// contiguous within a trial), or null when undefined. The counts' backward passes its [B, N]
// gradient expanded over T (step stride 0): read so, it is never materialised.
struct GradView {
  torch::Tensor held;
  int64_t step = 0, trial = 0;
};
GradView grad_view(const torch::Tensor& g) {
  if (!g.defined()) return {};
  const torch::Tensor h = g.stride(2) == 1 ? g : g.contiguous();
  return {h, h.stride(0), h.stride(1)};
}

// The gradient of the counts [B, N] as that of the spikes [T, B, N] it is, at every step (stride 0).
GradView counts_grad_view(const torch::Tensor& g) {
  const torch::Tensor h = g.contiguous();
  return {h, 0, h.stride(0)};
}

// Events grouped by their index (a neuron, an input channel; a counting sort that keeps their
// order): each index with an event, ascending, and the payloads of its events in the order they
// were given.
class EventsByIndex {
 public:
  explicit EventsByIndex(int64_t n) : first_(static_cast<size_t>(n) + 1) {}
  // `for_each(f)` calls f(index, payload) for every event, the same events in the same order
  // on both calls.
  template <class ForEach>
  void group(const ForEach& for_each) {
    std::fill(first_.begin(), first_.end(), 0);
    for_each([&](int64_t j, int32_t) { ++first_[static_cast<size_t>(j) + 1]; });
    indices_.clear();
    for (size_t j = 0; j + 1 < first_.size(); ++j) {
      if (first_[j + 1]) indices_.push_back(static_cast<int32_t>(j));
      first_[j + 1] += first_[j];
    }
    payloads_.resize(static_cast<size_t>(first_.back()));
    fill_ = first_;
    for_each([&](int64_t j, int32_t p) { payloads_[static_cast<size_t>(fill_[static_cast<size_t>(j)]++)] = p; });
  }
  int64_t size() const { return static_cast<int64_t>(indices_.size()); }
  int64_t index(int64_t k) const { return indices_[static_cast<size_t>(k)]; }
  const int32_t* payloads(int64_t k) const { return payloads_.data() + first_[static_cast<size_t>(index(k))]; }
  int64_t count(int64_t k) const {
    const auto j = static_cast<size_t>(index(k));
    return first_[j + 1] - first_[j];
  }

 private:
  std::vector<int64_t> first_, fill_;  // first_[j]: where index j's payloads begin
  std::vector<int32_t> indices_, payloads_;
};

// For each index j of `events`, row j of `to` (rows of n entries) gains row_of(p) · scale_of(j, p)
// for each payload p of its events, in their order; split over columns between threads.
template <class T, class RowOf, class ScaleOf>
void add_grouped_rows(const EventsByIndex& events, int64_t n, const RowOf& row_of, const ScaleOf& scale_of, T* to) {
  at::parallel_for(0, n, 128, [&](int64_t i0, int64_t i1) {
    for (int64_t k = 0; k < events.size(); ++k) {
      const int64_t j = events.index(k);
      const int32_t* p = events.payloads(k);
      add_row_list(
          events.count(k), [&](int64_t q) { return row_of(p[q]) + i0; }, [&](int64_t q) { return scale_of(j, p[q]); },
          i1 - i0, to + j * n + i0);
    }
  });
}

// Steps whose δ_t the backward pass keeps before adding their share of dW_rec and dW_in: row j
// of dW_recᵀ gains δ_t of each trial in which j spiked at t − 1 (row c of dW_inᵀ, u_t,c δ_t),
// and a row (4 KB at N = 1000) read and written back from beyond L2 per spike was a fifth of a
// triangle step. Over a window of steps a neuron has several such events, and their rows are
// added in one pass over its row (add_rows), in the order one event at a time would add them.
// 8 steps' δ at B = 32, N = 1000 are 1 MB: they stay in L2.
constexpr int64_t kGradientWindow = 8;

class LifFunction : public torch::autograd::Function<LifFunction> {
 public:
  // Gives back the spikes [T, B, N], or with `counts` only their counts [B, N] (lif_spike_counts),
  // and the membranes.
  static variable_list forward(AutogradContext* ctx, const Tensor& inputs, const Tensor& w_in, const Tensor& w_rec,
                               const Tensor& b, double beta, double threshold, int64_t surrogate, double slope,
                               bool counts, Workspace* workspace) {
    const int64_t T = inputs.size(0), B = inputs.size(1), n_in = inputs.size(2), N = w_rec.size(0);
    const auto opts = inputs.options();
    const Tensor wit = w_in.t().contiguous(), wrt = w_rec.t().contiguous();
    // With counts, each step's spikes go to a row of scratch, only to be listed.
    Tensor membrane = workspace->take(0, {T, B, N}, opts),
           spikes = counts ? at::empty({B, N}, opts) : workspace->take(1, {T, B, N}, opts);
    advise_huge_pages(membrane);
    advise_huge_pages(spikes);
    Tensor spike_counts = counts ? at::zeros({B, N}, opts) : Tensor();
    const Tensor zeros = at::zeros({B, N}, opts);
    std::vector<TrialEvents> spiked(static_cast<size_t>(B)), fed(static_cast<size_t>(B));
    AT_DISPATCH_FLOATING_TYPES(inputs.scalar_type(), "rnnscope_lif_forward", [&] {
      const scalar_t be = static_cast<scalar_t>(beta), th = static_cast<scalar_t>(threshold);
      const scalar_t *u = inputs.const_data_ptr<scalar_t>(), *bp = b.const_data_ptr<scalar_t>(),
                     *wi = wit.const_data_ptr<scalar_t>(), *w = wrt.const_data_ptr<scalar_t>(),
                     *z = zeros.const_data_ptr<scalar_t>();
      scalar_t *v = membrane.data_ptr<scalar_t>(), *s = spikes.data_ptr<scalar_t>();
      scalar_t* c = counts ? spike_counts.data_ptr<scalar_t>() : nullptr;
      for (int64_t t = 0; t < T; ++t) {
        for_row_chunks(B, N, [&](int64_t begin, int64_t end) {
          for (int64_t r = begin; r < end; ++r) {
            TrialEvents &sp = spiked[static_cast<size_t>(r)], &in = fed[static_cast<size_t>(r)];
            const scalar_t* ur = u + (t * B + r) * n_in;
            in.append(ur, n_in);
            const int64_t o = (t * B + r) * N;
            scalar_t* sr = counts ? s + r * N : s + o;
            lif_forward_row(be, th, t ? v + o - B * N : z + r * N, ur, in.list(t), in.count(t),
                            t ? sp.list(t - 1) : nullptr, t ? sp.count(t - 1) : 0, bp, wi, w, N, v + o, sr);
            sp.append(sr, N);  // after the last read of step t − 1's list, which this may move
            for (int64_t q = 0, m = counts ? sp.count(t) : 0; q < m; ++q) c[r * N + sp.list(t)[q]] += 1;
          }
        });
      }
    });
    const auto [spiked_index, spiked_offset] = TrialEvents::pack(spiked, T);
    const auto [fed_index, fed_offset] = TrialEvents::pack(fed, T);
    ctx->set_materialize_grads(false);
    ctx->save_for_backward({inputs, w_in, w_rec, membrane, spiked_index, spiked_offset, fed_index, fed_offset});
    ctx->saved_data["beta"] = beta;
    ctx->saved_data["threshold"] = threshold;
    ctx->saved_data["surrogate"] = surrogate;
    ctx->saved_data["slope"] = slope;
    return {counts ? spike_counts : spikes, membrane};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Tensor &inputs = saved[0], &w_in = saved[1], &w_rec = saved[2], &membrane = saved[3];
    const PackedEvents spiked = packed(saved[4], saved[5]), fed = packed(saved[6], saved[7]);
    const double beta = ctx->saved_data["beta"].toDouble(), threshold = ctx->saved_data["threshold"].toDouble(),
                 slope = ctx->saved_data["slope"].toDouble();
    const auto surrogate = static_cast<Surrogate>(ctx->saved_data["surrogate"].toInt());
    const int64_t T = membrane.size(0), B = membrane.size(1), N = membrane.size(2), n_in = inputs.size(2);
    const auto opts = membrane.options();
    const GradView g_s = grads[0].defined() && grads[0].dim() == 2 ? counts_grad_view(grads[0]) : grad_view(grads[0]),
                   g_v = grad_view(grads[1]);
    const bool compact = surrogate == Surrogate::triangle;
    // Compact support reads e_t's entries as rows of W_recᵀ; smooth surrogates form it whole.
    const Tensor wrt = compact ? w_rec.t().contiguous() : Tensor();
    // δ of the last kGradientWindow steps, δ_t in the slot t % kGradientWindow (δ_T = 0).
    Tensor delta = at::zeros({kGradientWindow, B, N}, opts);
    Tensor e = at::empty({compact ? 0 : B, N}, opts);  // δ_{t+1} W_rec
    const Tensor zeros = at::zeros({N}, opts);
    Tensor dwrt = at::zeros({N, N}, opts), dwit = at::zeros({n_in, N}, opts), db = at::zeros({N}, opts);
    const Tensor d_inputs = ctx->needs_input_grad(0) ? at::empty({T, B, n_in}, opts) : Tensor();
    AT_DISPATCH_FLOATING_TYPES(membrane.scalar_type(), "rnnscope_lif_backward", [&] {
      with_surrogate(surrogate, [&](auto kind) {
        constexpr Surrogate S = decltype(kind)::value;
        const scalar_t be = static_cast<scalar_t>(beta), th = static_cast<scalar_t>(threshold),
                       k = static_cast<scalar_t>(slope);
        const scalar_t *v = membrane.const_data_ptr<scalar_t>(), *u = inputs.const_data_ptr<scalar_t>(),
                       *wr = w_rec.const_data_ptr<scalar_t>(),
                       *wi = w_in.const_data_ptr<scalar_t>(), *w = compact ? wrt.const_data_ptr<scalar_t>() : nullptr;
        const scalar_t* gs = g_s.held.defined() ? g_s.held.const_data_ptr<scalar_t>() : nullptr;
        const scalar_t* gv = g_v.held.defined() ? g_v.held.const_data_ptr<scalar_t>() : nullptr;
        scalar_t *ep = e.data_ptr<scalar_t>(), *dwr = dwrt.data_ptr<scalar_t>(), *dwi = dwit.data_ptr<scalar_t>(),
                 *dbp = db.data_ptr<scalar_t>();
        scalar_t* const slots = delta.data_ptr<scalar_t>();
        EventsByIndex by_neuron(N), by_input(n_in);
        for (int64_t t = T - 1; t >= 0; --t) {
          const bool last = t == T - 1;
          scalar_t* cur = slots + (t % kGradientWindow) * B * N;
          const scalar_t* next = slots + ((t + 1) % kGradientWindow) * B * N;  // zeros at the last step
          if (!last && !compact) linalg::gemm<scalar_t>(false, false, B, N, N, next, N, wr, N, 0, ep, N);
          for_row_chunks(B, N, [&](int64_t begin, int64_t end) {
            const scalar_t* z = zeros.const_data_ptr<scalar_t>();
            if (!compact) {
              for (int64_t r = begin; r < end; ++r)
                smooth_delta_row<S>(be, th, k, v + (t * B + r) * N, next + r * N,
                                    gv ? gv + t * g_v.step + r * g_v.trial : z,
                                    gs ? gs + t * g_s.step + r * g_s.trial : z, last ? z : ep + r * N, N, cur + r * N);
              return;
            }
            std::vector<scalar_t> slope(static_cast<size_t>(N));
            std::vector<int32_t> active(static_cast<size_t>(N));
            for (int64_t r = begin; r < end; ++r) {
              const scalar_t* gsr = gs ? gs + t * g_s.step + r * g_s.trial : nullptr;
              const scalar_t* nr = next + r * N;
              scalar_t* dr = cur + r * N;
              compact_delta_base<S>(be, th, k, v + (t * B + r) * N, nr, gv ? gv + t * g_v.step + r * g_v.trial : z, N,
                                    dr, slope.data());
              const int64_t m = nonzero_entries(slope.data(), N, active.data());
              for (int64_t q = 0; q < m; ++q) {
                const int64_t i = active[static_cast<size_t>(q)];
                scalar_t ei = gsr ? gsr[i] : scalar_t(0);
                if (!last) ei += dot(w + i * N, nr, N);  // row i of W_recᵀ: column i of W_rec
                dr[i] += slope[static_cast<size_t>(i)] * ei;
              }
            }
          });
          // The weight gradients, split over columns: each entry's sum runs over (t, trial,
          // event) in one order for any thread count. db takes step t's share now, dW_rec and
          // dW_in a window's at its first step (kGradientWindow).
          at::parallel_for(0, N, 128, [&](int64_t i0, int64_t i1) {
            for (int64_t r = 0; r < B; ++r)
              for (int64_t i = i0; i < i1; ++i) dbp[i] += cur[r * N + i];
          });
          if (t % kGradientWindow == 0) {
            // Steps [t, end), τ descending and trials r ascending as one step at a time would
            // go; an event's payload is (τ − t)·B + r, δ_τ's row of trial r.
            const int64_t end = std::min(t + kGradientWindow, T);
            const auto delta_row = [&](int32_t p) {
              return slots + ((t + p / B) % kGradientWindow * B + p % B) * N;
            };
            by_neuron.group([&](const auto& event) {  // the spikes of s_{τ−1}
              for (int64_t tau = end - 1; tau >= std::max<int64_t>(t, 1); --tau)
                for (int64_t r = 0; r < B; ++r) {
                  const int32_t* sp = spiked.list(r, tau - 1);
                  for (int64_t q = 0, m = spiked.count(r, tau - 1); q < m; ++q)
                    event(sp[q], static_cast<int32_t>((tau - t) * B + r));
                }
            });
            add_grouped_rows(by_neuron, N, delta_row, [](int64_t, int32_t) { return scalar_t(1); }, dwr);
            by_input.group([&](const auto& event) {  // the inputs of u_τ that are not zero
              for (int64_t tau = end - 1; tau >= t; --tau)
                for (int64_t r = 0; r < B; ++r) {
                  const int32_t* fp = fed.list(r, tau);
                  for (int64_t q = 0, m = fed.count(r, tau); q < m; ++q)
                    event(fp[q], static_cast<int32_t>((tau - t) * B + r));
                }
            });
            add_grouped_rows(
                by_input, N, delta_row, [&](int64_t c, int32_t p) { return u[((t + p / B) * B + p % B) * n_in + c]; },
                dwi);
          }
          if (d_inputs.defined())
            linalg::gemm<scalar_t>(false, false, B, n_in, N, cur, N, wi, n_in, 0,
                                   d_inputs.data_ptr<scalar_t>() + t * B * n_in, n_in);
        }
      });
    });
    const Tensor none;  // the non-tensor arguments
    return {d_inputs, dwit.t().contiguous(), dwrt.t().contiguous(), db, none, none, none, none, none, none};
  }
};

// The surrogate's primitive f (f' = σ'), in LibTorch ops: the reference's spikes are
// H(x) + f(x) − f(x).detach(), whose value is H(x) and whose autograd derivative is σ'(x).
Tensor surrogate_primitive(Surrogate s, const Tensor& x, double k) {
  switch (s) {
    case Surrogate::fast_sigmoid: return x / (1.0 + k * x.abs());
    case Surrogate::arctan: return torch::atan((M_PI / 2) * k * x) / M_PI;
    case Surrogate::triangle: {
      const Tensor c = x.clamp(-1.0 / k, 1.0 / k);
      return c - 0.5 * k * c * c.abs();
    }
  }
  return Tensor();
}

// Reference twin: the same recurrence in plain LibTorch ops, differentiated by autograd.
LifSequence lif_reference(const Tensor& inputs, const Tensor& w_in, const Tensor& w_rec, const Tensor& b,
                          const LifDynamics& dynamics) {
  const int64_t T = inputs.size(0), B = inputs.size(1), N = w_rec.size(0);
  Tensor v = torch::zeros({B, N}, inputs.options()), s = torch::zeros({B, N}, inputs.options());
  std::vector<Tensor> vs, ss;
  for (int64_t t = 0; t < T; ++t) {
    v = dynamics.beta * v + torch::matmul(inputs[t], w_in.t()) + b + torch::matmul(s, w_rec.t()) -
        dynamics.threshold * s.detach();
    const Tensor x = v - dynamics.threshold;
    const Tensor f = surrogate_primitive(dynamics.surrogate, x, dynamics.slope);
    s = (x > 0).to(x.scalar_type()) + f - f.detach();
    vs.push_back(v);
    ss.push_back(s);
  }
  return {torch::stack(ss), torch::stack(vs)};
}

}  // namespace

Surrogate parse_surrogate(const std::string& name) {
  if (name == "fast_sigmoid") return Surrogate::fast_sigmoid;
  if (name == "arctan") return Surrogate::arctan;
  if (name == "triangle") return Surrogate::triangle;
  TORCH_CHECK(false, "unknown surrogate '", name, "'");
}

double surrogate_derivative(Surrogate s, double x, double slope) {
  double out = 0;
  with_surrogate(s, [&](auto kind) { out = surrogate_derivative<decltype(kind)::value>(x, slope); });
  return out;
}

double surrogate_primitive(Surrogate s, double x, double slope) {
  return surrogate_primitive(s, torch::tensor(x, torch::kFloat64), slope).item<double>();
}

namespace {

// The fused kernel's spikes [T, B, N] or, with `counts`, their counts [B, N]; and the membranes.
variable_list fused_lif(Workspace& workspace, const Tensor& inputs, const Tensor& w_in, const Tensor& w_rec,
                        const Tensor& b, const LifDynamics& dynamics, bool counts) {
  TORCH_CHECK(dynamics.slope > 0, "lif_sequence: the surrogate's slope must be > 0");
  return LifFunction::apply(inputs.contiguous(), w_in.contiguous(), w_rec.contiguous(), b.contiguous(), dynamics.beta,
                            dynamics.threshold, static_cast<int64_t>(dynamics.surrogate), dynamics.slope, counts,
                            &workspace);
}

}  // namespace

LifSequence lif_sequence(Engine engine, Workspace& workspace, const Tensor& inputs, const Tensor& w_in,
                         const Tensor& w_rec, const Tensor& b, const LifDynamics& dynamics) {
  if (engine == Engine::reference) return lif_reference(inputs, w_in, w_rec, b, dynamics);
  const auto out = fused_lif(workspace, inputs, w_in, w_rec, b, dynamics, false);
  return {out[0], out[1]};
}

LifCounts lif_spike_counts(Engine engine, Workspace& workspace, const Tensor& inputs, const Tensor& w_in,
                           const Tensor& w_rec, const Tensor& b, const LifDynamics& dynamics) {
  if (engine == Engine::reference) {
    const LifSequence out = lif_reference(inputs, w_in, w_rec, b, dynamics);
    return {out.spikes.sum(0), out.membrane};
  }
  const auto out = fused_lif(workspace, inputs, w_in, w_rec, b, dynamics, true);
  return {out[0], out[1]};
}

}  // namespace rnnscope::rnn
