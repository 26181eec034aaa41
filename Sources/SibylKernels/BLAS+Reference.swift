/// Naive triple-loop references for ``BLAS``, accumulating in Double. Slow on purpose: they are
/// the independent implementation the tests hold the OpenBLAS paths against.
public enum ReferenceBLAS {
    /// `C ← alpha·op(A)·op(B) + beta·C`, same conventions as ``BLAS/gemm(_:_:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``.
    public static func gemm<Scalar: BLASScalar>(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Scalar = 1, a: UnsafePointer<Scalar>, lda: Int, b: UnsafePointer<Scalar>, ldb: Int,
        beta: Scalar = 0, c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        BLAS.checkGemm(transA, transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let aip = transA == .none ? a[i * lda + p] : a[p * lda + i]
                    let bpj = transB == .none ? b[p * ldb + j] : b[j * ldb + p]
                    sum += Double(aip) * Double(bpj)
                }
                let old = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
                c[i * ldc + j] = Scalar(Double(alpha) * sum + old)
            }
        }
    }

    /// `y ← alpha·op(A)·x + beta·y`, same conventions as ``BLAS/gemv(_:m:n:alpha:a:lda:x:beta:y:)``.
    public static func gemv<Scalar: BLASScalar>(
        _ transA: Transpose, m: Int, n: Int, alpha: Scalar = 1, a: UnsafePointer<Scalar>, lda: Int,
        x: UnsafePointer<Scalar>, beta: Scalar = 0, y: UnsafeMutablePointer<Scalar>
    ) {
        let (rows, inner) = transA == .none ? (m, n) : (n, m)
        for i in 0..<rows {
            var sum = 0.0
            for p in 0..<inner {
                let aip = transA == .none ? a[i * lda + p] : a[p * lda + i]
                sum += Double(aip) * Double(x[p])
            }
            let old = beta == 0 ? 0 : Double(beta) * Double(y[i])
            y[i] = Scalar(Double(alpha) * sum + old)
        }
    }
}
