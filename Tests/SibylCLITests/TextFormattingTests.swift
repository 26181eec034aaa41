import Foundation
import Testing
@testable import SibylBacktest
import SibylForecasting
@testable import sibyl

/// How numbers of any magnitude read in the text output and the report's charts.
@Suite("Text formatting of prices at any scale")
struct TextFormattingTests {
    @Test("prices too small for 12 decimals keep their significant digits in scientific notation; ordinary ones stay fixed")
    func tinyPrices() {
        // A token at 3e-10 BTC: six significant digits need 15 decimals.
        let digits = decimals(toShow: 3.008220e-10, significant: 6)
        #expect(price(3.009553e-10, digits) == "3.009553e-10")
        #expect(price(3.008220e-10, digits) != price(3.009553e-10, digits))
        #expect(price(2506.850098, decimals(toShow: 2506.85, significant: 6)) == "2506.8501")
        #expect(price(1.17345, decimals(toShow: 1.17, significant: 6)) == "1.17345")
        #expect(price(nil, 4) == "–")
    }

    @Test("a statistic the decimals would show as zero, and is not, reads in scientific notation")
    func tinyStatistics() {
        #expect(fixed(2.1e-5, 3) == "2.10e-05")
        #expect(fixed(0.0004, 3) == "4.00e-04")
        #expect(fixed(0, 3) == "0.000" && fixed(0.731, 3) == "0.731" && fixed(-3e-9, 3) == "-3.00e-09")
        #expect(fixed(2e13, 3) == "2.0000e+13" && fixed(nil) == "–" && fixed(.nan) == "–")
    }

    @Test("the MAE verdict's clause: too few to judge under 30 bars, better or worse; past that, Diebold–Mariano either way")
    func luckClauses() {
        // Errors alternating in size so that their differences vary; the model's a tenth or ten
        // times the naive forecast's.
        let naive = (0..<100).map { Double($0 % 7 + 1) }
        let small = naive.map { $0 / 10 }, large = naive.map { $0 * 10 }
        let few = ErrorComparison(errors: Array(small.prefix(12)), against: Array(naive.prefix(12)))
        #expect(ForecastOutput.luck(few, better: true) == " over 12 bars, too few to judge")
        #expect(ForecastOutput.luck(ErrorComparison(errors: Array(large.prefix(12)), against: Array(naive.prefix(12))), better: false)
                == " over 12 bars, too few to judge")
        #expect(ForecastOutput.luck(ErrorComparison(errors: small, against: naive), better: true).hasPrefix(", by more than luck explains (Diebold–Mariano p"))
        #expect(ForecastOutput.luck(ErrorComparison(errors: large, against: naive), better: false).hasPrefix(", worse by more than luck explains"))
        // No better and not worse beyond luck: nothing added.
        let mixed = naive.enumerated().map { $0.offset % 2 == 0 ? $0.element * 1.1 : $0.element * 0.9 }
        #expect(ForecastOutput.luck(ErrorComparison(errors: mixed, against: naive), better: false) == "")
        #expect(ForecastOutput.luck(nil, better: true) == "")
    }

    @Test("table columns are as wide as their widest cell, numbers right-aligned")
    func alignedColumns() {
        let lines = alignedRows([["fold", "MAE model", "when"], ["1", "12660.0963", "2019"], ["12", "3.5", "2020"]], leftAligned: [2], indent: "  ")
        #expect(lines == ["  fold   MAE model  when", "     1  12660.0963  2019", "    12         3.5  2020"])
    }

    @Test("chart axes tell their gridlines apart at any scale", arguments: [(7.3e-11, 3.7e-10), (8.5, 40.0), (0.0004, 1.1), (2.5e13, 1.2e15), (1e-250, 3e-249)])
    func axisLabels(step: Double, top: Double) {
        let format = SVGChart.axisFormat(step: step, largest: top)
        let labels = (0...4).map { String(format: format, top - Double($0) * step) }
        #expect(Set(labels).count == 5, "\(format): \(labels)")
        #expect(labels.allSatisfy { $0.count <= 12 }, "\(format): \(labels)")
    }

    @Test("the walk-forward retrains every 250 bars by default, or less often on long series so as to make at most 20 folds")
    func retrainDefault() {
        // The bundled S&P 500 from 40% in: 3,019 bars to forecast.
        let daily = WalkForwardSettings.defaultRetrainEvery(forecastBars: 3019)
        #expect(daily == 250 && BacktestCommand.retrainNote(every: daily, forecastBars: 3019) == nil)
        // 200,000 minute bars from 40% in.
        let minutes = WalkForwardSettings.defaultRetrainEvery(forecastBars: 120_000)
        let note = BacktestCommand.retrainNote(every: minutes, forecastBars: 120_000)
        #expect(minutes == 6000 && note?.contains("over 120000 bars makes at most 20 folds (every 250 would make 480)") == true, "\(String(describing: note))")
        // A first forecast bar given late leaves fewer bars to forecast.
        #expect(WalkForwardSettings.defaultRetrainEvery(forecastBars: 5_000) == 250)
    }

    @Test("statistics of 10^12 and more read in scientific notation, not as hundreds of digits")
    func hugeStatistics() throws {
        // SPX at 1e-90 of its prices: 10,000 of cash buys about 1e91 units, far beyond any bar's volume.
        let lines = try String(contentsOf: datasetsFolder.appendingPathComponent("SPX_daily.csv"), encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",").map(String.init)
        let prices = Set(["Open", "High", "Low", "Close", "Adj Close"])
        let scaled = lines.prefix(400).dropFirst().map { line in
            zip(header, line.split(separator: ",", omittingEmptySubsequences: false)).map { name, cell in
                prices.contains(name) ? String(format: "%.10e", Double(cell)! * 1e-90) : String(cell)
            }.joined(separator: ",")
        }
        let data = try temporaryFile(([header.joined(separator: ",")] + scaled).joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let run = try runSibyl(["backtest", "--data", data])
        #expect(run.status == 0, "\(run.standardError)")
        let row = try #require(run.standardOutput.split(separator: "\n").first { $0.contains("Max. Volume Share [%]") })
        #expect(row.contains("e+8"), "\(row)")
        #expect(row.count < 60, "\(row)")
    }
}
