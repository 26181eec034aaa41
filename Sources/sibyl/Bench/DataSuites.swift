import Foundation
import SibylData
import SibylFeatures
import SibylKernels

/// Rows in the synthetic CSV file and bars in the synthetic feature series.
let dataBenchRows = 1_000_000

/// A deterministic CSV of `rows` one-minute OHLCV bars (a random walk), written where the csv
/// suite's file is missing, so that Sibyl and the peer scripts can read the very same file.
func syntheticCSV(rows: Int, seed: UInt64) -> Data {
    var rng = SeededGenerator(seed: seed)
    var text = "Date,Open,High,Low,Close,Volume\n"
    text.reserveCapacity(rows * 64)
    var close = 100.0
    let start = Timestamp(year: 2000, month: 1, day: 3).secondsSinceEpoch
    for i in 0..<rows {
        let open = close
        close = open * exp(0.001 * rng.nextNormal())
        let high = max(open, close) * (1 + 0.0005 * rng.nextUniform())
        let low = min(open, close) * (1 - 0.0005 * rng.nextUniform())
        let volume = Int(1000 + 9000 * rng.nextUniform())
        text += Timestamp(secondsSinceEpoch: start + Int64(i) * 60).isoDateTime
        text += String(format: ",%.4f,%.4f,%.4f,%.4f,%d\n", open, high, low, close, volume)
    }
    return Data(text.utf8)
}

/// A random-walk series of `count` daily-spaced bars, built in memory.
func syntheticSeries(count: Int, seed: UInt64) -> BarSeries {
    var rng = SeededGenerator(seed: seed)
    var bars: [Bar] = []
    bars.reserveCapacity(count)
    var close = 100.0
    for i in 0..<count {
        let open = close
        close = open * exp(0.01 * rng.nextNormal())
        bars.append(Bar(timestamp: Timestamp(secondsSinceEpoch: Int64(i) * 86_400), open: open,
                        high: max(open, close) * 1.001, low: min(open, close) * 0.999, close: close, volume: 1000))
    }
    return try! BarSeries(name: "synthetic", bars: bars)
}

func csvCases(_ settings: BenchSettings, file: String) -> [BenchCase] {
    // The command has checked that the file exists and reads (`BenchCommand.checkCSVFile`).
    let name = "read + validate \(URL(fileURLWithPath: file).lastPathComponent)"
    return [BenchCase(suite: "csv", name: name, threads: 1) {
        var rows = 0
        let seconds = timeCalls(minTime: settings.minTime, repeats: settings.repeats, warmup: 1) {
            rows = (try? BarCSV.read(contentsOf: file))?.series.count ?? 0
        }
        let rate = Spread(seconds.map { Double(rows) / $0 })
        return BenchRecord(
            suite: "csv", key: ["backend": .text("sibyl"), "rows": .integer(rows), "file": .text(file)],
            metrics: ["rows_per_s": rate.median, "seconds": Spread(seconds).median],
            caseName: "\(name), \(rows) rows", headline: (rate.median, "rows/s", rate), threads: 1)
    }]
}

func featureCases(_ settings: BenchSettings) -> [BenchCase] {
    [("fft:64:8", "rolling FFT features W=64 K=8"), (FeaturePipeline.defaultSpecText, "default spec")].map { spec, name in
        BenchCase(suite: "features", name: "\(name), \(dataBenchRows) bars", threads: 1) {
            let series = syntheticSeries(count: dataBenchRows, seed: settings.seed)
            let pipeline = try! FeaturePipeline(parsing: spec)
            let seconds = timeCalls(minTime: settings.minTime, repeats: settings.repeats, warmup: 1) {
                _ = try! pipeline.compute(series)
            }
            let rate = Spread(seconds.map { Double(dataBenchRows) / $0 })
            return BenchRecord(
                suite: "features", key: ["backend": .text("sibyl"), "spec": .text(spec), "bars": .integer(dataBenchRows)],
                metrics: ["bars_per_s": rate.median, "seconds": Spread(seconds).median],
                caseName: "\(name), \(dataBenchRows) bars", headline: (rate.median, "bars/s", rate), threads: 1)
        }
    }
}
