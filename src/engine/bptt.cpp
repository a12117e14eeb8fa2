// The shared BPTT machinery of the fused kernels (bptt_internal.h): the pre-activation
// layout, the input projection, the block-wise weight gradients and the folded readout.
#include "engine/bptt_internal.h"

#include "rnnscope/linalg/gemm.h"

namespace rnnscope::rnn {

using linalg::gemm;
using torch::Tensor;

SlotLayout ctrnn_layout(int64_t n) { return {n, n, {{0, 0, n}}}; }

SlotLayout gated_layout(GatedKind kind, int64_t h) {
  if (kind == GatedKind::gru) return {4 * h, 3 * h, {{0, 0, 2 * h}, {3 * h, 2 * h, h}}};
  return {4 * h, 4 * h, {{0, 0, 4 * h}}};
}

void fill_preactivations(const SlotLayout& layout, const Tensor& inputs, const Tensor& w_ih, Tensor& p) {
  const int64_t T = inputs.size(0), B = inputs.size(1), n_in = inputs.size(2), S = layout.width;
  AT_DISPATCH_FLOATING_TYPES(inputs.scalar_type(), "rnnscope_preactivations", [&] {
    const scalar_t* u = inputs.const_data_ptr<scalar_t>();
    const scalar_t* w = w_ih.const_data_ptr<scalar_t>();
    for (const auto& blk : layout.input_blocks) {
      gemm<scalar_t>(false, true, T * B, blk.size, n_in, u, n_in, w + blk.row * n_in, n_in, 0,
                     p.data_ptr<scalar_t>() + blk.col, S);
    }
  });
}

Tensor bias_row(const SlotLayout& layout, const Tensor& b_ih, const Tensor& b_hh) {
  Tensor row = at::zeros({layout.width}, b_ih.options());
  for (const auto& blk : layout.input_blocks) row.narrow(0, blk.col, blk.size).add_(b_ih.narrow(0, blk.row, blk.size));
  if (b_hh.defined()) row.narrow(0, 0, layout.recurrent_cols).add_(b_hh);
  return row;
}

template <class T>
RNNSCOPE_VECTOR_CLONES void add_column_sums(const T* __restrict p, int64_t rows, int64_t width,
                                            double* __restrict acc) {
  constexpr int64_t kTile = 64;
  for (int64_t j0 = 0; j0 < width; j0 += kTile) {
    const int64_t n = std::min(kTile, width - j0);
    T tile[kTile] = {};
    for (int64_t b = 0; b < rows; ++b) {
      const T* row = p + b * width + j0;
      for (int64_t j = 0; j < n; ++j) tile[j] += row[j];
    }
    for (int64_t j = 0; j < n; ++j) acc[j0 + j] += static_cast<double>(tile[j]);
  }
}

int64_t gradient_block_steps(int64_t batch) { return std::max<int64_t>(1, (512 + batch - 1) / batch); }

ParameterGrads start_parameter_gradients(const Tensor& inputs, const Tensor& w_ih, const Tensor& w_hh,
                                         const Tensor& w_out, const std::array<bool, 4>& needs) {
  ParameterGrads g;
  if (needs[0]) g.inputs = at::empty_like(inputs);
  if (needs[1]) g.w_ih = at::zeros_like(w_ih);
  if (needs[2]) g.w_hh = at::zeros_like(w_hh);
  if (needs[3]) g.w_out = at::zeros_like(w_out);
  return g;
}

template <class T>
void add_block_gradients(const SlotLayout& layout, const Tensor& dp, const Tensor& inputs, const Tensor& w_ih,
                         const Tensor& prev0, const Tensor& outputs, const Tensor& g_out, int64_t t0, int64_t t1,
                         ParameterGrads& g) {
  const int64_t B = inputs.size(1), n_in = inputs.size(2), S = layout.width, R = layout.recurrent_cols;
  const int64_t K = prev0.size(1), rows = (t1 - t0) * B;
  const T* d = dp.const_data_ptr<T>() + t0 * B * S;
  const T* u = inputs.const_data_ptr<T>() + t0 * B * n_in;
  const T* h = outputs.const_data_ptr<T>();
  if (g.inputs.defined()) {
    T beta = 0;
    for (const auto& blk : layout.input_blocks) {
      gemm<T>(false, false, rows, n_in, blk.size, d + blk.col, S, w_ih.const_data_ptr<T>() + blk.row * n_in, n_in,
              beta, g.inputs.data_ptr<T>() + t0 * B * n_in, n_in);
      beta = 1;
    }
  }
  if (g.w_ih.defined()) {
    for (const auto& blk : layout.input_blocks) {
      gemm<T>(true, false, blk.size, n_in, rows, d + blk.col, S, u, n_in, 1, g.w_ih.data_ptr<T>() + blk.row * n_in,
              n_in);
    }
  }
  if (g.w_hh.defined()) {
    T* out = g.w_hh.data_ptr<T>();
    if (t0 == 0) {
      gemm<T>(true, false, R, K, B, d, S, prev0.const_data_ptr<T>(), K, 1, out, K);
      if (t1 > 1) gemm<T>(true, false, R, K, rows - B, d + B * S, S, h, K, 1, out, K);
    } else {
      gemm<T>(true, false, R, K, rows, d, S, h + (t0 - 1) * B * K, K, 1, out, K);
    }
  }
  if (g.w_out.defined() && g_out.defined()) {
    const int64_t O = g_out.size(2);
    gemm<T>(true, false, O, K, rows, g_out.const_data_ptr<T>() + t0 * B * O, O, h + t0 * B * K, K, 1,
            g.w_out.data_ptr<T>(), K);
  }
}

void finish_parameter_gradients(const SlotLayout& layout, const Tensor& column_sums, const Tensor& w_ih,
                                const Tensor& g_out, const std::array<bool, 3>& needs, ParameterGrads& g) {
  const auto dtype = w_ih.scalar_type();
  if (needs[0]) {
    const Tensor sums = column_sums.to(dtype);
    g.b_ih = at::empty({w_ih.size(0)}, w_ih.options());
    for (const auto& blk : layout.input_blocks) g.b_ih.narrow(0, blk.row, blk.size).copy_(sums.narrow(0, blk.col, blk.size));
  }
  if (needs[1]) g.b_hh = column_sums.narrow(0, 0, layout.recurrent_cols).to(dtype);
  if (needs[2] && g_out.defined()) g.b_out = g_out.sum({0, 1});
}

Tensor readout_output_gradient(const Tensor& grad, const Tensor& w_out) {
  return grad.defined() && has_readout(w_out) ? grad.contiguous() : Tensor();
}

Tensor readout_bias_outputs(const Tensor& h, const Tensor& w_out, const Tensor& b_out) {
  if (!has_readout(w_out)) return at::empty({0}, h.options());
  // Replicas: a leading R on h, w_out and b_out; one output tensor for all, each replica's
  // product written into its own slice (no per-replica tensors stacked afterwards).
  const bool replicated = h.dim() == 4;
  const int64_t R = replicated ? h.size(0) : 1, T = h.size(-3), B = h.size(-2), O = w_out.size(-2);
  const std::vector<int64_t> shape = replicated ? std::vector<int64_t>{R, T, B, O} : std::vector<int64_t>{T, B, O};
  return (replicated ? b_out.reshape({R, 1, 1, O}) : b_out).expand(shape).contiguous();
}

void add_readout_products(const Tensor& h, const Tensor& w_out, Tensor& y, int64_t r0, int64_t r1) {
  if (!has_readout(w_out)) return;
  const int64_t T = h.size(-3), B = h.size(-2), K = h.size(-1), O = w_out.size(-2);
  AT_DISPATCH_FLOATING_TYPES(h.scalar_type(), "rnnscope_readout", [&] {
    for (int64_t r = r0; r < r1; ++r) {
      gemm<scalar_t>(false, true, T * B, O, K, h.const_data_ptr<scalar_t>() + r * T * B * K, K,
                     w_out.const_data_ptr<scalar_t>() + r * O * K, K, 1, y.data_ptr<scalar_t>() + r * T * B * O, O);
    }
  });
}

Tensor readout_forward(const Tensor& h, const Tensor& w_out, const Tensor& b_out) {
  Tensor y = readout_bias_outputs(h, w_out, b_out);
  add_readout_products(h, w_out, y, 0, h.dim() == 4 ? h.size(0) : 1);
  return y;
}

template <class T>
RNNSCOPE_VECTOR_CLONES void add_readout_gradient(const T* __restrict g, const T* __restrict w, int64_t rows,
                                                 int64_t outs, int64_t k, T* __restrict dst) {
  for (int64_t b = 0; b < rows; ++b) {
    for (int64_t o = 0; o < outs; ++o) {
      const T c = g[b * outs + o];
      for (int64_t i = 0; i < k; ++i) dst[b * k + i] += c * w[o * k + i];
    }
  }
}

template void add_column_sums<float>(const float*, int64_t, int64_t, double*);
template void add_column_sums<double>(const double*, int64_t, int64_t, double*);
template void add_block_gradients<float>(const SlotLayout&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                                         const Tensor&, const Tensor&, int64_t, int64_t, ParameterGrads&);
template void add_block_gradients<double>(const SlotLayout&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                                          const Tensor&, const Tensor&, int64_t, int64_t, ParameterGrads&);
template void add_readout_gradient<float>(const float*, const float*, int64_t, int64_t, int64_t, float*);
template void add_readout_gradient<double>(const double*, const double*, int64_t, int64_t, int64_t, double*);

}  // namespace rnnscope::rnn
