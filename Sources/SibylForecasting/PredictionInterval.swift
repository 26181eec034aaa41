import Foundation
import SibylData
import SibylFeatures

/// Where the model's held-out errors say the next close falls, with a stated probability.
///
/// Split conformal, scaled by volatility: each held-out forecast F_t (made at bar t) has the log
/// error e_t = ln(A_{t+1} / F_t), divided by σ_t, the sample standard deviation of the
/// ``volatilityBars`` log returns up to bar t. The interval for the next close is
/// F·exp(σ·q_lo) … F·exp(σ·q_hi), with σ the same volatility at the last bar and q_lo, q_hi the
/// order statistics of rank ⌊(n + 1)(1 − level)/2⌋ and ⌈(n + 1)(1 + level)/2⌉ of the n scaled
/// errors, which cover a new error exchangeable with them with probability at least `level`.
///
/// Without the scaling, errors from a calm test span make a narrow interval in a turbulent week
/// and the other way round. Over windows of 500 errors of the naive forecast on the bundled
/// series, each checked on the next 250 (`scripts/interval_coverage.py`), the scaled 80% interval
/// covered 80.0–80.9% on average (mean miss 1.7–2.7 points, worst −7.2) and the unscaled one missed
/// by 3.6–13.1 points on average (worst −34.4, on the S&P 500 in 2008).
public struct PredictionInterval: Sendable, Equatable, Codable {
    /// Bars of log returns the volatility is measured over.
    public static let volatilityBars = 20

    /// The probability the interval is built to cover, such as 0.8.
    public let level: Double
    public let low: Double
    public let high: Double
    /// Held-out errors it comes from.
    public let errorCount: Int
    /// σ at the last bar: the standard deviation of its last ``volatilityBars`` log returns.
    public let volatility: Double
    /// Whether some of those errors came from bars the model was trained on (then it is too narrow).
    public let fromInSampleErrors: Bool
    /// The coarse price step the series trades on (``BarSeries/coarsePriceStep(bars:)``), to which
    /// `low` and `high` were rounded outward: a close can only land on the grid, and a band
    /// between two steps (0.00098585 to 0.00099875 for a stock quoted to 0.0001 at 0.001) would
    /// hold no price at all. Nil when the prices have no such step.
    public let priceStep: Double?

    public init(level: Double, low: Double, high: Double, errorCount: Int, volatility: Double, fromInSampleErrors: Bool, priceStep: Double? = nil) {
        self.level = level
        self.errorCount = errorCount
        self.volatility = volatility
        self.fromInSampleErrors = fromInSampleErrors
        self.priceStep = priceStep
        guard let step = priceStep else {
            (self.low, self.high) = (low, high)
            return
        }
        // Outward to the grid: the interval then covers at least what it did. A low that would
        // round to 0 keeps one step.
        let (lowSteps, highSteps) = ((low / step * (1 + 1e-9)).rounded(.down), (high / step * (1 - 1e-9)).rounded(.up))
        (self.low, self.high) = (max(lowSteps, 1) * step, max(highSteps, 1) * step)
    }

    /// The quantiles q_lo, q_hi of `errors` for `level`, or nil when there are too few errors for
    /// the ranks to fall inside them (an 80% interval needs 9, a 95% one 39).
    public static func errorQuantiles(_ errors: [Double], level: Double) -> (low: Double, high: Double)? {
        precondition(level > 0 && level < 1, "level must lie strictly between 0 and 1")
        let n = errors.count
        guard n >= minimumErrors(level: level) else { return nil }
        // 1 − 0.8 is 0.19999999999999996 in binary: without the tolerance, 100 errors' 10th rank
        // would round down to the 9th.
        let lowRank = Int((Double(n + 1) * (1 - level) / 2 + 1e-9).rounded(.down))
        let highRank = Int((Double(n + 1) * (1 + level) / 2 - 1e-9).rounded(.up))
        guard lowRank >= 1, highRank <= n else { return nil }  // the same bound, kept as the index check
        let sorted = errors.sorted()
        return (sorted[lowRank - 1], sorted[highRank - 1])
    }

    /// The fewest errors whose ranks fall inside them for `level`: ⌈2 / (1 − level)⌉ − 1.
    public static func minimumErrors(level: Double) -> Int {
        Int((2 / (1 - level) - 1e-9).rounded(.up)) - 1
    }

    /// σ_t for every bar t of `close`: the sample standard deviation of the log returns of bars
    /// t − 19 … t, NaN before bar 20.
    public static func volatility(_ close: [Double]) -> [Double] {
        ClassicFeatures.rollingStd(ClassicFeatures.logReturns(close), window: volatilityBars, start: 1)
    }

    /// The root mean square of the last ``volatilityBars`` log returns of `close`: the size of the
    /// recent moves, drift and all (a series falling 10% a bar, every bar, has moves of 10% and no
    /// volatility); NaN for fewer than 21 closes.
    public static func lastMoveSize(_ close: [Double]) -> Double {
        guard close.count > volatilityBars else { return .nan }
        let closes = close.suffix(volatilityBars + 1)
        let squares = zip(closes, closes.dropFirst()).reduce(0.0) { $0 + pow(log($1.1 / $1.0), 2) }
        return (squares / Double(volatilityBars)).squareRoot()
    }

    /// σ at the last bar of `close` alone (the same arithmetic as ``volatility(_:)`` there); NaN
    /// for fewer than 21 closes.
    public static func lastVolatility(_ close: [Double]) -> Double {
        volatility(Array(close.suffix(volatilityBars + 1))).last ?? .nan
    }

    /// The scaled errors e_t / σ_t of forecasts `forecasts[i]` made at bars `origins[i]`, skipping
    /// bars where σ is zero or undefined (a price that did not move for 20 bars).
    static func scaledErrors(forecasts: [Double], origins: [Int], close: [Double], volatility: [Double]) -> [Double] {
        zip(forecasts, origins).compactMap { forecast, t in
            let sigma = volatility[t]
            let error = log(close[t + 1] / forecast)
            return sigma > 0 && sigma.isFinite && error.isFinite ? error / sigma : nil
        }
    }
}

/// The scaled error quantiles of an evaluation, from which the next bar's interval is drawn.
public struct ErrorBand: Sendable, Equatable, Codable {
    public let level: Double
    /// Quantiles of ln(actual / forecast) / σ over the held-out span; nil with fewer errors than
    /// ``PredictionInterval/minimumErrors(level:)``.
    public let low: Double?
    public let high: Double?
    /// Held-out errors with a defined volatility.
    public let count: Int
}
