import _SibylVectorMath
import Testing
@testable import SibylKernels

/// The kernel sets of the products: 0 baseline (6×8 blocks), 1 AVX2 (6×16), 2 AVX-512 (8×32).
let panelKernelLevels: [Int32] = [0, 1, 2]

/// Runs `body` with this thread's products capped at kernel set `level`, or returns nil, having
/// run nothing, when this machine does not have that set.
func withPanelKernels<T>(_ level: Int32, _ body: () throws -> T) rethrows -> T? {
    let previous = sibyl_panel_kernel_cap(level)
    defer { _ = sibyl_panel_kernel_cap(previous) }
    guard sibyl_panel_kernel_level() == level else {
        print("kernel set \(level) is not on this machine; not run")
        return nil
    }
    return try body()
}

@Suite("Packed-panel GEMM against the naive reference")
struct PanelGEMMTests {
    @Test("random shapes, both packing layouts, beta 0 and 1, padded panels and partial row blocks, each kernel set",
          arguments: panelKernelLevels)
    func matchesReference(level: Int32) {
        _ = withPanelKernels(level) { matchesReference(name: String(cString: sibyl_panel_kernel_name())) }
    }

    func matchesReference(name: String) {
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
            sibyl_gemm_panels(m, n, k1, a.baseAddress, lda, k - k1, a.baseAddress + k1, lda, packed.baseAddress, beta,
                              c.baseAddress, ldc)
            ReferenceBLAS.gemm(.none, transposed ? .transposed : .none, m: m, n: n, k: k, a: a.baseAddress, lda: lda,
                               b: stored.baseAddress, ldb: ldb, beta: beta, c: expected.baseAddress, ldc: ldc)
            for i in 0..<c.count { worst = max(worst, abs(Double(c[i]) - Double(expected[i]))) }
        }
        print("panel GEMM (\(name)) vs reference: largest difference \(worst)")
        #expect(worst < 1e-4)
    }

    @Test("weights past the prefetch size: the same bits as the product in column slices under it, and the reference, each kernel set",
          arguments: panelKernelLevels)
    func prefetchingAhead(level: Int32) {
        _ = withPanelKernels(level) {
            var rng = SeededGenerator(seed: 83)
            // 13 rows run three row blocks with 6-row blocks (two with AVX-512's 8), 4 rows one (which
            // asks ahead with 16-wide panels, not with AVX-512's 32); the packed weights pass the size.
            for m in [13, 4] { prefetchingAhead(m: m, rng: &rng) }
        }
    }

    func prefetchingAhead(m: Int, rng: inout SeededGenerator) {
        let (k1, k2) = (9, 511)
        let k = k1 + k2
        let n = (sibyl_panel_prefetch_bytes() / (k * MemoryLayout<Float>.size) / 256 + 2) * 256
        let stored = AlignedBuffer<Float>(count: n * k)  // (N, K), as a layer stores its weights
        rng.fillNormal(stored.buffer)
        let a = AlignedBuffer<Float>(count: m * k)
        rng.fillNormal(a.buffer)
        let packed = AlignedBuffer<Float>(count: sibyl_panel_size(k, n))
        #expect(packed.count * MemoryLayout<Float>.size > sibyl_panel_prefetch_bytes())
        sibyl_pack_panels(stored.baseAddress, k, 1, k, n, packed.baseAddress, 0, k)
        let whole = AlignedBuffer<Float>(count: m * n)
        sibyl_gemm_panels(m, n, k1, a.baseAddress, k, k2, a.baseAddress + k1, k, packed.baseAddress, 0, whole.baseAddress, n)
        // 256 columns a call: each slice's weights are far under the size.
        let sliced = AlignedBuffer<Float>(count: m * n)
        let slice = AlignedBuffer<Float>(count: sibyl_panel_size(k, 256))
        for j0 in stride(from: 0, to: n, by: 256) {
            sibyl_pack_panels(stored.baseAddress + j0 * k, k, 1, k, 256, slice.baseAddress, 0, k)
            sibyl_gemm_panels(m, 256, k1, a.baseAddress, k, k2, a.baseAddress + k1, k, slice.baseAddress, 0,
                              sliced.baseAddress + j0, n)
        }
        #expect(whole.array == sliced.array)
        // The slices again, each told that it is part of the whole, so that each asks ahead too.
        let told = AlignedBuffer<Float>(count: m * n)
        for j0 in stride(from: 0, to: n, by: 256) {
            sibyl_pack_panels(stored.baseAddress + j0 * k, k, 1, k, 256, slice.baseAddress, 0, k)
            sibyl_gemm_panels_of(m, 256, n, k1, a.baseAddress, k, k2, a.baseAddress + k1, k, slice.baseAddress, 0,
                                 told.baseAddress + j0, n)
        }
        #expect(told.array == whole.array)
        let expected = AlignedBuffer<Float>(count: m * n)
        ReferenceBLAS.gemm(.none, .transposed, m: m, n: n, k: k, a: a.baseAddress, lda: k, b: stored.baseAddress, ldb: k,
                           beta: 0, c: expected.baseAddress, ldc: n)
        var worst = 0.0
        for i in 0..<whole.count { worst = max(worst, abs(Double(whole[i]) - Double(expected[i]))) }
        print("panel GEMM of \(m) rows over \(Double(packed.count * 40 / 1_048_576) / 10) MB of weights (\(String(cString: sibyl_panel_kernel_name()))) vs reference: largest difference \(worst)")
        #expect(worst < 1e-3)
    }

    @Test("a row's result does not depend on the rows beside it: whole batches, single rows and every split agree bit for bit, each kernel set",
          arguments: panelKernelLevels)
    func rowsIndependentOfBlocking(level: Int32) {
        // Threads split a batch into row ranges, and the kernels cut a range into blocks of 8,
        // or of 6 and 4: results equal for any thread count need each row's sums taken alike.
        _ = withPanelKernels(level) {
            var rng = SeededGenerator(seed: 71)
            let (f, h) = (5, 45)
            let k = f + h, n = 4 * h
            let stored = AlignedBuffer<Float>(count: n * k)
            rng.fillNormal(stored.buffer)
            let packed = AlignedBuffer<Float>(count: sibyl_panel_size(k, n))
            sibyl_pack_panels(stored.baseAddress, k, 1, k, n, packed.baseAddress, 0, k)
            let (wih, whh) = (AlignedBuffer<Float>(count: 3 * h * f), AlignedBuffer<Float>(count: 3 * h * h))
            let (bih, bhh) = (AlignedBuffer<Float>(count: 3 * h), AlignedBuffer<Float>(count: 3 * h))
            for buffer in [wih, whh, bih, bhh] { rng.fillNormal(buffer.buffer) }
            let gruPacked = AlignedBuffer<Float>(count: sibyl_gru_packed_size(f, h))
            let gruBias = AlignedBuffer<Float>(count: sibyl_gru_bias_size(h))
            sibyl_gru_pack(wih.baseAddress, whh.baseAddress, bih.baseAddress, bhh.baseAddress, f, h, gruPacked.baseAddress,
                           gruBias.baseAddress)
            // 23 rows are one group of the GRU step's rows; 150 are three (50 each).
            for (m, splits) in [(23, [[1], [2], [3], [7, 8], [5, 12, 13, 20], Array(1..<23)]),
                                (150, [[1], [50], [64], [65], [7, 8, 77], [50, 100], Array(1..<150)])] {
                let x = AlignedBuffer<Float>(count: m * f), hPrev = AlignedBuffer<Float>(count: m * h)
                rng.fillNormal(x.buffer)
                rng.fillNormal(hPrev.buffer)
                func run(_ ranges: [Range<Int>]) -> (products: [Float], states: [Float]) {
                    let c = AlignedBuffer<Float>(count: m * n), next = AlignedBuffer<Float>(count: m * h)
                    for r in ranges {
                        sibyl_gemm_panels(r.count, n, f, x.baseAddress + r.lowerBound * f, f, h, hPrev.baseAddress + r.lowerBound * h, h,
                                          packed.baseAddress, 0, c.baseAddress + r.lowerBound * n, n)
                        sibyl_gru_step(r.count, f, h, x.baseAddress + r.lowerBound * f, f, hPrev.baseAddress + r.lowerBound * h,
                                       gruPacked.baseAddress, gruBias.baseAddress, next.baseAddress + r.lowerBound * h, nil, nil)
                    }
                    return (c.array, next.array)
                }
                let whole = run([0..<m])
                #expect(whole.products.allSatisfy(\.isFinite) && whole.states.allSatisfy(\.isFinite))
                for cuts in splits {
                    let bounds = [0] + cuts + [m]
                    let pieces = run((0..<(bounds.count - 1)).map { bounds[$0]..<bounds[$0 + 1] })
                    #expect(pieces.products == whole.products, "\(m) rows, cuts \(cuts)")
                    #expect(pieces.states == whole.states, "\(m) rows, cuts \(cuts)")
                }
            }
        }
    }

    @Test("packing in parts, as threads do, writes what one call writes: panels, padding and the GRU's biases")
    func packingInParts() {
        var rng = SeededGenerator(seed: 53)
        for (k, n) in [(37, 100), (5, 33), (16, 32), (200, 7)] {
            for transposed in [false, true] {
                let stored = AlignedBuffer<Float>(count: k * n)
                rng.fillNormal(stored.buffer)
                let ldb = transposed ? k : n
                let whole = AlignedBuffer<Float>(count: sibyl_panel_size(k, n))
                whole.buffer.update(repeating: .nan)
                sibyl_pack_panels(stored.baseAddress, ldb, transposed ? 1 : 0, k, n, whole.baseAddress, 0, k)
                for parts in [2, 3, 5] {
                    let pieces = AlignedBuffer<Float>(count: whole.count)
                    pieces.buffer.update(repeating: .nan)
                    for part in (0..<parts).reversed() {
                        sibyl_pack_panels_part(stored.baseAddress, ldb, transposed ? 1 : 0, k, n, pieces.baseAddress, 0, k, part, parts)
                    }
                    // NaN everywhere before, so a float no part wrote cannot compare equal.
                    #expect(pieces.array == whole.array, "K \(k) N \(n) transposed \(transposed) in \(parts) parts")
                }
            }
        }
        // A GRU layer, F = 3 and H = 45 (two panels, the second padded).
        let (f, h) = (3, 45)
        let (wih, whh) = (AlignedBuffer<Float>(count: 3 * h * f), AlignedBuffer<Float>(count: 3 * h * h))
        let (bih, bhh) = (AlignedBuffer<Float>(count: 3 * h), AlignedBuffer<Float>(count: 3 * h))
        for buffer in [wih, whh, bih, bhh] { rng.fillNormal(buffer.buffer) }
        let biasCount = sibyl_gru_bias_size(h)
        let (packed, bias) = (AlignedBuffer<Float>(count: sibyl_gru_packed_size(f, h)), AlignedBuffer<Float>(count: biasCount))
        sibyl_gru_pack(wih.baseAddress, whh.baseAddress, bih.baseAddress, bhh.baseAddress, f, h, packed.baseAddress, bias.baseAddress)
        let (pieces, pieceBias) = (AlignedBuffer<Float>(count: packed.count), AlignedBuffer<Float>(count: biasCount))
        pieces.buffer.update(repeating: .nan)
        pieceBias.buffer.update(repeating: .nan)
        for part in [1, 0] {
            sibyl_gru_pack_part(wih.baseAddress, whh.baseAddress, bih.baseAddress, bhh.baseAddress, f, h, pieces.baseAddress, pieceBias.baseAddress, part, 2)
        }
        #expect(pieces.array == packed.array && pieceBias.array == bias.array)
    }
}

@Suite("Weight-gradient GEMM (C += Aᵀ·B over a long K) against the naive reference")
struct WeightGradientGEMMTests {
    @Test("random shapes across K blocks, one or two right-hand sides, full, narrow and 16-wide last panels, column sums, each kernel set",
          arguments: panelKernelLevels)
    func matchesReference(level: Int32) {
        _ = withPanelKernels(level) { matchesReference(name: String(cString: sibyl_panel_kernel_name())) }
    }

    func matchesReference(name: String) {
        var rng = SeededGenerator(seed: 47)
        var worst = 0.0
        for trial in 0..<40 {
            // K crosses the 256-row blocks; N1 and N2 make full panels, narrow last ones (< 16
            // columns) and, in trial 1 (the LSTM's F = 16 beside H = 48), last ones of exactly 16.
            let m = 1 + Int(rng.next() % 30), k = 1 + Int(rng.next() % 700)
            var n1 = 1 + Int(rng.next() % 40), n2 = trial % 4 == 0 ? 0 : 1 + Int(rng.next() % 70)
            if trial == 1 { (n1, n2) = (16, 48) }
            let lda = m + Int(rng.next() % 3), ldb1 = n1 + Int(rng.next() % 3), ldb2 = n2 + Int(rng.next() % 3)
            let (ldc1, ldc2) = (n1 + Int(rng.next() % 3), n2 + Int(rng.next() % 3))
            let a = AlignedBuffer<Float>(count: k * lda), b1 = AlignedBuffer<Float>(count: k * ldb1)
            let b2 = AlignedBuffer<Float>(count: max(1, k * ldb2))
            let c1 = AlignedBuffer<Float>(count: m * ldc1), c2 = AlignedBuffer<Float>(count: max(1, m * ldc2))
            let (sums1, sums2) = (AlignedBuffer<Float>(count: m), AlignedBuffer<Float>(count: m))
            for buffer in [a, b1, b2, c1, c2, sums1, sums2] { rng.fillNormal(buffer.buffer) }
            let (expected1, expected2) = (AlignedBuffer<Float>(c1.buffer), AlignedBuffer<Float>(c2.buffer))
            let (expectedSums1, expectedSums2) = (AlignedBuffer<Float>(sums1.buffer), AlignedBuffer<Float>(sums2.buffer))
            let workspace = AlignedBuffer<Float>(count: sibyl_gemm_tn_workspace_size(n1, n2))
            sibyl_gemm_tn_accumulate(m, k, a.baseAddress, lda, n1, b1.baseAddress, ldb1, n2, n2 > 0 ? b2.baseAddress : nil, ldb2,
                                     c1.baseAddress, ldc1, n2 > 0 ? c2.baseAddress : nil, ldc2, sums1.baseAddress,
                                     trial % 3 == 0 ? nil : sums2.baseAddress, workspace.baseAddress)
            ReferenceBLAS.gemm(.transposed, .none, m: m, n: n1, k: k, a: a.baseAddress, lda: lda, b: b1.baseAddress, ldb: ldb1,
                               beta: 1, c: expected1.baseAddress, ldc: ldc1)
            if n2 > 0 {
                ReferenceBLAS.gemm(.transposed, .none, m: m, n: n2, k: k, a: a.baseAddress, lda: lda, b: b2.baseAddress, ldb: ldb2,
                                   beta: 1, c: expected2.baseAddress, ldc: ldc2)
            }
            for i in 0..<m {
                let sum = (0..<k).reduce(0.0) { $0 + Double(a[$1 * lda + i]) }
                expectedSums1[i] = Float(Double(expectedSums1[i]) + sum)
                if trial % 3 != 0 { expectedSums2[i] = Float(Double(expectedSums2[i]) + sum) }
            }
            // Padding columns of C (past N) must stay as they were.
            let pairs = [(c1, expected1), (c2, expected2), (sums1, expectedSums1), (sums2, expectedSums2)]
            for (got, want) in pairs {
                for i in 0..<got.count { worst = max(worst, abs(Double(got[i]) - Double(want[i])) / max(1, Double(k).squareRoot())) }
            }
        }
        print("weight-gradient GEMM (\(name)) vs reference: largest difference / √K \(worst)")
        #expect(worst < 1e-5)
    }
}

@Suite("FMA peak loop")
struct FMAPeakTests {
    @Test("does the work it counts: 12 chains of a = a·x + y across the vector's lanes, summed, each kernel set",
          arguments: panelKernelLevels)
    func matchesScalarChains(level: Int32) {
        _ = withPanelKernels(level) {
            // x = 0.9 and y = 0.5 pull every chain towards 5 by a visible step each round, so one
            // round more or less shows; 2 operations per lane and chain a round.
            let (x, y): (Float, Float) = (0.9, 0.5)
            let lanes = VectorMath.fmaPeakOperationsPerRound / 24
            #expect(lanes == [4, 8, 16][Int(level)])
            for rounds in [0, 1, 2, 7, 40] {
                var expected = 0.0
                for chain in 0..<12 {
                    var a = Float(chain)
                    for _ in 0..<rounds { a = a * x + y }
                    expected += Double(lanes) * Double(a)
                }
                let got = Double(sibyl_fma_peak(rounds, x, y))
                #expect(abs(got - expected) <= 1e-6 * abs(expected), "rounds \(rounds): \(got) vs \(expected)")
            }
            #expect(VectorMath.fmaPeak(rounds: 10).isFinite)
        }
    }
}
