// Register-blocked GEMM on prepacked panels (see sibyl_panel_gemm.h). The packing and the gate
// arithmetic live here; the register-blocked kernels are in panel_kernels.h, instantiated below
// once per instruction set with the block that fits its registers (8×32 for AVX-512, 6×16 for
// AVX2, 6×8 for SSE), and the entry points call the one this CPU runs.
#include "sibyl_panel_gemm.h"
#include "vector_math_internal.h"

typedef float v16 __attribute__((vector_size(64), aligned(4)));
typedef float v8 __attribute__((vector_size(32), aligned(4)));
typedef float v4 __attribute__((vector_size(16), aligned(4)));
typedef float v2 __attribute__((vector_size(8), aligned(4)));

enum { NR = SIBYL_PANEL_WIDTH, MR_MAX = 8 };

// Panels are 32 columns wide where the machine has AVX-512 (one 8×32 block) and 16 elsewhere, so
// that a 6×16 block reads its panel as one sequential stream: small batches, whose products wait
// on the weights streaming in, ran about a quarter faster (4 rows, K = 524, N = 2048: 75 -> 96
// GFLOP/s) than on 32-wide panels read in two halves. The width follows the machine, not the
// per-thread cap below, so packing and products always agree; the narrower kernels read either
// width.
static inline size_t packed_width(void) { return sibyl_isa_level() == 2 ? 32 : 16; }

size_t sibyl_panel_width(void) { return packed_width(); }

size_t sibyl_panel_size(size_t k, size_t n) {
    const size_t w = packed_width();
    return (n + w - 1) / w * w * k;
}

// sibyl_pack_panels_part with panels `w` columns wide.
static void pack_panels_part(const float *b, size_t ldb, int transposed, size_t k, size_t n, float *packed,
                             size_t k_offset, size_t k_total, size_t part, size_t parts, size_t w) {
    const size_t panels = (n + w - 1) / w;
    const size_t first = panels * part / parts, last = panels * (part + 1) / parts;
    for (size_t p = first; p < last; p++) {
        float *panel = packed + p * w * k_total + k_offset * w;
        const size_t col = p * w, width = n - col < w ? n - col : w;
        if (!transposed) {
            // Row kk of the panel is a contiguous piece of row kk of B.
            for (size_t kk = 0; kk < k; kk++) {
                memcpy(panel + kk * w, b + kk * ldb + col, width * sizeof(float));
                memset(panel + kk * w + width, 0, (w - width) * sizeof(float));
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
                for (size_t kk = 0; kk < kn; kk++) panel[(k0 + kk) * w + j] = source[kk];
            }
            for (size_t kk = 0; kk < kn; kk++) memset(panel + (k0 + kk) * w + width, 0, (w - width) * sizeof(float));
        }
    }
}

void sibyl_pack_panels_part(const float *b, size_t ldb, int transposed, size_t k, size_t n, float *packed,
                            size_t k_offset, size_t k_total, size_t part, size_t parts) {
    pack_panels_part(b, ldb, transposed, k, n, packed, k_offset, k_total, part, parts, packed_width());
}

void sibyl_pack_panels(const float *b, size_t ldb, int transposed, size_t k, size_t n, float *packed,
                       size_t k_offset, size_t k_total) {
    sibyl_pack_panels_part(b, ldb, transposed, k, n, packed, k_offset, k_total, 0, 1);
}

// Unaligned 16- and 8-float loads and stores (the vector types are declared with 4-byte
// alignment). Macros rather than functions: a function passing a 512-bit vector by value would
// have a different ABI per instruction set.
#define load16(p) (*(const v16 *)(p))
#define store16(p, v) (*(v16 *)(p) = (v))
#define store8(p, v) (*(v8 *)(p) = (v))
#define load4(p) (*(const v4 *)(p))
#define store4(p, v) (*(v4 *)(p) = (v))
#define store2(p, v) (*(v2 *)(p) = (v))

// One unit of a GRU row's gates from its four products, for the loops of gru_tile_row.
static inline __attribute__((always_inline)) void gru_unit(size_t j, const float *pr, const float *pz,
                                                           const float *phn, const float *pxn, const float *br,
                                                           const float *bz, const float *bin, const float *bhn,
                                                           const float *hp, float *out, float *gr, float *gz,
                                                           float *gn, float *hn_out, const int keep) {
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

// The gates of one row of a GRU tile: `count` units from the four products' tile rows. Inlined
// with a constant `keep` (store what backward needs), so that inference has no stores to skip: a
// masked store to a null address costs a fault suppression per vector. With `chains` (a constant:
// whole tiles on vectors of 8 or 4 floats), four vectors an iteration (SIBYL_VECTORIZE_CHAINS);
// otherwise two, so that a tile's 32 units on AVX-512 and a partial tile's fewer stay vectorized.
static inline __attribute__((always_inline)) void gru_tile_row(size_t count, const float *pr, const float *pz,
                                                               const float *phn, const float *pxn, const float *br,
                                                               const float *bz, const float *bin, const float *bhn,
                                                               const float *hp, float *out, float *gr, float *gz,
                                                               float *gn, float *hn_out, const int keep,
                                                               const int chains) {
    if (chains) {
        SIBYL_VECTORIZE_CHAINS
        for (size_t j = 0; j < count; j++) gru_unit(j, pr, pz, phn, pxn, br, bz, bin, bhn, hp, out, gr, gz, gn, hn_out, keep);
    } else {
        SIBYL_VECTORIZE
        for (size_t j = 0; j < count; j++) gru_unit(j, pr, pz, phn, pxn, br, bz, bin, bhn, hp, out, gr, gz, gn, hn_out, keep);
    }
}

// The GRU step's tiles are 32 units wide on every machine: its gate arithmetic runs a tile at a
// time, and on 16-unit tiles (twice the tiles, twice the calls) a small layer's step measured a
// fifth to a quarter slower (H = 20 and 64, one sequence), with no gain on large ones. Their
// weights are packed in the machine's panel width (packed_width).
static inline size_t gru_padded(size_t hidden) { return (hidden + NR - 1) / NR * NR; }

size_t sibyl_gru_bias_size(size_t hidden) { return 4 * gru_padded(hidden); }

size_t sibyl_gru_packed_size(size_t inputs, size_t hidden) {
    const size_t padded = gru_padded(hidden);
    return padded * (2 * (inputs + hidden) + hidden + inputs);
}

void sibyl_gru_pack_part(const float *w_ih, const float *w_hh, const float *b_ih, const float *b_hh, size_t inputs,
                         size_t hidden, float *packed, float *bias, size_t part, size_t parts) {
    const size_t padded = gru_padded(hidden), k = inputs + hidden;
    float *packed_r = packed, *packed_z = packed_r + padded * k;
    float *packed_hn = packed_z + padded * k, *packed_xn = packed_hn + padded * hidden;
    // In the machine's panel width: a 32-unit tile is one panel, or two 16-wide ones in a row.
    const size_t w = packed_width();
    for (size_t gate = 0; gate < 2; gate++) {
        float *target = gate == 0 ? packed_r : packed_z;
        pack_panels_part(w_ih + gate * hidden * inputs, inputs, 1, inputs, hidden, target, 0, k, part, parts, w);
        pack_panels_part(w_hh + gate * hidden * hidden, hidden, 1, hidden, hidden, target, inputs, k, part, parts, w);
    }
    pack_panels_part(w_hh + 2 * hidden * hidden, hidden, 1, hidden, hidden, packed_hn, 0, hidden, part, parts, w);
    pack_panels_part(w_ih + 2 * hidden * inputs, inputs, 1, inputs, hidden, packed_xn, 0, inputs, part, parts, w);
    if (part != 0) return;
    // The last tile's second 16-wide panel, when the units end in its first: zeros, as the
    // 32-wide panel's padding would be (the step computes it, and stores none of it).
    const size_t written = (hidden + w - 1) / w * w;
    if (written < padded) {
        memset(packed_r + written * k, 0, (padded - written) * k * sizeof *packed);
        memset(packed_z + written * k, 0, (padded - written) * k * sizeof *packed);
        memset(packed_hn + written * hidden, 0, (padded - written) * hidden * sizeof *packed);
        memset(packed_xn + written * inputs, 0, (padded - written) * inputs * sizeof *packed);
    }
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

// Weight gradients: C += Aᵀ·B over a long K (all T·B rows of a pass), blocked as a GotoBLAS-style
// GEMM. For each block of KC rows of K, B's rows are packed into K-major panels one register block
// wide (KC×32 with AVX-512, KC×16 with AVX2: a few hundred KB that stay in L2), then each group of
// 2·MR columns of A is copied k-major into two blocks of MR (with AVX-512, one 64-byte line of each
// of A's rows per pair), and each block runs the register block against every panel. The column
// sums of A, which the bias gradients need, are taken while A is copied.

enum { KC = 256 };

static inline size_t panel_count(size_t n) { return (n + NR - 1) / NR; }

size_t sibyl_gemm_tn_workspace_size(size_t n1, size_t n2) {
    return KC * NR * (panel_count(n1) + panel_count(n2)) + 2 * KC * MR_MAX;
}

// Products whose packed weights pass this size ask for the next panel ahead of its use (see
// gemm_panels): weights of a few MB stay in the last-level cache between steps and stream in on the
// hardware prefetchers alone, larger ones come from memory. On the Zen 3 (32 MB L3), one thread,
// an LSTM's inference over 16 sequences ran 1.22 and 1.26 times as fast with it at H = 768 and
// 1024 (9.5 and 16.8 MB of weights), over 4 (one row block) 1.50 times at H = 1024, and no faster
// at H = 256 to 512 (1.1 to 4.2 MB, hence the size); asking two panels ahead was no faster.
#define SIBYL_PREFETCH_AHEAD_BYTES ((size_t)6 << 20)

size_t sibyl_panel_prefetch_bytes(void) { return SIBYL_PREFETCH_AHEAD_BYTES; }

#if SIBYL_X86

#define VEC v16
#define VW 16
#define MR 8
#define SUFFIX avx512
// Features rather than "arch=x86-64-v4": the arch form also tunes for those CPUs, which with
// Clang means 256-bit vectors where it can choose (the 16-float accumulators split in halves, the
// gate loops vectorized 8 wide); with generic tuning, as target_clones compiles, they stay whole.
#define TARGET __attribute__((target("avx512f,avx512bw,avx512cd,avx512dq,avx512vl,avx2,fma,f16c,bmi,bmi2,lzcnt,movbe")))
#include "panel_kernels.h"
#undef VEC
#undef VW
#undef MR
#undef SUFFIX
#undef TARGET

#define VEC v8
#define VW 8
#define MR 6
#define SUFFIX avx2
#define TARGET __attribute__((target("avx2,fma,f16c,bmi,bmi2,lzcnt,movbe")))
#include "panel_kernels.h"
#undef VEC
#undef VW
#undef MR
#undef SUFFIX
#undef TARGET

#endif

#define VEC v4
#define VW 4
#define MR 6
#define SUFFIX base
#define TARGET
#include "panel_kernels.h"
#undef VEC
#undef VW
#undef MR
#undef SUFFIX
#undef TARGET

// The kernel set in use: 2 AVX-512, 1 AVX2, 0 SSE or another architecture's vectors; at most the
// cap that tests set, per thread, to run the narrower sets on a machine that has a wider one.
static _Thread_local int kernel_cap = 2;

int sibyl_panel_kernel_level(void) {
    const int level = sibyl_isa_level();
    return level < kernel_cap ? level : kernel_cap;
}

int sibyl_panel_kernel_cap(int level) {
    const int previous = kernel_cap;
    kernel_cap = level;
    return previous;
}

const char *sibyl_panel_kernel_name(void) {
    switch (sibyl_panel_kernel_level()) {
    case 2: return "8x32 AVX-512";
    case 1: return "6x16 AVX2";
    default: return "6x8 baseline";
    }
}

#if SIBYL_X86
#define DISPATCH(name, ...)                                        \
    switch (sibyl_panel_kernel_level()) {                          \
    case 2: name##_avx512(__VA_ARGS__); break;                     \
    case 1: name##_avx2(__VA_ARGS__); break;                       \
    default: name##_base(__VA_ARGS__); break;                      \
    }
#else
#define DISPATCH(name, ...) name##_base(__VA_ARGS__);
#endif

void sibyl_gemm_panels(size_t m, size_t n, size_t k1, const float *a1, size_t lda1, size_t k2, const float *a2,
                       size_t lda2, const float *packed, float beta, float *c, size_t ldc) {
    DISPATCH(gemm_panels, m, n, n, k1, a1, lda1, k2, a2, lda2, packed, beta, c, ldc)
}

void sibyl_gemm_panels_of(size_t m, size_t n, size_t whole_n, size_t k1, const float *a1, size_t lda1, size_t k2,
                          const float *a2, size_t lda2, const float *packed, float beta, float *c, size_t ldc) {
    DISPATCH(gemm_panels, m, n, whole_n > n ? whole_n : n, k1, a1, lda1, k2, a2, lda2, packed, beta, c, ldc)
}

void sibyl_gru_step(size_t rows, size_t inputs, size_t hidden, const float *x, size_t ldx, const float *h_prev,
                    const float *packed, const float *bias, float *h, float *gates, float *hn) {
    DISPATCH(gru_step, rows, inputs, hidden, x, ldx, h_prev, packed, bias, h, gates, hn, 0, (hidden + NR - 1) / NR)
}

void sibyl_gru_step_tiles(size_t rows, size_t inputs, size_t hidden, const float *x, size_t ldx, const float *h_prev,
                          const float *packed, const float *bias, float *h, float *gates, float *hn, size_t first_tile,
                          size_t tile_count) {
    DISPATCH(gru_step, rows, inputs, hidden, x, ldx, h_prev, packed, bias, h, gates, hn, first_tile,
             first_tile + tile_count)
}

void sibyl_gemm_tn_accumulate(size_t m, size_t k, const float *a, size_t lda, size_t n1, const float *b1, size_t ldb1,
                              size_t n2, const float *b2, size_t ldb2, float *c1, size_t ldc1, float *c2, size_t ldc2,
                              float *sums1, float *sums2, float *workspace) {
    DISPATCH(gemm_tn_accumulate, m, k, a, lda, n1, b1, ldb1, n2, b2, ldb2, c1, ldc1, c2, ldc2, sums1, sums2, workspace)
}

float sibyl_fma_peak(size_t iterations, float x, float y) {
#if SIBYL_X86
    switch (sibyl_panel_kernel_level()) {
    case 2: return fma_peak_avx512(iterations, x, y);
    case 1: return fma_peak_avx2(iterations, x, y);
    default: break;
    }
#endif
    return fma_peak_base(iterations, x, y);
}

size_t sibyl_fma_peak_operations_per_round(void) {
    switch (sibyl_panel_kernel_level()) {
    case 2: return 12 * 16 * 2;
    case 1: return 12 * 8 * 2;
    default: return 12 * 4 * 2;
    }
}
