import Foundation
import SibylData
import SibylFeatures
import SibylNeural

/// How walk-forward retrains.
public struct WalkForwardSettings: Sendable, Equatable, Codable {
    /// Retrain every k bars; each model forecasts the k bars after its training ends. Nil:
    /// ``defaultRetrainEvery(forecastBars:)`` of the bars the walk-forward forecasts.
    public var retrainEvery: Int?
    /// Train on the last `trailingWindow` bars before each fold; all earlier bars when nil (expanding).
    public var trailingWindow: Int?
    /// The first bar forecast; by default 40% into the series, or the fewest bars a fold can train
    /// on when that is later.
    public var firstForecastBar: Int?

    public init(retrainEvery: Int? = nil, trailingWindow: Int? = nil, firstForecastBar: Int? = nil) {
        precondition(retrainEvery.map { $0 >= 1 } ?? true, "retrain at least every bar")
        self.retrainEvery = retrainEvery
        self.trailingWindow = trailingWindow
        self.firstForecastBar = firstForecastBar
    }

    /// The most folds the default retraining makes.
    public static let defaultMaximumFolds = 20

    /// Bars between retrainings by default: 250 (a year of daily bars), or as many as keep a
    /// walk-forward over `forecastBars` to ``defaultMaximumFolds`` folds, each a training run
    /// (200,000 minute bars made 481 folds, hours of training).
    public static func defaultRetrainEvery(forecastBars: Int) -> Int {
        max(250, (forecastBars + defaultMaximumFolds - 1) / defaultMaximumFolds)
    }
}

/// One fold: a model trained on bars before `forecastStart`, forecasting bars up to `forecastEnd`.
public struct WalkForwardFold: Sendable, Equatable, Codable {
    /// Training bars (the series' indices), validation for early stopping at their end.
    public let trainStart: Int
    public let trainEnd: Int
    /// Decision bars: forecasts made at the close of t ∈ [start, end) for bar t+1.
    public let forecastStart: Int
    public let forecastEnd: Int
    public let firstTimestamp: String
    public let lastTimestamp: String
    public let epochs: Int
    /// The fold's forecasts scored, with the naive forecast beside them (nil when it has no bar to score).
    public let model: ForecastScore?
    public let naive: ForecastScore?
}

/// Walk-forward forecasts over a series: one clock, retraining every k bars on past bars only.
public struct WalkForwardResult: Sendable {
    /// At index t: the log return forecast for bar t+1, made at bar t's close (NaN where none);
    /// for a direction model, (2·P(up) − 1) times the training span's mean absolute log return,
    /// a signal whose sign is the call.
    public let forecastLogReturns: [Double]
    /// At index t+1: the close forecast for bar t+1 (NaN where none, and everywhere for a
    /// direction model, which forecasts no price), for charts.
    public let forecastCloses: [Double]
    public let folds: [WalkForwardFold]
    /// All forecast bars scored together, with the naive forecast and the lag check.
    public let model: ForecastScore?
    public let naive: ForecastScore?
    /// The model's absolute errors against the naive forecast's over all forecast bars
    /// (Diebold–Mariano); nil for a direction model.
    public let againstNaive: ErrorComparison?
    public let lag: LagDiagnostic?
    /// The bars between retrainings it used (the settings', or the default for its forecast bars).
    public let retrainEvery: Int
}

extension ForecastModel {
    /// Walks forward through `series`: for each fold, trains a model on the bars before it (the
    /// scaler too), then forecasts each bar of the fold from features computed on the series cut
    /// at the fold's end, so no forecast can see a later bar.
    public static func walkForward(_ series: BarSeries, settings: ForecastSettings, walk: WalkForwardSettings,
                                   progress: (_ fold: Int, _ folds: Int, TrainingEvent) -> Void = { _, _, _ in }) throws -> WalkForwardResult {
        let n = series.count
        let direction = settings.target == .direction
        guard n >= 3 else {
            throw ForecastError(message: "\(series.name) has \(n) bar\(n == 1 ? "" : "s"); a walk-forward needs bars to train on before the ones it forecasts",
                                fix: "use a longer series")
        }
        var training = settings
        training.testFraction = 0
        // The fewest bars a fold can train on, and what one bar fewer runs into (the features'
        // warm-up and the window, the validation share, or a batch of windows).
        let warmUp = try FeaturePipeline(parsing: settings.featureSpec).warmUp
        let needed = Self.minimumTrainingBars(warmUp: warmUp, settings: training) ?? n
        let binding = Self.spanProblem(rows: needed - 1, warmUp: warmUp, settings: training, name: "a fold of \(needed - 1) bars",
                                       namingBarsNeeded: false)
        let why = binding.map { " (with one fewer: \($0.message))" } ?? ""
        // Settings that would let a fold train on `limit` bars: only those that do (a smaller batch
        // can leave the window and warm-up binding, which no batch size changes).
        func otherFixes(limit: Int) -> [String] {
            func largest(below current: Int, _ fits: (Int) -> Bool) -> Int? {
                guard current > 1, fits(1) else { return nil }
                var (low, high) = (1, current - 1)
                while low < high {
                    let middle = (low + high + 1) / 2
                    if fits(middle) { low = middle } else { high = middle - 1 }
                }
                return low
            }
            func fits(warmUp: Int = warmUp, _ change: (inout ForecastSettings) -> Void = { _ in }) -> Bool {
                var changed = training
                change(&changed)
                return Self.minimumTrainingBars(warmUp: warmUp, settings: changed).map { $0 <= limit } ?? false
            }
            var fixes: [String] = []
            if let batch = largest(below: training.training.batchSize, { b in fits { $0.training.batchSize = b } }) {
                fixes.append("a --batch-size of \(batch) or less")
            }
            if let window = largest(below: training.window, { w in fits { $0.window = w } }) {
                fixes.append("a --window of \(window) or less")
            }
            if warmUp > 0, fits(warmUp: 0) { fixes.append("features with a warm-up shorter than their \(warmUp) bars") }
            return fixes
        }
        guard needed <= n - 2 else {
            throw ForecastError(message: "a fold needs at least \(needed) bars to train on\(why) and then bars to forecast, and \(series.name) has \(n)",
                                fix: (["use a longer series"] + otherFixes(limit: n - 2)).joined(separator: "; or "))
        }
        let first = walk.firstForecastBar ?? max(needed, Int(Double(n) * 0.4))
        guard first < n - 1 else {
            throw ForecastError(message: "the first forecast bar \(first) leaves nothing to forecast in the \(n) bars of \(series.name)",
                                fix: "choose --first-forecast-bar from \(needed) to \(n - 2)")
        }
        guard first >= needed else {
            throw ForecastError(message: "the first forecast bar \(first) leaves \(first) bars to train on, and a fold needs at least \(needed)\(why)",
                                fix: (["choose --first-forecast-bar from \(needed) to \(n - 2)"] + otherFixes(limit: first)).joined(separator: "; or "))
        }
        if let trailing = walk.trailingWindow, trailing < needed {
            throw ForecastError(message: "--trailing-window \(trailing) leaves each fold \(trailing) bars to train on, and a fold needs at least \(needed)\(why)",
                                fix: (["use --trailing-window \(needed) or more"] + otherFixes(limit: trailing)).joined(separator: "; or "))
        }
        var forecasts = [Double](repeating: .nan, count: n)
        var closes = [Double](repeating: .nan, count: n)
        var folds: [WalkForwardFold] = []
        let retrainEvery = walk.retrainEvery ?? WalkForwardSettings.defaultRetrainEvery(forecastBars: n - first)
        let starts = Array(stride(from: first, to: n, by: retrainEvery))
        let iso = series.timestampFormat
        for (foldIndex, start) in starts.enumerated() {
            let end = min(n, start + retrainEvery)
            let trainStart = walk.trailingWindow.map { max(0, start - $0) } ?? 0
            let (model, summary): (ForecastModel, TrainingSummary)
            do {
                (model, summary) = try train(on: series[trainStart..<start], settings: training) { progress(foldIndex + 1, starts.count, $0) }
            } catch let error as ForecastError {
                // A trailing window can only help if the first forecast bar leaves it room.
                let options = walk.trailingWindow.map { $0 < start ? "a longer --trailing-window" : "a later --first-forecast-bar" } ?? "a later --first-forecast-bar"
                throw ForecastError(message: "fold \(foldIndex + 1) trains on the \(start - trainStart) bars before bar \(start)\(walk.trailingWindow != nil ? " (--trailing-window)" : ""): \(error.message)",
                                    fix: "use \(options); or \(error.fix)")
            } catch let error as TrainingError {
                throw TrainingError(message: "fold \(foldIndex + 1) of \(starts.count), trained on the \(start - trainStart) bars before bar \(start): \(error.message)", fix: error.fix)
            }
            // Features of the series cut at the fold's end: nothing after bar end − 1 exists for them.
            let visible = series[0..<end]
            let (_, windows) = try model.windows(for: visible)
            let ends = Array(max(start, windows.firstSampleEnd)..<end)
            let predicted = ends.isEmpty ? [] : model.predictedLogReturns(windows: windows, series: visible, ends: ends).returns
            for (t, r) in zip(ends, predicted) {
                // A return whose close is no price (it overflows) is no forecast: neither scored
                // nor traded, so that what is scored is what is traded.
                if !direction && !(series.close[t] * exp(r)).isFinite { continue }
                forecasts[t] = r
                if t + 1 < n && !direction { closes[t + 1] = series.close[t] * exp(r) }
            }
            let scored = ends.filter { $0 + 1 < n && !forecasts[$0].isNaN }
            let score = Self.score(series, bars: scored, forecasts: forecasts, scale: Self.naiveScale(series, trainStart..<start), directionOnly: direction)
            folds.append(WalkForwardFold(trainStart: trainStart, trainEnd: start, forecastStart: start, forecastEnd: end,
                                         firstTimestamp: iso(series.timestamps[start]), lastTimestamp: iso(series.timestamps[end - 1]),
                                         epochs: summary.epochs.count, model: score?.model, naive: score?.naive))
        }
        let all = (0..<(n - 1)).filter { !forecasts[$0].isNaN }
        let overall = Self.score(series, bars: all, forecasts: forecasts, scale: Self.naiveScale(series, 0..<first), directionOnly: direction)
        // The forecast closes, the closes and the closes they were made at, once for both checks.
        let predicted = all.map { series.close[$0] * exp(forecasts[$0]) }
        let (actual, previous) = (all.map { series.close[$0 + 1] }, all.map { series.close[$0] })
        let lag = all.isEmpty || direction ? nil : LagDiagnostic(forecasts: predicted, actual: actual, previous: previous)
        let comparison = all.isEmpty || direction ? nil
            : ErrorComparison(errors: zip(predicted, actual).map { $0 - $1 }, against: zip(previous, actual).map { $0 - $1 })
        return WalkForwardResult(forecastLogReturns: forecasts, forecastCloses: closes, folds: folds,
                                 model: overall?.model, naive: overall?.naive, againstNaive: comparison, lag: lag, retrainEvery: retrainEvery)
    }

    /// Mean absolute one-bar change over a span: MASE's scale.
    static func naiveScale(_ series: BarSeries, _ span: Range<Int>) -> Double {
        let moves = (max(span.lowerBound, 1)..<span.upperBound).map { abs(series.close[$0] - series.close[$0 - 1]) }
        return moves.isEmpty ? .nan : moves.reduce(0, +) / Double(moves.count)
    }

    static func score(_ series: BarSeries, bars: [Int], forecasts: [Double], scale: Double,
                      directionOnly: Bool = false) -> (model: ForecastScore, naive: ForecastScore)? {
        guard !bars.isEmpty else { return nil }
        let previous = bars.map { series.close[$0] }
        let actual = bars.map { series.close[$0 + 1] }
        let forecast = bars.map { series.close[$0] * exp(forecasts[$0]) }
        return (ForecastScore(name: "model", forecasts: forecast, actual: actual, previous: previous, naiveScale: scale, directionOnly: directionOnly),
                ForecastScore(name: "naive (last close)", forecasts: previous, actual: actual, previous: previous, naiveScale: scale))
    }
}
