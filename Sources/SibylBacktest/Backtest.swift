import SibylData

/// The outcome of a backtest: every trade, the equity at every bar, what the broker refused.
public struct BacktestResult: Sendable {
    public let strategy: String
    public let configuration: BacktestConfiguration
    public let series: BarSeries
    /// Equity at each bar's close (initial cash before the first decision).
    public let equity: [Double]
    /// Cash at each bar's close.
    public let cash: [Double]
    /// Net units held at each bar's close.
    public let position: [Double]
    /// Closed trades, then any still open (exit reason `.open`, valued at the last close).
    public let trades: [Trade]
    public let events: [BrokerEvent]
    public let commissions: Double
    /// The first bar the strategy decided on.
    public let warmUp: Int
}

/// Runs a strategy over a series, one bar at a time.
///
/// At each bar t: pending orders fill (market orders at t's open, limits and stops against t's
/// range), attached exits are checked, the strategy decides at t's close, and equity is recorded
/// as cash + position · close_t. With same-close fills, market orders placed at t fill at t's
/// close before equity is recorded. Nothing allocates per bar: the strategy is generic (no
/// dynamic dispatch) and the broker's arrays keep their capacity.
public func backtest<S: Strategy>(_ strategy: inout S, on series: BarSeries, configuration: BacktestConfiguration) -> BacktestResult {
    precondition(!series.isEmpty, "a backtest needs at least one bar")
    var broker = Broker(configuration: configuration, series: series)
    let n = series.count
    var equity = [Double](repeating: 0, count: n)
    var cash = [Double](repeating: 0, count: n)
    var position = [Double](repeating: 0, count: n)
    let first = min(max(strategy.warmUp, 0), n - 1)
    SeriesColumns.with(series) { columns in
        for t in 0..<n {
            broker.begin(bar: t)
            broker.processOpenAndRange()
            strategy.next(MarketView(columns: columns, index: t), broker: &broker)
            broker.processMarketOrdersAtClose()
            equity[t] = broker.equity(at: columns.close[t])
            cash[t] = broker.cash
            position[t] = broker.position
        }
    }
    return broker.finishRun(name: strategy.name, equity: equity, cash: cash, position: position, warmUp: first)
}

extension Broker {
    /// Ends a run: reports what could not fill, closes at the end if configured (updating the last
    /// bar's record), and assembles the result from the per-bar records.
    mutating func finishRun(name: String, equity: [Double], cash: [Double], position: [Double], warmUp: Int) -> BacktestResult {
        var (equity, cash, position) = (equity, cash, position)
        let last = series.count - 1
        finish(closeAtEnd: configuration.closeAtEnd)
        if configuration.closeAtEnd {
            equity[last] = self.equity(at: series.close[last])
            cash[last] = self.cash
            position[last] = self.position
        }
        return BacktestResult(strategy: name, configuration: configuration, series: series, equity: equity, cash: cash,
                              position: position, trades: closedTrades + openTrades, events: events,
                              commissions: commissionsPaid, warmUp: min(max(warmUp, 0), last))
    }
}
