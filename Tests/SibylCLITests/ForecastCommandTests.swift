import Foundation
import SibylKernels
import Testing

@Suite("sibyl train and sibyl forecast, end to end")
struct ForecastCommandTests {
    let quick = ["--epochs", "2", "--hidden", "8", "--layers", "1", "--window", "16", "--features", "returns,rsi:14,zscore:20"]
    var googl: String { datasetsFolder.appendingPathComponent("GOOGL_daily.csv").path }

    @Test("the default features fit a file without volume, said in a note; a typed list is used as typed, refused where the volume is zero; --json carries the data's repairs and warnings")
    func withoutVolume() throws {
        // GOOGL without its Volume column, one row with an empty close (dropped by the repair).
        let lines = try String(contentsOf: datasetsFolder.appendingPathComponent("GOOGL_daily.csv"), encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let keep = header.indices.filter { header[$0] != "Volume" && header[$0] != "Adj Close" }
        let close = try #require(header.firstIndex(of: "Close"))
        var rows = lines.prefix(600).map { line in line.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        rows[300][close] = ""
        let data = try temporaryFile(rows.map { row in keep.map { row[$0] }.joined(separator: ",") }.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let small = ["--epochs", "1", "--hidden", "4", "--layers", "1", "--window", "8", "--repair", "drop"]
        let run = try runSibyl(["forecast", "--data", data, "--json"] + small)
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardError.contains("has no volume, so the default features leave out volz:20"), "\(run.standardError)")
        let document = try #require(JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        let repairs = try #require(document["repairs"] as? [[String: Any]])
        #expect(repairs.count == 1 && repairs.first?["line"] as? Int == 301 && document["warnings"] is [Any])
        // The note on standard error is in the document's notes too.
        #expect((document["notes"] as? [String])?.contains { $0.contains("leave out volz:20") } == true, "\(document["notes"] ?? "no notes")")
        let typed = try runSibyl(["forecast", "--data", data, "--features", "returns,volz:20"] + small)
        #expect(typed.status == 1 && typed.standardError.contains("'volz:20': needs volume"), "\(typed.standardError)")
        let features = try runSibyl(["features", "--data", data, "--repair", "drop", "--out", "/dev/null", "--json"])
        #expect(features.status == 0 && features.standardError.contains("leave out volz:20"), "\(features.standardError)")
        let featuresDocument = try #require(JSONSerialization.jsonObject(with: Data(features.standardOutput.utf8)) as? [String: Any])
        #expect((featuresDocument["repairs"] as? [Any])?.count == 1 && featuresDocument["warnings"] is [Any])
        #expect((featuresDocument["notes"] as? [String])?.contains { $0.contains("leave out volz:20") } == true)
        // Notes printed as the command goes (an option the strategy ignores) and under the statistics.
        let backtest = try runSibyl(["backtest", "--data", data, "--repair", "drop", "--json", "--z-window", "30"])
        let backtestDocument = try #require(JSONSerialization.jsonObject(with: Data(backtest.standardOutput.utf8)) as? [String: Any])
        #expect((backtestDocument["repairs"] as? [Any])?.count == 1)
        let backtestNotes = try #require(backtestDocument["notes"] as? [String])
        #expect(backtestNotes.contains { $0.contains("--z-window") && $0.contains("ignored") }, "\(backtestNotes)")
        // A volume of zero on every bar is no volume for a typed volume feature either, in an
        // option's list or a checkpoint's.
        let volume = try #require(header.firstIndex(of: "Volume"))
        let zeros = try temporaryFile(rows.enumerated().map { index, row in
            row.enumerated().map { index > 0 && $0.offset == volume ? "0" : $0.element }.joined(separator: ",")
        }.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: zeros) }
        let typedZero = try runSibyl(["forecast", "--data", zeros, "--features", "returns,volz:20", "--repair", "drop"] + small.dropLast(2))
        #expect(typedZero.status == 1 && typedZero.standardError.contains("'volz:20': needs volume, but every bar of"), "\(typedZero.standardError)")
        let checkpoint = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-volz-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: checkpoint) }
        #expect(try runSibyl(["train", "--data", googl, "--features", "returns,volz:20", "--out", checkpoint] + small.dropLast(2)).status == 0)
        let loaded = try runSibyl(["forecast", "--data", zeros, "--model-file", checkpoint, "--repair", "drop"])
        #expect(loaded.status == 1 && loaded.standardError.contains("of the feature list of \(checkpoint): needs volume, but every bar of"), "\(loaded.standardError)")
        // Bars without a range (a file of closes only) are no ranges for atr either, typed or a
        // checkpoint's: its true range would be the move from the close before.
        let date = try #require(header.firstIndex(of: "Date"))
        let closes = try temporaryFile("Date,Close\n" + rows.dropFirst().filter { !$0[close].isEmpty }.map { "\($0[date]),\($0[close])" }.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: closes) }
        let typedRange = try runSibyl(["features", "--data", closes, "--spec", "returns,atr:14"])
        #expect(typedRange.status == 1 && typedRange.standardError.contains("'atr:14': needs each bar's high and low"), "\(typedRange.standardError)")
        #expect(try runSibyl(["train", "--data", googl, "--features", "returns,atr:14", "--out", checkpoint] + small.dropLast(2)).status == 0)
        let loadedRange = try runSibyl(["forecast", "--data", closes, "--model-file", checkpoint])
        #expect(loadedRange.status == 1 && loadedRange.standardError.contains("of the feature list of \(checkpoint): needs each bar's high and low"),
                "\(loadedRange.standardError)")
    }

    @Test("too few training windows for a batch names the count needed and --batch-size")
    func tooFewWindows() throws {
        let lines = try String(contentsOf: datasetsFolder.appendingPathComponent("GOOGL_daily.csv"), encoding: .utf8).split(separator: "\n")
        let data = try temporaryFile(lines.prefix(51).joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let options = ["--epochs", "1", "--hidden", "4", "--layers", "1", "--window", "8", "--features", "returns", "--test", "0.2"]
        let refused = try runSibyl(["forecast", "--data", data] + options)
        #expect(refused.status == 1 && refused.standardError.contains("training needs 32 (the fewest it trains on, short of a batch of 64)")
                && refused.standardError.contains("--batch-size of"), "\(refused.standardError)")
        let small = try runSibyl(["forecast", "--data", data, "--batch-size", "8"] + options)
        #expect(small.status == 0, "\(small.standardError)")
        let thin = try runSibyl(["forecast", "--data", data, "--batch-size", "30"] + options)
        #expect(thin.status == 1 && thin.standardError.contains("training needs 30 (one batch)"), "\(thin.standardError)")
    }

    @Test("train writes a checkpoint; forecast reads it; both as JSON, with the baselines beside the model")
    func trainThenForecast() throws {
        let checkpoint = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-cli-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: checkpoint) }
        let train = try runSibyl(["train", "--data", googl, "--out", checkpoint, "--json"] + quick)
        #expect(train.status == 0, "\(train.standardError)")
        #expect(train.standardError.isEmpty, "--json prints nothing else: \(train.standardError)")
        let trained = try #require(JSONSerialization.jsonObject(with: Data(train.standardOutput.utf8)) as? [String: Any])
        #expect((trained["dataSHA256"] as? String) == "bb5d8599a02c1e26d28fd75a6babaa9b63ce8ad0d5e7e5bb4a89132af97fe2b0")
        #expect(FileManager.default.fileExists(atPath: checkpoint))

        let forecast = try runSibyl(["forecast", "--data", googl, "--model-file", checkpoint, "--json"])
        #expect(forecast.status == 0, "\(forecast.standardError)")
        let result = try #require(JSONSerialization.jsonObject(with: Data(forecast.standardOutput.utf8)) as? [String: Any])
        let next = try #require(result["forecast"] as? [String: Any])
        #expect(next["lastTimestamp"] as? String == "2018-08-29" && next["nextTimestamp"] as? String == "2018-08-30")
        #expect((next["predictedClose"] as? Double).map { $0 > 1000 && $0 < 1500 } == true)
        let interval = try #require(next["interval"] as? [String: Any])
        #expect(interval["level"] as? Double == 0.8 && (interval["low"] as! Double) < (next["predictedClose"] as! Double)
                && (interval["high"] as! Double) > (next["predictedClose"] as! Double))
        let evaluation = try #require(result["evaluation"] as? [String: Any])
        for name in ["model", "naive", "autoregression"] {
            let score = try #require(evaluation[name] as? [String: Any])
            #expect((score["mae"] as? Double).map { $0 > 0 } == true, "\(name)")
        }
        // The model's errors against the naive forecast's, bar by bar: a Diebold–Mariano p-value.
        let againstNaive = try #require(evaluation["againstNaive"] as? [String: Any])
        #expect(againstNaive["count"] as? Int == (evaluation["model"] as? [String: Any])?["count"] as? Int)
        #expect((againstNaive["pValue"] as? Double).map { $0 > 0 && $0 <= 1 } == true)
        // Every field is present whatever the run: what does not apply is null, not left out
        // (a price model has no up probability, this run no overlap with its training span).
        #expect(next["upProbability"] is NSNull && evaluation["probability"] is NSNull && evaluation["overlapsTrainingThrough"] is NSNull)
        #expect(evaluation.keys.contains("epochChosenThrough") && result.keys.contains("modelFile"))
        // The evaluation in train and in forecast is the same model on the same span.
        #expect((trained["evaluation"] as? [String: Any])?["model"] as? NSDictionary == evaluation["model"] as? NSDictionary)

        // Options repeated as the model has them are not "ignored"; others are, each by name.
        let same = try runSibyl(["forecast", "--data", googl, "--model-file", checkpoint] + quick)
        #expect(same.status == 0 && !same.standardError.contains("ignored"), "\(same.standardError)")
        // --window 64 is the default, typed: against the model's 16 it is ignored too.
        let other = try runSibyl(["forecast", "--data", googl, "--model-file", checkpoint, "--hidden", "32", "--window", "64", "--test", "0.3", "--threads", "2"])
        #expect(other.status == 0 && other.standardError.contains("note: --hidden, --window, --test are ignored with --model-file"), "\(other.standardError)")
    }

    @Test("forecast without a checkpoint trains first and prints the table and a verdict")
    func inlineTraining() throws {
        let run = try runSibyl(["forecast", "--data", googl] + quick)
        #expect(run.status == 0, "\(run.standardError)")
        for text in ["next bar (2018-08-30", "80% prediction interval: ", "naive (last close)", "AR(5) on log returns", "lag check:", "verdict:", "Theil U"] {
            #expect(run.standardOutput.contains(text), "missing '\(text)' in:\n\(run.standardOutput)")
        }
        #expect(!run.standardOutput.contains("far outside"), "a log-return model's forecast is an ordinary move")
        #expect(run.standardError.contains("epoch 1/2"))
    }

    @Test("options the others make inert are named: a loss for a direction model, patience without validation; threads beyond the processors")
    func inertOptions() throws {
        let run = try runSibyl(["forecast", "--data", googl, "--target", "direction", "--loss", "huber", "--validation", "0", "--patience", "2"] + quick)
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardError.contains("note: --loss huber is ignored with --target direction"))
        #expect(run.standardError.contains("note: --patience is ignored with --validation 0"))
        let sgd = try runSibyl(["forecast", "--data", googl, "--optimizer", "sgd", "--clip", "1e-6"] + quick)
        #expect(sgd.standardError.contains("note: with --optimizer sgd, --clip 1e-06 caps every step"), "\(sgd.standardError)")
        let processors = availableProcessors
        let threads = try runSibyl(["forecast", "--data", googl, "--threads", "\(processors + 1)"] + quick)
        #expect(threads.status == 0 && threads.standardError.contains("note: --threads \(processors + 1) is more than the \(processors == 1 ? "1 processor" : "\(processors) processors") this process may use"),
                "\(threads.standardError)")
    }

    @Test("a direction model forecasts P(up), not a price: no price errors, lag check or interval; Brier score against the base rate")
    func directionModel() throws {
        let run = try runSibyl(["forecast", "--data", googl, "--target", "direction"] + quick)
        #expect(run.status == 0, "\(run.standardError)")
        let text = run.standardOutput
        for expected in ["P(up) 0.", "(a direction model forecasts no price)", "no 80% interval: a direction model",
                         "probabilities of an up move: Brier score", "lag check: the model is a direction model", "Brier skill"] {
            #expect(text.contains(expected), "missing '\(expected)' in:\n\(text)")
        }
        let modelRow = text.split(separator: "\n").first { $0.hasPrefix("lstm model") }.map(String.init) ?? ""
        // forecaster (two words), MAE, RMSE, MAPE, MASE, accuracy, chance, PT p, Theil U.
        let cells = modelRow.split(separator: " ").map(String.init)
        #expect(cells.count == 10 && cells[2...5].allSatisfy { $0 == "–" } && cells[9] == "–" && cells[6] != "–",
                "price errors shown for a direction model: \(modelRow)")
        #expect(!text.contains("verdict: MAE") && text.contains("verdict: direction right"))
        #expect(text.contains("(the model's: ") && text.contains("%, the smoothed up share of its") && text.contains("training targets)"))
        let json = try runSibyl(["forecast", "--data", googl, "--target", "direction", "--json"] + quick)
        let document = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
        let forecast = document?["forecast"] as? [String: Any], evaluation = document?["evaluation"] as? [String: Any]
        #expect(forecast?["predictedClose"] is NSNull && forecast?["upProbability"] is Double)
        #expect((evaluation?["probability"] as? [String: Any])?["brier"] is Double)
        #expect(((evaluation?["model"] as? [String: Any])?["mae"]) is NSNull)
    }

    @Test("a diverged model is refused: train writes no checkpoint, forecast and a forecast backtest exit 1 naming the learning rate")
    func divergedModel() throws {
        let options = ["--data", googl, "--learning-rate", "1e8", "--clip", "0", "--epochs", "2", "--hidden", "3", "--layers", "1", "--window", "5",
                       "--features", "returns"]
        let checkpoint = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-diverged-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: checkpoint) }
        let train = try runSibyl(["train", "--out", checkpoint] + options)
        #expect(train.status == 1 && train.standardError.contains("the model diverged"), "\(train.standardError)")
        #expect(train.standardError.contains("lower --learning-rate (1e+08 here)"), "\(train.standardError)")
        #expect(!FileManager.default.fileExists(atPath: checkpoint))
        let forecast = try runSibyl(["forecast", "--json"] + options)
        #expect(forecast.status == 1 && forecast.standardOutput.isEmpty && forecast.standardError.contains("the model diverged")
                && forecast.standardError.contains("lower --learning-rate (1e+08 here)"), "\(forecast.standardError)")
        // Judged against what a constant forecast scores under the loss in use: Huber's losses and
        // cross-entropy's stay small even for a model far off.
        for extra in [["--loss", "huber"], ["--target", "direction"]] {
            let huge = options.map { $0 == "1e8" ? "100" : $0 }
            let run = try runSibyl(["forecast"] + huge + ["--validation", "0"] + extra)
            #expect(run.status == 1 && run.standardError.contains("the model diverged")
                    && run.standardError.contains(extra[1] == "direction" ? "a forecast of even odds scores" : "a constant forecast of the standardized target scores"),
                    "\(extra): \(run.standardError)")
        }
        // One batch an epoch: the epoch's running loss (1.04 here) is taken before the update that
        // blows the weights up; the weights kept are judged, so nothing is saved.
        let head = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-head-\(UUID()).csv").path
        defer { try? FileManager.default.removeItem(atPath: head) }
        try String(contentsOfFile: googl, encoding: .utf8).split(separator: "\n").prefix(300).joined(separator: "\n").write(toFile: head, atomically: true, encoding: .utf8)
        // A learning rate of 1e38 leaves weights that are no longer finite: NaN is diverged too.
        for (rate, validation) in [("1e3", "0.2"), ("1e3", "0"), ("1e38", "0")] {
            let oneBatch = try runSibyl(["train", "--out", checkpoint, "--data", head, "--learning-rate", rate, "--clip", "0", "--epochs", "1", "--hidden", "8",
                                         "--window", "8", "--batch-size", "100000", "--validation", validation])
            #expect(oneBatch.status == 1 && oneBatch.standardError.contains("the model diverged: the weights kept (epoch 1)")
                    && !FileManager.default.fileExists(atPath: checkpoint), "\(oneBatch.standardError)")
        }
        // A walk-forward stops at the fold whose model diverged, rather than trading it.
        let backtest = try runSibyl(["backtest", "--strategy", "forecast", "--retrain-every", "1000"] + options)
        #expect(backtest.status == 1 && backtest.standardError.contains("fold 1 of ") && backtest.standardError.contains("the model diverged")
                && backtest.standardError.contains("lower --learning-rate (1e+08 here)"),
                "\(backtest.standardError)")
    }

    @Test("a test share that holds no bar is refused before training, with the share that does; the checkpoint at --out is left as it was")
    func emptyTestSpan() throws {
        let checkpoint = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-test-share-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: checkpoint) }
        let good = try runSibyl(["train", "--data", googl, "--out", checkpoint] + quick)
        try #require(good.status == 0, "\(good.standardError)")
        let before = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
        for (test, validation) in [("1e-300", "0"), ("1e-17", "0.25")] {
            let run = try runSibyl(["train", "--data", googl, "--out", checkpoint, "--test", test, "--validation", validation] + quick)
            #expect(run.status == 1 && run.standardError.contains("a test share of \(Double(test)!) leaves 0 of the")
                    && run.standardError.contains("(fix: raise --test to 0.01)"), "\(run.standardError)")
            // Refused before training: no epoch line.
            #expect(!run.standardError.contains("epoch 1/"), "\(run.standardError)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: checkpoint)) == before)
            let forecast = try runSibyl(["forecast", "--data", googl, "--test", test, "--validation", validation] + quick)
            #expect(forecast.status == 1 && forecast.standardError.contains("a test share of"), "\(forecast.standardError)")
        }
        // A rate too small to move 32-bit weights trains, with a note that says so.
        let slow = try runSibyl(["forecast", "--data", googl, "--learning-rate", "1e-10"] + quick)
        #expect(slow.status == 0 && slow.standardError.contains("note: --learning-rate 1e-10 moves the weights by less than 32-bit floats resolve"),
                "\(slow.standardError)")
    }

    @Test("a file-size limit fails the write with one line, leaving no partial file and the old checkpoint in place")
    func fileSizeLimit() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-fsize-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = folder.appendingPathComponent("model.safetensors").path
        try Data("previous".utf8).write(to: URL(fileURLWithPath: checkpoint))
        // 8 blocks of 1 KiB (bash's unit): the checkpoint is larger. SIGXFSZ as a shell starts
        // commands (a test runner may ignore it, which its children inherit), so that the process
        // would be ended by it if the write did not ignore it.
        let run = try runSibyl(["train", "--data", googl, "--out", checkpoint] + quick,
                               launcher: ["/usr/bin/env", "--default-signal=XFSZ", "/bin/bash", "-c", "ulimit -f 8 && exec \"$0\" \"$@\""])
        #expect(run.status == 1 && run.standardError.contains("cannot write \(checkpoint): File too large")
                && run.standardError.contains("ulimit -f"), "status \(run.status): \(run.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.safetensors"])
        #expect(try String(contentsOfFile: checkpoint, encoding: .utf8) == "previous")
    }

    @Test("--json notes carry the adjusted-prices note and, for a loaded model, the threads note")
    func notesInJSON() throws {
        let processors = availableProcessors
        let run = try runSibyl(["forecast", "--data", googl, "--adjusted", "--json"] + quick)
        let document = try #require(JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        #expect((document["notes"] as? [String])?.contains { $0.contains("note: adjusted prices:") } == true, "\(document["notes"] ?? "none")")
        let checkpoint = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-notes-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: checkpoint) }
        #expect(try runSibyl(["train", "--data", googl, "--out", checkpoint] + quick).status == 0)
        let loaded = try runSibyl(["forecast", "--data", googl, "--model-file", checkpoint, "--threads", "\(processors + 1)", "--json"])
        let loadedDocument = try #require(JSONSerialization.jsonObject(with: Data(loaded.standardOutput.utf8)) as? [String: Any])
        #expect((loadedDocument["notes"] as? [String])?.contains { $0.contains("--threads \(processors + 1) is more than") } == true, "\(loaded.standardError)")
    }

    @Test("a verdict over fewer than 30 held-out bars says they are too few to judge, better or worse than naive")
    func tooFewToJudge() throws {
        let run = try runSibyl(["forecast", "--data", googl, "--test", "0.005"] + quick)
        #expect(run.status == 0, "\(run.standardError)")
        let verdict = try #require(run.standardOutput.split(separator: "\n").first { $0.hasPrefix("verdict:") })
        #expect(verdict.contains("naive forecast") && verdict.contains(" bars, too few to judge"), "\(verdict)")
    }

    @Test("--json carries the warnings the text prints with the evaluation and the next bar's forecast, word for word")
    func warningsInJSON() throws {
        let checkpoint = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-warnings-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: checkpoint) }
        #expect(try runSibyl(["train", "--data", googl, "--out", checkpoint] + quick).status == 0)
        // The first 1,200 bars under another name: the span evaluated lies in the model's training span.
        let lines = try String(contentsOf: URL(fileURLWithPath: googl), encoding: .utf8).split(separator: "\n")
        let cut = try temporaryFile(lines.prefix(1201).joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: cut) }
        let json = try runSibyl(["forecast", "--data", cut, "--model-file", checkpoint, "--json"])
        let text = try runSibyl(["forecast", "--data", cut, "--model-file", checkpoint])
        #expect(json.status == 0 && text.status == 0, "\(json.standardError)")
        let document = try #require(JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let evaluationWarnings = try #require(document["evaluationWarnings"] as? [String])
        let forecastWarnings = try #require(document["forecastWarnings"] as? [String])
        #expect(evaluationWarnings.first?.hasPrefix("WARNING: the model was trained on this series through") == true, "\(evaluationWarnings)")
        #expect(forecastWarnings.contains("WARNING: some of the held-out errors the prediction interval comes from are in-sample, so it is too narrow"), "\(forecastWarnings)")
        // Both ways: every line of the lists is a line of the text, and every warning or note line
        // of the text is in one of the lists.
        let printed = text.standardOutput.split(separator: "\n").map(String.init)
        for line in evaluationWarnings + forecastWarnings { #expect(printed.contains(line), "\(line)") }
        for line in printed where line.hasPrefix("WARNING") || line.hasPrefix("note:") || line.hasPrefix("lag check: WARNING") {
            #expect(evaluationWarnings.contains(line) || forecastWarnings.contains(line), "\(line)")
        }
        // Nothing to warn about but perhaps the lag check: the lists are there, and match the text.
        let cleanJSON = try runSibyl(["forecast", "--data", googl, "--model-file", checkpoint, "--json"])
        let cleanText = try runSibyl(["forecast", "--data", googl, "--model-file", checkpoint]).standardOutput.split(separator: "\n").map(String.init)
        let cleanDocument = try #require(JSONSerialization.jsonObject(with: Data(cleanJSON.standardOutput.utf8)) as? [String: Any])
        let cleanEvaluation = try #require(cleanDocument["evaluationWarnings"] as? [String])
        #expect((cleanDocument["forecastWarnings"] as? [String])?.isEmpty == true)
        #expect(cleanEvaluation == cleanText.filter { $0.hasPrefix("WARNING") || $0.hasPrefix("note:") || $0.hasPrefix("lag check: WARNING") }, "\(cleanEvaluation)")
        let trained = try runSibyl(["train", "--data", cut, "--out", "/dev/null", "--json"] + quick)
        let trainedDocument = try #require(JSONSerialization.jsonObject(with: Data(trained.standardOutput.utf8)) as? [String: Any])
        #expect(trainedDocument["evaluationWarnings"] is [String])
    }

    @Test("a model trained mostly on bars that did not move is warned about; the base rate is named for a direction model only",
          arguments: ["log-return", "direction"])
    func mostlyFlatTraining(target: String) throws {
        // Four bars in five repeat the close before; the fifth moves by 1%, up or down.
        var close = 100.0
        let dates = ISO8601DateFormatter()
        dates.formatOptions = [.withFullDate]
        let rows = (0..<600).map { i -> String in
            if i % 5 == 4 { close *= (i / 5) % 3 == 0 ? 0.99 : 1.01 }
            let day = dates.string(from: Date(timeIntervalSince1970: 1_577_836_800 + Double(i) * 86_400))
            return "\(day),\(close),\(close),\(close),\(close),1000"
        }
        let data = try temporaryFile("Date,Open,High,Low,Close,Volume\n" + rows.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let run = try runSibyl(["forecast", "--data", data, "--target", target, "--epochs", "1", "--hidden", "4", "--layers", "1", "--window", "8", "--features", "returns"])
        #expect(run.status == 0, "\(run.standardError)")
        let warning = try #require(run.standardOutput.split(separator: "\n").first { $0.contains("of the bars the model was trained to forecast did not move") })
        #expect(warning.hasPrefix("WARNING: 80% of the bars"), "\(warning)")
        #expect(warning.hasSuffix("base rate mean little") == (target == "direction"), "\(warning)")
    }

    @Test("a next-close model trained on prices above 461 (the S&P 500's) loads and forecasts as it did when trained")
    func nextCloseCheckpoint() throws {
        let checkpoint = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-next-close-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: checkpoint) }
        let spx = datasetsFolder.appendingPathComponent("SPX_daily.csv").path
        let train = try runSibyl(["train", "--data", spx, "--target", "next-close", "--out", checkpoint] + quick)
        #expect(train.status == 0, "\(train.standardError)")
        let loaded = try runSibyl(["forecast", "--data", spx, "--model-file", checkpoint, "--json"])
        #expect(loaded.status == 0, "\(loaded.standardError)")
        // The same next-bar forecast as the same model trained inline (same seed, same bits).
        let inline = try runSibyl(["forecast", "--data", spx, "--target", "next-close", "--json"] + quick)
        func close(_ output: String) throws -> Double? {
            let document = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
            return (document?["forecast"] as? [String: Any])?["predictedClose"] as? Double
        }
        let trained = try close(inline.standardOutput), fromFile = try close(loaded.standardOutput)
        #expect(trained != nil && trained == fromFile, "\(String(describing: trained)) against \(String(describing: fromFile))")
    }

    @Test("a next-close model forecasting a series on another price scale is flagged on the forecast line")
    func implausibleMove() throws {
        let checkpoint = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-scale-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: checkpoint) }
        let train = try runSibyl(["train", "--data", googl, "--target", "next-close", "--out", checkpoint] + quick)
        #expect(train.status == 0, "\(train.standardError)")
        let other = try runSibyl(["forecast", "--model-file", checkpoint, "--data", datasetsFolder.appendingPathComponent("EURUSD_hourly.csv").path])
        #expect(other.standardOutput.contains("WARNING: that move is far outside this series' own moves"), "\(other.standardOutput)")
        // Over 100% here (prices near 1.1 against a model of GOOGL's hundreds): the reason says which rule.
        #expect(other.standardOutput.contains("in log terms, is over 100%, far outside the moves of the forecasts whose errors would set it")
                && other.standardOutput.contains("no 80% interval: the forecast's move, ") && !other.standardOutput.contains("prediction interval:"), "\(other.standardOutput)")
    }

    @Test("the same seed gives the same forecast and evaluation, at one thread, three, or the default (the processors this process may use)")
    func reproducible() throws {
        // Dropout between two layers too: its masks must not depend on how rows are split.
        let options = ["forecast", "--data", googl, "--json", "--seed", "9", "--epochs", "2", "--hidden", "8", "--layers", "2", "--dropout", "0.2",
                       "--window", "16", "--features", "returns,rsi:14,zscore:20"]
        let a = try runSibyl(options)
        let b = try runSibyl(options + ["--threads", "1"])
        let c = try runSibyl(options + ["--threads", "3"])
        func result(_ run: ToolRun) -> NSDictionary? {
            guard let document = try? JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any] else { return nil }
            return ["forecast": document["forecast"] ?? NSNull(), "evaluation": document["evaluation"] ?? NSNull()] as NSDictionary
        }
        #expect(result(a) != nil && result(a) == result(b) && result(b) == result(c), "\(a.standardError)")
    }

    @Test("a corrupt checkpoint is refused with one line and exit status 1")
    func corruptCheckpoint() throws {
        let path = try temporaryFile("not a checkpoint at all", suffix: ".safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try runSibyl(["forecast", "--model-file", path])
        #expect(run.status == 1)
        #expect(run.standardError.hasPrefix("\(path): error:"))
        #expect(run.standardError.split(separator: "\n").count == 1)
    }

    @Test("an output path that cannot be written is refused before any training", arguments: [
        (["train", "--out", "/"], "names a folder"), (["train", "--out", "/no-such-folder/m.safetensors"], "does not exist"),
        (["features", "--out", "/no-such-folder/f.csv"], "does not exist"), (["backtest", "--report", "/no-such-folder/r.html"], "does not exist"),
    ])
    func unwritableOutput(arguments: [String], expected: String) throws {
        let run = try runSibyl(arguments + ["--data", googl])
        #expect(run.status == 1 && run.standardError.contains(expected))
        #expect(!run.standardError.contains("epoch"))
    }

    @Test("bad training options are refused", arguments: [["--optimizer", "rmsprop"], ["--test", "0"], ["--dropout", "1.5"], ["--features", "rsi"], ["--interval", "1"],
                                                          ["--clip", "1e-300"], ["--features", "bbands:20:1e300"], ["--interval", "-0.5"]])
    func badOptions(arguments: [String]) throws {
        let run = try runSibyl(["forecast", "--data", googl] + arguments)
        // Refused as an error (1) or a usage error (64), not a trap.
        #expect(run.status == 1 || run.status == 64, "status \(run.status): \(run.standardError)")
        #expect(!run.standardError.isEmpty && !run.standardError.contains("Fatal error"))
    }

    @Test("a bad feature list is one line naming --features and the item, from every command that trains",
          arguments: [["train", "--out", "unused.safetensors"], ["forecast"], ["backtest", "--strategy", "forecast"]])
    func badFeatureList(command: [String]) throws {
        let run = try runSibyl(command + ["--data", googl, "--features", "returns,rsj:14"])
        #expect(run.status == 1)
        let lines = run.standardError.split(separator: "\n")
        #expect(lines.count == 1, "\(run.standardError)")
        #expect(lines.first?.hasPrefix("error: --features: feature 2 'rsj:14'") == true, "\(run.standardError)")
        #expect(run.standardError.contains("(fix: "))
        #expect(run.standardOutput.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "unused.safetensors"))
    }

    @Test("a bad feature list is refused before the data is read: its error, not the missing file's",
          arguments: [["train", "--out", "unused.safetensors", "--features", "returns,fft:64"], ["forecast", "--features", "returns,fft:64"],
                      ["backtest", "--strategy", "forecast", "--features", "returns,fft:64"], ["features", "--spec", "returns,fft:64"]])
    func featureListBeforeData(command: [String]) throws {
        let run = try runSibyl(command + ["--data", "/nonexistent/prices.csv"])
        let option = command.contains("--spec") ? "--spec" : "--features"
        #expect(run.status == 1)
        #expect(run.standardError.split(separator: "\n").count == 1, "\(run.standardError)")
        #expect(run.standardError.hasPrefix("error: \(option): feature 2 'fft:64': takes 2 parameters"), "\(run.standardError)")
        #expect(!run.standardError.contains("nonexistent"))
    }

    @Test("a series too short to train on is one line with a fix, from forecast and from a walk-forward backtest",
          arguments: [["forecast"], ["backtest", "--strategy", "forecast"]])
    func tooShort(command: [String]) throws {
        let rows = (0..<30).map { String(format: "2020-01-%02d,1,1,1,1,100", $0 + 1) }
        let path = try temporaryFile("Date,Open,High,Low,Close,Volume\n" + rows.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try runSibyl(command + ["--data", path])
        #expect(run.status == 1)
        #expect(run.standardError.split(separator: "\n").count == 1, "\(run.standardError)")
        // Named after the data it is about, as data errors are.
        #expect(run.standardError.hasPrefix("\(path): error: ") && run.standardError.contains("(fix: "), "\(run.standardError)")
    }

    @Test("a series too short names the bars these settings need: that many train, one fewer does not")
    func barsNeeded() throws {
        let lines = try String(contentsOfFile: googl, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        func head(_ bars: Int) throws -> String { try temporaryFile(lines.prefix(bars + 1).joined(separator: "\n") + "\n") }
        let short = try head(40)
        defer { try? FileManager.default.removeItem(atPath: short) }
        let run = try runSibyl(["forecast", "--data", short] + quick)
        let message = run.standardError
        let needed = try #require(message.range(of: #"at least (\d+) bars in all, with these settings"#, options: .regularExpression).flatMap {
            Int(message[$0].split(separator: " ")[2])
        }, "\(message)")
        #expect(run.status == 1 && message.contains("too few for a 16-bar window and the split"), "\(message)")
        let enough = try head(needed), fewer = try head(needed - 1)
        defer { for path in [enough, fewer] { try? FileManager.default.removeItem(atPath: path) } }
        let trains = try runSibyl(["forecast", "--data", enough] + quick)
        #expect(trains.status == 0, "\(needed) bars: \(trains.standardError)")
        let refused = try runSibyl(["forecast", "--data", fewer] + quick)
        #expect(refused.status == 1 && refused.standardError.contains("at least \(needed) bars in all"), "\(needed - 1) bars: \(refused.standardError)")
    }

    @Test("a checkpoint path that names a folder says so")
    func checkpointFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-folder-\(UUID()).safetensors")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try runSibyl(["forecast", "--model-file", folder.path])
        #expect(run.status == 1 && run.standardError == "\(folder.path): error: is a folder, not a checkpoint file (fix: give --model-file the .safetensors file that `sibyl train --out` wrote)\n",
                "\(run.standardError)")
    }

    @Test("a checkpoint remembers adjusted prices and its own feature list: forecasts on other data say so")
    func checkpointKnowsItsData() throws {
        let checkpoint = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-adjusted-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: checkpoint) }
        // GOOGL's Adj Close equals its Close; this copy's is 0.8 of it before 2014, as after a
        // dividend: adjusting changes the early prices.
        let lines = try String(contentsOfFile: googl, encoding: .utf8).split(separator: "\n").map(String.init)
        let dividends = lines.enumerated().map { index, line -> String in
            guard index > 0, line < "2014" else { return line }
            var fields = line.split(separator: ",").map(String.init)
            fields[6] = String(Double(fields[4])! * 0.8)
            return fields.joined(separator: ",")
        }.joined(separator: "\n") + "\n"
        let data = try temporaryFile(dividends)
        defer { try? FileManager.default.removeItem(atPath: data) }
        let train = try runSibyl(["train", "--data", data, "--adjusted", "--out", checkpoint, "--epochs", "1", "--hidden", "4",
                                  "--layers", "1", "--window", "8", "--features", "returns,volz:5"])
        #expect(train.status == 0, "\(train.standardError)")
        let raw = try runSibyl(["forecast", "--data", data, "--model-file", checkpoint])
        #expect(raw.status == 0)
        #expect(raw.standardError.contains("warning: the model was trained on adjusted prices and this data is as recorded; add --adjusted"), "\(raw.standardError)")
        let adjusted = try runSibyl(["forecast", "--data", data, "--adjusted", "--model-file", checkpoint])
        #expect(adjusted.status == 0 && !adjusted.standardError.contains("warning: the model"))
        // A file whose Adj Close is its Close adjusts nothing: --adjusted then changes nothing to warn about.
        let plain = try runSibyl(["forecast", "--data", googl, "--model-file", checkpoint])
        #expect(plain.status == 0 && plain.standardError.contains("which is right if its vendor adjusts the prices already"), "\(plain.standardError)")
        // Its feature list needs volume, which this file lacks: the error names the checkpoint, not --features.
        let rows = (0..<120).map { (t: Int) -> String in
            let close: Double = 1 + 0.01 * Double(t % 7)
            return String(format: "2020-%02d-%02d,%g,%g,%g,%g", 1 + t / 28, 1 + t % 28, close, close, close, close)
        }
        let noVolume = try temporaryFile("Date,Open,High,Low,Close\n" + rows.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: noVolume) }
        let refused = try runSibyl(["forecast", "--data", noVolume, "--model-file", checkpoint])
        // (After the warning about prices: this file has no Adj Close to adjust by.)
        let errors = refused.standardError.split(separator: "\n").filter { $0.contains("error:") }
        #expect(refused.status == 1 && errors.count == 1)
        let expected = "\(noVolume): error: feature 2 'volz:5' of the feature list of \(checkpoint): needs volume"
        #expect(errors.first?.hasPrefix(expected) == true, "\(refused.standardError)")
        // The list is fixed in the checkpoint: the fix is other data or another model.
        #expect(errors.first?.contains("(fix: use data that gives it, or train a model without volz:5 in --features)") == true)
    }
}
