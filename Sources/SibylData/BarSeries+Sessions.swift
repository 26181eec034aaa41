extension BarSeries {
    /// The time of the bar after the last one: the last plus the typical spacing, and for daily
    /// exchange sessions the next weekday that is not a day the series keeps closed (see
    /// ``ClosedDays``), so that a forecast after December 31 is dated January 2.
    ///
    /// - Parameter frequency: The series' ``frequency`` when the caller has it already; detected
    ///   when nil.
    public func nextTimestamp(frequency: BarFrequency? = nil) -> Timestamp {
        let rhythm = frequency ?? self.frequency
        var next = Timestamp(secondsSinceEpoch: timestamps[count - 1].secondsSinceEpoch + rhythm.typicalSpacingSeconds)
        guard rhythm.kind == .daily, !rhythm.hasWeekendBars else { return next }
        let closed = ClosedDays(learningFrom: self)
        while next.weekday >= 6 || closed.contains(next) {
            next = Timestamp(secondsSinceEpoch: next.secondsSinceEpoch + 86_400)
        }
        return next
    }
}

/// The holidays of a daily session series, learned from the series alone: a rule is a holiday
/// when, in at least three years of the series, its day fell on a weekday without a bar, and never
/// had one. The rules are the kinds exchange calendars use: a fixed date (January 1, July 4,
/// December 25), the n-th weekday of a month (the fourth Thursday of November) and the last
/// weekday of a month (the last Monday of May). Holidays that move otherwise (Good Friday) and
/// observed days (a Friday before a holiday on Saturday) are not learned.
public struct ClosedDays: Sendable {
    enum Rule: Hashable {
        case date(month: Int, day: Int)
        case nthWeekday(month: Int, weekday: Int, n: Int)
        case lastWeekday(month: Int, weekday: Int)
    }

    /// Years without a bar a rule needs before it counts as a holiday.
    public static let minimumYears = 3

    private let closed: Set<Rule>

    public init(learningFrom series: BarSeries) {
        guard let first = series.timestamps.first?.daysSinceEpoch, let last = series.timestamps.last?.daysSinceEpoch else {
            closed = []
            return
        }
        let traded = Set(series.timestamps.map(\.daysSinceEpoch))
        var missing: [Rule: Int] = [:], present: Set<Rule> = []
        for day in first...last {
            let timestamp = Timestamp(secondsSinceEpoch: Int64(day) * 86_400)
            guard timestamp.weekday <= 5 else { continue }
            for rule in Self.rules(for: timestamp) {
                if traded.contains(day) { present.insert(rule) } else { missing[rule, default: 0] += 1 }
            }
        }
        closed = Set(missing.filter { $0.value >= Self.minimumYears && !present.contains($0.key) }.keys)
    }

    /// Whether the series keeps `timestamp`'s day closed.
    public func contains(_ timestamp: Timestamp) -> Bool {
        Self.rules(for: timestamp).contains { closed.contains($0) }
    }

    /// Number of rules learned.
    public var count: Int { closed.count }

    private static func rules(for timestamp: Timestamp) -> [Rule] {
        let (_, month, day) = timestamp.date
        let weekday = timestamp.weekday
        var rules: [Rule] = [.date(month: month, day: day), .nthWeekday(month: month, weekday: weekday, n: (day - 1) / 7 + 1)]
        // The last such weekday of the month: a week later is in the next month.
        if Timestamp(secondsSinceEpoch: timestamp.secondsSinceEpoch + 7 * 86_400).date.month != month {
            rules.append(.lastWeekday(month: month, weekday: weekday))
        }
        return rules
    }
}
