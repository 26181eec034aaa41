import Foundation
import SibylBacktest

/// Trades forecasts of the next bar's log return: long above a threshold, short below its
/// negative (when shorting is allowed), flat between.
///
/// The forecast array holds, at index t, the forecast made at bar t's close for bar t+1 (NaN
/// where there is none; after the first forecast, a missing or non-finite one closes the position). The position is sized by confidence, min(1, |forecast| / (2 × the mean
/// |forecast| up to this bar)), or by a volatility target, target / (σ of the last `lookback` log
/// returns · √barsPerYear), capped at 1 (so 1 when σ = 0). Both use only what is known at the bar. A
/// held position is resized only when its target moves by more than 5% of equity; entries, exits
/// and reversals always trade. After a stop-loss,
/// take-profit or trailing-stop exit, or an entry the broker could not fill, it enters again only
/// once the forecast's direction has changed (one entry per signal, as the crossover and z-score
/// strategies do, whatever the sizing). A sizing that builds a position in pieces (each resize an
/// entry with exits of its own) may see one piece stopped and another held: the signal has had its
/// trade, and what is left is held, not topped up (cut if the sizing asks for less), until the
/// direction changes.
public struct ForecastThreshold: Strategy {
    public enum Sizing: Sendable, Equatable {
        /// Fully invested whenever the signal is on.
        case full
        /// min(1, |forecast| / (2 × mean |forecast| so far)).
        case confidence
        /// target annual volatility / realized annual volatility, capped at 1.
        case volatilityTarget(annual: Double, lookback: Int, barsPerYear: Double)
    }

    public let forecasts: [Double]
    public let threshold: Double
    public let sizing: Sizing
    /// Stop-loss, take-profit and trailing stop attached to every entry.
    public let exits: ExitRules
    public var name: String {
        switch sizing {
        case .full: "forecast(threshold \(threshold))"
        case .confidence: "forecast(threshold \(threshold), confidence sizing)"
        case .volatilityTarget(let annual, let lookback, _):
            "forecast(threshold \(threshold), volatility target \(String(format: "%g", 100 * annual))% over \(lookback) bars)"
        }
    }
    public let warmUp: Int
    private var returns: RollingWindow
    private var lastTarget = 0.0
    /// The direction of a position the exit rules closed, in whole or in part: no new entry or
    /// top-up that way until the forecast's direction changes.
    private var exitedDirection: Double?
    private var previousClose: Double?
    /// Closed trades already looked at for exits by the exit rules.
    private var closedSeen = 0
    private var absoluteForecastSum = 0.0
    private var forecastCount = 0

    /// - Parameter priorCloses: Closes before the first bar the strategy sees (a backtest that starts
    ///   where the forecasts do), which fill the volatility target's lookback from the start.
    public init(forecasts: [Double], threshold: Double, sizing: Sizing = .full, exits: ExitRules = .none, priorCloses: [Double] = []) {
        self.exits = exits
        precondition(threshold >= 0, "the threshold must be non-negative")
        self.forecasts = forecasts
        self.threshold = threshold
        self.sizing = sizing
        warmUp = forecasts.firstIndex { !$0.isNaN } ?? forecasts.count
        var lookback = 2
        if case .volatilityTarget(_, let bars, _) = sizing { lookback = max(bars, 2) }
        returns = RollingWindow(capacity: lookback)
        if case .volatilityTarget = sizing, let last = priorCloses.last {
            for (close, before) in zip(priorCloses.suffix(lookback).dropFirst(), priorCloses.suffix(lookback)) { returns.append(log(close / before)) }
            previousClose = last
        }
    }

    public mutating func next(_ view: MarketView, broker: inout Broker) {
        if case .volatilityTarget = sizing {
            if let previousClose { returns.append(log(view.close() / previousClose)) }
            previousClose = view.close()
        }
        // Flat while the last target was not, with no order of ours waiting: the exit rules closed
        // the position (or the broker could not fill the entry, such as less equity than one whole
        // unit): that signal has had its trade.
        if lastTarget != 0 && broker.position == 0 && broker.pendingOrders.isEmpty {
            exitedDirection = lastTarget > 0 ? 1 : -1
            lastTarget = 0
        }
        // Or the exit rules closed part of it (a piece of a position built in pieces).
        if closedSeen < broker.closedTrades.count {
            let byExitRules = { (trade: Trade) -> Bool in
                switch trade.exitReason {
                case .stopLoss, .takeProfit, .trailingStop: (trade.size > 0) == (self.lastTarget > 0)
                default: false
                }
            }
            if lastTarget != 0, broker.closedTrades[closedSeen...].contains(where: byExitRules) {
                exitedDirection = lastTarget > 0 ? 1 : -1
                // What is held now, as a fraction of equity, is what later targets are measured against.
                let equity = broker.equity
                if equity > 0 { lastTarget = broker.position * view.close() / equity }
            }
            closedSeen = broker.closedTrades.count
        }
        let forecast = view.index < forecasts.count ? forecasts[view.index] : .nan
        // No forecast before the first one; after it, a forecast that is not a number (a model that
        // failed) is no view, and no view holds no position.
        guard forecast.isFinite else {
            if view.index >= warmUp && lastTarget != 0 {
                broker.target(0, exits: exits)
                lastTarget = 0
            }
            return
        }
        absoluteForecastSum += abs(forecast)
        forecastCount += 1
        var direction = 0.0
        if forecast > threshold { direction = 1 }
        else if forecast < -threshold { direction = broker.configuration.allowShort ? -1 : 0 }
        var size = 1.0
        switch sizing {
        case .full:
            break
        case .confidence:
            let scale = 2 * absoluteForecastSum / Double(forecastCount)
            size = scale > 0 ? min(1, abs(forecast) / scale) : 0
        case .volatilityTarget(let annual, _, let barsPerYear):
            // Until the lookback has its returns, the volatility is unknown and nothing is held; a
            // price that has not moved over all of it (a halt) has none, and the cap holds: 1.
            guard returns.isFull else { size = 0; break }
            let realized = returns.standardDeviation * barsPerYear.squareRoot()
            size = realized > 0 ? min(1, annual / realized) : 1
        }
        let target = direction * size
        if let exited = exitedDirection {
            guard direction != exited else {
                // What the exit rules left of this signal's position is held, not topped up; a
                // sizing that asks for less than was held after the exit (a volatility jump) cuts
                // it. (Against that, not the position's value now: a price move alone trades nothing.)
                if broker.position != 0, abs(target) < abs(lastTarget) - 0.05 {
                    broker.target(target, exits: exits)
                    lastTarget = target
                }
                return
            }
            exitedDirection = nil
        }
        // Resize a position only when its target moves by more than 5% of equity, to avoid churning
        // on noise; opening, closing and turning a position always trade, however small.
        if abs(target - lastTarget) > 0.05 || (target > 0) != (lastTarget > 0) || (target < 0) != (lastTarget < 0) {
            broker.target(target, exits: exits)
            lastTarget = target
        }
    }
}
