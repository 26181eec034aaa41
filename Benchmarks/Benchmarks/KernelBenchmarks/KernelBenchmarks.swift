import Benchmark
import Foundation
import SibylBacktest
import SibylData
import SibylKernels

// The kernels `sibyl bench` measures, under package-benchmark's statistics and allocation
// counters. Inputs are made once, outside the measured closures; each sample times one call.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        maxDuration: .seconds(2),
        maxIterations: 1_000)
    var rng = SeededGenerator(seed: 1)

    OpenBLAS.threadCount = 1
    for (name, m, k, n) in [("1024x1024x1024", 1024, 1024, 1024), ("lstm step b64 h128", 64, 128, 512)] {
        let a = AlignedBuffer<Float>(count: m * k), b = AlignedBuffer<Float>(count: k * n)
        let c = AlignedBuffer<Float>(count: m * n)
        rng.fillNormal(a.buffer)
        rng.fillNormal(b.buffer)
        Benchmark("sgemm \(name) (1 thread)") { benchmark in
            for _ in benchmark.scaledIterations {
                BLAS.gemm(.none, .none, m: m, n: n, k: k, a: a.baseAddress, lda: k, b: b.baseAddress, ldb: n,
                          c: c.baseAddress, ldc: n)
            }
        }
    }

    let windows = 10_000
    for size in [64, 256] {
        let input = AlignedBuffer<Float>(count: windows * size)
        rng.fillNormal(input.buffer)
        let fft = RealFFT<Float>.cached(size: size)
        let spectrum = AlignedBuffer<Float>(count: 2 * windows * fft.spectrumSize)
        let output = UnsafeMutableRawPointer(spectrum.baseAddress).assumingMemoryBound(to: Complex<Float>.self)
        Benchmark("rfft f32 n=\(size), \(windows) windows per call") { benchmark in
            for _ in benchmark.scaledIterations {
                fft.forward(input.baseAddress, output, count: windows)
            }
        }
    }

    let elements = 10_000_000
    let x = AlignedBuffer<Float>(count: elements), y = AlignedBuffer<Float>(count: elements)
    rng.fillUniform(x.buffer, lower: -10, upper: 10)
    let kernels: [(String, (UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void)] =
        [("sigmoid", VectorMath.sigmoid), ("tanh", VectorMath.tanh)]
    for (name, kernel) in kernels {
        Benchmark("\(name) over 10^7 floats") { benchmark in
            for _ in benchmark.scaledIterations {
                kernel(UnsafeBufferPointer(x.buffer), y.buffer)
            }
        }
    }

    // The backtest hot loop: the malloc counter shows allocations per run (the result arrays, the
    // trades, one message per broker event), not per bar. Daily bars with 1% moves, as in
    // `sibyl bench --suites backtest`. Some 17,000 round trips at 0.1% commission all but use up
    // the account late in the run; each buy after that is refused with an event (and its message).
    var bars: [Bar] = []
    var price = 100.0
    for i in 0..<1_000_000 {
        let open = price
        price *= exp(0.01 * rng.nextNormal())
        bars.append(Bar(timestamp: Timestamp(secondsSinceEpoch: Int64(i) * 86_400), open: open, high: max(open, price) * 1.001,
                        low: min(open, price) * 0.999, close: price, volume: 1000))
    }
    let series = try! BarSeries(name: "synthetic", bars: bars)
    let configuration = BacktestConfiguration(initialCash: 100_000_000, costs: CostModel(commissionRate: 0.001))
    let signal = SMACross.signal(closes: series.close, fast: 10, slow: 30, mode: .longOnly)
    Benchmark("sma-cross 10/30 over 10^6 bars, signal path", configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal])) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(backtest(signal: signal, on: series, configuration: configuration, name: "sma", warmUp: 29))
        }
    }
    Benchmark("sma-cross 10/30 over 10^6 bars, bar by bar", configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal])) { benchmark in
        for _ in benchmark.scaledIterations {
            var strategy = SMACross(fast: 10, slow: 30)
            blackHole(backtest(&strategy, on: series, configuration: configuration))
        }
    }
}
