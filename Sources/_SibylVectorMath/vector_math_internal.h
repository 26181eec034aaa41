// Shared by the kernel files of this target: the dispatch and vectorization macros and the
// scalar building blocks (exp and friends) that vectorize inside their callers.
#ifndef SIBYL_VECTOR_MATH_INTERNAL_H
#define SIBYL_VECTOR_MATH_INTERNAL_H

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define SIBYL_X86 1
#define SIBYL_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SIBYL_X86 0
#define SIBYL_CLONES
#endif

// The instruction-set level this CPU runs: 2 for x86-64-v4 (AVX-512), 1 for x86-64-v3 (AVX2 and
// FMA), 0 otherwise (the baseline, or another architecture). Read once.
int sibyl_isa_level(void);

// Outputs may alias inputs exactly: every iteration reads only its own index before writing it.
#if defined(__clang__)
#define SIBYL_VECTORIZE _Pragma("clang loop vectorize(assume_safety) interleave_count(2)")
// For loop bodies with square roots and divisions, where interleaving does not apply.
#define SIBYL_VECTORIZE_PLAIN _Pragma("clang loop vectorize(assume_safety)")
// For loops that do a few operations per element and so wait on memory for long vectors: 256-bit
// vectors, since Zen 4 streams 512-bit stores to DRAM 15-25% slower (10^7 floats: 0.46 against
// 0.39 ns/element for y = a + b) and the two widths tie in cache.
#define SIBYL_VECTORIZE_STREAMING _Pragma("clang loop vectorize(assume_safety) vectorize_width(8) interleave_count(2)")
#else
#define SIBYL_VECTORIZE _Pragma("GCC ivdep")
#define SIBYL_VECTORIZE_PLAIN _Pragma("GCC ivdep")
#define SIBYL_VECTORIZE_STREAMING _Pragma("GCC ivdep")
#endif

static inline float clampf(float x, float lo, float hi) {
    // Comparisons are false for NaN, so NaN passes through both selects.
    x = x < lo ? lo : x;
    return x > hi ? hi : x;
}

// e^x as 2^k·(1 + q): Cody–Waite reduction, Cephes' polynomial for q, 2^k built in the exponent.
static inline float exp_poly(float x) {
    x = clampf(x, -87.0f, 88.0f);
    const float k = __builtin_roundevenf(x * 1.44269504088896341f);
    float r = x - k * 0.693359375f;  // ln2 split in two parts (Cody–Waite)
    r = r - k * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    const int32_t bits = ((int32_t)k + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    const float q = p * r * r + r;
    return q * scale + scale;
}

static inline float sigmoidf_(float x) { return 1.0f / (1.0f + exp_poly(-x)); }

// tanh as x·P(x²)/Q(x²), odd numerator of degree 13 over even denominator of degree 6 (the
// coefficients of Eigen's float tanh), on x clamped to [−9, 9] (tanh(9) is within 3e-8 of 1).
// P/Q is near 1 and x multiplies it last, so tiny x keep full relative accuracy instead of
// passing through subnormal products. Largest error over every positive float (it is odd, so
// the negative ones mirror them): 3.0e-7 absolute with FMA, 4.0e-7 without (as the baseline
// build and unoptimized builds compute it), 2.7e-7 relative below 0.3. The result is clamped to
// [−1, 1], so tanh(±∞) is ±1 exactly; it is not monotone to the last ulp (neighbouring inputs can
// round an ulp apart in either direction). Nine multiply-adds, two multiplies and a division:
// about 0.6 of the time of e^(−2|x|) and a division on AVX2 (Zen 3, data in cache).
static inline float tanhf_(float x) {
    const float c = clampf(x, -9.0f, 9.0f);
    const float c2 = c * c;
    float p = -2.76076847742355e-16f;
    p = p * c2 + 2.00018790482477e-13f;
    p = p * c2 - 8.60467152213735e-11f;
    p = p * c2 + 5.12229709037114e-08f;
    p = p * c2 + 1.48572235717979e-05f;
    p = p * c2 + 6.37261928875436e-04f;
    p = p * c2 + 4.89352455891786e-03f;
    float q = 1.19825839466702e-06f;
    q = q * c2 + 1.18534705686654e-04f;
    q = q * c2 + 2.26843463243900e-03f;
    q = q * c2 + 4.89352518554385e-03f;
    return clampf(c * (p / q), -1.0f, 1.0f);
}

#endif
