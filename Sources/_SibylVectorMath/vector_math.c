// Element-wise kernels. Each loop is written so that the compiler vectorizes it: no calls into libm,
// no branches that depend on data, only selects. `target_clones` builds each function for AVX-512
// (x86-64-v4), AVX2+FMA (x86-64-v3) and the baseline, and the loader picks one per machine.
//
// exp: Cody–Waite range reduction x = k·ln2 + r with |r| ≤ ln2/2, then a degree-6 minimax
// polynomial for e^r (the coefficients of Cephes' expf), scaled by 2^k built in the exponent bits.
// Relative error about 1e-7 over the clamped range [-87, 88].
#include "sibyl_vector_math.h"

#include "vector_math_internal.h"

SIBYL_CLONES void sibyl_sigmoid(const float *x, float *y, size_t n) {
    SIBYL_VECTORIZE
    for (size_t i = 0; i < n; i++) y[i] = sigmoidf_(x[i]);
}

SIBYL_CLONES void sibyl_tanh(const float *x, float *y, size_t n) {
    SIBYL_VECTORIZE
    for (size_t i = 0; i < n; i++) y[i] = tanhf_(x[i]);
}

// ln x: x = m·2^e with m in [√½, √2), then ln(1 + f) for f = m − 1 by the degree-9 polynomial
// of Cephes' logf, and e·ln2 added in two parts. Special values are selected at the end.
SIBYL_CLONES void sibyl_log(const float *x, float *y, size_t n) {
    SIBYL_VECTORIZE
    for (size_t i = 0; i < n; i++) {
        const float v = x[i];
        int32_t bits;
        memcpy(&bits, &v, sizeof bits);
        float e = (float)(((bits >> 23) & 0xff) - 126);
        int32_t mantissaBits = (bits & 0x007fffff) | 0x3f000000;  // m in [0.5, 1)
        float m;
        memcpy(&m, &mantissaBits, sizeof m);
        const int small = m < 0.707106781186547524f;
        e = small ? e - 1.0f : e;
        const float f = small ? m + m - 1.0f : m - 1.0f;
        const float z = f * f;
        float p = 7.0376836292e-2f;
        p = p * f - 1.1514610310e-1f;
        p = p * f + 1.1676998740e-1f;
        p = p * f - 1.2420140846e-1f;
        p = p * f + 1.4249322787e-1f;
        p = p * f - 1.6668057665e-1f;
        p = p * f + 2.0000714765e-1f;
        p = p * f - 2.4999993993e-1f;
        p = p * f + 3.3333331174e-1f;
        float r = p * f * z;
        r += -2.12194440e-4f * e;
        r += -0.5f * z;
        r = f + r;
        r += 0.693359375f * e;
        r = v == __builtin_inff() ? v : r;
        r = v == 0.0f ? -__builtin_inff() : r;
        r = (v < 0.0f || v != v) ? __builtin_nanf("") : r;
        y[i] = r;
    }
}

SIBYL_CLONES void sibyl_sigmoid_backward(const float *y, const float *dy, float *dx, size_t n) {
    SIBYL_VECTORIZE_STREAMING
    for (size_t i = 0; i < n; i++) dx[i] = dy[i] * y[i] * (1.0f - y[i]);
}

SIBYL_CLONES void sibyl_tanh_backward(const float *y, const float *dy, float *dx, size_t n) {
    SIBYL_VECTORIZE_STREAMING
    for (size_t i = 0; i < n; i++) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}

SIBYL_CLONES void sibyl_add(const float *a, const float *b, float *y, size_t n) {
    SIBYL_VECTORIZE_STREAMING
    for (size_t i = 0; i < n; i++) y[i] = a[i] + b[i];
}

SIBYL_CLONES void sibyl_sub(const float *a, const float *b, float *y, size_t n) {
    SIBYL_VECTORIZE_STREAMING
    for (size_t i = 0; i < n; i++) y[i] = a[i] - b[i];
}

SIBYL_CLONES void sibyl_mul(const float *a, const float *b, float *y, size_t n) {
    SIBYL_VECTORIZE_STREAMING
    for (size_t i = 0; i < n; i++) y[i] = a[i] * b[i];
}

SIBYL_CLONES void sibyl_muladd(const float *a, const float *b, const float *c, float *y, size_t n) {
    SIBYL_VECTORIZE_STREAMING
    for (size_t i = 0; i < n; i++) y[i] = a[i] * b[i] + c[i];
}

SIBYL_CLONES void sibyl_axpy(float alpha, const float *x, float *y, size_t n) {
    SIBYL_VECTORIZE_STREAMING
    for (size_t i = 0; i < n; i++) y[i] = alpha * x[i] + y[i];
}

SIBYL_CLONES void sibyl_scale(float alpha, const float *x, float *y, size_t n) {
    SIBYL_VECTORIZE_STREAMING
    for (size_t i = 0; i < n; i++) y[i] = alpha * x[i];
}

SIBYL_CLONES void sibyl_clip(const float *x, float lo, float hi, float *y, size_t n) {
    SIBYL_VECTORIZE_STREAMING
    for (size_t i = 0; i < n; i++) y[i] = clampf(x[i], lo, hi);
}

// Reductions keep LANES independent double accumulators so that the loop vectorizes without
// reassociating a single sum (which the compiler may not do without fast-math).
enum { LANES = 16 };

SIBYL_CLONES double sibyl_sum(const float *x, size_t n) {
    double acc[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (size_t j = 0; j < LANES; j++) acc[j] += (double)x[i + j];
    double total = 0;
    for (; i < n; i++) total += (double)x[i];
    for (size_t j = 0; j < LANES; j++) total += acc[j];
    return total;
}

SIBYL_CLONES double sibyl_sum_squares(const float *x, size_t n) {
    double acc[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (size_t j = 0; j < LANES; j++) acc[j] += (double)x[i + j] * (double)x[i + j];
    double total = 0;
    for (; i < n; i++) total += (double)x[i] * (double)x[i];
    for (size_t j = 0; j < LANES; j++) total += acc[j];
    return total;
}

SIBYL_CLONES double sibyl_dot(const float *a, const float *b, size_t n) {
    double acc[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (size_t j = 0; j < LANES; j++) acc[j] += (double)a[i + j] * (double)b[i + j];
    double total = 0;
    for (; i < n; i++) total += (double)a[i] * (double)b[i];
    for (size_t j = 0; j < LANES; j++) total += acc[j];
    return total;
}

SIBYL_CLONES float sibyl_max_abs(const float *x, size_t n) {
    float acc[LANES] = {0};
    int nan_seen = 0;
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (size_t j = 0; j < LANES; j++) {
            const float a = __builtin_fabsf(x[i + j]);
            nan_seen |= a != a;
            acc[j] = a > acc[j] ? a : acc[j];
        }
    float best = 0;
    for (; i < n; i++) {
        const float a = __builtin_fabsf(x[i]);
        nan_seen |= a != a;
        best = a > best ? a : best;
    }
    for (size_t j = 0; j < LANES; j++) best = acc[j] > best ? acc[j] : best;
    return nan_seen ? __builtin_nanf("") : best;
}

int sibyl_isa_level(void) {
    static int level = -1;  // -1 until read; threads that race here store the same value
    const int known = __atomic_load_n(&level, __ATOMIC_RELAXED);
    if (known >= 0) return known;
    int found = 0;
#if SIBYL_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4")) found = 2;
    else if (__builtin_cpu_supports("x86-64-v3")) found = 1;
#endif
    __atomic_store_n(&level, found, __ATOMIC_RELAXED);
    return found;
}

const char *sibyl_vector_isa(void) {
#if defined(SIBYL_THREAD_SANITIZER)
    return "baseline";  // the element-wise kernels have no clones under ThreadSanitizer
#else
    static const char *const names[] = {"baseline", "x86-64-v3", "x86-64-v4"};
    return names[sibyl_isa_level()];
#endif
}
