// Register-blocked GEMM on prepacked panels (see sibyl_panel_gemm.h). The micro-kernel keeps an
// MR×32 block of C in registers (MR ≤ 8 rows, two 16-float vectors per row) and streams one panel
// row and MR broadcasts of A per k. Written with GCC/Clang vector extensions, so each clone of
// target_clones gets its own code: 512-bit registers for x86-64-v4, pairs of 256-bit for v3, four
// 128-bit for the baseline.
#include "sibyl_panel_gemm.h"
#include "vector_math_internal.h"

typedef float v16 __attribute__((vector_size(64), aligned(4)));

enum { NR = SIBYL_PANEL_WIDTH, MR = 8 };

size_t sibyl_panel_size(size_t k, size_t n) { return (n + NR - 1) / NR * NR * k; }

size_t sibyl_panel_workspace_size(size_t m, size_t k) { return (m + MR - 1) / MR * MR * k; }

void sibyl_pack_panels(const float *b, size_t ldb, int transposed, size_t k, size_t n, float *packed,
                       size_t k_offset, size_t k_total) {
    const size_t panels = (n + NR - 1) / NR;
    for (size_t p = 0; p < panels; p++) {
        float *panel = packed + p * NR * k_total + k_offset * NR;
        for (size_t kk = 0; kk < k; kk++) {
            for (size_t j = 0; j < NR; j++) {
                const size_t col = p * NR + j;
                panel[kk * NR + j] = col >= n ? 0.0f : transposed ? b[col * ldb + kk] : b[kk * ldb + col];
            }
        }
    }
}

// Unaligned 16-float loads and stores (v16 is declared with 4-byte alignment). Macros rather than
// functions: a function passing a 512-bit vector by value would have a different ABI per clone.
#define load16(p) (*(const v16 *)(p))
#define store16(p, v) (*(v16 *)(p) = (v))

// One 8×32 block of C from an A block packed k-major (ap[k·8 + i] = A[i][k]) and a K×32 panel.
// Rows past `rows` and columns past `width` are computed (on zero padding) but not stored.
static inline __attribute__((always_inline)) void block(size_t k, const float *ap, const float *panel, float beta,
                                                        float *c, size_t ldc, size_t rows, size_t width) {
    v16 c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0}, c30 = {0}, c31 = {0};
    v16 c40 = {0}, c41 = {0}, c50 = {0}, c51 = {0}, c60 = {0}, c61 = {0}, c70 = {0}, c71 = {0};
    for (size_t kk = 0; kk < k; kk++) {
        const v16 b0 = load16(panel + kk * NR), b1 = load16(panel + kk * NR + 16);
        const float *a = ap + kk * MR;
        c00 += a[0] * b0; c01 += a[0] * b1;
        c10 += a[1] * b0; c11 += a[1] * b1;
        c20 += a[2] * b0; c21 += a[2] * b1;
        c30 += a[3] * b0; c31 += a[3] * b1;
        c40 += a[4] * b0; c41 += a[4] * b1;
        c50 += a[5] * b0; c51 += a[5] * b1;
        c60 += a[6] * b0; c61 += a[6] * b1;
        c70 += a[7] * b0; c71 += a[7] * b1;
    }
    // Straight-line stores per row keep the accumulators in registers (an indexed array of them
    // would go through the stack).
#define STORE_ROW(i, lo, hi)                                                        \
    if (i < rows) {                                                                 \
        float *row = c + (size_t)(i) * ldc;                                         \
        if (width == NR) {                                                          \
            if (beta != 0.0f) {                                                     \
                store16(row, load16(row) + lo);                                     \
                store16(row + 16, load16(row + 16) + hi);                           \
            } else {                                                                \
                store16(row, lo);                                                   \
                store16(row + 16, hi);                                              \
            }                                                                       \
        } else {                                                                    \
            float tmp[NR];                                                          \
            store16(tmp, lo);                                                       \
            store16(tmp + 16, hi);                                                  \
            for (size_t j = 0; j < width; j++) row[j] = beta != 0.0f ? row[j] + tmp[j] : tmp[j]; \
        }                                                                           \
    }
    STORE_ROW(0, c00, c01)
    STORE_ROW(1, c10, c11)
    STORE_ROW(2, c20, c21)
    STORE_ROW(3, c30, c31)
    STORE_ROW(4, c40, c41)
    STORE_ROW(5, c50, c51)
    STORE_ROW(6, c60, c61)
    STORE_ROW(7, c70, c71)
#undef STORE_ROW
}

SIBYL_CLONES void sibyl_gemm_panels(size_t m, size_t n, size_t k1, const float *a1, size_t lda1, size_t k2,
                                    const float *a2, size_t lda2, const float *packed, float beta, float *c, size_t ldc,
                                    float *workspace) {
    const size_t k = k1 + k2;
    const size_t panels = (n + NR - 1) / NR;
    const size_t blocks = (m + MR - 1) / MR;
    // Pack [A1 A2] by blocks of MR rows, k-major, zero-padding the last block: the kernel then
    // reads its MR broadcasts per k from one cache line.
    for (size_t bi = 0; bi < blocks; bi++) {
        float *ap = workspace + bi * MR * k;
        const size_t rows = m - bi * MR < MR ? m - bi * MR : MR;
        for (size_t i = 0; i < MR; i++) {
            const float *row1 = a1 + (bi * MR + i) * lda1;
            const float *row2 = a2 + (bi * MR + i) * lda2;
            for (size_t kk = 0; kk < k1; kk++) ap[kk * MR + i] = i < rows ? row1[kk] : 0.0f;
            for (size_t kk = 0; kk < k2; kk++) ap[(k1 + kk) * MR + i] = i < rows ? row2[kk] : 0.0f;
        }
    }
    // Panels outside, row blocks inside: one K×32 panel stays in L1 while every block uses it.
    for (size_t p = 0; p < panels; p++) {
        const float *panel = packed + p * NR * k;
        const size_t width = n - p * NR < NR ? n - p * NR : NR;
        for (size_t bi = 0; bi < blocks; bi++) {
            const size_t rows = m - bi * MR < MR ? m - bi * MR : MR;
            block(k, workspace + bi * MR * k, panel, beta, c + bi * MR * ldc + p * NR, ldc, rows, width);
        }
    }
}
