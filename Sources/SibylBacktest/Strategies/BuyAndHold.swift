/// Buys with all equity at the first opportunity and holds to the end: the benchmark every
/// strategy is compared with.
public struct BuyAndHold: Strategy {
    public let name = "buy-and-hold"
    public let warmUp: Int
    private var bought = false

    public init(startBar: Int = 0) {
        warmUp = startBar
    }

    public mutating func next(_ view: MarketView, broker: inout Broker) {
        guard !bought else { return }
        broker.buy()
        bought = true
    }
}
