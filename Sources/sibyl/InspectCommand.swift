import ArgumentParser
import Foundation
import SibylData

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Validate a bar file and summarize it: rows, dates, frequency, gaps, warnings.",
        discussion: "Exits with status 1 and one line naming the file, line and column when the file breaks a rule."
    )

    @OptionGroup var dataOptions: DataOptions

    @Flag(name: .long, help: "Print the summary as JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let file = try dataOptions.load(quiet: json)
            let summary = InspectSummary(file: file, path: try dataOptions.path())
            if json {
                print(try JSONOutput.text(summary))
            } else {
                print(summary.text)
            }
        }
    }
}

/// What `sibyl inspect` reports about a file.
struct InspectSummary: Encodable {
    let name: String
    let path: String
    let bars: Int
    let first: String
    let last: String
    let years: Double
    let frequency: BarFrequency
    let frequencyDescription: String
    let header: [String]
    let dateFormat: String
    let hasVolume: Bool
    let hasAdjustedClose: Bool
    let closeMin: Double
    let closeMinDate: String
    let closeMax: Double
    let closeMaxDate: String
    let closeLast: Double
    let gaps: [Gap]
    let warnings: [DataWarning]
    let repairs: [RepairNote]

    struct Gap: Encodable {
        let from: String
        let to: String
        let days: Double
    }

    init(file: BarFile, path: String) {
        let series = file.series
        name = series.name
        self.path = path
        bars = series.count
        let iso = series.timestampFormat
        first = iso(series.timestamps[0])
        last = iso(series.timestamps[series.count - 1])
        years = Double(series.timestamps[series.count - 1].secondsSinceEpoch - series.timestamps[0].secondsSinceEpoch) / (365.25 * 86_400)
        let frequency = series.frequency
        self.frequency = frequency
        frequencyDescription = frequency.description
        header = file.header
        dateFormat = file.dateFormat
        hasVolume = series.volume != nil
        hasAdjustedClose = series.adjustedClose != nil
        let minIndex = series.close.indices.min { series.close[$0] < series.close[$1] }!
        let maxIndex = series.close.indices.max { series.close[$0] < series.close[$1] }!
        closeMin = series.close[minIndex]
        closeMinDate = iso(series.timestamps[minIndex])
        closeMax = series.close[maxIndex]
        closeMaxDate = iso(series.timestamps[maxIndex])
        closeLast = series.close[series.count - 1]
        gaps = series.gaps(frequency: frequency).map { Gap(from: iso($0.from), to: iso($0.to), days: Double($0.seconds) / 86_400) }
        warnings = file.warnings
        repairs = file.repairs
    }

    var text: String {
        var lines = [
            "\(name) (\(path))",
            "  bars        \(bars), \(first) → \(last) (\(String(format: "%.2f", years)) years)",
            "  frequency   \(frequencyDescription)",
            "  columns     \(header.map { $0.isEmpty ? "(unnamed)" : $0 }.joined(separator: ", ")); dates as \(dateFormat)",
            "  close       min \(closeMin) on \(closeMinDate), max \(closeMax) on \(closeMaxDate), last \(closeLast)",
            "  volume      \(hasVolume ? "yes" : "no column"); adjusted close: \(hasAdjustedClose ? "yes" : "no")",
        ]
        if gaps.isEmpty {
            lines.append("  gaps        none beyond the series' rhythm")
        } else {
            let shown = gaps.sorted { $0.days > $1.days }.prefix(4).map { "\($0.from) → \($0.to) (\(duration(days: $0.days)))" }
            lines.append("  gaps        \(gaps.count) beyond the series' rhythm; \(gaps.count > shown.count ? "longest" : "all"): \(shown.joined(separator: "; "))"
                         + (gaps.count > shown.count ? " (--json lists all \(gaps.count))" : ""))
        }
        lines.append("  warnings    \(warnings.isEmpty ? "none" : "\(warnings.count), listed above")")
        lines.append("  repairs     \(repairs.isEmpty ? "none" : "\(repairs.count), listed above")")
        lines.append("OK: \(bars) valid bar\(bars == 1 ? "" : "s")")
        return lines.joined(separator: "\n")
    }
}
