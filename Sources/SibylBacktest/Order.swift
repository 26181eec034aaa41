/// How much an order trades.
public enum OrderSize: Sendable, Equatable {
    /// A number of units (shares, contracts, coins); positive buys, negative sells.
    case units(Double)
    /// A fraction of equity at fill time: positive buys, negative sells. The broker converts it to
    /// units at the fill price, after costs.
    case equityFraction(Double)
    /// Whatever brings the position to this fraction of equity (1 = fully long, −1 = fully short,
    /// 0 = flat), sized at fill time.
    case targetFraction(Double)
}

/// When an order may fill.
public enum OrderType: Sendable, Equatable {
    /// At the next fill opportunity: the next bar's open (or this bar's close in same-bar mode).
    case market
    /// At `price` or better: a buy when the bar trades at or below it, a sell at or above.
    case limit(Double)
    /// Becomes a market order once the bar trades through `price` (a buy at or above, a sell at or
    /// below); fills at the stop price, or at the open when the bar gaps past it.
    case stop(Double)
    /// A stop that, once triggered, becomes a limit order at `limit`.
    case stopLimit(stop: Double, limit: Double)
}

/// Exits attached to the trade an order opens.
public struct ExitRules: Sendable, Equatable {
    /// Stop-loss as a fraction of the entry price (0.05 = 5% adverse move).
    public var stopLoss: Double?
    /// Take-profit as a fraction of the entry price.
    public var takeProfit: Double?
    /// Trailing stop as a fraction below the best price since entry (above it for shorts).
    public var trailingStop: Double?

    public init(stopLoss: Double? = nil, takeProfit: Double? = nil, trailingStop: Double? = nil) {
        self.stopLoss = stopLoss
        self.takeProfit = takeProfit
        self.trailingStop = trailingStop
    }

    public static let none = ExitRules()
}

/// An instruction a strategy gives the broker.
public struct Order: Sendable, Equatable {
    public let id: Int
    public var size: OrderSize
    public var type: OrderType
    public var exits: ExitRules
    /// The bar at which the strategy placed the order.
    public let placedBar: Int
    /// Closes the whole position (its size is computed at fill time).
    public let closesPosition: Bool
}

/// Why a trade ended.
public enum ExitReason: String, Sendable, Codable {
    /// An order of the strategy (a close, a reverse, an opposite order).
    case signal
    case stopLoss = "stop-loss"
    case takeProfit = "take-profit"
    case trailingStop = "trailing-stop"
    /// Closed at the last bar's close because the backtest ended (with `closeAtEnd`).
    case endOfData = "end-of-data"
    /// Closed at a bar's close because equity there had fallen to zero or below: the account is
    /// out of money and the run stops (as in backtesting.py).
    case outOfMoney = "out-of-money"
    /// Still open at the last bar; valued at the last close.
    case open
}

/// A round trip: units bought and later sold (or sold short and bought back).
public struct Trade: Sendable, Equatable, Codable {
    /// Signed units: positive long, negative short.
    public var size: Double
    public let entryBar: Int
    public var exitBar: Int?
    public let entryPrice: Double
    public var exitPrice: Double?
    /// Commissions paid on entry and exit, in cash.
    public var commissions: Double
    public var exitReason: ExitReason
    /// True when its stop and its target were both inside the exit bar and the pessimistic outcome
    /// (the stop) was taken.
    public var ambiguousExit: Bool
    /// Price levels of the attached exits, set at entry.
    public var stopPrice: Double?
    public var targetPrice: Double?
    public var trailingFraction: Double?
    /// The best price since entry (highest high for longs, lowest low for shorts), tracked for
    /// trades with attached exits (the trailing stop's reference).
    public var bestPrice: Double
    /// Whether exits are checked in the entry bar: only when the entry was at the open.
    var checkExitsFromEntryBar: Bool

    /// size · (exit − entry) − commissions; for an open trade, at `mark`.
    public func profit(mark: Double? = nil) -> Double {
        size * ((exitPrice ?? mark ?? entryPrice) - entryPrice) - commissions
    }

    /// sign(size) · (exit / entry − 1) − commissions / (|size| · entry), backtesting.py's ReturnPct.
    public func returnFraction(mark: Double? = nil) -> Double {
        let exit = exitPrice ?? mark ?? entryPrice
        return (size > 0 ? 1 : -1) * (exit / entryPrice - 1) - commissions / (abs(size) * entryPrice)
    }
}

/// Something the broker did not do as asked, reported rather than hidden.
public struct BrokerEvent: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// The order was larger than the cash allowed and was cut to what could be afforded.
        case reduced
        /// The order could not be afforded at all, or sized to zero units.
        case rejected
        /// A market order placed on the last bar: there is no next bar to fill it.
        case unfilledAtEnd
        /// Equity fell to zero or below: every position was closed and the run stopped.
        case outOfMoney
    }

    public let kind: Kind
    public let bar: Int
    public let message: String
}
