import ArgumentParser
import Foundation
import SibylData
import SibylFeatures
import SibylForecasting
import SibylNeural

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a forecast model on a price series and save it as a safetensors checkpoint.",
        discussion: """
            The bars past the features' warm-up are split oldest first into training, validation \
            (early stopping) and test spans. The scaler sees the training span only. The checkpoint \
            holds the network under PyTorch's state-dict names, with the features, scaler, seed and \
            the data's SHA-256 in its metadata.
            """
    )

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var trainingOptions: TrainingOptions

    @Option(name: .long, help: ArgumentHelp("Checkpoint file to write (safetensors).", valueName: "file"))
    var out: String

    @Flag(name: .long, help: "Print one JSON document: training summary, evaluation and checkpoint path.")
    var json = false

    struct Result: Encodable {
        let data: String
        let dataSHA256: String
        let settings: ForecastSettings
        let training: TrainingSummary
        let evaluation: ForecastEvaluationReport
        /// The warnings and notes the text prints with the evaluation.
        let evaluationWarnings: [String]
        let checkpoint: String
        /// What the data reading warned about and repaired, as on standard error.
        let warnings: [DataWarning]
        let repairs: [RepairNote]
        /// The notes printed on standard error (options ignored, features left out).
        let notes: [String]
    }

    func validate() throws {
        try trainingOptions.validateHeldOutShares()
    }

    func run() throws {
        try reportingErrors(data: dataOptions) {
            try TrainingOptions.checkSyntax(trainingOptions.features)
            let path = try dataOptions.path()
            let output = try OutputFile(out, option: "--out", inputs: [(path, "--data")])
            // A checkpoint written to standard output keeps it to itself: the summary goes to standard error.
            let say = try OutputFile.summaryPrinter(for: [output], json: json)
            let notes = CommandNotes()
            let file = try dataOptions.load(digest: true, notes: notes)
            let digest = file.sha256 ?? ""
            var progress = TrainingProgress(quiet: json)
            let settings = try trainingOptions.settings(for: file.series, notes: notes)
            let (model, summary) = try ForecastModel.train(on: file.series, settings: settings, dataDigest: digest,
                                                           pricesAdjusted: file.adjustedBars > 0) { progress.handle($0) }
            progress.finish()
            // Evaluated before the checkpoint is written: a command that fails leaves --out as it was.
            let evaluation = try model.evaluate(on: file.series)
            try output.write(model.checkpoint().serialized())
            if json {
                print(try JSONOutput.text(Result(data: path, dataSHA256: digest, settings: settings, training: summary,
                                                     evaluation: evaluation, evaluationWarnings: ForecastOutput.evaluationWarnings(evaluation), checkpoint: out,
                                                     warnings: file.warnings, repairs: file.repairs, notes: notes.lines)))
            } else {
                say(ForecastOutput.trainingSummary(summary))
                say(ForecastOutput.evaluationTable(evaluation))
                say("saved \(out) (\(model.network.parameterCount) parameters, \(trainingOptions.model.rawValue) H\(trainingOptions.hidden) L\(trainingOptions.layers))")
            }
        }
    }
}
