import SibylData

/// Features by bar: N rows (one per bar of the series) × F named columns.
///
/// A column is NaN before the first bar at which its feature is defined; `warmUp` is the first
/// row where every column is defined. Rows before it are reported, never filled with made-up
/// values: models and outputs use rows `warmUp ..< rows` only.
public struct FeatureMatrix: Sendable, Equatable {
    /// Column names, in pipeline order.
    public let names: [String]
    /// One timestamp per row: the bar the row belongs to.
    public let timestamps: [Timestamp]
    /// Columns of N values each.
    public let columns: [[Double]]
    /// First row at which every column is defined (N when none is).
    public let warmUp: Int

    /// N, one row per bar.
    public var rows: Int { timestamps.count }
    /// F.
    public var featureCount: Int { names.count }
    /// Rows at which every feature is defined.
    public var validRows: Range<Int> { min(warmUp, rows)..<rows }

    public init(names: [String], timestamps: [Timestamp], columns: [[Double]], warmUp: Int) {
        precondition(names.count == columns.count, "\(names.count) names for \(columns.count) columns")
        precondition(columns.allSatisfy { $0.count == timestamps.count }, "every column needs one value per bar")
        self.names = names
        self.timestamps = timestamps
        self.columns = columns
        self.warmUp = warmUp
    }

    /// The values of row `index`, one per column.
    public func row(_ index: Int) -> [Double] {
        columns.map { $0[index] }
    }

    /// The column named `name`.
    public func column(named name: String) -> [Double]? {
        names.firstIndex(of: name).map { columns[$0] }
    }
}
