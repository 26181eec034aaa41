import Foundation
import SibylData
import SibylKernels

/// What a model learns to predict about the bar after a window.
public enum ForecastTarget: String, Sendable, Codable, CaseIterable {
    /// ln(C_{t+1} / C_t).
    case logReturn = "log-return"
    /// 1 when C_{t+1} > C_t, else 0.
    case direction
    /// C_{t+1}, in price units.
    case nextClose = "next-close"
}

/// Scaled features cut into windows of T bars with next-bar targets, ready for recurrent models.
///
/// Dimensions: T window length, F features, B batch size. The sample ending at row t holds feature
/// rows t−T+1 … t (all past the warm-up) and the target of bar t+1. Batches are time-major,
/// (T, B, F), so each step of a recurrent layer reads one contiguous (B, F) slab.
public struct WindowedDataset: Sendable {
    /// T.
    public let windowLength: Int
    /// F.
    public let featureCount: Int
    public let target: ForecastTarget
    /// Scaled features, row-major (N, F), Float32; rows before the warm-up are zero and never read.
    public let features: [Float]
    /// Target per row: the value for the sample ending at that row; NaN on the last row. In
    /// double precision: a next close can lie beyond single precision's range (prices up to 1e100)
    /// until it is standardized (``fill(ends:inputs:targets:center:scale:)``).
    public let targets: [Double]
    /// Rows at which a full window of valid features ends.
    public let firstSampleEnd: Int
    /// N.
    public let rows: Int

    /// Scales `matrix` with `scaler` and attaches next-bar targets from `series`.
    public init(matrix: FeatureMatrix, series: BarSeries, scaler: FeatureScaler, windowLength: Int, target: ForecastTarget) {
        precondition(matrix.rows == series.count, "features and bars differ in length")
        precondition(windowLength >= 1, "window length must be at least 1")
        self.windowLength = windowLength
        featureCount = matrix.featureCount
        self.target = target
        rows = matrix.rows
        firstSampleEnd = matrix.warmUp + windowLength - 1
        var features = [Float](repeating: 0, count: matrix.rows * matrix.featureCount)
        for (c, column) in matrix.columns.enumerated() {
            for r in matrix.validRows { features[r * featureCount + c] = Float(scaler.transform(column[r], column: c)) }
        }
        self.features = features
        let close = series.close
        targets = (0..<series.count).map { t in
            guard t + 1 < close.count else { return .nan }
            switch target {
            case .logReturn: return log(close[t + 1] / close[t])
            case .direction: return close[t + 1] > close[t] ? 1 : 0
            case .nextClose: return close[t + 1]
            }
        }
    }

    /// Copies the windows ending at `ends` into `inputs`, time-major, and their targets, as
    /// (target − center) / scale, into `targets`.
    ///
    /// - Parameters:
    ///   - ends: B sample end rows.
    ///   - inputs: (T, B, F) Float32; element [τ, b, f] is feature f of row ends[b] − T + 1 + τ.
    ///   - targets: (B) Float32.
    ///   - center: Subtracted from each target (the training targets' mean).
    ///   - scale: Each target is divided by it after (their standard deviation).
    public func fill(ends: ArraySlice<Int>, inputs: UnsafeMutablePointer<Float>, targets output: UnsafeMutablePointer<Float>?,
                     center: Double = 0, scale: Double = 1) {
        let batch = ends.count
        features.withUnsafeBufferPointer { x in
            for (b, end) in ends.enumerated() {
                precondition(end >= firstSampleEnd && end < rows, "sample end \(end) outside \(firstSampleEnd)..<\(rows)")
                for step in 0..<windowLength {
                    let row = end - windowLength + 1 + step
                    (inputs + (step * batch + b) * featureCount).update(from: x.baseAddress! + row * featureCount, count: featureCount)
                }
                output?[b] = Float((targets[end] - center) / scale)
            }
        }
    }
}
