import ArgumentParser
import Foundation
import SibylData
import SibylKernels

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput: GEMM GFLOP/s, FFT ns/transform, element-wise ns/element, CSV rows/s, features bars/s, LSTM/GRU sequences/s, backtest bars/s.",
        discussion: """
            Each figure is the median of --repeats timed runs of at least --min-time seconds, with \
            the minimum and maximum beside it. The table names the core OpenBLAS chose for this CPU \
            (set by OPENBLAS_CORETYPE when present), which can change GEMM speed by 2×.
            """
    )

    enum Suite: String, CaseIterable, ExpressibleByArgument {
        case gemm, fft, elementwise, csv, features, recurrent, backtest
    }

    /// Suites as typed: each value one suite or several separated by commas (`gemm fft` or `gemm,fft`).
    struct SuiteList: ExpressibleByArgument {
        let suites: [Suite]
        init(_ suites: [Suite]) { self.suites = suites }
        init?(argument: String) {
            let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map { Suite(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
            suites = parts.compactMap { $0 }
        }
        var defaultValueDescription: String { suites.map(\.rawValue).joined(separator: " ") }
        static var allValueStrings: [String] { Suite.allCases.map(\.rawValue) }
    }

    @Option(name: .long, parsing: .upToNextOption,
            help: "Suites to run, separated by spaces or commas: \(Suite.allCases.map(\.rawValue).joined(separator: ", ")).")
    var suites: [SuiteList] = [SuiteList(Suite.allCases)]

    @Option(name: .long, parsing: .unconditional, help: "Thread counts to measure, comma-separated.")
    var threads: String = "1,2"

    @Option(name: .long, parsing: .unconditional, help: "Minimum seconds per timed repeat.")
    var minTime: Double = 0.15

    @Option(name: .long, parsing: .unconditional, help: "Timed repeats per case; the median is reported.")
    var repeats: Int = 5

    @Option(name: .long, parsing: .unconditional, help: "Floats per element-wise operation.")
    var elements: Int = 10_000_000

    @Option(name: .long, parsing: .unconditional, help: "Windows per FFTW call in the FFT suite.")
    var fftBatch: Int = RealFFT<Float>.defaultBatch

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp(
        "Square GEMM sizes, comma-separated (the peer script's --sizes); the recurrent shapes always run.", valueName: "sizes"))
    var gemmSizes: String = defaultGEMMSizes.map(String.init).joined(separator: ",")

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("FFT sizes, comma-separated (the peer script's --sizes).", valueName: "sizes"))
    var fftSizes: String = defaultFFTSizes.map(String.init).joined(separator: ",")

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp(
        "Recurrent configurations as the PyTorch peer script takes them: inputs,hidden,layers,steps,batch, separated by semicolons.",
        valueName: "configs"))
    var configs: String = defaultRecurrentConfigurations.map(\.description).joined(separator: ";")

    @Option(name: .long, help: ArgumentHelp("CSV file the csv suite reads, written (1,000,000 synthetic bars) if missing.", valueName: "file"))
    var csvFile: String = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-bench-1M.csv").path

    @Option(name: .long, help: "Only run cases whose name contains this text.")
    var filter: String?

    @Flag(name: .long, help: "Print one JSON document (peer-script record format) instead of the table.")
    var json = false

    /// The csv suite's file exists (written if missing) and reads without error, checked before any
    /// case runs: a file that cannot be written or read is one line and exit 1, not a trap mid-run.
    private func checkCSVFile(seed: UInt64) throws {
        guard csvFile != "-" else {
            throw CommandError("--csv-file - names standard input or output, and the benchmark reads its file once per repeat", fix: "name a CSV file")
        }
        var status = stat()
        if stat(csvFile, &status) != 0 {
            // Written here, it reads: no need to parse it before the timed runs do.
            let output = try OutputFile(csvFile, option: "--csv-file", inputs: [])
            try output.write(syntheticCSV(rows: dataBenchRows, seed: seed))
            printToStandardError("note: wrote \(dataBenchRows) synthetic bars to \(csvFile) for the csv suite (read from there by later runs)")
            return
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            // Each repeat reads the file again: a pipe or device would hang or read something else.
            throw CommandError("--csv-file \(csvFile) is not a regular file, and the benchmark reads it once per repeat", fix: "name a CSV file")
        }
        do {
            _ = try BarCSV.read(contentsOf: csvFile)
        } catch let error as DataError {
            // The suite times the read of a valid file, as it is: `bench` takes no --repair.
            throw DataError(kind: error.kind, file: error.file, line: error.line, column: error.column, value: error.value, message: error.message,
                            fix: "the csv suite reads its file as it is: correct it, name another CSV file, or name one that does not exist for the suite to write")
        }
    }

    /// The thread counts in the order given, each once.
    var threadCounts: [Int] { firstOccurrences(Self.integers(threads[...])) }

    /// The whole numbers of a comma-separated list; pieces that are not numbers are left out
    /// (`validate` refuses them first).
    private static func integers(_ text: Substring) -> [Int] {
        text.split(separator: ",", omittingEmptySubsequences: false).compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// Refuses a list that is empty, has an empty piece or a piece that is not a whole number in
    /// `range`: "1,,2" and "1," would otherwise run something other than what was typed.
    private static func checkList(_ text: Substring, option: String, range: ClosedRange<Int>, example: String, what: String = "") throws {
        let pieces = text.split(separator: ",", omittingEmptySubsequences: false)
        guard !text.isEmpty, pieces.allSatisfy({ Int($0.trimmingCharacters(in: .whitespaces)).map(range.contains) ?? false }) else {
            throw ValidationError("\(option) takes whole numbers from \(range.lowerBound) to \(range.upperBound) separated by commas\(what), for example \(example); got '\(text)'")
        }
    }

    /// The recurrent configurations in the order given, each once.
    var recurrentConfigurations: [RecurrentBenchConfiguration] {
        firstOccurrences(configs.split(separator: ";", omittingEmptySubsequences: false).compactMap { piece in
            let values = Self.integers(piece)
            return values.count == 5 ? RecurrentBenchConfiguration(f: values[0], h: values[1], l: values[2], t: values[3], b: values[4]) : nil
        })
    }

    /// The suites in the order given, each once.
    var uniqueSuites: [Suite] { firstOccurrences(suites.flatMap(\.suites)) }

    /// `values` in their order, each kept where it first occurs.
    private func firstOccurrences<T: Equatable>(_ values: [T]) -> [T] {
        values.enumerated().filter { index, value in !values[..<index].contains(value) }.map(\.element)
    }

    func validate() throws {
        if let filter, filter.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--filter is empty, and every case's name holds it; give part of a case's name, such as 'gru', or leave out --filter")
        }
        try Self.checkList(Substring(threads), option: "--threads", range: 1...256, example: "1,2")
        // Up to 4096: three matrices of 64 MB.
        try Self.checkList(Substring(gemmSizes), option: "--gemm-sizes", range: 1...4096, example: "256,1024")
        // Windows are cut from a series of `fftSeriesLength` values.
        try Self.checkList(Substring(fftSizes), option: "--fft-sizes", range: 2...65_536, example: "64,256")
        for piece in configs.split(separator: ";", omittingEmptySubsequences: false) {
            try Self.checkList(piece, option: "--configs", range: 1...100_000, example: "8,64,1,64,64;16,256,1,128,32",
                               what: " (inputs,hidden,layers,steps,batch), configurations by semicolons")
            guard Self.integers(piece).count == 5 else {
                throw ValidationError("--configs takes five numbers per configuration, inputs,hidden,layers,steps,batch, for example 16,256,1,128,32; got '\(piece)'")
            }
        }
        let memory = usableMemory
        for configuration in recurrentConfigurations where configuration.trainingBytes > 0.5 * memory.bytes {
            throw ValidationError(String(format: "--configs %@ needs about %.1f GB for a training step, and ",
                                         configuration.description, configuration.trainingBytes / 1e9) + memory.phrase)
        }
        guard minTime > 0, repeats >= 1, elements >= 1, fftBatch >= 1 else {
            throw ValidationError("--min-time, --repeats, --elements and --fft-batch must be positive")
        }
        // Bounds that keep a case within memory and a lifetime: 10^8 floats are 400 MB per vector.
        guard minTime <= 600 else { throw ValidationError("--min-time is at most 600 seconds per repeat; got \(minTime)") }
        guard repeats <= 1000 else { throw ValidationError("--repeats is at most 1000; got \(repeats)") }
        guard elements <= 100_000_000 else { throw ValidationError("--elements is at most 100000000 (400 MB per vector); got \(elements)") }
        guard fftBatch <= 65_536 else { throw ValidationError("--fft-batch is at most 65536 windows per call; got \(fftBatch)") }
    }

    func run() throws {
        let settings = BenchSettings(minTime: minTime, repeats: repeats, threadCounts: threadCounts,
                                     elementCount: elements, seed: 42, fftBatch: fftBatch,
                                     gemmSizes: firstOccurrences(Self.integers(gemmSizes[...])), fftSizes: firstOccurrences(Self.integers(fftSizes[...])),
                                     recurrentConfigurations: recurrentConfigurations)
        var cases: [BenchCase] = []
        for suite in uniqueSuites {
            switch suite {
            case .gemm: cases += gemmCases(settings)
            case .fft: cases += fftCases(settings)
            case .elementwise: cases += elementwiseCases(settings)
            case .csv: cases += csvCases(settings, file: csvFile)
            case .features: cases += featureCases(settings)
            case .recurrent: cases += recurrentCases(settings)
            case .backtest: cases += backtestCases(settings)
            }
        }
        if let filter {
            cases = cases.filter { $0.name.contains(filter) }
            // An empty table would read as a benchmark that ran.
            if cases.isEmpty {
                printToStandardError("error: no case of the suites \(uniqueSuites.map(\.rawValue).joined(separator: ", ")) has '\(filter)' in its name (fix: run without --filter to see the case names)")
                throw ExitCode(1)
            }
        }
        if cases.contains(where: { $0.suite == "gemm" }), let most = threadCounts.max() {
            // OpenBLAS caps the count at the number it was built for; a figure labelled with more
            // threads than ran would mislead.
            let saved = OpenBLAS.threadCount
            OpenBLAS.threadCount = most
            let granted = OpenBLAS.threadCount
            OpenBLAS.threadCount = saved
            if granted < most {
                printToStandardError("error: this OpenBLAS runs at most \(granted) threads, so a GEMM at --threads \(most) would run on \(granted) (fix: use --threads up to \(granted), or leave out the gemm suite)")
                throw ExitCode(64)
            }
        }
        // The csv, features and backtest suites time one thread whatever --threads says: a typed
        // --threads asking for more is told so.
        let oneThreadSuites = ["csv", "features", "backtest"].filter { suite in cases.contains { $0.suite == suite } }
        if !oneThreadSuites.isEmpty, threadCounts.contains(where: { $0 > 1 }), TrainingOptions.typedOptions.contains("--threads") {
            printToStandardError("note: the \(oneThreadSuites.joined(separator: ", ")) suite\(oneThreadSuites.count == 1 ? "" : "s") run\(oneThreadSuites.count == 1 ? "s" : "") on one thread whatever --threads; it sets the other suites' threads")
        }
        // Some suites run at one thread whatever --threads says: only the cases that will run count.
        for count in Set(cases.map(\.threads)).sorted() where count > availableProcessors {
            printToStandardError("note: --threads \(count) is more than the \(processorsPhrase) this process may use: those cases measure threads taking turns")
        }
        if cases.contains(where: { $0.suite == "csv" }) { try reportingErrors { try checkCSVFile(seed: settings.seed) } }
        let environment = BenchEnvironment.current(
            version: SibylCommand.configuration.version, core: OpenBLAS.coreName,
            configuration: OpenBLAS.configuration, isa: VectorMath.instructionSet)
        let originalThreads = OpenBLAS.threadCount
        defer { OpenBLAS.threadCount = originalThreads }

        var progress = ProgressLine()
        var records: [BenchRecord] = []
        for (index, benchCase) in cases.enumerated() {
            progress.update("[\(index + 1)/\(cases.count)] \(benchCase.suite): \(benchCase.name), \(benchCase.threads) thread\(benchCase.threads == 1 ? "" : "s")")
            records.append(benchCase.run())
        }
        progress.finish()

        if json {
            print(try JSONOutput.text(BenchDocument(env: environment, records: records)))
        } else {
            print(renderTable(records, environment: environment))
        }
    }
}
