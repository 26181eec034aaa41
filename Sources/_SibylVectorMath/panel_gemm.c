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

void sibyl_pack_panels_part(const float *b, size_t ldb, int transposed, size_t k, size_t n, float *packed,
                            size_t k_offset, size_t k_total, size_t part, size_t parts) {
    const size_t panels = (n + NR - 1) / NR;
    const size_t first = panels * part / parts, last = panels * (part + 1) / parts;
    for (size_t p = first; p < last; p++) {
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
        // it in tiles of 16 along K, so that the 16 panel rows being written stay in L1. (A 16×16
        // transpose in registers measured no faster: the copy waits on memory.)
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

void sibyl_pack_panels(const float *b, size_t ldb, int transposed, size_t k, size_t n, float *packed,
                       size_t k_offset, size_t k_total) {
    sibyl_pack_panels_part(b, ldb, transposed, k, n, packed, k_offset, k_total, 0, 1);
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

// ACCUMULATE over [A1 A2] read in place, row by row: K1 columns of A1 then K2 of A2 against the
// panel's rows in the same order. Past the last row of A (ROWS < MR) the row pointers repeat that
// row (read, computed, not stored).
#define ACCUMULATE_ROWS(K1, A1, LDA1, K2, A2, LDA2, PANEL, ROWS)                                 \
    {                                                                                            \
        const float *r[MR];                                                                      \
        if (K1) {                                                                                \
            for (size_t i = 0; i < MR; i++) r[i] = (A1) + (i < (ROWS) ? i : (ROWS) - 1) * (LDA1); \
            ACCUMULATE(K1, r, 1, PANEL)                                                          \
        }                                                                                        \
        if (K2) {                                                                                \
            for (size_t i = 0; i < MR; i++) r[i] = (A2) + (i < (ROWS) ? i : (ROWS) - 1) * (LDA2); \
            ACCUMULATE(K2, r, 1, (PANEL) + (K1) * NR)                                            \
        }                                                                                        \
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
static inline __attribute__((always_inline)) void block_rows(size_t k1, const float *a1, size_t lda1, size_t k2,
                                                             const float *a2, size_t lda2, const float *panel,
                                                             float beta, float *c, size_t ldc, size_t rows,
                                                             size_t width) {
    DECLARE_ACCUMULATORS
    ACCUMULATE_ROWS(k1, a1, lda1, k2, a2, lda2, panel, rows)
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

// One 8×32 tile of [A1 A2]·B into `tile` (8 rows of 32 floats, all stored: rows past the last row
// of A repeat it). For the fused steps below, whose gate arithmetic then reads the tile from L1.
static inline __attribute__((always_inline)) void tile_product(size_t k1, const float *a1, size_t lda1, size_t k2,
                                                               const float *a2, size_t lda2, const float *panel,
                                                               size_t rows, float *tile) {
    DECLARE_ACCUMULATORS
    ACCUMULATE_ROWS(k1, a1, lda1, k2, a2, lda2, panel, rows)
    store16(tile, c00); store16(tile + 16, c01); store16(tile + 32, c10); store16(tile + 48, c11);
    store16(tile + 64, c20); store16(tile + 80, c21); store16(tile + 96, c30); store16(tile + 112, c31);
    store16(tile + 128, c40); store16(tile + 144, c41); store16(tile + 160, c50); store16(tile + 176, c51);
    store16(tile + 192, c60); store16(tile + 208, c61); store16(tile + 224, c70); store16(tile + 240, c71);
}

// The gates of one row of a GRU tile: `count` units from the four products' tile rows. Inlined
// with a constant `keep` (store what backward needs), so that inference has no stores to skip: a
// masked store to a null address costs a fault suppression per vector.
static inline __attribute__((always_inline)) void gru_tile_row(size_t count, const float *pr, const float *pz,
                                                               const float *phn, const float *pxn, const float *br,
                                                               const float *bz, const float *bin, const float *bhn,
                                                               const float *hp, float *out, float *gr, float *gz,
                                                               float *gn, float *hn_out, const int keep) {
    SIBYL_VECTORIZE
    for (size_t j = 0; j < count; j++) {
        const float recurrent_n = phn[j] + bhn[j];
        const float r = sigmoidf_(pr[j] + br[j]);
        const float z = sigmoidf_(pz[j] + bz[j]);
        const float n = tanhf_(pxn[j] + bin[j] + r * recurrent_n);
        if (keep) {
            gr[j] = r; gz[j] = z; gn[j] = n;
            hn_out[j] = recurrent_n;
        }
        out[j] = n + z * (hp[j] - n);
    }
}

size_t sibyl_gru_packed_size(size_t inputs, size_t hidden) {
    const size_t padded = (hidden + NR - 1) / NR * NR;
    return padded * (2 * (inputs + hidden) + hidden + inputs);
}

void sibyl_gru_pack_part(const float *w_ih, const float *w_hh, const float *b_ih, const float *b_hh, size_t inputs,
                         size_t hidden, float *packed, float *bias, size_t part, size_t parts) {
    const size_t padded = (hidden + NR - 1) / NR * NR, k = inputs + hidden;
    float *packed_r = packed, *packed_z = packed_r + padded * k;
    float *packed_hn = packed_z + padded * k, *packed_xn = packed_hn + padded * hidden;
    for (size_t gate = 0; gate < 2; gate++) {
        float *target = gate == 0 ? packed_r : packed_z;
        sibyl_pack_panels_part(w_ih + gate * hidden * inputs, inputs, 1, inputs, hidden, target, 0, k, part, parts);
        sibyl_pack_panels_part(w_hh + gate * hidden * hidden, hidden, 1, hidden, hidden, target, inputs, k, part, parts);
    }
    sibyl_pack_panels_part(w_hh + 2 * hidden * hidden, hidden, 1, hidden, hidden, packed_hn, 0, hidden, part, parts);
    sibyl_pack_panels_part(w_ih + 2 * hidden * inputs, inputs, 1, inputs, hidden, packed_xn, 0, inputs, part, parts);
    if (part != 0) return;
    memset(bias, 0, 4 * padded * sizeof *bias);
    for (size_t j = 0; j < hidden; j++) {
        bias[j] = b_ih[j] + b_hh[j];
        bias[padded + j] = b_ih[hidden + j] + b_hh[hidden + j];
        bias[2 * padded + j] = b_ih[2 * hidden + j];
        bias[3 * padded + j] = b_hh[2 * hidden + j];
    }
}

void sibyl_gru_pack(const float *w_ih, const float *w_hh, const float *b_ih, const float *b_hh, size_t inputs,
                    size_t hidden, float *packed, float *bias) {
    sibyl_gru_pack_part(w_ih, w_hh, b_ih, b_hh, inputs, hidden, packed, bias, 0, 1);
}

SIBYL_CLONES void sibyl_gru_step(size_t rows, size_t inputs, size_t hidden, const float *x, size_t ldx,
                                 const float *h_prev, const float *packed, const float *bias, float *h, float *gates,
                                 float *hn) {
    const size_t tiles = (hidden + NR - 1) / NR, padded = tiles * NR;
    const float *packed_r = packed, *packed_z = packed_r + padded * (inputs + hidden);
    const float *packed_hn = packed_z + padded * (inputs + hidden), *packed_xn = packed_hn + padded * hidden;
    const float *bias_r = bias, *bias_z = bias + padded, *bias_in = bias_z + padded, *bias_hn = bias_in + padded;
    float tile_r[MR * NR] __attribute__((aligned(64))), tile_z[MR * NR] __attribute__((aligned(64)));
    float tile_hn[MR * NR] __attribute__((aligned(64))), tile_xn[MR * NR] __attribute__((aligned(64)));
    // Tiles of 32 units outside, blocks of 8 rows inside, as in sibyl_gemm_panels: the tile's four
    // panels are streamed once per block, and the gates of a block are computed while its four
    // products are in L1.
    for (size_t u = 0; u < tiles; u++) {
        const size_t col = u * NR, width = hidden - col < NR ? hidden - col : NR;
        const float *pr = packed_r + col * (inputs + hidden), *pz = packed_z + col * (inputs + hidden);
        const float *phn = packed_hn + col * hidden, *pxn = packed_xn + col * inputs;
        for (size_t b0 = 0; b0 < rows; b0 += MR) {
            const size_t count = rows - b0 < MR ? rows - b0 : MR;
            const float *xb = x + b0 * ldx, *hb = h_prev + b0 * hidden;
            tile_product(inputs, xb, ldx, hidden, hb, hidden, pr, count, tile_r);
            tile_product(inputs, xb, ldx, hidden, hb, hidden, pz, count, tile_z);
            tile_product(0, NULL, 0, hidden, hb, hidden, phn, count, tile_hn);
            tile_product(inputs, xb, ldx, 0, NULL, 0, pxn, count, tile_xn);
            for (size_t i = 0; i < count; i++) {
                const size_t row = b0 + i, t = i * NR;
                float *gr = gates ? gates + row * 3 * hidden + col : NULL;
                float *gz = gates ? gr + hidden : NULL, *gn = gates ? gz + hidden : NULL;
                float *hn_out = gates ? hn + row * hidden + col : NULL;
                const float *hp = h_prev + row * hidden + col;
                float *out = h + row * hidden + col;
                // A constant count for whole tiles, so that their loop is two full vectors.
#define GRU_TILE_ROW(COUNT, KEEP)                                                                         \
    gru_tile_row(COUNT, tile_r + t, tile_z + t, tile_hn + t, tile_xn + t, bias_r + col, bias_z + col, \
                 bias_in + col, bias_hn + col, hp, out, gr, gz, gn, hn_out, KEEP)
                if (gates) {
                    if (width == NR) GRU_TILE_ROW(NR, 1); else GRU_TILE_ROW(width, 1);
                } else {
                    if (width == NR) GRU_TILE_ROW(NR, 0); else GRU_TILE_ROW(width, 0);
                }
#undef GRU_TILE_ROW
            }
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
