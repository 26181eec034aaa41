/// Simple moving-average crossover on closes.
///
/// A cross up at bar t means fast_{t−1} < slow_{t−1} and fast_t > slow_t (a cross down mirrors
/// it). Long-only: buy with all equity on a cross up when flat, close on a cross down. Reverse
/// (backtesting.py's SmaCross example): on every cross, close the position and open the opposite
/// one with all equity.
public struct SMACross: Strategy {
    public enum Mode: String, Sendable, Codable {
        case longOnly = "long-only"
        case reverse
    }

    public let fast: Int
    public let slow: Int
    public let mode: Mode
    /// Stop-loss, take-profit and trailing stop attached to every entry.
    public let exits: ExitRules
    public var name: String { "sma-cross(\(fast),\(slow)\(mode == .reverse ? ",reverse" : ""))" }
    /// The first bar with both averages: max(fast, slow) − 1. A cross needs two such bars, so the
    /// first trade decision can come one bar later.
    public var warmUp: Int { max(fast, slow) - 1 }

    private var fastMean: RollingMean
    private var slowMean: RollingMean
    private var previous: (fast: Double, slow: Double)?

    public init(fast: Int, slow: Int, mode: Mode = .longOnly, exits: ExitRules = .none) {
        self.exits = exits
        precondition(fast >= 1 && slow >= 1, "moving-average windows must be positive")
        self.fast = fast
        self.slow = slow
        self.mode = mode
        fastMean = RollingMean(window: fast)
        slowMean = RollingMean(window: slow)
    }

    public mutating func next(_ view: MarketView, broker: inout Broker) {
        let current = (fast: fastMean.append(view.close()), slow: slowMean.append(view.close()))
        defer { previous = current }
        // Comparisons with NaN (warm-up) are false, so no cross is seen before both averages exist.
        guard let before = previous else { return }
        let crossUp = before.fast < before.slow && current.fast > current.slow
        let crossDown = before.fast > before.slow && current.fast < current.slow
        switch mode {
        case .longOnly:
            if crossUp && broker.position == 0 { broker.buy(exits: exits) }
            else if crossDown && broker.position > 0 { broker.closePosition() }
        case .reverse:
            if crossUp {
                broker.closePosition()
                broker.buy(exits: exits)
            } else if crossDown {
                broker.closePosition()
                broker.sell(exits: exits)
            }
        }
    }
}
