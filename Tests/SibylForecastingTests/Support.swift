import Foundation
import SibylData

/// A bundled dataset from the repository's `Datasets/` folder.
func bundledSeries(_ name: String) throws -> BarSeries {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Datasets/\(name).csv").path
    return try BarCSV.read(contentsOf: path).series
}
