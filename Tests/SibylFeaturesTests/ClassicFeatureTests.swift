import Foundation
import Testing
@testable import SibylData
@testable import SibylFeatures

/// Each classic feature against an independent naive formula on real data (the first 400 bars of
/// the S&P 500 file): rolling statistics recomputed with plain slices, the recursive averages
/// (EMA, Wilder) as their closed-form weighted sums.
@Suite("Classic features against naive formulas")
struct ClassicFeatureTests {
    let series: BarSeries
    let close: [Double]

    init() throws {
        series = try dataset("SPX_daily", count: 400)
        close = series.close
    }

    func compute(_ spec: String) throws -> [[Double]] {
        try FeaturePipeline(parsing: spec).compute(series).columns
    }

    func mean(_ x: ArraySlice<Double>) -> Double { x.reduce(0, +) / Double(x.count) }

    func std(_ x: ArraySlice<Double>, ddof: Int) -> Double {
        let m = mean(x)
        return (x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(x.count - ddof)).squareRoot()
    }

    /// EMA by its closed form: seed·(1−α)^(t−s) + Σ_{j=s+1..t} α(1−α)^(t−j)·x_j.
    func closedFormAverage(_ x: [Double], seedIndex s: Int, seed: Double, alpha: Double) -> [Double] {
        x.indices.map { t in
            guard t >= s else { return .nan }
            var value = seed * pow(1 - alpha, Double(t - s))
            for j in stride(from: s + 1, through: t, by: 1) { value += alpha * pow(1 - alpha, Double(t - j)) * x[j] }
            return value
        }
    }

    func report(_ name: String, _ got: [Double], _ expected: [Double], tolerance: Double) {
        let difference = largestDifference(got, expected)
        print("\(name): largest difference \(difference)")
        #expect(difference <= tolerance, "\(name)")
    }

    @Test("returns, rolling mean, std, z-score, SMA")
    func rollingStatistics() throws {
        let logReturns = close.indices.map { $0 == 0 ? .nan : log(close[$0] / close[$0 - 1]) }
        report("returns", try compute("returns")[0], logReturns, tolerance: 0)
        report("simple-returns", try compute("simple-returns")[0], close.indices.map { $0 == 0 ? .nan : close[$0] / close[$0 - 1] - 1 }, tolerance: 1e-15)
        report("mean:20", try compute("mean:20")[0], close.indices.map { $0 < 20 ? .nan : mean(logReturns[($0 - 19)...$0]) }, tolerance: 1e-15)
        report("std:20", try compute("std:20")[0], close.indices.map { $0 < 20 ? .nan : std(logReturns[($0 - 19)...$0], ddof: 1) }, tolerance: 1e-15)
        report("zscore:20", try compute("zscore:20")[0], close.indices.map {
            $0 < 19 ? .nan : (close[$0] - mean(close[($0 - 19)...$0])) / std(close[($0 - 19)...$0], ddof: 1)
        }, tolerance: 1e-12)
        report("sma:10", try compute("sma:10")[0], close.indices.map { $0 < 9 ? .nan : mean(close[($0 - 9)...$0]) }, tolerance: 1e-10)
        let volume = series.volume!
        report("volz:20", try compute("volz:20")[0], close.indices.map {
            $0 < 19 ? .nan : (volume[$0] - mean(volume[($0 - 19)...$0])) / std(volume[($0 - 19)...$0], ddof: 1)
        }, tolerance: 1e-12)
        report("bbands:20:2", try compute("bbands:20:2")[0], close.indices.map {
            guard $0 >= 19 else { return .nan }
            let window = close[($0 - 19)...$0]
            let lower = mean(window) - 2 * std(window, ddof: 0), upper = mean(window) + 2 * std(window, ddof: 0)
            return (close[$0] - lower) / (upper - lower)
        }, tolerance: 1e-12)
    }

    @Test("EMA and MACD against closed-form weighted sums")
    func exponentialAverages() throws {
        let ema12 = closedFormAverage(close, seedIndex: 11, seed: mean(close[0...11]), alpha: 2.0 / 13)
        report("ema:12", try compute("ema:12")[0], ema12, tolerance: 1e-9)
        let ema26 = closedFormAverage(close, seedIndex: 25, seed: mean(close[0...25]), alpha: 2.0 / 27)
        let line = close.indices.map { ema12[$0] - ema26[$0] }
        let signal = closedFormAverage(line, seedIndex: 33, seed: mean(line[25...33]), alpha: 2.0 / 10)
        let macd = try compute("macd")
        report("macd line", macd[0], line.indices.map { $0 < 33 ? .nan : line[$0] }, tolerance: 1e-9)
        report("macd signal", macd[1], signal, tolerance: 1e-9)
        report("macd histogram", macd[2], line.indices.map { $0 < 33 ? .nan : line[$0] - signal[$0] }, tolerance: 1e-9)
    }

    @Test("RSI and ATR against closed-form Wilder averages")
    func wilderAverages() throws {
        let n = 14
        let gains = close.indices.map { $0 == 0 ? 0 : max(close[$0] - close[$0 - 1], 0) }
        let losses = close.indices.map { $0 == 0 ? 0 : max(close[$0 - 1] - close[$0], 0) }
        let avgGain = closedFormAverage(gains, seedIndex: n, seed: mean(gains[1...n]), alpha: 1.0 / Double(n))
        let avgLoss = closedFormAverage(losses, seedIndex: n, seed: mean(losses[1...n]), alpha: 1.0 / Double(n))
        report("rsi:14", try compute("rsi:14")[0], close.indices.map { avgGain[$0].isNaN ? .nan : 100 - 100 / (1 + avgGain[$0] / avgLoss[$0]) }, tolerance: 1e-9)
        let trueRange = close.indices.map { t -> Double in
            t == 0 ? 0 : [series.high[t] - series.low[t], abs(series.high[t] - close[t - 1]), abs(series.low[t] - close[t - 1])].max()!
        }
        let atr = closedFormAverage(trueRange, seedIndex: n, seed: mean(trueRange[1...n]), alpha: 1.0 / Double(n))
        report("atr:14", try compute("atr:14")[0], atr, tolerance: 1e-9)
    }

    @Test("windows where the price never moves: z-score 0, %B ½, every spectral column 0, at prices whose plain mean rounds off",
          arguments: [117.31, 0.08388999999999999, 1.23457, 2506.85, 0.3])
    func constantWindows(price: Double) throws {
        // 80 moving bars, then 100 at one price: every window inside the flat stretch is constant.
        let moving = try randomWalk(80, seed: 7)
        let bars = (0..<180).map { i in
            i < 80 ? moving[i] : Bar(timestamp: Timestamp(secondsSinceEpoch: 946_857_600 + Int64(i) * 86_400),
                                     open: price, high: price, low: price, close: price, volume: 1000)
        }
        let series = try BarSeries(name: "flat", bars: bars)
        let columns = try FeaturePipeline(parsing: "zscore:25,bbands:64,bbands:20:1.5,volz:5,sma:20,fft:16:3").compute(series).columns
        for t in 150..<180 {
            #expect(columns[0][t] == 0 && columns[1][t] == 0.5 && columns[2][t] == 0.5, "bar \(t)")
            #expect(columns[3][t] == 0 && columns[4][t] == price, "bar \(t)")
            #expect(columns[5...].allSatisfy { $0[t] == 0 }, "bar \(t): \(columns[5...].map { $0[t] })")
        }
    }

    @Test("prices scaled by 2^±660 (about 1e±199): scale-free features bit for bit the same, price-unit ones scaled exactly",
          arguments: [-660, 660])
    func extremePriceScales(exponent: Int) throws {
        let scale = Double(sign: .plus, exponent: exponent, significand: 1)
        // Outside the prices a file may hold (BarValidation.priceRange), so built unchecked: the
        // features themselves carry them, and their squares would leave double precision (1e±398).
        let scaled = BarSeries(name: "scaled", timestamps: series.timestamps, open: series.open.map { $0 * scale },
                               high: series.high.map { $0 * scale }, low: series.low.map { $0 * scale },
                               close: series.close.map { $0 * scale }, volume: series.volume, adjustedClose: nil)
        let free = "returns,simple-returns,mean:10,std:20,zscore:20,bbands:20,bbands:30:1.5,rsi:14"
        let plain = try compute(free), onScaled = try FeaturePipeline(parsing: free).compute(scaled).columns
        for (column, (a, b)) in zip(plain, onScaled).enumerated() {
            let first = a.firstIndex { !$0.isNaN } ?? a.count
            #expect(first < 40, "column \(column)")
            let same = a[first...].elementsEqual(b[first...])
            #expect(same, "column \(column): \(Array(a[first...].prefix(3))) against \(Array(b[first...].prefix(3)))")
        }
        let units = "sma:10,ema:12,atr:14,macd"
        let plainUnits = try compute(units), scaledUnits = try FeaturePipeline(parsing: units).compute(scaled).columns
        for (column, (a, b)) in zip(plainUnits, scaledUnits).enumerated() {
            let first = a.firstIndex { !$0.isNaN } ?? a.count
            let scaledExactly = a[first...].map { $0 * scale }.elementsEqual(b[first...])
            #expect(scaledExactly, "column \(column)")
        }
    }

    @Test("hand-computed small cases")
    func handComputed() throws {
        let bars = [10.0, 11, 12, 11, 13].enumerated().map { i, c in
            Bar(timestamp: Timestamp(year: 2020, month: 1, day: 1 + i), open: c, high: c + 1, low: c - 1, close: c, volume: 100)
        }
        let tiny = try BarSeries(name: "tiny", bars: bars)
        let matrix = try FeaturePipeline(parsing: "sma:3,rsi:2,ema:2").compute(tiny)
        #expect(largestDifference(matrix.columns[0], [.nan, .nan, 11, 34.0 / 3, 12]) < 1e-12)
        // Changes +1, +1, −1, +2. RSI(2) at t=2: gains 1,1 → avg 1, losses 0 → 100.
        // t=3: avgGain = (1·1 + 0)/2 = 0.5, avgLoss = (0 + 1)/2 = 0.5 → 50.
        // t=4: avgGain = (0.5 + 2)/2 = 1.25, avgLoss = 0.25 → 100 − 100/6.
        #expect(largestDifference(matrix.columns[1], [.nan, .nan, 100, 50, 100 - 100.0 / 6]) < 1e-12)
        // EMA(2): α = 2/3, seed mean(10, 11) = 10.5 at t=1; 11.5 at t=2; 11.1666… at t=3; 12.3888… at t=4.
        #expect(largestDifference(matrix.columns[2], [.nan, 10.5, 11.5, 11.5 / 3 + 22.0 / 3, (11.5 / 3 + 22.0 / 3) / 3 + 26.0 / 3]) < 1e-12)
        // A flat window has z-score 0 and %B 0.5, not a division by zero.
        let flat = try BarSeries(name: "flat", bars: (0..<6).map {
            Bar(timestamp: Timestamp(year: 2020, month: 2, day: 1 + $0), open: 5, high: 5, low: 5, close: 5, volume: 7)
        })
        let flatMatrix = try FeaturePipeline(parsing: "zscore:3,bbands:3,volz:3,rsi:2").compute(flat)
        #expect(flatMatrix.columns[0][5] == 0 && flatMatrix.columns[1][5] == 0.5 && flatMatrix.columns[2][5] == 0 && flatMatrix.columns[3][5] == 50)
    }
}
