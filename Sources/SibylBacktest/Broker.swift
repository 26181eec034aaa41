import SibylData

/// The simulated account: cash, a netted position made of FIFO trades, pending orders, fills and
/// costs. Strategies place orders through it; the backtest loop drives its fills.
///
/// Accounting: every fill moves cash by −Δ·p − commission for Δ units at execution price p, so at
/// every bar equity = cash + position · close exactly, and the sum of all trades' profits equals
/// equity − initial cash.
public struct Broker {
    /// Relative size below which what is left of a position or an order after a fill is rounding.
    static let rounding = 1e-12

    public let configuration: BacktestConfiguration
    let series: BarSeries
    public private(set) var cash: Double
    /// Net units held: positive long, negative short.
    public private(set) var position: Double = 0
    /// Open trades, oldest first.
    public private(set) var openTrades: [Trade] = []
    public private(set) var closedTrades: [Trade] = []
    public private(set) var pendingOrders: [Order] = []
    public private(set) var events: [BrokerEvent] = []
    /// Total commissions paid.
    public private(set) var commissionsPaid: Double = 0
    /// In backtesting.py's settings: its cash, the initial cash plus each closed trade's profit
    /// less the commissions, added in its order, so that equity rounds as backtesting.py's does
    /// (−Δ·p per fill can leave a commission-free round trip at its entry price a last bit below
    /// where it started, and a 10⁻¹⁶ drawdown splits a drawdown episode).
    private var ledger: Double
    private var nextOrderID = 0
    /// The bar being processed.
    public private(set) var bar = 0

    init(configuration: BacktestConfiguration, series: BarSeries) {
        self.configuration = configuration
        self.series = series
        cash = configuration.initialCash
        ledger = configuration.initialCash
        openTrades.reserveCapacity(8)
        pendingOrders.reserveCapacity(8)
        closedTrades.reserveCapacity(256)
    }

    /// Equity marked at `price`: cash + position · price; in backtesting.py's settings, as it
    /// computes it: its cash + (price · position − Σ size · entry price over open trades).
    public func equity(at price: Double) -> Double {
        guard configuration.backtestingPySizing else { return cash + position * price }
        var invested = 0.0
        for trade in openTrades { invested += trade.size * trade.entryPrice }
        return ledger + (price * position - invested)
    }

    /// Equity at the current bar's close.
    public var equity: Double { equity(at: series.close[bar]) }

    // MARK: - Orders (the strategy's side)

    /// Places an order; it fills no earlier than the next fill opportunity.
    @discardableResult
    public mutating func submit(_ size: OrderSize, type: OrderType = .market, exits: ExitRules = .none) -> Int {
        nextOrderID += 1
        pendingOrders.append(Order(id: nextOrderID, size: size, type: type, exits: exits, placedBar: bar, closesPosition: false))
        return nextOrderID
    }

    /// Buys: `fraction` of equity by default, all of it when omitted.
    @discardableResult
    public mutating func buy(fraction: Double = 1, type: OrderType = .market, exits: ExitRules = .none) -> Int {
        submit(.equityFraction(abs(fraction)), type: type, exits: exits)
    }

    /// Sells short (or reduces a long): `fraction` of equity, all of it when omitted.
    @discardableResult
    public mutating func sell(fraction: Double = 1, type: OrderType = .market, exits: ExitRules = .none) -> Int {
        submit(.equityFraction(-abs(fraction)), type: type, exits: exits)
    }

    /// Moves the position to `fraction` of equity (1 fully long, −1 fully short, 0 flat) at the next fill.
    @discardableResult
    public mutating func target(_ fraction: Double, exits: ExitRules = .none) -> Int {
        submit(.targetFraction(fraction), exits: exits)
    }

    /// Closes the whole position at the next fill, whatever its size then.
    public mutating func closePosition() {
        nextOrderID += 1
        pendingOrders.append(Order(id: nextOrderID, size: .units(0), type: .market, exits: .none, placedBar: bar, closesPosition: true))
    }

    /// Cancels a pending order; false when it already filled or never existed.
    @discardableResult
    public mutating func cancel(_ id: Int) -> Bool {
        guard let index = pendingOrders.firstIndex(where: { $0.id == id }) else { return false }
        pendingOrders.remove(at: index)
        return true
    }

    public mutating func cancelAllOrders() { pendingOrders.removeAll(keepingCapacity: true) }

    // MARK: - Fills (the loop's side)

    mutating func begin(bar: Int) { self.bar = bar }

    /// Fills what can fill during bar t, in the order a trader would see it: orders that fill at
    /// its open (market orders, and limits and stops the open gaps through), then the attached
    /// exits of open trades, stop first (the pessimistic reading of a bar whose path is unknown),
    /// then limit and stop orders triggered inside the bar's range. Trades without exits are not
    /// looked at, which keeps bars without orders cheap.
    mutating func processOpenAndRange() {
        let t = bar
        let (open, high, low) = (series.open[t], series.high[t], series.low[t])
        if !pendingOrders.isEmpty { processPending(open: open, high: high, low: low, atOpen: true) }
        if !openTrades.isEmpty { checkExits(open: open, high: high, low: low) }
        if !pendingOrders.isEmpty { processPending(open: open, high: high, low: low, atOpen: false) }
    }

    /// One pass over the pending orders: those that fill at the open, or those that fill inside
    /// the bar's range.
    private mutating func processPending(open: Double, high: Double, low: Double, atOpen: Bool) {
        var index = 0
        while index < pendingOrders.count {
            let order = pendingOrders[index]
            guard order.placedBar < bar else { index += 1; continue }
            var price: Double?
            switch order.type {
            case .market:
                if atOpen && configuration.fills == .nextOpen { price = open }
            case .limit(let limit):
                let buying = isBuying(order, at: limit)
                if atOpen { if buying ? open <= limit : open >= limit { price = open } }
                else if buying ? low <= limit : high >= limit { price = limit }
            case .stop(let stop):
                let buying = isBuying(order, at: stop)
                if atOpen { if buying ? open >= stop : open <= stop { price = open } }
                else if buying ? high >= stop : low <= stop { price = stop }
            case .stopLimit(let stop, let limit):
                let buying = isBuying(order, at: stop)
                if atOpen {
                    if buying ? open >= stop : open <= stop {
                        // Triggered at the open: a limit order from here on.
                        if buying ? open <= limit : open >= limit { price = open } else { pendingOrders[index].type = .limit(limit) }
                    }
                } else if buying ? high >= stop : low <= stop {
                    // Triggered inside the bar: fill at the stop when the limit allows it; a limit
                    // beyond the stop waits for the next bar, since the bar's extreme on the limit
                    // side may have come before the trigger.
                    if buying ? stop <= limit : stop >= limit { price = stop } else { pendingOrders[index].type = .limit(limit) }
                }
            }
            if let price {
                pendingOrders.remove(at: index)
                fill(order, quote: price, atOpen: atOpen)
            } else {
                index += 1
            }
        }
    }

    /// Market orders at bar t's close (same-close fills), after the strategy decided at t. On the
    /// last bar nothing fills: a position taken at the final close would be held over no bar and
    /// only add its costs (backtesting.py leaves such orders unprocessed too); `finish` reports them.
    /// Returns whether any order filled.
    @discardableResult
    mutating func processMarketOrdersAtClose() -> Bool {
        guard configuration.fills == .sameClose, !pendingOrders.isEmpty, bar < series.count - 1 else { return false }
        var index = 0, filled = false
        while index < pendingOrders.count {
            if pendingOrders[index].type == .market {
                let order = pendingOrders.remove(at: index)
                fill(order, quote: series.close[bar], atOpen: false)
                filled = true
            } else {
                index += 1
            }
        }
        return filled
    }

    /// Stops the account when its equity at bar t's close is zero or below, as backtesting.py
    /// does: every open trade is closed at that close (with its costs), pending orders are dropped,
    /// and cash is set to 0, the account being wiped out (the loss beyond it, owed to the broker,
    /// is named in the event). Returns whether the account stopped; the loop then records zero
    /// equity for this bar and every later one.
    mutating func stopIfOutOfMoney() -> Bool {
        let close = series.close[bar]
        let marked = equity(at: close)
        guard marked <= 0 else { return false }
        pendingOrders.removeAll()
        if position != 0 { execute(units: -position, quote: close, reason: .outOfMoney, exits: .none, atOpen: false) }
        let owed = -cash
        cash = 0
        ledger = 0
        // Amounts under a cent in two significant digits (equity of −0.000012 is not "-0.00").
        func money(_ value: Double) -> String { String(format: value == 0 || abs(value) >= 0.005 ? "%.2f" : "%.2g", value) }
        events.append(BrokerEvent(kind: .outOfMoney, bar: bar, message: "equity fell to \(money(marked)) at the close of \(series.timestampFormat(series.timestamps[bar])): "
            + "every position was closed at that close and the run stopped; equity is 0 from there"
            + (owed > 0 ? " (the loss beyond it, \(money(owed)), would be owed to the broker)" : "")))
        return true
    }

    /// Records that a market decision made on the last bar has no bar to fill in.
    mutating func reportUnfilledAtEnd() {
        let last = series.count - 1
        // Same-close: a position taken at the final close would be held over no bar and only add
        // its costs (processMarketOrdersAtClose).
        let reason = configuration.fills == .sameClose
            ? "a position taken at the final close would be held over no bar, only paying its costs (backtesting.py leaves it unfilled too)"
            : "no bar follows it to open"
        events.append(BrokerEvent(kind: .unfilledAtEnd, bar: last,
                                  message: "a market order placed on the last bar (\(series.timestampFormat(series.timestamps[last]))) was not filled: \(reason)"))
    }

    /// Ends the run: reports market orders left with no bar to fill in, drops what is pending, and
    /// closes the position at the last close when the configuration says so.
    mutating func finish() {
        let last = series.count - 1
        // An order to close a flat position would have done nothing (a reversal's close when flat).
        for order in pendingOrders where order.type == .market && order.placedBar == last && !(order.closesPosition && position == 0) {
            reportUnfilledAtEnd()
        }
        pendingOrders.removeAll()
        if configuration.closeAtEnd && position != 0 {
            execute(units: -position, quote: series.close[last], reason: .endOfData, exits: .none, atOpen: false)
        }
    }

    /// Whether an order buys when it fills at `price`.
    private func isBuying(_ order: Order, at price: Double) -> Bool {
        if order.closesPosition { return position < 0 }
        switch order.size {
        case .units(let u): return u > 0
        case .equityFraction(let f): return f > 0
        case .targetFraction(let f): return f * equity(at: price) > position * price
        }
    }

    /// Converts an order's size to units at this fill and executes it.
    private mutating func fill(_ order: Order, quote: Double, atOpen: Bool) {
        let units: Double
        if order.closesPosition {
            units = -position
        } else {
            switch order.size {
            case .units(let u):
                units = configuration.wholeUnits ? u.rounded(.towardZero) : u
            case .equityFraction(let f):
                units = sized(fraction: f, quote: quote)
            case .targetFraction(let f):
                // A reversal is a close, then an open sized on the equity left after the close, as
                // a strategy that closes and then buys or sells would do it.
                if position != 0 && f != 0 && (f > 0) != (position > 0) {
                    execute(units: -position, quote: quote, reason: .signal, exits: .none, atOpen: atOpen)
                }
                let target = f == 0 ? 0 : sized(fraction: f, quote: quote)
                units = target - position
            }
        }
        guard units != 0 else {
            // Closing or targeting a position already reached is not an error; a target that sizes
            // to zero units from flat is, as any order sized to nothing (`zeroSizeReason` says why).
            var reached = order.closesPosition
            if case .targetFraction(let f) = order.size { reached = f == 0 || position != 0 }
            if !reached {
                let what = order.id == 0 ? "an order" : "order \(order.id)"
                events.append(BrokerEvent(kind: .rejected, bar: bar, message: "\(what) sized to zero units at \(quote): " + zeroSizeReason(order, quote: quote)))
            }
            return
        }
        execute(units: units, quote: quote, reason: .signal, exits: order.exits, atOpen: atOpen)
    }

    /// Why `order` sized to no units at `quote`: the units it asked for round down to none; the
    /// share of equity it was given, when less than all of it, buys less than one whole unit; or
    /// one whole unit costs more than the equity.
    private func zeroSizeReason(_ order: Order, quote: Double) -> String {
        let equity = equity(at: quote)
        var fraction = 1.0
        switch order.size {
        case .equityFraction(let f), .targetFraction(let f): fraction = abs(f)
        case .units(let u):
            // Units were asked for, not a share of equity: too few of them, not too little money.
            return configuration.wholeUnits && u != 0 ? "\(u) units round down to no whole unit" : "it asks for no units"
        }
        guard configuration.wholeUnits && equity > 0 else { return "too little equity" }
        let money = { (value: Double) in String(format: "%.2f", value) }
        if fraction < 1 {
            return "\(String(format: "%.4g", 100 * fraction))% of the equity of \(money(equity)), \(money(fraction * equity)), buys less than one whole unit with its costs"
        }
        return "one whole unit, with its costs, costs more than the equity of \(money(equity))"
    }

    /// Units worth `fraction` of equity (marked at `quote`), after the execution price and the
    /// commission rate; rounded toward zero for whole units.
    private func sized(fraction: Double, quote: Double) -> Double {
        let buying = fraction > 0
        let price = configuration.costs.executionPrice(quote, buying: buying)
        if configuration.backtestingPySizing {
            // backtesting.py: size = 1 − 2⁻⁵² of the margin available (the cash when flat), and
            // units = int(available·size // (price + commission(size, price) / size)).
            let size = min(abs(fraction), 1 - Double.ulpOfOne)
            let costs = configuration.costs
            // The commission as backtesting.py's callable would give it for that size, minimum included.
            let commission = costs.commission(units: size, price: price)
            let adjusted = price + commission / size
            let units = pythonFloorDivide(max(0, equity(at: quote)) * size, adjusted)
            return buying ? units : -units
        }
        let units = affordableUnits(budget: max(0, equity(at: quote)) * abs(fraction), price: price)
        return buying ? units : -units
    }

    /// The most units whose price and commission fit in `budget`: u·p + max(u·k + fixed, minimum)
    /// ≤ budget, with k = p·rate + per-unit commission; rounded down for whole units.
    private func affordableUnits(budget: Double, price: Double) -> Double {
        let costs = configuration.costs
        let k = price * costs.commissionRate + costs.commissionPerUnit
        var units = max(0, (budget - costs.commissionPerOrder) / (price + k))
        if units * k + costs.commissionPerOrder < costs.minimumCommission {
            units = max(0, (budget - costs.minimumCommission) / price)
        }
        return configuration.wholeUnits ? units.rounded(.down) : units
    }

    /// Fills a target fraction at bar t's open: the signal path's single step, the same sizing and
    /// bookkeeping as a `.targetFraction` order.
    mutating func fillTarget(_ fraction: Double, quote: Double, atOpen: Bool) {
        fill(Order(id: 0, size: .targetFraction(fraction), type: .market, exits: .none, placedBar: bar - 1, closesPosition: false),
             quote: quote, atOpen: atOpen)
    }

    /// Fills Δ units at a quote: costs, affordability, FIFO trade bookkeeping.
    private mutating func execute(units requested: Double, quote: Double, reason: ExitReason, exits: ExitRules, atOpen: Bool) {
        var units = requested
        let buying = units > 0
        let price = configuration.costs.executionPrice(quote, buying: buying)
        // Shorting beyond what is held needs permission.
        if !configuration.allowShort && position + units < 0 {
            units = -position
            if units == 0 {
                events.append(BrokerEvent(kind: .rejected, bar: bar, message: "a sell would open a short position and shorting is off"))
                return
            }
            events.append(BrokerEvent(kind: .reduced, bar: bar, message: "a sell was cut to the \(-units) units held: shorting is off"))
        }
        // Opening exposure must be paid for (buys) or covered by equity (shorts), at 1× leverage;
        // the part that closes an existing position always goes through.
        let opening = openingUnits(units)
        if opening != 0 {
            let closing = units - opening
            let equityNow = equity(at: quote)
            let allowed: Double
            if buying {
                // Cash after the whole order, commission included, must stay non-negative.
                allowed = max(abs(closing), affordableUnits(budget: cash, price: price))
            } else {
                // The short after the order, valued at this price, may not exceed equity.
                let commission = configuration.costs.commission(units: units, price: price)
                var most = max(0, (equityNow - commission) / price) - max(0, -(position + closing))
                if configuration.wholeUnits { most = most.rounded(.down) }
                allowed = abs(closing) + max(0, most)
            }
            if abs(units) > allowed * (1 + 1e-12) {
                if allowed <= abs(closing) && closing == 0 {
                    events.append(BrokerEvent(kind: .rejected, bar: bar, message: "an order for \(abs(units)) units at \(price) cannot be afforded (cash \(cash), equity \(equityNow))"))
                    return
                }
                events.append(BrokerEvent(kind: .reduced, bar: bar, message: "an order for \(abs(units)) units at \(price) was cut to \(allowed): not enough \(buying ? "cash" : "equity to cover the short")"))
                units = buying ? allowed : -allowed
                if units == 0 { return }
            }
        }
        let commission = configuration.costs.commission(units: units, price: price)
        cash -= units * price + commission
        commissionsPaid += commission
        let before = position
        position += units
        // Dust left by rounding when a fill closes the position: a few ulps of the sizes involved,
        // no more (a position of 8e-12 units is a real one at prices of 10^15, and 10^-4 units
        // left of 10^5 were bought on purpose).
        if abs(position) <= Self.rounding * max(abs(units), abs(before)) { position = 0 }
        // FIFO: close opposite trades first, then open the rest.
        var remaining = units
        while remaining != 0, let first = openTrades.first, (first.size > 0) != (remaining > 0) {
            var closed = min(abs(remaining), abs(first.size))
            // Sizes that differ only by rounding close the trade whole, leaving no dust behind.
            if abs(abs(remaining) - abs(first.size)) <= Self.rounding * max(abs(remaining), abs(first.size)) { closed = abs(first.size) }
            let share = commission * (closed / abs(units))
            // backtesting.py: cash += size · (exit − entry) − the exit commission on that size.
            let closedSize = first.size > 0 ? closed : -closed
            ledger += closedSize * (price - first.entryPrice) - configuration.costs.commission(units: closedSize, price: price)
            if closed == abs(first.size) {
                var trade = openTrades.removeFirst()
                trade.exitBar = bar
                trade.exitPrice = price
                trade.commissions += share
                trade.exitReason = reason
                closedTrades.append(trade)
            } else {
                let fraction = closed / abs(first.size)
                var part = first
                part.size = first.size > 0 ? closed : -closed
                part.commissions = first.commissions * fraction + share
                part.exitBar = bar
                part.exitPrice = price
                part.exitReason = reason
                closedTrades.append(part)
                openTrades[0].size += first.size > 0 ? -closed : closed
                openTrades[0].commissions *= 1 - fraction
            }
            remaining += remaining > 0 ? -closed : closed
            if abs(remaining) <= Self.rounding * abs(units) { remaining = 0 }
        }
        if position == 0 && !openTrades.isEmpty {
            // The net position is flat: whatever rounding left in the trades is closed with it.
            for var trade in openTrades {
                ledger += trade.size * (price - trade.entryPrice) - configuration.costs.commission(units: trade.size, price: price)
                trade.exitBar = bar
                trade.exitPrice = price
                trade.exitReason = reason
                closedTrades.append(trade)
            }
            openTrades.removeAll(keepingCapacity: true)
            remaining = 0
        }
        if remaining != 0 {
            let share = commission * (abs(remaining) / abs(units))
            ledger -= configuration.costs.commission(units: remaining, price: price)
            let long = remaining > 0
            openTrades.append(Trade(
                size: remaining, entryBar: bar, exitBar: nil, entryPrice: price, exitPrice: nil, commissions: share, exitReason: .open,
                ambiguousExit: false,
                stopPrice: exits.stopLoss.map { long ? price * (1 - $0) : price * (1 + $0) },
                targetPrice: exits.takeProfit.map { long ? price * (1 + $0) : price * (1 - $0) },
                trailingFraction: exits.trailingStop, bestPrice: price, checkExitsFromEntryBar: atOpen))
        }
        // The position is the sum of the open trades: with none left, rounding left over from an
        // earlier, larger position (1000 units, then 10^-4 more, closed apart) is no position.
        if openTrades.isEmpty { position = 0 }
    }

    /// The part of Δ that opens exposure rather than closing the existing position.
    @inline(__always)
    private func openingUnits(_ units: Double) -> Double {
        if position == 0 || (position > 0) == (units > 0) { return units }
        let excess = abs(units) - abs(position)
        return excess > 0 ? (units > 0 ? excess : -excess) : 0
    }

    /// Stop-loss, take-profit and trailing stops of open trades against this bar. A gap through a
    /// level fills at the open; when a stop and a target both lie inside the bar, the stop is taken
    /// (the pessimistic outcome) and the trade is marked ambiguous.
    private mutating func checkExits(open: Double, high: Double, low: Double) {
        var index = 0
        while index < openTrades.count {
            let trade = openTrades[index]
            let hasExits = trade.stopPrice != nil || trade.targetPrice != nil || trade.trailingFraction != nil
            if !hasExits || (trade.entryBar == bar && !trade.checkExitsFromEntryBar) { index += 1; continue }
            let long = trade.size > 0
            var stop = trade.stopPrice
            if let trail = trade.trailingFraction {
                let trailing = long ? trade.bestPrice * (1 - trail) : trade.bestPrice * (1 + trail)
                stop = stop.map { long ? max($0, trailing) : min($0, trailing) } ?? trailing
            }
            let stopIsTrailing = trade.trailingFraction != nil && stop != trade.stopPrice
            var exit: (price: Double, reason: ExitReason, ambiguous: Bool)?
            let target = trade.targetPrice
            if let s = stop, long ? open <= s : open >= s {
                exit = (open, stopIsTrailing ? .trailingStop : .stopLoss, false)
            } else if let p = target, long ? open >= p : open <= p {
                exit = (open, .takeProfit, false)
            } else {
                let stopHit = stop.map { long ? low <= $0 : high >= $0 } ?? false
                let targetHit = target.map { long ? high >= $0 : low <= $0 } ?? false
                if stopHit {
                    exit = (stop!, stopIsTrailing ? .trailingStop : .stopLoss, targetHit)
                } else if targetHit {
                    exit = (target!, .takeProfit, false)
                }
            }
            if let exit {
                closeTrade(at: index, quote: exit.price, reason: exit.reason, ambiguous: exit.ambiguous)
            } else {
                // The best price moves only after the bar's checks, so a stop never uses a price
                // from later in the same bar.
                openTrades[index].bestPrice = long ? max(trade.bestPrice, high) : min(trade.bestPrice, low)
                index += 1
            }
        }
    }

    /// Closes one open trade entirely (an attached exit).
    private mutating func closeTrade(at index: Int, quote: Double, reason: ExitReason, ambiguous: Bool) {
        var trade = openTrades.remove(at: index)
        let units = -trade.size
        let price = configuration.costs.executionPrice(quote, buying: units > 0)
        let commission = configuration.costs.commission(units: units, price: price)
        cash -= units * price + commission
        commissionsPaid += commission
        position += units
        // The position is the sum of the open trades: with none left there is none (rounding
        // aside); a tiny one beside them is real (8.9e-13 units at prices of 10^15).
        if openTrades.isEmpty { position = 0 }
        ledger += trade.size * (price - trade.entryPrice) - commission
        trade.exitBar = bar
        trade.exitPrice = price
        trade.commissions += commission
        trade.exitReason = reason
        trade.ambiguousExit = ambiguous
        closedTrades.append(trade)
    }
}

/// Python's float floor division `a // b`: the floor of the exact quotient, computed from fmod
/// as CPython does (not floor(a / b), which can round up across an integer).
func pythonFloorDivide(_ a: Double, _ b: Double) -> Double {
    var remainder = a.truncatingRemainder(dividingBy: b)
    var quotient = (a - remainder) / b
    if remainder != 0 && (b < 0) != (remainder < 0) {
        remainder += b
        quotient -= 1
    }
    guard quotient != 0 else { return (a / b).sign == .minus ? -0.0 : 0 }
    var floored = quotient.rounded(.down)
    if quotient - floored > 0.5 { floored += 1 }
    return floored
}
