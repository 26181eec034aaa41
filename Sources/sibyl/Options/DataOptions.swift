import ArgumentParser
import Foundation
import SibylData
import SibylFeatures
import SibylForecasting
import SibylNeural

/// Where the bars come from, and what to do with bad rows: shared by every command that reads data.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("OHLCV CSV file to read (- for standard input); the bundled S&P 500 daily series when omitted.", valueName: "file"))
    var data: String?

    @Option(name: .long, help: ArgumentHelp("What to do with bad rows: none (stop with an error), drop, or ffill (fill a cell from the bar before; a bar with no price at all becomes one where nothing traded, flat at the close before). Every change is reported.", valueName: "policy"))
    var repair: RepairPolicy = .none

    @Flag(name: .long, help: "Use split- and dividend-adjusted prices: Adj Close as the close, Open, High and Low scaled by Adj Close / Close on each bar and Volume by its inverse (needs an Adj Close column).")
    var adjusted = false

    /// The file to read: --data (`-`, as is usual, standard input), or the bundled dataset.
    func path() throws -> String {
        if data == "-" { return "/dev/stdin" }
        return try data ?? BundledData.defaultDatasetPath()
    }

    /// Reads the file and reports repairs and warnings on standard error (with `--json` too: what
    /// was changed in the data must never go unsaid, and standard output stays pure JSON), unless
    /// `quiet` (for a caller whose output lists them itself); with `digest`, the file's SHA-256
    /// comes from the same read. The note on adjusted prices goes to `notes` when given.
    func load(quiet: Bool = false, digest: Bool = false, notes: CommandNotes? = nil) throws -> BarFile {
        let path = try path()
        // `sibyl … --data prices.csv >> prices.csv` would write the summary into the data.
        var input = stat()
        if stat(path, &input) == 0, input.st_mode & S_IFMT == S_IFREG, OutputFile.standardOutputIs((input.st_dev, input.st_ino)) {
            throw CommandError("standard output is the data file \(path): the command's output would be written into it",
                               fix: "redirect the output to another file")
        }
        let file = try BarCSV.read(contentsOf: path, options: BarReadOptions(repair: repair, adjusted: adjusted), digest: digest)
        if quiet { return file }
        for note in file.repairs { printToStandardError(note.description) }
        for warning in file.warnings { printToStandardError(warning.description) }
        if adjusted {
            let note = "\(path): note: adjusted prices: \(file.adjustedBars) of \(file.series.count) bars scaled by Adj Close / Close"
            if let notes { notes.add(note) } else { printToStandardError(note) }
        }
        return file
    }
}

extension RepairPolicy: ExpressibleByArgument {}

/// The dataset shipped inside the tool.
enum BundledData {
    static let defaultDatasetName = "SPX_daily.csv"

    /// The bundled dataset next to the executable, found without `Bundle.module` (which stops the
    /// process when the resource folder is missing; here that is an ordinary error).
    static func defaultDatasetPath() throws -> String {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let candidates = [executable.deletingLastPathComponent(), Bundle.main.bundleURL, Bundle.main.resourceURL]
            .compactMap { $0?.appendingPathComponent("Sibyl_sibyl.resources").appendingPathComponent(defaultDatasetName).path }
        if let found = candidates.first(where: { FileManager.default.isReadableFile(atPath: $0) }) { return found }
        throw CommandError("the bundled dataset \(defaultDatasetName) is not next to the sibyl executable (looked in \(candidates[0]))",
                           fix: "pass --data FILE, or keep Sibyl_sibyl.resources beside the sibyl executable")
    }
}

/// A problem with how the tool was invoked or set up, as one line with a fix.
struct CommandError: Error, CustomStringConvertible {
    let message: String
    let fix: String

    init(_ message: String, fix: String) {
        self.message = message
        self.fix = fix
    }

    var description: String { "error: \(message) (fix: \(fix))" }
}

func printToStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// The notes and warnings a command prints on standard error as it goes (options ignored, features
/// left out, a model of another kind than the data), kept for the `notes` of its `--json` document.
final class CommandNotes {
    private(set) var lines: [String] = []

    /// Prints `line` on standard error and keeps it.
    func add(_ line: String) {
        printToStandardError(line)
        lines.append(line)
    }
}

/// Runs a command body, turning every error that comes with a fix (bad data, a bad feature list,
/// a bad checkpoint, training that stops, a series too short to forecast) into one line on
/// standard error and a non-zero exit, without the argument parser's usage text.
///
/// - Parameters:
///   - featuresOption: The option whose feature list a ``FeatureSpecError`` is about.
///   - checkpoint: The checkpoint whose fixed feature list the features come from, when they do
///     not come from an option: a feature the data cannot give is then fixed by other data or
///     another model, and a list that does not parse by training again, not by editing the list.
///   - data: The data a ``ForecastError`` is about, named at the front of its line as data errors
///     name their file.
func reportingErrors(featuresOption: String = "--features", checkpoint: String? = nil, data: DataOptions? = nil,
                     _ body: () throws -> Void) throws {
    let file = (try? data?.path()).map { "\($0): " } ?? ""
    let line: String
    do {
        try body()
        return
    } catch let error as DataError {
        line = error.description
    } catch let error as CommandError {
        line = error.description
    } catch let error as CheckpointError {
        line = error.description
    } catch let error as FeatureSpecError {
        switch checkpoint {
        case let checkpoint? where error.needsOtherData:
            // The list is fixed in the checkpoint: other data or another model, not another list.
            line = "\(file)error: feature \(error.position) '\(error.item)' of the feature list of \(checkpoint): \(error.message)"
                + " (fix: use data that gives it, or train a model without \(error.item) in --features)"
        case let checkpoint?:
            line = "error: feature \(error.position) '\(error.item)' of the feature list of \(checkpoint): \(error.message) (fix: train the model again)"
        case nil:
            line = "error: \(featuresOption): \(error.description)"
        }
    } catch let error as ForecastError {
        line = file + error.description
    } catch let error as TrainingError {
        line = "error: \(error.description)"
    }
    printToStandardError(line)
    throw ExitCode(1)
}
