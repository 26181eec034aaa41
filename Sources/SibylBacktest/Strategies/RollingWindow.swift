/// The last W values of a stream, with their mean and standard deviation, updated per bar
/// without allocating (a ring buffer made once).
///
/// The mean and deviation are recomputed from the stored values each time (W additions), so that
/// long runs accumulate no rounding drift and two computations of the same window agree exactly.
public struct RollingWindow {
    private var values: [Double]
    private var next = 0
    public private(set) var count = 0
    public let capacity: Int

    public init(capacity: Int) {
        precondition(capacity >= 1, "a rolling window holds at least one value")
        self.capacity = capacity
        values = [Double](repeating: 0, count: capacity)
    }

    public var isFull: Bool { count == capacity }

    public mutating func append(_ value: Double) {
        values[next] = value
        next = (next + 1) % capacity
        count = min(count + 1, capacity)
    }

    /// Visits the stored values, oldest first (two contiguous runs of the ring, no modulo).
    @inline(__always)
    private func forEachValue(_ body: (Double) -> Void) {
        values.withUnsafeBufferPointer { v in
            if count == capacity {
                for k in next..<capacity { body(v[k]) }
                for k in 0..<next { body(v[k]) }
            } else {
                for k in 0..<count { body(v[k]) }
            }
        }
    }

    /// Σ f(value) over the stored values, oldest first.
    @inline(__always)
    private func sum(_ f: (Double) -> Double) -> Double {
        var total = 0.0
        forEachValue { total += f($0) }
        return total
    }

    /// The oldest stored value.
    private var oldest: Double { values[count == capacity ? next : 0] }

    /// Mean of the stored values, summed oldest first relative to the oldest one, so that a
    /// window of equal values has exactly that value as its mean (a plain sum can round it a last
    /// bit off, and a deviation made of that rounding would look like a signal).
    public var mean: Double {
        guard count > 0 else { return .nan }
        let reference = oldest
        return reference + sum { $0 - reference } / Double(count)
    }

    /// Sample standard deviation (ddof 1) of the stored values.
    public var standardDeviation: Double { moments.standardDeviation }

    /// Mean and sample standard deviation (0 for fewer than two values) from one summation of
    /// the mean, for callers that need both.
    public var moments: (mean: Double, standardDeviation: Double) {
        let m = mean
        guard count > 1 else { return (m, 0) }
        // Deviations divided by a power of two near the largest before squaring, so that prices
        // near 1e-200 or 1e200 neither underflow nor overflow the squares; the division is exact,
        // so other prices get the plain sum's result bit for bit.
        var largest = 0.0
        forEachValue { largest = max(largest, abs($0 - m)) }
        let scale = largest > 0 && largest.isFinite ? Double(sign: .plus, exponent: largest.exponent, significand: 1) : 1
        let squares = sum { (($0 - m) / scale) * (($0 - m) / scale) }
        return (m, (squares / Double(count - 1)).squareRoot() * scale)
    }
}
