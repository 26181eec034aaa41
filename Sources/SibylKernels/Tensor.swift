/// A dense, row-major array of scalars with a shape, stored in aligned memory, with value
/// semantics (copy-on-write).
///
/// `Tensor` is the type of model parameters, inputs and outputs at API boundaries. Reshaping
/// shares storage; the first mutation of shared storage copies it.
public struct Tensor<Scalar: TensorScalar> {
    /// Extent of each dimension, outermost first.
    public private(set) var shape: [Int]
    private var storage: AlignedBuffer<Scalar>

    /// Number of scalars: the product of the shape.
    public var count: Int { storage.count }

    /// A tensor of `shape` with every scalar set to `value`.
    public init(shape: [Int], repeating value: Scalar = 0) {
        self.shape = shape
        storage = AlignedBuffer(count: Self.elementCount(shape))
        if value != 0 { storage.fill(value) }
    }

    /// A tensor of `shape` holding `scalars` in row-major order.
    public init(shape: [Int], scalars: [Scalar]) {
        let expected = Self.elementCount(shape)
        precondition(scalars.count == expected,
                     "shape \(shape) holds \(expected) scalars but \(scalars.count) were given")
        self.shape = shape
        storage = AlignedBuffer(scalars)
    }

    /// A tensor that takes over `buffer` (no copy); the caller must not write `buffer` afterwards.
    public init(shape: [Int], taking buffer: AlignedBuffer<Scalar>) {
        precondition(Self.elementCount(shape) == buffer.count,
                     "shape \(shape) does not match a buffer of \(buffer.count) scalars")
        self.shape = shape
        storage = buffer
    }

    private static func elementCount(_ shape: [Int]) -> Int {
        precondition(shape.allSatisfy { $0 >= 0 }, "tensor shape must be non-negative, got \(shape)")
        return shape.reduce(1, *)
    }

    /// The scalars in row-major order.
    public var scalars: [Scalar] { storage.array }

    /// The same scalars under another shape with the same element count (no copy).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(Self.elementCount(newShape) == count, "cannot reshape \(shape) to \(newShape)")
        var result = self
        result.shape = newShape
        return result
    }

    private func flatIndex(_ indices: [Int]) -> Int {
        precondition(indices.count == shape.count, "\(indices.count) indices for a tensor of rank \(shape.count)")
        var flat = 0
        for (index, extent) in zip(indices, shape) {
            precondition(index >= 0 && index < extent, "index \(indices) outside shape \(shape)")
            flat = flat * extent + index
        }
        return flat
    }

    public subscript(indices: Int...) -> Scalar {
        get { storage.baseAddress[flatIndex(indices)] }
        set {
            makeUnique()
            storage.baseAddress[flatIndex(indices)] = newValue
        }
    }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            let copy = AlignedBuffer<Scalar>(count: storage.count)
            copy.baseAddress.update(from: storage.baseAddress, count: storage.count)
            storage = copy
        }
    }

    /// Calls `body` with the scalars in row-major order.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(storage.buffer))
    }

    /// Calls `body` with mutable access to the scalars, copying shared storage first.
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try body(storage.buffer)
    }
}

// Copy-on-write makes every `Tensor` value independent, as `Array` is.
extension Tensor: @unchecked Sendable {}

extension Tensor: Equatable {
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        lhs.shape == rhs.shape && lhs.withUnsafeBufferPointer { a in
            rhs.withUnsafeBufferPointer { b in a.elementsEqual(b) }
        }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor<\(Scalar.self)>(shape: \(shape), [\(preview)\(count > 8 ? ", …" : "")])"
    }
}
