import SibylKernels

/// A trainable tensor: its values, the gradient accumulated for it, and its PyTorch state-dict
/// name and shape, so that checkpoints load into `torch.nn.LSTM`/`GRU` and back.
public final class Parameter {
    /// State-dict name, for example `weight_ih_l0` or `head.weight`.
    public let name: String
    /// Shape as PyTorch stores it, for example (4H, F) for an LSTM's `weight_ih_l0`.
    public let shape: [Int]
    public let value: AlignedBuffer<Float>
    /// Gradient of the loss with respect to `value`; backward passes add into it.
    public let gradient: AlignedBuffer<Float>

    public var count: Int { value.count }

    public init(name: String, shape: [Int]) {
        self.name = name
        self.shape = shape
        let count = shape.reduce(1, *)
        value = AlignedBuffer(count: count)
        gradient = AlignedBuffer(count: count)
    }

    /// The values as a tensor (a copy).
    public var tensor: Tensor<Float> { Tensor(shape: shape, scalars: value.array) }

    /// Overwrites the values; the shape must match.
    public func load(_ tensor: Tensor<Float>) {
        precondition(tensor.shape == shape, "\(name): shape \(tensor.shape) does not match \(shape)")
        tensor.withUnsafeBufferPointer { value.baseAddress.update(from: $0.baseAddress!, count: count) }
    }
}
