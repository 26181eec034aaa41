/// One OHLCV bar: prices and volume over one interval.
///
/// Prices are in the instrument's quote currency, volume in its native unit (shares, contracts, or
/// a provider's tick volume, which may be fractional).
public struct Bar: Hashable, Sendable {
    public var timestamp: Timestamp
    public var open: Double
    public var high: Double
    public var low: Double
    public var close: Double
    /// Volume over the bar; NaN when the source has no volume column.
    public var volume: Double
    /// Close adjusted for splits and dividends, when the source gives it.
    public var adjustedClose: Double?

    public init(timestamp: Timestamp, open: Double, high: Double, low: Double, close: Double,
                volume: Double, adjustedClose: Double? = nil) {
        self.timestamp = timestamp
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
        self.adjustedClose = adjustedClose
    }
}
