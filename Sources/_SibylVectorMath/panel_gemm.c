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

void sibyl_pack_panels(const float *b, size_t ldb, int transposed, size_t k, size_t n, float *packed,
                       size_t k_offset, size_t k_total) {
    const size_t panels = (n + NR - 1) / NR;
    for (size_t p = 0; p < panels; p++) {
        float *panel = packed + p * NR * k_total + k_offset * NR;
        const size_t col = p * NR, width = n - col < NR ? n - col : NR;
        if (!transposed) {
            // Row kk of the panel is a contiguous piece of row kk of B.
            for (size_t kk = 0; kk < k; kk++) {
                memcpy(panel + kk * NR, b + kk * ldb + col, width * sizeof(float));
                memset(panel + kk * NR + width, 0, (NR - width) * sizeof(float));
            }
            continue;
        }
        // Column j of the panel is a contiguous piece of row col + j of the stored matrix: copy
        // it in tiles of 16 along K, so that the 16 panel rows being written stay in L1.
        for (size_t k0 = 0; k0 < k; k0 += 16) {
            const size_t kn = k - k0 < 16 ? k - k0 : 16;
            for (size_t j = 0; j < width; j++) {
                const float *source = b + (col + j) * ldb + k0;
                for (size_t kk = 0; kk < kn; kk++) panel[(k0 + kk) * NR + j] = source[kk];
            }
            for (size_t kk = 0; kk < kn; kk++) memset(panel + (k0 + kk) * NR + width, 0, (NR - width) * sizeof(float));
        }
    }
}

// Unaligned 16-float loads and stores (v16 is declared with 4-byte alignment). Macros rather than
// functions: a function passing a 512-bit vector by value would have a different ABI per clone.
#define load16(p) (*(const v16 *)(p))
#define store16(p, v) (*(v16 *)(p) = (v))

// The register block: an 8×32 piece of C in sixteen 16-float accumulators, c00 … c71 (row i,
// half j). ACCUMULATE adds K rank-1 updates: per k, one panel row (two vectors) times the
// broadcasts R[i][k·STEP] of the block's 8 rows of A, read through 8 row pointers R; STEP is 1 for
// A read in place (row-major rows) and 8 for A packed k-major. Macros keep the accumulators in
// registers across calls within one function.
#define DECLARE_ACCUMULATORS                                                                          \
    v16 c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0}, c30 = {0}, c31 = {0};   \
    v16 c40 = {0}, c41 = {0}, c50 = {0}, c51 = {0}, c60 = {0}, c61 = {0}, c70 = {0}, c71 = {0};

#define ACCUMULATE(K, R, STEP, PANEL)                                                  \
    for (size_t kk = 0; kk < (K); kk++) {                                              \
        const v16 b0 = load16((PANEL) + kk * NR), b1 = load16((PANEL) + kk * NR + 16); \
        const size_t o = kk * (STEP);                                                  \
        c00 += R[0][o] * b0; c01 += R[0][o] * b1;                                      \
        c10 += R[1][o] * b0; c11 += R[1][o] * b1;                                      \
        c20 += R[2][o] * b0; c21 += R[2][o] * b1;                                      \
        c30 += R[3][o] * b0; c31 += R[3][o] * b1;                                      \
        c40 += R[4][o] * b0; c41 += R[4][o] * b1;                                      \
        c50 += R[5][o] * b0; c51 += R[5][o] * b1;                                      \
        c60 += R[6][o] * b0; c61 += R[6][o] * b1;                                      \
        c70 += R[7][o] * b0; c71 += R[7][o] * b1;                                      \
    }

// Stores (beta = 0) or adds (beta = 1) rows < `rows` and columns < `width` of the block into C.
// Straight-line stores per row keep the accumulators in registers (an indexed array of them
// would go through the stack).
#define STORE_ROW(i, lo, hi)                                                                      \
    if (i < rows) {                                                                               \
        float *row = c + (size_t)(i) * ldc;                                                       \
        if (width == NR) {                                                                        \
            if (beta != 0.0f) {                                                                   \
                store16(row, load16(row) + lo);                                                   \
                store16(row + 16, load16(row + 16) + hi);                                         \
            } else {                                                                              \
                store16(row, lo);                                                                 \
                store16(row + 16, hi);                                                            \
            }                                                                                     \
        } else {                                                                                  \
            float tmp[NR];                                                                        \
            store16(tmp, lo);                                                                     \
            store16(tmp + 16, hi);                                                                \
            for (size_t j = 0; j < width; j++) row[j] = beta != 0.0f ? row[j] + tmp[j] : tmp[j]; \
        }                                                                                         \
    }
#define STORE_BLOCK                 \
    STORE_ROW(0, c00, c01)          \
    STORE_ROW(1, c10, c11)          \
    STORE_ROW(2, c20, c21)          \
    STORE_ROW(3, c30, c31)          \
    STORE_ROW(4, c40, c41)          \
    STORE_ROW(5, c50, c51)          \
    STORE_ROW(6, c60, c61)          \
    STORE_ROW(7, c70, c71)

// One 8×32 block of C from an A block packed k-major (ap[k·8 + i] = A[i][k]) and a K×32 panel.
// Rows past `rows` and columns past `width` are computed (on zero padding) but not stored.
static inline __attribute__((always_inline)) void block(size_t k, const float *ap, const float *panel, float beta,
                                                        float *c, size_t ldc, size_t rows, size_t width) {
    const float *r[MR] = {ap, ap + 1, ap + 2, ap + 3, ap + 4, ap + 5, ap + 6, ap + 7};
    DECLARE_ACCUMULATORS
    ACCUMULATE(k, r, MR, panel)
    STORE_BLOCK
}

// One 8×32 block of C = [A1 A2]·B with A1 and A2 read in place, row by row: no packing of A.
// Past the last row of A the row pointers repeat that row (read, computed, not stored).
static inline __attribute__((always_inline)) void block_rows(size_t k1, const float *a1, size_t lda1, size_t k2,
                                                             const float *a2, size_t lda2, const float *panel,
                                                             float beta, float *c, size_t ldc, size_t rows,
                                                             size_t width) {
    DECLARE_ACCUMULATORS
    const float *r[MR];
    for (size_t i = 0; i < MR; i++) r[i] = a1 + (i < rows ? i : rows - 1) * lda1;
    ACCUMULATE(k1, r, 1, panel)
    if (k2) {
        for (size_t i = 0; i < MR; i++) r[i] = a2 + (i < rows ? i : rows - 1) * lda2;
        ACCUMULATE(k2, r, 1, panel + k1 * NR)
    }
    STORE_BLOCK
}

// The same for a panel of at most 16 columns: an 8×16 block of C, half the FMAs of `block`.
static inline __attribute__((always_inline)) void block16(size_t k, const float *ap, const float *panel, float *c,
                                                          size_t ldc, size_t rows, size_t width) {
    v16 c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0}, c4 = {0}, c5 = {0}, c6 = {0}, c7 = {0};
    for (size_t kk = 0; kk < k; kk++) {
        const v16 b = load16(panel + kk * NR);
        const float *a = ap + kk * MR;
        c0 += a[0] * b; c1 += a[1] * b; c2 += a[2] * b; c3 += a[3] * b;
        c4 += a[4] * b; c5 += a[5] * b; c6 += a[6] * b; c7 += a[7] * b;
    }
    float tmp[MR * 16];
    store16(tmp, c0); store16(tmp + 16, c1); store16(tmp + 32, c2); store16(tmp + 48, c3);
    store16(tmp + 64, c4); store16(tmp + 80, c5); store16(tmp + 96, c6); store16(tmp + 112, c7);
    if (width == 16) {
        for (size_t i = 0; i < rows; i++) store16(c + i * ldc, load16(c + i * ldc) + load16(tmp + i * 16));
        return;
    }
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < width; j++) c[i * ldc + j] += tmp[i * 16 + j];
    }
}

SIBYL_CLONES void sibyl_gemm_panels(size_t m, size_t n, size_t k1, const float *a1, size_t lda1, size_t k2,
                                    const float *a2, size_t lda2, const float *packed, float beta, float *c,
                                    size_t ldc) {
    const size_t k = k1 + k2;
    const size_t panels = (n + NR - 1) / NR;
    const size_t blocks = (m + MR - 1) / MR;
    // Panels outside, row blocks inside: one K×32 panel is reused by every block while it is
    // near. A is read in place: its 8 rows per block are 8 sequential streams, which the
    // prefetchers follow, and packing it (a transpose per call) cost more than it saved.
    for (size_t p = 0; p < panels; p++) {
        const float *panel = packed + p * NR * k;
        const size_t width = n - p * NR < NR ? n - p * NR : NR;
        for (size_t bi = 0; bi < blocks; bi++) {
            const size_t rows = m - bi * MR < MR ? m - bi * MR : MR;
            block_rows(k1, a1 + bi * MR * lda1, lda1, k2, k2 ? a2 + bi * MR * lda2 : NULL, lda2, panel, beta,
                       c + bi * MR * ldc + p * NR, ldc, rows, width);
        }
    }
}

// Weight gradients: C += Aᵀ·B over a long K (all T·B rows of a pass), blocked as a GotoBLAS-style
// GEMM. For each block of KC rows of K, B's rows are packed into K-major panels (KC×32 each, a few
// hundred KB that stay in L2), then each group of 16 columns of A is copied k-major into two
// blocks of 8 (one 64-byte line of each of A's rows per pair), and each block runs the same
// register block against every panel. The column sums of A, which the bias gradients need, are
// taken while A is copied.

enum { KC = 256 };

static inline size_t panel_count(size_t n) { return (n + NR - 1) / NR; }

size_t sibyl_gemm_tn_workspace_size(size_t n1, size_t n2) {
    return KC * NR * (panel_count(n1) + panel_count(n2)) + 2 * KC * MR;
}

typedef float v8 __attribute__((vector_size(32), aligned(4)));
#define load8(p) (*(const v8 *)(p))
#define store8(p, v) (*(v8 *)(p) = (v))

// Packs rows k0 … k0 + kc − 1 of B (K, N) into K-major panels of width NR, zero-padded past N.
static inline __attribute__((always_inline)) void pack_rows(size_t k0, size_t kc, size_t n, const float *b, size_t ldb,
                                                            float *packed) {
    const size_t panels = panel_count(n);
    for (size_t kk = 0; kk < kc; kk++) {
        const float *row = b + (k0 + kk) * ldb;
        for (size_t p = 0; p < panels; p++) {
            float *out = packed + p * NR * kc + kk * NR;
            const size_t col = p * NR;
            if (col + NR <= n) {
                store16(out, load16(row + col));
                store16(out + 16, load16(row + col + 16));
            } else {
                for (size_t j = 0; j < NR; j++) out[j] = col + j < n ? row[col + j] : 0.0f;
            }
        }
    }
}

// Copies columns i0 … i0 + rows − 1 (rows ≤ 2·MR) of A's rows k0 … k0 + kc − 1 k-major into two
// blocks, ap[kk·MR + i] for the first MR columns and ap[kc·MR + kk·MR + i] for the next, zero-padded
// past `rows`, and sets `sum` to their sums. Rows of A lie KiBs apart, all in one cache set: each
// row's 64-byte line is read once, for both blocks.
static inline __attribute__((always_inline)) void pack_columns(const float *a, size_t lda, size_t m, size_t k0,
                                                               size_t kc, size_t i0, size_t rows, float *ap,
                                                               float *sum) {
    if (rows == 2 * MR) {
        v16 total = {0};
        for (size_t kk = 0; kk < kc; kk++) {
            const float *row = a + (k0 + kk) * lda + i0;
            // The next pair of blocks reads the next line of this row: have it in L2 by then.
            if (i0 + 2 * MR < m) __builtin_prefetch(row + 2 * MR, 0, 2);
            const v16 x = load16(row);
            store8(ap + kk * MR, __builtin_shufflevector(x, x, 0, 1, 2, 3, 4, 5, 6, 7));
            store8(ap + kc * MR + kk * MR, __builtin_shufflevector(x, x, 8, 9, 10, 11, 12, 13, 14, 15));
            total += x;
        }
        for (size_t i = 0; i < 2 * MR; i++) sum[i] = total[i];
        return;
    }
    for (size_t i = 0; i < 2 * MR; i++) sum[i] = 0.0f;
    for (size_t kk = 0; kk < kc; kk++) {
        const float *row = a + (k0 + kk) * lda + i0;
        for (size_t i = 0; i < 2 * MR; i++) {
            const float x = i < rows ? row[i] : 0.0f;
            ap[(i / MR) * kc * MR + kk * MR + i % MR] = x;
            sum[i] += x;
        }
    }
}

// C (rows of the 8-row block, N) += the block of A packed in `ap` times B's packed panels.
static inline __attribute__((always_inline)) void accumulate_panels(size_t kc, const float *ap, const float *packed,
                                                                    size_t n, float *c, size_t ldc, size_t rows) {
    for (size_t p = 0; p < panel_count(n); p++) {
        const float *panel = packed + p * NR * kc;
        const size_t col = p * NR, width = n - col < NR ? n - col : NR;
        if (width <= 16) block16(kc, ap, panel, c + col, ldc, rows, width);
        else block(kc, ap, panel, 1.0f, c + col, ldc, rows, width);
    }
}

SIBYL_CLONES void sibyl_gemm_tn_accumulate(size_t m, size_t k, const float *a, size_t lda, size_t n1, const float *b1,
                                           size_t ldb1, size_t n2, const float *b2, size_t ldb2, float *c1,
                                           size_t ldc1, float *c2, size_t ldc2, float *sums1, float *sums2,
                                           float *workspace) {
    // B1 and B2 get panels of their own (a panel never straddles the two), so every block of C
    // is added in place with vector loads and stores.
    float *packed1 = workspace, *packed2 = workspace + KC * NR * panel_count(n1);
    float *ap = packed2 + KC * NR * panel_count(n2);
    for (size_t k0 = 0; k0 < k; k0 += KC) {
        const size_t kc = k - k0 < KC ? k - k0 : KC;
        pack_rows(k0, kc, n1, b1, ldb1, packed1);
        if (n2) pack_rows(k0, kc, n2, b2, ldb2, packed2);
        for (size_t i0 = 0; i0 < m; i0 += 2 * MR) {
            const size_t pair = m - i0 < 2 * MR ? m - i0 : 2 * MR;
            float sum[2 * MR];
            pack_columns(a, lda, m, k0, kc, i0, pair, ap, sum);
            for (size_t i = 0; i < pair; i++) {
                if (sums1) sums1[i0 + i] += sum[i];
                if (sums2) sums2[i0 + i] += sum[i];
            }
            for (size_t half = 0; half * MR < pair; half++) {
                const size_t first = i0 + half * MR, rows = pair - half * MR < MR ? pair - half * MR : MR;
                const float *block_a = ap + half * kc * MR;
                accumulate_panels(kc, block_a, packed1, n1, c1 + first * ldc1, ldc1, rows);
                if (n2) accumulate_panels(kc, block_a, packed2, n2, c2 + first * ldc2, ldc2, rows);
            }
        }
    }
}

// The FMA peak: twelve independent chains of 16-float multiply-adds (enough to cover the latency of
// two FMA pipes), no memory traffic. The ceiling every product above is measured against.
SIBYL_CLONES float sibyl_fma_peak(size_t iterations, float x, float y) {
    v16 a0 = {0}, a1 = a0 + 1, a2 = a0 + 2, a3 = a0 + 3, a4 = a0 + 4, a5 = a0 + 5;
    v16 a6 = a0 + 6, a7 = a0 + 7, a8 = a0 + 8, a9 = a0 + 9, a10 = a0 + 10, a11 = a0 + 11;
    const v16 vx = a0 + x, vy = a0 + y;
    for (size_t i = 0; i < iterations; i++) {
        a0 = a0 * vx + vy; a1 = a1 * vx + vy; a2 = a2 * vx + vy; a3 = a3 * vx + vy;
        a4 = a4 * vx + vy; a5 = a5 * vx + vy; a6 = a6 * vx + vy; a7 = a7 * vx + vy;
        a8 = a8 * vx + vy; a9 = a9 * vx + vy; a10 = a10 * vx + vy; a11 = a11 * vx + vy;
    }
    const v16 total = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    float sum = 0;
    for (int j = 0; j < 16; j++) sum += total[j];
    return sum;
}
