import Foundation
import Testing

@Suite("sibyl backtest, end to end")
struct BacktestCommandTests {
    var googl: String { datasetsFolder.appendingPathComponent("GOOGL_daily.csv").path }

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
        #expect(walk["naive"] != nil && walk["lag"] != nil)
    }

    @Test("bad options are refused with a message", arguments: [["--fast", "30", "--slow", "10"], ["--commission", "2"], ["--stop-loss", "5"], ["--strategy", "magic"]])
    func badOptions(arguments: [String]) throws {
        let run = try runSibyl(["backtest"] + arguments)
        #expect(run.status != 0 && !run.standardError.isEmpty)
    }
}
