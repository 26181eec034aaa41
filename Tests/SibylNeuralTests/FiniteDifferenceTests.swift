import Foundation
import Testing
@testable import SibylKernels
@testable import SibylNeural

/// Analytic gradients against central finite differences of the loss, in float32 with a step
/// large enough to rise above rounding: every parameter tensor (sampled entries), the inputs, every
/// loss, and dropout with a fixed mask.
@Suite("Gradients against finite differences")
struct FiniteDifferenceTests {
    struct Case: CustomStringConvertible, Sendable {
        let cell: RecurrentCell
        let loss: Loss
        let layers: Int
        let dropout: Double
        /// H and B: past one 32-unit tile and one 8-row block, the fused steps' tiling shows.
        var hidden = 4, batch = 3
        var description: String { "\(cell) \(loss) L=\(layers) dropout=\(dropout) H=\(hidden) B=\(batch)" }
    }

    static let cases: [Case] = [
        Case(cell: .lstm, loss: .meanSquaredError, layers: 2, dropout: 0),
        Case(cell: .gru, loss: .meanSquaredError, layers: 2, dropout: 0),
        Case(cell: .lstm, loss: .huber(delta: 0.3), layers: 1, dropout: 0),
        Case(cell: .gru, loss: .huber(delta: 0.3), layers: 1, dropout: 0),
        Case(cell: .lstm, loss: .binaryCrossEntropy, layers: 1, dropout: 0),
        Case(cell: .gru, loss: .binaryCrossEntropy, layers: 2, dropout: 0),
        Case(cell: .lstm, loss: .meanSquaredError, layers: 3, dropout: 0.4),
        Case(cell: .gru, loss: .meanSquaredError, layers: 2, dropout: 0.4),
        Case(cell: .gru, loss: .meanSquaredError, layers: 2, dropout: 0, hidden: 37, batch: 11),
        Case(cell: .lstm, loss: .meanSquaredError, layers: 2, dropout: 0, hidden: 37, batch: 11),
    ]

    @Test("analytic gradients match central differences", arguments: cases)
    func gradients(_ testCase: Case) {
        let (f, h, t, b, o) = (3, testCase.hidden, 5, testCase.batch, 2)
        var generator = SeededGenerator(seed: 17)
        let model = RecurrentModel(RecurrentModelConfiguration(cell: testCase.cell, inputSize: f, hiddenSize: h,
                                                               layers: testCase.layers, dropout: testCase.dropout, outputSize: o),
                                   generator: &generator)
        let x = AlignedBuffer<Float>(count: t * b * f)
        generator.fillNormal(x.buffer)
        let targets = AlignedBuffer<Float>(count: b * o)
        if testCase.loss == .binaryCrossEntropy {
            for i in 0..<targets.count { targets[i] = generator.nextUniform() < 0.5 ? 0 : 1 }
        } else {
            generator.fillNormal(targets.buffer)
        }
        let gradient = AlignedBuffer<Float>(count: b * o)
        /// The loss with the same dropout mask every time (the generator restarts from one seed).
        func loss(computeGradient: Bool) -> Double {
            var maskGenerator = SeededGenerator(seed: 5)
            let prediction = withUnsafeMutablePointer(to: &maskGenerator) { pointer in
                model.forward(x.baseAddress, steps: t, batch: b, training: true, generator: testCase.dropout > 0 ? pointer : nil)
            }
            return testCase.loss.evaluate(predictions: prediction.baseAddress!, targets: targets.baseAddress, count: b * o,
                                          gradient: computeGradient ? gradient.baseAddress : nil)
        }
        _ = loss(computeGradient: true)
        model.zeroGradients()
        let inputGradient = model.backward(outputGradient: gradient.baseAddress, computeInputGradient: true)!
        let analyticInput = Array(UnsafeBufferPointer(start: inputGradient, count: x.count))

        let step: Float = 2e-3
        var worst = 0.0
        func check(_ buffer: AlignedBuffer<Float>, _ index: Int, analytic: Float) {
            let saved = buffer[index]
            buffer[index] = saved + step
            let up = loss(computeGradient: false)
            buffer[index] = saved - step
            let down = loss(computeGradient: false)
            buffer[index] = saved
            let numeric = (up - down) / (2 * Double(step))
            let error = abs(numeric - Double(analytic)) / max(1, abs(numeric))
            worst = max(worst, error)
        }
        for parameter in model.parameters {
            // Every entry of small tensors, a spread of entries of the larger ones.
            for index in stride(from: 0, to: parameter.count, by: max(1, parameter.count / 12)) {
                check(parameter.value, index, analytic: parameter.gradient[index])
            }
        }
        for index in stride(from: 0, to: x.count, by: 4) { check(x, index, analytic: analyticInput[index]) }
        print("\(testCase): largest finite-difference error \(worst)")
        #expect(worst < 2e-4)
    }

    @Test("each loss's gradient matches central differences in double precision", arguments: [
        Loss.meanSquaredError, .huber(delta: 1), .huber(delta: 0.2), .binaryCrossEntropy,
    ])
    func lossGradients(loss: Loss) {
        let predictions: [Float] = [-2.5, -0.3, 0, 0.15, 0.7, 3.2]
        let targets: [Float] = loss == .binaryCrossEntropy ? [0, 1, 1, 0, 1, 0] : [-2, 0.1, 0.5, 0.15, -0.2, 1]
        var gradient = [Float](repeating: 0, count: predictions.count)
        _ = loss.evaluate(predictions: predictions, targets: targets, count: predictions.count, gradient: &gradient)
        for i in predictions.indices {
            var up = predictions, down = predictions
            up[i] += 1e-3
            down[i] -= 1e-3
            let numeric = (loss.evaluate(predictions: up, targets: targets, count: up.count, gradient: nil)
                - loss.evaluate(predictions: down, targets: targets, count: down.count, gradient: nil)) / 2e-3
            #expect(abs(numeric - Double(gradient[i])) < 1e-4, "\(loss) at \(i): \(numeric) vs \(gradient[i])")
        }
    }
}
