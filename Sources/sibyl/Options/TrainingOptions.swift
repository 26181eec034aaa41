import ArgumentParser
import Foundation
import SibylData
import SibylFeatures
import SibylForecasting
import SibylKernels
import SibylNeural
import SibylBacktest

extension RecurrentCell: ExpressibleByArgument {}
extension ForecastTarget: ExpressibleByArgument {}
extension FeatureScaler.Kind: ExpressibleByArgument {}
extension FillTiming: ExpressibleByArgument {}
extension WeightInitialization: ExpressibleByArgument {}

/// What a forecast model is and how it trains: shared by `train` and `forecast`.
struct TrainingOptions: ParsableArguments {
    @Option(name: .long, help: "Recurrent cell: lstm or gru.")
    var model: RecurrentCell = .lstm

    @Option(name: .long, parsing: .unconditional, help: "Hidden units per layer.")
    var hidden: Int = 64

    @Option(name: .long, parsing: .unconditional, help: "Stacked recurrent layers.")
    var layers: Int = 2

    @Option(name: .long, parsing: .unconditional, help: "Bars per input window.")
    var window: Int = 64

    @Option(name: .long, help: ArgumentHelp("Features, comma-separated (see `sibyl features --help`).", valueName: "spec"))
    var features: String = FeaturePipeline.defaultSpecText

    @Option(name: .long, help: "What to forecast: log-return, direction (up or not), or next-close (a price level: scaled on the training span's prices, it extrapolates poorly once prices leave that range).")
    var target: ForecastTarget = .logReturn

    @Option(name: .long, help: "Feature scaling, fitted on the training span: zscore, minmax or robust.")
    var scaler: FeatureScaler.Kind = .zScore

    @Option(name: .long, parsing: .unconditional, help: "Training epochs at most (early stopping may end sooner).")
    var epochs: Int = 30

    @Option(name: .long, parsing: .unconditional, help: "Windows per mini-batch.")
    var batchSize: Int = 64

    @Option(name: .long, parsing: .unconditional, help: "Learning rate.")
    var learningRate: Double = 1e-3

    @Option(name: .long, help: "Optimizer: adam, adamw or sgd (momentum 0.9).")
    var optimizer: String = "adam"

    @Option(name: .long, parsing: .unconditional, help: "Weight decay (L2 for adam and sgd, decoupled for adamw); 0, or 0.01 for adamw as in PyTorch, when omitted.")
    var weightDecay: Double?

    @Option(name: .long, help: "Loss for return and price targets: mse or huber (direction always uses binary cross-entropy).")
    var loss: String = "mse"

    @Option(name: .long, help: "Learning-rate schedule: constant or cosine.")
    var schedule: String = "constant"

    @Option(name: .long, parsing: .unconditional, help: "Dropout between stacked layers while training.")
    var dropout: Double = 0

    @Option(name: .long, parsing: .unconditional, help: "Clip the global gradient norm to this; 0 turns clipping off.")
    var clip: Double = 1

    static let defaultPatience = 5
    /// Nil when not given (``defaultPatience``), so that a given value can be told from the default.
    @Option(name: .long, parsing: .unconditional, help: "Stop after this many epochs without a better validation loss; 0 turns early stopping off. (default: \(defaultPatience))")
    var patience: Int?

    @Option(name: .long, help: "Weight initialization: pytorch, xavier or orthogonal.")
    var initialization: WeightInitialization = .pytorch

    @Option(name: .long, parsing: .unconditional, help: "Share of the bars held out for validation (early stopping).")
    var validation: Double = 0.15

    @Option(name: .long, parsing: .unconditional, help: "Share of the bars held out for the final test (default 0.15; not for backtests, whose walk-forward forecasts every bar after its first fold out of sample).")
    var test: Double?

    /// The test share: `--test`, or 0.15.
    var testShare: Double { test ?? 0.15 }

    @Option(name: .long, parsing: .unconditional,
            help: "Seed for initialization, shuffling and dropout, a whole number from 0 to 2^64 − 1: the same seed and data give the same model, bit for bit, whatever --threads. (default: 42)",
            transform: TrainingOptions.parseSeed)
    var seed: UInt64 = 42

    /// `--seed`'s value, with a reason when it is not one (the parser's own message names none).
    static func parseSeed(_ text: String) throws -> UInt64 {
        if let seed = UInt64(text) { return seed }
        let digits = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        let reason = !digits.isEmpty && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)
            ? (text.hasPrefix("-") ? "it is negative" : "it is past 2^64 − 1")
            : "it is not a whole number"
        throw ValidationError("\(reason); a seed is a whole number from 0 to 18446744073709551615")
    }

    @Option(name: .long, parsing: .unconditional,
            help: "Threads for training and inference: the processors this process may use (at most 8) unless given; any count gives the same model and forecasts.")
    var threads: Int = TrainingOptions.defaultThreads

    /// The processors this process may use (its affinity mask and any container CPU quota), at
    /// most 8: each thread takes its own rows of a batch, and a batch of 64 gives each of 8 threads
    /// one 8-row block of the kernels.
    static var defaultThreads: Int { max(1, min(availableProcessors, 8)) }

    func validate() throws {
        for (option, value) in [("--hidden", hidden), ("--layers", layers), ("--window", window), ("--epochs", epochs),
                                ("--batch-size", batchSize), ("--threads", threads)] where value < 1 {
            throw ValidationError("\(option) must be at least 1; got \(value)")
        }
        for (option, value, limit) in [("--hidden", hidden, 4096), ("--layers", layers, 16), ("--window", window, 100_000), ("--threads", threads, 256),
                                       ("--batch-size", batchSize, 1_000_000), ("--epochs", epochs, 1_000_000)] where value > limit {
            throw ValidationError("\(option) is at most \(limit); got \(value)")
        }
        // The weights and what training keeps beside them must fit in this machine's memory (the
        // inputs, not known yet, counted as H wide).
        let bytes = RecurrentModelConfiguration(cell: model, inputSize: hidden, hiddenSize: hidden, layers: layers).trainingWeightBytes
        let memory = usableMemory
        guard bytes < 0.8 * memory.bytes else {
            throw ValidationError("--hidden \(hidden) with --layers \(layers) needs about \(gigabytes(bytes)) for the weights, their gradients and the optimizer's state, and \(memory.phrase); use a smaller --hidden or fewer --layers")
        }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be a positive number; got \(learningRate)") }
        // The optimizers compute in 32-bit floats, where a rate below the smallest normal float is
        // 0 or loses its precision: training would run and change nothing.
        guard Float(learningRate) >= Float.leastNormalMagnitude else {
            throw ValidationError("--learning-rate \(learningRate) is below the smallest normal 32-bit float (1.2e-38), the precision the optimizers compute in, where it is 0 or nearly so and training would change nothing; use 1e-3 (the default) or another rate from about 1e-5 to 1e-1")
        }
        if let weightDecay, !(weightDecay >= 0 && weightDecay.isFinite) { throw ValidationError("--weight-decay must be 0 or a positive number") }
        guard dropout == 0 || layers >= 2 else {
            throw ValidationError("--dropout acts between recurrent layers, so it needs --layers 2 or more (with one layer it would change nothing)")
        }
        guard (0..<1).contains(dropout) else { throw ValidationError("--dropout must lie in [0, 1)") }
        guard validation >= 0, validation < 0.9, test.map({ $0 > 0 }) ?? true else {
            throw ValidationError("--validation must be a share from 0 to below 0.9 and --test a share above 0, for example 0.15 and 0.15")
        }
        guard ["adam", "adamw", "sgd"].contains(optimizer) else { throw ValidationError("--optimizer takes adam, adamw or sgd, not '\(optimizer)'") }
        // SGD and AdamW take learning rate × weight decay of every weight away at each step (AdamW
        // decays by 0.01 unless told otherwise).
        let decay = settings.training.optimizer.weightDecay
        if optimizer != "adam", decay * learningRate >= 1 {
            func g(_ value: Double) -> String { String(format: "%g", value) }
            throw ValidationError("--learning-rate \(g(learningRate)) × --weight-decay \(g(decay))\(weightDecay == nil ? " (adamw's default)" : "") = \(g(decay * learningRate)): "
                                  + "each step would take that share of every weight away (\(optimizer) decays by the product), which zeroes or flips the weights; keep the product well below 1")
        }
        guard ["mse", "huber"].contains(loss) else { throw ValidationError("--loss takes mse or huber, not '\(loss)'") }
        guard ["constant", "cosine"].contains(schedule) else { throw ValidationError("--schedule takes constant or cosine, not '\(schedule)'") }
        guard clip >= 0, clip.isFinite else { throw ValidationError("--clip is a finite gradient norm, 0 or more (0 turns clipping off); got \(clip)") }
        guard (patience ?? 0) >= 0 else { throw ValidationError("--patience must not be negative") }
        guard clip == 0 || clip >= 1e-6 else {
            throw ValidationError("--clip \(clip) would shrink every gradient to almost nothing and freeze training (\(optimizer == "sgd" ? "SGD's steps are the gradient's size" : "Adam's steps vanish against its ε of 1e-8")); use 1, or 0 to turn clipping off")
        }
    }

    /// Checks the shares of a model with a final test span (`train`, `forecast`; a backtest's
    /// walk-forward has none).
    func validateHeldOutShares() throws {
        guard validation + testShare < 0.9 else {
            throw ValidationError("--validation and --test (0.15 unless given) must leave the training span at least 10% of the bars: validation + test < 0.9, for example 0.15 and 0.15; got \(validation) and \(testShare)")
        }
    }

    /// Options given that the rest make inert (a model trains the same with them or without), or
    /// that cost more than they give (threads beyond the processors), one note each: the user
    /// should know.
    var inertOptionNotes: [String] {
        var notes: [String] = []
        if target == .direction && loss != "mse" {
            notes.append("--loss \(loss) is ignored with --target direction, which always trains on binary cross-entropy")
        }
        if learningRate < 1e-8 {
            notes.append("--learning-rate \(String(format: "%g", learningRate)) moves the weights by less than 32-bit floats resolve for most of them (Adam's steps are about the rate), so training will hardly change the model; rates from about 1e-5 to 1e-1 train")
        }
        if optimizer == "sgd" && clip > 0 && clip * learningRate < 1e-6 {
            notes.append("with --optimizer sgd, --clip \(clip) caps every step at --learning-rate × --clip = \(String(format: "%.1g", clip * learningRate)), which hardly moves the weights; raise --clip, or 0 turns clipping off")
        }
        if let threadsNote { notes.append(threadsNote) }
        if validation == 0 && patience != nil {
            notes.append("--patience is ignored with --validation 0: early stopping watches the validation loss, so every epoch runs")
        }
        return notes
    }

    /// A note when --threads asks for more threads than this process has processors.
    var threadsNote: String? {
        threads > availableProcessors
            ? "--threads \(threads) is more than the \(processorsPhrase) this process may use: the threads take turns, which is slower than \(availableProcessors)"
            : nil
    }

    /// The model options given: set away from their defaults, or typed even at them.
    func givenOptions() -> [String] { givenFields().map(\.0) }

    /// The options given with values that differ from `model`'s own settings (`--threads` aside):
    /// those a loaded checkpoint makes the command ignore. Typed even at the default, an option
    /// counts as given (--window 64 against a model of window 16 is ignored as surely as --window
    /// 32 is).
    func ignoredOptions(against model: ForecastSettings) -> [String] {
        let given = settings
        return givenFields().filter { _, value in value(given) != value(model) }.map(\.0)
    }

    private func givenFields() -> [(String, @Sendable (ForecastSettings) -> String)] {
        guard let defaults = try? Self.parse([]) else { return [] }
        let given = settings, standard = defaults.settings, typed = Self.typedOptions
        return Self.optionFields.filter { name, value in value(given) != value(standard) || typed.contains(name) }
    }

    /// Each model option with the setting it sets, spelled so that equal settings compare equal.
    private static let optionFields: [(String, @Sendable (ForecastSettings) -> String)] = {
        @Sendable func features(_ spec: String) -> String { (try? FeaturePipeline(parsing: spec).description) ?? spec }
        return [
            ("--model", { $0.cell.rawValue }), ("--hidden", { "\($0.hiddenSize)" }), ("--layers", { "\($0.layers)" }),
            ("--window", { "\($0.window)" }), ("--features", { features($0.featureSpec) }), ("--target", { $0.target.rawValue }),
            ("--scaler", { $0.scaler.rawValue }), ("--dropout", { "\($0.dropout)" }), ("--initialization", { "\($0.initialization)" }),
            ("--epochs", { "\($0.training.epochs)" }), ("--batch-size", { "\($0.training.batchSize)" }),
            ("--learning-rate", { "\($0.training.learningRate)" }), ("--optimizer", { optimizerName($0.training.optimizer) }),
            ("--weight-decay", { weightDecay($0.training.optimizer) }),
            ("--schedule", { "\($0.training.schedule)" }), ("--loss", { "\($0.training.loss)" }),
            ("--clip", { "\(String(describing: $0.training.gradientClip))" }), ("--patience", { "\(String(describing: $0.training.patience))" }),
            ("--seed", { "\($0.training.seed)" }), ("--validation", { "\($0.validationFraction)" }), ("--test", { "\($0.testFraction)" }),
        ]
    }()

    static func optimizerName(_ kind: OptimizerKind) -> String {
        switch kind {
        case .adam: "adam"
        case .adamW: "adamw"
        case .sgd: "sgd"
        }
    }

    static func weightDecay(_ kind: OptimizerKind) -> String { "\(kind.weightDecay)" }

    /// `spec` for `series`: the default list, when `option` was not typed and the series has no
    /// volume (or only zeros), without its volume feature (and a note says so); otherwise `spec` as it is.
    /// - Throws: ``FeatureSpecError`` for a volume feature on a volume of zero on every bar.
    static func defaultFeatures(_ spec: String, option: String, for series: BarSeries, notes: CommandNotes) throws -> String {
        // A Volume column of zeros (index and currency exports) carries no volume either.
        let zeros = series.volume?.allSatisfy { $0 == 0 } ?? false
        guard series.volume == nil || zeros, spec == FeaturePipeline.defaultSpecText, !typedOptions.contains(option),
              let reduced = (try? FeaturePipeline(parsing: spec))?.withoutVolumeFeatures() else {
            try checkData(spec, for: series)
            return spec
        }
        let leftOut = reduced.leftOut.map(\.description).joined(separator: ", ")
        notes.add("note: \(series.name) has \(zeros ? "a volume of zero on every bar" : "no volume"), so the default features leave out \(leftOut) (features: \(reduced.pipeline))")
        return reduced.pipeline.description
    }

    /// Parses `spec` before the data is read, so that a mistyped list is refused at once, ahead
    /// of any problem with the file (the checks that need the bars come later, in
    /// ``defaultFeatures(_:option:for:notes:)``).
    /// - Throws: ``FeatureSpecError``.
    static func checkSyntax(_ spec: String) throws { _ = try FeaturePipeline(parsing: spec) }

    /// Refuses a feature list whose volume feature would read a volume of zero on every bar of
    /// `series` (``FeaturePipeline/zeroVolumeProblem(in:)``), or whose range feature would read
    /// bars without a range (``FeaturePipeline/noRangeProblem(in:)``), checked on the whole file:
    /// a walk-forward's early folds may see only the zeros of a file whose volume starts later.
    static func checkData(_ spec: String, for series: BarSeries) throws {
        guard let pipeline = try? FeaturePipeline(parsing: spec) else { return }
        if let problem = pipeline.zeroVolumeProblem(in: series) ?? pipeline.noRangeProblem(in: series) { throw problem }
    }

    /// The option names on the command line, typed at their default or not.
    static var typedOptions: Set<String> {
        Set(CommandLine.arguments.map { String($0.split(separator: "=", maxSplits: 1).first ?? "") })
    }

    /// The settings for training on `series`. The default features are meant for any series: for
    /// one without volume (an index, a currency pair) they leave out the volume feature, and a
    /// note says so; a list typed with `--features` is used as typed, and refused when its volume
    /// feature would read a volume of zero on every bar, or its range feature bars without one
    /// (``checkData(_:for:)``).
    /// The notes on inert options (``inertOptionNotes``) go to `notes` first.
    func settings(for series: BarSeries, notes: CommandNotes) throws -> ForecastSettings {
        for note in inertOptionNotes { notes.add("note: \(note)") }
        var result = settings
        result.featureSpec = try Self.defaultFeatures(features, option: "--features", for: series, notes: notes)
        return result
    }

    var settings: ForecastSettings {
        let optimizerKind: OptimizerKind = switch optimizer {
        case "adamw": weightDecay.map { .adamW(weightDecay: $0) } ?? .adamW()
        case "sgd": .sgd(momentum: 0.9, weightDecay: weightDecay ?? 0)
        default: .adam(weightDecay: weightDecay ?? 0)
        }
        let training = TrainingConfiguration(
            epochs: epochs, batchSize: batchSize, learningRate: learningRate, optimizer: optimizerKind,
            schedule: schedule == "cosine" ? .cosine() : .constant, loss: loss == "huber" ? .huber(delta: 1) : .meanSquaredError,
            gradientClip: clip > 0 ? clip : nil, patience: (patience ?? Self.defaultPatience) > 0 ? patience ?? Self.defaultPatience : nil, seed: seed)
        return ForecastSettings(featureSpec: features, window: window, target: target, scaler: scaler, cell: model, hiddenSize: hidden,
                                layers: layers, dropout: dropout, initialization: initialization, training: training,
                                validationFraction: validation, testFraction: testShare, threads: threads)
    }
}

/// "1 processor" or "N processors": those this process may use (`availableProcessors`).
var processorsPhrase: String { availableProcessors == 1 ? "1 processor" : "\(availableProcessors) processors" }
