import Foundation
import Testing
import SibylData
@testable import SibylBacktest

/// A small seeded generator for the tests (a 64-bit linear congruential generator).
struct TestGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed &* 6364136223846793005 &+ 1442695040888963407 }
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 11
    }
    mutating func nextUniform() -> Double { Double(next()) * 0x1.0p-53 }
    mutating func nextNormal() -> Double {
        (-2 * log(1 - nextUniform())).squareRoot() * cos(2 * Double.pi * nextUniform())
    }
}

/// Bars from (open, high, low, close) tuples, one day apart.
func bars(_ rows: [(Double, Double, Double, Double)]) -> BarSeries {
    try! BarSeries(name: "test", bars: rows.enumerated().map { i, r in
        Bar(timestamp: Timestamp(year: 2021, month: 1, day: 4).adding(days: i), open: r.0, high: r.1, low: r.2, close: r.3, volume: 1000)
    })
}

/// Places the orders it is given at given bars.
struct Scripted: Strategy {
    let name = "scripted"
    let warmUp = 0
    var actions: [Int: (inout Broker) -> Void]

    mutating func next(_ view: MarketView, broker: inout Broker) {
        actions[view.index]?(&broker)
    }
}

func run(_ series: BarSeries, _ configuration: BacktestConfiguration, _ actions: [Int: (inout Broker) -> Void]) -> BacktestResult {
    var strategy = Scripted(actions: actions)
    return backtest(&strategy, on: series, configuration: configuration)
}

func run(_ series: BarSeries, _ actions: [Int: (inout Broker) -> Void]) -> BacktestResult {
    run(series, BacktestConfiguration(initialCash: 10_000), actions)
}

let flat = bars([(100, 101, 99, 100), (100, 102, 98, 101), (102, 104, 100, 103), (103, 106, 101, 105), (105, 107, 103, 104)])

@Suite("Broker: fills and costs, computed by hand")
struct BrokerTests {
    @Test("a market order fills at the next open; every commission component and its minimum apply")
    func marketOrderCosts() {
        let costs = CostModel(commissionRate: 0.001, commissionPerOrder: 2, commissionPerUnit: 0.01, minimumCommission: 5)
        let result = run(flat, BacktestConfiguration(initialCash: 10_000, costs: costs), [0: { $0.submit(.units(10)) }])
        let trade = result.trades[0]
        #expect(trade.entryBar == 1 && trade.entryPrice == 100)
        // 10·100·0.001 + 2 + 10·0.01 = 3.1, below the minimum 5.
        #expect(trade.commissions == 5)
        #expect(result.cash[1] == 10_000 - 1000 - 5)
        #expect(result.equity[1] == 10_000 - 1000 - 5 + 10 * 101)
        let big = run(flat, BacktestConfiguration(initialCash: 100_000, costs: costs), [0: { $0.submit(.units(50)) }])
        // 50·100·0.001 + 2 + 50·0.01 = 7.5.
        #expect(abs(big.trades[0].commissions - 7.5) < 1e-12)
    }

    @Test("spread and slippage move the execution price against the order")
    func spreadAndSlippage() {
        let costs = CostModel(spreadBasisPoints: 20, slippageBasisPoints: 5)
        let result = run(flat, BacktestConfiguration(initialCash: 10_000, costs: costs), [0: { $0.submit(.units(10)) }, 2: { $0.closePosition() }])
        // Buy: 100·(1 + (10 + 5)/10⁴) = 100.15; sell at 103·(1 − 0.0015).
        #expect(abs(result.trades[0].entryPrice - 100.15) < 1e-12)
        #expect(abs(result.trades[0].exitPrice! - 103 * 0.9985) < 1e-12)
        #expect(abs(result.equity[4] - (10_000 + 10 * (103 * 0.9985 - 100.15))) < 1e-9)
    }

    @Test("limit orders fill at the limit inside the bar, or at the open when the bar gaps through")
    func limitOrders() {
        let series = bars([(100, 101, 99, 100), (100, 100.5, 96, 97), (97, 98, 94, 95), (93, 94, 90, 92), (92, 93, 91, 92)])
        let result = run(series, [0: { $0.submit(.units(1), type: .limit(95)) }, 2: { $0.submit(.units(1), type: .limit(93.5)) }])
        // First: bar 1 low 96 > 95, no fill; bar 2 low 94 ≤ 95 → filled at 95.
        #expect(result.trades[0].entryBar == 2 && result.trades[0].entryPrice == 95)
        // Second: bar 3 opens at 93, already below 93.5 → filled at the open.
        #expect(result.trades[1].entryBar == 3 && result.trades[1].entryPrice == 93)
    }

    @Test("stop orders trigger through the level and fill there, or at the open after a gap")
    func stopOrders() {
        let series = bars([(100, 101, 99, 100), (100, 104, 99, 103), (103, 106, 102, 105), (108, 110, 107, 109), (109, 110, 108, 109)])
        let result = run(series, [0: { $0.submit(.units(1), type: .stop(105)) }, 2: { $0.submit(.units(1), type: .stop(107)) }])
        #expect(result.trades[0].entryBar == 2 && result.trades[0].entryPrice == 105)
        #expect(result.trades[1].entryBar == 3 && result.trades[1].entryPrice == 108)
    }

    @Test("a stop-limit becomes a limit once triggered, and fills only at the limit or better")
    func stopLimitOrders() {
        // Triggered at the open of bar 1 (107 ≥ 105) above the limit 106; the bar trades down to
        // 105.5, so the limit fills at 106.
        let series = bars([(100, 101, 99, 100), (107, 108, 105.5, 106), (106, 107, 105, 106)])
        let result = run(series, [0: { $0.submit(.units(1), type: .stopLimit(stop: 105, limit: 106)) }])
        #expect(result.trades[0].entryBar == 1 && result.trades[0].entryPrice == 106)
        // Triggered but never back to the limit: it waits as a limit order.
        let never = bars([(100, 101, 99, 100), (107, 109, 106.5, 108), (108, 110, 107, 109)])
        #expect(run(never, [0: { $0.submit(.units(1), type: .stopLimit(stop: 105, limit: 106)) }]).trades.isEmpty)
    }

    @Test("stop-loss and take-profit: a gap fills at the open; both inside one bar takes the stop and is counted")
    func attachedExits() {
        let series = bars([(100, 101, 99, 100), (100, 104, 98, 103), (103, 111, 94, 100), (100, 101, 99, 100)])
        let result = run(series, [0: { $0.submit(.units(10), exits: ExitRules(stopLoss: 0.05, takeProfit: 0.10)) }])
        let trade = result.trades[0]
        #expect(trade.exitBar == 2 && trade.exitPrice == 95 && trade.exitReason == .stopLoss && trade.ambiguousExit)
        #expect(BacktestStatistics(result).ambiguousExits == 1)
        let gap = bars([(100, 101, 99, 100), (100, 104, 98, 103), (90, 92, 89, 91)])
        let gapped = run(gap, [0: { $0.submit(.units(10), exits: ExitRules(stopLoss: 0.05)) }]).trades[0]
        #expect(gapped.exitPrice == 90 && !gapped.ambiguousExit)
        let target = bars([(100, 101, 99, 100), (100, 104, 98, 103), (103, 112, 102, 111)])
        #expect(abs(run(target, [0: { $0.submit(.units(10), exits: ExitRules(takeProfit: 0.10)) }]).trades[0].exitPrice! - 110) < 1e-9)
        // A target of +100% on a long; a short's target of 100% or more lies at or below zero and is never reached.
        let doubling = bars([(100, 101, 99, 100), (100, 150, 98, 140), (140, 205, 139, 190), (190, 191, 10, 12)])
        #expect(run(doubling, [0: { $0.submit(.units(10), exits: ExitRules(takeProfit: 1)) }]).trades[0].exitPrice == 200)
        let short = run(doubling, [0: { $0.submit(.units(-10), exits: ExitRules(takeProfit: 1.5)) }]).trades[0]
        #expect(short.exitBar == nil || short.exitReason != .takeProfit)
    }

    @Test("a trailing stop follows the best high of earlier bars, never one later in the same bar")
    func trailingStop() {
        // Entry 100; highs 110 then 120 move the stop to 99 then 108; bar 4 trades down to 107.
        let series = bars([(100, 100, 100, 100), (100, 110, 99.5, 109), (109, 120, 109, 118), (118, 119, 110, 111), (111, 112, 107, 108)])
        let trade = run(series, [0: { $0.submit(.units(1), exits: ExitRules(trailingStop: 0.10)) }]).trades[0]
        #expect(trade.exitBar == 4 && abs(trade.exitPrice! - 108) < 1e-12 && trade.exitReason == .trailingStop)
    }

    @Test("short trades profit from a fall; the account stays consistent")
    func shortTrade() {
        let series = bars([(100, 101, 99, 100), (100, 100, 90, 91), (90, 91, 80, 81), (80, 81, 79, 80)])
        let result = run(series, [0: { $0.submit(.units(-10)) }, 2: { $0.closePosition() }])
        let trade = result.trades[0]
        #expect(trade.size == -10 && trade.entryPrice == 100 && trade.exitPrice == 80)
        #expect(trade.profit() == 200)
        #expect(result.equity[3] == 10_200 && result.position[3] == 0)
        // Shorting off: the sell is refused and reported.
        let noShort = run(series, BacktestConfiguration(initialCash: 10_000, allowShort: false), [0: { $0.submit(.units(-10)) }])
        #expect(noShort.trades.isEmpty && noShort.events.first?.kind == .rejected)
    }

    @Test("a short squeezed below zero equity: closed at that close, the run stops, equity 0 from there, on both paths")
    func outOfMoney() {
        // Short 100 units at 100 with 10,000: at 190 equity is 1,000, at 210 it is −1,000.
        let series = bars([(100, 101, 99, 100), (100, 101, 99, 100), (150, 190, 150, 190), (200, 215, 200, 210), (220, 230, 220, 230),
                           (90, 95, 85, 90)])
        let result = run(series, [0: { $0.sell() }, 3: { $0.buy(fraction: 0.5) }, 4: { $0.closePosition() }])
        #expect(result.trades.count == 1)
        let trade = result.trades[0]
        #expect(trade.size == -100 && trade.exitBar == 3 && trade.exitPrice == 210 && trade.exitReason == .outOfMoney)
        #expect(trade.profit() == -11_000)
        #expect(result.equity == [10_000, 10_000, 1_000, 0, 0, 0])
        #expect(result.position[3...] == [0, 0, 0] && result.cash[3...] == [0, 0, 0])
        #expect(result.events.map(\.kind) == [.outOfMoney])
        #expect(result.events[0].message.contains("fell to -1000.00") && result.events[0].message.contains("1000.00, would be owed"))
        // Not a single order after the stop: the strategy's buy at bar 3 is never seen.
        let statistics = BacktestStatistics(result)
        #expect(statistics.returnPercent == -100 && statistics.maxDrawdownPercent == -100)
        let signal = backtest(signal: [-1, .nan, .nan, .nan, 0, .nan], on: series, configuration: BacktestConfiguration(initialCash: 10_000),
                              name: "s", warmUp: 0)
        #expect(signal.equity == result.equity && signal.trades == result.trades && signal.events.map(\.kind) == [.outOfMoney])
    }

    @Test("a same-close fill whose costs take equity below zero stops the account at that close, on both paths")
    func outOfMoneyAtSameCloseFill() {
        // Buy all at 100 (0.9 units after a minimum commission of 10); at 5 the position is worth
        // 4.5, and selling it at that close costs 10: equity −5.5 at bar 1's close, not bar 2's.
        let series = bars([(100, 101, 99, 100), (6, 6, 5, 5), (5, 6, 4, 5)])
        let configuration = BacktestConfiguration(initialCash: 100, costs: CostModel(minimumCommission: 10), fills: .sameClose)
        let result = run(series, configuration, [0: { $0.buy(fraction: 1) }, 1: { $0.closePosition() }])
        #expect(result.equity == [90, 0, 0], "\(result.equity)")
        #expect(result.events.map(\.kind) == [.outOfMoney] && result.events[0].bar == 1 && result.events[0].message.contains("fell to -5.50"))
        let signal = backtest(signal: [1, 0, .nan], on: series, configuration: configuration, name: "s", warmUp: 0)
        #expect(signal.equity == result.equity && signal.events.map(\.kind) == [.outOfMoney] && signal.events[0].bar == 1)
    }

    @Test("a target sized to zero whole units from flat is a rejected order, with the reason")
    func zeroUnitTarget() {
        let result = run(flat, BacktestConfiguration(initialCash: 50, wholeUnits: true), [0: { $0.target(1) }])
        #expect(result.trades.isEmpty && result.events.map(\.kind) == [.rejected])
        #expect(result.events.first?.message.contains("one whole unit, with its costs, costs more than the equity of 50.00") == true)
        // A share of the equity that buys less than a unit says so, not that a unit costs more than all of it.
        let part = run(flat, BacktestConfiguration(initialCash: 1_000, wholeUnits: true), [0: { $0.target(0.05) }])
        #expect(part.events.map(\.kind) == [.rejected])
        #expect(part.events.first?.message.contains("5% of the equity of 1000.00, 50.00, buys less than one whole unit") == true, "\(part.events)")
        // Targeting a position already held, or flat when flat, is no rejection.
        #expect(run(flat, BacktestConfiguration(initialCash: 50, wholeUnits: true), [0: { $0.target(0) }]).events.isEmpty)
    }

    @Test("an order larger than the cash is cut to what is affordable, or refused, and reported")
    func affordability() {
        let reduced = run(flat, BacktestConfiguration(initialCash: 1_000, wholeUnits: true), [0: { $0.submit(.units(50)) }])
        #expect(reduced.trades[0].size == 10)
        #expect(reduced.events.first?.kind == .reduced)
        let refused = run(flat, BacktestConfiguration(initialCash: 50, wholeUnits: true), [0: { $0.submit(.units(5)) }])
        #expect(refused.trades.isEmpty && refused.events.first?.kind == .rejected)
        // Fractional units: all the cash buys 1000/100 = 10 units less the commission.
        let fractional = run(flat, BacktestConfiguration(initialCash: 1_000, costs: CostModel(commissionRate: 0.01)), [0: { $0.buy() }])
        #expect(abs(fractional.trades[0].size - 1_000 / 101) < 1e-12)
        #expect(abs(fractional.cash[1]) < 1e-9)
    }

    @Test("same-close fills, only when asked: at the close of the deciding bar")
    func sameClose() {
        let result = run(flat, BacktestConfiguration(initialCash: 10_000, fills: .sameClose), [1: { $0.submit(.units(10)) }])
        #expect(result.trades[0].entryBar == 1 && result.trades[0].entryPrice == 101)
        #expect(result.equity[1] == 10_000)
    }

    @Test("an order placed on the last bar has nowhere to fill and is reported")
    func lastBar() {
        let result = run(flat, [4: { $0.buy() }])
        #expect(result.trades.isEmpty && result.events.map(\.kind) == [.unfilledAtEnd])
        #expect(result.events.first?.message.hasSuffix("no bar follows it to open") == true)
        // A reversal on the last bar when flat: its close would have done nothing, one order is reported.
        #expect(run(flat, [4: { $0.closePosition(); $0.buy() }]).events.map(\.kind) == [.unfilledAtEnd])
        // Holding a position, both orders are.
        #expect(run(flat, [0: { $0.buy() }, 4: { $0.closePosition(); $0.sell() }]).events.map(\.kind) == [.unfilledAtEnd, .unfilledAtEnd])
        // At the close, the reason is what a fill would do: hold over no bar and pay its costs.
        let atClose = run(flat, BacktestConfiguration(initialCash: 10_000, fills: .sameClose), [4: { $0.buy() }])
        #expect(atClose.trades.isEmpty && atClose.events.map(\.kind) == [.unfilledAtEnd])
        #expect(atClose.events.first?.message.contains("held over no bar") == true, "\(atClose.events)")
        // The signal path says the same about a signal that changes on the last bar.
        let signal = backtest(signal: [.nan, .nan, .nan, .nan, 1], on: flat, configuration: BacktestConfiguration(), name: "s", warmUp: 0)
        #expect(signal.trades.isEmpty && signal.events.map(\.kind) == [.unfilledAtEnd])
    }

    @Test("drawdown from the running peak, and buy-and-hold from the warm-up bar's close")
    func drawdownAndBenchmark() {
        let series = bars([(100, 100, 100, 100), (100, 110, 100, 110), (110, 110, 99, 99), (99, 121, 99, 121), (121, 121, 110, 110)])
        let result = BacktestResult(strategy: "hand", configuration: BacktestConfiguration(initialCash: 1_000), series: series,
                                    equity: [1_000, 1_100, 990, 1_210, 1_100], cash: [0, 0, 0, 0, 0], position: [0, 0, 0, 0, 0],
                                    trades: [], events: [], commissions: 0, warmUp: 1)
        let expected = [0, 0, 0.1, 0, 1 - 1_100.0 / 1_210]
        #expect(zip(result.drawdown, expected).allSatisfy { abs($0 - $1) < 1e-15 })
        #expect(result.buyAndHoldEquity == [1_000, 1_000, 900, 1_100, 1_000])
        #expect(BacktestCSV.equity(result).split(separator: "\n")[3].hasSuffix(",\(result.drawdown[2]),900.0"))
        // A drawdown on the last bar only is no episode: its depth is the average, durations undefined.
        let last = BacktestResult(strategy: "hand", configuration: BacktestConfiguration(initialCash: 1_000), series: series,
                                  equity: [1_000, 1_100, 1_200, 1_300, 1_196], cash: [0, 0, 0, 0, 0], position: [0, 0, 0, 0, 0],
                                  trades: [], events: [], commissions: 0, warmUp: 1)
        let statistics = BacktestStatistics(last)
        #expect(abs(statistics.averageDrawdownPercent + 8) < 1e-12 && statistics.maxDrawdownDurationDays.isNaN)
    }

    @Test("annualizing periods follow the median spacing of the last 100 bars, as backtesting.py's do; quarters and half years are their own", arguments: [
        (7, 52.0), (31, 12), (365, 1), (91, 4), (182, 2), (14, 26), (1, 252),
    ])
    func returnPeriods(spacingDays: Int, perYear: Double) throws {
        let start = Timestamp(year: 2001, month: 1, day: 1)  // a Monday: every spacing here avoids weekends
        let bars = (0..<150).map { i in
            Bar(timestamp: start.adding(days: spacingDays == 1 ? i / 5 * 7 + i % 5 : i * spacingDays), open: 1, high: 1, low: 1, close: 1, volume: 1)
        }
        let series = try BarSeries(name: "spaced", bars: bars)
        #expect(BacktestStatistics.returnPeriod(series).perYear == perYear)
    }

    @Test("the median is of the 99 spacings between the last 100 bars: months of 30 and 31 days give 31, as in backtesting.py")
    func returnPeriodWindow() throws {
        // Spacings alternate 31 and 30 days, the 100th from the end a 30: the last 100 spacings
        // (101 bars) split 50/50, with a median of 30.5 days, while the last 99 hold one 31 more.
        var timestamp = Timestamp(year: 2001, month: 1, day: 31)
        var bars = [Bar(timestamp: timestamp, open: 1, high: 1, low: 1, close: 1, volume: 1)]
        for j in 0..<149 {
            timestamp = timestamp.adding(days: j % 2 == 1 ? 30 : 31)
            bars.append(Bar(timestamp: timestamp, open: 1, high: 1, low: 1, close: 1, volume: 1))
        }
        let series = try BarSeries(name: "month ends", bars: bars)
        #expect(BacktestStatistics.returnPeriod(series).perYear == 12)
    }
}

@Suite("Edges of the account")
struct AccountEdgeTests {
    @Test("a closing fill at the end whose costs take equity below zero puts the account out of money: equity 0, not negative")
    func closeAtEndOutOfMoney() {
        // 90 units at 100 (cash 10), then a fixed commission of 80 on the way out: 10 + 90·100 − 80
        // would be 8,930 without the entry; here cash is 100, so the account owes money.
        let costs = CostModel(commissionPerOrder: 80)
        let config = BacktestConfiguration(initialCash: 100, costs: costs, closeAtEnd: true)
        let result = run(flat, config, [0: { $0.submit(.units(0.2)) }])
        let last = flat.count - 1
        #expect(result.equity[last] == 0 && result.cash[last] == 0, "equity \(result.equity[last]), cash \(result.cash[last])")
        #expect(result.events.contains { $0.kind == .outOfMoney && $0.bar == last })
        #expect(BacktestStatistics(result).returnPercent == -100)
    }

    @Test("a trade's share of a commission is kept when trades are tiny (the product of two tiny numbers underflowed to 0)")
    func tinyTradeCommission() {
        let costs = CostModel(commissionRate: 0.3)
        let result = run(flat, BacktestConfiguration(initialCash: 1e-150, costs: costs), [0: { $0.submit(.units(1e-160)) }, 2: { $0.submit(.units(-1e-160)) }])
        let trade = result.trades[0]
        // In at 100 and out at 103, 0.3 of the value each way.
        let expected = 0.3 * 1e-160 * 100 + 0.3 * 1e-160 * 103
        #expect(abs(trade.commissions / expected - 1) < 1e-12, "\(trade.commissions)")
    }

    @Test("adjusted prices carry the volume inversely: the value traded is kept, so capacity does not change with a split")
    func adjustedVolume() throws {
        let raw = try BarSeries(name: "split", bars: (0..<4).map { i in
            Bar(timestamp: Timestamp(year: 2021, month: 1, day: 4).adding(days: i), open: i < 2 ? 200 : 100, high: i < 2 ? 202 : 101,
                low: i < 2 ? 198 : 99, close: i < 2 ? 200 : 100, volume: i < 2 ? 1000 : 2000, adjustedClose: 100)
        })
        let adjusted = raw.withCloses(raw.adjustedClose!)
        #expect(adjusted.close == [100, 100, 100, 100] && adjusted.volume == [2000, 2000, 2000, 2000])
        #expect(zip(adjusted.close, adjusted.volume!).map { $0 * $1 } == [200_000, 200_000, 200_000, 200_000])
    }

    @Test("monthly bars on last trading days, 30 days apart at the median, are annualized as months; yearly ones as years")
    func lastTradingDayMonths() throws {
        // Month ends moved back to a Friday when they fall on a weekend: the 99 spacings of
        // 1992–2000's last trading days have a median of 30 days (backtesting.py's 252 a year).
        var bars: [Bar] = []
        for k in 0..<100 {
            var day = Timestamp(year: 1992 + k / 12, month: k % 12 + 1, day: 1).adding(days: 40)
            day = Timestamp(year: day.date.year, month: day.date.month, day: 1).adding(days: -1)
            while day.weekday >= 6 { day = day.adding(days: -1) }
            bars.append(Bar(timestamp: day, open: 1, high: 1, low: 1, close: 1, volume: 1))
        }
        let months = try BarSeries(name: "month ends", bars: bars)
        #expect(BacktestStatistics.returnPeriod(months).perYear == 12)
        let years = try BarSeries(name: "year ends", bars: (0..<30).map { k in
            var day = Timestamp(year: 1990 + k, month: 12, day: 31)
            while day.weekday >= 6 { day = day.adding(days: -1) }
            return Bar(timestamp: day, open: 1, high: 1, low: 1, close: 1, volume: 1)
        })
        #expect(BacktestStatistics.returnPeriod(years).perYear == 1)
    }
}

@Suite("Accounting cannot drift")
struct AccountingTests {
    /// Random bars and a strategy that trades at random: market, limit and stop orders, exits,
    /// longs and shorts, with every cost model. At every bar equity = cash + position · close,
    /// the position equals the sum of open trades, and the trades' profits add up to the change
    /// in equity.
    @Test("random strategies on random bars", arguments: Array(1...40))
    func invariants(seed: Int) {
        var generator = TestGenerator(seed: UInt64(seed))
        var close = 100.0
        var rows: [(Double, Double, Double, Double)] = []
        for _ in 0..<300 {
            let open = close * exp(0.005 * generator.nextNormal())
            close = open * exp(0.02 * generator.nextNormal())
            rows.append((open, max(open, close) * (1 + 0.01 * generator.nextUniform()), min(open, close) * (1 - 0.01 * generator.nextUniform()), close))
        }
        let series = bars(rows)
        var actions: [Int: (inout Broker) -> Void] = [:]
        for t in 0..<300 where generator.nextUniform() < 0.15 {
            let choice = Int(generator.next() % 7)
            let amount = (generator.nextUniform() - 0.4) * 40
            let level = rows[t].3 * (1 + 0.03 * generator.nextNormal())
            let exits = generator.nextUniform() < 0.5 ? ExitRules(stopLoss: 0.03, takeProfit: 0.05, trailingStop: generator.nextUniform() < 0.5 ? 0.04 : nil) : .none
            actions[t] = { broker in
                switch choice {
                case 0: broker.submit(.units(amount), exits: exits)
                case 1: broker.submit(.units(amount), type: .limit(level), exits: exits)
                case 2: broker.submit(.units(amount), type: .stop(level), exits: exits)
                case 3: broker.closePosition()
                case 4: broker.target(amount > 0 ? 0.8 : -0.5)
                case 5: broker.buy(fraction: 0.3, exits: exits)
                default: broker.sell(fraction: 0.3)
                }
            }
        }
        let costs = CostModel(commissionRate: 0.001 * Double(seed % 3), commissionPerOrder: Double(seed % 2),
                              commissionPerUnit: 0.005, minimumCommission: Double(seed % 4), spreadBasisPoints: 3, slippageBasisPoints: 2)
        let configuration = BacktestConfiguration(initialCash: 50_000, costs: costs, wholeUnits: seed % 2 == 0,
                                                  closeAtEnd: seed % 5 == 0)
        let result = run(series, configuration, actions)
        for t in 0..<300 {
            let marked = result.cash[t] + result.position[t] * series.close[t]
            #expect(abs(result.equity[t] - marked) <= 1e-9 * abs(marked), "bar \(t)")
        }
        let open = result.trades.filter { $0.exitBar == nil }
        #expect(abs(open.reduce(0) { $0 + $1.size } - result.position[299]) < 1e-9)
        let profits = result.trades.reduce(0) { $0 + $1.profit(mark: series.close[299]) }
        #expect(abs(profits - (result.equity[299] - 50_000)) < 1e-6 * 50_000, "trades \(profits) vs equity change \(result.equity[299] - 50_000)")
        #expect(abs(result.commissions - result.trades.reduce(0) { $0 + $1.commissions }) < 1e-6)
    }
}

@Suite("Broker edge cases")
struct BrokerEdgeCaseTests {
    @Test("closing a position built from fractional buys leaves no dust trade open")
    func noDust() {
        let result = run(flat, [0: { $0.submit(.units(0.7)) }, 1: { $0.submit(.units(0.1)) }, 2: { $0.closePosition() }])
        #expect(result.position[4] == 0)
        #expect(result.trades.count == 2 && result.trades.allSatisfy { $0.exitBar == 3 })
    }

    @Test("prices of 10^15 buy fractions of a unit, which are kept: the run is the same as at prices of 100")
    func hugePrices() {
        let huge = bars([(1e15, 1.01e15, 0.99e15, 1e15), (1e15, 1.02e15, 0.98e15, 1.01e15), (1.02e15, 1.04e15, 1e15, 1.03e15),
                         (1.03e15, 1.06e15, 1.01e15, 1.05e15), (1.05e15, 1.07e15, 1.03e15, 1.04e15)])
        let scaled = run(huge, [0: { $0.buy() }])
        let plain = run(flat, [0: { $0.buy() }])
        #expect(scaled.position[4] > 0 && abs(scaled.position[4] * 1e13 - plain.position[4]) <= 1e-9 * plain.position[4])
        for t in 0..<5 { #expect(abs(scaled.equity[t] - plain.equity[t]) <= 1e-9 * plain.equity[t], "bar \(t)") }
    }

    @Test("a trade closed by its take-profit leaves a tiny trade beside it in the position (prices of 10^15)")
    func tinyTradeBesideAnExit() {
        let huge = bars([(1e15, 1.01e15, 0.99e15, 1e15), (1e15, 1.01e15, 0.99e15, 1e15), (1e15, 1.2e15, 0.99e15, 1.1e15),
                         (1.1e15, 1.12e15, 1.08e15, 1.1e15), (1.1e15, 1.12e15, 1.08e15, 1.1e15)])
        let result = run(huge, [0: { $0.submit(.units(5.93e-12), exits: ExitRules(takeProfit: 0.1)) }, 1: { $0.submit(.units(8.9e-13)) }])
        // Both fill at bar 1's and bar 2's opens; bar 2's high reaches the first one's target.
        #expect(result.trades.count == 2 && result.trades.first { $0.exitBar != nil }?.exitReason == .takeProfit)
        for t in 2..<5 {
            let open = result.trades.filter { $0.entryBar <= t && ($0.exitBar ?? 99) > t }.reduce(0) { $0 + $1.size }
            #expect(abs(result.position[t] - open) <= 1e-9 * open, "bar \(t): \(result.position[t]) against open trades \(open)")
            #expect(abs(result.equity[t] - (result.cash[t] + result.position[t] * huge.close[t])) <= 1e-9 * result.equity[t])
        }
    }

    @Test("a tiny top-up closed after a large position leaves no position behind")
    func dustAfterLargePosition() {
        // 100000.3 + 1e-4 − 100000.3 − 1e-4 is 4.7e-12 in doubles; and the 1e-4 left after the
        // large sale is a position, not rounding.
        let result = run(flat, BacktestConfiguration(initialCash: 20_000_000),
                         [0: { $0.submit(.units(100_000.3)) }, 1: { $0.submit(.units(1e-4)) }, 2: { $0.submit(.units(-100_000.3)) }, 3: { $0.submit(.units(-1e-4)) }])
        #expect(result.position[4] == 0 && result.trades.count == 2 && result.trades.allSatisfy { $0.exitBar == 4 || $0.exitBar == 3 })
    }

    @Test("capacity: the most units traded in one bar, entries and exits together, against its volume")
    func volumeShare() {
        // Volume 1000 a bar: 30 units in at bar 1's open, 30 out and 50 in (a reversal of 80 units)
        // at bar 3's open, 50 out at bar 4's.
        let result = run(flat, [0: { $0.submit(.units(30)) }, 2: { $0.submit(.units(-80)) }, 3: { $0.submit(.units(50)) }])
        let stats = BacktestStatistics(result)
        #expect(abs(stats.maxVolumeSharePercent - 8) < 1e-12 && stats.maxVolumeShareAt == flat.timestamps[3].isoDate)
        let quiet = BacktestStatistics(run(flat, [:]))
        #expect(quiet.maxVolumeSharePercent.isNaN && quiet.maxVolumeShareAt == nil)
        #expect(stats.fillBars == 3 && stats.fillBarsWithoutVolume == 0 && stats.firstFillWithoutVolumeAt == nil)
    }

    @Test("bars with fills but no volume are counted, the first named, and leave the capacity of the others measured; a series without volume data counts none")
    func fillsWithoutVolume() throws {
        func series(volumes: [Double], moving: Bool = false) throws -> BarSeries {
            try BarSeries(name: "halts", bars: volumes.enumerated().map { i, v in
                Bar(timestamp: Timestamp(year: 2021, month: 1, day: 4).adding(days: i), open: 100, high: 101, low: 99,
                    close: moving ? 100 + Double(i % 2) / 2 : 100, volume: v)
            })
        }
        // In at bar 1's open, out at bar 3's, in at bar 4's (left open): bars 1 and 3 had no volume.
        let actions: [Int: (inout Broker) -> Void] = [0: { $0.submit(.units(10)) }, 2: { $0.submit(.units(-10)) }, 3: { $0.submit(.units(5)) }]
        let halted = BacktestStatistics(run(try series(volumes: [500, 0, 500, 0, 500, 500]), actions))
        #expect(halted.fillBars == 3 && halted.fillBarsWithoutVolume == 2 && halted.firstFillWithoutVolumeAt == "2021-01-05")
        // Bar 4's 5 units against its 500: 1%, measured although other fills had no volume to measure against.
        #expect(abs(halted.maxVolumeSharePercent - 1) < 1e-12 && halted.maxVolumeShareAt == "2021-01-08")
        let noData = BacktestStatistics(run(try series(volumes: [0, 0, 0, 0, 0, 0]), actions))
        #expect(noData.fillBars == 3 && noData.fillBarsWithoutVolume == 0 && noData.firstFillWithoutVolumeAt == nil)
        // 25 bars of zero volume at the start, the price moving, then volumes: not reported yet, not
        // halts. Fills there are neither counted as fills without volume nor measured for capacity.
        let early = [Double](repeating: 0, count: 25) + [500, 0, 500, 500]
        let unreported = BacktestStatistics(run(try series(volumes: early, moving: true), [0: { $0.submit(.units(10)) }, 25: { $0.submit(.units(-10)) }]))
        #expect(unreported.fillBars == 2 && unreported.fillBarsWithoutVolume == 1 && unreported.firstFillWithoutVolumeAt == "2021-01-30")
        #expect(unreported.unreportedVolumeBars == 25 && unreported.unreportedVolumeThrough == "2021-01-28" && unreported.maxVolumeSharePercent.isNaN)
        // A flat price over them is a halt, whose fills are counted.
        let haltedStart = BacktestStatistics(run(try series(volumes: early), [0: { $0.submit(.units(10)) }, 25: { $0.submit(.units(-10)) }]))
        #expect(haltedStart.unreportedVolumeBars == 0 && haltedStart.fillBarsWithoutVolume == 2 && haltedStart.firstFillWithoutVolumeAt == "2021-01-05")
        // Fewer than 20 such bars are halts like any other.
        let short = BacktestStatistics(run(try series(volumes: [0, 0, 500, 500]), [0: { $0.submit(.units(10)) }]))
        #expect(short.fillBarsWithoutVolume == 1 && short.unreportedVolumeBars == 0)
        // A partial close splits one fill into several trade records: the bar is counted once.
        let pieces = BacktestStatistics(run(try series(volumes: [500, 0, 500, 0, 500, 500]),
                                            [0: { $0.submit(.units(10)) }, 1: { $0.submit(.units(5)) }, 2: { $0.submit(.units(-15)) }]))
        #expect(pieces.fillBars == 3 && pieces.fillBarsWithoutVolume == 2, "\(pieces.fillBars) \(pieces.fillBarsWithoutVolume)")
    }

    @Test("a short can grow no further than equity (1× leverage), like a long")
    func shortLeverage() {
        let series = bars(Array(repeating: (100, 101, 99, 100), count: 8))
        var actions: [Int: (inout Broker) -> Void] = [:]
        for t in 0..<7 { actions[t] = { $0.sell() } }
        let result = run(series, BacktestConfiguration(initialCash: 10_000), actions)
        for t in 0..<8 { #expect(abs(result.position[t]) * 100 <= result.equity[t] * (1 + 1e-9), "bar \(t)") }
        #expect(result.events.contains { $0.kind == .rejected || $0.kind == .reduced })
    }

    @Test("all-equity sizing leaves the cash non-negative under fixed and minimum commissions")
    func sizingWithCommissions() {
        for costs in [CostModel(minimumCommission: 5), CostModel(commissionRate: 0.001, commissionPerOrder: 3)] {
            let result = run(flat, BacktestConfiguration(initialCash: 1_000, costs: costs), [0: { $0.buy() }])
            #expect(result.cash[1] >= -1e-9 && result.cash[1] < 1e-6, "\(costs): cash \(result.cash[1])")
            #expect(result.events.isEmpty, "\(result.events)")
        }
    }

    @Test("an attached stop is checked before a pending limit order inside the same bar")
    func stopBeforeLimit() {
        let series = bars([(100, 101, 99, 100), (100, 102, 99, 101), (100, 111, 94, 100), (100, 101, 99, 100)])
        let result = run(series, [0: { $0.submit(.units(10), exits: ExitRules(stopLoss: 0.05)) },
                                  1: { $0.submit(.units(-10), type: .limit(110)) }])
        #expect(result.trades[0].exitReason == .stopLoss && result.trades[0].exitPrice == 95)
    }

    @Test("targeting or closing a position already reached is not reported as a rejection")
    func reachedTargets() {
        let result = run(flat, [0: { $0.target(0) }, 1: { $0.closePosition() }])
        #expect(result.events.isEmpty)
    }
}

@Suite("Rolling windows")
struct RollingWindowTests {
    @Test("mean and sample deviation of the last W values, oldest first, as a two-pass reference gives them")
    func matchesReference() {
        var rng = TestGenerator(seed: 5)
        for capacity in [1, 2, 3, 7, 20] {
            var window = RollingWindow(capacity: capacity)
            var stream: [Double] = []
            for _ in 0..<(3 * capacity + 5) {
                let value = 100 + 10 * rng.nextNormal()
                window.append(value)
                stream.append(value)
                let last = stream.suffix(capacity)
                let mean = last.reduce(0, +) / Double(last.count)
                let deviation = last.count > 1
                    ? (last.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(last.count - 1)).squareRoot() : 0
                #expect(window.count == last.count && window.isFull == (last.count == capacity))
                #expect(abs(window.mean - mean) <= 1e-14 * abs(mean) && abs(window.standardDeviation - deviation) <= 1e-12 * deviation)
                #expect(window.moments.mean == window.mean && window.moments.standardDeviation == window.standardDeviation)
            }
        }
    }

    @Test("values scaled by 2^±660 (about 1e±199): the mean and deviation scaled exactly, where squares would leave double precision",
          arguments: [-660, 660])
    func extremeScales(exponent: Int) {
        let scale = Double(sign: .plus, exponent: exponent, significand: 1)
        var rng = TestGenerator(seed: 9)
        var plain = RollingWindow(capacity: 20), scaled = RollingWindow(capacity: 20)
        for step in 0..<60 {
            let value = 100 + 10 * rng.nextNormal()
            plain.append(value)
            scaled.append(value * scale)
            let (p, s) = (plain.moments, scaled.moments)
            #expect(p.mean * scale == s.mean && p.standardDeviation * scale == s.standardDeviation,
                    "step \(step): \(p.standardDeviation) × 2^\(exponent) against \(s.standardDeviation)")
        }
    }

    @Test("a window of equal values has exactly that mean and no deviation, where a plain sum rounds a bit off")
    func equalValues() {
        for (value, capacity) in [(0.08388999999999999, 8), (0.1, 3), (1.1, 10), (2506.850098, 20)] {
            var window = RollingWindow(capacity: capacity)
            for _ in 0..<(capacity + 3) { window.append(value) }
            #expect(window.mean == value && window.standardDeviation == 0, "\(value) × \(capacity)")
        }
        // The plain sum does round a bit off for some of them, which is what made z-scores of ±0.935 out of flat closes.
        #expect([(0.08388999999999999, 8), (0.1, 3), (1.1, 10)].contains { value, n in (0..<n).reduce(0.0) { s, _ in s + value } / Double(n) != value })
    }
}
