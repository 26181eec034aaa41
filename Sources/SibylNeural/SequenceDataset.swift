/// Samples a trainer can batch: sequences of T steps of F features, each with O targets.
///
/// SibylNeural knows nothing of markets; forecasting code adapts its windows to this.
public protocol SequenceDataset {
    /// Number of samples.
    var count: Int { get }
    /// T.
    var steps: Int { get }
    /// F.
    var featureCount: Int { get }
    /// O.
    var targetCount: Int { get }
    /// Copies the samples at `indices` into `inputs` (T, B, F), time-major, and their targets into
    /// `targets` (B, O), B = indices.count.
    func fill(indices: ArraySlice<Int>, inputs: UnsafeMutablePointer<Float>, targets: UnsafeMutablePointer<Float>)
}

/// An in-memory dataset: samples stored one after another, (N, T, F) inputs and (N, O) targets.
public struct ArraySequenceDataset: SequenceDataset, Sendable {
    public let steps: Int
    public let featureCount: Int
    public let targetCount: Int
    /// (N, T, F), sample-major.
    public let inputs: [Float]
    /// (N, O).
    public let targets: [Float]

    public init(steps: Int, featureCount: Int, targetCount: Int = 1, inputs: [Float], targets: [Float]) {
        precondition(steps >= 1 && featureCount >= 1 && targetCount >= 1, "dataset sizes must be positive")
        precondition(inputs.count % (steps * featureCount) == 0, "inputs are not a whole number of samples")
        precondition(targets.count == inputs.count / (steps * featureCount) * targetCount, "one target row per sample")
        self.steps = steps
        self.featureCount = featureCount
        self.targetCount = targetCount
        self.inputs = inputs
        self.targets = targets
    }

    public var count: Int { inputs.count / (steps * featureCount) }

    public func fill(indices: ArraySlice<Int>, inputs output: UnsafeMutablePointer<Float>, targets targetOutput: UnsafeMutablePointer<Float>) {
        let batch = indices.count
        for (b, sample) in indices.enumerated() {
            for step in 0..<steps {
                for f in 0..<featureCount {
                    output[(step * batch + b) * featureCount + f] = inputs[(sample * steps + step) * featureCount + f]
                }
            }
            for o in 0..<targetCount { targetOutput[b * targetCount + o] = targets[sample * targetCount + o] }
        }
    }
}
