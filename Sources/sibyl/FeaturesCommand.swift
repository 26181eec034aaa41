import ArgumentParser
import Foundation
import SibylData
import SibylFeatures

struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Compute the features a model sees and write them as CSV, one row per bar.",
        discussion: """
            Features: \(FeatureSpec.syntax). Every value at a bar uses that bar and earlier ones \
            only. Rows before every feature is defined (the warm-up) are left out and reported, \
            never filled in.
            """
    )

    @OptionGroup var dataOptions: DataOptions

    @Option(name: .long, help: ArgumentHelp("Comma-separated features, for example returns,rsi:14,fft:64:8.", valueName: "spec"))
    var spec: String = FeaturePipeline.defaultSpecText

    @Option(name: .long, help: ArgumentHelp("CSV file to write; standard output when omitted.", valueName: "file"))
    var out: String?

    @Flag(name: .long, help: "Print a JSON summary (requires --out).")
    var json = false

    func validate() throws {
        if json && out == nil { throw ValidationError("--json prints a summary, so the features need a file: add --out FILE") }
    }

    func run() throws {
        try reportingErrors(featuresOption: "--spec") {
            try TrainingOptions.checkSyntax(spec)
            let path = try dataOptions.path()
            let output = try out.map { try OutputFile($0, option: "--out", inputs: [(path, "--data")]) }
            // Features on standard output keep it to themselves: the summary goes to standard error.
            let say = try OutputFile.summaryPrinter(for: output.map { [$0] } ?? [], json: json)
            let notes = CommandNotes()
            let file = try dataOptions.load(notes: notes)
            let pipeline = try FeaturePipeline(parsing: try TrainingOptions.defaultFeatures(spec, option: "--spec", for: file.series, notes: notes))
            let matrix = try pipeline.compute(file.series)
            // A table of headers only would read as features computed.
            guard !matrix.validRows.isEmpty else {
                throw CommandError("\(path) has \(file.series.count) bar\(file.series.count == 1 ? "" : "s") and the features '\(pipeline)' need at least \(pipeline.warmUp + 1) (\(pipeline.warmUp) of warm-up, then one row)",
                                   fix: "use shorter windows in --spec, or a longer series")
            }
            let text = FeatureCSV.text(of: matrix)
            if let output {
                try output.write(Data(text.utf8))
            } else {
                print(text, terminator: "")
            }
            let summary = FeaturesSummary(matrix: matrix, pipeline: pipeline, out: out, source: path, file: file, notes: notes.lines)
            if json {
                print(try JSONOutput.text(summary))
            } else if out != nil {
                say(summary.text)
            } else {
                // The features themselves went to standard output.
                printToStandardError(summary.text)
            }
        }
    }
}

/// Features as CSV: a Date column, then one column per feature, valid rows only.
enum FeatureCSV {
    static func text(of matrix: FeatureMatrix) -> String {
        let date = Timestamp.csvFormat(for: matrix.timestamps)
        var lines = [(["Date"] + matrix.names).joined(separator: ",")]
        lines.reserveCapacity(matrix.rows + 1)
        for r in matrix.validRows {
            var line = date(matrix.timestamps[r])
            for column in matrix.columns { line += ",\(column[r])" }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

struct FeaturesSummary: Encodable {
    let source: String
    let spec: String
    let features: [String]
    let bars: Int
    let warmUpRows: Int
    let rowsWritten: Int
    let firstRow: String
    let lastRow: String
    let out: String?
    /// What the data reading warned about and repaired, as on standard error.
    let warnings: [DataWarning]
    let repairs: [RepairNote]
    /// The notes printed on standard error (the default features' volume feature left out).
    let notes: [String]

    init(matrix: FeatureMatrix, pipeline: FeaturePipeline, out: String?, source: String, file: BarFile, notes: [String]) {
        self.source = source
        self.notes = notes
        warnings = file.warnings
        repairs = file.repairs
        spec = pipeline.description
        features = matrix.names
        bars = matrix.rows
        warmUpRows = matrix.warmUp
        rowsWritten = matrix.validRows.count
        let iso = Timestamp.csvFormat(for: matrix.timestamps)
        // The command refuses a matrix without valid rows before it gets here.
        firstRow = iso(matrix.timestamps[matrix.validRows.lowerBound])
        lastRow = iso(matrix.timestamps[matrix.rows - 1])
        self.out = out
    }

    var text: String {
        return "\(rowsWritten) rows × \(features.count) features (\(firstRow) → \(lastRow)) to \(out ?? "standard output"); "
            + "\(warmUpRows) warm-up row\(warmUpRows == 1 ? "" : "s") left out; spec \(spec)"
    }
}
