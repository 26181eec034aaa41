import Foundation

/// Scalar references for ``VectorMath`` on Foundation's double-precision math: one element at a
/// time, nothing clever. Tests hold the vector kernels against these; `sibyl bench` times them as
/// the naive baseline.
public enum ReferenceVectorMath {
    public static func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

    public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }

    /// y = sigmoid(x), one Foundation `exp` per element.
    public static func sigmoid(_ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) {
        precondition(x.count == y.count, "operands differ in length")
        for i in x.indices { y[i] = 1 / (1 + Foundation.exp(-x[i])) }
    }

    /// y = tanh(x), one Foundation `tanh` per element.
    public static func tanh(_ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) {
        precondition(x.count == y.count, "operands differ in length")
        for i in x.indices { y[i] = Foundation.tanh(x[i]) }
    }
}
