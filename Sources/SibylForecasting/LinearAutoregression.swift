/// A linear autoregression on log returns fitted by ordinary least squares:
/// r_{t+1} = c + Σ_{i=1..p} φ_i · r_{t+1−i}, the baseline a learned model must beat.
public struct LinearAutoregression: Sendable, Equatable, Codable {
    /// c.
    public let intercept: Double
    /// φ_1 … φ_p, most recent lag first.
    public let coefficients: [Double]

    public var order: Int { coefficients.count }

    /// Fits on the returns r[t] for t in `rows` with r[t] and its p predecessors defined: minimizes
    /// Σ (r_t − c − Σ φ_i r_{t−i})² by solving the normal equations in Double.
    public init(fitting returns: [Double], rows: Range<Int>, order: Int) {
        precondition(order >= 0, "the order must be non-negative")
        let usable = Self.usableRows(returns, rows: rows, order: order)
        let n = order + 1
        precondition(usable.count >= n, "an AR(\(order)) fit needs at least \(n) returns")
        // Normal equations XᵀX β = Xᵀy with x = (1, r_{t−1}, …, r_{t−p}).
        var xtx = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        var xty = [Double](repeating: 0, count: n)
        for t in usable {
            let x = [1] + (0..<order).map { returns[t - 1 - $0] }
            for i in 0..<n {
                xty[i] += x[i] * returns[t]
                for j in 0..<n { xtx[i][j] += x[i] * x[j] }
            }
        }
        let beta = Self.solve(xtx, xty)
        intercept = beta[0]
        coefficients = Array(beta.dropFirst())
    }

    /// Rows whose target and lags are all defined (the first return of a series is NaN).
    static func usableRows(_ returns: [Double], rows: Range<Int>, order: Int) -> [Int] {
        rows.filter { t in t >= order && t < returns.count && (0...order).allSatisfy { returns[t - $0].isFinite } }
    }

    /// The highest order up to `order` that `rows` hold enough returns to fit (p + 1 of them), or
    /// nil when not even a mean can be fitted.
    public static func fittableOrder(_ returns: [Double], rows: Range<Int>, upTo order: Int) -> Int? {
        stride(from: order, through: 0, by: -1).first { usableRows(returns, rows: rows, order: $0).count >= $0 + 1 }
    }

    public init(intercept: Double, coefficients: [Double]) {
        self.intercept = intercept
        self.coefficients = coefficients
    }

    /// The forecast of r_{t+1} from r_t, r_{t−1}, … (returns[t] is the latest).
    public func forecast(_ returns: [Double], after t: Int) -> Double {
        var value = intercept
        for (i, phi) in coefficients.enumerated() { value += phi * returns[t - i] }
        return value
    }

    /// Gaussian elimination with partial pivoting; a singular system (constant inputs) falls back
    /// to zero for the dependent coefficients.
    static func solve(_ a: [[Double]], _ b: [Double]) -> [Double] {
        let n = b.count
        var m = a
        var y = b
        for column in 0..<n {
            let pivot = (column..<n).max { abs(m[$0][column]) < abs(m[$1][column]) }!
            if abs(m[pivot][column]) < 1e-300 { continue }
            m.swapAt(column, pivot)
            y.swapAt(column, pivot)
            for row in (column + 1)..<n {
                let factor = m[row][column] / m[column][column]
                for k in column..<n { m[row][k] -= factor * m[column][k] }
                y[row] -= factor * y[column]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            guard abs(m[row][row]) >= 1e-300 else { continue }
            var sum = y[row]
            for k in (row + 1)..<n { sum -= m[row][k] * x[k] }
            x[row] = sum / m[row][row]
        }
        return x
    }
}
