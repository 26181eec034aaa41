// GEMM with a prepacked right-hand matrix, for the recurrent steps: the weights W_hh stay the same
// for every step of a sequence, so they are packed once per pass instead of once per step (which
// a general BLAS call must do), and the small per-step products run on a register-blocked kernel.
//
// Dimensions: C (M, N) = beta·C + A (M, K) · B (K, N). Packed B is stored in panels of
// `sibyl_panel_width()` columns; panel p holds, for k = 0 … K−1, columns p·W … p·W + W − 1 of row
// k, zero-padded past N.
#ifndef SIBYL_PANEL_GEMM_H
#define SIBYL_PANEL_GEMM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Columns of the widest packed panel (AVX-512's).
#define SIBYL_PANEL_WIDTH 32

/// Columns per packed panel on this machine: 32 with AVX-512, 16 otherwise (the same for every
/// thread, whatever kernel set a test caps it at).
size_t sibyl_panel_width(void);

/// Bytes of packed weights past which sibyl_gemm_panels asks for each next panel while the row
/// blocks of the current one compute (the same bits either way).
size_t sibyl_panel_prefetch_bytes(void);

/// Floats a packed K×N matrix occupies: ⌈N / W⌉·W·K.
size_t sibyl_panel_size(size_t k, size_t n);

/// Packs B (K, N) as rows `k_offset` … `k_offset + k − 1` of a packed matrix of `k_total` rows, so
/// that two matrices stacked along K (such as W_ihᵀ over W_hhᵀ) pack into one. With
/// `transposed` = 0, B is read from `b` as row-major K×N with row stride ldb; with 1, B is the
/// transpose of the row-major N×K matrix at `b` (row stride ldb), as for x·Wᵀ with W stored (N, K).
void sibyl_pack_panels(const float *b, size_t ldb, int transposed, size_t k, size_t n, float *packed,
                       size_t k_offset, size_t k_total);

/// `sibyl_pack_panels` for part `part` of `parts` of the panels (parts of about equal size, in
/// order), so that threads can pack one matrix together: the parts together write what one call of
/// `sibyl_pack_panels` writes.
void sibyl_pack_panels_part(const float *b, size_t ldb, int transposed, size_t k, size_t n, float *packed,
                            size_t k_offset, size_t k_total, size_t part, size_t parts);

/// C = beta·C + [A1 A2]·B for row-major A1 (M, K1; row stride lda1) and A2 (M, K2; row stride
/// lda2) side by side along K (K2 may be 0 and A2 NULL), and B packed with K = K1 + K2 rows.
/// beta is 0 or 1; with 0, C is only written.
void sibyl_gemm_panels(size_t m, size_t n, size_t k1, const float *a1, size_t lda1, size_t k2, const float *a2,
                       size_t lda2, const float *packed, float beta, float *c, size_t ldc);

/// `sibyl_gemm_panels` over N columns of a packed matrix of `whole_n` columns (N ≤ whole_n), such
/// as one gate's units of a thread's share: whether to ask for panels ahead follows the size of
/// the whole matrix, which is what a step streams, not of the part. The same bits either way.
void sibyl_gemm_panels_of(size_t m, size_t n, size_t whole_n, size_t k1, const float *a1, size_t lda1, size_t k2,
                          const float *a2, size_t lda2, const float *packed, float beta, float *c, size_t ldc);

/// Floats the packed weights of `sibyl_gru_step` occupy: 2·P·(F+H) + P·H + P·F, P = H rounded up
/// to a multiple of 32 (the GRU's tiles are SIBYL_PANEL_WIDTH units wide on every machine; each
/// tile's weights are one panel of that width, or two of `sibyl_panel_width()` in a row).
size_t sibyl_gru_packed_size(size_t inputs, size_t hidden);

/// Floats of the biases `sibyl_gru_pack` writes: 4·P.
size_t sibyl_gru_bias_size(size_t hidden);

/// Packs a GRU layer's W_ih (3H, F) and W_hh (3H, H), PyTorch's layout, for `sibyl_gru_step`: the r
/// and z blocks of [W_ih W_hh]ᵀ over K = F + H each, then the n block of W_hhᵀ (K = H) and of W_ihᵀ
/// (K = F) apart. `bias` gets four rows of P floats, zero-padded: b_ir + b_hr, b_iz + b_hz, b_in,
/// b_hn.
void sibyl_gru_pack(const float *w_ih, const float *w_hh, const float *b_ih, const float *b_hh, size_t inputs,
                    size_t hidden, float *packed, float *bias);

/// `sibyl_gru_pack` for part `part` of `parts` of the panels (part 0 also writes `bias`), as
/// `sibyl_pack_panels_part` splits them.
void sibyl_gru_pack_part(const float *w_ih, const float *w_hh, const float *b_ih, const float *b_hh, size_t inputs,
                         size_t hidden, float *packed, float *bias, size_t part, size_t parts);

/// One GRU step for `rows` sequences with the gate arithmetic fused to the products, tile by tile of
/// 32 units: r = σ([x h]·[W_ir W_hr]ᵀ + b_ir + b_hr), z likewise, n = tanh(x·W_inᵀ + b_in + r·(h·W_hnᵀ
/// + b_hn)), h' = (1 − z)·n + z·h. x (rows, F) has row stride ldx; h_prev and h (rows, H) are
/// contiguous and distinct. With `gates` (rows, 3H: r, z, n) and `hn` (rows, H: h·W_hnᵀ + b_hn),
/// what backward needs is stored; both NULL for inference, which computes the same h bit for bit.
void sibyl_gru_step(size_t rows, size_t inputs, size_t hidden, const float *x, size_t ldx, const float *h_prev,
                    const float *packed, const float *bias, float *h, float *gates, float *hn);

/// `sibyl_gru_step` for tiles `first_tile` … `first_tile + tile_count − 1` of its 32-unit tiles
/// only (units past H and tiles past the last ignored), so that threads can share a step by
/// units: each writes its tiles' units of h (and of `gates` and `hn`), the same bits.
void sibyl_gru_step_tiles(size_t rows, size_t inputs, size_t hidden, const float *x, size_t ldx, const float *h_prev,
                          const float *packed, const float *bias, float *h, float *gates, float *hn, size_t first_tile,
                          size_t tile_count);

/// Floats of workspace `sibyl_gemm_tn_accumulate` needs for N1 + N2 columns.
size_t sibyl_gemm_tn_workspace_size(size_t n1, size_t n2);

/// The weight-gradient product over a long K: C1 (M, N1) += Aᵀ·B1 and C2 (M, N2) += Aᵀ·B2, where A
/// is row-major (K, M) with row stride lda and B1, B2 are row-major (K, N1) and (K, N2) side by
/// side along N (N2 may be 0 and B2, C2 NULL). `sums1` and `sums2`, when not NULL, each get the
/// column sums of A added (M floats; the bias gradients). `workspace` holds
/// `sibyl_gemm_tn_workspace_size(n1, n2)` floats and must not be shared between concurrent calls.
void sibyl_gemm_tn_accumulate(size_t m, size_t k, const float *a, size_t lda, size_t n1, const float *b1, size_t ldb1,
                              size_t n2, const float *b2, size_t ldb2, float *c1, size_t ldc1, float *c2, size_t ldc2,
                              float *sums1, float *sums2, float *workspace);

/// Runs `iterations` rounds of 12 independent multiply-adds (a = a·x + y) on the widest vectors the
/// kernels use here, in registers, and returns their sum, so that nothing is optimized away:
/// `sibyl_fma_peak_operations_per_round()` floating-point operations a round, the arithmetic peak
/// of one core for `sibyl bench`.
float sibyl_fma_peak(size_t iterations, float x, float y);

/// Floating-point operations in one round of `sibyl_fma_peak`: 384 with AVX-512, 192 with AVX2.
size_t sibyl_fma_peak_operations_per_round(void);

/// The kernel set the products above run on this machine: 2 for AVX-512 (8×32 register blocks),
/// 1 for AVX2 (6×16), 0 for the baseline (6×8). All take each sum in the same order, so AVX-512
/// and AVX2 agree bit for bit; the baseline, without fused multiply-adds, rounds differently.
int sibyl_panel_kernel_level(void);

/// "8x32 AVX-512", "6x16 AVX2" or "6x8 baseline": the kernel set in use.
const char *sibyl_panel_kernel_name(void);

/// Caps the kernel set at `level` for calls made on this thread (lower sets run on machines that
/// have a higher one; a cap above the machine's changes nothing) and returns the previous cap. For
/// tests: other threads, the workers of a split product among them, keep their own.
int sibyl_panel_kernel_cap(int level);

#ifdef __cplusplus
}
#endif

#endif
