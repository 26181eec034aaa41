import SibylData

/// The columns of a series as raw pointers, valid while the backtest that made them runs: the
/// view a strategy gets each bar costs no reference counting.
struct SeriesColumns {
    let open: UnsafePointer<Double>
    let high: UnsafePointer<Double>
    let low: UnsafePointer<Double>
    let close: UnsafePointer<Double>
    let volume: UnsafePointer<Double>?
    let timestamps: UnsafePointer<Timestamp>

    /// Calls `body` with the columns of `series`.
    static func with<R>(_ series: BarSeries, _ body: (SeriesColumns) -> R) -> R {
        series.open.withUnsafeBufferPointer { open in
            series.high.withUnsafeBufferPointer { high in
                series.low.withUnsafeBufferPointer { low in
                    series.close.withUnsafeBufferPointer { close in
                        series.timestamps.withUnsafeBufferPointer { timestamps in
                            func make(_ volume: UnsafePointer<Double>?) -> R {
                                body(SeriesColumns(open: open.baseAddress!, high: high.baseAddress!, low: low.baseAddress!,
                                                   close: close.baseAddress!, volume: volume, timestamps: timestamps.baseAddress!))
                            }
                            if let volume = series.volume { return volume.withUnsafeBufferPointer { make($0.baseAddress!) } }
                            return make(nil)
                        }
                    }
                }
            }
        }
    }
}

/// What a strategy sees at bar t: the bars up to and including t, never a later one.
///
/// Every accessor takes how many bars back to look (0 = the current bar) and refuses to look
/// forward, so a strategy written against this view cannot use the future.
public struct MarketView {
    let columns: SeriesColumns
    /// t, the bar being decided on (its close is known; the next bar is not).
    public let index: Int

    @inline(__always)
    func position(_ back: Int) -> Int {
        precondition(back >= 0 && back <= index, "a strategy can look back 0…\(index) bars from bar \(index), not \(back)")
        return index - back
    }

    public func open(_ back: Int = 0) -> Double { columns.open[position(back)] }
    public func high(_ back: Int = 0) -> Double { columns.high[position(back)] }
    public func low(_ back: Int = 0) -> Double { columns.low[position(back)] }
    public func close(_ back: Int = 0) -> Double { columns.close[position(back)] }
    public func volume(_ back: Int = 0) -> Double { columns.volume?[position(back)] ?? .nan }
    public func timestamp(_ back: Int = 0) -> Timestamp { columns.timestamps[position(back)] }
    /// Bars available so far, t + 1.
    public var count: Int { index + 1 }
}

/// A trading strategy, called once per bar in time order with what is known at that bar's close.
///
/// It keeps whatever state it needs (rolling sums, its last signal) and places orders through the
/// broker; orders fill later (next open by default), never at prices it has not seen.
public protocol Strategy {
    /// Short name for reports.
    var name: String { get }
    /// The first bar at which the strategy can act, once its indicators are defined: statistics
    /// such as buy-and-hold start there. `next` is called on every bar from the first, so that the
    /// strategy can keep rolling state.
    var warmUp: Int { get }
    /// Decides at the close of bar `view.index`.
    mutating func next(_ view: MarketView, broker: inout Broker)
}
