import Foundation

/// Trades and the equity curve as CSV.
public enum BacktestCSV {
    /// One row per trade: bars, times, size, prices, commissions, PnL, ReturnPct, exit reason.
    ///
    /// - Parameter barOffset: Added to the bar numbers, for a run over a later part of a data file
    ///   (a walk-forward from its first forecast), so that they count the file's bars.
    public static func trades(_ result: BacktestResult, barOffset: Int = 0) -> String {
        let times = result.series.timestamps
        let iso = result.series.timestampFormat
        let last = result.series.close[result.series.count - 1]
        var lines = ["EntryBar,ExitBar,EntryTime,ExitTime,Size,EntryPrice,ExitPrice,Commissions,PnL,ReturnPct,ExitReason,AmbiguousExit"]
        for trade in result.trades {
            let exitBar = trade.exitBar.map { String($0 + barOffset) } ?? ""
            let exitTime = trade.exitBar.map { iso(times[$0]) } ?? ""
            let exitPrice = trade.exitPrice.map { "\($0)" } ?? ""
            lines.append("\(trade.entryBar + barOffset),\(exitBar),\(iso(times[trade.entryBar])),\(exitTime),\(trade.size),\(trade.entryPrice),\(exitPrice),"
                + "\(trade.commissions),\(trade.profit(mark: last)),\(trade.returnFraction(mark: last)),\(trade.exitReason.rawValue),\(trade.ambiguousExit)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One row per bar: time, close, cash, position, equity, drawdown (fraction), buy-and-hold equity.
    public static func equity(_ result: BacktestResult) -> String {
        let series = result.series
        let (drawdown, benchmark) = (result.drawdown, result.buyAndHoldEquity)
        let iso = series.timestampFormat
        var lines = ["Date,Close,Cash,Position,Equity,Drawdown,BuyAndHoldEquity"]
        lines.reserveCapacity(series.count + 1)
        for k in 0..<series.count {
            lines.append("\(iso(series.timestamps[k])),\(series.close[k]),\(result.cash[k]),\(result.position[k]),\(result.equity[k]),\(drawdown[k]),\(benchmark[k])")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
