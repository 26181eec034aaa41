import ArgumentParser
import Foundation
import SibylForecasting
import SibylKernels
import _SibylVectorMath

@main
struct SibylCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sibyl",
        abstract: "Forecast and backtest financial time series on an OpenBLAS/FFTW engine.",
        version: SibylVersion.current,
        subcommands: [BacktestCommand.self, ForecastCommand.self, TrainCommand.self, InspectCommand.self, FeaturesCommand.self, BenchCommand.self]
    )

    static func main() {
        // The models' passes split their own work on Sibyl's kernels; their heads' small products
        // call OpenBLAS on one thread, where it stays for the whole run (set and restored around
        // each pass, its idle second thread would spin between passes). The GEMM benchmark sets
        // the thread count it measures itself.
        OpenBLAS.threadCount = 1
        // Swift reads "0x10" as a number (16) where a user meant something else: number options
        // take decimal numbers only. Paths and patterns are names, whatever they look like.
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let hexadecimal = numberArguments(arguments).first(where: isHexadecimalNumber) {
            printToStandardError("error: '\(hexadecimal)' is a hexadecimal number; options take decimal numbers (fix: write it in decimal, such as 16 or 0.001)")
            Foundation.exit(64)
        }
        main(arguments)
        // What was printed must have arrived: standard output on a full disk (`> /dev/full`) or
        // closed (`>&-`) fails here rather than ending with exit 0 and the output lost.
        let failure = sibyl_flush_standard_output()
        if failure != 0 {
            let reason = String(cString: strerror(failure))
            printToStandardError("error: standard output could not be written: \(reason) (fix: send standard output where it can be written: a file on a disk with room, or a pipe whose reader keeps reading)")
            Foundation.exit(1)
        }
    }

    /// Options whose value is a path or a pattern, never a number.
    static let textOptionNames: Set<String> = ["--data", "--out", "--model-file", "--trades", "--equity", "--report", "--csv-file", "--filter",
                                               "--features", "--spec"]

    /// The arguments that may be numbers: all but the values of `textOptionNames`, given as the
    /// next argument or after `=`.
    static func numberArguments(_ arguments: [String]) -> [String] {
        var numbers: [String] = []
        var previous = ""
        for argument in arguments {
            let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            if !textOptionNames.contains(previous) && !(argument.contains("=") && textOptionNames.contains(name)) {
                numbers.append(argument)
            }
            previous = argument
        }
        return numbers
    }

    /// "0x10", "-0x1.8p3": what `Double(_:)` reads as hexadecimal.
    static func isHexadecimalNumber(_ text: String) -> Bool {
        // An option and its value in one argument: --learning-rate=0x10.
        let value = text.hasPrefix("--") ? String(text.split(separator: "=", maxSplits: 1).dropFirst().first ?? "") : text
        var body = Substring(value.trimmingCharacters(in: .whitespaces))
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        return body.lowercased().hasPrefix("0x") && Double(String(body)) != nil
    }
}
