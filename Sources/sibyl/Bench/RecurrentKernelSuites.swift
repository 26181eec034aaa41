import _SibylVectorMath
import SibylKernels

/// The recurrent layers' own products, on the shapes of the peer configurations, one thread (each
/// call is single-threaded; the layers split batch rows across threads themselves). Beside the
/// OpenBLAS cases of the same shapes and the FMA peak, they show how close each product runs to
/// the core's ceiling.
///
/// - panel: C (M, N) = [A1 A2]·B on B packed once into panels (a recurrent step: [x_t, h_{t−1}]
///   times the stacked weights forward, dGates·W_hh backward).
/// - dW: C1 += Aᵀ·B1 and C2 += Aᵀ·B2 over all T·B rows (the weight gradients of a whole pass),
///   and OpenBLAS's C += Aᵀ·B on the same shape with B1 and B2 side by side in one matrix (without
///   the bias sums that Sibyl's product takes on the way).
let recurrentKernelShapes: [(name: String, kind: String, m: Int, k1: Int, k2: Int, n: Int)] = [
    ("panel_lstm_fwd_b64_in32_h128", "panel", 64, 32, 128, 512),
    ("panel_lstm_fwd_b32_in16_h256", "panel", 32, 16, 256, 1024),
    ("panel_lstm_bwd_b32_h256", "panel", 32, 1024, 0, 256),
    ("panel_gru_step_b32_h256", "panel", 32, 256, 0, 768),
    // For dW, M = G·H gate rows, K = T·B, and k1, k2 are the widths N1 = F and N2 = H.
    ("dW_lstm_T64_b64_in32_h128", "dW", 512, 32, 128, 4096),
    ("dW_lstm_T128_b32_in16_h256", "dW", 1024, 16, 256, 4096),
]

func recurrentKernelCases(_ settings: BenchSettings) -> [BenchCase] {
    ownRecurrentKernelCases(settings) + openBLASWeightGradientCases(settings)
}

/// OpenBLAS's SGEMM on the weight-gradient shapes: C (M, N1 + N2) += Aᵀ·B for A (K, M), one thread.
func openBLASWeightGradientCases(_ settings: BenchSettings) -> [BenchCase] {
    recurrentKernelShapes.filter { $0.kind == "dW" }.map { shape in
        BenchCase(suite: "gemm", name: "openblas \(shape.name)", threads: 1) {
            OpenBLAS.threadCount = 1
            var rng = SeededGenerator(seed: settings.seed)
            let (m, k, n) = (shape.m, shape.n, shape.k1 + shape.k2)
            let a = AlignedBuffer<Float>(count: k * m), b = AlignedBuffer<Float>(count: k * n)
            let c = AlignedBuffer<Float>(count: m * n)
            for buffer in [a, b] { rng.fillNormal(buffer.buffer) }
            let seconds = timeCalls(minTime: settings.minTime, repeats: settings.repeats) {
                BLAS.gemm(.transposed, .none, m: m, n: n, k: k, a: a.baseAddress, lda: m, b: b.baseAddress, ldb: n,
                          beta: 1, c: c.baseAddress, ldc: n)
            }
            let gflops = Spread(seconds.map { 2.0 * Double(m * k * n) / $0 / 1e9 })
            return BenchRecord(
                suite: "gemm", key: ["dtype": .text("float32"), "shape": .text(shape.name), "kernel": .text("openblas_tn")],
                metrics: ["gflops": gflops.median, "gflops_best": gflops.max, "us_per_call": 1e6 * Spread(seconds).median],
                caseName: "openblas \(shape.name)", headline: (gflops.median, "GFLOP/s", gflops), threads: 1)
        }
    }
}

func ownRecurrentKernelCases(_ settings: BenchSettings) -> [BenchCase] {
    recurrentKernelShapes.map { shape in
        BenchCase(suite: "gemm", name: "sibyl \(shape.name)", threads: 1) {
            var rng = SeededGenerator(seed: settings.seed)
            let body: () -> Void
            let flops: Double
            if shape.kind == "panel" {
                let (k, n) = (shape.k1 + shape.k2, shape.n)
                let a1 = AlignedBuffer<Float>(count: shape.m * shape.k1), a2 = AlignedBuffer<Float>(count: max(1, shape.m * shape.k2))
                let b = AlignedBuffer<Float>(count: k * n), c = AlignedBuffer<Float>(count: shape.m * n)
                let packed = AlignedBuffer<Float>(count: sibyl_panel_size(k, n))
                for buffer in [a1, a2, b] { rng.fillNormal(buffer.buffer) }
                sibyl_pack_panels(b.baseAddress, n, 0, k, n, packed.baseAddress, 0, k)
                body = {
                    sibyl_gemm_panels(shape.m, n, shape.k1, a1.baseAddress, shape.k1, shape.k2, shape.k2 > 0 ? a2.baseAddress : nil,
                                      shape.k2, packed.baseAddress, 0, c.baseAddress, n)
                }
                flops = 2.0 * Double(shape.m * n * k)
            } else {
                let (m, k, n1, n2) = (shape.m, shape.n, shape.k1, shape.k2)
                let a = AlignedBuffer<Float>(count: k * m), b1 = AlignedBuffer<Float>(count: k * n1), b2 = AlignedBuffer<Float>(count: k * n2)
                let c1 = AlignedBuffer<Float>(count: m * n1), c2 = AlignedBuffer<Float>(count: m * n2), sums = AlignedBuffer<Float>(count: m)
                let workspace = AlignedBuffer<Float>(count: sibyl_gemm_tn_workspace_size(n1, n2))
                for buffer in [a, b1, b2] { rng.fillNormal(buffer.buffer) }
                body = {
                    sibyl_gemm_tn_accumulate(m, k, a.baseAddress, m, n1, b1.baseAddress, n1, n2, b2.baseAddress, n2,
                                             c1.baseAddress, n1, c2.baseAddress, n2, sums.baseAddress, nil, workspace.baseAddress)
                }
                flops = 2.0 * Double(m * k * (n1 + n2))
            }
            let seconds = timeCalls(minTime: settings.minTime, repeats: settings.repeats, body)
            let gflops = Spread(seconds.map { flops / $0 / 1e9 })
            return BenchRecord(
                suite: "gemm", key: ["dtype": .text("float32"), "shape": .text(shape.name), "kernel": .text(shape.kind)],
                metrics: ["gflops": gflops.median, "gflops_best": gflops.max, "us_per_call": 1e6 * Spread(seconds).median],
                caseName: "sibyl \(shape.name)", headline: (gflops.median, "GFLOP/s", gflops), threads: 1)
        }
    }
}
