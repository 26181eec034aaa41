/// A trailing mean over W values kept as a compensated running sum: each new value is added and
/// the one leaving the window removed, each with its own Kahan compensation, O(1) per bar.
///
/// This is the algorithm of pandas' `rolling(W).mean()` (so moving averages, and the crossovers
/// they produce, agree with backtesting.py bit for bit): a run of identical values returns that
/// value exactly, and a mean of all-positive (all-negative) values is never negative (positive).
public struct RollingMean {
    public let window: Int
    private var ring: [Double]
    private var head = 0
    private var observed = 0
    private var sum = 0.0
    private var addCompensation = 0.0
    private var removeCompensation = 0.0
    private var negatives = 0
    private var previous = Double.nan
    private var run = 0

    public init(window: Int) {
        precondition(window >= 1, "a moving average needs a window of at least 1")
        self.window = window
        ring = [Double](repeating: 0, count: window)
    }

    /// Adds the next value; returns the mean of the last W values, or NaN before W have arrived.
    public mutating func append(_ value: Double) -> Double {
        if observed == window {
            remove(ring[head])
        }
        add(value)
        ring[head] = value
        head = head + 1 == window ? 0 : head + 1
        return current
    }

    private mutating func add(_ x: Double) {
        observed += 1
        let y = x - addCompensation
        let t = sum + y
        addCompensation = t - sum - y
        sum = t
        if x.sign == .minus { negatives += 1 }
        if x == previous { run += 1 } else { run = 1 }
        previous = x
    }

    private mutating func remove(_ x: Double) {
        observed -= 1
        let y = -x - removeCompensation
        let t = sum + y
        removeCompensation = t - sum - y
        sum = t
        if x.sign == .minus { negatives -= 1 }
    }

    private var current: Double {
        guard observed >= window else { return .nan }
        if run >= observed { return previous }
        let value = sum / Double(observed)
        if negatives == 0 && value < 0 { return 0 }
        if negatives == observed && value > 0 { return 0 }
        return value
    }
}
