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

    /// Drawdown at each bar as a fraction: 1 − equity / (highest equity so far).
    public var drawdown: [Double] {
        var peak = -Double.infinity
        return equity.map { value in
            peak = max(peak, value)
            return 1 - value / peak
        }
    }

    /// The equity of holding from the warm-up bar's close with all the initial cash, no costs:
    /// the benchmark the reports draw.
    public var buyAndHoldEquity: [Double] {
        let close = series.close
        let base = close[warmUp]
        let cash = configuration.initialCash
        return close.indices.map { $0 < warmUp ? cash : cash * close[$0] / base }
    }
}

/// Runs a strategy over a series, one bar at a time.
///
/// At each bar t: pending orders fill (market orders at t's open, limits and stops against t's
/// range), attached exits are checked, the strategy decides at t's close, and equity is recorded
/// as cash + position · close_t. With same-close fills, market orders placed at t fill at t's
/// close before equity is recorded. When equity at t's close (after t's fills at the open and in
/// its range, and again after same-close fills) is zero or below, the account stops (see
/// `Broker.stopIfOutOfMoney`). Nothing allocates per bar: the strategy is generic (no
/// dynamic dispatch) and the broker's arrays keep their capacity.
public func backtest<S: Strategy>(_ strategy: inout S, on series: BarSeries, configuration: BacktestConfiguration) -> BacktestResult {
    precondition(!series.isEmpty, "a backtest needs at least one bar")
    var broker = Broker(configuration: configuration, series: series)
    var records = BarRecords(count: series.count)
    records.writing { records in
        SeriesColumns.with(series) { columns in
            for t in 0..<series.count {
                broker.begin(bar: t)
                broker.processOpenAndRange()
                if broker.stopIfOutOfMoney() {
                    records.recordStopped(from: t)
                    break
                }
                strategy.next(MarketView(columns: columns, index: t), broker: &broker)
                // A same-close fill's costs can take equity to zero or below at this very close.
                if broker.processMarketOrdersAtClose() && broker.stopIfOutOfMoney() {
                    records.recordStopped(from: t)
                    break
                }
                records.record(bar: t, equity: broker.equity(at: columns.close[t]), cash: broker.cash, position: broker.position)
            }
        }
    }
    return broker.finishRun(name: strategy.name, records: &records, warmUp: strategy.warmUp)
}

/// Equity, cash and position at each bar's close, as the loops record them.
struct BarRecords {
    var equity: [Double]
    var cash: [Double]
    var position: [Double]

    init(count: Int) {
        // Three buffers from the start: arrays assigned from one another would share a buffer and
        // copy it on the first write.
        equity = [Double](repeating: 0, count: count)
        cash = [Double](repeating: 0, count: count)
        position = [Double](repeating: 0, count: count)
    }

    /// Runs `body` with a writer into the three arrays, for a loop over every bar: no uniqueness
    /// check of the arrays per write.
    mutating func writing<R>(_ body: (Writer) -> R) -> R {
        equity.withUnsafeMutableBufferPointer { e in
            cash.withUnsafeMutableBufferPointer { c in
                position.withUnsafeMutableBufferPointer { p in body(Writer(equity: e, cash: c, position: p)) }
            }
        }
    }

    struct Writer {
        let equity, cash, position: UnsafeMutableBufferPointer<Double>

        // Takes the three numbers rather than the broker: passing the broker (a struct of arrays,
        // captured by the loop's closure) would copy it, with a retain per array, on every bar.
        /// An account out of money from bar `t` on: nothing at every bar left.
        func recordStopped(from t: Int) {
            for rest in t..<equity.count { record(bar: rest, equity: 0, cash: 0, position: 0) }
        }

        @inline(__always)
        func record(bar t: Int, equity value: Double, cash money: Double, position units: Double) {
            equity[t] = value
            cash[t] = money
            position[t] = units
        }
    }
}

extension Broker {
    /// Ends a run: reports what could not fill, closes at the end if configured (updating the last
    /// bar's record), and assembles the result from the per-bar records.
    /// `records` is taken in place: a copy would duplicate its three arrays on the last bar's update.
    mutating func finishRun(name: String, records: inout BarRecords, warmUp: Int) -> BacktestResult {
        let last = series.count - 1
        let held = position != 0
        finish()
        if configuration.closeAtEnd {
            // The closing fill's costs can take equity to zero or below: out of money, as at any close.
            if held { _ = stopIfOutOfMoney() }
            let (value, money, units) = (equity(at: series.close[last]), cash, position)
            records.writing { $0.record(bar: last, equity: value, cash: money, position: units) }
        }
        return BacktestResult(strategy: name, configuration: configuration, series: series, equity: records.equity, cash: records.cash,
                              position: records.position, trades: closedTrades + openTrades, events: events,
                              commissions: commissionsPaid, warmUp: min(max(warmUp, 0), last))
    }
}
