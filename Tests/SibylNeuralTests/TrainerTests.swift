import Foundation
import Testing
@testable import SibylKernels
@testable import SibylNeural

/// y_t = 0.6·y_{t−1} − 0.3·y_{t−2} + 0.5·sin(2πt/20) + ε_t, ε ~ N(0, σ²): the best possible
/// one-step forecast leaves exactly the noise, so σ² is the floor a model's MSE can reach.
func autoregressiveSine(count: Int, sigma: Double, seed: UInt64) -> [Double] {
    var generator = SeededGenerator(seed: seed)
    var y = [0.0, 0.0]
    for t in 2..<count {
        y.append(0.6 * y[t - 1] - 0.3 * y[t - 2] + 0.5 * sin(2 * Double.pi * Double(t) / 20) + sigma * generator.nextNormal())
    }
    return y
}

/// Windows of `steps` values with the next value as target, samples [first, last).
func windows(_ y: [Double], steps: Int, range: Range<Int>) -> ArraySequenceDataset {
    var inputs: [Float] = [], targets: [Float] = []
    for end in range where end >= steps - 1 && end + 1 < y.count {
        inputs += y[(end - steps + 1)...end].map(Float.init)
        targets.append(Float(y[end + 1]))
    }
    return ArraySequenceDataset(steps: steps, featureCount: 1, inputs: inputs, targets: targets)
}

@Suite("Training")
struct TrainerTests {
    @Test("on an AR(2)-plus-sine series the validation MSE ends within 1.2× of the noise floor", arguments: RecurrentCell.allCases)
    func learnsToTheNoiseFloor(cell: RecurrentCell) throws {
        let sigma = 0.2
        let y = autoregressiveSine(count: 3000, sigma: sigma, seed: 1)
        let train = windows(y, steps: 24, range: 0..<2400)
        let validation = windows(y, steps: 24, range: 2400..<3000)
        var generator = SeededGenerator(seed: 5)
        let model = RecurrentModel(RecurrentModelConfiguration(cell: cell, inputSize: 1, hiddenSize: 16), generator: &generator)
        let trainer = Trainer(model: model, configuration: TrainingConfiguration(
            epochs: 40, batchSize: 32, learningRate: 1e-2, schedule: .cosine(minimumFactor: 0.02), patience: 10, seed: 3))
        let summary = try trainer.fit(train: train, validation: validation)
        let loss = trainer.evaluate(validation)
        let floor = sigma * sigma
        print("\(cell): validation MSE \(loss), noise floor \(floor), ratio \(loss / floor) after \(summary.epochs.count) epochs (best \(summary.bestEpoch))")
        #expect(loss <= 1.2 * floor)
        #expect(abs(loss - summary.bestValidationLoss!) < 1e-9, "the model must end on the best epoch's weights")
    }

    @Test("the same seed gives identical weights after training; another seed does not")
    func deterministic() throws {
        let y = autoregressiveSine(count: 600, sigma: 0.2, seed: 2)
        let train = windows(y, steps: 10, range: 0..<500)
        func trained(seed: UInt64) throws -> [[Float]] {
            var generator = SeededGenerator(seed: 7)
            let model = RecurrentModel(RecurrentModelConfiguration(cell: .lstm, inputSize: 1, hiddenSize: 6, layers: 2, dropout: 0.2),
                                       generator: &generator)
            try Trainer(model: model, configuration: TrainingConfiguration(epochs: 3, batchSize: 16, seed: seed))
                .fit(train: train, validation: Optional<ArraySequenceDataset>.none)
            return model.snapshot()
        }
        let a = try trained(seed: 1), b = try trained(seed: 1), c = try trained(seed: 2)
        #expect(a == b)
        #expect(a != c)
    }

    @Test("a loss that stops being finite ends training with a clear error and keeps the last good weights")
    func nonFinite() throws {
        var inputs = [Float](repeating: 0.1, count: 40 * 5)
        inputs[7 * 5 + 2] = .infinity
        let data = ArraySequenceDataset(steps: 5, featureCount: 1, inputs: inputs, targets: [Float](repeating: 1, count: 40))
        var generator = SeededGenerator(seed: 1)
        let model = RecurrentModel(RecurrentModelConfiguration(cell: .gru, inputSize: 1, hiddenSize: 4), generator: &generator)
        let before = model.snapshot()
        do {
            try Trainer(model: model, configuration: TrainingConfiguration(epochs: 2, batchSize: 40, gradientClip: nil))
                .fit(train: data, validation: Optional<ArraySequenceDataset>.none)
            Issue.record("training on an infinite input should stop")
        } catch let error as TrainingError {
            #expect(error.description.contains("epoch 1, batch 1"))
            #expect(error.description.contains("fix:"))
        }
        #expect(model.snapshot() == before)
        #expect(model.parameters.allSatisfy { $0.value.array.allSatisfy(\.isFinite) })
    }

    @Test("early stopping stops after `patience` epochs without improvement and restores the best weights")
    func earlyStopping() throws {
        let y = autoregressiveSine(count: 500, sigma: 0.2, seed: 4)
        let train = windows(y, steps: 8, range: 0..<300)
        // A validation set the model cannot learn (its targets are noise), so it stops improving soon.
        var noise = SeededGenerator(seed: 8)
        let validation = ArraySequenceDataset(steps: 8, featureCount: 1, inputs: (0..<(100 * 8)).map { _ in Float(noise.nextNormal()) },
                                              targets: (0..<100).map { _ in Float(noise.nextNormal()) })
        var generator = SeededGenerator(seed: 1)
        let model = RecurrentModel(RecurrentModelConfiguration(cell: .lstm, inputSize: 1, hiddenSize: 8), generator: &generator)
        let trainer = Trainer(model: model, configuration: TrainingConfiguration(epochs: 60, batchSize: 16, learningRate: 3e-3, patience: 3))
        let summary = try trainer.fit(train: train, validation: validation)
        #expect(summary.stoppedEarly)
        #expect(summary.epochs.count == summary.bestEpoch + 3)
        #expect(abs(trainer.evaluate(validation) - summary.bestValidationLoss!) < 1e-9)
    }

    @Test("without validation every epoch runs and the model ends on the last epoch's weights; patience 0 stops nothing")
    func withoutValidation() throws {
        let y = autoregressiveSine(count: 400, sigma: 0.2, seed: 5)
        let train = windows(y, steps: 8, range: 0..<300)
        func fit(patience: Int?, validation: ArraySequenceDataset?) throws -> (TrainingSummary, [Float]) {
            var generator = SeededGenerator(seed: 1)
            let model = RecurrentModel(RecurrentModelConfiguration(cell: .gru, inputSize: 1, hiddenSize: 6), generator: &generator)
            let trainer = Trainer(model: model, configuration: TrainingConfiguration(epochs: 6, batchSize: 16, learningRate: 3e-3, patience: patience))
            let summary = try trainer.fit(train: train, validation: validation)
            return (summary, model.parameters.flatMap(\.value.array))
        }
        let (summary, weights) = try fit(patience: 2, validation: nil)
        #expect(summary.epochs.count == 6 && summary.bestEpoch == 6 && summary.epochs.allSatisfy(\.improved))
        // The same run for six epochs, stopped by hand: the same final weights.
        let (again, sameWeights) = try fit(patience: nil, validation: nil)
        #expect(again.bestEpoch == 6 && sameWeights == weights)
        let validation = windows(y, steps: 8, range: 300..<400)
        let (zero, _) = try fit(patience: 0, validation: validation)
        #expect(zero.epochs.count == 6 && !zero.stoppedEarly)
    }

    @Test("learning-rate schedules")
    func schedules() {
        #expect(LearningRateSchedule.constant.rate(base: 0.1, epoch: 5, epochs: 10) == 0.1)
        #expect(abs(LearningRateSchedule.cosine(minimumFactor: 0).rate(base: 1, epoch: 0, epochs: 11) - 1) < 1e-12)
        #expect(abs(LearningRateSchedule.cosine(minimumFactor: 0).rate(base: 1, epoch: 5, epochs: 11) - 0.5) < 1e-12)
        #expect(abs(LearningRateSchedule.cosine(minimumFactor: 0.1).rate(base: 1, epoch: 10, epochs: 11) - 0.1) < 1e-12)
        #expect(LearningRateSchedule.step(every: 3, factor: 0.5).rate(base: 1, epoch: 7, epochs: 10) == 0.25)
    }
}
