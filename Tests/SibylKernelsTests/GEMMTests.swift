import Testing
@testable import SibylKernels

/// Fills a fresh buffer with normal draws.
func randomBuffer<Scalar: TensorScalar>(_ count: Int, _ rng: inout SeededGenerator, as: Scalar.Type = Float.self) -> AlignedBuffer<Scalar> {
    let buffer = AlignedBuffer<Scalar>(count: count)
    rng.fillNormal(buffer.buffer)
    return buffer
}

/// Largest |a − b| over two equal-length buffers; NaN if any pair holds a NaN. Taking the buffers
/// themselves keeps them alive while they are read (an optimized build may release a local after
/// its last use, which a pointer taken from it would be).
func maxAbsDifference<Scalar: TensorScalar>(_ a: AlignedBuffer<Scalar>, _ b: AlignedBuffer<Scalar>) -> Double {
    withExtendedLifetime((a, b)) { maxAbsDifference(UnsafeBufferPointer(a.buffer), UnsafeBufferPointer(b.buffer)) }
}

/// Largest |a − b| over two equal-length buffers; NaN if any pair holds a NaN.
func maxAbsDifference<Scalar: TensorScalar>(_ a: UnsafeBufferPointer<Scalar>, _ b: UnsafeBufferPointer<Scalar>) -> Double {
    precondition(a.count == b.count)
    var worst = 0.0
    for i in a.indices {
        let d = abs(Double(a[i]) - Double(b[i]))
        if d.isNaN { return .nan }
        worst = max(worst, d)
    }
    return worst
}

@Suite("GEMM and GEMV against the naive reference")
struct GEMMTests {
    @Test("sgemm on random non-square shapes, both transposes, alpha and beta, padded strides")
    func sgemmMatchesReference() {
        var rng = SeededGenerator(seed: 7)
        var worst = 0.0
        for trial in 0..<40 {
            let m = 1 + Int(rng.next() % 37), n = 1 + Int(rng.next() % 41), k = 1 + Int(rng.next() % 53)
            let transA: Transpose = trial % 2 == 0 ? .none : .transposed
            let transB: Transpose = (trial / 2) % 2 == 0 ? .none : .transposed
            // Strides wider than the matrices, so that leading dimensions are exercised.
            let lda = (transA == .none ? k : m) + Int(rng.next() % 3)
            let ldb = (transB == .none ? n : k) + Int(rng.next() % 3)
            let ldc = n + Int(rng.next() % 3)
            let a = randomBuffer((transA == .none ? m : k) * lda, &rng)
            let b = randomBuffer((transB == .none ? k : n) * ldb, &rng)
            let c = randomBuffer(m * ldc, &rng)
            let expected = AlignedBuffer<Float>(c.buffer)
            let alpha = Float(rng.nextUniform(in: -2, 2))
            let beta: Float = [0, 1, -0.5][trial % 3]
            BLAS.gemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a.baseAddress, lda: lda,
                      b: b.baseAddress, ldb: ldb, beta: beta, c: c.baseAddress, ldc: ldc)
            ReferenceBLAS.gemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a.baseAddress, lda: lda,
                               b: b.baseAddress, ldb: ldb, beta: beta, c: expected.baseAddress, ldc: ldc)
            worst = max(worst, maxAbsDifference(c, expected))
        }
        print("sgemm vs reference: largest difference \(worst)")
        #expect(worst < 1e-4)
    }

    @Test("dgemm agrees with the reference to double precision")
    func dgemmMatchesReference() {
        var rng = SeededGenerator(seed: 11)
        let (m, n, k) = (13, 7, 29)
        let a = randomBuffer(k * m, &rng, as: Double.self)
        let b = randomBuffer(n * k, &rng, as: Double.self)
        let c = AlignedBuffer<Double>(count: m * n)
        let expected = AlignedBuffer<Double>(count: m * n)
        BLAS.gemm(.transposed, .transposed, m: m, n: n, k: k, alpha: 1.5, a: a.baseAddress, lda: m,
                  b: b.baseAddress, ldb: k, c: c.baseAddress, ldc: n)
        ReferenceBLAS.gemm(.transposed, .transposed, m: m, n: n, k: k, alpha: 1.5, a: a.baseAddress, lda: m,
                           b: b.baseAddress, ldb: k, c: expected.baseAddress, ldc: n)
        let worst = maxAbsDifference(c, expected)
        print("dgemm vs reference: largest difference \(worst)")
        #expect(worst < 1e-12)
    }

    @Test("beta = 0 overwrites C without reading it, so NaNs in C do not leak")
    func betaZeroIgnoresGarbage() {
        var rng = SeededGenerator(seed: 3)
        let a = randomBuffer(4 * 3, &rng), b = randomBuffer(3 * 5, &rng)
        let c = AlignedBuffer<Float>(count: 4 * 5)
        c.fill(.nan)
        BLAS.gemm(.none, .none, m: 4, n: 5, k: 3, a: a.baseAddress, lda: 3, b: b.baseAddress, ldb: 5, c: c.baseAddress, ldc: 5)
        #expect(c.array.allSatisfy { $0.isFinite })
    }

    @Test("gemm on matrix views multiplies sub-blocks in place, leaving the rest of C alone")
    func gemmOnViews() {
        var rng = SeededGenerator(seed: 5)
        // A is the 3×4 block at row 1, column 2 of a 6×8 buffer.
        let big = randomBuffer(6 * 8, &rng)
        let a = big.matrix(rows: 3, cols: 4, offset: 1 * 8 + 2, rowStride: 8)
        let bBuffer = randomBuffer(4 * 2, &rng)
        let b = bBuffer.matrix(rows: 4, cols: 2)
        let cBuffer = AlignedBuffer<Float>(count: 5 * 3)
        cBuffer.fill(9)
        let c = cBuffer.matrix(rows: 3, cols: 2, offset: 1, rowStride: 3)
        BLAS.gemm(a, .none, b, .none, into: c)
        for i in 0..<3 {
            for j in 0..<2 {
                let expected = (0..<4).reduce(0.0) { $0 + Double(a[i, $1]) * Double(b[$1, j]) }
                #expect(abs(Double(c[i, j]) - expected) < 1e-5)
            }
        }
        // Column 0 of every row and the last two rows were outside the view.
        #expect((0..<5).allSatisfy { cBuffer[$0 * 3] == 9 })
        #expect(cBuffer[3 * 3 + 1] == 9 && cBuffer[4 * 3 + 2] == 9)
    }

    @Test("sgemv with and without transpose matches the reference", arguments: [Transpose.none, .transposed])
    func gemvMatchesReference(trans: Transpose) {
        var rng = SeededGenerator(seed: 17)
        let (m, n) = (23, 17)
        let a = randomBuffer(m * n, &rng)
        let x = randomBuffer(trans == .none ? n : m, &rng)
        let y = randomBuffer(trans == .none ? m : n, &rng)
        let expected = AlignedBuffer<Float>(y.buffer)
        BLAS.gemv(trans, m: m, n: n, alpha: 0.7, a: a.baseAddress, lda: n, x: x.baseAddress, beta: 0.3, y: y.baseAddress)
        ReferenceBLAS.gemv(trans, m: m, n: n, alpha: 0.7, a: a.baseAddress, lda: n, x: x.baseAddress, beta: 0.3, y: expected.baseAddress)
        let worst = maxAbsDifference(y, expected)
        print("sgemv(\(trans)) vs reference: largest difference \(worst)")
        #expect(worst < 1e-5)
    }

    @Test("Tensor.matmul equals the hand-computed product")
    func tensorMatmul() {
        let a = Tensor<Float>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = Tensor<Float>(shape: [3, 2], scalars: [7, 8, 9, 10, 11, 12])
        #expect(a.matmul(b) == Tensor(shape: [2, 2], scalars: [58, 64, 139, 154]))
        // Aᵀ·A is 3×3 and symmetric.
        let ata = a.matmul(a, transposeSelf: true)
        #expect(ata.shape == [3, 3])
        #expect(ata.scalars == [17, 22, 27, 22, 29, 36, 27, 36, 45])
    }
}

@Suite("OpenBLAS control")
struct OpenBLASTests {
    @Test("the core name is reported and the thread count round-trips")
    func threadControl() {
        #expect(!OpenBLAS.coreName.isEmpty && OpenBLAS.coreName != "unknown")
        #expect(OpenBLAS.configuration.hasPrefix("OpenBLAS"))
        let original = OpenBLAS.threadCount
        OpenBLAS.threadCount = 1
        #expect(OpenBLAS.threadCount == 1)
        OpenBLAS.threadCount = original
        #expect(OpenBLAS.threadCount == original)
    }
}
