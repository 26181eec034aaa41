// Element-wise Float32 kernels for Sibyl, compiled once per instruction-set level and chosen at
// load time (GCC/Clang `target_clones`), so that the Swift package needs no unsafe compiler flags.
//
// Every function reads and writes `n` contiguous floats. Outputs may alias inputs exactly
// (in-place use); partial overlaps are not allowed.
#ifndef SIBYL_VECTOR_MATH_H
#define SIBYL_VECTOR_MATH_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// y = 1 / (1 + exp(-x)).
void sibyl_sigmoid(const float *x, float *y, size_t n);
/// y = tanh(x), within 4e-7 absolute (2.7e-7 relative near zero); |y| <= 1.
void sibyl_tanh(const float *x, float *y, size_t n);
/// y = ln(x): -inf for 0, NaN for negative or NaN input, +inf for +inf. Subnormal inputs lose
/// accuracy (they are read as the smallest normal number's neighbourhood).
void sibyl_log(const float *x, float *y, size_t n);
/// dx = dy * y * (1 - y), the sigmoid derivative computed from its output y.
void sibyl_sigmoid_backward(const float *y, const float *dy, float *dx, size_t n);
/// dx = dy * (1 - y * y), the tanh derivative computed from its output y.
void sibyl_tanh_backward(const float *y, const float *dy, float *dx, size_t n);

/// y = a + b.
void sibyl_add(const float *a, const float *b, float *y, size_t n);
/// y = a - b.
void sibyl_sub(const float *a, const float *b, float *y, size_t n);
/// y = a * b.
void sibyl_mul(const float *a, const float *b, float *y, size_t n);
/// y = a * b + c.
void sibyl_muladd(const float *a, const float *b, const float *c, float *y, size_t n);
/// y = alpha * x + y.
void sibyl_axpy(float alpha, const float *x, float *y, size_t n);
/// y = alpha * x.
void sibyl_scale(float alpha, const float *x, float *y, size_t n);
/// y = min(max(x, lo), hi); NaN stays NaN.
void sibyl_clip(const float *x, float lo, float hi, float *y, size_t n);

/// Σ x, accumulated in double precision.
double sibyl_sum(const float *x, size_t n);
/// Σ x², accumulated in double precision.
double sibyl_sum_squares(const float *x, size_t n);
/// Σ a·b, accumulated in double precision.
double sibyl_dot(const float *a, const float *b, size_t n);
/// max |x|; NaN if any element is NaN; 0 for n = 0.
float sibyl_max_abs(const float *x, size_t n);

/// The instruction-set level the dispatcher chose for these kernels ("x86-64-v4", "x86-64-v3",
/// "baseline").
const char *sibyl_vector_isa(void);

#ifdef __cplusplus
}
#endif

#endif
