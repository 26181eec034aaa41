import SibylKernels

/// Settings shared by every benchmark case.
struct BenchSettings {
    var minTime: Double
    var repeats: Int
    var threadCounts: [Int]
    var elementCount: Int
    var seed: UInt64
    /// Windows per FFTW call in the FFT suite.
    var fftBatch: Int
    /// Square GEMM sizes to measure (the recurrent shapes always run).
    var gemmSizes: [Int] = defaultGEMMSizes
    /// FFT sizes to measure.
    var fftSizes: [Int] = defaultFFTSizes
    /// LSTM and GRU configurations to measure.
    var recurrentConfigurations: [RecurrentBenchConfiguration] = defaultRecurrentConfigurations
}

/// One thing to measure: set up, timed and turned into a record when `run` is called.
struct BenchCase {
    let suite: String
    let name: String
    let threads: Int
    let run: () -> BenchRecord
}

/// The peer GEMM script's square sizes.
let defaultGEMMSizes = [64, 128, 256, 512, 1024, 2048]

/// GEMM shapes: name, M, K, N (C = A·B with A M×K and B K×N, row-major): squares of `sizes`, then
/// recurrent shapes.
func gemmShapes(squares sizes: [Int]) -> [(name: String, m: Int, k: Int, n: Int)] {
    sizes.map { ("square_\($0)", $0, $0, $0) } + recurrentGEMMShapes
}

/// GEMM shapes of recurrent layers.
let recurrentGEMMShapes: [(name: String, m: Int, k: Int, n: Int)] = [
    // One recurrent step of an LSTM, (B, H) · (H, 4H), batch 64.
    ("lstm_step_b64_h64", 64, 64, 256),
    ("lstm_step_b64_h128", 64, 128, 512),
    ("lstm_step_b64_h256", 64, 256, 1024),
    // The shapes of the peer GEMM script: step with input and hidden stacked, weight gradient,
    // input projection of a whole sequence.
    ("lstm_fwd_b64_in32_h128", 64, 160, 512),
    ("lstm_fwd_b64_in8_h64", 64, 72, 256),
    ("lstm_fwd_b32_in16_h256", 32, 272, 1024),
    ("lstm_fwd_b256_in5_h32", 256, 37, 128),
    ("lstm_dW_b64_in32_h128", 160, 64, 512),
    ("lstm_xproj_T64_b64_in32_h128", 4096, 32, 512),
]

/// Register-only multiply-adds on every thread: the ceiling for the GFLOP/s of everything else.
func fmaPeakCase(_ settings: BenchSettings, threads: Int) -> BenchCase {
    BenchCase(suite: "gemm", name: "FMA peak (registers only)", threads: threads) {
        let rounds = 5_000_000
        var sink = [Float](repeating: 0, count: threads)
        // At least 0.2 s a repeat whatever --min-time: the ceiling the other figures are read
        // against (at 0.01 s it had come out at 55-70 GFLOP/s beside products at 84-88).
        let seconds = timeCalls(minTime: max(settings.minTime, 0.2), repeats: max(settings.repeats, 3)) {
            sink.withUnsafeMutableBufferPointer { sink in
                nonisolated(unsafe) let sink = sink
                parallelFor(threads) { sink[$0] = VectorMath.fmaPeak(rounds: rounds) }
            }
        }
        precondition(sink.allSatisfy(\.isFinite), "the FMA chains should stay finite")
        let flops = Double(threads * rounds * VectorMath.fmaPeakOperationsPerRound)
        let gflops = Spread(seconds.map { flops / $0 / 1e9 })
        return BenchRecord(
            suite: "gemm", key: ["dtype": .text("float32"), "shape": .text("fma_peak")],
            metrics: ["gflops": gflops.median, "gflops_best": gflops.max],
            caseName: "FMA peak (registers only)", headline: (gflops.median, "GFLOP/s", gflops), threads: threads)
    }
}

func gemmCases(_ settings: BenchSettings) -> [BenchCase] {
    settings.threadCounts.flatMap { threads in
        [fmaPeakCase(settings, threads: threads)] + gemmShapes(squares: settings.gemmSizes).map { shape in
            BenchCase(suite: "gemm", name: "sgemm \(shape.name)", threads: threads) {
                OpenBLAS.threadCount = threads
                var rng = SeededGenerator(seed: settings.seed)
                let a = AlignedBuffer<Float>(count: shape.m * shape.k)
                let b = AlignedBuffer<Float>(count: shape.k * shape.n)
                let c = AlignedBuffer<Float>(count: shape.m * shape.n)
                rng.fillNormal(a.buffer)
                rng.fillNormal(b.buffer)
                let seconds = timeCalls(minTime: settings.minTime, repeats: settings.repeats) {
                    BLAS.gemm(.none, .none, m: shape.m, n: shape.n, k: shape.k, a: a.baseAddress, lda: shape.k,
                              b: b.baseAddress, ldb: shape.n, c: c.baseAddress, ldc: shape.n)
                }
                let flops = 2.0 * Double(shape.m * shape.n * shape.k)
                let gflops = Spread(seconds.map { flops / $0 / 1e9 })
                return BenchRecord(
                    suite: "gemm",
                    key: ["dtype": .text("float32"), "shape": .text(shape.name),
                          "M": .integer(shape.m), "K": .integer(shape.k), "N": .integer(shape.n)],
                    metrics: ["gflops": gflops.median, "gflops_best": gflops.max,
                              "us_per_call": 1e6 * Spread(seconds).median],
                    caseName: "sgemm \(shape.name)", headline: (gflops.median, "GFLOP/s", gflops), threads: threads)
            }
        } + (threads == 1 ? recurrentKernelCases(settings) : [])
    }
}

/// FFT sizes, and the series the rolling windows are cut from (as in the peer FFT script).
let defaultFFTSizes = [32, 64, 128, 256, 512, 1024, 2048, 4096]
let fftSeriesLength = 100_000
let fftMaxElements = 1 << 24

func fftCases(_ settings: BenchSettings) -> [BenchCase] {
    settings.threadCounts.flatMap { threads in
        settings.fftSizes.map { n in
            BenchCase(suite: "fft", name: "r2c f32 n=\(n)", threads: threads) {
                let windows = min(fftSeriesLength - n + 1, fftMaxElements / n)
                let k = n / 2 + 1
                // A random walk, like the log prices spectral features are computed from.
                var rng = SeededGenerator(seed: settings.seed)
                let series = AlignedBuffer<Float>(count: fftSeriesLength)
                var level = 0.0
                for i in 0..<fftSeriesLength {
                    level += 0.01 * rng.nextNormal()
                    series[i] = Float(level)
                }
                let batch = AlignedBuffer<Float>(count: windows * n)
                let spectrum = AlignedBuffer<Float>(count: 2 * windows * k)
                let power = AlignedBuffer<Float>(count: windows * k)
                let copyWindows = {
                    for w in 0..<windows {
                        (batch.baseAddress + w * n).update(from: series.baseAddress + w, count: n)
                    }
                }
                copyWindows()
                // A batch beyond the windows there are would plan for windows that never come.
                let fft = RealFFT<Float>.cached(size: n, batch: min(settings.fftBatch, windows))
                let output = UnsafeMutableRawPointer(spectrum.baseAddress).assumingMemoryBound(to: Complex<Float>.self)
                defer { withExtendedLifetime(spectrum) {} }  // used only through `output` from here
                let transform = timeCalls(minTime: settings.minTime, repeats: settings.repeats) {
                    fft.forward(batch.baseAddress, output, count: windows, threads: threads)
                }
                let rolling = timeCalls(minTime: settings.minTime, repeats: settings.repeats) {
                    copyWindows()
                    fft.forward(batch.baseAddress, output, count: windows, threads: threads)
                    for i in 0..<(windows * k) { power[i] = output[i].squaredMagnitude }
                }
                let nsPerTransform = Spread(transform.map { 1e9 * $0 / Double(windows) })
                return BenchRecord(
                    suite: "fft",
                    key: ["backend": .text("sibyl"), "dtype": .text("float32"), "n": .integer(n), "windows": .integer(windows)],
                    metrics: ["ns_per_transform": nsPerTransform.median, "ns_per_transform_best": nsPerTransform.min,
                              "rolling_windows_per_s": Double(windows) / Spread(rolling).median],
                    caseName: "r2c f32 n=\(n)", headline: (nsPerTransform.median, "ns/transform", nsPerTransform),
                    threads: threads)
            }
        }
    }
}

/// Element-wise operations over `elementCount` floats, split across threads in contiguous parts.
func elementwiseCases(_ settings: BenchSettings) -> [BenchCase] {
    typealias Kernel = (_ x: UnsafeBufferPointer<Float>, _ x2: UnsafeBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>) -> Void
    let kernels: [(name: String, kernel: Kernel)] = [
        ("sigmoid", { x, _, y in VectorMath.sigmoid(x, into: y) }),
        ("tanh", { x, _, y in VectorMath.tanh(x, into: y) }),
        ("sigmoid backward", { x, dy, y in VectorMath.sigmoidBackward(output: x, outputGradient: dy, into: y) }),
        ("tanh backward", { x, dy, y in VectorMath.tanhBackward(output: x, outputGradient: dy, into: y) }),
        ("add", { a, b, y in VectorMath.add(a, b, into: y) }),
        ("multiply-add", { a, b, y in VectorMath.multiplyAdd(a, b, UnsafeBufferPointer(y), into: y) }),
        ("axpy", { x, _, y in VectorMath.axpy(0.5, x, y) }),
        ("clip", { x, _, y in VectorMath.clip(x, lower: -1, upper: 1, into: y) }),
        ("sum of squares", { x, _, _ in _ = VectorMath.sumOfSquares(x) }),
        ("naive sigmoid (Foundation exp)", { x, _, y in ReferenceVectorMath.sigmoid(x, into: y) }),
        ("naive tanh (Foundation tanh)", { x, _, y in ReferenceVectorMath.tanh(x, into: y) }),
    ]
    return settings.threadCounts.flatMap { threads in
        kernels.map { entry in
            BenchCase(suite: "elementwise", name: entry.name, threads: threads) {
                let n = settings.elementCount
                var rng = SeededGenerator(seed: settings.seed)
                let x = AlignedBuffer<Float>(count: n)
                let x2 = AlignedBuffer<Float>(count: n)
                let y = AlignedBuffer<Float>(count: n)
                rng.fillUniform(x.buffer, lower: -10, upper: 10)
                rng.fillUniform(x2.buffer, lower: -1, upper: 1)
                let seconds = timeCalls(minTime: settings.minTime, repeats: settings.repeats, warmup: 1) {
                    let parts = threads
                    let chunk = (n + parts - 1) / parts
                    let run = { (part: Int) in
                        let start = part * chunk
                        let count = max(0, min(n, start + chunk) - start)
                        entry.kernel(UnsafeBufferPointer(start: x.baseAddress + start, count: count),
                                     UnsafeBufferPointer(start: x2.baseAddress + start, count: count),
                                     UnsafeMutableBufferPointer(start: y.baseAddress + start, count: count))
                    }
                    parallelFor(parts, run)
                }
                let nsPerElement = Spread(seconds.map { 1e9 * $0 / Double(n) })
                return BenchRecord(
                    suite: "elementwise",
                    key: ["op": .text(entry.name), "dtype": .text("float32"), "elements": .integer(n)],
                    metrics: ["ns_per_element": nsPerElement.median, "ns_per_element_best": nsPerElement.min],
                    caseName: entry.name, headline: (nsPerElement.median, "ns/element", nsPerElement), threads: threads)
            }
        }
    }
}
