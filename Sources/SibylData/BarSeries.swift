/// A time-ordered sequence of bars, stored column by column.
///
/// Invariants, checked when a series is read from a file and by `init(bars:)`: timestamps strictly
/// increase; every price is finite and positive; low ≤ min(open, close) and high ≥ max(open, close);
/// volume is finite and non-negative (or absent).
public struct BarSeries: Sendable, Equatable {
    /// What the series is, for messages and reports (usually the file name without extension).
    public var name: String
    public private(set) var timestamps: [Timestamp]
    public private(set) var open: [Double]
    public private(set) var high: [Double]
    public private(set) var low: [Double]
    public private(set) var close: [Double]
    /// Volume per bar; nil when the source has no volume column.
    public private(set) var volume: [Double]?
    /// Adjusted close per bar; nil when the source has none.
    public private(set) var adjustedClose: [Double]?

    /// Number of bars.
    public var count: Int { timestamps.count }

    /// The prices a series may hold (`BarValidation.priceRange`), in files and in code.
    public static var priceRange: ClosedRange<Double> { BarValidation.priceRange }

    /// Whether every bar's high equals its low, so that its open and close are that price too: bars
    /// without a range, as a file of closes only gives them.
    public var barsHaveNoRange: Bool { zip(high, low).allSatisfy { $0 == $1 } }
    public var isEmpty: Bool { timestamps.isEmpty }

    /// A series from columns of equal length; the caller guarantees the invariants.
    init(name: String, timestamps: [Timestamp], open: [Double], high: [Double], low: [Double], close: [Double],
         volume: [Double]?, adjustedClose: [Double]?) {
        precondition([open.count, high.count, low.count, close.count, volume?.count ?? timestamps.count,
                      adjustedClose?.count ?? timestamps.count].allSatisfy { $0 == timestamps.count },
                     "bar series columns differ in length")
        self.name = name
        self.timestamps = timestamps
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
        self.adjustedClose = adjustedClose
    }

    /// A series from bars, validated. Throws ``DataError`` naming the first bad bar (1-based).
    public init(name: String, bars: [Bar]) throws {
        let hasVolume = bars.contains { !$0.volume.isNaN }
        let hasAdjusted = bars.contains { $0.adjustedClose != nil }
        self.init(name: name, timestamps: bars.map(\.timestamp), open: bars.map(\.open), high: bars.map(\.high),
                  low: bars.map(\.low), close: bars.map(\.close), volume: hasVolume ? bars.map(\.volume) : nil,
                  adjustedClose: hasAdjusted ? bars.map { $0.adjustedClose ?? .nan } : nil)
        for index in bars.indices {
            if let problem = BarValidation.problem(in: self, at: index) {
                throw DataError(kind: problem.kind, file: name, line: nil, column: nil, value: problem.value,
                                message: "bar \(index + 1) (\(timestamps[index])): \(problem.message)", fix: problem.fix)
            }
        }
    }

    /// How this series' timestamps are written: dates alone when every bar is at midnight, dates
    /// and times otherwise, so that an intraday bar at 00:00 keeps its time (`Timestamp.iso` alone
    /// would print it as a date).
    public var timestampFormat: @Sendable (Timestamp) -> String { Timestamp.csvFormat(for: timestamps) }

    public subscript(index: Int) -> Bar {
        Bar(timestamp: timestamps[index], open: open[index], high: high[index], low: low[index], close: close[index],
            volume: volume?[index] ?? .nan, adjustedClose: adjustedClose?[index])
    }

    /// The bars in `range`, as a series of their own.
    public subscript(range: Range<Int>) -> BarSeries {
        BarSeries(name: name, timestamps: Array(timestamps[range]), open: Array(open[range]), high: Array(high[range]),
                  low: Array(low[range]), close: Array(close[range]), volume: volume.map { Array($0[range]) },
                  adjustedClose: adjustedClose.map { Array($0[range]) })
    }

    /// Index of the first bar at or after `timestamp` (`count` if none).
    public func firstIndex(atOrAfter timestamp: Timestamp) -> Int {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if timestamps[mid] < timestamp { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The same bars with `close` replaced by `replacement` and open, high and low scaled by the
    /// same factor per bar, so that the bars stay consistent, and the volume by its inverse, so
    /// that price × volume (the value traded) stays what it was: after a 2:1 split is adjusted
    /// away, the earlier bars hold twice the shares at half the price. Used to trade on adjusted
    /// prices.
    public func withCloses(_ replacement: [Double]) -> BarSeries {
        precondition(replacement.count == count, "replacement closes differ in length")
        var copy = self
        for i in 0..<count {
            let factor = replacement[i] / close[i]
            // A price equal to the close stays equal to it (close × factor can miss the replacement
            // by an ulp, and a high a hair below its close is no bar).
            copy.open[i] = open[i] == close[i] ? replacement[i] : open[i] * factor
            copy.high[i] = high[i] == close[i] ? replacement[i] : high[i] * factor
            copy.low[i] = low[i] == close[i] ? replacement[i] : low[i] * factor
            copy.close[i] = replacement[i]
            if factor > 0, factor.isFinite { copy.volume?[i] /= factor }
        }
        return copy
    }
}
