import CFFTW
import Foundation

/// A complex number laid out as FFTW's `fftw_complex`: real part, then imaginary part.
public struct Complex<Scalar: TensorScalar>: Hashable, Sendable {
    public var real: Scalar
    public var imaginary: Scalar

    public init(_ real: Scalar, _ imaginary: Scalar) {
        self.real = real
        self.imaginary = imaginary
    }

    /// |z|².
    public var squaredMagnitude: Scalar { real * real + imaginary * imaginary }
}

/// How much time FFTW spends choosing an algorithm when a plan is made.
public enum FFTPlanning: Sendable {
    /// A heuristic choice, made at once. Good for sizes used a few times.
    case estimate
    /// Times several algorithms (10–30 ms per plan) and keeps the fastest: for hot paths. The
    /// choice depends on timings, so results may differ in the last bits from one process to the
    /// next; use `.estimate` where runs must reproduce exactly.
    case measure

    var flags: UInt32 { self == .estimate ? FFTW_ESTIMATE : FFTW_MEASURE }
}

/// Scalars FFTW transforms: `Float` (`fftwf_`) and `Double` (`fftw_`).
public protocol FFTScalar: TensorScalar {
    static func fftwPlanForward(size: Int32, batch: Int32, input: UnsafeMutablePointer<Self>,
                                output: UnsafeMutableRawPointer, flags: UInt32) -> OpaquePointer?
    static func fftwPlanInverse(size: Int32, batch: Int32, input: UnsafeMutableRawPointer,
                                output: UnsafeMutablePointer<Self>, flags: UInt32) -> OpaquePointer?
    static func fftwExecuteForward(_ plan: OpaquePointer, _ input: UnsafeMutablePointer<Self>, _ output: UnsafeMutableRawPointer)
    static func fftwExecuteInverse(_ plan: OpaquePointer, _ input: UnsafeMutableRawPointer, _ output: UnsafeMutablePointer<Self>)
    static func fftwDestroy(_ plan: OpaquePointer)
    static func fftwAlignment(of pointer: UnsafeMutablePointer<Self>) -> Int32
}

extension Float: FFTScalar {
    public static func fftwPlanForward(size: Int32, batch: Int32, input: UnsafeMutablePointer<Float>,
                                       output: UnsafeMutableRawPointer, flags: UInt32) -> OpaquePointer? {
        var n = size
        return fftwf_plan_many_dft_r2c(1, &n, batch, input, nil, 1, size,
                                       output.assumingMemoryBound(to: fftwf_complex.self), nil, 1, size / 2 + 1, flags)
    }

    public static func fftwPlanInverse(size: Int32, batch: Int32, input: UnsafeMutableRawPointer,
                                       output: UnsafeMutablePointer<Float>, flags: UInt32) -> OpaquePointer? {
        var n = size
        return fftwf_plan_many_dft_c2r(1, &n, batch, input.assumingMemoryBound(to: fftwf_complex.self),
                                       nil, 1, size / 2 + 1, output, nil, 1, size, flags)
    }

    public static func fftwExecuteForward(_ plan: OpaquePointer, _ input: UnsafeMutablePointer<Float>, _ output: UnsafeMutableRawPointer) {
        fftwf_execute_dft_r2c(plan, input, output.assumingMemoryBound(to: fftwf_complex.self))
    }

    public static func fftwExecuteInverse(_ plan: OpaquePointer, _ input: UnsafeMutableRawPointer, _ output: UnsafeMutablePointer<Float>) {
        fftwf_execute_dft_c2r(plan, input.assumingMemoryBound(to: fftwf_complex.self), output)
    }

    public static func fftwDestroy(_ plan: OpaquePointer) { fftwf_destroy_plan(plan) }

    public static func fftwAlignment(of pointer: UnsafeMutablePointer<Float>) -> Int32 { fftwf_alignment_of(pointer) }
}

extension Double: FFTScalar {
    public static func fftwPlanForward(size: Int32, batch: Int32, input: UnsafeMutablePointer<Double>,
                                       output: UnsafeMutableRawPointer, flags: UInt32) -> OpaquePointer? {
        var n = size
        return fftw_plan_many_dft_r2c(1, &n, batch, input, nil, 1, size,
                                      output.assumingMemoryBound(to: fftw_complex.self), nil, 1, size / 2 + 1, flags)
    }

    public static func fftwPlanInverse(size: Int32, batch: Int32, input: UnsafeMutableRawPointer,
                                       output: UnsafeMutablePointer<Double>, flags: UInt32) -> OpaquePointer? {
        var n = size
        return fftw_plan_many_dft_c2r(1, &n, batch, input.assumingMemoryBound(to: fftw_complex.self),
                                      nil, 1, size / 2 + 1, output, nil, 1, size, flags)
    }

    public static func fftwExecuteForward(_ plan: OpaquePointer, _ input: UnsafeMutablePointer<Double>, _ output: UnsafeMutableRawPointer) {
        fftw_execute_dft_r2c(plan, input, output.assumingMemoryBound(to: fftw_complex.self))
    }

    public static func fftwExecuteInverse(_ plan: OpaquePointer, _ input: UnsafeMutableRawPointer, _ output: UnsafeMutablePointer<Double>) {
        fftw_execute_dft_c2r(plan, input.assumingMemoryBound(to: fftw_complex.self), output)
    }

    public static func fftwDestroy(_ plan: OpaquePointer) { fftw_destroy_plan(plan) }

    public static func fftwAlignment(of pointer: UnsafeMutablePointer<Double>) -> Int32 { fftw_alignment_of(pointer) }
}

/// FFTW's planner keeps global state and is not thread-safe; every plan creation and destruction
/// in the process goes through this lock. Executing a finished plan needs no lock.
private let fftwPlannerLock = NSLock()

/// Real-to-complex FFTs of one size, over any number of contiguous windows, with plans made once.
///
/// Dimensions: N = `size` real inputs per window, K = N/2 + 1 complex outputs per window
/// (the non-negative frequencies), W windows per call. Windows are stored back to back: input
/// (W, N), spectrum (W, K).
///
/// The forward transform is unnormalized, X_k = Σ_t x_t e^(−2πi·kt/N), as FFTW and numpy compute
/// it; the inverse divides by N, so `inverse(forward(x)) == x`.
///
/// Plans are made when the object is created: one for `batch` windows at once on 16-byte aligned
/// arrays, one for single windows at any alignment for the remainder. Creation holds a
/// process-wide lock (FFTW's planner is not thread-safe); transforms may run from any thread at
/// once. Use ``cached(size:batch:planning:)`` to reuse plans across the process.
public final class RealFFT<Scalar: FFTScalar>: @unchecked Sendable {
    // Sendable: the plans are immutable after init and FFTW's new-array execute functions are
    // thread-safe; creation and destruction go through `fftwPlannerLock`.

    /// N, real samples per window.
    public let size: Int
    /// Windows the batched plan transforms in one FFTW call.
    public let batch: Int
    /// K = N/2 + 1, complex outputs per window.
    public var spectrumSize: Int { size / 2 + 1 }

    private let batchForward: OpaquePointer
    private let batchInverse: OpaquePointer
    private let singleForward: OpaquePointer
    private let singleInverse: OpaquePointer

    /// Windows per FFTW call unless told otherwise. Measured flat from 16 to 256 windows for
    /// N = 64 … 4096 (`sibyl bench --suites fft --fft-batch B`); fewer than 8 costs up to 40%.
    public static var defaultBatch: Int { 64 }

    /// Plans transforms of `size` samples, `batch` windows per FFTW call.
    public init(size: Int, batch: Int = defaultBatch, planning: FFTPlanning = .measure) {
        precondition(size >= 1 && size <= Int(Int32.max), "FFT size must be positive, got \(size)")
        precondition(batch >= 1 && batch * size <= Int(Int32.max), "FFT batch must be positive, got \(batch)")
        self.size = size
        self.batch = batch
        let k = size / 2 + 1
        // Planning with .measure scribbles over its arrays: plan on scratch buffers of our own.
        let real = AlignedBuffer<Scalar>(count: batch * size)
        let spectrum = AlignedBuffer<Scalar>(count: 2 * batch * k)
        let n32 = Int32(size)
        let unaligned = planning.flags | FFTW_UNALIGNED
        // c2r destroys its input by default; keep the caller's spectrum intact.
        let preserve = FFTW_PRESERVE_INPUT
        let plans = fftwPlannerLock.withLock {
            (Scalar.fftwPlanForward(size: n32, batch: Int32(batch), input: real.baseAddress,
                                    output: UnsafeMutableRawPointer(spectrum.baseAddress), flags: planning.flags),
             Scalar.fftwPlanInverse(size: n32, batch: Int32(batch), input: UnsafeMutableRawPointer(spectrum.baseAddress),
                                    output: real.baseAddress, flags: planning.flags | preserve),
             Scalar.fftwPlanForward(size: n32, batch: 1, input: real.baseAddress,
                                    output: UnsafeMutableRawPointer(spectrum.baseAddress), flags: unaligned),
             Scalar.fftwPlanInverse(size: n32, batch: 1, input: UnsafeMutableRawPointer(spectrum.baseAddress),
                                    output: real.baseAddress, flags: unaligned | preserve))
        }
        guard let bf = plans.0, let bi = plans.1, let sf = plans.2, let si = plans.3 else {
            preconditionFailure("FFTW could not plan a real transform of size \(size)")
        }
        (batchForward, batchInverse, singleForward, singleInverse) = (bf, bi, sf, si)
    }

    deinit {
        fftwPlannerLock.withLock {
            for plan in [batchForward, batchInverse, singleForward, singleInverse] { Scalar.fftwDestroy(plan) }
        }
    }

    private func isAligned(_ pointer: UnsafeRawPointer) -> Bool {
        Scalar.fftwAlignment(of: UnsafeMutablePointer(mutating: pointer.assumingMemoryBound(to: Scalar.self))) == 0
    }

    /// Transforms `count` windows: spectrum[w] = DFT(input[w]).
    ///
    /// - Parameters:
    ///   - input: (W, N) real samples, read only.
    ///   - output: (W, K) complex coefficients.
    ///   - count: W, number of windows.
    ///   - threads: Threads that split the windows among them (1 runs on the caller's thread).
    public func forward(_ input: UnsafePointer<Scalar>, _ output: UnsafeMutablePointer<Complex<Scalar>>,
                        count: Int, threads: Int = 1) {
        run(count: count, threads: threads) { first, windows in
            let x = UnsafeMutablePointer(mutating: input) + first * size
            let y = UnsafeMutableRawPointer(output + first * spectrumSize)
            var done = 0
            if isAligned(x) && isAligned(y) {
                // Stepping by whole batches keeps 16-byte alignment when batch·N and batch·K are
                // multiples of 4 scalars; check each step rather than assume it.
                while windows - done >= batch, isAligned(x + done * size),
                      isAligned(y + done * spectrumSize * MemoryLayout<Complex<Scalar>>.stride) {
                    Scalar.fftwExecuteForward(batchForward, x + done * size,
                                              y + done * spectrumSize * MemoryLayout<Complex<Scalar>>.stride)
                    done += batch
                }
            }
            for w in done..<windows {
                Scalar.fftwExecuteForward(singleForward, x + w * size, y + w * spectrumSize * MemoryLayout<Complex<Scalar>>.stride)
            }
        }
    }

    /// Inverts `count` spectra: output[w] = IDFT(spectrum[w]) / N, so a round trip returns the input.
    ///
    /// - Parameters:
    ///   - input: (W, K) complex coefficients, read only. The imaginary parts of the zero and (for
    ///     even N) Nyquist coefficients are ignored, as for any real signal.
    ///   - output: (W, N) real samples.
    ///   - normalized: Divide by N (the default); `false` gives FFTW's unnormalized inverse.
    public func inverse(_ input: UnsafePointer<Complex<Scalar>>, _ output: UnsafeMutablePointer<Scalar>,
                        count: Int, normalized: Bool = true, threads: Int = 1) {
        let stride = MemoryLayout<Complex<Scalar>>.stride
        run(count: count, threads: threads) { first, windows in
            let x = UnsafeMutableRawPointer(mutating: input + first * spectrumSize)
            let y = output + first * size
            var done = 0
            if isAligned(x) && isAligned(y) {
                while windows - done >= batch, isAligned(x + done * spectrumSize * stride), isAligned(y + done * size) {
                    Scalar.fftwExecuteInverse(batchInverse, x + done * spectrumSize * stride, y + done * size)
                    done += batch
                }
            }
            for w in done..<windows {
                Scalar.fftwExecuteInverse(singleInverse, x + w * spectrumSize * stride, y + w * size)
            }
            if normalized {
                let scale = 1 / Scalar(size)
                for i in 0..<(windows * size) { y[i] *= scale }
            }
        }
    }

    /// Splits `count` windows into contiguous ranges, one per thread, whole batches where possible.
    private func run(count: Int, threads: Int, _ body: (_ first: Int, _ windows: Int) -> Void) {
        precondition(count >= 0, "window count must be non-negative, got \(count)")
        precondition(threads >= 1, "thread count must be at least 1, got \(threads)")
        let parts = min(threads, max(1, count / batch))
        if parts == 1 {
            body(0, count)
            return
        }
        let batchesPerPart = (count / batch + parts - 1) / parts
        parallelFor(parts) { part in
            let first = min(count, part * batchesPerPart * batch)
            let last = part == parts - 1 ? count : min(count, (part + 1) * batchesPerPart * batch)
            body(first, last - first)
        }
    }
}

private struct PlanKey: Hashable {
    let scalar: ObjectIdentifier
    let size: Int
    let batch: Int
    let measured: Bool
}

/// Plans shared by the whole process, made on first use; guarded by `planCacheLock`.
nonisolated(unsafe) private var planCache: [PlanKey: AnyObject] = [:]
private let planCacheLock = NSLock()

extension RealFFT {
    /// The process-wide plans for this size and batch, made on first use and kept.
    public static func cached(size: Int, batch: Int = defaultBatch, planning: FFTPlanning = .measure) -> RealFFT {
        let key = PlanKey(scalar: ObjectIdentifier(Scalar.self), size: size, batch: batch, measured: planning == .measure)
        if let plan = planCacheLock.withLock({ planCache[key] }) { return plan as! RealFFT }
        // Plan outside the cache lock: planning takes milliseconds and holds the planner lock.
        let plan = RealFFT(size: size, batch: batch, planning: planning)
        return planCacheLock.withLock {
            if let existing = planCache[key] { return existing as! RealFFT }
            planCache[key] = plan
            return plan
        }
    }
}
