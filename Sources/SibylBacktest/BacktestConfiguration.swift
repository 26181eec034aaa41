/// What trading costs: commission per order and the price impact of spread and slippage.
public struct CostModel: Sendable, Equatable, Codable {
    /// Commission as a fraction of traded value (0.001 = 0.1%).
    public var commissionRate: Double
    /// Fixed commission per order, in cash.
    public var commissionPerOrder: Double
    /// Commission per unit traded, in cash.
    public var commissionPerUnit: Double
    /// The least commission any order pays, in cash.
    public var minimumCommission: Double
    /// Bid-ask spread in basis points: buys pay half of it above the price, sells receive half below.
    public var spreadBasisPoints: Double
    /// Slippage in basis points, always against the order.
    public var slippageBasisPoints: Double

    public init(commissionRate: Double = 0, commissionPerOrder: Double = 0, commissionPerUnit: Double = 0,
                minimumCommission: Double = 0, spreadBasisPoints: Double = 0, slippageBasisPoints: Double = 0) {
        self.commissionRate = commissionRate
        self.commissionPerOrder = commissionPerOrder
        self.commissionPerUnit = commissionPerUnit
        self.minimumCommission = minimumCommission
        self.spreadBasisPoints = spreadBasisPoints
        self.slippageBasisPoints = slippageBasisPoints
    }

    /// The price actually paid (buy) or received (sell) for a quoted price.
    @inline(__always)
    func executionPrice(_ price: Double, buying: Bool) -> Double {
        let impact = (spreadBasisPoints / 2 + slippageBasisPoints) / 10_000
        return buying ? price * (1 + impact) : price * (1 - impact)
    }

    /// The commission on trading `units` at `price`.
    @inline(__always)
    func commission(units: Double, price: Double) -> Double {
        guard units != 0 else { return 0 }
        let value = abs(units) * price * commissionRate + commissionPerOrder + abs(units) * commissionPerUnit
        return max(value, minimumCommission)
    }
}

/// When market orders fill.
public enum FillTiming: String, Sendable, Codable, CaseIterable {
    /// A signal computed on bar t's close fills at bar t+1's open: what a trader can actually do.
    case nextOpen = "next-open"
    /// Fills at the close of the bar the signal was computed on. Optimistic: the close is known
    /// only when it can no longer be traded. Reported results say so.
    case sameClose = "same-close"
}

/// Everything about the simulated account and market that is not the strategy.
public struct BacktestConfiguration: Sendable, Equatable, Codable {
    public var initialCash: Double
    public var costs: CostModel
    public var fills: FillTiming
    /// Trade whole units only (shares), rounding sizes down; otherwise fractional units.
    public var wholeUnits: Bool
    /// Allow short positions.
    public var allowShort: Bool
    /// Close a position still open at the last bar at its close (backtesting.py's
    /// `finalize_trades`); otherwise it stays open, valued at the last close.
    public var closeAtEnd: Bool
    /// Periods per year for annualized statistics, counted in the periods of the return series the
    /// statistics use: bars for daily and slower data, days for intraday data (whose equity is
    /// taken per day). From the data when nil.
    public var periodsPerYear: Double?
    /// Size equity-fraction orders exactly as backtesting.py does: a full-equity order is the
    /// fraction 1 − 2⁻⁵² of the cash, and units = ⌊cash·fraction / (price + commission per unit)⌋
    /// by Python's float floor division. Only the sizing differs; fills and costs are the same.
    public var backtestingPySizing: Bool

    public init(initialCash: Double = 10_000, costs: CostModel = CostModel(), fills: FillTiming = .nextOpen, wholeUnits: Bool = false,
                allowShort: Bool = true, closeAtEnd: Bool = false, periodsPerYear: Double? = nil, backtestingPySizing: Bool = false) {
        precondition(initialCash > 0, "initial cash must be positive")
        self.initialCash = initialCash
        self.costs = costs
        self.fills = fills
        self.wholeUnits = wholeUnits
        self.allowShort = allowShort
        self.closeAtEnd = closeAtEnd
        self.periodsPerYear = periodsPerYear
        self.backtestingPySizing = backtestingPySizing
    }

    /// backtesting.py's settings for its SmaCross example: whole units, all equity, next-open fills,
    /// a commission rate, no spread, positions left open at the end.
    public static func backtestingPy(cash: Double, commission: Double) -> BacktestConfiguration {
        BacktestConfiguration(initialCash: cash, costs: CostModel(commissionRate: commission), fills: .nextOpen, wholeUnits: true,
                              allowShort: true, closeAtEnd: false, backtestingPySizing: true)
    }
}
