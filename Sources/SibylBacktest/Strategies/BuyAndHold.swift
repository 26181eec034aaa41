/// Buys with all equity at the first opportunity and holds to the end: the benchmark every
/// strategy is compared with.
public struct BuyAndHold: Strategy {
    public let name = "buy-and-hold"
    public let warmUp: Int
    public let exits: ExitRules
    private var bought = false

    public init(startBar: Int = 0, exits: ExitRules = .none) {
        warmUp = startBar
        self.exits = exits
    }

    public mutating func next(_ view: MarketView, broker: inout Broker) {
        guard !bought else { return }
        broker.buy(exits: exits)
        bought = true
    }
}
