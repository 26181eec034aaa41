/// Mean reversion on the z-score of the close over a trailing window:
/// z = (C − mean) / std (ddof 1). Long when z < −entry, short when z > entry (when shorting is
/// allowed), flat once |z| < exit.
public struct ZScoreReversion: Strategy {
    public let window: Int
    public let entry: Double
    public let exit: Double
    /// Stop-loss, take-profit and trailing stop attached to every entry.
    public let exits: ExitRules
    public var name: String { "zscore(\(window),\(entry),\(exit))" }
    public var warmUp: Int { window - 1 }
    private var closes: RollingWindow
    private var state = 0

    public init(window: Int, entry: Double = 2, exit: Double = 0.5, exits: ExitRules = .none) {
        self.exits = exits
        precondition(window >= 2 && entry > exit && exit >= 0, "z-score reversion needs window ≥ 2 and entry > exit ≥ 0")
        self.window = window
        self.entry = entry
        self.exit = exit
        closes = RollingWindow(capacity: window)
    }

    public mutating func next(_ view: MarketView, broker: inout Broker) {
        closes.append(view.close())
        guard closes.isFull else { return }
        let (mean, std) = closes.moments
        let z = std > 0 ? (view.close() - mean) / std : 0
        var wanted = state
        if z < -entry { wanted = 1 }
        else if z > entry { wanted = broker.configuration.allowShort ? -1 : 0 }
        else if abs(z) < exit { wanted = 0 }
        if wanted != state {
            broker.target(Double(wanted), exits: exits)
            state = wanted
        }
    }
}
