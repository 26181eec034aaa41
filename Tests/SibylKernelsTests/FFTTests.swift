import Testing
@testable import SibylKernels

@Suite("Real FFT against the naive DFT")
struct FFTTests {
    /// Even, odd, prime and power-of-two sizes, including the degenerate 1 and 2.
    static let sizes = [1, 2, 3, 5, 7, 8, 12, 17, 31, 64, 97, 100, 128, 255, 256]

    @Test("forward transform of random windows matches the DFT definition", arguments: sizes)
    func forwardMatchesDFT(size n: Int) {
        var rng = SeededGenerator(seed: UInt64(n))
        let windows = 5
        let fft = RealFFT<Float>(size: n, batch: 2, planning: .estimate)
        let input = randomBuffer(windows * n, &rng)
        let spectrum = [Complex<Float>](unsafeUninitializedCapacity: windows * fft.spectrumSize) { buffer, count in
            fft.forward(input.baseAddress, buffer.baseAddress!, count: windows)
            count = windows * fft.spectrumSize
        }
        var worst = 0.0
        for w in 0..<windows {
            let reference = ReferenceDFT.forward((0..<n).map { Double(input[w * n + $0]) })
            for k in 0..<fft.spectrumSize {
                let got = spectrum[w * fft.spectrumSize + k]
                worst = max(worst, abs(Double(got.real) - reference[k].real), abs(Double(got.imaginary) - reference[k].imaginary))
            }
        }
        print("FFT n=\(n) vs DFT: largest difference \(worst)")
        // Float32 rounding grows like √N·log N times the input scale.
        #expect(worst < 1e-5 * Double(n).squareRoot() * Double(max(n, 2)).squareRoot())
    }

    @Test("inverse(forward(x)) returns x, and the inverse matches the inverse DFT", arguments: sizes)
    func roundTrip(size n: Int) {
        var rng = SeededGenerator(seed: 100 + UInt64(n))
        let fft = RealFFT<Double>(size: n, batch: 3, planning: .estimate)
        let windows = 7
        let input = randomBuffer(windows * n, &rng, as: Double.self)
        let spectrum = UnsafeMutablePointer<Complex<Double>>.allocate(capacity: windows * fft.spectrumSize)
        defer { spectrum.deallocate() }
        let output = AlignedBuffer<Double>(count: windows * n)
        fft.forward(input.baseAddress, spectrum, count: windows)
        let saved = Array(UnsafeBufferPointer(start: spectrum, count: windows * fft.spectrumSize))
        fft.inverse(spectrum, output.baseAddress, count: windows)
        let roundTrip = maxAbsDifference(input, output)
        // The inverse must not have scribbled over its input.
        #expect(Array(UnsafeBufferPointer(start: spectrum, count: windows * fft.spectrumSize)) == saved)
        let reference = ReferenceDFT.inverse(Array(saved[0..<fft.spectrumSize]), size: n)
        let inverseError = zip(reference, output.array).map { abs($0 - $1) }.max() ?? 0
        print("FFT n=\(n): round trip \(roundTrip), inverse vs IDFT \(inverseError)")
        #expect(roundTrip < 1e-12)
        #expect(inverseError < 1e-10)
    }

    @Test("batched, threaded and unaligned execution agree with one window at a time")
    func batchingIsInvisible() {
        var rng = SeededGenerator(seed: 9)
        let n = 64, windows = 301  // not a multiple of the batch
        let fft = RealFFT<Float>(size: n, batch: 16)
        let k = fft.spectrumSize
        // One float of padding lets the last run shift every window off 16-byte alignment.
        let input = randomBuffer(windows * n + 1, &rng)
        let reference = UnsafeMutablePointer<Complex<Float>>.allocate(capacity: windows * k)
        let oneThread = UnsafeMutablePointer<Complex<Float>>.allocate(capacity: windows * k)
        let twoThreads = UnsafeMutablePointer<Complex<Float>>.allocate(capacity: windows * k)
        let unaligned = UnsafeMutablePointer<Complex<Float>>.allocate(capacity: windows * k + 1)
        defer { [reference, oneThread, twoThreads, unaligned].forEach { $0.deallocate() } }
        for w in 0..<windows { fft.forward(input.baseAddress + w * n, reference + w * k, count: 1) }
        fft.forward(input.baseAddress, oneThread, count: windows, threads: 1)
        fft.forward(input.baseAddress, twoThreads, count: windows, threads: 2)
        fft.forward(input.baseAddress + 1, unaligned + 1, count: windows - 1, threads: 2)
        // Threads split on batch boundaries, so each window goes through the same plan: identical bits.
        #expect((0..<(windows * k)).allSatisfy { oneThread[$0] == twoThreads[$0] })
        // The batched and single-window plans may pick different algorithms: equal to rounding.
        func difference(_ a: Complex<Float>, _ b: Complex<Float>) -> Float {
            max(abs(a.real - b.real), abs(a.imaginary - b.imaginary))
        }
        let batchedError = (0..<(windows * k)).map { difference(oneThread[$0], reference[$0]) }.max()!
        print("FFT batched vs single-window plans: largest difference \(batchedError)")
        #expect(batchedError < 1e-4)
        // Window w of the shifted run starts at input[1 + w·n]: compare it with a direct transform.
        let single = UnsafeMutablePointer<Complex<Float>>.allocate(capacity: k)
        defer { single.deallocate() }
        for w in [0, 100, windows - 2] {
            fft.forward(input.baseAddress + 1 + w * n, single, count: 1)
            #expect((0..<k).allSatisfy { difference(single[$0], unaligned[1 + w * k + $0]) < 1e-4 })
        }
    }

    @Test("cached plans are made once and shared")
    func planCacheReuses() {
        let a = RealFFT<Float>.cached(size: 48, batch: 4, planning: .estimate)
        let b = RealFFT<Float>.cached(size: 48, batch: 4, planning: .estimate)
        let c = RealFFT<Double>.cached(size: 48, batch: 4, planning: .estimate)
        #expect(a === b)
        #expect(ObjectIdentifier(c) != ObjectIdentifier(a))
    }

    @Test("planning from many threads at once is safe and every plan works")
    func concurrentPlanning() {
        let sizes = [16, 24, 40, 56, 72, 88, 104, 120]
        let errors = AlignedBuffer<Double>(count: sizes.count)
        parallelFor(sizes.count) { i in
            let n = sizes[i]
            let fft = RealFFT<Double>(size: n, batch: 2, planning: .estimate)
            let input = AlignedBuffer<Double>((0..<n).map { Double($0 % 5) - 2 })
            let spectrum = UnsafeMutablePointer<Complex<Double>>.allocate(capacity: fft.spectrumSize)
            defer { spectrum.deallocate() }
            fft.forward(input.baseAddress, spectrum, count: 1)
            let reference = ReferenceDFT.forward(input.array)
            errors[i] = (0..<fft.spectrumSize).map { abs(spectrum[$0].real - reference[$0].real) + abs(spectrum[$0].imaginary - reference[$0].imaginary) }.max()!
        }
        #expect(errors.array.allSatisfy { $0 < 1e-10 })
    }
}
