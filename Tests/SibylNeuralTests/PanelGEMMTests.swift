import _SibylVectorMath
import Testing
@testable import SibylKernels

@Suite("Packed-panel GEMM against the naive reference")
struct PanelGEMMTests {
    @Test("random shapes, both packing layouts, beta 0 and 1, padded panels and partial row blocks")
    func matchesReference() {
        var rng = SeededGenerator(seed: 31)
        var worst = 0.0
        for trial in 0..<60 {
            let m = 1 + Int(rng.next() % 21), n = 1 + Int(rng.next() % 75), k = 1 + Int(rng.next() % 45)
            let transposed = trial % 2 == 1
            let lda = k + Int(rng.next() % 3), ldc = n + Int(rng.next() % 3)
            let a = AlignedBuffer<Float>(count: m * lda)
            rng.fillNormal(a.buffer)
            // B as stored: K×N row-major, or N×K row-major when transposed.
            let stored = AlignedBuffer<Float>(count: k * n)
            rng.fillNormal(stored.buffer)
            let ldb = transposed ? k : n
            let packed = AlignedBuffer<Float>(count: sibyl_panel_size(k, n))
            // Pack in two stacked parts along K, as the LSTM packs W_ihᵀ over W_hhᵀ, and split A
            // at the same place.
            let k1 = Int(rng.next() % UInt64(k + 1))
            let (tail, tailLD) = transposed ? (stored.baseAddress + k1, ldb) : (stored.baseAddress + k1 * ldb, ldb)
            sibyl_pack_panels(stored.baseAddress, ldb, transposed ? 1 : 0, k1, n, packed.baseAddress, 0, k)
            sibyl_pack_panels(tail, tailLD, transposed ? 1 : 0, k - k1, n, packed.baseAddress, k1, k)
            let c = AlignedBuffer<Float>(count: m * ldc)
            rng.fillNormal(c.buffer)
            let expected = AlignedBuffer<Float>(c.buffer)
            let beta: Float = trial % 3 == 0 ? 0 : 1
            let workspace = AlignedBuffer<Float>(count: sibyl_panel_workspace_size(m, k))
            sibyl_gemm_panels(m, n, k1, a.baseAddress, lda, k - k1, a.baseAddress + k1, lda, packed.baseAddress, beta,
                              c.baseAddress, ldc, workspace.baseAddress)
            ReferenceBLAS.gemm(.none, transposed ? .transposed : .none, m: m, n: n, k: k, a: a.baseAddress, lda: lda,
                               b: stored.baseAddress, ldb: ldb, beta: beta, c: expected.baseAddress, ldc: ldc)
            for i in 0..<c.count { worst = max(worst, abs(Double(c[i]) - Double(expected[i]))) }
        }
        print("panel GEMM vs reference: largest difference \(worst)")
        #expect(worst < 1e-4)
    }
}
