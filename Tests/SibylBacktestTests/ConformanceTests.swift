import Foundation
import Testing
import SibylData
@testable import SibylBacktest

/// backtesting.py's SmaCross example on Datasets/GOOGL_daily.csv (and a run out of money on MSFT's first bars), run by
/// Fixtures/make_backtesting_fixture.py (backtesting.py 0.6.6), against Sibyl in its
/// backtesting.py settings: close-and-reverse, whole units, all equity, next-open fills.
@Suite("Conformance with backtesting.py")
struct ConformanceTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let settings: [String: JSONValue]
            let stats: [String: JSONValue]
            let trades: [[String: JSONValue]]
            let equity: [Double]
        }
        let cases: [String: Case]
    }

    enum JSONValue: Decodable {
        case number(Double), text(String), null, flag(Bool)
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null }
            else if let value = try? container.decode(Double.self) { self = .number(value) }
            else if let value = try? container.decode(Bool.self) { self = .flag(value) }
            else { self = .text(try container.decode(String.self)) }
        }
        var number: Double? { if case .number(let v) = self { v } else { nil } }
    }

    static let fixture: Fixture = {
        let url = Bundle.module.url(forResource: "Fixtures/backtesting_py_smacross", withExtension: "json")!
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    /// The bars a case ran on: GOOGL, or the leading bars of the file its settings name.
    static func series(_ name: String) -> BarSeries {
        let settings = fixture.cases[name]!.settings
        let file = if case .text(let path) = settings["data"] { path } else { "Datasets/GOOGL_daily.csv" }
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(file).path
        let series = try! BarCSV.read(contentsOf: path).series
        return settings["bars"]?.number.map { series[0..<Int($0)] } ?? series
    }

    static let cases = ["smacross", "no_commission", "long_only", "out_of_money", "same_close", "minimum_commission"]

    /// backtesting.py's settings of a case: cash, commission (with its minimum), fills at the next
    /// open or, with trade_on_close, at the same close.
    static func configuration(_ name: String) -> BacktestConfiguration {
        let settings = fixture.cases[name]!.settings
        var configuration = BacktestConfiguration.backtestingPy(cash: settings["cash"]!.number!, commission: settings["commission"]!.number!)
        if case .flag(true) = settings["trade_on_close"] { configuration.fills = .sameClose }
        configuration.costs.minimumCommission = settings["minimum_commission"]?.number ?? 0
        return configuration
    }

    static func run(_ name: String) -> BacktestResult {
        let configuration = configuration(name)
        var strategy = SMACross(fast: 10, slow: 20, mode: name == "long_only" ? .longOnly : .reverse)
        return backtest(&strategy, on: series(name), configuration: configuration)
    }

    static func relative(_ a: Double, _ b: Double) -> Double {
        a == b ? 0 : abs(a - b) / max(abs(b), 1e-300)
    }

    @Test("trades: same bars, sizes and prices exactly; profits to 1e-9", arguments: cases)
    func trades(name: String) {
        let expected = Self.fixture.cases[name]!.trades
        let closed = Self.run(name).trades.filter { $0.exitBar != nil }
        #expect(closed.count == expected.count)
        var worst = 0.0
        for (trade, reference) in zip(closed, expected) {
            #expect(trade.size == reference["Size"]!.number!)
            #expect(Double(trade.entryBar) == reference["EntryBar"]!.number! && Double(trade.exitBar!) == reference["ExitBar"]!.number!)
            #expect(trade.entryPrice == reference["EntryPrice"]!.number! && trade.exitPrice == reference["ExitPrice"]!.number!)
            worst = max(worst, Self.relative(trade.profit(), reference["PnL"]!.number!),
                        Self.relative(trade.returnFraction(), reference["ReturnPct"]!.number!))
            if let commission = reference["Commission"]?.number { worst = max(worst, Self.relative(trade.commissions, commission)) }
        }
        print("\(name): \(closed.count) trades identical; largest relative profit difference \(worst)")
        #expect(worst < 1e-9)
    }

    @Test("equity at every bar to 1e-9", arguments: cases)
    func equity(name: String) {
        let expected = Self.fixture.cases[name]!.equity
        let equity = Self.run(name).equity
        #expect(equity.count == expected.count)
        let worst = zip(equity, expected).map { Self.relative($0, $1) }.max()!
        print("\(name): equity curve, largest relative difference \(worst)")
        #expect(worst < 1e-9)
    }

    @Test("probabilistic Sharpe ratios from backtesting.py's equity curve, computed apart in Python")
    func probabilisticSharpe() {
        // From the fixture's smacross equity and GOOGL's closes from bar 19 (the strategy's first
        // decision) on, in plain Python: log returns bar to bar, SR = mean / std (ddof 1), biased
        // skewness and kurtosis, PSR = ½·erfc(−z/√2). SR = −0.0224, buy-and-hold's SR = 0.0519.
        let stats = BacktestStatistics(Self.run("smacross"))
        #expect(abs(stats.probabilisticSharpePercent - 14.154426344004461) < 1e-7)
        #expect(abs(stats.probabilisticSharpeOverBuyAndHoldPercent - 0.018796017621753064) < 1e-9)
        // An account that ran out of money: no chance its Sharpe ratio is above anything.
        let ruined = BacktestStatistics(Self.run("out_of_money"))
        #expect(ruined.probabilisticSharpePercent == 0 && ruined.probabilisticSharpeOverBuyAndHoldPercent == 0)
        // Fewer than three returns: undefined.
        #expect(BacktestStatistics.ReturnMoments([0.01, -0.02]).probabilisticSharpe(over: 0).isNaN)
    }

    @Test("statistics to 1e-6 relative", arguments: cases)
    func statistics(name: String) {
        let expected = Self.fixture.cases[name]!.stats
        let stats = BacktestStatistics(Self.run(name))
        let pairs: [(String, Double)] = [
            ("Duration", stats.durationDays), ("Exposure Time [%]", stats.exposureTimePercent),
            ("Equity Final [$]", stats.equityFinal), ("Equity Peak [$]", stats.equityPeak),
            ("Commissions [$]", stats.commissions), ("Return [%]", stats.returnPercent),
            ("Buy & Hold Return [%]", stats.buyAndHoldReturnPercent), ("Return (Ann.) [%]", stats.returnAnnualizedPercent),
            ("Volatility (Ann.) [%]", stats.volatilityAnnualizedPercent), ("CAGR [%]", stats.cagrPercent),
            ("Sharpe Ratio", stats.sharpeRatio), ("Sortino Ratio", stats.sortinoRatio), ("Calmar Ratio", stats.calmarRatio),
            ("Alpha [%]", stats.alphaPercent), ("Beta", stats.beta), ("Max. Drawdown [%]", stats.maxDrawdownPercent),
            ("Avg. Drawdown [%]", stats.averageDrawdownPercent), ("Max. Drawdown Duration", stats.maxDrawdownDurationDays),
            ("Avg. Drawdown Duration", stats.averageDrawdownDurationDays), ("# Trades", Double(stats.tradeCount)),
            ("Win Rate [%]", stats.winRatePercent), ("Best Trade [%]", stats.bestTradePercent),
            ("Worst Trade [%]", stats.worstTradePercent), ("Avg. Trade [%]", stats.averageTradePercent),
            ("Max. Trade Duration", stats.maxTradeDurationDays), ("Avg. Trade Duration", stats.averageTradeDurationDays),
            ("Profit Factor", stats.profitFactor), ("Expectancy [%]", stats.expectancyPercent), ("SQN", stats.sqn),
            ("Kelly Criterion", stats.kellyCriterion),
        ]
        #expect(stats.start == expected["Start"].flatMap { if case .text(let t) = $0 { String(t.prefix(10)) } else { nil } })
        var compared = 0
        for (key, value) in pairs {
            // backtesting.py leaves out Commissions [$] when there were none; other missing values
            // are undefined (NaN), and must be undefined here too.
            guard let reference = expected[key]?.number else {
                #expect(key == "Commissions [$]" ? value == 0 : value.isNaN, "\(name) \(key): \(value) vs backtesting.py's undefined value")
                continue
            }
            let difference = Self.relative(value, reference)
            #expect(difference < 1e-6, "\(name) \(key): \(value) vs backtesting.py \(reference)")
            compared += 1
        }
        print("\(name): \(compared) statistics within 1e-6 of backtesting.py")
    }

    // Not out_of_money: MSFT's 1/64-dollar prices make the averages tie, and a reversal strategy
    // re-enters after a tie bar by bar but not on the signal path (documented in SignalBacktest).
    @Test("the signal path gives the strategy path's trades and equity exactly", arguments: ["smacross", "long_only", "same_close", "minimum_commission"])
    func signalPathMatches(name: String) {
        let bar = Self.run(name)
        let mode: SMACross.Mode = name == "long_only" ? .longOnly : .reverse
        let series = Self.series(name)
        let signal = SMACross.signal(closes: series.close, fast: 10, slow: 20, mode: mode)
        let vector = backtest(signal: signal, on: series,
                              configuration: Self.configuration(name),
                              name: "sma", warmUp: 19)
        #expect(vector.trades.count == bar.trades.count)
        #expect(vector.trades == bar.trades, "the two paths' trades differ")
        #expect(vector.equity == bar.equity, "the two paths' equity differs")
    }
}
