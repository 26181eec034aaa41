import Foundation
import SibylData
import SibylFeatures
import SibylKernels
import SibylNeural

/// The version written into checkpoints and reports.
public enum SibylVersion {
    public static let current = "0.1.0"
}

/// The next bar's forecast.
public struct NextBarForecast: Sendable, Equatable, Codable {
    /// The last bar the forecast is made from.
    public let lastTimestamp: String
    public let lastClose: Double
    /// The expected time of the next bar (the series' typical spacing on, skipping weekends for
    /// exchange-session data; holidays are not known).
    public let nextTimestamp: String
    /// The forecast close and its log return from the last close; NaN (null in JSON) for a
    /// direction model, which forecasts the chance of an up move, not a price, and for a model
    /// whose output is no price (`noForecast` says why).
    public let predictedClose: Double
    public let predictedLogReturn: Double
    /// For a direction model, the probability that the next close is higher.
    public let upProbability: Double?
    /// The standard deviation of the last 20 log returns (``PredictionInterval/volatilityBars``);
    /// nil when it is not defined (fewer than 21 bars).
    public let recentVolatility: Double?
    /// The root mean square of the last 20 log returns: the size of the recent moves, drift and
    /// all (a series falling 10% a bar, every bar, has moves of 10% and no volatility); nil when
    /// it is not defined (fewer than 21 bars).
    public var recentMoveSize: Double?
    /// A move or its size as a percentage in the forecast's messages: three decimals, or three
    /// significant digits in scientific notation below 0.001% (a series that barely moves).
    public static func percentage(_ fraction: Double) -> String {
        let percent = 100 * fraction
        return abs(percent) >= 0.001 || percent == 0 ? String(format: "%.3f%%", percent) : String(format: "%.2e%%", percent)
    }

    /// Whether the forecast move is far outside the series' recent moves: over 100% in log terms,
    /// or over 10 times the size of the last 20 bars' moves (most often a next-close model
    /// extrapolating).
    public var isFarOutsideRecentMoves: Bool {
        let move = abs(predictedLogReturn), size = recentMoveSize ?? .nan
        // After bars that never moved there is no size of move to compare with.
        return move > 1 || size > 0 && move > 10 * size
    }
    /// The range the next close should fall in (see ``PredictionInterval``); nil without an
    /// evaluation to draw it from, or for the reason in `intervalUnavailable`.
    public var interval: PredictionInterval?
    /// Why an evaluation gave no interval: too few held-out errors, no recent volatility, or a
    /// forecast far outside the moves the errors came from.
    public var intervalUnavailable: String?
    /// Why there is no price forecast, when a model that forecasts prices gave none.
    public var noForecast: String?
    /// Inputs of the last window (their medians) far outside the training values (see ``InputShift``).
    public var inputShifts: [InputShift] = []
    /// For intraday bars whose next bar opens a new session (more than twice the usual spacing and
    /// more than four hours away): how much larger the series' moves into a session's first bar have been than its other
    /// moves (the ratio of their median sizes; nil when there are fewer than 10 such openings).
    /// The interval's errors come mostly from bars within a session.
    public var sessionOpeningMoveRatio: Double?
}

/// A forecast model's evaluation on a held-out span, next to the naive and autoregressive baselines.
public struct ForecastEvaluationReport: Sendable, Equatable, Codable {
    public let firstTimestamp: String
    public let lastTimestamp: String
    public let model: ForecastScore
    /// Tomorrow's close = today's.
    public let naive: ForecastScore
    /// AR(p) on log returns, fitted by least squares on the training span.
    public let autoregression: ForecastScore
    public let autoregressionOrder: Int
    public let lag: LagDiagnostic
    /// For a direction model: its probabilities of an up move against the base rate of its
    /// training targets (Brier score, log loss). Its `model` score then holds direction only.
    public let probability: ProbabilityScore?
    /// The model's absolute errors against the naive forecast's, bar by bar (Diebold–Mariano); nil
    /// for a direction model.
    public let againstNaive: ErrorComparison?
    /// Set when the series holds the prices the model was trained on (see `trainingOverlap`),
    /// whatever the file is called, and the evaluated bars reach into that span: the scores are
    /// then partly in-sample. Holds the last training date.
    public let overlapsTrainingThrough: String?
    /// When the model chose its epoch on a validation span after its training span: the last
    /// date of that span, which `inSampleCount` counts too (nil for checkpoints saved without it).
    public let epochChosenThrough: String?
    /// How many evaluated bars lie inside those spans (all of them: entirely in-sample).
    public let inSampleCount: Int
    /// Set when the model was trained on another series over dates the evaluated span shares:
    /// "name, start → end". Scores on a series that moves with that one flatter the model.
    public let trainedOnOverlappingDates: String?
    /// Quantiles of the model's scaled held-out errors, for the next bar's prediction interval.
    public let errorBand: ErrorBand
    /// Inputs whose values over the evaluated bars lie far outside those the scaler was fitted
    /// on (see ``InputShift``): the model extrapolates from them.
    public let inputShifts: [InputShift]
    /// Per evaluated bar: timestamp, actual close, model forecast (for plots and reports; NaN for
    /// a direction model, whose probabilities of an up move are in `upProbabilities`).
    public let timestamps: [String]
    public let actual: [Double]
    public let forecasts: [Double]
    public let upProbabilities: [Double]?
    /// The share of the model's training targets whose close did not move, in percent (from its
    /// checkpoint; nil for one saved without it).
    public let trainingFlatPercent: Double?
    /// Whether the evaluated bars are daily (the naive forecast is then "tomorrow = today").
    public let dailyBars: Bool
}

/// A model input whose values over the evaluated bars sit far from those it was trained on: the
/// median of its scaled values lies more than `threshold` training spreads from the training span's
/// center (4 standard deviations for z-score scaling, 2.5 interquartile ranges for robust scaling;
/// for min-max scaling, more than half the training range outside it), or, for a price-level
/// feature (sma, ema, atr, lowpass), whose median lies a factor of 4 or more from the training
/// span's level, whatever the spread: a model trained on another price scale (a penny stock's
/// 0.001 against training prices of 18 to 276 is only 1.4 standard deviations below their mean),
/// or a trending series whose test prices left the training range, is the usual case.
public struct InputShift: Sendable, Equatable, Codable {
    /// The feature column.
    public let name: String
    /// Median scaled value over the evaluated bars.
    public let medianScaled: Double
    /// How far that lies from the training center, in the scaler's units, or for a price level
    /// the factor between its median and the training level.
    public let distance: Double
    /// The scaler's unit: "standard deviations", "interquartile ranges" or "training ranges"; or
    /// "times below the training level" / "times above the training level".
    public let unit: String
    /// Whether `distance` is a price level's factor rather than a distance in the scaler's units.
    public let priceLevel: Bool

    init(name: String, medianScaled: Double, distance: Double, unit: String, priceLevel: Bool = false) {
        (self.name, self.medianScaled, self.distance, self.unit, self.priceLevel) = (name, medianScaled, distance, unit, priceLevel)
    }

    /// Price-level columns whose median is this many times above or below the training level.
    static let priceLevelFactor = 4.0

    /// The columns of `matrix` at `rows` that lie far outside `scaler`'s training values;
    /// `priceLevel` names the columns in price units.
    static func find(in matrix: FeatureMatrix, rows: [Int], scaler: FeatureScaler, priceLevel: Set<Int> = []) -> [InputShift] {
        guard !rows.isEmpty else { return [] }
        let (center, threshold, unit): (Double, Double, String) = switch scaler.kind {
        case .zScore: (0, 4, "standard deviations")
        case .robust: (0, 2.5, "interquartile ranges")
        case .minMax: (0.5, 1, "training ranges")
        }
        return matrix.columns.indices.compactMap { j in
            let scaled = rows.map { scaler.transform(matrix.columns[j][$0], column: j) }.sorted()
            let median = FeatureScaler.quantile(scaled, 0.5)
            let distance = abs(median - center)
            // A column without spread over the fit span was given a scale of 1: its distances
            // would be in its own units, no measure of being unusual.
            if !scaler.constant[j], distance > threshold {
                return InputShift(name: matrix.names[j], medianScaled: median, distance: distance, unit: unit)
            }
            // The training level in price units: the scaled center mapped back (a constant
            // column's own value, its scale of 1 being a stand-in).
            let level = scaler.constant[j] ? scaler.center[j] : center * scaler.scale[j] + scaler.center[j]
            let raw = median * scaler.scale[j] + scaler.center[j]
            guard priceLevel.contains(j), level > 0, raw > 0, max(raw / level, level / raw) >= priceLevelFactor else { return nil }
            return InputShift(name: matrix.names[j], medianScaled: median, distance: max(raw / level, level / raw),
                              unit: raw < level ? "times below the training level" : "times above the training level", priceLevel: true)
        }
    }
}

/// A recurrent network over a feature pipeline that forecasts the next bar: features, the scaler
/// fitted on the training span, the target's scaling, and the network, saved together in one
/// safetensors checkpoint.
public final class ForecastModel {
    public let settings: ForecastSettings
    public let pipeline: FeaturePipeline
    public let scaler: FeatureScaler
    public let network: RecurrentModel
    /// Training targets are standardized: (target − center) / scale.
    public let targetCenter: Double
    public let targetScale: Double
    /// Mean |log return| over the training span: the size of move a direction model's price implies.
    public let typicalMove: Double
    /// Provenance: data name and SHA-256, seed, training span, version.
    public let provenance: [String: String]
    /// Whether the model came from a checkpoint, whose settings (the test share among them) the
    /// options of a command no longer change.
    public internal(set) var loadedFromFile = false

    init(settings: ForecastSettings, pipeline: FeaturePipeline, scaler: FeatureScaler, network: RecurrentModel,
         targetCenter: Double, targetScale: Double, typicalMove: Double, provenance: [String: String]) {
        self.settings = settings
        self.pipeline = pipeline
        self.scaler = scaler
        self.network = network
        self.targetCenter = targetCenter
        self.targetScale = targetScale
        self.typicalMove = typicalMove
        self.provenance = provenance
    }

    // MARK: - Spans

    /// Train, validation and test spans over the rows where every feature is defined, oldest first.
    public static func spans(matrix: FeatureMatrix, settings: ForecastSettings) -> ChronologicalSplit {
        spans(validRows: matrix.validRows, settings: settings)
    }

    /// The split of `validRows` (the rows with features) into training, validation and test spans.
    static func spans(validRows valid: Range<Int>, settings: ForecastSettings) -> ChronologicalSplit {
        let trainShare = 1 - settings.validationFraction - settings.testFraction
        let inner = ChronologicalSplit(count: valid.count, train: trainShare, validation: settings.validationFraction)
        let offset = valid.lowerBound
        func shifted(_ range: Range<Int>) -> Range<Int> { (range.lowerBound + offset)..<(range.upperBound + offset) }
        return ChronologicalSplit(train: shifted(inner.train), validation: shifted(inner.validation), test: shifted(inner.test))
    }

    /// Window ends t whose target bar t+1 lies in `span` (windows may reach back into earlier spans,
    /// which are the past).
    static func ends(targetsIn span: Range<Int>, windows: WindowedDataset) -> [Int] {
        ends(targetsIn: span, firstSampleEnd: windows.firstSampleEnd, rows: windows.rows)
    }

    static func ends(targetsIn span: Range<Int>, firstSampleEnd: Int, rows: Int) -> [Int] {
        Array(endRange(targetsIn: span, firstSampleEnd: firstSampleEnd, rows: rows))
    }

    /// The window ends of `ends(targetsIn:firstSampleEnd:rows:)` as a range (empty when there is none).
    static func endRange(targetsIn span: Range<Int>, firstSampleEnd: Int, rows: Int) -> Range<Int> {
        let first = max(firstSampleEnd, span.lowerBound - 1)
        let last = min(span.upperBound - 2, rows - 2)
        return first <= last ? first..<(last + 1) : first..<first
    }

    /// Why a series of `rows` bars, the first `warmUp` of them without features, cannot be split
    /// and windowed for training with `settings`; nil when it can. The checks `train` makes before
    /// it trains, so that a walk-forward can find the fewest bars a fold needs.
    static func spanProblem(rows: Int, warmUp: Int, settings: ForecastSettings, name: String, suggestingShares: Bool = true,
                            namingBarsNeeded: Bool = true) -> ForecastError? {
        let valid = min(warmUp, rows)..<rows
        let split = spans(validRows: valid, settings: settings)
        let (train, validation) = (split.train, split.validation)
        // How many bars would do, for a message a user reads (the search for it asks this
        // function again, without suggestions; a walk-forward names a fold's bars itself).
        func needed() -> String {
            guard suggestingShares, namingBarsNeeded, let bars = minimumTrainingBars(warmUp: warmUp, settings: settings) else { return "" }
            return " (at least \(bars) bars in all, with these settings)"
        }
        guard train.count > settings.window + 10 else {
            return ForecastError(message: "\(name) has \(valid.count) bar\(valid.count == 1 ? "" : "s") past the \(warmUp)-bar warm-up of its features, too few for a \(settings.window)-bar window and the split\(needed())",
                                 fix: "use a longer series, a shorter --window, or features with a shorter warm-up")
        }
        // The smallest share of `share`, in hundredths above the one given, that passes every
        // check here (with the other share as it is); nil when none below 0.9 does.
        func smallestPassing(_ share: WritableKeyPath<ForecastSettings, Double>) -> Double? {
            guard suggestingShares else { return nil }
            var trial = settings
            for hundredths in Int((settings[keyPath: share] * 100).rounded(.down)) + 1 ..< 90 {
                trial[keyPath: share] = Double(hundredths) / 100
                guard trial.validationFraction + trial.testFraction < 1 else { break }
                if spanProblem(rows: rows, warmUp: warmUp, settings: trial, name: name, suggestingShares: false) == nil {
                    return trial[keyPath: share]
                }
            }
            return nil
        }
        guard validation.count > 1 || settings.validationFraction == 0 else {
            // Two bars to validate on, and still enough to train on.
            return ForecastError(message: "a validation share of \(settings.validationFraction) leaves \(validation.count) of the \(valid.count) bars of \(name) to validate on, and it needs 2",
                                 fix: (smallestPassing(\.validationFraction).map { "raise --validation to \($0)" } ?? "use a longer series")
                                     + ", or pass --validation 0 to train without one")
        }
        // A test share that rounds to no bar (1e-300 of 5,000 bars) leaves nothing to score the
        // model on: refused here, before training, rather than after it.
        if settings.testFraction > 0, endRange(targetsIn: split.test, firstSampleEnd: warmUp + settings.window - 1, rows: rows).isEmpty {
            return ForecastError(message: "a test share of \(settings.testFraction) leaves \(split.test.count) of the \(valid.count) bars of \(name) to test on, and scoring the model needs the next bar of one window there",
                                 fix: smallestPassing(\.testFraction).map { "raise --test to \($0)" } ?? "use a longer series")
        }
        let trainWindows = endRange(targetsIn: train, firstSampleEnd: warmUp + settings.window - 1, rows: rows).count
        let neededWindows = min(settings.training.batchSize, 32)
        guard trainWindows >= neededWindows else {
            let batchSize = settings.training.batchSize
            let why = batchSize > neededWindows ? "the fewest it trains on, short of a batch of \(batchSize)" : "one batch"
            return ForecastError(message: "only \(trainWindows) training window\(trainWindows == 1 ? "" : "s") in the training span of \(name), and training needs \(neededWindows) (\(why))\(needed())",
                                 fix: "use a longer series, a shorter --window, or a --batch-size of \(max(trainWindows, 1)) or less")
        }
        return nil
    }

    /// The fewest bars `train` takes with `settings` (``spanProblem(rows:warmUp:settings:name:)``
    /// finds none), whose features need `warmUp` bars first; nil past 100 million.
    static func minimumTrainingBars(warmUp: Int, settings: ForecastSettings) -> Int? {
        func fits(_ rows: Int) -> Bool { spanProblem(rows: rows, warmUp: warmUp, settings: settings, name: "", suggestingShares: false) == nil }
        // More bars never make a split worse: the smallest that fits, by bisection.
        var (low, high) = (warmUp + settings.window, 100_000_000)
        guard fits(high) else { return nil }
        while low < high {
            let middle = (low + high) / 2
            if fits(middle) { high = middle } else { low = middle + 1 }
        }
        return low
    }

    // MARK: - Training

    /// A best epoch whose training loss is over this many times what the constant forecast of the
    /// standardized target scores (0 for a price target, even odds for direction) is a diverged
    /// model: `train` refuses it.
    static let divergedRatio = 10.0

    /// The loss of the constant forecast 0 (the training targets' mean, or even odds for direction)
    /// on `targets` under `loss`.
    static func constantForecastLoss(_ loss: Loss, targets: [Float]) -> Double {
        let zeros = [Float](repeating: 0, count: targets.count)
        return loss.evaluate(predictions: zeros, targets: targets, count: targets.count, gradient: nil)
    }

    /// Fits the scaler on the training span, trains the network on training windows and stops on
    /// the validation windows.
    ///
    /// - Parameters:
    ///   - dataDigest: SHA-256 of the data file, recorded in the checkpoint.
    ///   - pricesAdjusted: Whether the series is on adjusted prices (``BarReadOptions/adjusted``),
    ///     recorded in the checkpoint as `prices`, so that a forecast can tell data of the other kind.
    /// - Throws: ``TrainingError`` when training stops on a loss or gradient that is not finite, or
    ///   ends diverged: a training loss, while it trained or of the kept weights, over
    ///   ``divergedRatio`` times the constant forecast's, or a validation loss over that many times
    ///   the larger of the constant forecast's on the training and validation windows.
    public static func train(on series: BarSeries, settings: ForecastSettings, dataDigest: String? = nil, pricesAdjusted: Bool = false,
                             progress: (TrainingEvent) -> Void = { _ in }) throws -> (ForecastModel, TrainingSummary) {
        let pipeline = try FeaturePipeline(parsing: settings.featureSpec)
        let matrix = try pipeline.compute(series)
        let spans = Self.spans(matrix: matrix, settings: settings)
        if let problem = Self.spanProblem(rows: matrix.rows, warmUp: pipeline.warmUp, settings: settings, name: series.name) { throw problem }
        // A feature that overflows (squares of prices near 1e300) would only show up as a NaN loss.
        for (name, column) in zip(matrix.names, matrix.columns) {
            if let bad = matrix.validRows.first(where: { !column[$0].isFinite }) {
                throw ForecastError(message: "feature \(name) is \(column[bad].isNaN ? "NaN" : "\(column[bad])") at \(series.timestampFormat(series.timestamps[bad])) (bar \(bad + 1) of \(series.name)): the prices overflow or underflow it",
                                    fix: "rescale the prices (quote them in other units), or leave that feature out of --features")
            }
        }
        let scaler = FeatureScaler.fit(settings.scaler, to: matrix, rows: spans.train)
        let windows = WindowedDataset(matrix: matrix, series: series, scaler: scaler, windowLength: settings.window, target: settings.target)
        let trainEnds = ends(targetsIn: spans.train, windows: windows)
        let validationEnds = ends(targetsIn: spans.validation, windows: windows)
        // Backpropagation through time keeps every step's gates, states and their gradients.
        // Checked with the weights, their gradients and the optimizer's state, which are held at
        // the same time, against what this process may use (a container's or `ulimit -v`'s limit
        // where tighter than the machine): past it, an allocation would end the process.
        let batch = min(settings.training.batchSize, trainEnds.count)
        let configuration = RecurrentModelConfiguration(cell: settings.cell, inputSize: matrix.names.count, hiddenSize: settings.hiddenSize,
                                                        layers: settings.layers)
        let activationBytes = configuration.activationBytes(steps: settings.window, batch: batch)
        let memory = usableMemory
        guard activationBytes + configuration.trainingWeightBytes < 0.8 * memory.bytes else {
            throw ForecastError(message: String(format: "training on batches of %d windows of %d bars keeps about %.1f GB of activations for backpropagation through time beside %.1f GB of weights, their gradients and the optimizer's state, and ",
                                                batch, settings.window, activationBytes / 1e9, configuration.trainingWeightBytes / 1e9) + memory.phrase,
                                fix: "use a smaller --batch-size or --window" + (configuration.trainingWeightBytes > activationBytes ? ", or a smaller --hidden or fewer --layers" : ""))
        }
        let trainTargets = trainEnds.map { windows.targets[$0] }
        // A target that never changes over the training span leaves nothing to learn, and an
        // untrained network's output would then be read as a forecast. (Within single precision's
        // resolution of its size: a price that grows by one factor every bar, quoted to a few
        // decimals, has log returns equal but for the quote's rounding.)
        if let first = trainTargets.first, let low = trainTargets.min(), let high = trainTargets.max(), low.isFinite, high.isFinite,
           high - low <= 1.2e-7 * max(abs(low), abs(high)) {
            let why = settings.target == .direction
                ? (first == 1 ? "every close there is above the one before" : "no close there is above the one before")
                : settings.target == .logReturn && first != 0 ? "every bar there moves by the same return, a line rather than a series to forecast"
                : "the prices never move there"
            throw ForecastError(message: "the training target (\(settings.target.rawValue)) is \(String(format: "%g", first)) at every one of the \(trainTargets.count) training bars of \(series.name): \(why), so there is nothing to learn",
                                fix: settings.target == .direction ? "use a series whose closes both rise and fall over its training span"
                                    : settings.target == .logReturn && first != 0 ? "use a series whose returns vary over its training span"
                                    : "use a series whose prices move over its training span")
        }
        let (center, scale): (Double, Double)
        if settings.target == .direction {
            (center, scale) = (0, 1)
        } else {
            let mean = trainTargets.reduce(0, +) / Double(trainTargets.count)
            let std = (trainTargets.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(trainTargets.count - 1, 1))).squareRoot()
            (center, scale) = (mean, std > 0 ? std : 1)
        }
        let logReturns = ClassicFeatures.logReturns(series.close)
        let typicalMove = trainEnds.map { abs(logReturns[$0 + 1]) }.reduce(0, +) / Double(trainEnds.count)
        let upShare = Self.upShare(series.close, targets: trainEnds)

        var generator = SeededGenerator(seed: settings.training.seed)
        let network = RecurrentModel(
            RecurrentModelConfiguration(cell: settings.cell, inputSize: matrix.featureCount, hiddenSize: settings.hiddenSize,
                                        layers: settings.layers, dropout: settings.dropout),
            initialization: settings.initialization, generator: &generator)
        network.threads = settings.threads
        var training = settings.training
        if settings.target == .direction { training.loss = .binaryCrossEntropy }
        let trainer = Trainer(model: network, configuration: training)
        let trainSet = WindowSamples(windows: windows, ends: trainEnds, targetCenter: center, targetScale: scale)
        let validationSet = validationEnds.isEmpty ? nil
            : WindowSamples(windows: windows, ends: validationEnds, targetCenter: center, targetScale: scale)
        let summary = try trainer.fit(train: trainSet, validation: validationSet, progress: progress)
        // A model whose loss is far above what the constant forecast of the standardized target
        // scores (about 1 for MSE, 0.69 for cross-entropy) diverged, though its loss stayed finite:
        // its checkpoint, forecasts or trades would mean nothing. Judged on the weights kept, over
        // the training windows and over the validation windows: an epoch's running training loss
        // is taken before its updates, so a last update that blew the weights up (one batch an
        // epoch, a huge learning rate) would go unseen there; a running loss that high says the
        // training itself was unstable.
        let standardized = { (ends: [Int]) in ends.map { Float((windows.targets[$0] - center) / scale) } }
        let constant = Self.constantForecastLoss(training.loss, targets: standardized(trainEnds))
        let runningTrainLoss = summary.epochs[summary.bestEpoch - 1].trainLoss
        let keptTrainLoss = trainer.evaluate(trainSet)
        func loss(_ value: Double) -> String { value.isFinite ? String(format: "%.3g", value) : value.isNaN ? "NaN" : "∞" }
        // (Each comparison is written so that NaN counts as diverged.)
        var diverged: (what: String, reference: Double, windows: String)?
        if !(runningTrainLoss <= Self.divergedRatio * constant) {
            diverged = ("its best epoch (\(summary.bestEpoch)) had a training loss of \(loss(runningTrainLoss)) while it trained", constant, "training")
        } else if !(keptTrainLoss <= Self.divergedRatio * constant) {
            diverged = (keptTrainLoss.isFinite
                            ? "the weights kept (epoch \(summary.bestEpoch)) score a training loss of \(loss(keptTrainLoss)) (\(loss(runningTrainLoss)) while it trained)"
                            : "the weights kept (epoch \(summary.bestEpoch)) are no longer finite (a training loss of \(loss(keptTrainLoss)); \(loss(runningTrainLoss)) while it trained)",
                        constant, "training")
        } else if let validationLoss = summary.bestValidationLoss {
            // Against the larger of the two references: a validation span far calmer than the
            // training span makes its own reference small (the targets are standardized on the
            // training span), and a sound model would be taken for a diverged one.
            let constantValidation = Self.constantForecastLoss(training.loss, targets: standardized(validationEnds))
            let reference = max(constant, constantValidation)
            if !(validationLoss <= Self.divergedRatio * reference) {
                diverged = ("its best epoch (\(summary.bestEpoch)) has a validation loss of \(loss(validationLoss))", reference,
                            constantValidation >= constant ? "validation" : "training")
            }
        }
        if let diverged {
            let decay = training.optimizer.weightDecay
            throw TrainingError(message: "the model diverged: \(diverged.what), over \(Int(Self.divergedRatio)) times the \(String(format: "%.3g", diverged.reference)) "
                                + (settings.target == .direction ? "a forecast of even odds scores" : "a constant forecast of the standardized target scores")
                                + " on the \(diverged.windows) windows",
                                fix: "lower --learning-rate (\(String(format: "%g", training.learningRate)) here)"
                                    + (training.weightDecayMayMatter ? " or --weight-decay (\(String(format: "%g", decay)) here)" : "")
                                    + (training.gradientClip == nil ? ", or turn clipping on (--clip 1)" : ""))
        }
        let iso = series.timestampFormat
        let fingerprintBars = Self.fingerprintBars(spanning: spans.train.count)
        var provenance = [
            "data_name": series.name,
            "train_start": iso(series.timestamps[spans.train.lowerBound]),
            "train_end": iso(series.timestamps[spans.train.upperBound - 1]),
            "train_fingerprints": Self.fingerprints(series, span: spans.train, bars: fingerprintBars),
            "train_fingerprint_bars": String(fingerprintBars),
            "train_samples": Self.closeSamples(series, span: spans.train),
            "seed": String(settings.training.seed),
            "version": SibylVersion.current,
            "prices": pricesAdjusted ? "adjusted" : "as recorded",
            "train_up_share": String(upShare),
            "bar_spacing_seconds": String(series.typicalSpacingSeconds),
            "train_targets": String(trainEnds.count),
            "train_flat_share": String(Self.flatShare(series.close, targets: trainEnds)),
        ]
        if let dataDigest { provenance["data_sha256"] = dataDigest }
        // The validation span chose the epoch whose weights the model keeps: its bars are no more
        // out of sample than the training span's.
        if let last = validationEnds.last { provenance["validation_end"] = iso(series.timestamps[last + 1]) }
        let model = ForecastModel(settings: settings, pipeline: pipeline, scaler: scaler, network: network, targetCenter: center,
                                  targetScale: scale, typicalMove: typicalMove, provenance: provenance)
        return (model, summary)
    }

    /// The share of up moves (close above the one before) among the bars after `targets`, with
    /// one up and one down added (Laplace's rule of succession), so that a span that only rose
    /// gives a base rate below 1 and the base rate's log loss stays finite.
    static func upShare(_ close: [Double], targets: [Int]) -> Double {
        Double(targets.filter { close[$0 + 1] > close[$0] }.count + 1) / Double(targets.count + 2)
    }

    /// The share of training targets (window ends t) whose next close equals theirs: bars that did
    /// not move, counted as `upShare` counts the ups.
    static func flatShare(_ close: [Double], targets ends: [Int]) -> Double {
        ends.isEmpty ? 0 : Double(ends.filter { close[$0 + 1] == close[$0] }.count) / Double(ends.count)
    }

    // MARK: - Forecasting

    /// Predicted log returns of bar t+1 for each window end t.
    func predictedLogReturns(windows: WindowedDataset, series: BarSeries, ends: [Int]) -> (returns: [Double], probabilities: [Double]?) {
        let samples = WindowSamples(windows: windows, ends: ends, targetCenter: 0, targetScale: 1)
        let raw = network.predict(samples, batchSize: 256).map(Double.init)
        switch settings.target {
        case .logReturn:
            return (raw.map { $0 * targetScale + targetCenter }, nil)
        case .nextClose:
            return (zip(raw, ends).map { log(($0 * targetScale + targetCenter) / series.close[$1]) }, nil)
        case .direction:
            let probabilities = raw.map { 1 / (1 + exp(-$0)) }
            return (probabilities.map { (2 * $0 - 1) * typicalMove }, probabilities)
        }
    }

    func windows(for series: BarSeries) throws -> (FeatureMatrix, WindowedDataset) {
        let matrix = try pipeline.compute(series)
        guard matrix.featureCount == network.configuration.inputSize else {
            throw ForecastError(message: "the model reads \(network.configuration.inputSize) features but '\(pipeline)' gives \(matrix.featureCount)",
                                fix: "use the feature spec the model was trained with")
        }
        return (matrix, WindowedDataset(matrix: matrix, series: series, scaler: scaler, windowLength: settings.window, target: settings.target))
    }

    /// The forecast of the bar after the last one of `series`, with a prediction interval drawn
    /// from `evaluation`'s error band when one is given.
    public func forecastNextBar(of series: BarSeries, evaluation: ForecastEvaluationReport? = nil) throws -> NextBarForecast {
        let (matrix, windows) = try windows(for: series)
        return try forecastNextBar(of: series, matrix: matrix, windows: windows, evaluation: evaluation, frequency: series.frequency)
    }

    /// The evaluation on the held-out span and the next bar's forecast with its interval, from one
    /// computation of the series' features (``evaluate(on:autoregressionOrder:intervalLevel:)``,
    /// then ``forecastNextBar(of:evaluation:)``).
    public func evaluateAndForecast(_ series: BarSeries, intervalLevel: Double = 0.8) throws -> (ForecastEvaluationReport, NextBarForecast) {
        let (matrix, windows) = try windows(for: series)
        // The series' rhythm, detected once (it sorts every spacing) for both.
        let frequency = series.frequency
        let evaluation = try evaluate(on: series, matrix: matrix, windows: windows, autoregressionOrder: 5, intervalLevel: intervalLevel,
                                      frequency: frequency)
        return (evaluation, try forecastNextBar(of: series, matrix: matrix, windows: windows, evaluation: evaluation, frequency: frequency))
    }

    /// See ``NextBarForecast/sessionOpeningMoveRatio``.
    static func sessionOpeningMoveRatio(_ series: BarSeries, frequency: BarFrequency, next: Timestamp) -> Double? {
        guard frequency.kind == .intraday, series.count > 2 else { return nil }
        // A session break: more than twice the usual spacing and more than four hours (a lunch
        // pause or a missing minute is no new session).
        let breakSeconds = max(2 * frequency.typicalSpacingSeconds, 4 * 3600)
        let times = series.timestamps.map(\.secondsSinceEpoch)
        guard next.secondsSinceEpoch - times[times.count - 1] > breakSeconds else { return nil }
        var opening: [Double] = [], within: [Double] = []
        for k in 1..<series.count {
            let move = abs(log(series.close[k] / series.close[k - 1]))
            guard move.isFinite else { continue }
            if times[k] - times[k - 1] > breakSeconds { opening.append(move) } else { within.append(move) }
        }
        guard opening.count >= 10, !within.isEmpty else { return nil }
        let (a, b) = (FeatureScaler.quantile(opening.sorted(), 0.5), FeatureScaler.quantile(within.sorted(), 0.5))
        return b > 0 ? a / b : nil
    }

    private func forecastNextBar(of series: BarSeries, matrix: FeatureMatrix, windows: WindowedDataset,
                                 evaluation: ForecastEvaluationReport?, frequency: BarFrequency) throws -> NextBarForecast {
        let last = series.count - 1
        try requireForecastable(series, windows: windows)
        // The last window has no next bar; predict without a target.
        let (returns, probabilities) = predictedLogReturns(windows: windows, series: series, ends: [last])
        let close = series.close[last]
        let iso = series.timestampFormat
        let direction = settings.target == .direction
        // A forecast that is no price (a diverged model's 0 or ∞) is NaN, null in JSON, as a
        // direction model's is; the reason goes with it.
        let raw = close * exp(returns[0])
        let isPrice = !direction && raw.isFinite && raw > 0
        let predicted = isPrice ? raw : .nan
        let sigma = PredictionInterval.lastVolatility(series.close)
        let next = series.nextTimestamp(frequency: frequency)
        var forecast = NextBarForecast(lastTimestamp: iso(series.timestamps[last]), lastClose: close,
                                       nextTimestamp: iso(next), predictedClose: predicted,
                                       predictedLogReturn: isPrice ? returns[0] : .nan, upProbability: probabilities?[0],
                                       recentVolatility: sigma.isFinite ? sigma : nil)
        let size = PredictionInterval.lastMoveSize(series.close)
        forecast.recentMoveSize = size.isFinite ? size : nil
        // The last window's inputs, which the forecast rests on, against the training values (its
        // median: one unusual bar in a window is ordinary).
        forecast.inputShifts = InputShift.find(in: matrix, rows: Array(max(0, last - settings.window + 1)...last), scaler: scaler,
                                               priceLevel: pipeline.priceLevelColumns)
        forecast.sessionOpeningMoveRatio = Self.sessionOpeningMoveRatio(series, frequency: frequency, next: next)
        if !direction && !isPrice {
            forecast.noForecast = settings.target == .nextClose
                ? "the model's output is not a price (a next-close model outside the prices it was trained on, or one that diverged; --target log-return avoids the former)"
                : "the model's output is not a price (a model that diverged in training)"
        }
        guard let evaluation else { return forecast }
        let band = evaluation.errorBand
        let percent = "\(String(format: "%g", 100 * band.level))%"
        if direction {
            forecast.intervalUnavailable = "no \(percent) interval: a direction model forecasts the chance of an up move, not a price"
        } else if !(predicted.isFinite && predicted > 0) {
            forecast.intervalUnavailable = "no \(percent) interval: the model's output is not a price"
        } else if !(sigma > 0) {
            forecast.intervalUnavailable = sigma.isFinite ? "no \(percent) interval: the last \(PredictionInterval.volatilityBars + 1) closes' log returns did not vary, so there is no volatility to scale it by"
                : "no \(percent) interval: \(PredictionInterval.volatilityBars + 1) bars are needed to measure the volatility it scales by"
        } else if forecast.isFarOutsideRecentMoves {
            // Errors of forecasts near the price say nothing of one this far from it.
            let move = abs(forecast.predictedLogReturn)
            var rule = "over 100%"
            if move <= 1, let size = forecast.recentMoveSize {
                rule = "over 10 times the root mean square of the last \(PredictionInterval.volatilityBars) log returns (\(NextBarForecast.percentage(size)))"
            }
            forecast.intervalUnavailable = "no \(percent) interval: the forecast's move, \(NextBarForecast.percentage(move)) in log terms, is \(rule), "
                + "far outside the moves of the forecasts whose errors would set it"
        } else if let low = band.low, let high = band.high {
            forecast.interval = PredictionInterval(level: band.level, low: predicted * exp(sigma * low), high: predicted * exp(sigma * high),
                                                   errorCount: band.count, volatility: sigma, fromInSampleErrors: evaluation.inSampleCount > 0,
                                                   priceStep: series.coarsePriceStep())
        } else {
            forecast.intervalUnavailable = "no \(percent) interval: \(band.count) held-out error\(band.count == 1 ? "" : "s"), \(PredictionInterval.minimumErrors(level: band.level)) needed ("
                + (loadedFromFile ? "a longer series, or a lower --interval" : "a larger --test share, or a lower --interval") + ")"
        }
        return forecast
    }

    /// The fewest bars on which `evaluate` scores one test window with this model's features,
    /// window and shares: the warm-up, one window, and the bar after it. With a test share above 0
    /// the spans, which round down, always leave the last valid bar to the test span, so the one
    /// window ending at the bar before it has its target there.
    func minimumEvaluableBars() -> Int {
        pipeline.warmUp + settings.window + 1
    }

    /// Throws unless `series` is long enough for one window after the features' warm-up.
    func requireForecastable(_ series: BarSeries, windows: WindowedDataset) throws {
        guard series.count - 1 >= windows.firstSampleEnd else {
            // From the pipeline's own warm-up: the matrix caps its warm-up at a short series' length.
            throw ForecastError(message: "\(series.name) has \(series.count) bar\(series.count == 1 ? "" : "s"); a forecast needs \(pipeline.warmUp + settings.window) (a \(pipeline.warmUp)-bar feature warm-up and a \(settings.window)-bar window)",
                                fix: "use a longer series")
        }
    }

    /// Bars per fingerprinted stretch of a training span of `count` bars: 32, longer for spans of
    /// more than 65,536 bars so that at most 2,048 stretches are recorded (57 KB of metadata).
    /// Recorded as `train_fingerprint_bars`; checkpoints without it used 64.
    static func fingerprintBars(spanning count: Int) -> Int { max(32, (count + 2047) / 2048) }

    /// Fingerprints of the consecutive stretches of `bars` bars that tile a training span, "first
    /// bar's seconds since 1970:hash" joined by ";": any file that holds 2·bars − 1 consecutive
    /// training bars (63 for spans up to 65,536 bars), whatever it is called and wherever it was
    /// cut, holds a whole stretch.
    static func fingerprints(_ series: BarSeries, span: Range<Int>, bars: Int) -> String {
        stride(from: span.lowerBound, through: span.upperBound - bars, by: bars)
            .map { "\(series.timestamps[$0].secondsSinceEpoch):\(fingerprint(series, from: $0, bars: bars).prefix(16))" }
            .joined(separator: ";")
    }

    /// SHA-256 of the timestamps and closes of up to `bars` bars from `start`.
    static func fingerprint(_ series: BarSeries, from start: Int, bars: Int) -> String {
        var bytes: [UInt8] = []
        for i in start..<min(series.count, start + bars) {
            withUnsafeBytes(of: series.timestamps[i].secondsSinceEpoch.littleEndian) { bytes += $0 }
            withUnsafeBytes(of: series.close[i].bitPattern.littleEndian) { bytes += $0 }
        }
        return SHA256.hexDigest(of: bytes)
    }

    /// Up to 256 bars spread evenly over `span`, as `seconds:close` pairs: what tells the training
    /// data from another series over the same dates when the closes are not bit for bit the same.
    static func closeSamples(_ series: BarSeries, span: Range<Int>) -> String {
        let step = max(1, (span.count + 255) / 256)
        return stride(from: span.lowerBound, to: span.upperBound, by: step)
            .map { "\(series.timestamps[$0].secondsSinceEpoch):\(series.close[$0])" }
            .joined(separator: ";")
    }

    /// Whether `series` holds the training data, and how many of the `evaluated` timestamps lie in
    /// the recorded training and validation spans. The same data is a fingerprinted stretch of the training span found
    /// exactly; or most of the recorded close samples found on their dates within 0.25% (another
    /// vendor's copy, or one rounded to cents), or at one ratio to them (the same prices in other
    /// units, see ``sameUpToUnits(_:)``); or, in a file too short to hold eight samples, at least
    /// two, all its dates have, each within half a cent plus 0.01% of the price. The file's name
    /// says nothing: `AAPL/daily.csv` and `MSFT/daily.csv` are different series.
    func trainingOverlap(_ series: BarSeries, evaluated: [String]) -> (sameData: Bool, count: Int) {
        guard let start = provenance["train_start"], let trainEnd = provenance["train_end"] else { return (false, 0) }
        // Bars the model was fitted on or chose its epoch on.
        let end = max(trainEnd, provenance["validation_end"] ?? trainEnd)
        let count = evaluated.filter { $0 >= start && $0 <= end }.count
        if let samples = provenance["train_samples"] {
            var (found, agreeing, sameToCent, inRange) = (0, 0, 0, 0)
            // Per found sample: the file's close and the recorded one.
            var pairs: [(file: Double, recorded: Double)] = []
            let (first, last) = (series.timestamps[0].secondsSinceEpoch, series.timestamps[series.count - 1].secondsSinceEpoch)
            for entry in samples.split(separator: ";") {
                let parts = entry.split(separator: ":")
                guard parts.count == 2, let seconds = Int64(parts[0]), let close = Double(parts[1]), close > 0 else { continue }
                if seconds >= first && seconds <= last { inRange += 1 }
                let index = series.firstIndex(atOrAfter: Timestamp(secondsSinceEpoch: seconds))
                guard index < series.count, series.timestamps[index].secondsSinceEpoch == seconds else { continue }
                found += 1
                if abs(series.close[index] / close - 1) <= 0.0025 { agreeing += 1 }
                pairs.append((series.close[index], close))
                // The same price, or the same rounded to cents.
                if abs(series.close[index] - close) <= 0.005 + 1e-4 * close { sameToCent += 1 }
            }
            if found >= 8 && Double(agreeing) >= 0.9 * Double(found) { return (true, count) }
            if found >= 8 && Self.sameUpToUnits(pairs) { return (true, count) }
            // A file too short to hold eight samples: two or more, every sample of its dates found
            // and each the same price (to the cent), still say it; a series that tracks the
            // training one within a fraction of a percent (a futures contract, an index fund) does not.
            if found >= 2 && found < 8 && found == inRange && sameToCent == found { return (true, count) }
        }
        guard let recorded = provenance["train_fingerprints"] else { return (false, count) }
        let bars = provenance["train_fingerprint_bars"].flatMap { Int($0) }.map { max(1, $0) } ?? 64
        let same = recorded.split(separator: ";").contains { entry in
            let parts = entry.split(separator: ":")
            guard parts.count == 2, let seconds = Int64(parts[0]) else { return false }
            let low = series.firstIndex(atOrAfter: Timestamp(secondsSinceEpoch: seconds))
            return low < series.count && series.timestamps[low].secondsSinceEpoch == seconds
                && Self.fingerprint(series, from: low, bars: bars).hasPrefix(parts[1])
        }
        return (same, count)
    }

    /// Whether the file's closes are the recorded ones in other units (cents, another currency at
    /// a fixed rate, an index rebased): nine in ten at one ratio to them, to within the rounding
    /// both sides' decimals allow plus 0.001%, over samples that span a move of 5% or more. Then
    /// the returns, and with them every scale-free feature, are the training inputs. A fund that
    /// tracks its index drifts from it by its dividends and fees, and two pegged currencies move
    /// too little to tell: neither passes.
    static func sameUpToUnits(_ pairs: [(file: Double, recorded: Double)]) -> Bool {
        let ratios = pairs.map { $0.file / $0.recorded }
        guard !ratios.isEmpty, ratios.allSatisfy({ $0.isFinite && $0 > 0 }) else { return false }
        let recorded = pairs.map(\.recorded)
        guard let low = recorded.min(), let high = recorded.max(), high >= 1.05 * low else { return false }
        let median = ratios.sorted()[ratios.count / 2]
        let (fileTick, recordedTick) = (tick(pairs.map(\.file)), tick(recorded))
        let same = pairs.indices.filter { i in
            let rounding = 0.5 * fileTick / pairs[i].file + 0.5 * recordedTick / pairs[i].recorded
            return abs(ratios[i] / median - 1) <= 1e-5 + rounding
        }.count
        return Double(same) >= 0.9 * Double(pairs.count)
    }

    /// The place of the last decimal the prices are written to (0.01 for cents), at least 10⁻¹⁰.
    static func tick(_ prices: [Double]) -> Double {
        let places = prices.map { price in
            (0...10).first { places in
                let scaled = price * pow(10, Double(places))
                return abs(scaled - scaled.rounded()) <= 1e-9 * max(1, abs(scaled))
            } ?? 10
        }.max() ?? 10
        return pow(10, -Double(places))
    }

    /// Forecasts for every bar of the test span (the last `testFraction` of valid rows), scored next
    /// to the naive forecast and an AR(`order`) on log returns fitted on the training span, with the
    /// error band of a prediction interval at `intervalLevel`.
    public func evaluate(on series: BarSeries, autoregressionOrder order: Int = 5, intervalLevel: Double = 0.8) throws -> ForecastEvaluationReport {
        let (matrix, windows) = try windows(for: series)
        return try evaluate(on: series, matrix: matrix, windows: windows, autoregressionOrder: order, intervalLevel: intervalLevel,
                            frequency: series.frequency)
    }

    private func evaluate(on series: BarSeries, matrix: FeatureMatrix, windows: WindowedDataset, autoregressionOrder order: Int,
                          intervalLevel: Double, frequency: BarFrequency) throws -> ForecastEvaluationReport {
        let spans = Self.spans(matrix: matrix, settings: settings)
        let ends = Self.ends(targetsIn: spans.test, windows: windows)
        guard !ends.isEmpty else {
            let needed = minimumEvaluableBars()
            throw ForecastError(message: "\(series.name) has \(series.count) bar\(series.count == 1 ? "" : "s"); scoring a forecast needs \(needed) (a \(pipeline.warmUp)-bar feature warm-up, a \(settings.window)-bar window, and a test span, the last \(String(format: "%g", 100 * settings.testFraction))% of the bars past the warm-up, that holds one window's target)",
                                fix: loadedFromFile ? "use a longer series (the model's own --test share and window apply)" : "use a longer series, a larger --test share or a shorter --window")
        }
        let close = series.close
        let (predicted, probabilities) = predictedLogReturns(windows: windows, series: series, ends: ends)
        let previous = ends.map { close[$0] }
        let actual = ends.map { close[$0 + 1] }
        // A direction model's calls, as prices above or below the last close, score its direction.
        let forecasts = zip(previous, predicted).map { $0 * exp($1) }
        let direction = settings.target == .direction
        var probability: ProbabilityScore?
        if let probabilities {
            // The base rate the model learned from: its own training targets' up share, recorded in
            // the checkpoint; for a checkpoint without it, this series' training span.
            let recorded = provenance["train_up_share"].flatMap(Double.init).flatMap { $0 > 0 && $0 < 1 ? $0 : nil }
            let trainTargets = Self.ends(targetsIn: spans.train, windows: windows)
            let baseRate = recorded ?? Self.upShare(close, targets: trainTargets)
            let count = recorded != nil ? provenance["train_targets"].flatMap(Int.init) : trainTargets.count
            probability = ProbabilityScore(probabilities: probabilities, ups: ends.map { close[$0 + 1] > close[$0] }, baseRate: baseRate,
                                           baseRateBars: count, baseRateFromModel: recorded != nil)
        }
        let logReturns = ClassicFeatures.logReturns(close)
        // A short series (a checkpoint evaluated on a few dozen bars) fits a lower order.
        let trainRows = max(spans.train.lowerBound, 1)..<spans.train.upperBound
        guard let order = LinearAutoregression.fittableOrder(logReturns, rows: trainRows, upTo: order) else {
            throw ForecastError(message: "\(series.name) has too few bars before its test span to fit even the mean of its returns for the baselines",
                                fix: "use a longer series")
        }
        let autoregression = LinearAutoregression(fitting: logReturns, rows: trainRows, order: order)
        let autoregressive = ends.map { close[$0] * exp(autoregression.forecast(logReturns, after: $0)) }
        let naiveScale = Self.naiveScale(series, spans.train)
        let iso = series.timestampFormat
        let overlap = trainingOverlap(series, evaluated: ends.map { iso(series.timestamps[$0 + 1]) })
        let scaledErrors = PredictionInterval.scaledErrors(forecasts: forecasts, origins: ends, close: close,
                                                           volatility: PredictionInterval.volatility(close))
        let quantiles = PredictionInterval.errorQuantiles(scaledErrors, level: intervalLevel)
        // A direction model's calls are no prices to draw an interval from.
        let band = direction ? ErrorBand(level: intervalLevel, low: nil, high: nil, count: 0)
            : ErrorBand(level: intervalLevel, low: quantiles?.low, high: quantiles?.high, count: scaledErrors.count)
        return ForecastEvaluationReport(
            firstTimestamp: iso(series.timestamps[ends[0] + 1]), lastTimestamp: iso(series.timestamps[ends[ends.count - 1] + 1]),
            model: ForecastScore(name: "\(settings.cell.rawValue) model", forecasts: forecasts, actual: actual, previous: previous, naiveScale: naiveScale,
                                 directionOnly: direction),
            naive: ForecastScore(name: "naive (last close)", forecasts: previous, actual: actual, previous: previous, naiveScale: naiveScale),
            autoregression: ForecastScore(name: "AR(\(order)) on log returns", forecasts: autoregressive, actual: actual, previous: previous,
                                          naiveScale: naiveScale),
            autoregressionOrder: order,
            lag: direction ? LagDiagnostic(notApplicable: "is a direction model: it forecasts the chance of an up move, not a price, so there is no lag to check")
                : LagDiagnostic(forecasts: forecasts, actual: actual, previous: previous),
            probability: probability,
            againstNaive: direction ? nil : ErrorComparison(errors: zip(forecasts, actual).map { $0 - $1 },
                                                            against: zip(previous, actual).map { $0 - $1 }),
            overlapsTrainingThrough: overlap.sameData && overlap.count > 0 ? provenance["train_end"] : nil,
            epochChosenThrough: overlap.sameData && overlap.count > 0 ? provenance["validation_end"] : nil,
            inSampleCount: overlap.sameData ? overlap.count : 0,
            trainedOnOverlappingDates: !overlap.sameData && overlap.count > 0
                ? "\(provenance["data_name"] ?? "?"), \(provenance["train_start"] ?? "?") → \(provenance["validation_end"] ?? provenance["train_end"] ?? "?")" : nil,
            errorBand: band,
            inputShifts: InputShift.find(in: matrix, rows: ends, scaler: scaler, priceLevel: pipeline.priceLevelColumns),
            timestamps: ends.map { iso(series.timestamps[$0 + 1]) }, actual: actual,
            forecasts: direction ? forecasts.map { _ in .nan } : forecasts, upProbabilities: probabilities,
            trainingFlatPercent: provenance["train_flat_share"].flatMap(Double.init).map { 100 * $0 },
            dailyBars: frequency.kind == .daily)
    }
}

/// A forecasting problem with the data or settings, with a fix.
public struct ForecastError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public let fix: String
    public var description: String { "error: \(message) (fix: \(fix))" }
}
