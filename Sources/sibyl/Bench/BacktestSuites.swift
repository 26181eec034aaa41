import SibylBacktest
import SibylData

/// SMA(10)/SMA(30) crossover over `dataBenchRows` synthetic bars, long only, 0.1% commission, all
/// equity, in bars per second: the signal path (averages, crosses and simulation), the bar-by-bar
/// strategy, and the statistics of its result on their own.
func backtestCases(_ settings: BenchSettings) -> [BenchCase] {
    ["signal path", "bar by bar", "statistics"].map { mode in
        BenchCase(suite: "backtest", name: "sma-cross 10/30, \(mode), \(dataBenchRows) bars", threads: 1) {
            let series = syntheticSeries(count: dataBenchRows, seed: settings.seed)
            let configuration = BacktestConfiguration(initialCash: 100_000_000, costs: CostModel(commissionRate: 0.001))
            var trades = 0
            // The statistics case times BacktestStatistics alone, on a result made beforehand.
            var finished: BacktestResult?
            if mode == "statistics" {
                var strategy = SMACross(fast: 10, slow: 30)
                finished = backtest(&strategy, on: series, configuration: configuration)
            }
            let seconds = timeCalls(minTime: settings.minTime, repeats: settings.repeats, warmup: 1) {
                switch mode {
                case "signal path":
                    let signal = SMACross.signal(closes: series.close, fast: 10, slow: 30, mode: .longOnly)
                    trades = backtest(signal: signal, on: series, configuration: configuration, name: "sma", warmUp: 29).trades.count
                case "bar by bar":
                    var strategy = SMACross(fast: 10, slow: 30)
                    trades = backtest(&strategy, on: series, configuration: configuration).trades.count
                default:
                    trades = BacktestStatistics(finished!).tradeCount
                }
            }
            // Every mode reports the run's trades, the one still open at the end included (the
            // statistics count closed trades only, as backtesting.py's do).
            if let finished { trades = finished.trades.count }
            let rate = Spread(seconds.map { Double(dataBenchRows) / $0 })
            return BenchRecord(
                suite: "backtest", key: ["engine": .text("sibyl"), "mode": .text(mode), "bars": .integer(dataBenchRows)],
                metrics: ["bars_per_s": rate.median, "seconds": Spread(seconds).median, "trades": Double(trades)],
                caseName: "sma-cross 10/30, \(mode), \(dataBenchRows) bars", headline: (rate.median, "bars/s", rate), threads: 1)
        }
    }
}
