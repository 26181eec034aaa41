import Foundation

/// The discrete Fourier transform by its definition, O(N²) in Double: the independent reference
/// for ``RealFFT``.
public enum ReferenceDFT {
    /// X_k = Σ_t x_t e^(−2πi·kt/N) for k = 0 … N/2.
    public static func forward(_ x: [Double]) -> [Complex<Double>] {
        let n = x.count
        return (0...(n / 2)).map { k in
            var re = 0.0, im = 0.0
            for t in 0..<n {
                // Reduce k·t mod N first so the angle stays small and exact.
                let angle = -2 * Double.pi * Double((k * t) % n) / Double(n)
                re += x[t] * cos(angle)
                im += x[t] * sin(angle)
            }
            return Complex(re, im)
        }
    }

    /// x_t = (1/N) Σ_k X_k e^(2πi·kt/N), using the Hermitian symmetry of a real signal's spectrum.
    public static func inverse(_ spectrum: [Complex<Double>], size n: Int) -> [Double] {
        precondition(spectrum.count == n / 2 + 1, "a real signal of \(n) samples has \(n / 2 + 1) coefficients")
        return (0..<n).map { t in
            var sum = 0.0
            for k in 0..<n {
                // Coefficients above N/2 are the conjugates of those below.
                let c = k <= n / 2 ? spectrum[k] : Complex(spectrum[n - k].real, -spectrum[n - k].imaginary)
                let angle = 2 * Double.pi * Double((k * t) % n) / Double(n)
                sum += c.real * cos(angle) - c.imaginary * sin(angle)
            }
            return sum / Double(n)
        }
    }
}
