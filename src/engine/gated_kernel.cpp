// The gated layers' (GRU, LSTM) fused whole-sequence kernel (one torch::autograd::Function
// for both: one forward loop into preallocated buffers, one BPTT loop) and its reference twin
// in plain LibTorch ops, the kernel's test oracle; gated_sequence picks one
// (engine_internal.h, docs/model.md). Equations as in torch.nn.GRU / torch.nn.LSTM.
#include "engine/bptt_internal.h"

#include "rnnscope/core/error.h"
#include "rnnscope/linalg/gemm.h"

namespace rnnscope::rnn {
namespace {

using linalg::gemm;
using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// GRU (PyTorch's equations), per step with pre-activation columns (r, z, hn, n):
//   r = σ(a_r), z = σ(a_z), hn = W_hn h + b_hn, n = tanh(a_n + r ⊙ hn),
//   h' = (1 − z) ⊙ n + z ⊙ h = n + z ⊙ (h − n).
// Backward from dh' (dL/dh', all paths):
//   dn = dh' ⊙ (1 − z),  dz = dh' ⊙ (h − n),  dh (direct) = dh' ⊙ z,
//   da_n = dn ⊙ (1 − n²),  dhn = da_n ⊙ r,  da_r = da_n ⊙ hn ⊙ r(1 − r),  da_z = dz ⊙ z(1 − z),
// then dh += [da_r, da_z, dhn] W_hh. The buffer's columns become (da_r, da_z, dhn, da_n):
// the recurrent columns [0, 3H) are then the gradient of h W_hhᵀ + b_hh, and the input
// blocks (r, z | n) that of u W_ihᵀ + b_ih.
//
// LSTM (PyTorch's equations), columns (i, f, g, o):
//   i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o),  c' = f ⊙ c + i ⊙ g,  h' = o ⊙ tanh(c').
// Backward from dh' and dc' (dL/dc' through later steps):
//   dc' += dh' ⊙ o ⊙ (1 − tanh²c'),  da_o = dh' ⊙ tanh c' ⊙ o(1 − o),
//   da_i = dc' ⊙ g ⊙ i(1 − i),  da_f = dc' ⊙ c ⊙ f(1 − f),  da_g = dc' ⊙ i ⊙ (1 − g²),
//   dc = dc' ⊙ f,  dh = [da_i, da_f, da_g, da_o] W_hh  (h' has no direct path to h).

template <class T>
inline void gru_forward_row(T* __restrict r, T* __restrict z, T* __restrict hn, T* __restrict n,
                            const T* __restrict bias, const T* __restrict h_prev, T* __restrict h, int64_t H) {
  // bias: the row's biases in the same column order (r, z, hn, n). hn + b_hn is stored
  // back because backward needs it.
  for (int64_t j = 0; j < H; ++j) {
    T rv, zv;
    reciprocals(logistic_denominator(r[j] + bias[j]), logistic_denominator(z[j] + bias[H + j]), rv, zv);
    const T hv = hn[j] + bias[2 * H + j];
    const T nv = vec_tanh(n[j] + bias[3 * H + j] + rv * hv);
    r[j] = rv;
    z[j] = zv;
    hn[j] = hv;
    n[j] = nv;
    h[j] = nv + zv * (h_prev[j] - nv);
  }
}

template <class T>
RNNSCOPE_VECTOR_CLONES void gru_forward_rows(T* p, const T* bias, const T* h_prev, T* h, int64_t rows, int64_t H) {
  for (int64_t b = 0; b < rows; ++b) {
    T* s = p + b * 4 * H;
    gru_forward_row(s, s + H, s + 2 * H, s + 3 * H, bias, h_prev + b * H, h + b * H, H);
  }
}

template <class T>
inline void gru_backward_row(T* __restrict r, T* __restrict z, T* __restrict hn, T* __restrict n,
                             const T* __restrict h_prev, const T* __restrict g, T* __restrict dh, int64_t H) {
  // On entry dh holds dL/dh' through later steps; on exit the direct part of dL/dh.
  for (int64_t j = 0; j < H; ++j) {
    const T dhp = g[j] + dh[j];
    const T rv = r[j], zv = z[j], hv = hn[j], nv = n[j];
    const T da_n = dhp * (T(1) - zv) * (T(1) - nv * nv);
    r[j] = da_n * hv * rv * (T(1) - rv);
    z[j] = dhp * (h_prev[j] - nv) * zv * (T(1) - zv);
    hn[j] = da_n * rv;
    n[j] = da_n;
    dh[j] = dhp * zv;
  }
}

template <class T>
RNNSCOPE_VECTOR_CLONES void gru_backward_rows(T* p, const T* h_prev, const T* g, T* dh, int64_t rows, int64_t H) {
  for (int64_t b = 0; b < rows; ++b) {
    T* s = p + b * 4 * H;
    gru_backward_row(s, s + H, s + 2 * H, s + 3 * H, h_prev + b * H, g + b * H, dh + b * H, H);
  }
}

template <class T>
inline void lstm_forward_row(T* __restrict i, T* __restrict f, T* __restrict g, T* __restrict o,
                             const T* __restrict bias, const T* __restrict c_prev, T* __restrict c, T* __restrict h,
                             int64_t H) {
  // bias: the row's biases in the same column order (i, f, g, o).
  for (int64_t j = 0; j < H; ++j) {
    // Three gates' divisions in two: i with f, o with g's tanh denominator.
    T iv, fv, ov, g_num, g_den, g_inv;
    reciprocals(logistic_denominator(i[j] + bias[j]), logistic_denominator(f[j] + bias[H + j]), iv, fv);
    tanh_ratio(g[j] + bias[2 * H + j], g_num, g_den);
    reciprocals(logistic_denominator(o[j] + bias[3 * H + j]), g_den, ov, g_inv);
    const T gv = g_num * g_inv;
    const T cv = fv * c_prev[j] + iv * gv;
    i[j] = iv;
    f[j] = fv;
    g[j] = gv;
    o[j] = ov;
    c[j] = cv;
    h[j] = ov * vec_tanh(cv);
  }
}

template <class T>
RNNSCOPE_VECTOR_CLONES void lstm_forward_rows(T* p, const T* bias, const T* c_prev, T* c, T* h, int64_t rows,
                                              int64_t H) {
  for (int64_t b = 0; b < rows; ++b) {
    T* s = p + b * 4 * H;
    lstm_forward_row(s, s + H, s + 2 * H, s + 3 * H, bias, c_prev + b * H, c + b * H, h + b * H, H);
  }
}

template <class T>
inline void lstm_backward_row(T* __restrict i, T* __restrict f, T* __restrict g, T* __restrict o,
                              const T* __restrict c_prev, const T* __restrict c, const T* __restrict gh,
                              const T* __restrict dh, T* __restrict dc, int64_t H) {
  // On entry dc holds dL/dc' through later steps; on exit dL/dc.
  for (int64_t j = 0; j < H; ++j) {
    const T dhp = gh[j] + dh[j];
    const T iv = i[j], fv = f[j], gv = g[j], ov = o[j];
    const T tc = vec_tanh(c[j]);
    const T dct = dc[j] + dhp * ov * (T(1) - tc * tc);
    i[j] = dct * gv * iv * (T(1) - iv);
    f[j] = dct * c_prev[j] * fv * (T(1) - fv);
    g[j] = dct * iv * (T(1) - gv * gv);
    o[j] = dhp * tc * ov * (T(1) - ov);
    dc[j] = dct * fv;
  }
}

template <class T>
RNNSCOPE_VECTOR_CLONES void lstm_backward_rows(T* p, const T* c_prev, const T* c, const T* gh, const T* dh, T* dc,
                                               int64_t rows, int64_t H) {
  for (int64_t b = 0; b < rows; ++b) {
    T* s = p + b * 4 * H;
    const int64_t o = b * H;
    lstm_backward_row(s, s + H, s + 2 * H, s + 3 * H, c_prev + o, c + o, gh + o, dh + o, dc + o, H);
  }
}

// One Function for both gated kinds: the loops are the same, only the cell differs.
class GatedFunction : public torch::autograd::Function<GatedFunction> {
 public:
  static variable_list forward(AutogradContext* ctx, const Tensor& inputs, const Tensor& w_ih, const Tensor& w_hh,
                               const Tensor& b_ih, const Tensor& b_hh, const Tensor& h0, const Tensor& w_out,
                               const Tensor& b_out, int64_t kind_index, Workspace* workspace) {
    const auto kind = static_cast<GatedKind>(kind_index);
    const int64_t T = inputs.size(0), B = inputs.size(1), H = w_hh.size(1);
    const SlotLayout layout = gated_layout(kind, H);
    const int64_t S = layout.width, R = layout.recurrent_cols;
    Tensor p = workspace->take(0, {T, B, S}, inputs.options());
    fill_preactivations(layout, inputs, w_ih, p);
    const Tensor bias = bias_row(layout, b_ih, b_hh);
    Tensor h = workspace->take(1, {T, B, H}, inputs.options());
    const Tensor h0b = h0.expand({B, H}).contiguous();
    // The LSTM's cell states c_1..c_T, kept for backward; c_0 = 0.
    const bool lstm = kind == GatedKind::lstm;
    Tensor c = lstm ? workspace->take(2, {T, B, H}, inputs.options()) : Tensor();
    const Tensor c0 = lstm ? at::zeros({B, H}, inputs.options()) : Tensor();
    AT_DISPATCH_FLOATING_TYPES(inputs.scalar_type(), "rnnscope_gated_forward", [&] {
      const scalar_t* w = w_hh.const_data_ptr<scalar_t>();
      const scalar_t* bp = bias.const_data_ptr<scalar_t>();
      scalar_t* pp = p.data_ptr<scalar_t>();
      scalar_t* hp = h.data_ptr<scalar_t>();
      for (int64_t t = 0; t < T; ++t) {
        const scalar_t* h_prev = t ? hp + (t - 1) * B * H : h0b.const_data_ptr<scalar_t>();
        scalar_t* p_t = pp + t * B * S;
        scalar_t* h_t = hp + t * B * H;
        clear_uncovered_columns(layout, p_t, B);
        gemm<scalar_t>(false, true, B, R, H, h_prev, H, w, H, 1, p_t, S);
        if (lstm) {
          scalar_t* cp = c.data_ptr<scalar_t>();
          const scalar_t* c_prev = t ? cp + (t - 1) * B * H : c0.const_data_ptr<scalar_t>();
          for_row_chunks(B, S, [&](int64_t begin, int64_t end) {
            lstm_forward_rows(p_t + begin * S, bp, c_prev + begin * H, cp + t * B * H + begin * H, h_t + begin * H,
                              end - begin, H);
          });
        } else {
          for_row_chunks(B, S, [&](int64_t begin, int64_t end) {
            gru_forward_rows(p_t + begin * S, bp, h_prev + begin * H, h_t + begin * H, end - begin, H);
          });
        }
      }
    });
    // With a readout, training uses h only through it: no [T, B, H] of zeros for h's gradient.
    ctx->set_materialize_grads(false);
    const Tensor outputs = readout_forward(h, w_out, b_out);
    ctx->save_for_backward({inputs, w_ih, w_hh, h0b, p, h, c, w_out});
    ctx->saved_data["kind"] = kind_index;
    ctx->saved_data["backward_done"] = false;
    return {h, outputs};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    // Backward overwrites the gate buffer with its gradients (no second T×B×4H buffer), so
    // it can run once per forward.
    require(!ctx->saved_data["backward_done"].toBool(),
            "the fused GRU/LSTM engine supports one backward pass per forward (it reuses its gate buffer); "
            "set [model] engine = \"reference\" to backpropagate twice through one forward pass");
    ctx->saved_data["backward_done"] = true;
    const auto saved = ctx->get_saved_variables();
    const Tensor &inputs = saved[0], &w_ih = saved[1], &w_hh = saved[2], &h0b = saved[3], &p = saved[4],
                 &h = saved[5], &c = saved[6], &w_out = saved[7];
    const auto kind = static_cast<GatedKind>(ctx->saved_data["kind"].toInt());
    const bool lstm = kind == GatedKind::lstm;
    const int64_t T = inputs.size(0), B = inputs.size(1), H = w_hh.size(1);
    const SlotLayout layout = gated_layout(kind, H);
    const int64_t S = layout.width, R = layout.recurrent_cols;
    // A gradient h does not receive is one zero block that every step reads.
    const Tensor zeros = at::zeros({B, H}, h.options());
    const Tensor g_h = grads[0].defined() ? grads[0].contiguous() : Tensor();
    const Tensor g_out = readout_output_gradient(grads[1], w_out);
    const int64_t O = w_out.size(0);
    Tensor dh = at::zeros({B, H}, h.options());
    Tensor dc = lstm ? at::zeros({B, H}, h.options()) : Tensor();
    const Tensor c0 = lstm ? at::zeros({B, H}, h.options()) : Tensor();
    const bool bias_grad = ctx->needs_input_grad(3) || ctx->needs_input_grad(4);
    Tensor column_sums = at::zeros({bias_grad ? S : 0}, h.options().dtype(at::kDouble));
    auto g = start_parameter_gradients(inputs, w_ih, w_hh, w_out,
                                       {ctx->needs_input_grad(0), ctx->needs_input_grad(1), ctx->needs_input_grad(2),
                                        ctx->needs_input_grad(6) && g_out.defined()});
    const int64_t block = gradient_block_steps(B);
    AT_DISPATCH_FLOATING_TYPES(h.scalar_type(), "rnnscope_gated_backward", [&] {
      const scalar_t* w = w_hh.const_data_ptr<scalar_t>();
      scalar_t* pp = p.data_ptr<scalar_t>();
      const scalar_t* hp = h.const_data_ptr<scalar_t>();
      const scalar_t* gp = g_h.defined() ? g_h.const_data_ptr<scalar_t>() : zeros.const_data_ptr<scalar_t>();
      const int64_t g_step = g_h.defined() ? B * H : 0;
      const scalar_t* gy = g_out.defined() ? g_out.const_data_ptr<scalar_t>() : nullptr;
      const scalar_t* wo = w_out.const_data_ptr<scalar_t>();
      scalar_t* dhp = dh.data_ptr<scalar_t>();
      for (int64_t t = T - 1; t >= 0; --t) {
        scalar_t* p_t = pp + t * B * S;
        const scalar_t* g_t = gp + t * g_step;
        // dh holds dL/dh_t through later steps; the readout of h_t adds its share.
        if (gy) {
          for_row_chunks(B, H, [&](int64_t begin, int64_t end) {
            add_readout_gradient(gy + (t * B + begin) * O, wo, end - begin, O, H, dhp + begin * H);
          });
        }
        if (lstm) {
          const scalar_t* cp = c.const_data_ptr<scalar_t>();
          const scalar_t* c_prev = t ? cp + (t - 1) * B * H : c0.const_data_ptr<scalar_t>();
          scalar_t* dcp = dc.data_ptr<scalar_t>();
          for_row_chunks(B, S, [&](int64_t begin, int64_t end) {
            const int64_t o = begin * H;
            lstm_backward_rows(p_t + begin * S, c_prev + o, cp + t * B * H + o, g_t + o, dhp + o, dcp + o, end - begin,
                               H);
          });
        } else {
          const scalar_t* h_prev = t ? hp + (t - 1) * B * H : h0b.const_data_ptr<scalar_t>();
          for_row_chunks(B, S, [&](int64_t begin, int64_t end) {
            const int64_t o = begin * H;
            gru_backward_rows(p_t + begin * S, h_prev + o, g_t + o, dhp + o, end - begin, H);
          });
        }
        // dL/dh through the recurrent product; the GRU's direct path z ⊙ dh' is already in dh.
        gemm<scalar_t>(false, false, B, H, R, p_t, S, w, H, lstm ? 0 : 1, dhp, H);
        if (bias_grad) add_column_sums(p_t, B, S, column_sums.data_ptr<double>());
        if (t % block == 0) {
          add_block_gradients<scalar_t>(layout, p, inputs, w_ih, h0b, h, g_out, t, std::min(t + block, T), g);
        }
      }
    });
    finish_parameter_gradients(layout, column_sums, w_ih, g_out,
                               {ctx->needs_input_grad(3), ctx->needs_input_grad(4), ctx->needs_input_grad(7)}, g);
    const Tensor grad_h0 = ctx->needs_input_grad(5) ? dh.sum(0) : Tensor();
    return {g.inputs, g.w_ih, g.w_hh, g.b_ih, g.b_hh, grad_h0, g.w_out, g.b_out, Tensor(), Tensor()};
  }
};

// ---------------------------------------------------------------------------------------
// Reference twin: the same recurrences in plain LibTorch ops, differentiated by autograd.

GatedSequence gated_reference(GatedKind kind, const Tensor& inputs, const Tensor& w_ih, const Tensor& w_hh,
                              const Tensor& b_ih, const Tensor& b_hh, const Tensor& h0, const Readout& readout) {
  const int64_t steps = inputs.size(0), batch = inputs.size(1), n = w_hh.size(1);
  const Tensor input_part = torch::matmul(inputs, w_ih.t()) + b_ih;
  const Tensor w_hh_t = w_hh.t();
  Tensor h = h0.unsqueeze(0).expand({batch, n});
  Tensor c = torch::zeros({batch, n}, inputs.options());
  std::vector<Tensor> hs;
  hs.reserve(static_cast<size_t>(steps));
  for (int64_t t = 0; t < steps; ++t) {
    const auto gi = input_part[t].chunk(gate_count(kind), 1);
    const auto gh = torch::addmm(b_hh, h, w_hh_t).chunk(gate_count(kind), 1);
    if (kind == GatedKind::gru) {
      const Tensor r = torch::sigmoid(gi[0] + gh[0]), z = torch::sigmoid(gi[1] + gh[1]);
      const Tensor n_gate = torch::tanh(gi[2] + r * gh[2]);
      h = (1 - z) * n_gate + z * h;
    } else {
      const Tensor i = torch::sigmoid(gi[0] + gh[0]), f = torch::sigmoid(gi[1] + gh[1]);
      const Tensor g = torch::tanh(gi[2] + gh[2]), o = torch::sigmoid(gi[3] + gh[3]);
      c = f * c + i * g;
      h = o * torch::tanh(c);
    }
    hs.push_back(h);
  }
  GatedSequence out{torch::stack(hs), Tensor()};
  if (readout.w.defined()) out.outputs = torch::linear(out.states, readout.w, readout.b);
  return out;
}

}  // namespace

GatedSequence gated_sequence(Engine engine, Workspace& workspace, GatedKind kind, const Tensor& inputs,
                             const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh,
                             const Tensor& h0, const Readout& readout) {
  if (engine == Engine::reference) return gated_reference(kind, inputs, w_ih, w_hh, b_ih, b_hh, h0, readout);
  const Tensor none = at::empty({0}, inputs.options());
  const bool read = readout.w.defined();
  const auto out = GatedFunction::apply(inputs.contiguous(), w_ih.contiguous(), w_hh.contiguous(), b_ih, b_hh, h0,
                                        read ? readout.w.contiguous() : none, read ? readout.b : none,
                                        static_cast<int64_t>(kind), &workspace);
  return {out[0], read ? out[1] : Tensor()};
}

}  // namespace rnnscope::rnn
