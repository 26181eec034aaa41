import Foundation
import Testing
import SibylData
import SibylKernels
@testable import SibylFeatures

/// The FFT features against a naive DFT in Double on the same windows, and the pipeline's
/// properties: causality, warm-up, parsing.
@Suite("Spectral features against the naive DFT")
struct SpectralFeatureTests {
    /// Detrends by solving the 2×2 normal equations, tapers, and transforms with the O(W²) DFT.
    func naiveSpectrum(_ x: ArraySlice<Double>, hann: Bool) -> (power: [Double], spectrum: [Complex<Double>], line: (Double, Double)) {
        let w = x.count
        let values = Array(x)
        // Normal equations [[W, Σi], [Σi, Σi²]]·[a, b] = [Σx, Σix].
        let si = (0..<w).reduce(0.0) { $0 + Double($1) }
        let sii = (0..<w).reduce(0.0) { $0 + Double($1 * $1) }
        let sx = values.reduce(0, +)
        let six = values.indices.reduce(0.0) { $0 + Double($1) * values[$1] }
        let determinant = Double(w) * sii - si * si
        let a = (sx * sii - si * six) / determinant
        let b = (Double(w) * six - si * sx) / determinant
        let detrended = values.indices.map { i in
            (values[i] - a - b * Double(i)) * (hann ? 0.5 * (1 - cos(2 * Double.pi * Double(i) / Double(w))) : 1)
        }
        let spectrum = ReferenceDFT.forward(detrended)
        return ((1...(w / 2)).map { spectrum[$0].squaredMagnitude }, spectrum, (a, b))
    }

    @Test("band shares, period, entropy and centroid match the DFT definition", arguments: [(64, 8), (32, 4), (30, 3)])
    func spectrumMatchesDFT(window: Int, bands: Int) throws {
        let series = try dataset("MSFT_daily", count: 700)
        let matrix = try FeaturePipeline(parsing: "fft:\(window):\(bands)").compute(series)
        let logClose = series.close.map { log($0) }
        let edges = SpectralFeatures.bandEdges(window: window, bands: bands)!
        var worst = 0.0
        var periodMismatches = 0
        for t in 0..<series.count {
            guard t >= window - 1 else {
                #expect(matrix.columns.allSatisfy { $0[t].isNaN })
                continue
            }
            let power = naiveSpectrum(logClose[(t - window + 1)...t], hann: true).power
            let total = power.reduce(0, +)
            for j in 0..<bands {
                let share = (edges[j]..<edges[j + 1]).reduce(0.0) { $0 + power[$1 - 1] } / total
                worst = max(worst, abs(matrix.columns[j][t] - share))
            }
            let entropy = -power.reduce(0.0) { $0 + ($1 > 0 ? ($1 / total) * log($1 / total) : 0) } / log(Double(window / 2))
            let centroid = power.indices.reduce(0.0) { $0 + Double($1 + 1) / Double(window) * power[$1] } / total
            worst = max(worst, abs(matrix.columns[bands + 1][t] - entropy), abs(matrix.columns[bands + 2][t] - centroid))
            // The dominant bin may differ where two bins hold almost equal power in float precision.
            let peak = power.indices.max { power[$0] < power[$1] }! + 1
            if abs(matrix.columns[bands][t] - Double(window) / Double(peak)) > 1e-12 {
                let sorted = power.sorted(by: >)
                if (sorted[0] - sorted[1]) / sorted[0] > 1e-3 { periodMismatches += 1 }
            }
        }
        print("fft:\(window):\(bands) vs DFT: largest difference \(worst)")
        #expect(worst < 1e-4)
        #expect(periodMismatches == 0)
    }

    @Test("the low-pass close matches the inverse DFT of the truncated spectrum, trend restored")
    func lowPassMatchesDFT() throws {
        let series = try dataset("GOOGL_daily", count: 300)
        let (window, cutoff) = (32, 3)
        let got = try FeaturePipeline(parsing: "lowpass:\(window):\(cutoff)").compute(series).columns[0]
        let logClose = series.close.map { log($0) }
        var worst = 0.0
        for t in (window - 1)..<series.count {
            let (_, spectrum, line) = naiveSpectrum(logClose[(t - window + 1)...t], hann: false)
            let kept = spectrum.enumerated().map { $0.offset <= cutoff ? $0.element : Complex<Double>(0, 0) }
            let filtered = ReferenceDFT.inverse(kept, size: window)
            let expected = exp(filtered[window - 1] + line.0 + line.1 * Double(window - 1))
            worst = max(worst, abs(got[t] - expected) / expected)
        }
        print("lowpass:\(window):\(cutoff) vs inverse DFT: largest relative difference \(worst)")
        #expect(worst < 1e-5)
        // A low-pass filter of a smooth trend is the trend: on a pure exponential the filter returns the close.
        let trend = try BarSeries(name: "trend", bars: (0..<80).map { i in
            let c = 50 * exp(0.01 * Double(i))
            return Bar(timestamp: Timestamp(year: 2020, month: 1, day: 1).advanced(byDays: i), open: c, high: c, low: c, close: c, volume: 1)
        })
        let smooth = try FeaturePipeline(parsing: "lowpass:16:2").compute(trend).columns[0]
        #expect((15..<80).allSatisfy { abs(smooth[$0] / trend.close[$0] - 1) < 1e-5 })
    }

    @Test("causality: changing or removing bars after t leaves every feature at or before t bit-identical")
    func causality() throws {
        let pipeline = try FeaturePipeline(parsing: everyFeature)
        let original = try randomWalk(1200, seed: 1)
        let before = try pipeline.compute(original)
        var generator = SeededGenerator(seed: 99)
        for _ in 0..<6 {
            let t = 20 + Int(generator.next() % 1100)
            // Different future: a second walk spliced on after t, rescaled to join at t.
            let other = try randomWalk(1200, seed: generator.next())
            let factor = original.close[t] / other.close[t]
            var bars = (0...t).map { original[$0] }
            for i in (t + 1)..<1200 {
                var bar = other[i]
                bar.open *= factor; bar.high *= factor; bar.low *= factor; bar.close *= factor
                bar.volume *= 3
                bars.append(bar)
            }
            let changed = try pipeline.compute(BarSeries(name: "walk", bars: bars))
            let truncated = try pipeline.compute(original[0..<(t + 1)])
            for c in 0..<before.featureCount {
                for r in 0...t {
                    let a = before.columns[c][r].bitPattern
                    #expect(changed.columns[c][r].bitPattern == a, "\(before.names[c]) at row \(r) moved when bars after \(t) changed")
                    #expect(truncated.columns[c][r].bitPattern == a, "\(before.names[c]) at row \(r) moved when bars after \(t) were removed")
                }
            }
        }
    }

    @Test("warm-up: each column is NaN exactly before its first valid bar and finite from it")
    func warmUp() throws {
        let pipeline = try FeaturePipeline(parsing: everyFeature)
        let matrix = try pipeline.compute(try randomWalk(300, seed: 5))
        var column = 0
        for spec in pipeline.specs {
            for _ in spec.columnNames {
                let values = matrix.columns[column]
                #expect(values[..<spec.firstValidIndex].allSatisfy { $0.isNaN }, "\(matrix.names[column])")
                #expect(values[spec.firstValidIndex...].allSatisfy { $0.isFinite }, "\(matrix.names[column])")
                column += 1
            }
        }
        #expect(matrix.warmUp == 15)  // fft:16 and lowpass:16 start at bar 15
        #expect(matrix.names.count == matrix.featureCount && column == matrix.featureCount)
    }
}

extension Timestamp {
    func advanced(byDays days: Int) -> Timestamp {
        Timestamp(secondsSinceEpoch: secondsSinceEpoch + Int64(days) * 86_400)
    }
}
