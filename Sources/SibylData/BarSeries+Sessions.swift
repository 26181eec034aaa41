extension BarSeries {
    /// The time of the bar after the last one: the last plus the typical spacing, and for daily
    /// exchange sessions the next weekday that is not a day the series keeps closed (see
    /// ``ClosedDays``), so that a forecast after December 31 is dated January 2.
    ///
    /// - Parameter frequency: The series' ``frequency`` when the caller has it already; detected
    ///   when nil.
    public func nextTimestamp(frequency: BarFrequency? = nil) -> Timestamp {
        let rhythm = frequency ?? self.frequency
        let next = Timestamp(secondsSinceEpoch: timestamps[count - 1].secondsSinceEpoch + rhythm.typicalSpacingSeconds)
        guard rhythm.kind == .daily, !rhythm.hasWeekendBars else { return next }
        let closed = ClosedDays(learningFrom: self)
        var firstWeekday: Timestamp?
        // A sparse series can make holidays of chance gaps: past a week of them, the first weekday.
        for offset in 0..<8 {
            let day = Timestamp(secondsSinceEpoch: next.secondsSinceEpoch + Int64(offset) * 86_400)
            guard day.weekday <= 5 else { continue }
            if firstWeekday == nil { firstWeekday = day }
            if !closed.contains(day) { return day }
        }
        return firstWeekday!
    }
}

/// The holidays of a daily session series, learned from the series alone: a rule is a holiday
/// when its day fell on a weekday without a bar the last three times or more it came round (so a
/// holiday introduced late in the series is learned, and one abolished is forgotten). The rules are the kinds exchange calendars use: a fixed date (January 1, July 4,
/// December 25), the n-th weekday of a month (the fourth Thursday of November), the last weekday
/// of a month (the last Monday of May), a day before or after Easter (Good Friday, Easter Monday)
/// and the weekday on which a fixed date is observed when it falls on a weekend (the Friday
/// before a Saturday, the Monday after a Sunday). A rule whose every missing day another rule also
/// explains has no evidence of its own (the last Thursday of November, over years with four
/// Thursdays, is the fourth): it closes a day only when that other rule names the day too.
/// One-off closures (a storm, a day of mourning) are not learned.
public struct ClosedDays: Sendable {
    enum Rule: Hashable {
        case date(month: Int, day: Int)
        case nthWeekday(month: Int, weekday: Int, n: Int)
        case lastWeekday(month: Int, weekday: Int)
        /// Days from Easter Sunday: −3 Maundy Thursday, −2 Good Friday, +1 Easter Monday.
        case easter(offset: Int)
        /// The Friday before `month`/`day` on a Saturday.
        case observedBefore(month: Int, day: Int)
        /// The Monday after `month`/`day` on a Sunday.
        case observedAfter(month: Int, day: Int)
    }

    /// Latest occurrences in a row without a bar a rule needs before it counts as a holiday.
    public static let minimumYears = 3

    /// Each learned rule with the days of its latest run without a bar, its evidence.
    private let closed: [Rule: Set<Int>]

    public init(learningFrom series: BarSeries) {
        guard let first = series.timestamps.first?.daysSinceEpoch, let last = series.timestamps.last?.daysSinceEpoch else {
            closed = [:]
            return
        }
        let traded = Set(series.timestamps.map(\.daysSinceEpoch))
        // Per rule, the days of its current run of occurrences without a bar; a bar ends the run.
        var runs: [Rule: Set<Int>] = [:]
        for day in first...last {
            let timestamp = Timestamp(secondsSinceEpoch: Int64(day) * 86_400)
            guard timestamp.weekday <= 5 else { continue }
            for rule in Self.rules(for: timestamp) {
                if traded.contains(day) { runs[rule] = nil } else { runs[rule, default: []].insert(day) }
            }
        }
        closed = runs.filter { $0.value.count >= Self.minimumYears }
    }

    /// Whether the series keeps `timestamp`'s day closed: a learned rule names it, and so does
    /// every learned rule whose missing days include all of that rule's.
    public func contains(_ timestamp: Timestamp) -> Bool {
        let matching = Set(Self.rules(for: timestamp).filter { closed[$0] != nil })
        return matching.contains { rule in
            let evidence = closed[rule]!
            return closed.allSatisfy { other, otherEvidence in
                other == rule || matching.contains(other) || !evidence.isSubset(of: otherEvidence)
            }
        }
    }

    private static func rules(for timestamp: Timestamp) -> [Rule] {
        let (year, month, day) = timestamp.date
        let weekday = timestamp.weekday
        func shifted(_ days: Int) -> Timestamp { Timestamp(secondsSinceEpoch: timestamp.secondsSinceEpoch + Int64(days) * 86_400) }
        var rules: [Rule] = [.date(month: month, day: day), .nthWeekday(month: month, weekday: weekday, n: (day - 1) / 7 + 1)]
        // The last such weekday of the month: a week later is in the next month.
        if shifted(7).date.month != month { rules.append(.lastWeekday(month: month, weekday: weekday)) }
        let offset = timestamp.daysSinceEpoch - easterSunday(year).daysSinceEpoch
        if (-3...1).contains(offset) { rules.append(.easter(offset: offset)) }
        if weekday == 5 {
            let saturday = shifted(1).date
            rules.append(.observedBefore(month: saturday.month, day: saturday.day))
        } else if weekday == 1 {
            let sunday = shifted(-1).date
            rules.append(.observedAfter(month: sunday.month, day: sunday.day))
        }
        return rules
    }

    /// Easter Sunday of a Gregorian year (the anonymous Gregorian computus, as in Meeus).
    static func easterSunday(_ year: Int) -> Timestamp {
        let a = year % 19, b = year / 100, c = year % 100
        let d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return Timestamp(year: year, month: month, day: day)
    }
}
