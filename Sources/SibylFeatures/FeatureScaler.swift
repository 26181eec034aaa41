import Foundation

/// Per-column affine scaling x' = (x − center) / scale, fitted on one span of rows only, so that
/// nothing about later rows (validation, test, the future) leaks into the model's inputs.
public struct FeatureScaler: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// center = mean, scale = standard deviation (ddof 1).
        case zScore = "zscore"
        /// center = min, scale = max − min: the fit span maps onto [0, 1].
        case minMax = "minmax"
        /// center = median, scale = interquartile range (quantiles interpolated linearly).
        case robust
    }

    public let kind: Kind
    /// The rows the scaler was fitted on.
    public let fittedRows: Range<Int>
    public let center: [Double]
    /// Never zero: a column that is constant over the fit span gets scale 1.
    public let scale: [Double]
    /// The columns without spread over the fit span, whose scale of 1 is a stand-in, not a
    /// measure of their values.
    public let constant: [Bool]

    public init(kind: Kind, fittedRows: Range<Int>, center: [Double], scale: [Double], constant: [Bool]) {
        precondition(center.count == scale.count && constant.count == scale.count, "center, scale and constant differ in length")
        self.kind = kind
        self.fittedRows = fittedRows
        self.center = center
        self.scale = scale
        self.constant = constant
    }

    private enum CodingKeys: String, CodingKey {
        case kind, fittedRows, center, scale, constant
    }

    /// Scalers saved before `constant` existed marked a constant column by its scale of exactly 1
    /// alone; that is what they are read with.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(Kind.self, forKey: .kind)
        fittedRows = try container.decode(Range<Int>.self, forKey: .fittedRows)
        center = try container.decode([Double].self, forKey: .center)
        scale = try container.decode([Double].self, forKey: .scale)
        constant = try container.decodeIfPresent([Bool].self, forKey: .constant) ?? scale.map { $0 == 1 }
    }

    /// Fits on `rows` of `matrix`, which must all be past the warm-up.
    public static func fit(_ kind: Kind, to matrix: FeatureMatrix, rows: Range<Int>) -> FeatureScaler {
        precondition(!rows.isEmpty, "a scaler needs at least one row to fit on")
        precondition(rows.lowerBound >= matrix.warmUp && rows.upperBound <= matrix.rows,
                     "fit rows \(rows) must lie within the valid rows \(matrix.validRows)")
        var center: [Double] = [], scale: [Double] = [], constant: [Bool] = []
        for column in matrix.columns {
            let values = Array(column[rows])
            let (c, s): (Double, Double)
            switch kind {
            case .zScore:
                let mean = values.reduce(0, +) / Double(values.count)
                let variance = values.count > 1 ? values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1) : 0
                (c, s) = (mean, variance.squareRoot())
            case .minMax:
                let low = values.min()!, high = values.max()!
                (c, s) = (low, high - low)
            case .robust:
                let sorted = values.sorted()
                (c, s) = (quantile(sorted, 0.5), quantile(sorted, 0.75) - quantile(sorted, 0.25))
            }
            let spread = s > 0 && s.isFinite
            center.append(c)
            scale.append(spread ? s : 1)
            constant.append(!spread)
        }
        return FeatureScaler(kind: kind, fittedRows: rows, center: center, scale: scale, constant: constant)
    }

    /// The q-quantile of sorted values, interpolating linearly between order statistics (numpy's
    /// default method).
    public static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }

    /// The scaled value of column `column`.
    @inline(__always)
    public func transform(_ value: Double, column: Int) -> Double {
        (value - center[column]) / scale[column]
    }

    /// The original value of a scaled one.
    public func inverse(_ value: Double, column: Int) -> Double {
        value * scale[column] + center[column]
    }
}
