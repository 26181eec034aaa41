// Fused per-step kernels of the recurrent layers, and the optimizer update: one vectorized pass
// over a step's gates instead of a chain of element-wise calls. Built per ISA like the rest of
// this target.
//
// Dimensions: B batch rows, H hidden units. LSTM gate blocks i, f, g, o (4H per row); GRU blocks
// r, z, n (3H per row), in PyTorch's order. All buffers are row-major and contiguous.
#ifndef SIBYL_RECURRENT_H
#define SIBYL_RECURRENT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// LSTM step forward. `pre` (B, 4H) is [x, h_prev]·[W_ih W_hh]ᵀ and `bias` (4H) is b_ih + b_hh.
/// Writes the activations i, f, g, o to `gates` (B, 4H), c = f·c_prev + i·g, tanh_c = tanh(c) and
/// h = o·tanh_c, each (B, H).
void sibyl_lstm_forward_step(float *gates, const float *pre, const float *bias, const float *c_prev, float *c,
                             float *tanh_c, float *h, size_t batch, size_t hidden);

/// The LSTM step for inference: the same c and h, bit for bit, without storing the activations.
void sibyl_lstm_infer_step(const float *pre, const float *bias, const float *c_prev, float *c, float *h, size_t batch,
                           size_t hidden);

/// `sibyl_lstm_infer_step` for units `first` … `first + count − 1` of every row only (the buffers
/// keep their full shapes), so that threads can share a step by units; the same bits.
void sibyl_lstm_infer_units(const float *pre, const float *bias, const float *c_prev, float *c, float *h,
                            size_t batch, size_t hidden, size_t first, size_t count);

/// `sibyl_lstm_forward_step` for units `first` … `first + count − 1` of every row only; the same bits.
void sibyl_lstm_forward_units(float *gates, const float *pre, const float *bias, const float *c_prev, float *c,
                              float *tanh_c, float *h, size_t batch, size_t hidden, size_t first, size_t count);

/// LSTM step backward. Reads the activations `gates` (B, 4H), c_prev, tanh_c and dh (B, H: the
/// gradient of the loss with respect to h, output and recurrent paths summed). `dc` (B, H) holds
/// the gradient with respect to c from the step after on entry and the gradient with respect to
/// c_prev on return. Writes the pre-activation gate gradients `dgates` (B, 4H).
/// Units `first` … `first + count − 1` of every row only (all of them: 0 and H), so that threads
/// can share a step by units; the buffers keep their full shapes.
void sibyl_lstm_backward_units(const float *gates, const float *c_prev, const float *tanh_c, const float *dh,
                               float *dc, float *dgates, size_t batch, size_t hidden, size_t first, size_t count);

/// The GRU step forward is `sibyl_gru_step` (sibyl_panel_gemm.h), products and gates in one kernel.

/// GRU step backward. Reads the activations `gates` (B, 3H), `hn` (B, H: h_prev·W_hnᵀ + b_hn, as
/// the forward step stored it), h_prev and dh (B, H).
/// Writes the gradients with respect to the input projection `dxw` = (dr, dz, dn) and the
/// hidden projection `dhw` = (dr, dz, dn·r), both pre-activation (B, 3H), and the direct part of
/// the gradient with respect to h_prev, dh·z, to `dh_prev` (B, H).
/// Units `first` … `first + count − 1` of every row only (all of them: 0 and H), as for the LSTM.
void sibyl_gru_backward_units(const float *gates, const float *hn, const float *h_prev, const float *dh,
                              float *dxw, float *dhw, float *dh_prev, size_t batch, size_t hidden, size_t first,
                              size_t count);

/// Sum over rows: out[j] += Σ_r x[r·cols + j], for a (rows, cols) matrix.
void sibyl_add_column_sums(const float *x, float *out, size_t rows, size_t cols);

/// Adds `bias` (cols) to every row of a (rows, cols) matrix.
void sibyl_add_row_bias(float *x, const float *bias, size_t rows, size_t cols);

/// One Adam or AdamW update of n parameters, in the order of PyTorch's single-tensor Adam, with
/// its scalars formed as PyTorch forms them (in double, then rounded to float by the caller):
/// shrink = 1 − lr·weight_decay for AdamW (else 1), coupled = weight_decay for Adam (else 0),
/// w1 = 1 − β1, w2 = 1 − β2, step = lr / (1 − β1^t), root2 = √(1 − β2^t);
///   p ← p·shrink;  g ← grad + coupled·p;  m ← m + w1·(g − m);  v ← β2·v + (w2·g)·g;
///   p ← p − step·(m / (√v / root2 + ε)).
void sibyl_adam_step(float *param, const float *grad, float *m, float *v, size_t n, float shrink, float coupled,
                     float w1, float beta2, float w2, float step, float root2, float eps);

/// One SGD update with momentum, as PyTorch computes it (dampening 0, no Nesterov):
///   g ← grad + weight_decay·p;  buf ← momentum·buf + g (buf = g at the first step);  p ← p − lr·buf,
/// each in PyTorch's order (g formed before it is added to the buffer).
void sibyl_sgd_step(float *param, const float *grad, float *buffer, size_t n, float lr, float momentum,
                    float weight_decay, int first_step);

#ifdef __cplusplus
}
#endif

#endif
