import Foundation
import SibylKernels

/// How the learning rate changes over epochs.
public enum LearningRateSchedule: Sendable, Equatable, Codable {
    case constant
    /// Cosine annealing from the base rate to base·minimumFactor over the epochs.
    case cosine(minimumFactor: Double = 0.05)
    /// Multiply by `factor` every `every` epochs.
    case step(every: Int, factor: Double)

    /// The rate for epoch e (0-based) of `epochs`.
    public func rate(base: Double, epoch: Int, epochs: Int) -> Double {
        switch self {
        case .constant:
            return base
        case .cosine(let minimumFactor):
            let progress = epochs > 1 ? Double(epoch) / Double(epochs - 1) : 0
            return base * (minimumFactor + (1 - minimumFactor) * 0.5 * (1 + cos(Double.pi * progress)))
        case .step(let every, let factor):
            return base * pow(factor, Double(epoch / max(every, 1)))
        }
    }
}

/// Everything that shapes a training run.
public struct TrainingConfiguration: Sendable, Equatable, Codable {
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    public var optimizer: OptimizerKind
    public var schedule: LearningRateSchedule
    public var loss: Loss
    /// Clip the global gradient norm to this, when set.
    public var gradientClip: Double?
    /// Stop after this many epochs without a better validation loss, and restore the best weights
    /// (with validation only); nil or less than 1 trains every epoch.
    public var patience: Int?
    /// Seeds shuffling and dropout.
    public var seed: UInt64

    public init(epochs: Int = 20, batchSize: Int = 64, learningRate: Double = 1e-3, optimizer: OptimizerKind = .adam(),
                schedule: LearningRateSchedule = .constant, loss: Loss = .meanSquaredError, gradientClip: Double? = 1,
                patience: Int? = 5, seed: UInt64 = 42) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.optimizer = optimizer
        self.schedule = schedule
        self.loss = loss
        self.gradientClip = gradientClip
        self.patience = patience
        self.seed = seed
    }
}

/// What one epoch did.
public struct EpochReport: Sendable, Equatable, Codable {
    public let epoch: Int
    public let epochs: Int
    public let trainLoss: Double
    public let validationLoss: Double?
    public let learningRate: Double
    public let seconds: Double
    public let sequencesPerSecond: Double
    /// Whether the validation loss improved on the best so far (always true without validation).
    public let improved: Bool
}

/// How training ended.
public struct TrainingSummary: Sendable, Equatable, Codable {
    public let epochs: [EpochReport]
    /// The epoch whose weights the model holds at the end (1-based).
    public let bestEpoch: Int
    public let bestValidationLoss: Double?
    public let stoppedEarly: Bool
}

/// Training that cannot go on: a loss or gradient that is no longer finite (the trainer leaves the
/// model holding the best weights seen: those of the best validation epoch so far, or the initial
/// ones if no epoch finished), or a finished training judged diverged by its caller.
public struct TrainingError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let fix: String

    public init(message: String, fix: String) {
        self.message = message
        self.fix = fix
    }

    public var description: String { "training stopped: \(message) (fix: \(fix))" }
}

/// Progress as training runs, for a progress bar or log lines.
public enum TrainingEvent: Sendable {
    /// A batch finished: epoch (1-based), batch and batches in the epoch, running mean loss.
    case batch(epoch: Int, batch: Int, batches: Int, loss: Double)
    case epoch(EpochReport)
}

/// Mini-batch training with shuffling, validation, early stopping, a learning-rate schedule and
/// non-finite detection, all deterministic for a given seed and thread count.
public final class Trainer {
    public let model: RecurrentModel
    public let configuration: TrainingConfiguration

    public init(model: RecurrentModel, configuration: TrainingConfiguration) {
        precondition(configuration.epochs >= 1 && configuration.batchSize >= 1 && configuration.learningRate > 0,
                     "training needs at least one epoch, a positive batch size and a positive learning rate")
        self.model = model
        self.configuration = configuration
    }

    /// Trains on `train`, watching `validation` when given.
    ///
    /// - Throws: ``TrainingError`` when a loss or gradient stops being finite; the model then holds
    ///   the best weights seen: the best validation epoch's, or the initial ones if no epoch finished.
    @discardableResult
    public func fit(train: some SequenceDataset, validation: (some SequenceDataset)?,
                    progress: (TrainingEvent) -> Void = { _ in }) throws -> TrainingSummary {
        precondition(train.count > 0, "the training set is empty")
        precondition(train.featureCount == model.configuration.inputSize && train.targetCount == model.configuration.outputSize,
                     "the dataset's features and targets do not match the model")
        var generator = SeededGenerator(seed: configuration.seed)
        let optimizer = Optimizer(configuration.optimizer, learningRate: configuration.learningRate, parameters: model.parameters)
        let (t, f, o) = (train.steps, train.featureCount, train.targetCount)
        let maxBatch = min(configuration.batchSize, train.count)
        let inputs = AlignedBuffer<Float>(count: t * maxBatch * f)
        let targets = AlignedBuffer<Float>(count: maxBatch * o)
        let gradient = AlignedBuffer<Float>(count: maxBatch * o)
        var order = Array(0..<train.count)
        var reports: [EpochReport] = []
        var best = (loss: Double.infinity, epoch: 0, weights: model.snapshot())
        var epochsWithoutImprovement = 0
        var stoppedEarly = false

        for epoch in 0..<configuration.epochs {
            let started = ContinuousClock.now
            optimizer.learningRate = configuration.schedule.rate(base: configuration.learningRate, epoch: epoch, epochs: configuration.epochs)
            order.shuffle(using: &generator)
            let batches = (train.count + maxBatch - 1) / maxBatch
            var lossSum = 0.0
            for batchIndex in 0..<batches {
                let indices = order[(batchIndex * maxBatch)..<min(train.count, (batchIndex + 1) * maxBatch)]
                let b = indices.count
                train.fill(indices: indices, inputs: inputs.baseAddress, targets: targets.baseAddress)
                let prediction = withUnsafeMutablePointer(to: &generator) { pointer in
                    model.forward(inputs.baseAddress, steps: t, batch: b, training: true, generator: pointer)
                }
                let loss = configuration.loss.evaluate(predictions: prediction.baseAddress!, targets: targets.baseAddress,
                                                       count: b * o, gradient: gradient.baseAddress)
                guard loss.isFinite else {
                    model.restore(best.weights)
                    throw TrainingError(message: "the loss became \(Self.describe(loss)) in epoch \(epoch + 1), batch \(batchIndex + 1): the model diverged",
                                        fix: "lower the learning rate\(decayHint)\(configuration.gradientClip == nil ? ", turn gradient clipping on (--clip 1)" : "")"
                                            + ", or check the inputs for extreme values")
                }
                model.zeroGradients()
                model.backward(outputGradient: gradient.baseAddress)
                let norm = configuration.gradientClip.map { clipGradientNorm(model.parameters, maxNorm: $0) } ?? gradientNorm(model.parameters)
                guard norm.isFinite else {
                    model.restore(best.weights)
                    throw TrainingError(message: "the gradient norm became \(Self.describe(norm)) in epoch \(epoch + 1), batch \(batchIndex + 1): the model diverged",
                                        fix: configuration.gradientClip == nil ? "lower the learning rate\(decayHint) or turn gradient clipping on (--clip 1)"
                                            : "lower the learning rate\(decayHint) (clipping cannot bound a gradient that is already not finite)")
                }
                optimizer.step()
                lossSum += loss * Double(b)
                progress(.batch(epoch: epoch + 1, batch: batchIndex + 1, batches: batches, loss: lossSum / Double(batchIndex * maxBatch + b)))
            }
            let trainLoss = lossSum / Double(train.count)
            let validationLoss = validation.map { evaluate($0) }
            if let validationLoss, !validationLoss.isFinite {
                model.restore(best.weights)
                throw TrainingError(message: "the validation loss became \(Self.describe(validationLoss)) in epoch \(epoch + 1): the model diverged",
                                    fix: "lower the learning rate\(decayHint) or check the validation inputs")
            }
            // Without validation every epoch counts as an improvement, so the model ends on its last
            // weights, as a plain training loop would (the running training loss is no fair judge:
            // it is taken with dropout on, while the weights change).
            let score = validationLoss ?? trainLoss
            let improved = validationLoss == nil || score < best.loss
            if improved {
                best = (score, epoch + 1, model.snapshot())
                epochsWithoutImprovement = 0
            } else {
                epochsWithoutImprovement += 1
            }
            let seconds = (ContinuousClock.now - started).seconds
            let report = EpochReport(epoch: epoch + 1, epochs: configuration.epochs, trainLoss: trainLoss, validationLoss: validationLoss,
                                     learningRate: optimizer.learningRate, seconds: seconds,
                                     sequencesPerSecond: Double(train.count) / max(seconds, 1e-9), improved: improved)
            reports.append(report)
            progress(.epoch(report))
            if let patience = configuration.patience, patience > 0, validation != nil, epochsWithoutImprovement >= patience {
                stoppedEarly = epoch + 1 < configuration.epochs
                break
            }
        }
        // The model ends on the best epoch's weights by validation loss, or on the last epoch's
        // without validation.
        model.restore(best.weights)
        return TrainingSummary(epochs: reports, bestEpoch: best.epoch,
                               bestValidationLoss: validation == nil ? nil : best.loss, stoppedEarly: stoppedEarly)
    }

    /// " or the weight decay (…)" for a fix, when a weight decay large enough to matter may be the cause.
    private var decayHint: String {
        configuration.weightDecayMayMatter ? " or the weight decay (\(String(format: "%g", configuration.optimizer.weightDecay)))" : ""
    }

    /// A non-finite loss or norm for a message: NaN without the sign C's printf gives it ("-nan"), infinities as "+∞" and "−∞".
    static func describe(_ value: Double) -> String {
        value.isNaN ? "NaN" : value.isInfinite ? (value > 0 ? "+∞" : "−∞") : "\(value)"
    }

    /// The mean loss over a dataset, in inference mode (no dropout).
    public func evaluate(_ dataset: some SequenceDataset) -> Double {
        guard dataset.count > 0 else { return .nan }
        let (t, f, o) = (dataset.steps, dataset.featureCount, dataset.targetCount)
        let batch = min(configuration.batchSize, dataset.count)
        let inputs = AlignedBuffer<Float>(count: t * batch * f)
        let targets = AlignedBuffer<Float>(count: batch * o)
        var total = 0.0
        for start in stride(from: 0, to: dataset.count, by: batch) {
            let indices = Array(start..<min(dataset.count, start + batch))[...]
            dataset.fill(indices: indices, inputs: inputs.baseAddress, targets: targets.baseAddress)
            let prediction = model.forward(inputs.baseAddress, steps: t, batch: indices.count)
            let loss = configuration.loss.evaluate(predictions: prediction.baseAddress!, targets: targets.baseAddress,
                                                   count: indices.count * o, gradient: nil)
            total += loss * Double(indices.count * o)
        }
        return total / Double(dataset.count * o)
    }

}

extension RecurrentModel {
    /// Predictions for every sample of a dataset, (N, O), in batches, without dropout.
    public func predict(_ dataset: some SequenceDataset, batchSize: Int = 256) -> [Float] {
        let (t, f, o) = (dataset.steps, dataset.featureCount, dataset.targetCount)
        let batch = max(1, min(batchSize, dataset.count))
        let inputs = AlignedBuffer<Float>(count: t * batch * f)
        let targets = AlignedBuffer<Float>(count: batch * o)
        var result: [Float] = []
        result.reserveCapacity(dataset.count * o)
        for start in stride(from: 0, to: dataset.count, by: batch) {
            let indices = Array(start..<min(dataset.count, start + batch))[...]
            dataset.fill(indices: indices, inputs: inputs.baseAddress, targets: targets.baseAddress)
            result += forward(inputs.baseAddress, steps: t, batch: indices.count)
        }
        return result
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

extension TrainingConfiguration {
    /// Whether the weight decay takes enough of each weight every step (learning rate × decay above
    /// 0.001) to be a cause when training diverges.
    public var weightDecayMayMatter: Bool { optimizer.weightDecay * learningRate > 1e-3 }
}
