import CBLAS

/// Whether a GEMM/GEMV operand is used as stored or transposed.
public enum Transpose: Sendable {
    case none
    case transposed

    var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// Scalars that CBLAS multiplies: `Float` (sgemm) and `Double` (dgemm).
public protocol BLASScalar: TensorScalar {
    /// Row-major `C ← alpha·op(A)·op(B) + beta·C` through CBLAS.
    static func cblasGemm(
        _ transA: Transpose, _ transB: Transpose, m: Int32, n: Int32, k: Int32,
        alpha: Self, a: UnsafePointer<Self>, lda: Int32, b: UnsafePointer<Self>, ldb: Int32,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int32)
    /// Row-major `y ← alpha·op(A)·x + beta·y` through CBLAS.
    static func cblasGemv(
        _ transA: Transpose, m: Int32, n: Int32, alpha: Self, a: UnsafePointer<Self>, lda: Int32,
        x: UnsafePointer<Self>, incX: Int32, beta: Self, y: UnsafeMutablePointer<Self>, incY: Int32)
}

extension Float: BLASScalar {
    public static func cblasGemm(
        _ transA: Transpose, _ transB: Transpose, m: Int32, n: Int32, k: Int32,
        alpha: Float, a: UnsafePointer<Float>, lda: Int32, b: UnsafePointer<Float>, ldb: Int32,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int32
    ) {
        cblas_sgemm(CblasRowMajor, transA.cblas, transB.cblas, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    public static func cblasGemv(
        _ transA: Transpose, m: Int32, n: Int32, alpha: Float, a: UnsafePointer<Float>, lda: Int32,
        x: UnsafePointer<Float>, incX: Int32, beta: Float, y: UnsafeMutablePointer<Float>, incY: Int32
    ) {
        cblas_sgemv(CblasRowMajor, transA.cblas, m, n, alpha, a, lda, x, incX, beta, y, incY)
    }
}

extension Double: BLASScalar {
    public static func cblasGemm(
        _ transA: Transpose, _ transB: Transpose, m: Int32, n: Int32, k: Int32,
        alpha: Double, a: UnsafePointer<Double>, lda: Int32, b: UnsafePointer<Double>, ldb: Int32,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int32
    ) {
        cblas_dgemm(CblasRowMajor, transA.cblas, transB.cblas, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    public static func cblasGemv(
        _ transA: Transpose, m: Int32, n: Int32, alpha: Double, a: UnsafePointer<Double>, lda: Int32,
        x: UnsafePointer<Double>, incX: Int32, beta: Double, y: UnsafeMutablePointer<Double>, incY: Int32
    ) {
        cblas_dgemv(CblasRowMajor, transA.cblas, m, n, alpha, a, lda, x, incX, beta, y, incY)
    }
}

/// Dense linear algebra over OpenBLAS, row-major throughout.
///
/// Dimensions follow BLAS: op(A) is M×K, op(B) is K×N, C is M×N; `lda`, `ldb`, `ldc` are the row
/// strides of the matrices as stored. ``ReferenceBLAS`` holds naive loops with the same signatures,
/// against which the tests check these.
public enum BLAS {
    /// `C ← alpha·op(A)·op(B) + beta·C`.
    ///
    /// - Parameters:
    ///   - transA: Whether A is stored as M×K (`.none`) or K×M (`.transposed`).
    ///   - transB: Whether B is stored as K×N (`.none`) or N×K (`.transposed`).
    ///   - m: Rows of op(A) and C.
    ///   - n: Columns of op(B) and C.
    ///   - k: Columns of op(A), rows of op(B).
    ///   - beta: Weight of the existing C; with 0, C is only written (NaNs in it do not propagate).
    @inlinable
    public static func gemm<Scalar: BLASScalar>(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Scalar = 1, a: UnsafePointer<Scalar>, lda: Int, b: UnsafePointer<Scalar>, ldb: Int,
        beta: Scalar = 0, c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        checkGemm(transA, transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
        if m == 0 || n == 0 { return }
        Scalar.cblasGemm(transA, transB, m: Int32(m), n: Int32(n), k: Int32(k), alpha: alpha,
                         a: a, lda: Int32(lda), b: b, ldb: Int32(ldb), beta: beta, c: c, ldc: Int32(ldc))
    }

    /// `C ← alpha·op(A)·op(B) + beta·C` on matrix views; the dimensions come from the views.
    public static func gemm<Scalar: BLASScalar>(
        _ a: MatrixView<Scalar>, _ transA: Transpose = .none,
        _ b: MatrixView<Scalar>, _ transB: Transpose = .none,
        into c: MatrixView<Scalar>, alpha: Scalar = 1, beta: Scalar = 0
    ) {
        let (m, k) = transA == .none ? (a.rows, a.cols) : (a.cols, a.rows)
        let (kB, n) = transB == .none ? (b.rows, b.cols) : (b.cols, b.rows)
        precondition(k == kB, "gemm: op(A) is \(m)×\(k) but op(B) is \(kB)×\(n)")
        precondition(c.rows == m && c.cols == n, "gemm: C is \(c.rows)×\(c.cols), expected \(m)×\(n)")
        gemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a.pointer, lda: a.rowStride,
             b: b.pointer, ldb: b.rowStride, beta: beta, c: c.pointer, ldc: c.rowStride)
    }

    /// `y ← alpha·op(A)·x + beta·y`, with A stored as M×N.
    ///
    /// - Parameters:
    ///   - m: Rows of A as stored.
    ///   - n: Columns of A as stored.
    ///   - x: N scalars (`.none`) or M scalars (`.transposed`).
    ///   - y: M scalars (`.none`) or N scalars (`.transposed`).
    @inlinable
    public static func gemv<Scalar: BLASScalar>(
        _ transA: Transpose, m: Int, n: Int, alpha: Scalar = 1, a: UnsafePointer<Scalar>, lda: Int,
        x: UnsafePointer<Scalar>, beta: Scalar = 0, y: UnsafeMutablePointer<Scalar>
    ) {
        precondition(m >= 0 && n >= 0 && lda >= max(n, 1), "gemv: bad dimensions m=\(m) n=\(n) lda=\(lda)")
        if m == 0 || n == 0 {
            // BLAS leaves y untouched for an empty A; y ← beta·y is the defined result.
            let count = transA == .none ? m : n
            for i in 0..<count { y[i] = beta == 0 ? 0 : beta * y[i] }
            return
        }
        Scalar.cblasGemv(transA, m: Int32(m), n: Int32(n), alpha: alpha, a: a, lda: Int32(lda),
                         x: x, incX: 1, beta: beta, y: y, incY: 1)
    }

    @usableFromInline
    static func checkGemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int) {
        precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative dimension m=\(m) n=\(n) k=\(k)")
        precondition(max(m, n, k, lda, ldb, ldc) <= Int(Int32.max), "gemm: dimension exceeds 32-bit BLAS indices")
        precondition(lda >= max(1, transA == .none ? k : m), "gemm: lda \(lda) too small")
        precondition(ldb >= max(1, transB == .none ? n : k), "gemm: ldb \(ldb) too small")
        precondition(ldc >= max(1, n), "gemm: ldc \(ldc) too small")
    }
}

extension Tensor where Scalar: BLASScalar {
    /// The matrix product of two rank-2 tensors: (M×K)·(K×N) → M×N.
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        precondition(shape.count == 2 && other.shape.count == 2, "matmul needs rank-2 tensors, got \(shape) and \(other.shape)")
        let (m, k) = transposeSelf ? (shape[1], shape[0]) : (shape[0], shape[1])
        let (kB, n) = transposeOther ? (other.shape[1], other.shape[0]) : (other.shape[0], other.shape[1])
        precondition(k == kB, "matmul: inner dimensions \(k) and \(kB) differ")
        let result = AlignedBuffer<Scalar>(count: m * n)
        withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                BLAS.gemm(transposeSelf ? .transposed : .none, transposeOther ? .transposed : .none,
                          m: m, n: n, k: k, a: a.baseAddress!, lda: max(shape[1], 1),
                          b: b.baseAddress!, ldb: max(other.shape[1], 1), c: result.baseAddress, ldc: max(n, 1))
            }
        }
        return Tensor(shape: [m, n], taking: result)
    }
}
