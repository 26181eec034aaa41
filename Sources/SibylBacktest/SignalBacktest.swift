import SibylData

/// Backtests a precomputed signal: at index t, the fraction of equity to hold (1 long, −1 short,
/// 0 flat; NaN keeps the current position) decided at bar t's close.
///
/// The same broker rules as a strategy run bar by bar (fills, costs, reversals as a close then an
/// open), in a tight loop with nothing but the signal to consult; a strategy whose decisions are
/// a function of past bars only, such as an SMA crossover, gets identical trades and equity from
/// either path. Orders go in only when the signal changes, so a strategy that repeats an order
/// for a position it already holds (a reversal strategy re-entering after a tie of its averages)
/// trades once more than its signal does.
public func backtest(signal: [Double], on series: BarSeries, configuration: BacktestConfiguration, name: String,
                     warmUp: Int) -> BacktestResult {
    precondition(signal.count == series.count, "one signal value per bar: \(signal.count) for \(series.count) bars")
    precondition(!series.isEmpty, "a backtest needs at least one bar")
    var broker = Broker(configuration: configuration, series: series)
    let n = series.count
    var records = BarRecords(count: n)
    var held = 0.0
    var pending: Double?
    let sameClose = configuration.fills == .sameClose
    records.writing { records in
        series.close.withUnsafeBufferPointer { close in
            series.open.withUnsafeBufferPointer { open in
                for t in 0..<n {
                    broker.begin(bar: t)
                    if let target = pending {
                        broker.fillTarget(target, quote: open[t], atOpen: true)
                        pending = nil
                    }
                    if broker.stopIfOutOfMoney() {
                        records.recordStopped(from: t)
                        break
                    }
                    let wanted = signal[t]
                    if !wanted.isNaN && wanted != held {
                        held = wanted
                        if t + 1 == n {
                            broker.reportUnfilledAtEnd()
                        } else if sameClose {
                            broker.fillTarget(wanted, quote: close[t], atOpen: false)
                            if broker.stopIfOutOfMoney() {
                                records.recordStopped(from: t)
                                break
                            }
                        } else {
                            pending = wanted
                        }
                    }
                    records.record(bar: t, equity: broker.equity(at: close[t]), cash: broker.cash, position: broker.position)
                }
            }
        }
    }
    return broker.finishRun(name: name, records: &records, warmUp: warmUp)
}

extension SMACross {
    /// The crossover's decisions as a signal for the signal path: after a cross up 1; after a
    /// cross down 0 (long-only) or −1 (reverse); NaN where nothing changes.
    public static func signal(closes: [Double], fast: Int, slow: Int, mode: Mode) -> [Double] {
        var fastMean = RollingMean(window: fast), slowMean = RollingMean(window: slow)
        var signal = [Double](repeating: .nan, count: closes.count)
        var previous = (fast: Double.nan, slow: Double.nan)
        for t in closes.indices {
            let current = (fast: fastMean.append(closes[t]), slow: slowMean.append(closes[t]))
            if previous.fast < previous.slow && current.fast > current.slow { signal[t] = 1 }
            else if previous.fast > previous.slow && current.fast < current.slow { signal[t] = mode == .reverse ? -1 : 0 }
            previous = current
        }
        return signal
    }
}
