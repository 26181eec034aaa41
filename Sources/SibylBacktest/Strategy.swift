import SibylData

/// What a strategy sees at bar t: the bars up to and including t, never a later one.
///
/// Every accessor takes how many bars back to look (0 = the current bar) and refuses to look
/// forward, so a strategy written against this view cannot use the future.
public struct MarketView {
    let series: BarSeries
    /// t, the bar being decided on (its close is known; the next bar is not).
    public let index: Int

    @inline(__always)
    func position(_ back: Int) -> Int {
        precondition(back >= 0 && back <= index, "a strategy can look back 0…\(index) bars from bar \(index), not \(back)")
        return index - back
    }

    public func open(_ back: Int = 0) -> Double { series.open[position(back)] }
    public func high(_ back: Int = 0) -> Double { series.high[position(back)] }
    public func low(_ back: Int = 0) -> Double { series.low[position(back)] }
    public func close(_ back: Int = 0) -> Double { series.close[position(back)] }
    public func volume(_ back: Int = 0) -> Double { series.volume?[position(back)] ?? .nan }
    public func timestamp(_ back: Int = 0) -> Timestamp { series.timestamps[position(back)] }
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
