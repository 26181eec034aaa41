import Foundation
import SibylKernels

/// The shape of a recurrent model: L stacked LSTM or GRU layers of H units over F inputs, and a
/// dense head mapping the top layer's last hidden state to O outputs.
public struct RecurrentModelConfiguration: Sendable, Equatable, Codable {
    public var cell: RecurrentCell
    /// F.
    public var inputSize: Int
    /// H.
    public var hiddenSize: Int
    /// L.
    public var layers: Int
    /// Probability of zeroing each output of a layer below the top one while training (PyTorch's
    /// `dropout` argument of `nn.LSTM`).
    public var dropout: Double
    /// O.
    public var outputSize: Int

    public init(cell: RecurrentCell, inputSize: Int, hiddenSize: Int, layers: Int = 1, dropout: Double = 0, outputSize: Int = 1) {
        precondition(inputSize >= 1 && hiddenSize >= 1 && layers >= 1 && outputSize >= 1, "model sizes must be positive")
        precondition(dropout >= 0 && dropout < 1, "dropout must lie in [0, 1)")
        self.cell = cell
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.dropout = dropout
        self.outputSize = outputSize
    }

    /// About the bytes training holds for the weights: the weights, their gradients, Adam's two
    /// moments and the packed copies the passes read, six floats per parameter (inputs counted as
    /// at least H wide).
    public var trainingWeightBytes: Double {
        24 * Double(layers * cell.gateCount * hiddenSize) * Double(max(inputSize, hiddenSize) + hiddenSize + 2)
    }

    /// About the bytes backpropagation through time keeps for `steps` × `batch` rows: every step's
    /// gates, states and their gradients, 2·((2G + 3)·H + 2F) floats for each row and layer
    /// (measured, LSTM H=64 T=512 B=1024: 3.2 GB resident against 3.1 estimated).
    public func activationBytes(steps: Int, batch: Int) -> Double {
        8 * Double(steps) * Double(batch) * Double(layers) * Double((2 * cell.gateCount + 3) * hiddenSize + 2 * inputSize)
    }
}

/// How the weights start.
public enum WeightInitialization: String, Sendable, Codable, CaseIterable {
    /// PyTorch's defaults: every recurrent parameter U(−1/√H, 1/√H); the head's weight and bias
    /// U(−1/√I, 1/√I).
    case pytorch
    /// Glorot/Xavier uniform weights, U(±√(6 / (fan_in + fan_out))) over each whole matrix; zero biases.
    case xavier
    /// Xavier input weights, orthogonal recurrent weights (each gate's H×H block), zero biases.
    case orthogonal
}

/// Stacked LSTM or GRU layers with a dense head on the last step: y = head(h_T of the top layer).
///
/// Dimensions: T steps, B batch, F inputs, H hidden, L layers, O outputs. Inputs are time-major
/// (T, B, F). Parameters carry PyTorch's state-dict names (`weight_ih_l0`, …, `head.weight`,
/// `head.bias`), so a checkpoint moves between Sibyl and `torch.nn.LSTM`/`GRU` + `nn.Linear`.
public final class RecurrentModel {
    public let configuration: RecurrentModelConfiguration
    let layers: [RecurrentLayer]
    let head: Dense
    /// (T, B, H) per layer below the top: the dropout mask of the last training forward, already
    /// scaled by 1/(1 − p), and the masked outputs the next layer read.
    private var dropoutMasks: [AlignedBuffer<Float>] = []
    private var droppedOutputs: [AlignedBuffer<Float>] = []
    private var dropoutActive = false
    private var lastInput: UnsafePointer<Float>?
    private var training = false
    private var steps = 0
    private var batch = 0

    /// Every parameter, in state-dict order.
    public let parameters: [Parameter]

    /// Threads a forward or backward pass uses. The passes split their work themselves (batch
    /// rows for the recurrence, output rows for the large products) on Sibyl's own kernels; only
    /// the dense head's small products call OpenBLAS, held at one thread during a pass.
    public var threads = 1 {
        didSet {
            precondition(threads >= 1, "a model needs at least one thread")
            for layer in layers { layer.threads = threads }
        }
    }

    /// Runs `body` with OpenBLAS (the head's products) on one thread, since the passes split work
    /// among threads themselves.
    private func withSingleThreadedBLAS<R>(_ body: () -> R) -> R {
        let saved = OpenBLAS.threadCount
        if saved != 1 { OpenBLAS.threadCount = 1 }
        defer { if saved != 1 { OpenBLAS.threadCount = saved } }
        return body()
    }

    public init(_ configuration: RecurrentModelConfiguration, initialization: WeightInitialization = .pytorch,
                generator: inout SeededGenerator) {
        self.configuration = configuration
        layers = (0..<configuration.layers).map {
            RecurrentLayer(cell: configuration.cell, inputSize: $0 == 0 ? configuration.inputSize : configuration.hiddenSize,
                           hiddenSize: configuration.hiddenSize, index: $0)
        }
        head = Dense(inputSize: configuration.hiddenSize, outputSize: configuration.outputSize, prefix: "head")
        parameters = layers.flatMap(\.parameters) + head.parameters
        initialize(initialization, generator: &generator)
    }

    /// Number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    // MARK: - Initialization

    private func initialize(_ scheme: WeightInitialization, generator: inout SeededGenerator) {
        let h = configuration.hiddenSize
        switch scheme {
        case .pytorch:
            let bound = Float(1 / Double(h).squareRoot())
            for layer in layers {
                for parameter in layer.parameters { generator.fillUniform(parameter.value.buffer, lower: -bound, upper: bound) }
            }
        case .xavier, .orthogonal:
            for layer in layers {
                for weight in [layer.weightIH, layer.weightHH] {
                    let (fanOut, fanIn) = (weight.shape[0], weight.shape[1])
                    let bound = Float((6 / Double(fanIn + fanOut)).squareRoot())
                    generator.fillUniform(weight.value.buffer, lower: -bound, upper: bound)
                }
                if scheme == .orthogonal {
                    for gate in 0..<configuration.cell.gateCount {
                        let block = Self.orthogonalMatrix(h, generator: &generator)
                        (layer.weightHH.value.baseAddress + gate * h * h).update(from: block, count: h * h)
                    }
                }
                layer.biasIH.value.fill(0)
                layer.biasHH.value.fill(0)
            }
        }
        let headBound = Float(1 / Double(h).squareRoot())
        generator.fillUniform(head.weight.value.buffer, lower: -headBound, upper: headBound)
        generator.fillUniform(head.bias.value.buffer, lower: -headBound, upper: headBound)
    }

    /// An n×n orthogonal matrix (row-major): Gram–Schmidt on normal draws, in Double.
    static func orthogonalMatrix(_ n: Int, generator: inout SeededGenerator) -> [Float] {
        var rows: [[Double]] = []
        while rows.count < n {
            var v = (0..<n).map { _ in generator.nextNormal() }
            // Twice, for numerical orthogonality.
            for _ in 0..<2 {
                for u in rows {
                    let projection = zip(u, v).reduce(0) { $0 + $1.0 * $1.1 }
                    for i in 0..<n { v[i] -= projection * u[i] }
                }
            }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 1e-8 { rows.append(v.map { $0 / norm }) }
        }
        return rows.flatMap { $0.map(Float.init) }
    }

    // MARK: - Forward and backward

    /// Predictions for a batch of sequences.
    ///
    /// - Parameters:
    ///   - input: (T, B, F), time-major; must stay valid until `backward` when training.
    ///   - training: Keep what `backward` needs (otherwise each step's intermediates stay in
    ///     per-thread scratch, which is faster), and apply dropout when a generator is given.
    ///   - generator: Draws the dropout masks while training.
    /// - Returns: (B, O) predictions, valid until the next call.
    public func forward(_ input: UnsafePointer<Float>, steps: Int, batch: Int, training: Bool = false,
                        generator: UnsafeMutablePointer<SeededGenerator>? = nil) -> UnsafeBufferPointer<Float> {
        precondition(steps >= 1 && batch >= 1, "a forward pass needs at least one step and one sequence")
        self.steps = steps
        self.batch = batch
        lastInput = input
        let p = configuration.dropout
        dropoutActive = training && generator != nil && p > 0 && layers.count > 1
        self.training = training
        let slab = steps * batch * configuration.hiddenSize
        // Grown, never shrunk: a smaller batch uses the first `slab` floats.
        if dropoutActive && (dropoutMasks.count != layers.count - 1 || dropoutMasks[0].count < slab) {
            dropoutMasks = (1..<layers.count).map { _ in AlignedBuffer(count: slab) }
            droppedOutputs = (1..<layers.count).map { _ in AlignedBuffer(count: slab) }
        }
        return withSingleThreadedBLAS { runForward(input, generator: generator) }
    }

    private func runForward(_ input: UnsafePointer<Float>, generator: UnsafeMutablePointer<SeededGenerator>?) -> UnsafeBufferPointer<Float> {
        let p = configuration.dropout
        let slab = steps * batch * configuration.hiddenSize
        var x = input
        for (index, layer) in layers.enumerated() {
            layer.forward(x, steps: steps, batch: batch, keepHistory: training)
            x = UnsafePointer(layer.outputs)
            if dropoutActive, index < layers.count - 1, let generator {
                // Inverted dropout: keep with probability 1 − p and scale by 1/(1 − p).
                let mask = dropoutMasks[index], dropped = droppedOutputs[index]
                let scale = Float(1 / (1 - p))
                for i in 0..<slab { mask[i] = generator.pointee.nextUniform() < p ? 0 : scale }
                VectorMath.multiply(UnsafeBufferPointer(start: x, count: slab), UnsafeBufferPointer(start: mask.baseAddress, count: slab),
                                    into: UnsafeMutableBufferPointer(start: dropped.baseAddress, count: slab))
                x = UnsafePointer(dropped.baseAddress)
            }
        }
        head.forward(layers[layers.count - 1].finalHidden, batch: batch)
        return UnsafeBufferPointer(head.output.buffer)
    }

    /// Backpropagates dL/dy (B, O) of the last `forward`, adding into every parameter's gradient.
    ///
    /// - Parameter computeInputGradient: Also compute dL/dx (T, B, F), returned.
    @discardableResult
    public func backward(outputGradient: UnsafePointer<Float>, computeInputGradient: Bool = false) -> UnsafePointer<Float>? {
        guard let input = lastInput, training else { preconditionFailure("backward needs a training forward pass first") }
        return withSingleThreadedBLAS { runBackward(input: input, outputGradient: outputGradient, computeInputGradient: computeInputGradient) }
    }

    private func runBackward(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, computeInputGradient: Bool) -> UnsafePointer<Float>? {
        let top = layers[layers.count - 1]
        head.backward(top.finalHidden, outputGradient: outputGradient)
        var upstream: UnsafePointer<Float>? = nil
        var finalHidden: UnsafePointer<Float>? = UnsafePointer(head.inputGradient.baseAddress)
        let slab = steps * batch * configuration.hiddenSize
        for index in stride(from: layers.count - 1, through: 0, by: -1) {
            let layer = layers[index]
            let below: UnsafePointer<Float>
            if index == 0 {
                below = input
            } else {
                below = dropoutActive ? UnsafePointer(droppedOutputs[index - 1].baseAddress) : UnsafePointer(layers[index - 1].outputs)
            }
            let needInput = index > 0 || computeInputGradient
            layer.backward(input: below, outputGradient: upstream, finalHiddenGradient: finalHidden, computeInputGradient: needInput)
            finalHidden = nil
            if index > 0 {
                // dL/dx of this layer, (T, B, H): the upstream gradient of the layer below.
                let gradient = UnsafeMutableBufferPointer(start: layer.inputGradient.baseAddress, count: slab)
                if dropoutActive {
                    let mask = UnsafeBufferPointer(start: dropoutMasks[index - 1].baseAddress, count: slab)
                    VectorMath.multiply(UnsafeBufferPointer(gradient), mask, into: gradient)
                }
                upstream = UnsafePointer(gradient.baseAddress)
            }
        }
        return computeInputGradient ? UnsafePointer(layers[0].inputGradient.baseAddress) : nil
    }

    /// Sets every gradient to zero.
    public func zeroGradients() {
        for parameter in parameters { parameter.gradient.fill(0) }
    }

    /// The final hidden state of each layer after the last forward: L buffers of (B, H).
    public func finalHiddenStates() -> [[Float]] {
        layers.map { Array(UnsafeBufferPointer(start: $0.finalHidden, count: batch * configuration.hiddenSize)) }
    }

    /// The top layer's outputs h_1 … h_T after the last forward, (T, B, H).
    public func topOutputs() -> [Float] {
        Array(UnsafeBufferPointer(start: layers[layers.count - 1].outputs, count: steps * batch * configuration.hiddenSize))
    }

    /// A copy of every parameter's values, in `parameters` order.
    public func snapshot() -> [[Float]] { parameters.map(\.value.array) }

    /// Restores values saved by `snapshot()`.
    public func restore(_ snapshot: [[Float]]) {
        precondition(snapshot.count == parameters.count, "snapshot holds \(snapshot.count) tensors, the model \(parameters.count)")
        for (parameter, values) in zip(parameters, snapshot) {
            precondition(values.count == parameter.count, "\(parameter.name): snapshot size differs")
            parameter.value.baseAddress.update(from: values, count: values.count)
        }
    }
}
