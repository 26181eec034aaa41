import Foundation
import SibylData

/// The statistics of a backtest, by the definitions of backtesting.py (written out with their
/// formulas in `Docs/Metrics.md`): the same equity curve and trades give the same numbers.
///
/// Durations are in days (calendar time between bar timestamps). Percentages carry `Percent` in
/// their names. Statistics that are undefined (no trades, no losses) are NaN, reported as null.
public struct BacktestStatistics: Sendable, Equatable, Codable {
    public var start: String
    public var end: String
    public var durationDays: Double
    public var exposureTimePercent: Double
    public var equityFinal: Double
    public var equityPeak: Double
    public var commissions: Double
    public var returnPercent: Double
    public var buyAndHoldReturnPercent: Double
    public var returnAnnualizedPercent: Double
    public var volatilityAnnualizedPercent: Double
    public var cagrPercent: Double
    public var sharpeRatio: Double
    /// Probabilistic Sharpe ratio against 0: the probability, in percent, that the strategy's true
    /// per-period Sharpe ratio is above zero, given the period returns' count, skewness and
    /// kurtosis (Bailey & López de Prado, 2012). Not a backtesting.py statistic.
    public var probabilisticSharpePercent: Double
    /// The same against buy-and-hold's per-period Sharpe ratio over the same periods, taken as
    /// known: its own sampling error is not counted, so this overstates the confidence.
    public var probabilisticSharpeOverBuyAndHoldPercent: Double
    public var sortinoRatio: Double
    public var calmarRatio: Double
    public var alphaPercent: Double
    public var beta: Double
    public var maxDrawdownPercent: Double
    public var averageDrawdownPercent: Double
    public var maxDrawdownDurationDays: Double
    public var averageDrawdownDurationDays: Double
    public var tradeCount: Int
    public var winRatePercent: Double
    public var bestTradePercent: Double
    public var worstTradePercent: Double
    public var averageTradePercent: Double
    public var maxTradeDurationDays: Double
    public var averageTradeDurationDays: Double
    public var profitFactor: Double
    public var expectancyPercent: Double
    public var sqn: Double
    public var kellyCriterion: Double
    /// Periods per year used for annualizing (252, 365, 52, 12, or as configured).
    public var periodsPerYear: Double
    /// Return periods a year the data holds (those periods over the years the data spans); nil
    /// for less than 90 days. Far from `periodsPerYear`, the annualized figures use the wrong
    /// number of periods (hourly FX, whose Sunday-evening hours form days of their own).
    public var observedPeriodsPerYear: Double?
    /// The period returns' standard deviation annualized by √A, in percent: what the compounded
    /// `volatilityAnnualizedPercent` approaches for returns near zero on average, and what it
    /// stops measuring for returns far from it (a losing strategy's compounded volatility tends to 0).
    public var simpleVolatilityAnnualizedPercent: Double
    /// (mean period return · A − risk-free rate) / (σ √A): the Sharpe ratio on that volatility.
    public var simpleSharpeRatio: Double
    /// The most units traded in one bar with volume (entries and exits together) as a share of
    /// that bar's volume, in percent, and the bar's timestamp: fills that large would move the
    /// price, which the backtest does not model. NaN (and nil) without volume data, or without a
    /// fill on a bar with volume (bars without are counted apart: `fillBarsWithoutVolume`).
    public var maxVolumeSharePercent: Double
    public var maxVolumeShareAt: String?
    /// Bars with fills (entries or exits) whose volume is 0, of `fillBars` bars with fills, and the
    /// first such bar's timestamp: nothing traded there, so the fill price is a quote no trade
    /// confirmed. 0 (and nil) for a series without volume data.
    public var fillBarsWithoutVolume: Int
    public var fillBars: Int
    public var firstFillWithoutVolumeAt: String?
    /// The bars at the start whose volume is 0, when 20 or more, their close moving on at least
    /// half of them, are followed by volumes: data that did not report volume yet (an index's early
    /// years), not bars where nothing traded (a halt's price sits still).
    /// Their fills are counted in neither `fillBarsWithoutVolume` nor the capacity. 0 otherwise.
    public var unreportedVolumeBars: Int
    /// The last of those bars' timestamp.
    public var unreportedVolumeThrough: String?
    /// Trades whose stop and target were both inside the exit bar (the stop was taken).
    public var ambiguousExits: Int
    /// Orders the broker cut down or refused for lack of cash.
    public var reducedOrders: Int
    public var rejectedOrders: Int
}

extension BacktestStatistics {
    /// Computes every statistic of a backtest result.
    ///
    /// - Parameter riskFreeRate: Annual risk-free rate, as a fraction (0 by default).
    public init(_ result: BacktestResult, riskFreeRate rf: Double = 0) {
        let series = result.series
        let n = series.count
        let equity = result.equity
        let close = series.close
        let timestamps = series.timestamps
        func time(_ k: Int) -> Double { Double(timestamps[k].secondsSinceEpoch) }
        let closed = result.trades.filter { $0.exitBar != nil }
        let initial = result.configuration.initialCash
        let resolution = Self.resolutionSeconds(spacing: series.typicalSpacingSeconds)
        func roundedDays(_ seconds: Double) -> Double {
            seconds.isFinite ? (seconds / resolution).rounded(.up) * resolution / 86_400 : .nan
        }

        let iso = series.timestampFormat
        start = iso(series.timestamps[0])
        end = iso(series.timestamps[n - 1])
        durationDays = (time(n - 1) - time(0)) / 86_400

        // Bars with a position: each closed trade from its entry bar to its exit bar, inclusive.
        var exposed = [Bool](repeating: false, count: n)
        for trade in closed { for k in trade.entryBar...trade.exitBar! { exposed[k] = true } }
        exposureTimePercent = 100 * Double(exposed.reduce(0) { $0 + ($1 ? 1 : 0) }) / Double(n)
        equityFinal = equity[n - 1]
        equityPeak = equity.max()!
        commissions = closed.reduce(0) { $0 + $1.commissions }
        returnPercent = (equityFinal - initial) / initial * 100
        let base = close[min(max(result.warmUp, 0), n - 1)]
        buyAndHoldReturnPercent = (close[n - 1] - base) / base * 100

        // Period returns: of the last equity of each calendar week, month or year for weekly,
        // monthly or yearly bars, else of each calendar day (bar to bar for daily bars).
        let period = Self.returnPeriod(series)
        let periodEnds = (0..<n).filter { k in k == n - 1 || period.bin(timestamps[k + 1]) != period.bin(timestamps[k]) }
        // 0/0 (equity at zero after an account ran out of money) is no return: dropped, as
        // pandas' pct_change().dropna() does.
        var returns: [Double] = []
        returns.reserveCapacity(periodEnds.count)
        for (end, start) in zip(periodEnds.dropFirst(), periodEnds) {
            let r = equity[end] / equity[start] - 1
            if !r.isNaN { returns.append(r) }
        }
        let periods: Double = result.configuration.periodsPerYear ?? period.perYear
        periodsPerYear = periods
        observedPeriodsPerYear = durationDays >= 90 ? Double(periodEnds.count - 1) / (durationDays / 365.25) : nil
        let g = Self.geometricMean(returns)
        let annual = pow(1 + g, periods) - 1
        returnAnnualizedPercent = annual * 100
        let variance = Self.variance(returns)
        volatilityAnnualizedPercent = (pow(variance + (1 + g) * (1 + g), periods) - pow(1 + g, 2 * periods)).squareRoot() * 100
        let simpleVolatility = (variance * periods).squareRoot()
        simpleVolatilityAnnualizedPercent = simpleVolatility * 100
        let meanReturn = returns.isEmpty ? Double.nan : returns.reduce(0, +) / Double(returns.count)
        simpleSharpeRatio = simpleVolatility > 0 ? (meanReturn * periods - rf) / simpleVolatility : .nan
        let years = durationDays / 365.25
        cagrPercent = years > 0 ? (pow(equityFinal / initial, 1 / years) - 1) * 100 : .nan
        sharpeRatio = volatilityAnnualizedPercent != 0 ? (returnAnnualizedPercent - rf * 100) / volatilityAnnualizedPercent : .nan
        // Log returns per bar, for the market comparison below and, when every bar is a period of
        // its own (daily bars), for the probabilistic Sharpe ratios too.
        let equityLog = zip(equity.dropFirst(), equity).map { log($0 / $1) }
        let marketLog = zip(close.dropFirst(), close).map { log($0 / $1) }
        // Is that Sharpe ratio more than luck, and more than holding the market? Log returns of the
        // strategy and of buy-and-hold over the same calendar periods, from the bar the strategy
        // could first act (idle warm-up periods would pull its ratio toward zero), so that the
        // sign agrees with the geometric Sharpe ratio above. An account that ran out of money has
        // no chance of either.
        let first = min(max(result.warmUp, 0), n - 1)
        // The period ends after the first bar (periodEnds ascends).
        let later = periodEnds[(periodEnds.firstIndex { $0 > first } ?? periodEnds.count)...]
        if !(equity[first] > 0) || later.contains(where: { !(equity[$0] > 0) }) {
            (probabilisticSharpePercent, probabilisticSharpeOverBuyAndHoldPercent) = (0, 0)
        } else {
            // Period k runs from ends[k] to ends[k + 1]; when those are consecutive bars, its log
            // return is the bar's own, already taken.
            let everyBar = later.count == n - 1 - first
            let ends = everyBar ? [] : [first] + later
            let strategyLog = everyBar ? equityLog[first...] : zip(ends.dropFirst(), ends).map { log(equity[$0] / equity[$1]) }[...]
            let periodMarketLog = everyBar ? marketLog[first...] : zip(ends.dropFirst(), ends).map { log(close[$0] / close[$1]) }[...]
            let strategy = ReturnMoments(strategyLog)
            probabilisticSharpePercent = strategy.probabilisticSharpe(over: 0) * 100
            probabilisticSharpeOverBuyAndHoldPercent = strategy.probabilisticSharpe(over: ReturnMoments(periodMarketLog).sharpe) * 100
        }
        let downside = returns.isEmpty ? Double.nan : (returns.reduce(0) { $0 + min($1, 0) * min($1, 0) } / Double(returns.count)).squareRoot()
        sortinoRatio = (annual - rf) / (downside * periods.squareRoot())

        // Drawdowns.
        let drawdown = result.drawdown
        let maxDrawdown = drawdown.max() ?? 0
        calmarRatio = maxDrawdown != 0 ? annual / maxDrawdown : .nan
        maxDrawdownPercent = -maxDrawdown * 100
        var zeros = drawdown.indices.filter { drawdown[$0] == 0 }
        if zeros.last != n - 1 { zeros.append(n - 1) }
        var episodeDurations: [Double] = [], episodePeaks: [Double] = []
        for (previous, current) in zip(zeros, zeros.dropFirst()) where current > previous + 1 {
            episodeDurations.append(time(current) - time(previous))
            episodePeaks.append(drawdown[previous...current].max()!)
        }
        // No episode (a drawdown on the last bar only): backtesting.py then averages the non-zero
        // drawdowns themselves; its durations come out as that same number, which is no duration.
        let nonZero = episodePeaks.isEmpty ? drawdown.filter { $0 > 0 } : episodePeaks
        averageDrawdownPercent = nonZero.isEmpty ? .nan : -nonZero.reduce(0, +) / Double(nonZero.count) * 100
        maxDrawdownDurationDays = roundedDays(episodeDurations.max() ?? .nan)
        averageDrawdownDurationDays = roundedDays(episodeDurations.isEmpty ? .nan : episodeDurations.reduce(0, +) / Double(episodeDurations.count))

        // Against the market: log returns per bar, ddof 1.
        beta = equityLog.count > 1 ? Self.covariance(equityLog, marketLog) / Self.variance(marketLog) : .nan
        alphaPercent = returnPercent - rf * 100 - beta * (buyAndHoldReturnPercent - rf * 100)

        // Trades (closed ones, as backtesting.py counts them).
        tradeCount = closed.count
        let profits = closed.map { $0.profit() }
        let returnsPerTrade = closed.map { $0.returnFraction() }
        let durations = closed.map { time($0.exitBar!) - time($0.entryBar) }
        let wins = profits.filter { $0 > 0 }, losses = profits.filter { $0 < 0 }
        let winRate = closed.isEmpty ? Double.nan : Double(wins.count) / Double(closed.count)
        winRatePercent = winRate * 100
        bestTradePercent = (returnsPerTrade.max() ?? .nan) * 100
        worstTradePercent = (returnsPerTrade.min() ?? .nan) * 100
        averageTradePercent = closed.isEmpty ? .nan : Self.geometricMean(returnsPerTrade) * 100
        maxTradeDurationDays = roundedDays(durations.max() ?? .nan)
        averageTradeDurationDays = roundedDays(durations.isEmpty ? .nan : durations.reduce(0, +) / Double(durations.count))
        let gains = returnsPerTrade.filter { $0 > 0 }.reduce(0, +), drops = abs(returnsPerTrade.filter { $0 < 0 }.reduce(0, +))
        profitFactor = drops != 0 ? gains / drops : .nan
        expectancyPercent = closed.isEmpty ? .nan : returnsPerTrade.reduce(0, +) / Double(closed.count) * 100
        let profitDeviation = Self.variance(profits).squareRoot()
        sqn = profitDeviation != 0 && !profits.isEmpty
            ? Double(closed.count).squareRoot() * (profits.reduce(0, +) / Double(profits.count)) / profitDeviation : .nan
        let averageWin = wins.isEmpty ? Double.nan : wins.reduce(0, +) / Double(wins.count)
        let averageLoss = losses.isEmpty ? Double.nan : -losses.reduce(0, +) / Double(losses.count)
        kellyCriterion = winRate - (1 - winRate) / (averageWin / averageLoss)

        // Capacity: units traded per bar against the bar's volume.
        var traded = [Double](repeating: 0, count: n)
        for trade in result.trades {
            traded[trade.entryBar] += abs(trade.size)
            if let exit = trade.exitBar { traded[exit] += abs(trade.size) }
        }
        var busiest: (share: Double, bar: Int)?
        // Bars, not trade records: a partial close splits one fill into several records.
        let filled = (0..<n).filter { traded[$0] > 0 }
        fillBars = filled.count
        (fillBarsWithoutVolume, firstFillWithoutVolumeAt, unreportedVolumeBars, unreportedVolumeThrough) = (0, nil, 0, nil)
        // A series whose volume is zero throughout has no volume data (an FX export's real-volume
        // column): nothing to measure capacity against. Nor have its first bars when 20 or more
        // at the start are zero (volume not reported yet).
        if let volume = series.volume, let reported = volume.firstIndex(where: { $0 > 0 }) {
            // Only while the price moves on at least half of those bars: a halt's flat price has no trades.
            let unreported = reported >= 20 && 2 * (1..<reported).count { series.close[$0] != series.close[$0 - 1] } >= reported - 1
            if unreported { (unreportedVolumeBars, unreportedVolumeThrough) = (reported, iso(series.timestamps[reported - 1])) }
            let start = unreported ? reported : 0
            let without = filled.filter { $0 >= start && volume[$0] == 0 }
            fillBarsWithoutVolume = without.count
            firstFillWithoutVolumeAt = without.first.map { iso(series.timestamps[$0]) }
            for k in filled where volume[k] > 0 {
                let share = traded[k] / volume[k]
                if share > (busiest?.share ?? -1) { busiest = (share, k) }
            }
        }
        maxVolumeSharePercent = busiest.map { $0.share * 100 } ?? .nan
        maxVolumeShareAt = busiest.map { iso(series.timestamps[$0.bar]) }
        ambiguousExits = result.trades.filter(\.ambiguousExit).count
        reducedOrders = result.events.filter { $0.kind == .reduced }.count
        rejectedOrders = result.events.filter { $0.kind == .rejected }.count
    }

    /// The period returns are taken over, and how many make a year, as backtesting.py chooses
    /// them: from the median of the 99 spacings between the last 100 bars in whole days (pandas'
    /// `index[-100:].diff().median()`), 7 → weeks (52 a year), 31 → months (12), 365 → years (1);
    /// bars one, two, three, six or twelve calendar months apart (see
    /// ``BarFrequency/monthsPerBar``) → their own months, 12, 6, 4, 2 or 1 a year, and 14 or 21
    /// days → their own weeks, 26 or 17⅓ a year (Sibyl's, where backtesting.py counts days: monthly
    /// bars on each month's last trading day have a median of 30 days in one window in six, and
    /// yearly ones 364, which it annualizes at 252); otherwise calendar days, 365 a year when
    /// weekend bars are more than 60% of their calendar share (2/7), else 252.
    static func returnPeriod(_ series: BarSeries) -> ReturnPeriod {
        let recent = series.timestamps.suffix(100).map(\.secondsSinceEpoch)
        let spacings = zip(recent.dropFirst(), recent).map { $0 - $1 }.sorted()
        var days = -1
        if !spacings.isEmpty {
            // pandas' median of an even count is the mean of the middle two; .days floors.
            let middle = spacings.count / 2
            let median = spacings.count % 2 == 1 ? Double(spacings[middle]) : Double(spacings[middle - 1] + spacings[middle]) / 2
            days = Int((median / 86_400).rounded(.down))
        }
        // Only bars four weeks apart or more can be months apart: the frequency sorts every spacing.
        let months = days >= 27 ? series.frequency.monthsPerBar : nil
        switch days {
        case 7: return ReturnPeriod(kind: .week, perYear: 52)
        case 31: return ReturnPeriod(kind: .month, perYear: 12)
        case 365: return ReturnPeriod(kind: .year, perYear: 1)
        // Quarterly and half-yearly bars are periods of their own, 4 or 2 a year; backtesting.py
        // takes them as days (252 a year), which annualizes a quarter's return 63 times over.
        case 27... where [1, 2, 3, 6].contains(months ?? 0):
            return ReturnPeriod(kind: .month, perYear: 12 / Double(months!))
        case 27... where months == 12: return ReturnPeriod(kind: .year, perYear: 1)
        // Bars two to three weeks apart likewise: each its own period, 26 or 17⅓ a year.
        case 14, 21: return ReturnPeriod(kind: .week, perYear: 52 / Double(days / 7))
        default:
            let weekend = Double(series.timestamps.reduce(0) { $0 + ($1.weekday >= 6 ? 1 : 0) }) / Double(series.count)
            return ReturnPeriod(kind: .day, perYear: weekend > 2.0 / 7.0 * 0.6 ? 365 : 252)
        }
    }

    struct ReturnPeriod {
        enum Kind { case day, week, month, year }
        let kind: Kind
        let perYear: Double

        /// The calendar bin of a timestamp: its day, its week (Monday to Sunday), month or year.
        func bin(_ timestamp: Timestamp) -> Int {
            switch kind {
            case .day: return timestamp.daysSinceEpoch
            case .week: return (timestamp.daysSinceEpoch - 4 - (timestamp.weekday - 1)) / 7  // its Monday, in weeks from 1970-01-05
            case .month: let (year, month, _) = timestamp.date; return year * 12 + month
            case .year: return timestamp.date.year
            }
        }
    }

    /// The unit durations are rounded up to: the largest of day, hour, minute, second that
    /// divides the bars' typical spacing.
    static func resolutionSeconds(spacing: Int64) -> Double {
        for unit: Int64 in [86_400, 3600, 60] where spacing % unit == 0 { return Double(unit) }
        return 1
    }

    /// The moments of a list of period returns that the probabilistic Sharpe ratio needs, from
    /// two passes over them.
    struct ReturnMoments {
        let count: Int
        /// mean / standard deviation (ddof 1); NaN for fewer than two returns or no spread.
        let sharpe: Double
        /// Skewness γ₃ and kurtosis γ₄ (population moments; 3 for a normal distribution).
        let skewness: Double
        let kurtosis: Double

        init(_ returns: ArraySlice<Double>) {
            count = returns.count
            let n = Double(count)
            let mean = returns.reduce(0, +) / n
            var (m2, m3, m4) = (0.0, 0.0, 0.0)
            for r in returns {
                let d = r - mean, d2 = d * d
                m2 += d2
                m3 += d2 * d
                m4 += d2 * d2
            }
            let deviation = (m2 / (n - 1)).squareRoot()
            sharpe = count >= 2 && deviation > 0 ? mean / deviation : .nan
            (m2, m3, m4) = (m2 / n, m3 / n, m4 / n)
            skewness = m3 / pow(m2, 1.5)
            kurtosis = m4 / (m2 * m2)
        }

        /// PSR(SR*) = Φ((SR − SR*)·√(n − 1) / √(1 − γ₃·SR + (γ₄ − 1)/4·SR²)) for the per-period
        /// Sharpe ratio SR of the n returns; NaN for fewer than three returns, no spread, or a
        /// variance term that is not positive.
        func probabilisticSharpe(over benchmark: Double) -> Double {
            guard count >= 3, sharpe.isFinite, benchmark.isFinite else { return .nan }
            let spread = 1 - skewness * sharpe + (kurtosis - 1) / 4 * sharpe * sharpe
            guard spread > 0 else { return .nan }
            let z = (sharpe - benchmark) * (Double(count) - 1).squareRoot() / spread.squareRoot()
            return 0.5 * erfc(-z / 2.0.squareRoot())
        }
    }

    /// exp(mean log(1 + x)) − 1; 0 when some 1 + x ≤ 0 (backtesting.py's convention).
    static func geometricMean(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        if values.contains(where: { 1 + $0 <= 0 }) { return 0 }
        return exp(values.reduce(0) { $0 + log(1 + $1) } / Double(values.count)) - 1
    }

    /// Sample variance (ddof 1), two-pass.
    static func variance(_ values: [Double]) -> Double {
        guard values.count > 1 else { return .nan }
        let mean = values.reduce(0, +) / Double(values.count)
        return values.reduce(0) { $0 + (mean - $1) * (mean - $1) } / Double(values.count - 1)
    }

    /// Sample covariance (ddof 1).
    static func covariance(_ x: [Double], _ y: [Double]) -> Double {
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        return zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / Double(x.count - 1)
    }
}

extension BacktestStatistics {
    /// The statistics as (label, formatted value) rows, backtesting.py's names, for tables.
    public var displayRows: [(label: String, value: String)] {
        // Negative zero (a drawdown of −0.0) and values that round to zero print as 0; values of
        // 10^12 and more (a share of a bar's volume where prices run to 1e-200) in scientific
        // notation rather than as hundreds of digits.
        func n(_ v: Double, _ digits: Int = 2) -> String {
            guard v.isFinite else { return "–" }
            if abs(v) >= 1e12 { return String(format: "%.4e", v) }
            let text = String(format: "%.\(digits)f", v)
            return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
        }
        // Durations in whole days, or to the hundredth below ten days (an hourly trade of 11 hours
        // is 0.46, not 0).
        func days(_ v: Double) -> String { n(v, abs(v) < 10 ? 2 : 0) }
        // An account that ran out of money has no geometric mean return: backtesting.py's 0 for
        // these would read as a flat account.
        let broke = !(equityFinal > 0)
        func ratio(_ v: Double, _ digits: Int = 3) -> String { broke ? "–" : n(v, digits) }
        return [
            ("Return [%]", n(returnPercent)), ("Buy & Hold Return [%]", n(buyAndHoldReturnPercent)),
            ("Return (Ann.) [%]", ratio(returnAnnualizedPercent, 2)), ("Volatility (Ann.) [%]", ratio(volatilityAnnualizedPercent, 2)),
            ("CAGR [%]", n(cagrPercent)), ("Sharpe Ratio", ratio(sharpeRatio)),
            ("P(Sharpe > 0) [%]", n(probabilisticSharpePercent, 1)), ("P(Sharpe > B&H's measured) [%]", n(probabilisticSharpeOverBuyAndHoldPercent, 1)),
            ("Sortino Ratio", ratio(sortinoRatio)),
            ("Calmar Ratio", ratio(calmarRatio)), ("Alpha [%]", n(alphaPercent)), ("Beta", n(beta, 3)),
            ("Max. Drawdown [%]", n(maxDrawdownPercent)), ("Avg. Drawdown [%]", n(averageDrawdownPercent)),
            ("Max. Drawdown Duration [days]", days(maxDrawdownDurationDays)),
            ("Avg. Drawdown Duration [days]", days(averageDrawdownDurationDays)), ("Exposure Time [%]", n(exposureTimePercent)),
            ("Equity Final", n(equityFinal)), ("Equity Peak", n(equityPeak)), ("Commissions", n(commissions)),
            ("# Trades", "\(tradeCount)"), ("Win Rate [%]", n(winRatePercent)), ("Best Trade [%]", n(bestTradePercent)),
            ("Worst Trade [%]", n(worstTradePercent)), ("Avg. Trade [%]", n(averageTradePercent, 3)),
            ("Max. Trade Duration [days]", days(maxTradeDurationDays)), ("Avg. Trade Duration [days]", days(averageTradeDurationDays)), ("Profit Factor", n(profitFactor, 3)),
            ("Expectancy [%]", n(expectancyPercent, 3)), ("SQN", n(sqn, 3)), ("Kelly Criterion", n(kellyCriterion, 3)),
            ("Max. Volume Share [%]", maxVolumeSharePercent.isFinite && maxVolumeSharePercent < 0.01 ? "<0.01" : n(maxVolumeSharePercent)),
            ("Ambiguous exits", "\(ambiguousExits)"), ("Reduced / rejected orders", "\(reducedOrders) / \(rejectedOrders)"),
        ]
    }
}
