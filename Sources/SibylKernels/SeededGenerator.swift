import Foundation

/// A fast, seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64), passed
/// explicitly to everything random in Sibyl: initialization, shuffling, dropout, synthetic data.
///
/// The same seed gives the same stream on every platform; there is no global generator.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// The seed the generator started from.
    public let seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        // SplitMix64 spreads any seed (0 included) over the 256-bit state.
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotateLeft(state.3, 45)
        return result
    }

    @inline(__always)
    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform Double in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform Double in [lower, upper).
    public mutating func nextUniform(in lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * nextUniform()
    }

    /// A standard normal Double (Box–Muller; one draw of two uniforms per value).
    public mutating func nextNormal() -> Double {
        // 1 − u lies in (0, 1], so the logarithm is finite.
        let u1 = 1 - nextUniform()
        let u2 = nextUniform()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    /// A normal Double with the given mean and standard deviation.
    public mutating func nextNormal(mean: Double, standardDeviation: Double) -> Double {
        mean + standardDeviation * nextNormal()
    }

    /// Fills `buffer` with uniform values in [lower, upper) drawn in double precision; rounding to
    /// a narrower scalar can give `upper` itself.
    public mutating func fillUniform<Scalar: TensorScalar>(_ buffer: UnsafeMutableBufferPointer<Scalar>,
                                                          lower: Scalar, upper: Scalar) {
        for i in buffer.indices { buffer[i] = Scalar(nextUniform(in: Double(lower), Double(upper))) }
    }

    /// Fills `buffer` with normal values of the given mean and standard deviation.
    public mutating func fillNormal<Scalar: TensorScalar>(_ buffer: UnsafeMutableBufferPointer<Scalar>,
                                                         mean: Scalar = 0, standardDeviation: Scalar = 1) {
        for i in buffer.indices {
            buffer[i] = Scalar(nextNormal(mean: Double(mean), standardDeviation: Double(standardDeviation)))
        }
    }
}
