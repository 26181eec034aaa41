import Foundation
import SibylData
@testable import SibylFeatures

let datasetsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Datasets")

/// The first `count` bars of a bundled dataset.
func dataset(_ name: String, count: Int? = nil) throws -> BarSeries {
    let series = try BarCSV.read(contentsOf: datasetsFolder.appendingPathComponent("\(name).csv").path).series
    return count.map { series[0..<min($0, series.count)] } ?? series
}

/// A random-walk series with consistent OHLCV bars, daily from 2000-01-03.
func randomWalk(_ count: Int, seed: UInt64) throws -> BarSeries {
    var state = seed
    func uniform() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) * 0x1.0p-53
    }
    var close = 100.0
    var bars: [Bar] = []
    for i in 0..<count {
        let open = close * (1 + 0.01 * (uniform() - 0.5))
        close = open * exp(0.02 * (uniform() - 0.5))
        let high = max(open, close) * (1 + 0.005 * uniform())
        let low = min(open, close) * (1 - 0.005 * uniform())
        bars.append(Bar(timestamp: Timestamp(secondsSinceEpoch: 946_857_600 + Int64(i) * 86_400),
                        open: open, high: high, low: low, close: close, volume: 1000 + 500 * uniform()))
    }
    return try BarSeries(name: "walk", bars: bars)
}

/// Largest |a − b| over the rows where `expected` is defined; fails (returns ∞) if `got` is
/// defined where `expected` is not or the other way round.
func largestDifference(_ got: [Double], _ expected: [Double]) -> Double {
    var worst = 0.0
    for (g, e) in zip(got, expected) {
        if g.isNaN != e.isNaN { return .infinity }
        if !e.isNaN { worst = max(worst, abs(g - e)) }
    }
    return worst
}

/// Every feature the pipeline knows, with small windows, for whole-pipeline properties.
let everyFeature = "returns,simple-returns,mean:5,std:5,zscore:6,sma:4,ema:5,rsi:6,macd:3:7:4,bbands:5:2,atr:4,volz:5,fft:16:3,lowpass:16:3"
