// The register-blocked kernels of panel_gemm.c, written once and instantiated there once per
// instruction set, since the block that fits depends on how many vector registers there are.
//
// Parameters (defined by the includer, undefined at the end of this file):
//   VEC      a vector of VW floats (GCC/Clang vector extension, 4-byte aligned)
//   VW       floats per VEC
//   MR       rows of C per register block: 8 or 6
//   SUFFIX   appended to every function name
//   TARGET   the attribute that compiles the functions for the instruction set
//
// A register block is MR rows × CB = 2·VW columns of C: two accumulators per row, one panel row
// of two vectors and one broadcast of A per row and k. With AVX-512 (32 registers of 16 floats)
// that is 8×32, sixteen accumulators, one block per 32-column panel; with AVX2 (16 registers of 8)
// 6×16, twelve accumulators and two blocks per panel (an 8×32 block there needs 32 registers, and
// its spills had held every product to about a third of the FMA peak); with SSE 6×8.

#define CB (2 * VW)
// PW, the packed weights' panel width: 32 (NR) wherever the AVX-512 kernels run; the narrower ones
// read the machine's width (16, or 32 on an AVX-512 machine under a test's cap) in blocks of CB.
#if VW == 16
#define PW ((size_t)NR)
#else
#define PW packed_width()
#endif
#define NAME_(name, suffix) name##_##suffix
#define NAME__(name, suffix) NAME_(name, suffix)
#define NAME(name) NAME__(name, SUFFIX)
#define LOADV(p) (*(const VEC *)(p))
#define STOREV(p, v) (*(VEC *)(p) = (v))

#define FOR_ROWS_4(X) X(0) X(1) X(2) X(3)
#define FOR_ROWS_6(X) FOR_ROWS_4(X) X(4) X(5)
#define FOR_ROWS_8(X) FOR_ROWS_6(X) X(6) X(7)
#if MR == 8
#define FOR_ROWS FOR_ROWS_8
#elif MR == 6
#define FOR_ROWS FOR_ROWS_6
#else
#error "MR must be 8 or 6"
#endif

// The k loop four steps at a time: one increment of the index and pointers and one compare per
// four steps rather than per step (with AVX2 on 16-wide panels, the panel row is then an offset, not
// a product computed each step). The Zen 3 runs fewer instructions per cycle at times, as when the
// hardware thread beside this one is busy (which a VM cannot see): a loop of twelve FMAs with
// eight additions between them then slowed as much as the 6×16 block (eight loads), and the
// block's 23 instructions per twelve FMAs, 21 unrolled, are what counts. Alternating in-process
// runs of the two loops (same bits): LSTM steps 1.07 times as fast (H = 128 and 256), GRU steps
// 1.03–1.04 times, four sequences at H = 512 1.09 (LSTM) and 1.19 (GRU), the weight gradients'
// block (`block`, which ACCUMULATE serves) 1.08 and 1.04 at H = 256 and 128; steps of H = 32 and 64
// within 0.99–1.02, those whose weights come from memory 0.95–1.09. The loops that ask for panels
// ahead stay one step at a time (unrolled, the compiler spilled accumulators there).
#define UNROLL_4 _Pragma("clang loop unroll_count(4)")
#define UNROLL_NONE _Pragma("clang loop unroll(disable)")

// The accumulators of row i are c<i>0 and c<i>1 (its two vectors). ACCUMULATE adds K rank-1
// updates: per k, one panel row (two vectors at PANEL + k·LDP) times the broadcasts R[i][k·STEP] of
// the block's rows of A (LIST, one of the FOR_ROWS lists), read through row pointers R; STEP is 1
// for A read in place (row-major rows) and MR for A packed k-major. Macros keep the accumulators in
// registers (an indexed array of them would go through the stack).
#define DECLARE_ROW(i) VEC c##i##0 = {0}, c##i##1 = {0};
#define FMA_ROW(i)                       \
    c##i##0 += row_of_a[i][o] * b0;      \
    c##i##1 += row_of_a[i][o] * b1;
#define ACCUMULATE(K, R, STEP, PANEL, LDP, LIST, EACH) ACCUMULATE_UNROLLED(UNROLL_4, K, R, STEP, PANEL, LDP, LIST, EACH)
#define ACCUMULATE_UNROLLED(UNROLL, K, R, STEP, PANEL, LDP, LIST, EACH)                \
    UNROLL                                                                             \
    for (size_t kk = 0; kk < (K); kk++) {                                              \
        EACH                                                                           \
        const float *const *row_of_a = (R);                                            \
        const VEC b0 = LOADV((PANEL) + kk * (LDP)), b1 = LOADV((PANEL) + kk * (LDP) + VW); \
        const size_t o = kk * (STEP);                                                  \
        LIST(FMA_ROW)                                                                  \
    }

// ACCUMULATE over [A1 A2] read in place, row by row: K1 columns of A1 then K2 of A2 against the
// panel's rows in the same order, for a block of N rows (LIST), on panels `pw` columns wide (a
// variable read once per function: PW may be a call). Past the last row of A (ROWS < N) the row
// pointers repeat that row (read, computed, not stored).
#define ACCUMULATE_ROWS(UNROLL, K1, A1, LDA1, K2, A2, LDA2, PANEL, ROWS, N, LIST, EACH)          \
    {                                                                                            \
        const float *r[N];                                                                       \
        if (K1) {                                                                                \
            for (size_t i = 0; i < (N); i++) r[i] = (A1) + (i < (ROWS) ? i : (ROWS) - 1) * (LDA1); \
            ACCUMULATE_UNROLLED(UNROLL, K1, r, 1, PANEL, pw, LIST, EACH)                         \
        }                                                                                        \
        if (K2) {                                                                                \
            for (size_t i = 0; i < (N); i++) r[i] = (A2) + (i < (ROWS) ? i : (ROWS) - 1) * (LDA2); \
            ACCUMULATE_UNROLLED(UNROLL, K2, r, 1, (PANEL) + (K1) * pw, pw, LIST, EACH)           \
        }                                                                                        \
    }

// BODY with `pw` a constant where the panels are one register block wide (AVX2 on a machine
// without AVX-512), so that the unrolled steps address the panel by offsets rather than computing
// each step's row; BODY as it is otherwise. BODY refers to `pw`.
#if CB == NR
#define WITH_PANEL_WIDTH(BODY) BODY
#else
#define WITH_PANEL_WIDTH(BODY)     \
    if (pw == CB) {                \
        const size_t pw = CB;      \
        BODY                       \
    } else {                       \
        BODY                       \
    }
#endif

// Stores (beta = 0) or adds (beta = 1) rows < `rows` and columns < `width` (at most CB) of the
// block into C at `c`. Straight-line stores per row keep the accumulators in registers.
#define STORE_ROW(i)                                                                              \
    if (i < rows) {                                                                               \
        float *row = c + (size_t)(i) * ldc;                                                       \
        if (width == CB) {                                                                        \
            if (beta != 0.0f) {                                                                   \
                STOREV(row, LOADV(row) + c##i##0);                                                \
                STOREV(row + VW, LOADV(row + VW) + c##i##1);                                      \
            } else {                                                                              \
                STOREV(row, c##i##0);                                                             \
                STOREV(row + VW, c##i##1);                                                        \
            }                                                                                     \
        } else {                                                                                  \
            float tmp[CB];                                                                        \
            STOREV(tmp, c##i##0);                                                                 \
            STOREV(tmp + VW, c##i##1);                                                            \
            for (size_t j = 0; j < width; j++) row[j] = beta != 0.0f ? row[j] + tmp[j] : tmp[j]; \
        }                                                                                         \
    }

// Stores every row of the block into an MR×NR tile at column `col` (rows past the last row of A
// hold copies of it).
#define TILE_ROW(i)                                      \
    STOREV(tile + (i) * NR + col, c##i##0);              \
    STOREV(tile + (i) * NR + col + VW, c##i##1);

// The column blocks of a panel of `width` columns: one for AVX-512, up to two or four otherwise.
#define FOR_COLUMN_BLOCKS(width) for (size_t col = 0; col < (CB == NR ? 1 : (width)); col += CB)


// The weight-gradient product packs its right-hand side in panels TN_PW columns wide, one
// register block wide: with AVX2 a block then reads its panel's rows as one sequential stream of
// 64-byte lines, where in 32-wide panels each of two blocks read every other line.
#define TN_PW CB

// C (rows ≤ MR, width ≤ TN_PW) += the A block packed k-major (ap[k·MR + i] = A[i][k]) times a
// K×TN_PW panel: one register block. Rows past `rows` and columns past `width` are computed (on
// zero padding) but not stored.
static inline __attribute__((always_inline)) TARGET void NAME(block)(size_t k, const float *ap, const float *panel,
                                                                     float *c, size_t ldc, size_t rows, size_t width) {
    const float beta = 1.0f;
    const float *r[MR];
    for (size_t i = 0; i < MR; i++) r[i] = ap + i;
    FOR_ROWS(DECLARE_ROW)
    ACCUMULATE(k, r, MR, panel, TN_PW, FOR_ROWS, )
    FOR_ROWS(STORE_ROW)
}

// An instruction rather than __builtin_prefetch on x86: with the builtin, Clang scheduled every
// broadcast of the k step ahead of the products and spilled four accumulators to the stack
// (0.6 of the speed); an opaque instruction at the top of the step leaves the block as it was.
#ifndef PREFETCH_L2
#if SIBYL_X86
#define PREFETCH_L2(p) __asm__ volatile("prefetcht1 %0" : : "m"(*(const char *)(p)))
#else
#define PREFETCH_L2(p) __builtin_prefetch((p), 0, 2)
#endif
#endif

// With `prefetch` (a constant where the block is inlined), each k also asks for one line of the
// next panel into L2: `ahead` + ahead_at / 2^16, ahead_at advancing by ahead_step. The caller
// spreads the next panel over its row blocks, so that the weights stream in while every block
// computes rather than only while the first one waits on them.
#define PREFETCH_AHEAD                                                 \
    if (prefetch) {                                                    \
        PREFETCH_L2(ahead + (ahead_at >> 16));                         \
        ahead_at += ahead_step;                                        \
    }

// C (rows ≤ N, panel_width ≤ pw) = beta·C + [A1 A2]·B for A1 and A2 read in place, row by row
// (no packing of A), on a panel `pw` columns wide, for a block of N rows: MR, and with AVX2 and SSE
// also 4, so that the row blocks of a batch can add up to it (32 = 6·4 + 4·2) instead of computing
// rows past its end.
#define DEFINE_BLOCK_ROWS(N, LIST)                                                                          \
    static inline __attribute__((always_inline)) TARGET void NAME(block_rows##N)(                          \
        size_t k1, const float *a1, size_t lda1, size_t k2, const float *a2, size_t lda2, const float *panel, \
        size_t pw, float beta, float *c_block, size_t ldc, size_t rows, size_t panel_width,                 \
        const int prefetch, const char *ahead, size_t ahead_at, size_t ahead_step) {                        \
        if (prefetch) {                                                                                     \
            WITH_PANEL_WIDTH(BLOCK_ROWS_BODY(N, LIST, UNROLL_NONE, PREFETCH_AHEAD))                         \
        } else {                                                                                            \
            WITH_PANEL_WIDTH(BLOCK_ROWS_BODY(N, LIST, UNROLL_4, ))                                          \
        }                                                                                                   \
    }
#define BLOCK_ROWS_BODY(N, LIST, UNROLL, EACH)                                                              \
    FOR_COLUMN_BLOCKS(panel_width) {                                                                        \
        LIST(DECLARE_ROW)                                                                                   \
        ACCUMULATE_ROWS(UNROLL, k1, a1, lda1, k2, a2, lda2, panel + col, rows, N, LIST, EACH)               \
        float *c = c_block + col;                                                                           \
        const size_t width = panel_width - col < CB ? panel_width - col : CB;                               \
        LIST(STORE_ROW)                                                                                     \
    }

// One N×NR tile of [A1 A2]·B into `tile` (rows of NR floats, all N stored), for the GRU step,
// whose gate arithmetic then reads the tile from L1. The tile's NR columns are packed as one
// NR-wide panel or, where the machine's panels are 16 wide, as two 16-wide panels one after the
// other, so that each block of columns reads its panel as one sequential stream; `pw` is that
// width (PW, read once by the caller).
#define DEFINE_TILE_PRODUCT(N, LIST)                                                                        \
    static inline __attribute__((always_inline)) TARGET void NAME(tile_product##N)(                        \
        size_t k1, const float *a1, size_t lda1, size_t k2, const float *a2, size_t lda2, const float *panel, \
        size_t pw, size_t rows, float *tile, const int prefetch, const char *ahead, size_t ahead_at,          \
        size_t ahead_step) {                                                                                \
        if (prefetch) {                                                                                     \
            WITH_PANEL_WIDTH(TILE_PRODUCT_BODY(N, LIST, UNROLL_NONE, PREFETCH_AHEAD))                       \
        } else {                                                                                            \
            WITH_PANEL_WIDTH(TILE_PRODUCT_BODY(N, LIST, UNROLL_4, ))                                        \
        }                                                                                                   \
    }
#define TILE_PRODUCT_BODY(N, LIST, UNROLL, EACH)                                                            \
    for (size_t col = 0; col < NR; col += CB) {                                                             \
        const float *part = panel + col / pw * pw * (k1 + k2) + col % pw;                                   \
        LIST(DECLARE_ROW)                                                                                   \
        ACCUMULATE_ROWS(UNROLL, k1, a1, lda1, k2, a2, lda2, part, rows, N, LIST, EACH)                      \
        LIST(TILE_ROW)                                                                                      \
    }

#if MR == 8
DEFINE_BLOCK_ROWS(8, FOR_ROWS_8)
DEFINE_TILE_PRODUCT(8, FOR_ROWS_8)
// The rows of the next row block when `remaining` rows are left.
static inline size_t NAME(block_height)(size_t remaining) { return remaining < 8 ? remaining : 8; }
#define BLOCK_ROWS(HEIGHT, ...) NAME(block_rows8)(__VA_ARGS__)
#define TILE_PRODUCT(HEIGHT, ...) NAME(tile_product8)(__VA_ARGS__)
#else
DEFINE_BLOCK_ROWS(6, FOR_ROWS_6)
DEFINE_TILE_PRODUCT(6, FOR_ROWS_6)
DEFINE_BLOCK_ROWS(4, FOR_ROWS_4)
DEFINE_TILE_PRODUCT(4, FOR_ROWS_4)
// The rows of the next row block when `remaining` rows are left: blocks of 6, and of 4 where that
// leaves no rows (or, for an odd count, one) computed past the end: 8 = 4 + 4, 7 = 4 + 3,
// 10 = 6 + 4. One or two rows run a block of 4.
static inline size_t NAME(block_height)(size_t remaining) {
    if (remaining <= 4) return remaining;
    if (remaining <= 6 || remaining >= 9) return remaining < 6 ? remaining : 6;
    return 4;
}
#define BLOCK_ROWS(HEIGHT, ...) ((HEIGHT) > 4 ? NAME(block_rows6)(__VA_ARGS__) : NAME(block_rows4)(__VA_ARGS__))
#define TILE_PRODUCT(HEIGHT, ...) ((HEIGHT) > 4 ? NAME(tile_product6)(__VA_ARGS__) : NAME(tile_product4)(__VA_ARGS__))
#endif

#if CB == SIBYL_PANEL_WIDTH
// For a panel of at most 16 columns: an 8×16 block of C added in place, half the FMAs of `block`.
static inline __attribute__((always_inline)) TARGET void NAME(block16)(size_t k, const float *ap, const float *panel,
                                                                       float *c, size_t ldc, size_t rows,
                                                                       size_t width) {
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
#endif

TARGET void NAME(gemm_panels)(size_t m, size_t n, size_t whole_n, size_t k1, const float *a1, size_t lda1, size_t k2,
                              const float *a2, size_t lda2, const float *packed, float beta, float *c, size_t ldc) {
    const size_t k = k1 + k2, pw = PW;
    const size_t panels = (n + pw - 1) / pw;
    // Panels outside, row blocks inside: one K×PW panel is reused by every block while it is
    // near. A is read in place: the rows of a block are sequential streams, which the
    // prefetchers follow, and packing it (a transpose per call) cost more than it saved.
    size_t blocks = 0;
    for (size_t i0 = 0; i0 < m; blocks++) i0 += NAME(block_height)(m - i0);
    const size_t panel_bytes = pw * k * sizeof(float), column_blocks = CB == NR ? 1 : (pw + CB - 1) / CB;
    // Weights past SIBYL_PREFETCH_AHEAD_BYTES come from memory each call: one row block waits on
    // each panel as it streams in, and of several the first waits while the others find it in L2.
    // Instead each block's k steps ask for its share of the next panel, a line at most a step
    // (not with one block of AVX-512's 128-byte panel rows, which would skip every other line).
    const size_t ahead_share = blocks && k ? (panel_bytes << 16) / blocks : 0;
    const size_t ahead_step = blocks && k ? ahead_share / (k * column_blocks) : 0;
    const int ahead = panels > 1 && ahead_step > 0 && ahead_step <= (size_t)64 << 16 &&
                      (whole_n + pw - 1) / pw * panel_bytes > SIBYL_PREFETCH_AHEAD_BYTES;
    for (size_t p = 0; p < panels; p++) {
        const float *panel = packed + p * pw * k;
        const size_t width = n - p * pw < pw ? n - p * pw : pw;
        const char *next = (const char *)(panel + pw * k);
        for (size_t i0 = 0, block = 0; i0 < m; block++) {
            const size_t rows = NAME(block_height)(m - i0);
            if (ahead && p + 1 < panels) {
                BLOCK_ROWS(rows, k1, k1 ? a1 + i0 * lda1 : NULL, lda1, k2, k2 ? a2 + i0 * lda2 : NULL, lda2, panel, pw, beta,
                           c + i0 * ldc + p * pw, ldc, rows, width, 1, next, block * ahead_share, ahead_step);
            } else {
                BLOCK_ROWS(rows, k1, k1 ? a1 + i0 * lda1 : NULL, lda1, k2, k2 ? a2 + i0 * lda2 : NULL, lda2, panel, pw, beta,
                           c + i0 * ldc + p * pw, ldc, rows, width, 0, NULL, 0, 0);
            }
            i0 += rows;
        }
    }
}

// The gates of row `row` of a tile at column `col` from its products at offset `t` of the tile
// buffers. A constant count for whole tiles, so that their loop is whole vectors.
static inline __attribute__((always_inline)) TARGET void NAME(gru_tile_row_of)(
    const float *tile_r, const float *tile_z, const float *tile_hn, const float *tile_xn, size_t t, size_t row,
    size_t col, size_t width, size_t hidden, const float *bias_r, const float *bias_z, const float *bias_in,
    const float *bias_hn, const float *h_prev, float *h, float *gates, float *hn) {
    float *gr = gates ? gates + row * 3 * hidden + col : NULL;
    float *gz = gates ? gr + hidden : NULL, *gn = gates ? gz + hidden : NULL;
    float *hn_out = gates ? hn + row * hidden + col : NULL;
    const float *hp = h_prev + row * hidden + col;
    float *out = h + row * hidden + col;
#define GRU_TILE_ROW(COUNT, KEEP, CHAINS)                                                                 \
    gru_tile_row(COUNT, tile_r + t, tile_z + t, tile_hn + t, tile_xn + t, bias_r + col, bias_z + col, \
                 bias_in + col, bias_hn + col, hp, out, gr, gz, gn, hn_out, KEEP, CHAINS)
    if (gates) {
        if (width == NR) GRU_TILE_ROW(NR, 1, VW < 16); else GRU_TILE_ROW(width, 1, 0);
    } else {
        if (width == NR) GRU_TILE_ROW(NR, 0, VW < 16); else GRU_TILE_ROW(width, 0, 0);
    }
#undef GRU_TILE_ROW
}

TARGET void NAME(gru_step)(size_t rows, size_t inputs, size_t hidden, const float *x, size_t ldx,
                           const float *h_prev, const float *packed, const float *bias, float *h, float *gates,
                           float *hn, size_t first_tile, size_t last_tile) {
    const size_t pw = NR, tiles = (hidden + pw - 1) / pw, padded = tiles * pw, panel_width = PW;
    const float *packed_r = packed, *packed_z = packed_r + padded * (inputs + hidden);
    const float *packed_hn = packed_z + padded * (inputs + hidden), *packed_xn = packed_hn + padded * hidden;
    const float *bias_r = bias, *bias_z = bias + padded, *bias_in = bias_z + padded, *bias_hn = bias_in + padded;
    // The rows run in groups: for each tile, each of the four products runs over the group's row
    // blocks in turn, then the gates of the group's rows are computed. Products of up to GROUP rows
    // are kept (a block past the last row stores the rows it computed past it: MR rows of room).
    enum { GROUP = 64, SMALL_TILE_BYTES = 16 << 10 };
    float tile_r[(GROUP + MR) * NR] __attribute__((aligned(64))), tile_z[(GROUP + MR) * NR] __attribute__((aligned(64)));
    float tile_hn[(GROUP + MR) * NR] __attribute__((aligned(64))), tile_xn[(GROUP + MR) * NR] __attribute__((aligned(64)));
    const size_t end = last_tile < tiles ? last_tile : tiles, k = inputs + hidden;
    // Weights that stay in cache run groups of up to GROUP rows, as even as that allows: the
    // group's blocks read one product's panel in turn (35 KB for r at H = 256 with 16 inputs, about
    // L1's size), where groups of one block had read the tile's four panels (104 KB) from L2 once a
    // block. On the Zen 3, one thread, in-process runs of the two orders alternating (same bits):
    // steps 1.03-1.04 times as fast at H = 128 and 256 (batches of 64 and 32 rows) and at H = 64,
    // 0.99-1.03 at H = 384 to 640, whose panels are larger than L1 either way. A tile of
    // at most SMALL_TILE_BYTES (H = 32 with a few inputs) stays in L1 either way and keeps a group
    // per block, whose gates read its products while they are in L1 (groups of 64 rows ran 0.98
    // times as fast at H = 32 with 256 rows).
    //
    // Weights past SIBYL_PREFETCH_AHEAD_BYTES come from memory: for a batch of at most 4·MR rows,
    // one group, each product's blocks ask for the next product's panels (r's for z's, z's for
    // h·W_hnᵀ's, that one's for the next tile's r), a share each, a line per k step or a little more
    // (then some lines are left to the hardware), so that at most two products' panels are in L2
    // at once where a tile's four (400 KB at H = 1024) fill it; a larger batch runs a group per row
    // block.
    const size_t tile_bytes = NR * (2 * k + hidden + inputs) * sizeof(float);
    const int far = tiles * tile_bytes > SIBYL_PREFETCH_AHEAD_BYTES, ahead = far && rows <= 4 * MR && hidden > 0;
    const int by_block = far ? !ahead : tile_bytes <= SMALL_TILE_BYTES;
    const size_t rz_bytes = NR * k * sizeof(float), hn_bytes = NR * hidden * sizeof(float), column_blocks = NR / CB;
    for (size_t u = first_tile; u < end; u++) {
        const size_t col = u * pw, width = hidden - col < pw ? hidden - col : pw;
        const float *pr = packed_r + col * (inputs + hidden), *pz = packed_z + col * (inputs + hidden);
        const float *phn = packed_hn + col * hidden, *pxn = packed_xn + col * inputs;
        if (by_block) {
            for (size_t b0 = 0, count; b0 < rows; b0 += count) {
                count = NAME(block_height)(rows - b0);
                const float *xb = x + b0 * ldx, *hb = h_prev + b0 * hidden;
                TILE_PRODUCT(count, inputs, xb, ldx, hidden, hb, hidden, pr, panel_width, count, tile_r, 0, NULL, 0, 0);
                TILE_PRODUCT(count, inputs, xb, ldx, hidden, hb, hidden, pz, panel_width, count, tile_z, 0, NULL, 0, 0);
                TILE_PRODUCT(count, 0, NULL, 0, hidden, hb, hidden, phn, panel_width, count, tile_hn, 0, NULL, 0, 0);
                TILE_PRODUCT(count, inputs, xb, ldx, 0, NULL, 0, pxn, panel_width, count, tile_xn, 0, NULL, 0, 0);
                for (size_t i = 0; i < count; i++) NAME(gru_tile_row_of)(tile_r, tile_z, tile_hn, tile_xn, i * NR, b0 + i, col, width,
                                                                    hidden, bias_r, bias_z, bias_in, bias_hn, h_prev, h, gates, hn);
            }
            continue;
        }
        const char *next_r = ahead && u + 1 < end ? (const char *)(pr + NR * k) : NULL;
        for (size_t g0 = 0, group; g0 < rows; g0 += group) {
            const size_t left = rows - g0, groups = (left + GROUP - 1) / GROUP;
            group = (left + groups - 1) / groups;
            size_t blocks = 0;
            for (size_t b0 = 0; b0 < group; blocks++) b0 += NAME(block_height)(group - b0);
#define FOR_BLOCKS(PRODUCT, AHEAD, BYTES, STEPS)                                                        \
    for (size_t b0 = 0, count, block = 0; b0 < group; b0 += count, block++) {                          \
        count = NAME(block_height)(group - b0);                                                         \
        const float *xb = x + (g0 + b0) * ldx, *hb = h_prev + (g0 + b0) * hidden;                       \
        const size_t t = b0 * NR, share = ((BYTES) << 16) / blocks;                                     \
        (void)xb, (void)hb;                                                                             \
        if (ahead && (AHEAD)) PRODUCT(1, (const char *)(AHEAD), share * block, share / ((STEPS) * column_blocks)); \
        else PRODUCT(0, NULL, 0, 0);                                                                    \
    }
#define R_PRODUCT(...) TILE_PRODUCT(count, inputs, xb, ldx, hidden, hb, hidden, pr, panel_width, count, tile_r + t, __VA_ARGS__)
#define Z_PRODUCT(...) TILE_PRODUCT(count, inputs, xb, ldx, hidden, hb, hidden, pz, panel_width, count, tile_z + t, __VA_ARGS__)
#define HN_PRODUCT(...) TILE_PRODUCT(count, 0, NULL, 0, hidden, hb, hidden, phn, panel_width, count, tile_hn + t, __VA_ARGS__)
#define XN_PRODUCT(...) TILE_PRODUCT(count, inputs, xb, ldx, 0, NULL, 0, pxn, panel_width, count, tile_xn + t, __VA_ARGS__)
            FOR_BLOCKS(R_PRODUCT, pz, rz_bytes, k)
            FOR_BLOCKS(Z_PRODUCT, phn, hn_bytes, k)
            FOR_BLOCKS(HN_PRODUCT, next_r, rz_bytes, hidden)
            FOR_BLOCKS(XN_PRODUCT, NULL, 0, 1)
#undef FOR_BLOCKS
#undef R_PRODUCT
#undef Z_PRODUCT
#undef HN_PRODUCT
#undef XN_PRODUCT
            for (size_t i = 0; i < group; i++) NAME(gru_tile_row_of)(tile_r, tile_z, tile_hn, tile_xn, i * NR, g0 + i, col, width,
                                                                hidden, bias_r, bias_z, bias_in, bias_hn, h_prev, h, gates, hn);
        }
    }
}

// Copies columns i0 … i0 + rows − 1 (rows ≤ 2·MR) of A's rows k0 … k0 + kc − 1 k-major into two
// blocks, ap[kk·MR + i] for the first MR columns and ap[kc·MR + kk·MR + i] for the next, zero-padded
// past `rows`, and sets `sum` to their sums. Rows of A lie KiBs apart, all in one cache set: each
// row's line is read once, for both blocks.
static inline __attribute__((always_inline)) TARGET void NAME(pack_columns)(const float *a, size_t lda, size_t m,
                                                                            size_t k0, size_t kc, size_t i0,
                                                                            size_t rows, float *ap, float *sum) {
    if (rows == 2 * MR) {
#if MR == 8
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
#else
        // Twelve floats a row as three 4-float vectors, the middle one split between the blocks
        // (element by element, this copy had taken about a sixth of the product's time).
        v4 total0 = {0}, total1 = {0}, total2 = {0};
        for (size_t kk = 0; kk < kc; kk++) {
            const float *row = a + (k0 + kk) * lda + i0;
            if (i0 + 2 * MR < m) __builtin_prefetch(row + 2 * MR, 0, 2);
            const v4 x0 = load4(row), x1 = load4(row + 4), x2 = load4(row + 8);
            float *first = ap + kk * MR, *second = ap + kc * MR + kk * MR;
            store4(first, x0);
            store2(first + 4, __builtin_shufflevector(x1, x1, 0, 1));
            store2(second, __builtin_shufflevector(x1, x1, 2, 3));
            store4(second + 2, x2);
            total0 += x0;
            total1 += x1;
            total2 += x2;
        }
        for (size_t i = 0; i < 4; i++) {
            sum[i] = total0[i];
            sum[4 + i] = total1[i];
            sum[8 + i] = total2[i];
        }
#endif
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

// Packs rows k0 … k0 + kc − 1 of B (K, N) into K-major panels of width TN_PW, zero-padded past N.
static inline __attribute__((always_inline)) TARGET void NAME(pack_rows)(size_t k0, size_t kc, size_t n,
                                                                         const float *b, size_t ldb, float *packed) {
    const size_t panels = (n + TN_PW - 1) / TN_PW;
    for (size_t kk = 0; kk < kc; kk++) {
        const float *row = b + (k0 + kk) * ldb;
        for (size_t p = 0; p < panels; p++) {
            float *out = packed + p * TN_PW * kc + kk * TN_PW;
            const size_t col = p * TN_PW;
            if (col + TN_PW <= n) {
                STOREV(out, LOADV(row + col));
                STOREV(out + VW, LOADV(row + col + VW));
            } else {
                for (size_t j = 0; j < TN_PW; j++) out[j] = col + j < n ? row[col + j] : 0.0f;
            }
        }
    }
}

// C (rows of the MR-row block, N) += the block of A packed in `ap` times B's packed panels.
static inline __attribute__((always_inline)) TARGET void NAME(accumulate_panels)(size_t kc, const float *ap,
                                                                                 const float *packed, size_t n,
                                                                                 float *c, size_t ldc, size_t rows) {
    for (size_t p = 0; p < (n + TN_PW - 1) / TN_PW; p++) {
        const float *panel = packed + p * TN_PW * kc;
        const size_t col = p * TN_PW, width = n - col < TN_PW ? n - col : TN_PW;
#if CB == SIBYL_PANEL_WIDTH
        if (width <= 16) NAME(block16)(kc, ap, panel, c + col, ldc, rows, width);
        else NAME(block)(kc, ap, panel, c + col, ldc, rows, width);
#else
        NAME(block)(kc, ap, panel, c + col, ldc, rows, width);
#endif
    }
}

TARGET void NAME(gemm_tn_accumulate)(size_t m, size_t k, const float *a, size_t lda, size_t n1, const float *b1,
                                     size_t ldb1, size_t n2, const float *b2, size_t ldb2, float *c1, size_t ldc1,
                                     float *c2, size_t ldc2, float *sums1, float *sums2, float *workspace) {
    // B1 and B2 get panels of their own (a panel never straddles the two), so every block of C
    // is added in place with vector loads and stores.
    // (Panels of TN_PW ≤ NR columns take no more room than sibyl_gemm_tn_workspace_size's of NR.)
    float *packed1 = workspace, *packed2 = workspace + KC * TN_PW * ((n1 + TN_PW - 1) / TN_PW);
    float *ap = packed2 + KC * TN_PW * ((n2 + TN_PW - 1) / TN_PW);
    for (size_t k0 = 0; k0 < k; k0 += KC) {
        const size_t kc = k - k0 < KC ? k - k0 : KC;
        NAME(pack_rows)(k0, kc, n1, b1, ldb1, packed1);
        if (n2) NAME(pack_rows)(k0, kc, n2, b2, ldb2, packed2);
        for (size_t i0 = 0; i0 < m; i0 += 2 * MR) {
            const size_t pair = m - i0 < 2 * MR ? m - i0 : 2 * MR;
            float sum[2 * MR];
            NAME(pack_columns)(a, lda, m, k0, kc, i0, pair, ap, sum);
            for (size_t i = 0; i < pair; i++) {
                if (sums1) sums1[i0 + i] += sum[i];
                if (sums2) sums2[i0 + i] += sum[i];
            }
            for (size_t half = 0; half * MR < pair; half++) {
                const size_t first = i0 + half * MR, rows = pair - half * MR < MR ? pair - half * MR : MR;
                const float *block_a = ap + half * kc * MR;
                NAME(accumulate_panels)(kc, block_a, packed1, n1, c1 + first * ldc1, ldc1, rows);
                if (n2) NAME(accumulate_panels)(kc, block_a, packed2, n2, c2 + first * ldc2, ldc2, rows);
            }
        }
    }
}

// The FMA peak: twelve independent chains of multiply-adds on VEC (enough to cover the latency of
// two FMA pipes, and within the 16 registers of AVX2), no memory traffic.
TARGET float NAME(fma_peak)(size_t iterations, float x, float y) {
    VEC a0 = {0}, a1 = a0 + 1, a2 = a0 + 2, a3 = a0 + 3, a4 = a0 + 4, a5 = a0 + 5;
    VEC a6 = a0 + 6, a7 = a0 + 7, a8 = a0 + 8, a9 = a0 + 9, a10 = a0 + 10, a11 = a0 + 11;
    const VEC vx = a0 + x, vy = a0 + y;
    for (size_t i = 0; i < iterations; i++) {
        a0 = a0 * vx + vy; a1 = a1 * vx + vy; a2 = a2 * vx + vy; a3 = a3 * vx + vy;
        a4 = a4 * vx + vy; a5 = a5 * vx + vy; a6 = a6 * vx + vy; a7 = a7 * vx + vy;
        a8 = a8 * vx + vy; a9 = a9 * vx + vy; a10 = a10 * vx + vy; a11 = a11 * vx + vy;
    }
    const VEC total = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    float sum = 0;
    for (int j = 0; j < VW; j++) sum += total[j];
    return sum;
}

#undef CB
#undef NAME_
#undef NAME__
#undef NAME
#undef LOADV
#undef STOREV
#undef FOR_ROWS
#undef FOR_ROWS_4
#undef FOR_ROWS_6
#undef FOR_ROWS_8
#undef DEFINE_BLOCK_ROWS
#undef DEFINE_TILE_PRODUCT
#undef BLOCK_ROWS
#undef TILE_PRODUCT
#undef DECLARE_ROW
#undef FMA_ROW
#undef ACCUMULATE
#undef ACCUMULATE_UNROLLED
#undef UNROLL_4
#undef UNROLL_NONE
#undef WITH_PANEL_WIDTH
#undef BLOCK_ROWS_BODY
#undef TILE_PRODUCT_BODY
#undef ACCUMULATE_ROWS
#undef PREFETCH_AHEAD
#undef STORE_ROW
#undef TILE_ROW
#undef FOR_COLUMN_BLOCKS
#undef TN_PW
#undef PW
