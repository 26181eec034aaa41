import ArgumentParser
import Foundation
import SibylData
import SibylForecasting
import SibylNeural

struct ForecastCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "Forecast the next bar, and show how good such forecasts were out of sample next to naive baselines.",
        discussion: """
            With --model-file, uses a checkpoint from `sibyl train`; otherwise trains one first with \
            the training options. The evaluation covers the held-out test span: the model next to the \
            naive forecast (tomorrow = today) and an AR(5) on log returns fitted by least squares, with \
            MAE, RMSE, MAPE, MASE, directional accuracy against chance (Pesaran–Timmermann), Theil's U, and a check \
            for a model that only repeats the last price. The next close comes with a prediction \
            interval (--interval, 80% by default) drawn from the model's held-out errors, each scaled \
            by the volatility of the 20 bars before it, and rescaled to the last 20 bars' volatility.
            """
    )

    @OptionGroup var dataOptions: DataOptions

    @Option(name: .long, help: ArgumentHelp("Checkpoint from `sibyl train`; without it a model is trained first.", valueName: "file"))
    var modelFile: String?

    @OptionGroup var trainingOptions: TrainingOptions

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Probability the next close's prediction interval is built to cover, from the model's held-out errors scaled by recent volatility.", valueName: "level"))
    var interval: Double = 0.8

    @Flag(name: .long, help: "Print one JSON document: the forecast, the evaluation and, when trained here, the training summary.")
    var json = false

    struct Result: Encodable {
        let data: String
        let forecast: NextBarForecast
        let evaluation: ForecastEvaluationReport
        /// The warnings and notes the text prints with the next bar's forecast and with the
        /// evaluation (their conditions are fields of `forecast` and `evaluation` too).
        let forecastWarnings: [String]
        let evaluationWarnings: [String]
        let training: TrainingSummary?
        let modelFile: String?
        /// What the data reading warned about and repaired, as on standard error.
        let warnings: [DataWarning]
        let repairs: [RepairNote]
        /// The notes and warnings printed on standard error about the options, the features and
        /// a loaded model against this data.
        let notes: [String]
    }

    func validate() throws {
        try trainingOptions.validateHeldOutShares()
        guard interval > 0, interval < 1 else {
            throw ValidationError("--interval must lie between 0 and 1 (0.8 for an interval the next close falls in four times out of five); got \(interval)")
        }
    }

    func run() throws {
        // A checkpoint brings its own feature list: errors in it are about the file, not --features.
        try reportingErrors(checkpoint: modelFile, data: dataOptions) {
            // A checkpoint's own list replaces --features (which is then noted as ignored).
            if modelFile == nil { try TrainingOptions.checkSyntax(trainingOptions.features) }
            let path = try dataOptions.path()
            let notes = CommandNotes()
            let file = try dataOptions.load(digest: modelFile == nil, notes: notes)
            let model: ForecastModel
            var summary: TrainingSummary?
            if let modelFile {
                model = try ForecastModel.load(contentsOf: modelFile)
                // The thread count is how to run, not what was learned: --threads applies.
                model.network.threads = trainingOptions.threads
                try TrainingOptions.checkData(model.settings.featureSpec, for: file.series)
                if let note = trainingOptions.threadsNote { notes.add("note: \(note)") }
                let ignored = trainingOptions.ignoredOptions(against: model.settings)
                if !ignored.isEmpty {
                    notes.add("\(modelFile): note: \(ignored.joined(separator: ", ")) \(ignored.count == 1 ? "is" : "are") ignored with --model-file; the model's own settings apply "
                                         + "(\(model.settings.cell.rawValue), window \(model.settings.window), features \(model.settings.featureSpec), test share \(model.settings.testFraction))")
                }
                // Bars of another rhythm (an hourly series for a daily model) carry features and
                // moves of another size than the model learned.
                if let recorded = model.provenance["bar_spacing_seconds"].flatMap(Double.init), recorded > 0 {
                    let spacing = Double(file.series.typicalSpacingSeconds)
                    if spacing >= 2 * recorded || 2 * spacing <= recorded {
                        notes.add("\(modelFile): warning: the model was trained on bars \(duration(days: recorded / 86_400)) apart and this series' bars are \(duration(days: spacing / 86_400)) apart; "
                                             + "its features and moves have another scale there")
                    }
                }
                // Prices of the other kind than the model learned from shift every price-level
                // feature; say so rather than forecast quietly from them.
                // Only prices that differ count: an Adj Close equal to Close adjusts nothing.
                if let prices = model.provenance["prices"] {
                    let adjustable = file.series.adjustedClose.map { zip($0, file.series.close).contains { $0 != $1 } } ?? false
                    if prices == "adjusted" && !dataOptions.adjusted {
                        notes.add("\(modelFile): warning: the model was trained on adjusted prices and this data is as recorded; "
                                             + (adjustable ? "add --adjusted to use its Adj Close"
                                                : "the file has no Adj Close that differs from Close, which is right if its vendor adjusts the prices already"))
                    } else if prices != "adjusted" && file.adjustedBars > 0 {
                        notes.add("\(modelFile): warning: the model was trained on prices as recorded and this data is adjusted "
                                             + "(\(file.adjustedBars) of \(file.series.count) bars scaled): its price-level features move where the adjustment scaled prices")
                    }
                }
            } else {
                let digest = file.sha256 ?? ""
                var progress = TrainingProgress(quiet: json)
                (model, summary) = try ForecastModel.train(on: file.series, settings: try trainingOptions.settings(for: file.series, notes: notes), dataDigest: digest,
                                                           pricesAdjusted: file.adjustedBars > 0) { progress.handle($0) }
                progress.finish()
            }
            let (evaluation, forecast) = try model.evaluateAndForecast(file.series, intervalLevel: interval)
            if json {
                print(try JSONOutput.text(Result(data: path, forecast: forecast, evaluation: evaluation,
                                                 forecastWarnings: ForecastOutput.forecastWarnings(forecast),
                                                 evaluationWarnings: ForecastOutput.evaluationWarnings(evaluation), training: summary, modelFile: modelFile,
                                                 warnings: file.warnings,
                                                 repairs: file.repairs, notes: notes.lines)))
            } else {
                print("\(file.series.name): \(ForecastOutput.nextBar(forecast))")
                if let summary { print(ForecastOutput.trainingSummary(summary)) }
                print(ForecastOutput.evaluationTable(evaluation))
            }
        }
    }
}
