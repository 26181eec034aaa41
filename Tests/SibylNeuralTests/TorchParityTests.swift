import Foundation
import Testing
@testable import SibylKernels
@testable import SibylNeural

/// Outputs, final states and every gradient against PyTorch (float64 references), to 1e-5.
@Suite("Parity with PyTorch")
struct TorchParityTests {
    static let tolerance = 1e-5

    func report(_ label: String, _ got: some Collection<Float>, _ expected: FixtureTensor) {
        let difference = largestDifference(got, expected.floats)
        print("\(label): largest difference \(difference)")
        #expect(difference <= Self.tolerance, "\(label)")
    }

    @Test("model: prediction, loss and every parameter's gradient for MSE on the head", arguments: RecurrentCell.allCases)
    func model(cell: RecurrentCell) throws {
        let fixture = try TorchFixture.load(cell)
        let model = fixture.makeModel()
        let x = AlignedBuffer<Float>(fixture.x.floats)
        let y = AlignedBuffer<Float>(fixture.y.floats)
        // The model keeps a pointer to x for backward, and returns pointers into its own buffers.
        defer { withExtendedLifetime((model, x, y)) {} }
        // Inference (scratch intermediates) first, then a training pass: both must match PyTorch.
        let inferred = Array(model.forward(x.baseAddress, steps: fixture.T, batch: fixture.B))
        let inferredStates = model.finalHiddenStates()
        report("\(cell) inference prediction", inferred, fixture.model.prediction)
        let prediction = model.forward(x.baseAddress, steps: fixture.T, batch: fixture.B, training: true)
        report("\(cell) prediction", prediction, fixture.model.prediction)
        #expect(Array(prediction) == inferred && model.finalHiddenStates() == inferredStates)
        report("\(cell) top-layer outputs", model.topOutputs(), fixture.model.output)
        let gradient = AlignedBuffer<Float>(count: fixture.B)
        let loss = Loss.meanSquaredError.evaluate(predictions: prediction.baseAddress!, targets: y.baseAddress,
                                                  count: fixture.B, gradient: gradient.baseAddress)
        #expect(abs(loss - fixture.model.loss) < 1e-6)
        model.zeroGradients()
        model.backward(outputGradient: gradient.baseAddress)
        for parameter in model.parameters {
            report("\(cell) d\(parameter.name)", parameter.gradient.array, fixture.model.gradients[parameter.name]!)
        }
    }

    @Test("layers: outputs, final states and gradients of x, h0, c0 and every weight under random upstream gradients",
          arguments: RecurrentCell.allCases)
    func layers(cell: RecurrentCell) throws {
        let fixture = try TorchFixture.load(cell)
        let (t, b, h) = (fixture.T, fixture.B, fixture.H)
        let layers = (0..<fixture.L).map {
            RecurrentLayer(cell: cell, inputSize: $0 == 0 ? fixture.F : h, hiddenSize: h, index: $0)
        }
        for layer in layers {
            for parameter in layer.parameters { parameter.load(fixture.weights[parameter.name]!.tensor) }
        }
        let x = AlignedBuffer<Float>(fixture.x.floats)
        let h0 = AlignedBuffer<Float>(fixture.h0.floats)
        let c0 = AlignedBuffer<Float>(fixture.c0?.floats ?? [])
        let bh = b * h
        // Forward through both layers with the fixture's initial states.
        for (index, layer) in layers.enumerated() {
            let input = index == 0 ? UnsafePointer(x.baseAddress) : UnsafePointer(layers[index - 1].outputs)
            layer.forward(input, steps: t, batch: b, initialHidden: h0.baseAddress + index * bh,
                          initialCell: cell == .lstm ? UnsafePointer(c0.baseAddress + index * bh) : nil)
        }
        report("\(cell) layer output", UnsafeBufferPointer(start: layers[1].outputs, count: t * bh), fixture.layer.output)
        let finalHidden = layers.flatMap { Array(UnsafeBufferPointer(start: $0.finalHidden, count: bh)) }
        report("\(cell) h_n", finalHidden, fixture.layer.h_n)
        if cell == .lstm {
            let finalCell = layers.flatMap { Array(UnsafeBufferPointer(start: $0.finalCell, count: bh)) }
            report("\(cell) c_n", finalCell, fixture.layer.c_n!)
        }
        // Backward: the top layer gets R on every output, each layer Rh (and Rc) on its final state.
        let r = AlignedBuffer<Float>(fixture.layer.R.floats)
        let rh = AlignedBuffer<Float>(fixture.layer.Rh.floats)
        let rc = AlignedBuffer<Float>(fixture.layer.Rc?.floats ?? [])
        // Every pointer below is read after the last use of the buffer or layer that owns it, which an
        // optimized build may already have released.
        defer { withExtendedLifetime((layers, x, h0, c0, r, rh, rc)) {} }
        var upstream = UnsafePointer(r.baseAddress)
        var initialGradients: [(hidden: [Float], cell: [Float]?)] = Array(repeating: ([], nil), count: layers.count)
        for index in stride(from: layers.count - 1, through: 0, by: -1) {
            let layer = layers[index]
            let input = index == 0 ? UnsafePointer(x.baseAddress) : UnsafePointer(layers[index - 1].outputs)
            let result = layer.backward(input: input, outputGradient: upstream, finalHiddenGradient: rh.baseAddress + index * bh,
                                        finalCellGradient: cell == .lstm ? UnsafePointer(rc.baseAddress + index * bh) : nil,
                                        computeInputGradient: true)
            initialGradients[index] = (Array(UnsafeBufferPointer(start: result.hidden, count: bh)),
                                       result.cell.map { Array(UnsafeBufferPointer(start: $0, count: bh)) })
            upstream = UnsafePointer(layer.inputGradient.baseAddress)
        }
        for layer in layers {
            for parameter in layer.parameters {
                report("\(cell) layer d\(parameter.name)", parameter.gradient.array, fixture.layer.gradients[parameter.name]!)
            }
        }
        report("\(cell) dx", UnsafeBufferPointer(start: layers[0].inputGradient.baseAddress, count: t * b * fixture.F), fixture.layer.gradients["x"]!)
        report("\(cell) dh0", initialGradients.flatMap(\.hidden), fixture.layer.gradients["h0"]!)
        if cell == .lstm {
            report("\(cell) dc0", initialGradients.flatMap { $0.cell! }, fixture.layer.gradients["c0"]!)
        }
    }
}

@Suite("Threads")
struct ThreadingTests {
    /// H = 340 makes weights that two threads pack in two parts, forward and backward.
    @Test("two threads give the same predictions and gradients as one", arguments: RecurrentCell.allCases, [37, 340])
    func twoThreadsMatchOne(cell: RecurrentCell, hidden: Int) {
        let (f, h, t, b) = (6, hidden, hidden > 100 ? 3 : 9, 13)
        func run(threads: Int) -> ([Float], [[Float]]) {
            var generator = SeededGenerator(seed: 3)
            let model = RecurrentModel(RecurrentModelConfiguration(cell: cell, inputSize: f, hiddenSize: h, layers: 2), generator: &generator)
            model.threads = threads
            // Split however small the work, so that the small model runs on two threads too.
            for layer in model.layers { layer.minimumWorkPerRowToSplit = 0 }
            let x = AlignedBuffer<Float>(count: t * b * f)
            generator.fillNormal(x.buffer)
            let prediction = Array(model.forward(x.baseAddress, steps: t, batch: b, training: true))
            let dy = AlignedBuffer<Float>((0..<b).map { Float($0) / 10 - 0.5 })
            defer { withExtendedLifetime((x, dy)) {} }  // backward reads x through the model's pointer
            model.zeroGradients()
            model.backward(outputGradient: dy.baseAddress, computeInputGradient: true)
            return (prediction, model.parameters.map(\.gradient.array))
        }
        let (p1, g1) = run(threads: 1)
        let (p2, g2) = run(threads: 2)
        let worst = max(largestDifference(p1, p2), zip(g1, g2).map { largestDifference($0, $1) }.max()!)
        print("\(cell) H=\(h): one thread vs two, largest difference \(worst)")
        #expect(worst < 1e-6)
    }

    @Test("a model too small to gain from threads runs on one, whatever it is given; a larger one on all")
    func smallModelsRunOnOneThread() {
        var generator = SeededGenerator(seed: 5)
        for (hidden, steps, expected) in [(4, 16, 1), (8, 64, 1), (64, 64, 2), (32, 30, 2)] {
            let model = RecurrentModel(RecurrentModelConfiguration(cell: .lstm, inputSize: 5, hiddenSize: hidden), generator: &generator)
            model.threads = 2
            let x = AlignedBuffer<Float>(count: steps * 16 * 5)
            _ = model.forward(x.baseAddress, steps: steps, batch: 16, training: true)
            #expect(model.layers[0].threadsInUse == expected, "H=\(hidden) T=\(steps)")
            // The setting itself is kept for a later, larger pass.
            #expect(model.layers[0].threads == 2)
        }
    }
}

@Suite("Workspace reuse")
struct WorkspaceReuseTests {
    /// Predictions, every parameter gradient and dL/dx of one training step on (T, B), with dropout
    /// masks drawn from a generator seeded alike for every call.
    static func step(_ model: RecurrentModel, f: Int, t: Int, b: Int) -> [[Float]] {
        var data = SeededGenerator(seed: UInt64(100 * t + b))
        let x = AlignedBuffer<Float>(count: t * b * f)
        data.fillNormal(x.buffer)
        let dy = AlignedBuffer<Float>(count: b)
        data.fillNormal(dy.buffer)
        defer { withExtendedLifetime((x, dy)) {} }  // backward reads x through the model's pointer
        var masks = SeededGenerator(seed: 9)
        let prediction = Array(model.forward(x.baseAddress, steps: t, batch: b, training: true, generator: &masks))
        model.zeroGradients()
        let dx = model.backward(outputGradient: dy.baseAddress, computeInputGradient: true)!
        return [prediction, Array(UnsafeBufferPointer(start: dx, count: t * b * f))] + model.parameters.map(\.gradient.array)
    }

    @Test("a model run on larger, then smaller, then larger batches and sequences, with inference passes between, gives what a fresh model gives",
          arguments: RecurrentCell.allCases, [1, 2])
    func reuseMatchesFresh(cell: RecurrentCell, threads: Int) {
        let (f, h) = (5, 33)
        func model() -> RecurrentModel {
            var generator = SeededGenerator(seed: 4)
            let model = RecurrentModel(RecurrentModelConfiguration(cell: cell, inputSize: f, hiddenSize: h, layers: 2, dropout: 0.25),
                                       generator: &generator)
            model.threads = threads
            return model
        }
        let reused = model()
        var worst = 0.0
        for (t, b) in [(11, 17), (6, 5), (3, 17), (13, 21)] {
            // An inference pass of another size in between, as validation and prediction do.
            let other = AlignedBuffer<Float>(count: (t + 2) * (b + 3) * f)
            _ = reused.forward(other.baseAddress, steps: t + 2, batch: b + 3)
            let again = Self.step(reused, f: f, t: t, b: b)
            let fresh = Self.step(model(), f: f, t: t, b: b)
            #expect(again.map(\.count) == fresh.map(\.count))
            worst = max(worst, zip(again, fresh).map { largestDifference($0, $1) }.max()!)
        }
        print("\(cell), \(threads) thread(s): reused vs fresh model, largest difference \(worst)")
        #expect(worst == 0)
    }
}
