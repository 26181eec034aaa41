import ArgumentParser
import Foundation
import SibylBacktest
import SibylData
import SibylForecasting

struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Backtest a strategy on market data: trades, equity, statistics, an HTML report.",
        discussion: """
            Strategies see bars one at a time and cannot look ahead; market orders fill at the next \
            bar's open unless --fill same-close asks for the (optimistic) close of the signal bar. \
            Statistics follow backtesting.py's definitions (Docs/Metrics.md). --reverse runs the SMA \
            crossover as backtesting.py's SmaCross example: close and reverse on every cross, whole \
            units, all equity. --strategy forecast walks forward: it retrains every --retrain-every \
            bars on past bars only and trades each forecast.
            """
    )

    enum StrategyName: String, ExpressibleByArgument, CaseIterable {
        case buyAndHold = "buy-and-hold"
        case smaCross = "sma-cross"
        case zscore
        case forecast
    }

    enum SizingName: String, ExpressibleByArgument, CaseIterable {
        case full, confidence
        case volatilityTarget = "vol-target"
    }

    @OptionGroup var dataOptions: DataOptions

    @Option(name: .long, help: "Strategy: buy-and-hold, sma-cross, zscore or forecast.")
    var strategy: StrategyName = .smaCross

    @Option(name: .long, parsing: .unconditional, help: "SMA crossover: fast window.")
    var fast: Int = 10

    @Option(name: .long, parsing: .unconditional, help: "SMA crossover: slow window.")
    var slow: Int = 30

    @Flag(name: .long, help: "SMA crossover: close and reverse on every cross with whole units and all equity (backtesting.py's SmaCross settings).")
    var reverse = false

    @Option(name: .long, parsing: .unconditional, help: "Z-score reversion: window of closes (at least 2).")
    var zWindow: Int = 20

    @Option(name: .long, parsing: .unconditional, help: "Z-score reversion: enter beyond this many standard deviations (long below −z, short above z; flat there with --long-only); above --z-exit.")
    var zEntry: Double = 2

    @Option(name: .long, parsing: .unconditional, help: "Z-score reversion: go flat within this many standard deviations (0 or more).")
    var zExit: Double = 0.5

    @Option(name: .long, parsing: .unconditional, help: "Starting cash.")
    var cash: Double = 10_000

    @Option(name: .long, parsing: .unconditional, help: "Commission as a fraction of traded value (0.001 = 0.1%), below 0.5.")
    var commission: Double = 0

    @Option(name: .long, parsing: .unconditional, help: "Fixed commission per order (a reversal is two orders).")
    var commissionPerOrder: Double = 0

    @Option(name: .long, parsing: .unconditional, help: "Commission per unit traded.")
    var commissionPerUnit: Double = 0

    @Option(name: .long, parsing: .unconditional, help: "Least commission per order.")
    var minimumCommission: Double = 0

    @Option(name: .long, parsing: .unconditional, help: "Bid-ask spread in basis points (half paid on each side); half of it plus the slippage stays below 10000.")
    var spreadBps: Double = 0

    @Option(name: .long, parsing: .unconditional, help: "Slippage in basis points, against every fill.")
    var slippageBps: Double = 0

    @Option(name: .long, help: "When market orders fill: next-open (default) or same-close (optimistic, labelled).")
    var fill: FillTiming = .nextOpen

    @Flag(name: .long, help: "Trade whole units only (rounded down).")
    var wholeUnits = false

    @Flag(name: .long, help: "Allow no short positions.")
    var longOnly = false

    @Flag(name: .long, help: "Close a position still open at the last bar at its close (otherwise it stays open, valued at the last close).")
    var closeAtEnd = false

    @Option(name: .long, parsing: .unconditional, help: "Stop-loss on every entry, as a fraction in (0, 1) of its fill price, spread and slippage included (0.05 = 5%).")
    var stopLoss: Double?

    @Option(name: .long, parsing: .unconditional, help: "Take-profit on every entry, as a fraction of its fill price above 0 and at most 100, spread and slippage included (1 = +100%; a short's target of 1 or more is never reached).")
    var takeProfit: Double?

    @Option(name: .long, parsing: .unconditional, help: "Trailing stop on every entry, as a fraction in (0, 1) below the best high since the fill (above the best low for a short), starting from the fill price.")
    var trailingStop: Double?

    @Option(name: .long, parsing: .unconditional, help: "Periods per year for annualized statistics (bars for daily and slower data, days for intraday data); from the data when omitted.")
    var periodsPerYear: Double?

    @Option(name: .long, parsing: .unconditional, help: "Forecast strategy: trade when the forecast log return exceeds this (in absolute value); for a --target direction model, the signal is (2·P(up) − 1) times the mean absolute log return over the fold's training span.")
    var threshold: Double = 0

    @Option(name: .long, help: "Forecast strategy sizing: full, confidence (|forecast| / twice the mean |forecast| so far, at most 1) or vol-target (target / the last \(Self.volatilityLookback) bars' annualized volatility, at most 1: never leveraged). A held position is resized when its target moves by more than 5% of equity from the last one ordered; entries, exits and reversals always trade. After a stop or target closes part of it, the rest is held, not topped up (and cut if the sizing asks for less), until the forecast's direction changes.")
    var sizing: SizingName = .full

    @Option(name: .long, parsing: .unconditional, help: "Forecast strategy: annual volatility target for --sizing vol-target.")
    var targetVolatility: Double = 0.15

    @Option(name: .long, parsing: .unconditional,
            help: "Forecast strategy: retrain every this many bars (default: 250, or more on long series, so that the walk-forward makes at most 20 folds).")
    var retrainEvery: Int?

    @Option(name: .long, parsing: .unconditional, help: "Forecast strategy: train on this many bars before each fold (expanding window when omitted).")
    var trailingWindow: Int?

    @Option(name: .long, parsing: .unconditional, help: "Forecast strategy: the first bar to forecast (40% into the data when omitted, or the fewest bars a fold can train on if later).")
    var firstForecastBar: Int?

    @OptionGroup(title: "Forecast model") var trainingOptions: TrainingOptions

    @Option(name: .long, help: ArgumentHelp("Write the trades as CSV.", valueName: "file"))
    var trades: String?

    @Option(name: .long, help: ArgumentHelp("Write the equity curve as CSV.", valueName: "file"))
    var equity: String?

    @Option(name: .long, help: ArgumentHelp("Write a self-contained HTML report.", valueName: "file"))
    var report: String?

    @Flag(name: .long, help: "Print one JSON document (statistics keys as in Docs/Metrics.md).")
    var json = false

    func validate() throws {
        if strategy == .smaCross {
            guard fast >= 1 else { throw ValidationError("--fast must be at least 1; got \(fast)") }
            guard slow > fast else { throw ValidationError("--slow must be greater than --fast; got --slow \(slow) and --fast \(fast)") }
        }
        // Windows are numbers of bars, bounded as --retrain-every is (the bars a first trade needs
        // are counted past them).
        for (option, value, applies) in [("--slow", slow, strategy == .smaCross), ("--z-window", zWindow, strategy == .zscore)]
        where applies && value > 10_000_000 {
            throw ValidationError("\(option) is a number of bars, at most 10000000; got \(value)")
        }
        // Past these bounds the account's arithmetic leaves double precision (equity sums overflow
        // near 1e308, subnormal cash loses digits), so the statistics would be wrong, not just odd.
        guard cash >= 0.01, cash <= 1e15 else {
            throw ValidationError("--cash is an amount from 0.01 to 1e15, for example 10000; got \(cash)")
        }
        for (option, value) in [("--commission", commission), ("--commission-per-order", commissionPerOrder), ("--commission-per-unit", commissionPerUnit),
                                ("--minimum-commission", minimumCommission), ("--spread-bps", spreadBps), ("--slippage-bps", slippageBps)]
        where !(value >= 0 && value.isFinite) {
            throw ValidationError("\(option) must be a finite number, 0 or more; got \(value)")
        }
        guard commission < 0.5 else {
            throw ValidationError("--commission is a fraction of traded value below 0.5 (0.001 means 0.1%); got \(commission), which would take "
                                  + (commission >= 1 ? "all of every trade and more" : "\(String(format: "%g", commission * 100))% of every trade"))
        }
        guard spreadBps / 2 + slippageBps < 10_000 else {
            throw ValidationError("--spread-bps and --slippage-bps are in basis points (10 means 0.1%), and half the spread plus the slippage, the cost of each fill, must stay below 10000 (100%) or a sale would pay nothing; got --spread-bps \(String(format: "%g", spreadBps)) and --slippage-bps \(String(format: "%g", slippageBps)), a cost of \(String(format: "%g", spreadBps / 2 + slippageBps)) a fill")
        }
        if let periodsPerYear, !(periodsPerYear >= 0.01 && periodsPerYear <= 1e8) {
            throw ValidationError("--periods-per-year is a number from 0.01 to 1e8 (one-second bars make 3.2e7), for example 252; got \(periodsPerYear)")
        }
        guard threshold >= 0, threshold.isFinite else { throw ValidationError("--threshold is an absolute log return, 0 or more, for example 0.001") }
        guard targetVolatility > 0, targetVolatility.isFinite else {
            throw ValidationError("--target-volatility is an annual volatility above 0, for example 0.15")
        }
        if let trailingWindow, trailingWindow < 2 { throw ValidationError("--trailing-window must be at least 2 bars") }
        if let firstForecastBar, firstForecastBar < 1 { throw ValidationError("--first-forecast-bar must be at least 1") }
        if reverse && longOnly {
            throw ValidationError("--reverse goes short on every cross down (backtesting.py's SmaCross); for a long-only cross leave out --reverse")
        }
        for (name, value) in [("--stop-loss", stopLoss), ("--trailing-stop", trailingStop)] {
            if let value, !(value > 0 && value < 1) { throw ValidationError("\(name) is a fraction in (0, 1), for example 0.05; got \(value)") }
        }
        if let takeProfit, !(takeProfit > 0 && takeProfit <= 100) {
            throw ValidationError("--take-profit is a fraction above 0 and at most 100, for example 0.1 (1 is a gain of 100%); got \(takeProfit)")
        }
        if strategy == .zscore, zWindow >= 2, zEntry.isFinite, Double(zWindow - 1) / Double(zWindow).squareRoot() <= zEntry {
            // A close's z-score within a window that holds it (ddof 1) is at most (W − 1)/√W, which
            // passes z once √W > (z + √(z² + 4))/2.
            let root = (zEntry + (zEntry * zEntry + 4).squareRoot()) / 2
            var enough: Int?
            if root * root < 1e9 {
                var window = max(2, Int((root * root).rounded(.down)))
                while Double(window - 1) / Double(window).squareRoot() <= zEntry { window += 1 }
                enough = window
            }
            throw ValidationError("--z-window \(zWindow) holds each close's z-score within ±\(String(format: "%.3g", Double(zWindow - 1) / Double(zWindow).squareRoot())) ((W − 1)/√W), never past --z-entry \(zEntry), so the strategy could never trade; "
                                  + (enough.map { "use a --z-window of \($0) or more, or a lower --z-entry" } ?? "use a lower --z-entry (a z-score past it needs a window of about its square in bars)"))
        }
        if strategy == .zscore, !(zWindow >= 2 && zEntry > zExit && zExit >= 0 && zEntry.isFinite) {
            throw ValidationError("--z-window must be at least 2 and --z-entry (finite) greater than --z-exit ≥ 0; got --z-window \(zWindow), --z-entry \(zEntry) and --z-exit \(zExit)")
        }
        if let retrainEvery, !(1...10_000_000).contains(retrainEvery) {
            throw ValidationError("--retrain-every is a number of bars from 1 to 10000000; got \(retrainEvery)")
        }
        if reverse && strategy != .smaCross { throw ValidationError("--reverse applies to --strategy sma-cross") }
        if trainingOptions.test != nil {
            throw ValidationError("--test has no effect in a backtest: the walk-forward forecasts every bar after its first fold out of sample (see --first-forecast-bar); leave --test out")
        }
    }

    /// Options set away from their defaults that the chosen strategy does not read.
    var unusedOptions: [String] {
        guard let defaults = try? Self.parse([]) else { return [] }
        var unused: [String] = []
        if strategy != .smaCross {
            if fast != defaults.fast { unused.append("--fast") }
            if slow != defaults.slow { unused.append("--slow") }
        }
        if strategy != .zscore {
            if zWindow != defaults.zWindow { unused.append("--z-window") }
            if zEntry != defaults.zEntry { unused.append("--z-entry") }
            if zExit != defaults.zExit { unused.append("--z-exit") }
        }
        // --target-volatility sizes only --sizing vol-target (a note of its own for the forecast strategy).
        if strategy != .forecast && targetVolatility != defaults.targetVolatility { unused.append("--target-volatility") }
        if strategy != .forecast {
            if threshold != defaults.threshold { unused.append("--threshold") }
            if sizing != defaults.sizing { unused.append("--sizing") }
            if retrainEvery != nil { unused.append("--retrain-every") }
            if trailingWindow != nil { unused.append("--trailing-window") }
            if firstForecastBar != nil { unused.append("--first-forecast-bar") }
            unused += trainingOptions.givenOptions()
        }
        return unused
    }

    var backtestConfiguration: BacktestConfiguration {
        if reverse {
            var configuration = BacktestConfiguration.backtestingPy(cash: cash, commission: commission)
            configuration.costs = costs
            configuration.fills = fill
            configuration.periodsPerYear = periodsPerYear
            configuration.closeAtEnd = closeAtEnd
            return configuration
        }
        return BacktestConfiguration(initialCash: cash, costs: costs, fills: fill, wholeUnits: wholeUnits, allowShort: !longOnly,
                                     closeAtEnd: closeAtEnd, periodsPerYear: periodsPerYear)
    }

    var costs: CostModel {
        CostModel(commissionRate: commission, commissionPerOrder: commissionPerOrder, commissionPerUnit: commissionPerUnit,
                  minimumCommission: minimumCommission, spreadBasisPoints: spreadBps, slippageBasisPoints: slippageBps)
    }

    var exits: ExitRules { ExitRules(stopLoss: stopLoss, takeProfit: takeProfit, trailingStop: trailingStop) }

    struct Output: Encodable {
        let data: String
        let strategy: String
        let fills: String
        let statistics: BacktestStatistics
        let trades: Int
        let openTrades: Int
        let events: [Event]
        let walkForward: WalkForwardSummary?
        /// Bars of the data before the run's first bar (a walk-forward's bars before its first
        /// forecast, outside the statistics); 0 for other strategies. Bar numbers in the events,
        /// like the trades CSV's, count the file's bars.
        let historyBars: Int
        /// What the data reading warned about and repaired, as on standard error.
        let warnings: [DataWarning]
        let repairs: [RepairNote]
        /// The notes printed on standard error (options that do not apply, features left out) and
        /// under the text's statistics (how trades are counted, why none was made, …).
        let notes: [String]
    }

    /// A broker event with its bar counted from the series' first (a walk-forward runs from a
    /// later bar).
    struct Event: Encodable {
        let kind: BrokerEvent.Kind
        let bar: Int
        let message: String

        init(_ event: BrokerEvent, barOffset: Int) {
            (kind, bar, message) = (event.kind, event.bar + barOffset, event.message)
        }
    }

    struct WalkForwardSummary: Encodable {
        let folds: [WalkForwardFold]
        let model: ForecastScore?
        let naive: ForecastScore?
        let againstNaive: ErrorComparison?
        let lag: LagDiagnostic?
    }

    func run() throws {
        try reportingErrors(data: dataOptions) {
            if strategy == .forecast { try TrainingOptions.checkSyntax(trainingOptions.features) }
            let dataPath = try dataOptions.path()
            let outputs = try [(trades, "--trades"), (equity, "--equity"), (report, "--report")].compactMap { file, option in
                try file.map { try OutputFile($0, option: option, inputs: [(dataPath, "--data")]) }
            }
            try OutputFile.checkDistinct(outputs)
            // A file written to standard output keeps it to itself: the summary goes to standard error.
            let say = try OutputFile.summaryPrinter(for: outputs, json: json)
            let commandNotes = CommandNotes()
            let unused = unusedOptions
            if !unused.isEmpty {
                commandNotes.add("note: \(unused.joined(separator: ", ")) \(unused.count == 1 ? "does" : "do") not apply to --strategy \(strategy.rawValue) and \(unused.count == 1 ? "is" : "are") ignored")
            }
            for (option, value) in [("--stop-loss", stopLoss), ("--trailing-stop", trailingStop)] {
                // Inside a hundredth of a percent of the fill, the bar's own range reaches it.
                if let value, value < 1e-4 {
                    commandNotes.add("note: \(option) \(String(format: "%g", value)) puts the stop within \(String(format: "%g", value * 100))% of each fill, inside almost any bar's range: most trades will close on the bar they open")
                }
            }
            if commission >= 0.05 {
                // A percentage typed as a fraction (0.49 for 0.49%) is the likelier meaning.
                commandNotes.add("note: --commission \(String(format: "%g", commission)) takes \(String(format: "%g", commission * 100))% of every trade's value; for \(String(format: "%g", commission))% give \(String(format: "%g", commission / 100))")
            }
            if strategy == .forecast, sizing != .volatilityTarget, targetVolatility != (try? Self.parse([]))?.targetVolatility {
                commandNotes.add("note: --target-volatility sizes positions under --sizing vol-target only, and this run sizes by --sizing \(sizing.rawValue): it is ignored")
            }
            let file = try dataOptions.load(notes: commandNotes)
            let series = file.series
            // A window the series cannot fill would give no trade and no benchmark, silently. The
            // bars a first order needs: a crossover is seen one bar after both averages exist
            // (bar slow + 1), a z-score signal on the window's last bar; the order fills a bar later.
            let window: (option: String, bars: Int, needed: Int)? = switch strategy {
            case .smaCross: ("--slow", slow, slow + 2)
            case .zscore: ("--z-window", zWindow, zWindow + 1)
            case .buyAndHold, .forecast: nil
            }
            if let window, window.needed > series.count {
                // The longest window that can trade, if the strategy's other rules allow it.
                let longest = series.count - (window.needed - window.bars)
                let allowed = strategy == .smaCross ? longest > fast : longest >= 2
                throw CommandError("\(window.option) \(window.bars) needs \(window.needed) bars for a first trade, more than the \(series.count) of \(series.name), so the strategy could never trade",
                                   fix: allowed ? "use a \(window.option) of \(longest) or less, or a longer series"
                                       : "use a longer series" + (strategy == .smaCross && longest >= 2 ? " (or a --fast below \(longest) and a --slow of \(longest) or less)" : ""))
            }
            let configuration = backtestConfiguration
            var walk: WalkForwardResult?
            // The first bar of the run (a walk-forward's first decision), when not the series' first.
            var tradedFrom = 0
            let result: BacktestResult
            switch strategy {
            case .buyAndHold:
                var s = BuyAndHold(exits: exits)
                result = backtest(&s, on: series, configuration: configuration)
            case .smaCross:
                var s = SMACross(fast: fast, slow: slow, mode: reverse ? .reverse : .longOnly, exits: exits)
                result = backtest(&s, on: series, configuration: configuration)
            case .zscore:
                var s = ZScoreReversion(window: zWindow, entry: zEntry, exit: zExit, exits: exits)
                result = backtest(&s, on: series, configuration: configuration)
            case .forecast:
                let run = try walkForwardBacktest(series, configuration: configuration, notes: commandNotes)
                (result, walk, tradedFrom) = (run.result, run.walk, run.tradedFrom)
            }
            let statistics = BacktestStatistics(result)
            // The notes under the text's statistics; the report carries them and the data's own caveats.
            let notes = BacktestOutput.notes(result: result, statistics: statistics) + forecastNotes(result: result, walk: walk)
            let history = historyNote(series: series, tradedFrom: tradedFrom, walk: walk)
            let caveats = (history.map { ["statistics \($0)"] } ?? []) + file.repairs.map(\.description) + file.warnings.map(\.description) + notes
            try write(result, statistics: statistics, walk: walk, tradedFrom: tradedFrom, caveats: caveats, to: outputs)
            if json {
                let summary = walk.map { WalkForwardSummary(folds: $0.folds, model: $0.model, naive: $0.naive, againstNaive: $0.againstNaive, lag: $0.lag) }
                print(try JSONOutput.text(Output(
                    data: dataPath, strategy: result.strategy, fills: configuration.fills.rawValue, statistics: statistics,
                    trades: result.trades.filter { $0.exitBar != nil }.count, openTrades: result.trades.filter { $0.exitBar == nil }.count,
                    events: result.events.map { Event($0, barOffset: tradedFrom) }, walkForward: summary, historyBars: tradedFrom,
                    warnings: file.warnings, repairs: file.repairs, notes: commandNotes.lines + notes)))
            } else {
                say(BacktestOutput.text(result: result, statistics: statistics, path: dataPath, history: history, notes: notes))
                if let walk { say(BacktestOutput.walkForward(walk)) }
                for (file, what) in [(trades, "trades"), (equity, "equity curve"), (report, "report")] {
                    if let file { say("wrote the \(what) to \(file)") }
                }
            }
        }
    }

    /// Bars of log returns the volatility target's sizing measures the realized volatility over.
    static let volatilityLookback = 20

    /// The note on a default retraining longer than 250 bars, which the walk-forward over
    /// `forecastBars` chose to keep its folds to ``WalkForwardSettings/defaultMaximumFolds``.
    static func retrainNote(every: Int, forecastBars: Int) -> String? {
        guard every > 250 else { return nil }
        return "note: retraining every \(every) bars, so that the walk-forward over \(forecastBars) bars makes at most \(WalkForwardSettings.defaultMaximumFolds) folds (every 250 would make \((forecastBars + 249) / 250)); --retrain-every sets it"
    }

    /// The forecast strategy's walk-forward: models trained on past bars only, their forecasts
    /// traded from the first one on (the bars before are the history the first fold trained on,
    /// when it could not trade; flat there, they would pull every annualized figure toward zero).
    private func walkForwardBacktest(_ series: BarSeries, configuration: BacktestConfiguration, notes: CommandNotes) throws
        -> (result: BacktestResult, walk: WalkForwardResult, tradedFrom: Int) {
        if let trailingWindow, trailingWindow >= series.count - 2 {
            notes.add("note: --trailing-window \(trailingWindow) covers the \(series.count) bars of \(series.name): every fold trains on all the bars before it, as without the option")
        }
        var progress = TrainingProgress(quiet: json)
        let walkSettings = WalkForwardSettings(retrainEvery: retrainEvery, trailingWindow: trailingWindow, firstForecastBar: firstForecastBar)
        var currentFold = 0
        let walk = try ForecastModel.walkForward(series, settings: try trainingOptions.settings(for: series, notes: notes), walk: walkSettings) { fold, folds, event in
            if fold != currentFold {
                currentFold = fold
                progress.begin("fold \(fold)/\(folds): training")
            }
            progress.handle(event)
        }
        progress.finish()
        if retrainEvery == nil, let start = walk.folds.first?.forecastStart,
           let note = Self.retrainNote(every: walk.retrainEvery, forecastBars: series.count - start) {
            notes.add(note)
        }
        let forecasts = walk.forecastLogReturns
        // No forecast at all: the whole series.
        let first = forecasts.firstIndex { !$0.isNaN } ?? 0
        let sizingRule: ForecastThreshold.Sizing = switch sizing {
        case .full: .full
        case .confidence: .confidence
        // Bars a year from the bars up to the first decision only: later bars are the future.
        case .volatilityTarget:
            .volatilityTarget(annual: targetVolatility, lookback: Self.volatilityLookback, barsPerYear: series[0..<(first + 1)].frequency.barsPerYear)
        }
        var strategy = ForecastThreshold(forecasts: Array(forecasts[first...]), threshold: threshold, sizing: sizingRule, exits: exits,
                                         priorCloses: Array(series.close[..<first]))
        return (backtest(&strategy, on: series[first..<series.count], configuration: configuration), walk, first)
    }

    /// The forecast strategy's caveats beyond the statistics: how rebalancing sizing counts trades,
    /// and a run without a trade because no forecast reached the threshold in a direction the
    /// strategy may take (said, with the largest, rather than left as an empty table).
    private func forecastNotes(result: BacktestResult, walk: WalkForwardResult?) -> [String] {
        guard strategy == .forecast, let walk else { return [] }
        var notes: [String] = []
        if sizing != .full {
            notes.append("note: sizing that rebalances closes part of a position at each change, and each part counts as a trade: the trade statistics weigh every part alike, whatever its size, as backtesting.py's do; Return, Sharpe and the equity curve weigh them by size")
        }
        let largest = walk.forecastLogReturns.filter(\.isFinite).map { longOnly ? $0 : abs($0) }.max() ?? 0
        if result.trades.isEmpty && !(largest > threshold) {
            notes.append("no trade: no forecast crossed --threshold \(threshold) (the largest\(longOnly ? " upward, long only," : " in absolute value") was \(String(format: "%.3g", largest)))")
        }
        return notes
    }

    /// What comes before a run that starts after the data's first bar: a walk-forward's bars before
    /// its first forecast, of which its first fold trained on some or all.
    private func historyNote(series: BarSeries, tradedFrom: Int, walk: WalkForwardResult?) -> String? {
        guard tradedFrom > 0 else { return nil }
        let trained = walk?.folds.first.map { $0.trainEnd - $0.trainStart } ?? tradedFrom
        let what = trained == tradedFrom ? "the first fold's training history" : "history, the first fold trained on the last \(trained) of them"
        return "from the first forecast on; the \(tradedFrom) bars before, from \(series.timestampFormat(series.timestamps[0])), are \(what)"
    }

    /// Writes the requested files, all or none.
    private func write(_ result: BacktestResult, statistics: BacktestStatistics, walk: WalkForwardResult?, tradedFrom: Int,
                       caveats: [String], to outputs: [OutputFile]) throws {
        // A direction model forecasts no closes: no forecast chart then.
        let forecasts = walk?.forecastCloses.contains { !$0.isNaN } == true ? walk.map { Array($0.forecastCloses[tradedFrom...]) } : nil
        try OutputFile.write(outputs.map { file in
            switch file.option {
            case "--trades": return (file, Data(BacktestCSV.trades(result, barOffset: tradedFrom).utf8))
            case "--equity": return (file, Data(BacktestCSV.equity(result).utf8))
            default:
                // Every setting the run's numbers depend on, so that the report stands on its own.
                var notes = ["cash \(cash)", "commission \(commission)"]
                for (name, value) in [("per order", commissionPerOrder), ("per unit", commissionPerUnit), ("minimum", minimumCommission)] where value > 0 {
                    notes.append("commission \(name) \(value)")
                }
                if reverse { notes.append("backtesting.py SmaCross settings: close and reverse, whole units, all equity") }
                if spreadBps > 0 || slippageBps > 0 { notes.append("spread \(spreadBps) bp, slippage \(slippageBps) bp") }
                for (name, value) in [("stop-loss", stopLoss), ("take-profit", takeProfit), ("trailing stop", trailingStop)] {
                    if let value { notes.append("\(name) \(value)") }
                }
                if wholeUnits && !reverse { notes.append("whole units") }
                if longOnly { notes.append("long only") }
                if closeAtEnd { notes.append("closed at the end") }
                notes.append(BacktestOutput.annualization(result: result, statistics: statistics))
                let sections = walk.map { [(title: "Walk-forward", text: BacktestOutput.walkForward($0))] } ?? []
                return (file, Data(HTMLReport(result: result, statistics: statistics, forecasts: forecasts, notes: notes, sections: sections, warnings: caveats).render().utf8))
            }
        })
    }
}

/// Text output of `sibyl backtest`.
enum BacktestOutput {
    /// - Parameters:
    ///   - history: What precedes the run's first bar, when it starts later than the data.
    ///   - notes: The caveats under the statistics (``notes(result:statistics:)`` and the strategy's own).
    static func text(result: BacktestResult, statistics s: BacktestStatistics, path: String, history: String?, notes: [String]) -> String {
        // Bars whose open, high and low are their close (a file of closes only): say where fills land.
        let nextOpen = result.series.barsHaveNoRange ? "next bar's open, which is its close (every bar's open, high and low are its close; stops and targets fill at closes too)" : "next bar's open"
        var lines = ["\(result.strategy) on \(result.series.name) (\(path)), \(s.start) → \(s.end), \(result.series.count) bars\(history.map { " (\($0))" } ?? "")",
                     "fills: \(result.configuration.fills == .nextOpen ? nextOpen : "same bar's close (OPTIMISTIC: a close cannot be traded once it is known)"); \(annualization(result: result, statistics: s))"]
        let rows = s.displayRows.filter { !["Ambiguous exits", "Reduced / rejected orders"].contains($0.label) }
        let width = rows.map(\.label.count).max()!
        for (name, value) in rows { lines.append("  \(name.padding(toLength: width, withPad: " ", startingAt: 0))  \(value)") }
        lines += notes.map { "  " + $0 }
        return lines.joined(separator: "\n")
    }

    /// "annualized over 252 periods a year", and whether `--periods-per-year` set that.
    static func annualization(result: BacktestResult, statistics s: BacktestStatistics) -> String {
        "annualized over \(String(format: "%g", s.periodsPerYear)) period\(s.periodsPerYear == 1 ? "" : "s") a year\(result.configuration.periodsPerYear != nil ? " (--periods-per-year)" : "")"
    }

    /// What the statistics alone do not say (positions open at the end, exits decided within one
    /// bar, capacity, running out of money, the broker's changes, annualization and volatility
    /// caveats), one line each: under the text's statistics and in the HTML report.
    static func notes(result: BacktestResult, statistics s: BacktestStatistics) -> [String] {
        var lines: [String] = []
        let open = result.trades.filter { $0.exitBar == nil }
        let iso = result.series.timestampFormat
        if !open.isEmpty {
            lines.append("open at the end: \(open.map { "\(String(format: "%.6g", $0.size)) units from \(iso(result.series.timestamps[$0.entryBar]))" }.joined(separator: ", ")) (valued at the last close in the equity; left out of the trade statistics, exposure and commissions, as backtesting.py does: --close-at-end counts them)")
        }
        // A gap of a month or more beyond the series' rhythm (missing data, a suspension): the
        // simulation steps over it as over one bar.
        let frequency = result.series.frequency
        let spacing = Double(frequency.typicalSpacingSeconds)
        // (28 days: a missing February is a month too.)
        let long = result.series.gaps(frequency: frequency).filter { Double($0.seconds) - spacing >= 28 * 86_400 }
        if let longest = long.max(by: { $0.seconds < $1.seconds }) {
            lines.append("note: the series has \(long.count == 1 ? "a gap" : "\(long.count) gaps") of a month or more beyond its rhythm (the longest \(duration(days: Double(longest.seconds) / 86_400)), \(iso(longest.from)) → \(iso(longest.to))): "
                         + "positions are held across \(long.count == 1 ? "it" : "them") as across one bar"
                         + (result.strategy.hasPrefix("forecast") ? ", and a forecast made before one is scored on the bar after it" : ""))
        }
        // The periods a year the returns fall into, leaving out the long gaps' time (which lowers
        // the count without changing the data's rhythm).
        var observedPeriods = s.observedPeriodsPerYear
        if let observed = observedPeriods, !long.isEmpty, let first = result.series.timestamps.first, let last = result.series.timestamps.last {
            let span = Double(last.secondsSinceEpoch - first.secondsSinceEpoch)
            let missing = long.reduce(0.0) { $0 + Double($1.seconds) - spacing }
            // Under 90 days of bars, as over a short span, the count says too little.
            observedPeriods = span - missing >= 90 * 86_400 ? observed * span / (span - missing) : nil
        }
        if let observed = observedPeriods, abs(observed / s.periodsPerYear - 1) > 0.1 {
            // Given on purpose, perhaps (a convention of 252 days for every market), but say what the data has.
            lines.append(result.configuration.periodsPerYear != nil
                ? "note: the returns fall into \(Int(observed.rounded())) periods a year\(long.isEmpty ? "" : " (the long gaps' time left out)") and --periods-per-year annualizes them as \(String(format: "%g", s.periodsPerYear)): Return (Ann.), volatility and the ratios built on them are scaled as if there were \(String(format: "%g", s.periodsPerYear))"
                : "note: the returns fall into \(Int(observed.rounded())) periods a year\(long.isEmpty ? "" : " (the long gaps' time left out)"), annualized as \(String(format: "%g", s.periodsPerYear)) (backtesting.py's rule): Return (Ann.), volatility and the ratios built on them are annualized with the wrong number of periods; --periods-per-year \(Int(observed.rounded())) annualizes by the periods the data has")
        }
        let (compounded, simple) = (s.volatilityAnnualizedPercent, s.simpleVolatilityAnnualizedPercent)
        if s.equityFinal > 0, simple > 0, compounded.isFinite, !(compounded / simple > 0.5 && compounded / simple < 2) {
            lines.append("note: with returns this far from zero on average, the compounded volatility (backtesting.py's, \(fixed(compounded, 2))%) and the Sharpe ratio on it say little: the returns' standard deviation annualized (σ√A) is \(fixed(simple, 2))%, a Sharpe ratio of \(fixed(s.simpleSharpeRatio, 3)) on their mean")
        }
        if s.ambiguousExits > 0 { lines.append("\(s.ambiguousExits) exits had stop and target in one bar; the stop was taken") }
        if s.unreportedVolumeBars > 0, let through = s.unreportedVolumeThrough {
            lines.append("note: the volume is 0 on the first \(s.unreportedVolumeBars) bars (through \(through)), taken as not reported yet: fills there are not checked against it")
        }
        if s.fillBarsWithoutVolume > 0, let at = s.firstFillWithoutVolumeAt {
            // No cash amount makes a fill possible where nothing traded.
            lines.append("NO VOLUME: on \(s.fillBarsWithoutVolume) of the \(s.fillBars) bars with fills the volume is 0 (the first \(at)): nothing traded there, so those fills' prices are quotes no trade confirmed, and the results count on fills that may not have happened")
        }
        if s.maxVolumeSharePercent > 1, let at = s.maxVolumeShareAt {
            lines.append("CAPACITY: on \(at) the backtest traded \(fixed(s.maxVolumeSharePercent, 1))% of the bar's volume; fills that large would move the price, which the backtest does not model (trade less: --cash)")
        }
        for event in result.events where event.kind == .outOfMoney { lines.append("OUT OF MONEY: \(event.message)") }
        let unfilled = result.events.filter { $0.kind == .unfilledAtEnd }.count
        if s.reducedOrders + s.rejectedOrders + unfilled > 0 {
            // The first rejection's reason, since a run whose every order is rejected (a unit dearer
            // than the equity with --whole-units) shows nothing else.
            let firstRejection = result.events.first { $0.kind == .rejected }.map { " (the first: \($0.message))" } ?? ""
            lines.append("broker: \(s.reducedOrders) orders reduced, \(s.rejectedOrders) rejected\(firstRejection), \(unfilled) left unfilled at the end (see --json)")
        }
        return lines
    }

    static func walkForward(_ walk: WalkForwardResult) -> String {
        var lines = ["walk-forward: \(walk.folds.count) fold\(walk.folds.count == 1 ? "" : "s"), each trained on earlier bars only"]
        // Errors are in price units: enough decimals for four significant digits of the smallest.
        let digits = decimals(toShow: walk.folds.compactMap { $0.naive?.mae }.filter { $0 > 0 && $0.isFinite }.min() ?? 1, significant: 4)
        func error(_ value: Double?) -> String { price(value, digits) }
        // Columns as wide as their widest cell: prices of 12,660.0963 or 3.008220e-10 stay aligned.
        let rows = [["fold", "train bars", "forecasts made at", "epochs", "MAE model", "MAE naive", "dir. acc %", "scored"]]
            + walk.folds.enumerated().map { i, fold in
                [String(i + 1), String(fold.trainEnd - fold.trainStart), "\(fold.firstTimestamp) → \(fold.lastTimestamp)", String(fold.epochs),
                 error(fold.model?.mae), error(fold.naive?.mae), fixed(fold.model?.directionalAccuracyPercent, 1), String(fold.model?.count ?? 0)]
            }
        lines += alignedRows(rows, leftAligned: [2], indent: "  ")
        if let model = walk.model, let naive = walk.naive {
            // A direction model's calls have no price errors: its direction is all there is to judge.
            let luck = ForecastOutput.luck(walk.againstNaive, better: model.mae < naive.mae)
            let errors = model.mae.isNaN ? "" : "MAE \(error(model.mae)) against naive \(error(naive.mae))\(luck) (MASE \(fixed(model.mase, 3)), the naive forecast's own \(fixed(naive.mase, 3))), Theil's U \(fixed(model.theilU, 3)); "
            lines.append("  all folds: \(errors)\(ForecastOutput.directionVerdict(model))")
        }
        if let lag = walk.lag { lines.append("  lag check: \(lag.flagged ? "WARNING, " : "")the model \(lag.explanation)") }
        lines.append("  (a forecast made at a bar is of the next bar's close and scored against it; one made at the last bar has nothing to score)")
        return lines.joined(separator: "\n")
    }
}
