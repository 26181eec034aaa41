// Shared by the kernel files of this target: the dispatch and vectorization macros and the
// scalar building blocks (exp and friends) that vectorize inside their callers.
#ifndef SIBYL_VECTOR_MATH_INTERNAL_H
#define SIBYL_VECTOR_MATH_INTERNAL_H

#include <stdint.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SIBYL_THREAD_SANITIZER 1
#endif
#endif

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__)) && !defined(SIBYL_THREAD_SANITIZER)
#define SIBYL_X86 1
#define SIBYL_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#elif defined(__x86_64__) && defined(SIBYL_THREAD_SANITIZER)
// Under ThreadSanitizer (`swift test --sanitize=thread`) the clones' resolvers would run, as
// instrumented code, before the sanitizer's runtime starts, and crash the loader: the element-wise
// kernels are built for the baseline alone there.
#define SIBYL_X86 1
#define SIBYL_CLONES
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
// For the gate loops, whose elements each run a long chain of dependent operations (a sigmoid's
// exponential and division, then a tanh that waits on it: about a hundred cycles): four vectors in
// flight, where two left the FMA units waiting on the chains. In cache on the Zen 3, with the
// polynomials' shorter chains, GRU and LSTM gates 1.10-1.32 times as fast. Vectors of 8 floats on
// every target, so that an iteration is 32 units (the GRU's tile; AVX-512's 16-float vectors
// would take 64), and loops over fewer than that run SIBYL_VECTORIZE, which would otherwise leave
// them to scalar code.
#define SIBYL_VECTORIZE_CHAINS _Pragma("clang loop vectorize(assume_safety) vectorize_width(8) interleave_count(4)")
// For loop bodies with square roots and divisions, where interleaving does not apply.
#define SIBYL_VECTORIZE_PLAIN _Pragma("clang loop vectorize(assume_safety)")
// For loops that do a few operations per element and so wait on memory for long vectors: 256-bit
// vectors, since Zen 4 streams 512-bit stores to DRAM 15-25% slower (10^7 floats: 0.46 against
// 0.39 ns/element for y = a + b) and the two widths tie in cache.
#define SIBYL_VECTORIZE_STREAMING _Pragma("clang loop vectorize(assume_safety) vectorize_width(8) interleave_count(2)")
#else
#define SIBYL_VECTORIZE _Pragma("GCC ivdep")
#define SIBYL_VECTORIZE_CHAINS _Pragma("GCC ivdep")
#define SIBYL_VECTORIZE_PLAIN _Pragma("GCC ivdep")
#define SIBYL_VECTORIZE_STREAMING _Pragma("GCC ivdep")
#endif

static inline float clampf(float x, float lo, float hi) {
    // Comparisons are false for NaN, so NaN passes through both selects.
    x = x < lo ? lo : x;
    return x > hi ? hi : x;
}

// e^x as 2^k·(1 + q): Cody–Waite reduction, Cephes' polynomial for q, 2^k built in the exponent.
// The polynomial is evaluated in Estrin's form (three pairs, then r² and r⁴ combine them): its
// chain of dependent multiply-adds is three long where Horner's is five, and the gate loops that
// call it wait on that chain (below). Largest error of the sigmoid over every float, either form:
// 8.9e-8 absolute.
static inline float exp_poly(float x) {
    x = clampf(x, -87.0f, 88.0f);
    const float k = __builtin_roundevenf(x * 1.44269504088896341f);
    float r = x - k * 0.693359375f;  // ln2 split in two parts (Cody–Waite)
    r = r - k * -2.12194440e-4f;
    const float r2 = r * r;
    const float p01 = 1.6666665459e-1f * r + 5.0000001201e-1f;
    const float p23 = 8.3334519073e-3f * r + 4.1665795894e-2f;
    const float p45 = 1.9875691500e-4f * r + 1.3981999507e-3f;
    const float p = (p45 * r2 + p23) * r2 + p01;
    const int32_t bits = ((int32_t)k + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    const float q = p * r2 + r;
    return q * scale + scale;
}

static inline float sigmoidf_(float x) { return 1.0f / (1.0f + exp_poly(-x)); }

// tanh as x·P(x²)/Q(x²), odd numerator of degree 13 over even denominator of degree 6 (the
// coefficients of Eigen's float tanh), on x clamped to [−9, 9] (tanh(9) is within 3e-8 of 1).
// P/Q is near 1 and x multiplies it last, so tiny x keep full relative accuracy instead of
// passing through subnormal products. P's four highest terms pair up (Estrin's form: a shorter
// chain) and its last three steps stay Horner's, which keeps the error near zero where Horner's
// form had it. Largest error over every positive float (it is odd, so the negative ones mirror
// them): 3.0e-7 absolute with FMA, 4.0e-7 without (as the baseline build and unoptimized builds
// compute it), 2.7e-7 relative below 0.3. The result is clamped to [−1, 1], so tanh(±∞) is ±1
// exactly; it is not monotone to the last ulp (neighbouring inputs can round an ulp apart in
// either direction). Nine multiply-adds, three multiplies and a division: about 0.6 of the time
// of e^(−2|x|) and a division on AVX2 (Zen 3, data in cache).
static inline float tanhf_(float x) {
    const float c = clampf(x, -9.0f, 9.0f);
    const float c2 = c * c;
    const float c4 = c2 * c2;
    const float p56 = -2.76076847742355e-16f * c2 + 2.00018790482477e-13f;
    const float p34 = -8.60467152213735e-11f * c2 + 5.12229709037114e-08f;
    float p = p56 * c4 + p34;
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
