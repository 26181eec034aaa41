import Foundation
import SibylForecasting
import SibylNeural

/// A length of time as the messages give it: days to a tenth ("7 days", "1.5 days"), else whole hours or minutes.
func duration(days: Double) -> String {
    if days >= 1 {
        let tenths = (days * 10).rounded() / 10
        return tenths == 1 ? "1 day" : tenths == tenths.rounded() ? "\(Int(tenths)) days" : "\(tenths) days"
    }
    if days * 24 >= 1 {
        let hours = Int((days * 24).rounded())
        return "\(hours) hour\(hours == 1 ? "" : "s")"
    }
    if days * 1440 >= 1 {
        let minutes = Int((days * 1440).rounded())
        return "\(minutes) minute\(minutes == 1 ? "" : "s")"
    }
    let seconds = Int((days * 86_400).rounded())
    return "\(seconds) second\(seconds == 1 ? "" : "s")"
}

/// `value` with `digits` decimals, or a dash where there is no finite number.
func fixed(_ value: Double?, _ digits: Int = 4) -> String {
    guard let value, value.isFinite else { return "–" }
    // A diverged model's errors run to hundreds of digits, and a value that the decimals would
    // show as zero is not (a MASE after prices fell ten-thousandfold): those in scientific notation.
    if value != 0, abs(value) < 0.5 * pow(10, -Double(digits)) { return String(format: "%.2e", value) }
    return abs(value) < 1e12 ? String(format: "%.\(digits)f", value) : String(format: "%.4e", value)
}

/// A price or a price error: as `fixed`, but in scientific notation (7 significant digits) where
/// `digits` decimals would show it as zero, or when `digits` is above 12 (prices quoted in tiny
/// units, 3e-10 BTC a token, whose digits a fixed notation would spell out as zeros): a column
/// keeps one notation as long as its decimals can show it.
func price(_ value: Double?, _ digits: Int) -> String {
    guard let value, value.isFinite else { return fixed(value, digits) }
    guard digits > 12 || value != 0 && abs(value) < 0.5 * pow(10, -Double(digits)) else { return fixed(value, digits) }
    return String(format: "%.6e", value)
}

/// Decimals that show `value` to at least `significant` significant digits, and never fewer than
/// `minimum`: price errors of a currency pair (0.0007) need more than those of an index (13.0).
/// Above 12, `price` shows the value in scientific notation.
func decimals(toShow value: Double, significant: Int, minimum: Int = 4) -> Int {
    guard value.isFinite, value > 0 else { return minimum }
    return max(minimum, significant - 1 - Int(log10(value).rounded(.down)))
}

/// A signed number with `decimals` decimals, or in scientific notation when those would show it
/// as zero (a minute bar's forecast move of 4e-6).
func signed(_ value: Double, decimals: Int = 5) -> String {
    let cutoff = 0.5 * pow(10, -Double(decimals))
    let scientific = value != 0 && abs(value) < cutoff || abs(value) >= 1e9
    return scientific ? String(format: "%+.2e", value) : String(format: "%+.\(decimals)f", value)
}

/// Rows of cells as lines, each column as wide as its widest cell, two spaces apart: the columns
/// in `leftAligned` padded on the right, the others (numbers) on the left.
func alignedRows(_ rows: [[String]], leftAligned: Set<Int>, indent: String = "") -> [String] {
    let columns = rows.map(\.count).max() ?? 0
    let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max()! }
    return rows.map { row in
        indent + row.enumerated().map { column, cell in
            leftAligned.contains(column) ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0) : cell.leftPadded(widths[column])
        }.joined(separator: "  ")
    }
}

/// Text renderings shared by `train` and `forecast`.
enum ForecastOutput {
    static func evaluationTable(_ report: ForecastEvaluationReport) -> String {
        var lines = ["held-out test span \(report.firstTimestamp) → \(report.lastTimestamp) (\(report.model.count) next-bar forecast\(report.model.count == 1 ? "" : "s"))"]
        lines += spanWarnings(report)
        let header = ["forecaster", "MAE", "RMSE", "MAPE %", "MASE", "dir. acc %", "chance %", "PT p", "Theil U"]
        var rows = [header]
        let scores = [report.model, report.naive, report.autoregression]
        // Errors are in price units: enough decimals for four significant digits of the smallest.
        let digits = decimals(toShow: scores.map(\.mae).filter { $0 > 0 && $0.isFinite }.min() ?? 1, significant: 4)
        for score in scores {
            rows.append([score.name, price(score.mae, digits), price(score.rmse, digits), fixed(score.mapePercent, 3), fixed(score.mase, 3),
                         fixed(score.directionalAccuracyPercent, 1), fixed(score.chanceAccuracyPercent, 1),
                         probability(score.pesaranTimmermannPValue), fixed(score.theilU, 3)])
        }
        lines += alignedRows(rows, leftAligned: [0])
        if let probability = report.probability {
            let percent = fixed(probability.baseRatePercent, 1)
            let bars = probability.baseRateBars.map { " \($0)" } ?? ""
            // Laplace-smoothed, (ups + 1)/(n + 2): not the raw share of the targets that went up.
            let source = probability.baseRateFromModel ? "the model's: \(percent)%, the smoothed up share of its\(bars) training targets"
                : "\(percent)%, the smoothed up share of the\(bars) targets of this series' training span; the checkpoint records none of its own"
            lines.append("probabilities of an up move: Brier score \(fixed(probability.brier)) against \(fixed(probability.baseRateBrier)) for the base rate "
                         + "(\(source)), skill \(skillText(probability.brierSkill)); "
                         + "log loss \(fixed(probability.logLoss)) against \(fixed(probability.baseRateLogLoss))")
        }
        lines.append(lagCheck(report))
        lines.append("verdict: \(verdict(report))")
        return lines.joined(separator: "\n")
    }

    /// The warnings and notes the text prints with the evaluation, word for word: those between its
    /// span and its table, then the lag check's when it flags the model. `--json` carries them as
    /// `evaluationWarnings`.
    static func evaluationWarnings(_ report: ForecastEvaluationReport) -> [String] {
        spanWarnings(report) + (report.lag.flagged ? [lagCheck(report)] : [])
    }

    static func lagCheck(_ report: ForecastEvaluationReport) -> String {
        "lag check: \(report.lag.flagged ? "WARNING, " : "")the model \(report.lag.explanation)"
    }

    /// Scores in-sample, inputs unlike the training ones, a training span that hardly moved, dates
    /// shared with the model's training series.
    private static func spanWarnings(_ report: ForecastEvaluationReport) -> [String] {
        var lines: [String] = []
        if let end = report.overlapsTrainingThrough {
            let all = report.inSampleCount == report.model.count
            let share = all ? "every one of the \(report.model.count) evaluated bars lies" : "\(report.inSampleCount) of the \(report.model.count) evaluated bars lie"
            let chosen = report.epochChosenThrough.map { " and chose its epoch on bars through \($0)" } ?? ""
            lines.append("WARNING: the model was trained on this series through \(end)\(chosen); \(share) in \(chosen.isEmpty ? "its training span" : "those spans"), so these scores are \(all ? "entirely" : "partly") in-sample")
        }
        if !report.inputShifts.isEmpty {
            lines.append("WARNING: inputs unlike those the model was trained on, by their medians over the evaluated bars: \(shifts(report.inputShifts))"
                         + "; the model extrapolates (a price-level feature on another price scale, prices that left the training range, or a series unlike the training one)")
        }
        if let flat = report.trainingFlatPercent, flat > 50 {
            // Only a direction model is scored against a base rate from its training targets.
            lines.append("WARNING: \(fixed(flat, 0))% of the bars the model was trained to forecast did not move (a halted or illiquid stretch): it learned from little"
                         + (report.probability != nil ? ", and its scores against its training base rate mean little" : ""))
        }
        if let other = report.trainedOnOverlappingDates {
            lines.append("note: the model was trained on \(other), dates the evaluated span shares; if the two series move together, these scores flatter it")
        }
        return lines
    }

    /// One honest sentence: does the model beat the naive forecast, and is its direction better than chance?
    static func verdict(_ report: ForecastEvaluationReport) -> String {
        let model = report.model, naive = report.naive
        guard naive.mae > 0 else { return "no verdict: the closes never moved over the test span, so there was nothing to forecast." }
        if let probability = report.probability {
            // A direction model is judged on its calls and its probabilities, not on prices.
            let skill = probability.brierSkill
            let against = "Brier skill \(skillText(skill)) against always forecasting the base rate of \(fixed(probability.baseRatePercent, 1))% up"
            let judged = probability.count < 30 ? ", over \(probability.count) bar\(probability.count == 1 ? "" : "s"), too few to judge"
                : skill > 0 ? "" : " (its probabilities are no better than the base rate)"
            return "\(directionVerdict(model)); \(against)\(judged)."
        }
        guard model.mae.isFinite, model.mae >= 0 else {
            return "no verdict: the model's forecasts are not all finite prices (see the lag check)."
        }
        let naiveName = report.dailyBars ? "tomorrow = today" : "the next bar = the last close"
        let errorPart = model.mae < naive.mae
            ? "MAE \(fixed(100 * (1 - model.mae / naive.mae), 2))% below the naive forecast" + luck(report.againstNaive, better: true)
            : "MAE \(fixed(100 * (model.mae / naive.mae - 1), 2))% above the naive forecast (no better than \(naiveName))" + luck(report.againstNaive, better: false)
        return "\(errorPart); \(directionVerdict(model))."
    }

    /// Whether a model's MAE, below the naive forecast's (`better`) or not, differs from it by more
    /// than luck, by the Diebold–Mariano test on the bars' absolute errors: too few bars to judge
    /// under 30; when lower, more than luck or not distinguishable from it; when higher, a clause
    /// only when worse by more than luck (then worse, not merely no better).
    static func luck(_ comparison: ErrorComparison?, better: Bool) -> String {
        guard let comparison else { return "" }
        if comparison.count < 30 { return " over \(comparison.count) bar\(comparison.count == 1 ? "" : "s"), too few to judge" }
        guard let p = comparison.pValue else { return "" }
        let test = "(Diebold–Mariano p \(probability(p, equals: true)))"
        if better { return p < 0.05 ? ", by more than luck explains \(test)" : ", not distinguishable from it \(test)" }
        return p < 0.05 ? ", worse by more than luck explains \(test)" : ""
    }

    /// Direction against chance: calls made independently of the moves with the same share of ups
    /// (Pesaran–Timmermann), not a coin, which a drifting market beats by always calling up.
    static func directionVerdict(_ score: ForecastScore) -> String {
        guard let accuracy = score.directionalAccuracyPercent, let chance = score.chanceAccuracyPercent,
              let upCalls = score.upCallPercent, let upMoves = score.upMovePercent else { return "no directional calls" }
        // Bars that did not move (or that the model called flat) are no trial of direction: say so
        // when they are more than a few.
        let scored = score.directionalCount < score.count * 95 / 100 ? " (on the \(score.directionalCount) of \(score.count) bars with a move and a call)" : ""
        let right = "direction right \(fixed(accuracy, 1))% of the time\(scored)"
        if upCalls == 100 || upCalls == 0 {
            let way = upCalls == 100 ? "up" : "down"
            return "\(right), but it called \(way) at every bar: its hits are the share of bars that went \(way), not skill"
        }
        guard let p = score.pesaranTimmermannPValue else {
            return "\(right); every bar of the span moved \(upMoves == 100 ? "up" : "down"), so direction cannot be judged"
        }
        let against = "against \(fixed(chance, 1))% for calls as often up made by chance"
        // The test is asymptotic: on a handful of calls it rejects more often than its level says.
        guard score.directionalCount >= 30 else {
            return "\(right) \(against); \(score.directionalCount) calls are too few to judge against chance"
        }
        if p >= 0.05 { return "\(right) \(against), not distinguishable from chance (Pesaran–Timmermann p \(probability(p, equals: true)))" }
        return "\(right) \(against), \(accuracy < chance ? "worse" : "better") than chance by more than luck explains (Pesaran–Timmermann p \(probability(p, equals: true)))"
    }

    /// The first three input shifts ("zscore_20 lies 5.2 standard deviations from the training
    /// center", "sma_20 lies 31900 times below the training level"), and how many more there are.
    static func shifts(_ shifts: [InputShift]) -> String {
        shifts.prefix(3).map { shift in
            // A factor in whole numbers up to a million, then in powers of ten.
            let size = shift.priceLevel ? (shift.distance < 1e6 ? String(format: "%.0f", shift.distance) : String(format: "%.1e", shift.distance))
                : fixed(shift.distance, 1)
            return "\(shift.name) lies \(size) \(shift.unit)\(shift.priceLevel ? "" : " from the training center")"
        }.joined(separator: ", ") + (shifts.count > 3 ? " and \(shifts.count - 3) more" : "")
    }

    /// A Brier skill score in percent; below −100% (a Brier score over twice the base rate's, as
    /// against a base rate near 0 or 1) only as that, since the digits say nothing more.
    static func skillText(_ skill: Double) -> String {
        skill < -1 ? "below −100%" : "\(signed(100 * skill, decimals: 2))%"
    }

    /// A p-value to three decimals, or "<0.001" (with `equals`, "= 0.012" and "< 0.001").
    static func probability(_ p: Double?, equals: Bool = false) -> String {
        guard let p, p.isFinite else { return "–" }
        if p < 0.0005 { return equals ? "< 0.001" : "<0.001" }
        return (equals ? "= " : "") + fixed(p, 3)
    }

    static func nextBar(_ forecast: NextBarForecast) -> String {
        let digits = decimals(toShow: forecast.lastClose, significant: 6)
        // The last close as the file has it, unless that takes an exponent or runs to more than
        // 8 decimals (a price adjusted for splits and dividends, computed rather than quoted).
        let close = forecast.lastClose
        let written = "\(close)"
        let last = abs(close) >= 1e-4 && abs(close) < 1e15 && written.split(separator: ".").last.map({ $0.count <= 8 }) ?? true
            ? written : price(close, digits)
        let head = "next bar (\(forecast.nextTimestamp), after \(forecast.lastTimestamp) close \(last)): "
        var text: String
        if let up = forecast.upProbability {
            text = head + "P(up) \(String(format: "%.3f", up)), the model calls \(up > 0.5 ? "up" : up < 0.5 ? "down" : "neither way") (a direction model forecasts no price)"
        } else if forecast.predictedClose.isFinite, forecast.predictedClose > 0 {
            text = head
                + "close \(price(forecast.predictedClose, digits)), "
                + "log return \(signed(forecast.predictedLogReturn)) (\(signed(100 * (exp(forecast.predictedLogReturn) - 1), decimals: 3))%)"
        } else {
            return head + "no forecast: \(forecast.noForecast ?? "the model's output is not a price")"
        }
        for line in [inputShiftWarning(forecast), farMoveWarning(forecast)] { if let line { text += "\n" + line } }
        if let interval = forecast.interval {
            text += "\n\(String(format: "%g", 100 * interval.level))% prediction interval: \(price(interval.low, digits)) to \(price(interval.high, digits))"
                + " (the model's \(interval.errorCount) held-out errors, scaled to the volatility of the last \(PredictionInterval.volatilityBars) bars,"
                + " \(fixed(100 * interval.volatility, 3))% a bar"
                + (interval.priceStep.map { "; rounded outward to the prices' step of \(String(format: "%g", $0))" } ?? "") + ")"
            for line in [inSampleIntervalWarning(forecast), sessionWarning(forecast), outsideIntervalNote(forecast)] { if let line { text += "\n" + line } }
        } else if let why = forecast.intervalUnavailable {
            text += "\n\(why)"
        }
        return text
    }

    /// The warnings and notes printed with the next bar's forecast, word for word; `--json`
    /// carries them as `forecastWarnings`.
    static func forecastWarnings(_ forecast: NextBarForecast) -> [String] {
        guard forecast.upProbability != nil || (forecast.predictedClose.isFinite && forecast.predictedClose > 0) else { return [] }
        return [inputShiftWarning(forecast), farMoveWarning(forecast), inSampleIntervalWarning(forecast), sessionWarning(forecast),
                outsideIntervalNote(forecast)].compactMap { $0 }
    }

    private static func inSampleIntervalWarning(_ forecast: NextBarForecast) -> String? {
        forecast.interval?.fromInSampleErrors == true
            ? "WARNING: some of the held-out errors the prediction interval comes from are in-sample, so it is too narrow" : nil
    }

    private static func inputShiftWarning(_ forecast: NextBarForecast) -> String? {
        forecast.inputShifts.isEmpty ? nil
            : "WARNING: the last window's inputs lie far outside the training values (by their medians: \(shifts(forecast.inputShifts))): this forecast extrapolates"
    }

    /// A move over 100%, or over 10 times the size of the last 20 bars' moves: most often a
    /// next-close model on another price scale.
    private static func farMoveWarning(_ forecast: NextBarForecast) -> String? {
        guard forecast.isFarOutsideRecentMoves else { return nil }
        let size = forecast.recentMoveSize ?? .nan
        return "WARNING: that move is far outside this series' own moves (\(size.isFinite ? "\(NextBarForecast.percentage(size)) a bar over the last \(PredictionInterval.volatilityBars) bars" : "over 100%")): "
            + "the model is extrapolating (a next-close model beyond the prices it was trained on, a model trained on a series of another kind) or diverged in training"
    }

    private static func sessionWarning(_ forecast: NextBarForecast) -> String? {
        guard forecast.interval != nil, let ratio = forecast.sessionOpeningMoveRatio, ratio > 1.5 else { return nil }
        return "WARNING: the next bar opens a new session, and this series' moves into a session's first bar have been \(fixed(ratio, 2))× the size of its other moves (medians): the interval, built mostly from errors within sessions, is too narrow for it"
    }

    /// Conformal quantiles of signed errors correct a model's bias; its point forecast does not.
    private static func outsideIntervalNote(_ forecast: NextBarForecast) -> String? {
        guard let interval = forecast.interval, !(interval.low...interval.high).contains(forecast.predictedClose) else { return nil }
        return "note: the forecast lies outside its interval: the model's held-out errors lean one way, and the interval corrects for that bias while the point forecast does not"
    }

    static func trainingSummary(_ summary: TrainingSummary) -> String {
        let best = summary.epochs[summary.bestEpoch - 1]
        var text = "trained \(summary.epochs.count) epoch\(summary.epochs.count == 1 ? "" : "s")\(summary.stoppedEarly ? " (stopped early)" : ""); "
            + "best epoch \(summary.bestEpoch): train loss \(fixed(best.trainLoss))"
        if let validation = best.validationLoss { text += ", validation loss \(fixed(validation))" }
        return text
    }
}
