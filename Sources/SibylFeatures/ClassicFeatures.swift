import Foundation
import SibylData

/// The classic technical features, one column each (MACD: three), NaN before the first bar at
/// which they are defined.
///
/// Each value at bar t is computed from bars 0 … t only, in a single forward pass. Rolling
/// statistics recompute every window from its values (two passes, mean then deviations) rather than
/// update running sums, which would lose precision over long series of large prices.
public enum ClassicFeatures {
    /// ln(C_t / C_{t−1}), NaN at the first bar.
    public static func logReturns(_ close: [Double]) -> [Double] {
        var out = [Double](repeating: .nan, count: close.count)
        for t in 1..<max(close.count, 1) { out[t] = log(close[t] / close[t - 1]) }
        return out
    }

    /// C_t / C_{t−1} − 1.
    static func simpleReturns(_ close: [Double]) -> [Double] {
        var out = [Double](repeating: .nan, count: close.count)
        for t in 1..<max(close.count, 1) { out[t] = close[t] / close[t - 1] - 1 }
        return out
    }

    /// The mean of x[first ... last], summed relative to x[first]: a window of equal values gets
    /// exactly that value (a plain sum divided by W can miss it by a rounding step, and a z-score
    /// would then divide rounding noise by rounding noise).
    @inline(__always)
    private static func windowMean(_ x: [Double], _ first: Int, _ last: Int) -> Double {
        let origin = x[first]
        var sum = 0.0
        for i in first...last { sum += x[i] - origin }
        return origin + sum / Double(last - first + 1)
    }

    /// Mean of x over each trailing window of `window` values, where x is defined from `start` on.
    static func rollingMean(_ x: [Double], window: Int, start: Int = 0) -> [Double] {
        var out = [Double](repeating: .nan, count: x.count)
        guard x.count >= start + window else { return out }
        for t in (start + window - 1)..<x.count { out[t] = windowMean(x, t - window + 1, t) }
        return out
    }

    /// Mean and standard deviation over each trailing window (`ddof` 1 for the sample, 0 for the
    /// population), x defined from `start` on; the deviation is NaN when window ≤ ddof.
    private static func rollingMoments(_ x: [Double], window: Int, start: Int = 0, ddof: Int) -> (mean: [Double], std: [Double]) {
        var mean = [Double](repeating: .nan, count: x.count)
        var std = mean
        guard x.count >= start + window else { return (mean, std) }
        for t in (start + window - 1)..<x.count {
            let m = windowMean(x, t - window + 1, t)
            mean[t] = m
            guard window > ddof else { continue }
            // The deviations are scaled by a power of two near the largest of them before they
            // are squared, so that prices near 1e-200 or 1e200 neither underflow nor overflow the
            // squares. Scaling by a power of two is exact: for any other prices the result is the
            // same, bit for bit, as the plain sum of squares.
            var largest = 0.0
            for i in (t - window + 1)...t { largest = max(largest, abs(x[i] - m)) }
            let scale = largest > 0 && largest.isFinite ? Double(sign: .plus, exponent: largest.exponent, significand: 1) : 1
            var squares = 0.0
            for i in (t - window + 1)...t {
                let deviation = (x[i] - m) / scale
                squares += deviation * deviation
            }
            std[t] = (squares / Double(window - ddof)).squareRoot() * scale
        }
        return (mean, std)
    }

    /// Standard deviation over each trailing window; `ddof` 1 for the sample, 0 for the population.
    public static func rollingStd(_ x: [Double], window: Int, start: Int = 0, ddof: Int = 1) -> [Double] {
        rollingMoments(x, window: window, start: start, ddof: ddof).std
    }

    /// (x_t − mean) / std over each trailing window (ddof 1); 0 when the window is constant, where
    /// x_t equals the mean.
    static func rollingZScore(_ x: [Double], window: Int) -> [Double] {
        let (mean, std) = rollingMoments(x, window: window, ddof: 1)
        return x.indices.map { t in
            guard !mean[t].isNaN else { return .nan }
            return std[t] > 0 ? (x[t] - mean[t]) / std[t] : 0
        }
    }

    /// x smoothed from the mean of its first `length` values (x defined from `start` on, the
    /// first value at start + length − 1), each later value folded in by `step(previous, x_t)`.
    private static func seededSmoothing(_ x: [Double], length: Int, start: Int, step: (Double, Double) -> Double) -> [Double] {
        var out = [Double](repeating: .nan, count: x.count)
        let seed = start + length - 1
        guard x.count > seed else { return out }
        var value = 0.0
        for i in start...seed { value += x[i] }
        value /= Double(length)
        out[seed] = value
        for t in (seed + 1)..<max(x.count, seed + 1) {
            value = step(value, x[t])
            out[t] = value
        }
        return out
    }

    /// EMA with α = 2/(span+1), seeded at index start+span−1 with the mean of the first `span`
    /// values of x (x defined from `start` on).
    static func ema(_ x: [Double], span: Int, start: Int = 0) -> [Double] {
        let alpha = 2 / Double(span + 1)
        return seededSmoothing(x, length: span, start: start) { alpha * $1 + (1 - alpha) * $0 }
    }

    /// Wilder's smoothing of x (defined from `start` on): the mean of the first `period` values,
    /// then s_t = (s_{t−1}·(period − 1) + x_t) / period.
    static func wilder(_ x: [Double], period: Int, start: Int) -> [Double] {
        seededSmoothing(x, length: period, start: start) { ($0 * Double(period - 1) + $1) / Double(period) }
    }

    /// RSI = 100 − 100 / (1 + avgGain / avgLoss), Wilder-smoothed over `period` changes;
    /// 100 when there were no losses, 50 when there was no change at all.
    static func rsi(_ close: [Double], period: Int) -> [Double] {
        var gains = [Double](repeating: .nan, count: close.count)
        var losses = [Double](repeating: .nan, count: close.count)
        for t in 1..<max(close.count, 1) {
            let change = close[t] - close[t - 1]
            gains[t] = max(change, 0)
            losses[t] = max(-change, 0)
        }
        let averageGain = wilder(gains, period: period, start: 1)
        let averageLoss = wilder(losses, period: period, start: 1)
        return close.indices.map { t in
            let g = averageGain[t], l = averageLoss[t]
            guard !g.isNaN else { return .nan }
            if l == 0 { return g == 0 ? 50 : 100 }
            return 100 - 100 / (1 + g / l)
        }
    }

    /// The MACD line, its signal line and the histogram.
    static func macd(_ close: [Double], fast: Int, slow: Int, signal: Int) -> [[Double]] {
        let fastEMA = ema(close, span: fast)
        let slowEMA = ema(close, span: slow)
        let line = close.indices.map { fastEMA[$0] - slowEMA[$0] }  // NaN until the slow EMA starts
        let signalLine = ema(line, span: signal, start: slow - 1)
        let firstValid = slow + signal - 2
        let lineShown = line.indices.map { $0 >= firstValid ? line[$0] : .nan }
        let histogram = close.indices.map { lineShown[$0] - signalLine[$0] }
        return [lineShown, signalLine, histogram]
    }

    /// Bollinger %B with bands at the SMA ± width·σ (population σ, as Bollinger defines it);
    /// 0.5 when the window is constant.
    static func bollingerPercentB(_ close: [Double], window: Int, width: Double) -> [Double] {
        let (mean, std) = rollingMoments(close, window: window, ddof: 0)
        return close.indices.map { t in
            guard !mean[t].isNaN else { return .nan }
            guard std[t] > 0 else { return 0.5 }
            let lower = mean[t] - width * std[t]
            return (close[t] - lower) / (2 * width * std[t])
        }
    }

    /// Wilder's ATR: true range TR_t = max(H−L, |H−C_{t−1}|, |L−C_{t−1}|) from t = 1, smoothed.
    static func atr(high: [Double], low: [Double], close: [Double], period: Int) -> [Double] {
        var trueRange = [Double](repeating: .nan, count: close.count)
        for t in 1..<max(close.count, 1) {
            trueRange[t] = max(high[t] - low[t], abs(high[t] - close[t - 1]), abs(low[t] - close[t - 1]))
        }
        return wilder(trueRange, period: period, start: 1)
    }
}
