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

/// Intraday bars on the weekdays of `days` calendar days from `start`, one at each time of day (in
/// minutes) `minutes(date)` gives, with closes that vary from bar to bar.
func weekdayBars(from start: Timestamp, days: Int, minutes: (Timestamp) -> [Int]) throws -> BarSeries {
    var bars: [Bar] = []
    for day in 0..<days {
        let date = start.adding(days: day)
        guard date.weekday <= 5 else { continue }
        for minute in minutes(date) {
            let close = 100 + Double(bars.count % 13) / 10
            bars.append(Bar(timestamp: Timestamp(secondsSinceEpoch: date.secondsSinceEpoch + Int64(60 * minute)),
                            open: close, high: close, low: close, close: close, volume: 1))
        }
    }
    return try BarSeries(name: "bars", bars: bars)
}
