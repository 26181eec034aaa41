import Foundation
@testable import SibylData

/// The repository's `Datasets/` folder.
let datasetsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Datasets")

let datasetNames = ["SPX_daily", "MSFT_daily", "GOOGL_daily", "EURUSD_hourly"]

func datasetPath(_ name: String) -> String {
    datasetsFolder.appendingPathComponent("\(name).csv").path
}

/// Parses CSV text as the file "test.csv", returning the error it throws, if any.
func parseError(_ text: String, repair: RepairPolicy = .none) -> DataError? {
    do {
        _ = try BarCSV.parse(text, file: "test.csv", options: BarReadOptions(repair: repair))
        return nil
    } catch let error as DataError {
        return error
    } catch {
        return nil
    }
}

let goodHeader = "Date,Open,High,Low,Close,Volume"
let goodRows = [
    "2020-01-02,10,11,9,10.5,1000",
    "2020-01-03,10.5,12,10,11.5,1500",
    "2020-01-06,11.5,11.8,10.9,11,1200",
    "2020-01-07,11,11.2,10.2,10.4,900",
]
