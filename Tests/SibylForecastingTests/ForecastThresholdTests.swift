import Foundation
import Testing
import SibylBacktest
import SibylData
@testable import SibylForecasting

/// Hand-computed cases: bars whose open, high, low and close are one price, 100 + t, so that a
/// next-open fill at bar t happens at 100 + t and equity is easy to follow.
@Suite("Forecast-threshold strategy")
struct ForecastThresholdTests {
    let series = try! BarSeries(name: "steps", bars: (0..<8).map { t in
        let p = Double(100 + t)
        return Bar(timestamp: Timestamp(secondsSinceEpoch: 1_600_000_000 + Int64(t) * 86_400), open: p, high: p, low: p, close: p, volume: 1)
    })
    /// Made at bar t's close for bar t+1: long, long, short, inside the threshold, long.
    let forecasts: [Double] = [.nan, 0.01, 0.01, -0.01, 0.0005, 0.02, .nan, .nan]

    /// Daily bars from (open, high, low, close), one a day, volume 1.
    static func daily(_ bars: [(Double, Double, Double, Double)]) -> BarSeries {
        try! BarSeries(name: "bars", bars: bars.enumerated().map { t, b in
            Bar(timestamp: Timestamp(secondsSinceEpoch: 1_600_000_000 + Int64(t) * 86_400), open: b.0, high: b.1, low: b.2, close: b.3, volume: 1)
        })
    }

    func run(_ sizing: ForecastThreshold.Sizing, allowShort: Bool = true) -> BacktestResult {
        var strategy = ForecastThreshold(forecasts: forecasts, threshold: 0.001, sizing: sizing)
        return backtest(&strategy, on: series, configuration: BacktestConfiguration(allowShort: allowShort))
    }

    @Test("full sizing: long, reversed to short, flat inside the threshold, long again")
    func full() {
        let result = run(.full)
        let p = result.position
        #expect(p[0] == 0 && p[1] == 0)
        let units: Double = 10_000 / 102
        #expect(abs(p[2] - units) < 1e-12 && p[3] == p[2])
        // Equity at bar 4's open is units·104; all of it goes short: −units.
        #expect(abs(p[4] + units) < 1e-12)
        #expect(p[5] == 0)
        let equityAtFive: Double = units * 104 - units * 1
        #expect(abs(result.equity[5] - equityAtFive) < 1e-9)
        #expect(abs(p[6] * 106 - equityAtFive) < 1e-9)
        // Bar 6 has no forecast (a model that failed gives none): no view, no position from bar 7.
        #expect(p[7] == 0)
    }

    @Test("without shorting, a negative forecast only closes the long")
    func longOnly() {
        let p = run(.full, allowShort: false).position
        #expect(p[4] == 0 && p[5] == 0)
        let equity: Double = 10_000 / 102 * 104
        #expect(abs(p[6] * 106 - equity) < 1e-9)
    }

    @Test("confidence sizing: |forecast| over twice the mean |forecast| so far, capped at 1")
    func confidence() {
        let result = run(.confidence)
        let p = result.position
        #expect(abs(p[2] * 102 - 5_000) < 1e-9)
        let equityAtFour: Double = 5_000 + 5_000 / 102 * 104
        #expect(abs(p[4] * 104 + 0.5 * equityAtFour) < 1e-9)
        #expect(p[5] == 0)
        let meanAbsolute: Double = (0.01 + 0.01 + 0.01 + 0.0005 + 0.02) / 5
        let size: Double = 0.02 / (2 * meanAbsolute)
        #expect(abs(p[6] * 106 - size * result.equity[5]) < 1e-9)
    }

    @Test("volatility target: flat until the lookback is full, then target / realized volatility, capped at 1")
    func volatilityTarget() {
        // r_t = ln(C_t / C_{t−1}); at bar t the window holds the last three, known at its close.
        var r = [Double](repeating: .nan, count: 8)
        for t in 1..<8 { r[t] = log(Double(100 + t) / Double(99 + t)) }
        func annualized(_ values: ArraySlice<Double>) -> Double {
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
            return (variance * 252).squareRoot()
        }
        let atThree = annualized(r[1...3]), atFive = annualized(r[3...5])
        let result = run(.volatilityTarget(annual: atThree / 4, lookback: 3, barsPerYear: 252))
        let p = result.position
        // Bars 1 and 2 see fewer than three returns: no position despite long forecasts.
        #expect(p[2] == 0 && p[3] == 0)
        // Bar 3: short a quarter of the equity, filled at bar 4's open.
        #expect(abs(p[4] * 104 + 2_500) < 1e-6)
        #expect(p[5] == 0)
        let size: Double = min(1, atThree / 4 / atFive)
        #expect(size < 1)
        #expect(abs(p[6] * 106 - size * result.equity[5]) < 1e-6)
        // A target far above the realized volatility is capped at full size.
        let capped = run(.volatilityTarget(annual: 100 * atThree, lookback: 3, barsPerYear: 252)).position
        #expect(abs(capped[4] * 104 + 10_000) < 1e-6)
    }

    @Test("a small position turns when the forecast does: the 5% resizing band never holds the wrong side")
    func smallReversal() {
        // Confidence sizes of about 2% (one forecast far above the rest sets the scale): long, then
        // short by a similar amount, a move of about 4% of equity in the target.
        let forecasts: [Double] = [.nan, 1, 0.001, 0.0011, -0.0012, -0.0011, 0.0013, .nan]
        var strategy = ForecastThreshold(forecasts: forecasts, threshold: 0.0001, sizing: .confidence)
        let p = backtest(&strategy, on: series, configuration: BacktestConfiguration()).position
        for t in 3..<7 {
            // The forecast made at bar t − 1's close is held from bar t's open.
            #expect(p[t] != 0 && (p[t] > 0) == (forecasts[t - 1] > 0), "bar \(t): \(p)")
        }
    }

    @Test("volatility target on prices that have not moved over the lookback: capped at full size, not flat")
    func volatilityTargetOnAHalt() {
        let still = try! BarSeries(name: "halt", bars: (0..<8).map { t in
            Bar(timestamp: Timestamp(secondsSinceEpoch: 1_600_000_000 + Int64(t) * 86_400), open: 50, high: 50, low: 50, close: 50, volume: 0)
        })
        var strategy = ForecastThreshold(forecasts: [.nan, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01], threshold: 0.001,
                                         sizing: .volatilityTarget(annual: 0.1, lookback: 3, barsPerYear: 252))
        let p = backtest(&strategy, on: still, configuration: BacktestConfiguration()).position
        // Bars 1 and 2 have fewer than three returns (unknown volatility); from bar 3's close, zero.
        #expect(p[3] == 0 && abs(p[4] * 50 - 10_000) < 1e-9 && p[7] == p[4], "\(p)")
    }

    @Test("after a stop-loss exit, no new entry until the forecast's direction changes, whatever the sizing",
          arguments: [ForecastThreshold.Sizing.full, .confidence])
    func oneEntryPerSignal(sizing: ForecastThreshold.Sizing) {
        // Long from bar 2's open (102); bar 3 trades down to 95, through the 5% stop at 96.9.
        let series = Self.daily([
            (100, 100, 100, 100), (101, 101, 101, 101), (102, 102, 102, 102), (101, 101, 95, 97),
            (98, 99, 97, 98), (99, 100, 98, 99), (100, 100, 100, 100), (101, 101, 101, 101), (102, 102, 102, 102),
        ])
        // Long calls of changing strength at bars 3 and 4 (confidence sizing's target moves by more
        // than 5% of equity), none at bar 5, long again at bar 6.
        let forecasts: [Double] = [.nan, 0.01, 0.01, 0.002, 0.03, 0.0005, 0.01, 0.01, 0.01]
        var strategy = ForecastThreshold(forecasts: forecasts, threshold: 0.001, sizing: sizing, exits: ExitRules(stopLoss: 0.05))
        let result = backtest(&strategy, on: series, configuration: BacktestConfiguration())
        let p = result.position
        #expect(p[2] > 0 && p[3] == 0 && p[4] == 0 && p[5] == 0 && p[6] == 0, "\(p)")
        #expect(p[7] > 0, "\(p)")
        #expect(result.trades.count == 2 && abs((result.trades[0].exitPrice ?? 0) - 96.9) < 1e-9, "\(result.trades)")
    }

    @Test("a position built in pieces: when the exit rules close one piece, the rest is held, not topped up, until the direction changes")
    func piecesAfterAStop() {
        // Confidence sizing: half a position at bar 2's open (102), topped up to 0.8 at bar 3's (98);
        // bar 4 trades down to 96.5, through the first piece's 5% stop (96.9) but not the second's
        // (93.1); the calls after it grow stronger (a target of 1, more than 5% of equity above).
        let series = Self.daily([
            (100, 100, 100, 100), (101, 101, 101, 101), (102, 102, 102, 102), (98, 98, 98, 98),
            (98, 98, 96.5, 97), (97, 97, 97, 97), (97, 97, 97, 97), (97, 97, 97, 97), (97, 97, 97, 97),
        ])
        let forecasts: [Double] = [.nan, 0.01, 0.04, 0.06, 0.2, 0.2, 0.2, 0.2, 0.2]
        var strategy = ForecastThreshold(forecasts: forecasts, threshold: 0.001, sizing: .confidence, exits: ExitRules(stopLoss: 0.05))
        let result = backtest(&strategy, on: series, configuration: BacktestConfiguration())
        let p = result.position
        let stopped = result.trades.filter { $0.exitReason == .stopLoss }
        #expect(stopped.count == 1 && stopped[0].entryBar == 2 && stopped[0].exitBar == 4, "\(result.trades)")
        // What is left is the second piece, held to the end.
        #expect(p[4] > 0 && p[4] < p[3] && (5..<9).allSatisfy { p[$0] == p[4] }, "\(p)")
        // A sizing that then asks for less than is held cuts it: after the stop, calls so weak that
        // confidence sizing wants about 2% of equity, below the piece left (about 30%).
        let weaker: [Double] = [.nan, 0.01, 0.04, 0.06, 0.002, 0.002, 0.002, 0.002, 0.002]
        var cutting = ForecastThreshold(forecasts: weaker, threshold: 0.001, sizing: .confidence, exits: ExitRules(stopLoss: 0.05))
        let cut = backtest(&cutting, on: series, configuration: BacktestConfiguration()).position
        #expect(cut[4] == p[4] && cut[5] > 0 && cut[5] < cut[4] / 2 && (6..<9).allSatisfy { cut[$0] == cut[5] }, "\(cut)")
    }

    @Test("no forecast, no trade")
    func noForecast() {
        var strategy = ForecastThreshold(forecasts: Array(repeating: .nan, count: 8), threshold: 0)
        let result = backtest(&strategy, on: series, configuration: BacktestConfiguration())
        #expect(result.trades.isEmpty && result.position.allSatisfy { $0 == 0 })
        #expect(strategy.warmUp == 8)
    }
}
