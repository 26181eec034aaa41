import Foundation

extension BarCSV {
    /// The series as CSV text in the `Datasets/` format: `Date,Open,High,Low,Close[,Volume][,Adj Close]`.
    ///
    /// Dates are written as `YYYY-MM-DD` when every bar is at midnight, as `YYYY-MM-DDTHH:MM:SS`
    /// otherwise; numbers in the shortest form that reads back to the same Double, so that reading
    /// the text returns the series exactly.
    public static func text(of series: BarSeries) -> String {
        let date = Timestamp.csvFormat(for: series.timestamps)
        var header = "Date,Open,High,Low,Close"
        if series.volume != nil { header += ",Volume" }
        if series.adjustedClose != nil { header += ",Adj Close" }
        var lines = [header]
        lines.reserveCapacity(series.count + 1)
        for i in 0..<series.count {
            var line = date(series.timestamps[i])
            for value in [series.open[i], series.high[i], series.low[i], series.close[i]] {
                line += ",\(value)"
            }
            if let volume = series.volume { line += ",\(volume[i])" }
            if let adjusted = series.adjustedClose { line += ",\(adjusted[i])" }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the series to `path` atomically (a temporary file, then a rename).
    public static func write(_ series: BarSeries, to path: String) throws {
        try Data(text(of: series).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
