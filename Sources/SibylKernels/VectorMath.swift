import _SibylVectorMath

/// Vectorized element-wise Float32 math: the activations and updates recurrent networks run on.
///
/// Every operation works on contiguous buffers of equal length; an output may be the same buffer as
/// an input (in place). The kernels are compiled for AVX-512, AVX2+FMA and a baseline, and the
/// loader picks the best one this CPU runs (``instructionSet`` names it). ``ReferenceVectorMath``
/// holds scalar versions on Foundation math that the tests compare against.
///
/// Accuracy: sigmoid and tanh stay within 1e-6 absolute of double-precision math for every finite
/// input (in practice sigmoid about 1e-7, and tanh, a rational approximation, 3.0e-7 absolute with
/// FMA and 4.0e-7 without, 2.7e-7 relative near zero); ±∞ give the limits (sigmoid(−∞) within
/// 1e-38 of 0, the smallest e^(−x) a float holds; tanh(±∞) = ±1 exactly, and |tanh| never exceeds
/// 1) and NaN stays NaN.
public enum VectorMath {
    /// The instruction-set level the element-wise kernels run at on this machine.
    public static var instructionSet: String { String(cString: sibyl_vector_isa()) }

    /// Floating-point operations in one round of ``fmaPeak(rounds:)`` (384 with AVX-512, 192 with
    /// AVX2).
    public static var fmaPeakOperationsPerRound: Int { sibyl_fma_peak_operations_per_round() }

    /// Runs `rounds` rounds of register-only multiply-adds on this core's widest vectors and
    /// returns a value that depends on every one: timed, the arithmetic peak that products and
    /// recurrent layers are measured against.
    public static func fmaPeak(rounds: Int) -> Float { sibyl_fma_peak(rounds, 0.999_999, 1e-7) }

    @inline(__always)
    static func check(_ counts: Int...) -> Int {
        let n = counts[0]
        precondition(counts.allSatisfy { $0 == n }, "element-wise operands differ in length: \(counts)")
        return n
    }

    /// y = 1 / (1 + e^(−x)).
    public static func sigmoid(_ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) {
        sibyl_sigmoid(x.baseAddress, y.baseAddress, check(x.count, y.count))
    }

    /// y = tanh(x).
    public static func tanh(_ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) {
        sibyl_tanh(x.baseAddress, y.baseAddress, check(x.count, y.count))
    }

    /// y = ln(x): −∞ for 0, NaN for negative input; relative error about 1e-7 for normal floats.
    public static func log(_ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) {
        sibyl_log(x.baseAddress, y.baseAddress, check(x.count, y.count))
    }

    /// dx = dy · y · (1 − y): the gradient through a sigmoid, from its output y.
    public static func sigmoidBackward(
        output y: UnsafeBufferPointer<Float>, outputGradient dy: UnsafeBufferPointer<Float>,
        into dx: UnsafeMutableBufferPointer<Float>
    ) {
        sibyl_sigmoid_backward(y.baseAddress, dy.baseAddress, dx.baseAddress, check(y.count, dy.count, dx.count))
    }

    /// dx = dy · (1 − y²): the gradient through a tanh, from its output y.
    public static func tanhBackward(
        output y: UnsafeBufferPointer<Float>, outputGradient dy: UnsafeBufferPointer<Float>,
        into dx: UnsafeMutableBufferPointer<Float>
    ) {
        sibyl_tanh_backward(y.baseAddress, dy.baseAddress, dx.baseAddress, check(y.count, dy.count, dx.count))
    }

    /// y = a + b.
    public static func add(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) {
        sibyl_add(a.baseAddress, b.baseAddress, y.baseAddress, check(a.count, b.count, y.count))
    }

    /// y = a − b.
    public static func subtract(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) {
        sibyl_sub(a.baseAddress, b.baseAddress, y.baseAddress, check(a.count, b.count, y.count))
    }

    /// y = a · b.
    public static func multiply(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) {
        sibyl_mul(a.baseAddress, b.baseAddress, y.baseAddress, check(a.count, b.count, y.count))
    }

    /// y = a · b + c.
    public static func multiplyAdd(
        _ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>, _ c: UnsafeBufferPointer<Float>,
        into y: UnsafeMutableBufferPointer<Float>
    ) {
        sibyl_muladd(a.baseAddress, b.baseAddress, c.baseAddress, y.baseAddress, check(a.count, b.count, c.count, y.count))
    }

    /// y ← alpha · x + y.
    public static func axpy(_ alpha: Float, _ x: UnsafeBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>) {
        sibyl_axpy(alpha, x.baseAddress, y.baseAddress, check(x.count, y.count))
    }

    /// y = alpha · x.
    public static func scale(_ alpha: Float, _ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) {
        sibyl_scale(alpha, x.baseAddress, y.baseAddress, check(x.count, y.count))
    }

    /// y = min(max(x, lower), upper); NaN stays NaN.
    public static func clip(_ x: UnsafeBufferPointer<Float>, lower: Float, upper: Float, into y: UnsafeMutableBufferPointer<Float>) {
        precondition(lower <= upper, "clip bounds are reversed: \(lower) > \(upper)")
        sibyl_clip(x.baseAddress, lower, upper, y.baseAddress, check(x.count, y.count))
    }

    /// Σ x, accumulated in Double.
    public static func sum(_ x: UnsafeBufferPointer<Float>) -> Double {
        sibyl_sum(x.baseAddress, x.count)
    }

    /// Σ x², accumulated in Double.
    public static func sumOfSquares(_ x: UnsafeBufferPointer<Float>) -> Double {
        sibyl_sum_squares(x.baseAddress, x.count)
    }

    /// Σ a·b, accumulated in Double.
    public static func dot(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Double {
        sibyl_dot(a.baseAddress, b.baseAddress, check(a.count, b.count))
    }

    /// max |x|: NaN if any element is NaN, 0 when empty.
    public static func maxAbs(_ x: UnsafeBufferPointer<Float>) -> Float {
        sibyl_max_abs(x.baseAddress, x.count)
    }
}
