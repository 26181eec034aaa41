import Foundation
import Testing

@Suite("sibyl backtest, end to end")
struct BacktestCommandTests {
    var googl: String { datasetsFolder.appendingPathComponent("GOOGL_daily.csv").path }

    @Test("an account too large for the market gets a capacity warning naming the bar")
    func capacity() throws {
        let run = try runSibyl(["backtest", "--data", googl, "--cash", "1e12"])
        #expect(run.status == 0 && run.standardOutput.contains("CAPACITY: on ") && run.standardOutput.contains("of the bar's volume"))
        let small = try runSibyl(["backtest", "--data", googl])
        #expect(!small.standardOutput.contains("CAPACITY"))
    }

    @Test("a file of closes only backtests as its closes, and the fills line says where fills land")
    func closesOnly() throws {
        // GOOGL's dates and closes alone, against the same closes written into all four columns.
        let rows = try String(contentsOfFile: googl, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        let closes = try temporaryFile("Date,Close\n" + rows.map { "\($0[0]),\($0[4])" }.joined(separator: "\n") + "\n")
        let explicit = try temporaryFile("Date,Open,High,Low,Close\n" + rows.map { "\($0[0]),\($0[4]),\($0[4]),\($0[4]),\($0[4])" }.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: closes); try? FileManager.default.removeItem(atPath: explicit) }
        let options = ["backtest", "--strategy", "sma-cross", "--stop-loss", "0.03", "--commission", "0.001"]
        let (a, b) = (try runSibyl(options + ["--data", closes]), try runSibyl(options + ["--data", explicit]))
        #expect(a.status == 0 && a.standardError.contains("the file has closes only"), "\(a.standardError)")
        #expect(a.standardOutput.contains("fills: next bar's open, which is its close (every bar's open, high and low are its close; stops and targets fill at closes too)"))
        // The same statistics, line for line, past the header line that names the file.
        #expect(a.standardOutput.split(separator: "\n").dropFirst() == b.standardOutput.split(separator: "\n").dropFirst())
    }

    @Test("a gap of a month or more in the data is noted: positions are held across it as across one bar")
    func longGap() throws {
        // GOOGL without 100 sessions of 2011: 146 days from one bar to the next.
        let lines = try String(contentsOfFile: googl, encoding: .utf8).split(separator: "\n")
        let gap = try temporaryFile((Array(lines.prefix(451)) + Array(lines[551..<801])).joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: gap) }
        let run = try runSibyl(["backtest", "--data", gap])
        #expect(run.status == 0 && run.standardOutput.contains("note: the series has a gap of a month or more beyond its rhythm (the longest 146 days, 2011-03-04 → 2011-07-28)"),
                "\(run.standardOutput)")
        // The bundled file, whose longest gap is a week (9/11), has no such note.
        #expect(try !runSibyl(["backtest", "--data", googl]).standardOutput.contains("a month or more"))
    }

    @Test("--reverse reproduces backtesting.py's SmaCross statistics on GOOGL, as JSON")
    func reverseJSON() throws {
        let run = try runSibyl(["backtest", "--data", googl, "--fast", "10", "--slow", "20", "--commission", "0.002", "--reverse", "--json"])
        #expect(run.status == 0, "\(run.standardError)")
        let output = try #require(JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        let statistics = try #require(output["statistics"] as? [String: Any])
        // From Tests/SibylBacktestTests/Fixtures/backtesting_py_smacross.json.
        #expect(abs((statistics["returnPercent"] as? Double ?? 0) - -52.532801369599916) < 1e-6)
        #expect(abs((statistics["sharpeRatio"] as? Double ?? 0) - -0.36323194405360704) < 1e-6)
        #expect(statistics["tradeCount"] as? Int == 120 && output["openTrades"] as? Int == 1)
    }

    @Test("statistics a run cannot define (no trades on a flat series) are JSON null, not an encoding error")
    func undefinedStatisticsAreNull() throws {
        let rows = (0..<120).map { String(format: "2020-%02d-%02d,10,10,10,10,100", 1 + $0 / 28, 1 + $0 % 28) }
        let path = try temporaryFile("Date,Open,High,Low,Close,Volume\n" + rows.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try runSibyl(["backtest", "--data", path, "--json"])
        #expect(run.status == 0, "\(run.standardError)")
        let output = try #require(JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        let statistics = try #require(output["statistics"] as? [String: Any])
        #expect(statistics["tradeCount"] as? Int == 0)
        #expect(statistics["sharpeRatio"] is NSNull && statistics["winRatePercent"] is NSNull)
        #expect(statistics["returnPercent"] as? Double == 0)
    }

    @Test("--adjusted trades on Adj Close: a 2:1 split is a −50% jump in raw closes and no move adjusted")
    func adjustedPrices() throws {
        // 15 bars at 100, then 15 at 50 after a 2-for-1 split; Adj Close is 50 throughout.
        let rows = (0..<30).map { t in
            let raw = t < 15 ? 100.0 : 50.0
            return String(format: "2021-%02d-%02d,%g,%g,%g,%g,1000,50", 1 + t / 28, 1 + t % 28, raw, raw, raw, raw)
        }
        let path = try temporaryFile("Date,Open,High,Low,Close,Volume,Adj Close\n" + rows.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        func returnPercent(_ extra: [String]) throws -> (Double?, ToolRun) {
            let run = try runSibyl(["backtest", "--data", path, "--strategy", "buy-and-hold", "--json"] + extra)
            let output = try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any]
            return ((output?["statistics"] as? [String: Any])?["returnPercent"] as? Double, run)
        }
        let (raw, rawRun) = try returnPercent([])
        #expect(rawRun.status == 0)
        #expect(abs((raw ?? 0) + 50) < 1e-9)
        let (adjusted, adjustedRun) = try returnPercent(["--adjusted"])
        #expect(adjustedRun.status == 0)
        #expect(adjusted == 0)
        // Without --adjusted, inspect points at the jump and at the option.
        let inspect = try runSibyl(["inspect", "--data", path])
        #expect(inspect.standardError.contains("close moved -50.0%") && inspect.standardError.contains("(--adjusted)"))
        // A file without Adj Close cannot be adjusted: one line, exit status 1.
        let plain = try temporaryFile("Date,Open,High,Low,Close\n2021-01-04,1,1,1,1\n2021-01-05,1,1,1,1\n")
        defer { try? FileManager.default.removeItem(atPath: plain) }
        let refused = try runSibyl(["backtest", "--data", plain, "--adjusted"])
        #expect(refused.status == 1 && refused.standardError.split(separator: "\n").count == 1)
        #expect(refused.standardError.hasPrefix("\(plain):1: error: adjusted prices need an Adj Close column"))
        // With --adjusted the warnings are about the adjusted prices: no split left to report.
        let adjustedInspect = try runSibyl(["inspect", "--data", path, "--adjusted"])
        #expect(adjustedInspect.status == 0 && !adjustedInspect.standardError.contains("close moved"))
        #expect(adjustedInspect.standardError.contains("note: adjusted prices: 15 of 30 bars"))
    }

    @Test("trades, equity and an HTML report are written; the report is self-contained")
    func outputs() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-backtest-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (trades, equity, report) = (folder.appendingPathComponent("t.csv").path, folder.appendingPathComponent("e.csv").path,
                                        folder.appendingPathComponent("r.html").path)
        let run = try runSibyl(["backtest", "--strategy", "sma-cross", "--commission", "0.001", "--stop-loss", "0.05",
                                "--trades", trades, "--equity", equity, "--report", report])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains("Sharpe Ratio") && run.standardOutput.contains("fills: next bar's open"))
        let equityLines = try String(contentsOfFile: equity, encoding: .utf8).split(separator: "\n")
        #expect(equityLines.count == 5032 && equityLines[0] == "Date,Close,Cash,Position,Equity,Drawdown,BuyAndHoldEquity")
        let tradeLines = try String(contentsOfFile: trades, encoding: .utf8).split(separator: "\n")
        #expect(tradeLines.count > 10 && tradeLines.dropFirst().contains { $0.contains("stop-loss") })
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("Drawdown") && html.contains("buy and hold"))
        #expect(!html.contains("http://") || html.contains("xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(!html.contains("<script") && !html.contains("src="))
    }

    @Test("the HTML report carries the caveats the text prints, the data's warnings among them")
    func reportCaveats() throws {
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-caveats-\(UUID()).html").path
        defer { try? FileManager.default.removeItem(atPath: report) }
        let msft = datasetsFolder.appendingPathComponent("MSFT_daily.csv").path
        // Buy and hold ends with its position open; MSFT has a bar without volume.
        let run = try runSibyl(["backtest", "--data", msft, "--strategy", "buy-and-hold", "--report", report])
        #expect(run.status == 0 && run.standardOutput.contains("open at the end"), "\(run.standardError)")
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("<li>open at the end: ") && html.contains("zero volume"), "\(html.prefix(3000))")
    }

    @Test("same-close fills are labelled as optimistic")
    func sameCloseLabel() throws {
        let run = try runSibyl(["backtest", "--fill", "same-close"])
        #expect(run.status == 0)
        #expect(run.standardOutput.contains("OPTIMISTIC"))
    }

    @Test("the walk-forward forecast strategy reports its folds next to the naive forecast")
    func forecastStrategy() throws {
        let run = try runSibyl(["backtest", "--data", googl, "--strategy", "forecast", "--epochs", "2", "--hidden", "8", "--layers", "1",
                                "--window", "16", "--features", "returns,rsi:14", "--retrain-every", "500", "--json"])
        #expect(run.status == 0, "\(run.standardError)")
        let output = try #require(JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        let walk = try #require(output["walkForward"] as? [String: Any])
        let folds = try #require(walk["folds"] as? [[String: Any]])
        #expect(folds.count == 3)
        // Statistics from the first forecast on: the first fold's training bars come before.
        let history = try #require(output["historyBars"] as? Int)
        #expect(history == folds[0]["forecastStart"] as? Int && history > 0)
        let statistics = try #require(output["statistics"] as? [String: Any])
        #expect(statistics["start"] as? String == folds[0]["firstTimestamp"] as? String)
        #expect(walk["naive"] != nil && walk["lag"] != nil)
        // The model's errors against the naive forecast's over every forecast bar: Diebold–Mariano.
        let againstNaive = try #require(walk["againstNaive"] as? [String: Any])
        #expect(againstNaive["count"] as? Int == (walk["model"] as? [String: Any])?["count"] as? Int)
        #expect((againstNaive["pValue"] as? Double).map { $0 > 0 && $0 <= 1 } == true)
    }

    @Test("returns falling into far more periods a year than annualize them are named, with the override that fits")
    func observedPeriods() throws {
        let eurusd = datasetsFolder.appendingPathComponent("EURUSD_hourly.csv").path
        let hourly = try runSibyl(["backtest", "--data", eurusd])
        #expect(hourly.status == 0 && hourly.standardOutput.contains("periods a year, annualized as 252 (backtesting.py's rule)"), "\(hourly.standardOutput)")
        let set = try runSibyl(["backtest", "--data", eurusd, "--periods-per-year", "314"])
        #expect(set.status == 0 && !set.standardOutput.contains("annualized as") && set.standardOutput.contains("annualized over 314 periods a year (--periods-per-year)"))
        let daily = try runSibyl(["backtest", "--data", googl])
        #expect(daily.status == 0 && !daily.standardOutput.contains("periods a year, annualized as"))
        // An override far from the data's periods is kept, and said so.
        let off = try runSibyl(["backtest", "--data", googl, "--periods-per-year", "52"])
        #expect(off.status == 0 && off.standardOutput.contains("periods a year and --periods-per-year annualizes them as 52"), "\(off.standardOutput)")
    }

    @Test("each fold's training starts under its own title line, before its first epoch")
    func foldProgress() throws {
        let run = try runSibyl(["backtest", "--data", googl, "--strategy", "forecast", "--epochs", "2", "--hidden", "4", "--layers", "1",
                                "--window", "8", "--features", "returns", "--retrain-every", "800"])
        #expect(run.status == 0, "\(run.standardError)")
        let lines = run.standardError.split(separator: "\n").filter { $0.hasPrefix("fold ") || $0.hasPrefix("epoch ") }
        let folds = lines.filter { $0.hasPrefix("fold ") }.count
        #expect(folds >= 2)
        let expected = (1...folds).flatMap { ["fold \($0)/\(folds): training", "epoch 1/2", "epoch 2/2"] }
        #expect(lines.map { $0.hasPrefix("epoch") ? String($0.prefix(9)) : String($0) } == expected, "\(run.standardError)")
    }

    @Test("a walk-forward has no test span: its validation share is not held against one")
    func walkForwardValidationShare() throws {
        // 0.8 with the forecast's default test share of 0.15 would leave too little to train on.
        let lines = try String(contentsOf: datasetsFolder.appendingPathComponent("EURUSD_hourly.csv"), encoding: .utf8).split(separator: "\n")
        let data = try temporaryFile((lines.prefix(701)).joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let run = try runSibyl(["backtest", "--data", data, "--strategy", "forecast", "--epochs", "1", "--hidden", "4", "--layers", "1",
                                "--window", "8", "--features", "returns", "--validation", "0.8", "--first-forecast-bar", "400", "--json"])
        #expect(run.status == 0, "\(run.standardError)")
        // Where there is a test span, 0.8 is too much.
        let refused = try runSibyl(["train", "--validation", "0.8", "--out", "/tmp/unused.safetensors"])
        #expect(refused.status == 64 && refused.standardError.contains("validation + test < 0.9"), "\(refused.standardError)")
    }

    @Test("a forecast strategy without a trade says why: no forecast reached the threshold, or the broker's rejections")
    func idleForecastStrategy() throws {
        let lines = try String(contentsOf: datasetsFolder.appendingPathComponent("EURUSD_hourly.csv"), encoding: .utf8).split(separator: "\n")
        let data = try temporaryFile((lines.prefix(701)).joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let quick = ["backtest", "--data", data, "--strategy", "forecast", "--epochs", "1", "--hidden", "4", "--layers", "1",
                     "--window", "8", "--features", "returns", "--first-forecast-bar", "400"]
        // A threshold no forecast reaches is named, with the largest forecast, not left as an empty table.
        let idle = try runSibyl(quick + ["--threshold", "0.5"])
        #expect(idle.status == 0 && idle.standardOutput.contains("no trade: no forecast crossed --threshold 0.5 (the largest"), "\(idle.standardOutput)")
        // No trade for another reason (less cash than one whole unit): the broker's rejections say
        // it, not the threshold.
        let poor = try runSibyl(quick + ["--cash", "0.5", "--whole-units"])
        #expect(poor.status == 0 && poor.standardOutput.contains("rejected") && !poor.standardOutput.contains("no trade:"), "\(poor.standardOutput)")
        // The text says why, as --json does: the first rejection's reason.
        #expect(poor.standardOutput.contains("rejected (the first: order 1 sized to zero units") && poor.standardOutput.contains("costs more than the equity of 0.50"),
                "\(poor.standardOutput)")
    }

    @Test("a first forecast bar or trailing window too short to train on names the fewest bars a fold needs, and that many work")
    func fewestTrainingBars() throws {
        let lines = try String(contentsOf: datasetsFolder.appendingPathComponent("SPX_daily.csv"), encoding: .utf8).split(separator: "\n")
        let data = try temporaryFile(lines.prefix(601).joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let quick = ["backtest", "--data", data, "--strategy", "forecast", "--epochs", "1", "--hidden", "4", "--layers", "1"]
        let early = try runSibyl(quick + ["--first-forecast-bar", "40"])
        #expect(early.status == 1 && early.standardError.contains("leaves 40 bars to train on, and a fold needs at least "), "\(early.standardError)")
        let fewest = try #require(early.standardError.firstMatch(of: /from (\d+) to 598/).map { Int($0.1)! })
        // What one bar fewer runs into is named (here a batch of 32 windows), but only fixes that
        // work are offered: no batch size or window fits 40 bars past a 63-bar warm-up.
        #expect(early.standardError.contains("(with one fewer: only 31 training windows") && !early.standardError.contains("--batch-size")
                && !early.standardError.contains("--window"), "\(early.standardError)")
        // Closer to the fewest, a smaller batch or window does fit, and the ones offered run.
        let near = try runSibyl(quick + ["--first-forecast-bar", "170", "--retrain-every", "1000"])
        let batch = try #require(near.standardError.firstMatch(of: /a --batch-size of (\d+) or less/).map { String($0.1) }, "\(near.standardError)")
        let window = try #require(near.standardError.firstMatch(of: /a --window of (\d+) or less/).map { String($0.1) }, "\(near.standardError)")
        for fix in [["--batch-size", batch], ["--window", window]] {
            let fixed = try runSibyl(quick + ["--first-forecast-bar", "170", "--retrain-every", "1000"] + fix)
            #expect(fixed.status == 0, "\(fix): \(fixed.standardError)")
        }
        #expect(try runSibyl(quick + ["--first-forecast-bar", "170", "--retrain-every", "1000", "--batch-size", "\(Int(batch)! + 1)"]).status == 1)
        #expect(try runSibyl(quick + ["--first-forecast-bar", "\(fewest - 1)"]).status == 1)
        let enough = try runSibyl(quick + ["--first-forecast-bar", "\(fewest)", "--retrain-every", "1000"])
        #expect(enough.status == 0, "\(enough.standardError)")
        #expect(!enough.standardError.contains("covers the"))
        let whole = try runSibyl(quick + ["--first-forecast-bar", "\(fewest)", "--retrain-every", "1000", "--trailing-window", "5000"])
        #expect(whole.status == 0 && whole.standardError.contains("note: --trailing-window 5000 covers the 600 bars of"), "\(whole.standardError)")
        let trailing = try runSibyl(quick + ["--trailing-window", "\(fewest - 1)"])
        #expect(trailing.status == 1 && trailing.standardError.contains("(fix: use --trailing-window \(fewest) or more; or "), "\(trailing.standardError)")
    }

    @Test("volatility-target sizing reads only the past: bars after t change nothing before t (its bars a year came from the whole file)")
    func volatilityTargetNoLookAhead() throws {
        // 700 hourly EUR/USD bars, and the same cut after bar 500.
        let lines = try String(contentsOf: datasetsFolder.appendingPathComponent("EURUSD_hourly.csv"), encoding: .utf8).split(separator: "\n")
        let full = try temporaryFile((lines.prefix(1) + lines.dropFirst(1000).prefix(700)).joined(separator: "\n") + "\n")
        let cut = try temporaryFile((lines.prefix(1) + lines.dropFirst(1000).prefix(501)).joined(separator: "\n") + "\n")
        defer { for file in [full, cut] { try? FileManager.default.removeItem(atPath: file) } }
        func equity(_ data: String) throws -> [Substring] {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-vol-\(UUID()).csv").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            let run = try runSibyl(["backtest", "--data", data, "--strategy", "forecast", "--epochs", "1", "--hidden", "4", "--layers", "1",
                                    "--window", "8", "--features", "returns", "--retrain-every", "200", "--first-forecast-bar", "300",
                                    "--sizing", "vol-target", "--target-volatility", "0.05", "--equity", out])
            #expect(run.status == 0, "\(run.standardError)")
            return try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        }
        let (whole, shortened) = (try equity(full), try equity(cut))
        // The run starts at the first decision, bar 300 (the bars before are the first fold's
        // training history), sized from its first bar: the lookback is filled from the history.
        let bar300 = lines[1000 + 300].split(separator: ",")[0]
        #expect(whole[1].hasPrefix(bar300 + ","), "\(whole[1])")
        #expect(whole[2].split(separator: ",")[3] != "0.0", "\(whole[2])")
        // Header and bars 300 … 499: the decisions at bars before 500 filled by bar 500's open.
        #expect(Array(whole.prefix(201)) == Array(shortened.prefix(201)))
        // The trades CSV numbers the file's bars, not the run's.
        let trades = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-vol-trades-\(UUID()).csv").path
        defer { try? FileManager.default.removeItem(atPath: trades) }
        let run = try runSibyl(["backtest", "--data", full, "--strategy", "forecast", "--epochs", "1", "--hidden", "4", "--layers", "1",
                                "--window", "8", "--features", "returns", "--retrain-every", "200", "--first-forecast-bar", "300", "--trades", trades])
        #expect(run.status == 0, "\(run.standardError)")
        let first = try #require(try String(contentsOfFile: trades, encoding: .utf8).split(separator: "\n").dropFirst().first?
            .split(separator: ",", omittingEmptySubsequences: false))
        let entryBar = try #require(Int(first[0]))
        #expect(entryBar > 300 && lines[1000 + entryBar].hasPrefix(first[2] + ","), "bar \(entryBar): \(lines[1000 + entryBar]) against \(first[2])")
    }

    @Test("bad options are refused with a message, before any work", arguments: [
        (["--fast", "30", "--slow", "10"], "--slow"), (["--commission", "2"], "--commission"), (["--stop-loss", "5"], "--stop-loss"), (["--take-profit", "0"], "--take-profit"), (["--take-profit", "101"], "--take-profit"),
        (["--strategy", "magic"], "magic"), (["--reverse", "--long-only"], "--reverse"), (["--cash", "inf"], "--cash"),
        // A negative value after a space is the option's value, refused by its rule (not "missing").
        (["--cash", "-5"], "--cash is an amount from 0.01"), (["--strategy", "forecast", "--threshold", "-0.1"], "--threshold"),
        (["--spread-bps", "20000"], "got --spread-bps 20000 and --slippage-bps 0, a cost of 10000 a fill"), (["--fast", "0"], "--fast must be at least 1; got 0"),
        (["--commission", "1e308"], "all of every trade and more"), (["--trailing-stop", "1.5"], "got 1.5"), (["--periods-per-year", "0"], "--periods-per-year"),
        (["--strategy", "forecast", "--threshold=-0.1"], "--threshold"), (["--strategy", "forecast", "--target-volatility=-1"], "--target-volatility"),
        (["--strategy", "forecast", "--weight-decay", "nan"], "--weight-decay"), (["--strategy", "forecast", "--hidden", "100000"], "--hidden"),
        (["--strategy", "forecast", "--validation", "0.9"], "--validation must be a share"),
    ])
    func badOptions(arguments: [String], named: String) throws {
        let run = try runSibyl(["backtest"] + arguments)
        #expect(run.status != 0 && run.standardError.contains(named))
    }

    @Test("options the chosen strategy does not read are named as ignored")
    func unusedOptions() throws {
        let run = try runSibyl(["backtest", "--strategy", "buy-and-hold", "--threshold", "0.1", "--slow", "50", "--json"])
        #expect(run.status == 0 && run.standardError.contains("note: --slow, --threshold do not apply to --strategy buy-and-hold"))
        let plain = try runSibyl(["backtest", "--strategy", "sma-cross", "--slow", "50", "--json"])
        #expect(plain.status == 0 && !plain.standardError.contains("note:"))
        // A target volatility sizes vol-target sizing only, even with the forecast strategy.
        let forecast = try runSibyl(["backtest", "--strategy", "forecast", "--target-volatility", "0.3", "--epochs", "1", "--hidden", "4",
                                     "--layers", "1", "--window", "8", "--features", "returns", "--first-forecast-bar", "4990", "--json"])
        #expect(forecast.status == 0 && forecast.standardError.contains("note: --target-volatility sizes positions under --sizing vol-target only, and this run sizes by --sizing full: it is ignored"),
                "\(forecast.standardError)")
        // A commission of 5% or more is kept, with a note on the likelier meaning.
        let percent = try runSibyl(["backtest", "--commission", "0.49", "--json"])
        #expect(percent.status == 0 && percent.standardError.contains("note: --commission 0.49 takes 49% of every trade's value; for 0.49% give 0.0049"),
                "\(percent.standardError)")
        #expect(!(try runSibyl(["backtest", "--commission", "0.002", "--json"])).standardError.contains("--commission"))
        // Model options are named one by one, with the verb agreeing.
        let model = try runSibyl(["backtest", "--strategy", "sma-cross", "--epochs", "3", "--hidden", "8", "--json"])
        #expect(model.status == 0 && model.standardError.contains("note: --hidden, --epochs do not apply to --strategy sma-cross and are ignored"),
                "\(model.standardError)")
    }

    @Test("a window that leaves no bar for a first trade is refused, not run as zero trades")
    func windowLongerThanSeries() throws {
        // 5,031 bars: a crossover is seen from bar slow + 1 and fills a bar later; a z-score signal
        // from bar W, filled a bar later.
        for (arguments, needed) in [(["--slow", "6000"], 6002), (["--slow", "5030"], 5032), (["--strategy", "zscore", "--z-window", "100000"], 100_001),
                                    (["--strategy", "zscore", "--z-window", "5031"], 5032)] {
            let run = try runSibyl(["backtest"] + arguments)
            #expect(run.status == 1 && run.standardError.contains("needs \(needed) bars for a first trade, more than the 5031 of SPX_daily"), "\(run.standardError)")
            #expect(run.standardError.contains(arguments.contains("--slow") ? "use a --slow of 5029 or less" : "use a --z-window of 5030 or less"), "\(run.standardError)")
        }
        // A suggestion the other options allow, or none: --fast 10 forbids a --slow of 10.
        let short = try runSibyl(["backtest", "--fast", "5029", "--slow", "5030"])
        #expect(short.status == 1 && short.standardError.contains("(fix: use a longer series (or a --fast below 5029 and a --slow of 5029 or less))"), "\(short.standardError)")
        // A z-score window too short for its entry level to be reached: (W − 1)/√W ≤ --z-entry.
        let capped = try runSibyl(["backtest", "--strategy", "zscore", "--z-window", "5"])
        #expect(capped.status == 64 && capped.standardError.contains("use a --z-window of 6 or more"), "\(capped.standardError)")
        // The window is worked out, not searched for: an entry level of 1e308 answers at once.
        for (entry, expected) in [("3", "use a --z-window of 11 or more"), ("100", "use a --z-window of 10002 or more"), ("1e308", "use a lower --z-entry")] {
            let far = try runSibyl(["backtest", "--strategy", "zscore", "--z-window", "10", "--z-entry", entry, "--z-exit", "0"])
            #expect(far.status == 64 && far.standardError.contains(expected), "\(entry): \(far.standardError)")
        }
        // A stop inside a hundredth of a percent of the fill is run, with a note saying what it does.
        let tight = try runSibyl(["backtest", "--stop-loss", "1e-300", "--json"])
        let notes = try #require(try JSONSerialization.jsonObject(with: Data(tight.standardOutput.utf8)) as? [String: Any])["notes"] as? [String]
        #expect(tight.status == 0 && notes?.contains { $0.contains("--stop-loss 1e-300 puts the stop within 1e-298% of each fill") } == true, "\(String(describing: notes))")
        // The longest windows that can trade do.
        for arguments in [["--slow", "5029", "--fast", "1", "--json"], ["--strategy", "zscore", "--z-window", "5030", "--json"]] {
            let run = try runSibyl(["backtest"] + arguments)
            #expect(run.status == 0, "\(run.standardError)")
        }
    }

    @Test("--test, which a walk-forward backtest cannot honour, is refused rather than ignored")
    func testShareRefused() throws {
        let run = try runSibyl(["backtest", "--strategy", "forecast", "--test", "0.3"])
        #expect(run.status != 0)
        #expect(run.standardError.contains("--test has no effect in a backtest"))
    }
}
