#if canImport(Glibc)
import Glibc
#endif

/// The floating-point types Sibyl stores in tensors: Float32 for models and kernels, Float64 where
/// money or long accumulations need it.
public protocol TensorScalar: BinaryFloatingPoint, Sendable {}

extension Float: TensorScalar {}
extension Double: TensorScalar {}

/// A fixed-size block of scalars, aligned to 64 bytes and zero-initialized, with reference
/// semantics.
///
/// This is the workspace type of the hot paths: layers keep their activations, caches and
/// gradients in `AlignedBuffer`s, and kernels read and write them through `baseAddress` or through
/// ``MatrixView``s, without copies. For a value type with copy-on-write, use ``Tensor``.
public final class AlignedBuffer<Scalar: TensorScalar> {
    /// Byte alignment of every buffer: one cache line, and enough for AVX-512 loads and for FFTW's
    /// SIMD code paths.
    public static var alignment: Int { 64 }

    /// Number of scalars.
    public let count: Int
    /// Address of the first scalar; valid for the lifetime of the buffer.
    public let baseAddress: UnsafeMutablePointer<Scalar>

    /// Buffers of at least this many bytes are placed on 2 MiB boundaries and asked for
    /// transparent huge pages, where the system offers them on request (Linux, THP in `madvise`
    /// mode): the recurrent layers' histories are tens of MB read at strides of a few KB, where
    /// 4 KiB pages cost a TLB miss per row.
    static var hugePageThreshold: Int { 2 << 20 }

    /// Allocates `count` scalars set to zero.
    public init(count: Int) {
        precondition(count >= 0, "AlignedBuffer count must be non-negative, got \(count)")
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Scalar>.stride
        let huge = bytes >= Self.hugePageThreshold
        let byteCount = huge ? (bytes + Self.hugePageThreshold - 1) / Self.hugePageThreshold * Self.hugePageThreshold : bytes
        let raw = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: huge ? Self.hugePageThreshold : Self.alignment)
        #if canImport(Glibc)
        // Advice before the first touch, so the zero fill below faults in huge pages. A refusal
        // (THP off) changes nothing but speed.
        if huge { _ = madvise(raw, byteCount, MADV_HUGEPAGE) }
        #endif
        // All-zero bytes are +0.0 in both Float and Double; a byte fill runs as memset, where a
        // generic element loop would go through the value witness per element.
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        baseAddress = raw.bindMemory(to: Scalar.self, capacity: max(count, 1))
    }

    /// Allocates a buffer holding a copy of `scalars`.
    public convenience init(_ scalars: some Collection<Scalar>) {
        self.init(count: scalars.count)
        _ = UnsafeMutableBufferPointer(start: baseAddress, count: count).initialize(from: scalars)
    }

    deinit {
        baseAddress.deallocate()
    }

    public subscript(index: Int) -> Scalar {
        get {
            precondition(index >= 0 && index < count, "index \(index) out of range 0..<\(count)")
            return baseAddress[index]
        }
        set {
            precondition(index >= 0 && index < count, "index \(index) out of range 0..<\(count)")
            baseAddress[index] = newValue
        }
    }

    /// The whole buffer as a mutable buffer pointer.
    public var buffer: UnsafeMutableBufferPointer<Scalar> {
        UnsafeMutableBufferPointer(start: baseAddress, count: count)
    }

    /// Sets every scalar to `value`.
    public func fill(_ value: Scalar) {
        #if canImport(Glibc)
        // +0.0 is all-zero bytes: memset, rather than a generic loop that goes through the value
        // witness per element (optimizers clear every gradient once per step).
        if value == 0, value.sign == .plus {
            memset(baseAddress, 0, count * MemoryLayout<Scalar>.stride)
            return
        }
        #endif
        baseAddress.update(repeating: value, count: count)
    }

    /// A copy of the contents as an array.
    public var array: [Scalar] { Array(buffer) }

    /// A row-major matrix window onto this buffer, without a copy.
    ///
    /// - Parameters:
    ///   - rows: Number of rows.
    ///   - cols: Number of columns.
    ///   - offset: Index of the first element of the first row.
    ///   - rowStride: Distance between consecutive rows, in scalars; `cols` when omitted.
    public func matrix(rows: Int, cols: Int, offset: Int = 0, rowStride: Int? = nil) -> MatrixView<Scalar> {
        MatrixView(buffer: self, offset: offset, rows: rows, cols: cols, rowStride: rowStride ?? cols)
    }
}

/// A row-major matrix window (rows × cols, with a row stride) onto an ``AlignedBuffer``.
///
/// Views share the buffer's memory: writing through a view writes the buffer. A view keeps its
/// buffer alive.
public struct MatrixView<Scalar: TensorScalar> {
    public let buffer: AlignedBuffer<Scalar>
    public let offset: Int
    public let rows: Int
    public let cols: Int
    public let rowStride: Int

    public init(buffer: AlignedBuffer<Scalar>, offset: Int, rows: Int, cols: Int, rowStride: Int) {
        precondition(rows >= 0 && cols >= 0, "matrix dimensions must be non-negative: \(rows)×\(cols)")
        precondition(rowStride >= max(cols, 1), "row stride \(rowStride) is smaller than the \(cols) columns")
        precondition(offset >= 0, "matrix offset must be non-negative, got \(offset)")
        let lastIndex = rows == 0 || cols == 0 ? offset : offset + (rows - 1) * rowStride + cols
        precondition(lastIndex <= buffer.count,
                     "a \(rows)×\(cols) view at offset \(offset) with stride \(rowStride) exceeds the buffer of \(buffer.count)")
        self.buffer = buffer
        self.offset = offset
        self.rows = rows
        self.cols = cols
        self.rowStride = rowStride
    }

    /// Address of element (0, 0).
    public var pointer: UnsafeMutablePointer<Scalar> { buffer.baseAddress + offset }

    public subscript(row: Int, col: Int) -> Scalar {
        get {
            precondition(row >= 0 && row < rows && col >= 0 && col < cols, "(\(row), \(col)) outside \(rows)×\(cols)")
            return pointer[row * rowStride + col]
        }
        nonmutating set {
            precondition(row >= 0 && row < rows && col >= 0 && col < cols, "(\(row), \(col)) outside \(rows)×\(cols)")
            pointer[row * rowStride + col] = newValue
        }
    }
}
