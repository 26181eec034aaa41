// Fused recurrent steps and optimizer updates. Each function is one pass over its rows with
// vectorizable inner loops over the H units of a row; see sibyl_recurrent.h for the contracts.
#include "sibyl_recurrent.h"
#include "vector_math_internal.h"

// One unit of an LSTM row's forward step, for the loops of lstm_forward_rows.
static inline __attribute__((always_inline)) void lstm_unit(size_t j, const float *pi, const float *pf, const float *pg,
                                                            const float *po, const float *bi, const float *bf,
                                                            const float *bg, const float *bo, const float *cp, float *cr,
                                                            float *tr, float *hr, float *gi, float *gf, float *gg,
                                                            float *go, const int keep) {
    const float i = sigmoidf_(pi[j] + bi[j]), f = sigmoidf_(pf[j] + bf[j]);
    const float g = tanhf_(pg[j] + bg[j]), o = sigmoidf_(po[j] + bo[j]);
    const float cell = f * cp[j] + i * g;
    const float t = tanhf_(cell);
    if (keep) {
        gi[j] = i; gf[j] = f; gg[j] = g; go[j] = o;
        tr[j] = t;
    }
    cr[j] = cell;
    hr[j] = o * t;
}

// The forward steps' bodies, shared by training (keep = 1: the activations backward needs are
// stored) and inference (keep = 0: only c and h). Inlined with a constant `keep`, so each caller
// gets a loop without the other's stores and both compute bit for bit the same c and h.
// Units first … first + count − 1 of every row (all of them: 0 and hidden). A row's units run in
// whole iterations of SIBYL_VECTORIZE_CHAINS (32 units on AVX2), the rest in SIBYL_VECTORIZE's.
static inline __attribute__((always_inline)) void lstm_forward_rows(float *gates, const float *pre, const float *bias,
                                                                    const float *c_prev, float *c, float *tanh_c, float *h,
                                                                    size_t batch, size_t hidden, size_t first, size_t count,
                                                                    const int keep) {
    const float *bi = bias + first, *bf = bi + hidden, *bg = bf + hidden, *bo = bg + hidden;
    const size_t chained = count / 32 * 32;
    for (size_t b = 0; b < batch; b++) {
        float *gi = keep ? gates + b * 4 * hidden + first : NULL, *gf = keep ? gi + hidden : NULL;
        float *gg = keep ? gf + hidden : NULL, *go = keep ? gg + hidden : NULL;
        const float *pi = pre + b * 4 * hidden + first, *pf = pi + hidden, *pg = pf + hidden, *po = pg + hidden;
        const float *cp = c_prev + b * hidden + first;
        float *cr = c + b * hidden + first, *tr = keep ? tanh_c + b * hidden + first : NULL, *hr = h + b * hidden + first;
        SIBYL_VECTORIZE_CHAINS
        for (size_t j = 0; j < chained; j++) lstm_unit(j, pi, pf, pg, po, bi, bf, bg, bo, cp, cr, tr, hr, gi, gf, gg, go, keep);
        SIBYL_VECTORIZE
        for (size_t j = chained; j < count; j++) lstm_unit(j, pi, pf, pg, po, bi, bf, bg, bo, cp, cr, tr, hr, gi, gf, gg, go, keep);
    }
}

SIBYL_CLONES void sibyl_lstm_forward_step(float *gates, const float *pre, const float *bias, const float *c_prev,
                                          float *c, float *tanh_c, float *h, size_t batch, size_t hidden) {
    lstm_forward_rows(gates, pre, bias, c_prev, c, tanh_c, h, batch, hidden, 0, hidden, 1);
}

SIBYL_CLONES void sibyl_lstm_infer_step(const float *pre, const float *bias, const float *c_prev, float *c, float *h,
                                        size_t batch, size_t hidden) {
    lstm_forward_rows(NULL, pre, bias, c_prev, c, NULL, h, batch, hidden, 0, hidden, 0);
}

SIBYL_CLONES void sibyl_lstm_infer_units(const float *pre, const float *bias, const float *c_prev, float *c, float *h,
                                         size_t batch, size_t hidden, size_t first, size_t count) {
    lstm_forward_rows(NULL, pre, bias, c_prev, c, NULL, h, batch, hidden, first, count, 0);
}

SIBYL_CLONES void sibyl_lstm_forward_units(float *gates, const float *pre, const float *bias, const float *c_prev,
                                           float *c, float *tanh_c, float *h, size_t batch, size_t hidden, size_t first,
                                           size_t count) {
    lstm_forward_rows(gates, pre, bias, c_prev, c, tanh_c, h, batch, hidden, first, count, 1);
}

SIBYL_CLONES void sibyl_lstm_backward_units(const float *gates, const float *c_prev, const float *tanh_c, const float *dh,
                                            float *dc, float *dgates, size_t batch, size_t hidden, size_t first,
                                            size_t count) {
    for (size_t b = 0; b < batch; b++) {
        const float *gi = gates + b * 4 * hidden + first, *gf = gi + hidden, *gg = gf + hidden, *go = gg + hidden;
        const float *cp = c_prev + b * hidden + first, *tr = tanh_c + b * hidden + first, *dhr = dh + b * hidden + first;
        float *dcr = dc + b * hidden + first;
        float *di = dgates + b * 4 * hidden + first, *df = di + hidden, *dg = df + hidden, *dout = dg + hidden;
        SIBYL_VECTORIZE
        for (size_t j = 0; j < count; j++) {
            const float i = gi[j], f = gf[j], g = gg[j], o = go[j], t = tr[j];
            const float dcell = dcr[j] + dhr[j] * o * (1.0f - t * t);
            di[j] = dcell * g * i * (1.0f - i);
            df[j] = dcell * cp[j] * f * (1.0f - f);
            dg[j] = dcell * i * (1.0f - g * g);
            dout[j] = dhr[j] * t * o * (1.0f - o);
            dcr[j] = dcell * f;
        }
    }
}

SIBYL_CLONES void sibyl_gru_backward_units(const float *gates, const float *hn_all, const float *h_prev, const float *dh,
                                           float *dxw, float *dhw, float *dh_prev, size_t batch, size_t hidden,
                                           size_t first, size_t count) {
    for (size_t b = 0; b < batch; b++) {
        const float *gr = gates + b * 3 * hidden + first, *gz = gr + hidden, *gn = gz + hidden;
        const float *hn = hn_all + b * hidden + first;
        const float *hp = h_prev + b * hidden + first, *dhr = dh + b * hidden + first;
        float *xr = dxw + b * 3 * hidden + first, *xz = xr + hidden, *xn = xz + hidden;
        float *wr = dhw + b * 3 * hidden + first, *wz = wr + hidden, *wn = wz + hidden;
        float *dp = dh_prev + b * hidden + first;
        SIBYL_VECTORIZE
        for (size_t j = 0; j < count; j++) {
            const float r = gr[j], z = gz[j], n = gn[j], d = dhr[j];
            const float dn = d * (1.0f - z) * (1.0f - n * n);
            const float dz = d * (hp[j] - n) * z * (1.0f - z);
            const float dr = dn * hn[j] * r * (1.0f - r);
            xr[j] = dr; xz[j] = dz; xn[j] = dn;
            wr[j] = dr; wz[j] = dz; wn[j] = dn * r;
            dp[j] = d * z;
        }
    }
}

SIBYL_CLONES void sibyl_add_column_sums(const float *x, float *out, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        const float *row = x + r * cols;
        SIBYL_VECTORIZE
        for (size_t j = 0; j < cols; j++) out[j] += row[j];
    }
}

SIBYL_CLONES void sibyl_add_row_bias(float *x, const float *bias, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * cols;
        SIBYL_VECTORIZE
        for (size_t j = 0; j < cols; j++) row[j] += bias[j];
    }
}

SIBYL_CLONES void sibyl_adam_step(float *param, const float *grad, float *m, float *v, size_t n, float shrink, float coupled,
                                  float w1, float beta2, float w2, float step, float root2, float eps) {
    SIBYL_VECTORIZE_PLAIN
    for (size_t i = 0; i < n; i++) {
        const float p = param[i] * shrink;
        const float g = grad[i] + coupled * p;
        const float mi = m[i] + w1 * (g - m[i]);
        const float vi = beta2 * v[i] + (w2 * g) * g;
        m[i] = mi;
        v[i] = vi;
        // The element-wise builtin sets no errno, so the loop vectorizes (vi ≥ 0 anyway).
        param[i] = p - step * (mi / (__builtin_elementwise_sqrt(vi) / root2 + eps));
    }
}

SIBYL_CLONES void sibyl_sgd_step(float *param, const float *grad, float *buffer, size_t n, float lr, float momentum,
                                 float weight_decay, int first_step) {
    if (momentum == 0.0f) {
        SIBYL_VECTORIZE
        for (size_t i = 0; i < n; i++) param[i] -= lr * (grad[i] + weight_decay * param[i]);
    } else if (first_step) {
        SIBYL_VECTORIZE
        for (size_t i = 0; i < n; i++) {
            const float g = grad[i] + weight_decay * param[i];
            buffer[i] = g;
            param[i] -= lr * g;
        }
    } else {
        SIBYL_VECTORIZE
        for (size_t i = 0; i < n; i++) {
            const float b = momentum * buffer[i] + (grad[i] + weight_decay * param[i]);
            buffer[i] = b;
            param[i] -= lr * b;
        }
    }
}
