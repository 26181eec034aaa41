import Foundation
import SibylKernels

/// Rolling-window spectral features over log closes, computed with one FFTW plan per window size.
///
/// Dimensions: N bars, W bars per window, M = W/2 non-DC frequency bins (k = 1 … M, k cycles per
/// window), K bands, B = ``chunk`` windows per FFTW call. The window ending at bar t covers bars
/// t−W+1 … t, so each feature at t is causal.
///
/// Every chunk runs through the same batched plan, the last one padded with zero windows, so that a
/// window's value never depends on how many windows follow it (bit for bit). Plans are made with
/// FFTW's estimate planner: measured planning picks its algorithm by timing, which can differ from
/// one run to the next and with it the last bits of every feature, so two runs on the same data
/// would not give the same model.
enum SpectralFeatures {
    /// Windows per FFTW call.
    static let chunk = 256

    /// Band edges over bins 1 … M: band j holds bins edges[j] ..< edges[j+1], spaced geometrically
    /// from 1 to M + 1. Nil when a band would hold no bin.
    static func bandEdges(window: Int, bands: Int) -> [Int]? {
        let m = window / 2
        guard bands >= 1, m >= 1 else { return nil }
        let edges = (0...bands).map { j -> Int in
            // A small tolerance keeps exact powers (16^(1/4) = 2) from rounding up past themselves.
            Int((pow(Double(m + 1), Double(j) / Double(bands)) - 1e-9).rounded(.up))
        }
        for j in 0..<bands where edges[j + 1] <= edges[j] { return nil }
        return edges
    }

    /// The periodic Hann window w_i = 0.5 − 0.5·cos(2πi/W), the usual choice for spectral estimates.
    static func hann(_ window: Int) -> [Double] {
        (0..<window).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(window)) }
    }

    /// Least-squares line a + b·i through x[start ..< start+W], i = 0 … W−1, fitted to x − x_0 so
    /// that a window without fluctuation gets exactly its constant (a = x_0, b = 0) and a residual of
    /// exactly zero, not rounding noise that the spectrum would turn into a band.
    @inline(__always)
    static func trend(_ x: UnsafePointer<Double>, _ window: Int) -> (a: Double, b: Double) {
        let origin = x[0]
        var s0 = 0.0, s1 = 0.0
        for i in 0..<window {
            let d = x[i] - origin
            s0 += d
            s1 += Double(i) * d
        }
        let w = Double(window)
        let si = w * (w - 1) / 2
        let sii = (w - 1) * w * (2 * w - 1) / 6
        let b = (w * s1 - si * s0) / (w * sii - si * si)
        return (origin + (s0 - b * si) / w, b)
    }

    /// Runs the windows of `logClose` through the batched FFT one chunk at a time: each window
    /// detrended by least squares (then multiplied by `taper` when given), and `body` called with
    /// the first window's index, the chunk's window count, their (B, M+1) spectra and trend lines.
    @inline(__always)
    private static func transformWindows(
        _ logClose: [Double], window: Int, taper: [Double]?,
        _ body: (_ first: Int, _ count: Int, _ coefficients: UnsafePointer<Complex<Float>>, _ trends: [(a: Double, b: Double)]) -> Void
    ) {
        let windows = logClose.count - window + 1
        guard windows > 0 else { return }
        let fft = RealFFT<Float>.cached(size: window, batch: chunk, planning: .estimate)
        let input = AlignedBuffer<Float>(count: chunk * window)                // (B, W)
        let spectrum = AlignedBuffer<Float>(count: 2 * chunk * fft.spectrumSize)  // (B, M+1) complex
        let coefficients = UnsafeMutableRawPointer(spectrum.baseAddress).assumingMemoryBound(to: Complex<Float>.self)
        // Used only through `coefficients` from here: an optimized build could release it early.
        defer { withExtendedLifetime(spectrum) {} }
        var trends = [(a: Double, b: Double)](repeating: (0, 0), count: chunk)
        logClose.withUnsafeBufferPointer { x in
            for first in stride(from: 0, to: windows, by: chunk) {
                let count = min(chunk, windows - first)
                for w in 0..<count {
                    let start = x.baseAddress! + first + w
                    let (a, b) = trend(start, window)
                    trends[w] = (a, b)
                    let row = input.baseAddress + w * window
                    if let taper {
                        for i in 0..<window { row[i] = Float((start[i] - a - b * Double(i)) * taper[i]) }
                    } else {
                        for i in 0..<window { row[i] = Float(start[i] - a - b * Double(i)) }
                    }
                }
                if count < chunk { (input.baseAddress + count * window).update(repeating: 0, count: (chunk - count) * window) }
                fft.forward(input.baseAddress, coefficients, count: chunk)
                body(first, count, coefficients, trends)
            }
        }
    }

    /// K band-power shares, dominant period (bars), normalized entropy and centroid (cycles/bar):
    /// K + 3 columns of N values, NaN before bar W−1.
    ///
    /// For each window: detrend the log closes by least squares, multiply by the Hann window, take
    /// the power P_k = |X_k|² for k = 1 … M, T = Σ P_k; share of band j = Σ_{k in j} P_k / T;
    /// period = W / argmax_k P_k; entropy = −Σ (P_k/T) ln(P_k/T) / ln M; centroid = Σ (k/W) P_k / T.
    /// A window without any fluctuation (T = 0) gets 0 for all of them.
    static func spectrum(logClose: [Double], window: Int, bands: Int) -> [[Double]] {
        let n = logClose.count
        let m = window / 2
        let edges = bandEdges(window: window, bands: bands)!
        var columns = [[Double]](repeating: [Double](repeating: .nan, count: n), count: bands + 3)
        let k = window / 2 + 1  // coefficients per window (the FFT's spectrum size)
        let taper = hann(window)
        let power = AlignedBuffer<Float>(count: chunk * m)             // (B, M)
        let logPower = AlignedBuffer<Float>(count: chunk * m)          // (B, M)
        let logM = log(Double(m))
        let bandOf = (1...m).map { bin in (0..<bands).first { edges[$0] <= bin && bin < edges[$0 + 1] }! }
        var bandSums = [Double](repeating: 0, count: bands)

        transformWindows(logClose, window: window, taper: taper) { first, count, coefficients, _ in
            for w in 0..<count {
                for bin in 1...m { power[w * m + bin - 1] = coefficients[w * k + bin].squaredMagnitude }
            }
            VectorMath.log(UnsafeBufferPointer(start: power.baseAddress, count: count * m),
                           into: UnsafeMutableBufferPointer(start: logPower.baseAddress, count: count * m))
            for w in 0..<count {
                let t = first + w + window - 1
                let p = power.baseAddress + w * m
                let lp = logPower.baseAddress + w * m
                var total = 0.0, weighted = 0.0, pLogP = 0.0
                var peak = 0, peakPower: Float = -1
                for j in 0..<bands { bandSums[j] = 0 }
                for i in 0..<m {
                    let value = Double(p[i])
                    total += value
                    weighted += Double(i + 1) * value
                    if p[i] > 0 { pLogP += value * Double(lp[i]) }
                    bandSums[bandOf[i]] += value
                    if p[i] > peakPower { peakPower = p[i]; peak = i + 1 }
                }
                guard total > 0 else {
                    for c in 0..<(bands + 3) { columns[c][t] = 0 }
                    continue
                }
                for j in 0..<bands { columns[j][t] = bandSums[j] / total }
                columns[bands][t] = Double(window) / Double(peak)
                // Σ p ln p with p = P/T is (Σ P ln P)/T − ln T.
                columns[bands + 1][t] = m > 1 ? -(pLogP / total - log(total)) / logM : 0
                columns[bands + 2][t] = weighted / total / Double(window)
            }
        }
        return columns
    }

    /// The low-pass filtered close at the last bar of each window, NaN before bar W−1.
    ///
    /// Per window: detrend the log closes by least squares (no taper, which would pin the last
    /// point to zero), keep frequencies k ≤ C of the DFT, and evaluate the inverse transform at the
    /// last sample, which needs only those C + 1 coefficients:
    /// y_{W−1} = (1/W)·(X_0 + 2·Σ_{k=1..C} Re(X_k·e^(−2πik/W))); then restore the trend and exponentiate.
    static func lowPass(logClose: [Double], window: Int, cutoff: Int) -> [Double] {
        precondition(cutoff >= 1 && cutoff < window / 2, "low-pass cutoff must lie in 1 ..< W/2")
        var out = [Double](repeating: .nan, count: logClose.count)
        let k = window / 2 + 1  // coefficients per window (the FFT's spectrum size)
        let cosines = (0...cutoff).map { cos(2 * Double.pi * Double($0) / Double(window)) }
        let sines = (0...cutoff).map { sin(2 * Double.pi * Double($0) / Double(window)) }
        transformWindows(logClose, window: window, taper: nil) { first, count, coefficients, trends in
            for w in 0..<count {
                let c = coefficients + w * k
                var sum = Double(c[0].real)
                for bin in 1...cutoff {
                    sum += 2 * (Double(c[bin].real) * cosines[bin] + Double(c[bin].imaginary) * sines[bin])
                }
                let last = Double(window - 1)
                out[first + w + window - 1] = exp(sum / Double(window) + trends[w].a + trends[w].b * last)
            }
        }
        return out
    }
}
