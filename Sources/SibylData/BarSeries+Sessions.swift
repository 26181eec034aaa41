import Foundation

extension BarSeries {
    /// The time of the bar after the last one, by the series' own rhythm:
    /// - daily exchange sessions: the next weekday that is not a day the series keeps closed (see
    ///   ``ClosedDays``), so that a forecast after December 31 is dated January 2;
    /// - intraday bars: the next time of the week at which the last week had bars, or most of the
    ///   last eight after a holiday week (see ``usualTimes()``), on a day that is not one of the
    ///   holidays the series keeps, so that after a Friday's last hour of a currency pair comes the Sunday
    ///   opening, and after a stock's 15:55 bar the next morning's 09:30;
    /// - weekly bars: the usual weekday of the following week, or the nearest day of that week the
    ///   series does not keep closed (the Tuesday after Martin Luther King Day for bars stamped
    ///   with their week's first trading day);
    /// - monthly bars: the same place in the next month as most recent bars (the same day of the
    ///   month, its last day, its last or first weekday); quarterly, half-yearly and yearly bars
    ///   likewise, that many months on;
    /// - otherwise (and when no such rule fits the data) the last bar plus the typical spacing.
    ///
    /// - Parameter frequency: The series' ``frequency`` when the caller has it already; detected
    ///   when nil.
    public func nextTimestamp(frequency: BarFrequency? = nil) -> Timestamp {
        let rhythm = frequency ?? self.frequency
        let last = timestamps[count - 1]
        let next = Timestamp(secondsSinceEpoch: last.secondsSinceEpoch + rhythm.typicalSpacingSeconds)
        switch rhythm.kind {
        // The next session day, not the typical spacing on: an illiquid stock with bars on half
        // its days has a typical spacing of two or three days, which skipped sessions.
        case .daily: return nextSession(after: last.adding(days: 1), sessionWeekdays: Set(rhythm.sessionWeekdays))
        case .intraday:
            guard let times = usualTimes() else { return next }
            // A day the series keeps closed (learned from which days had bars at all) is skipped
            // to the first usual time after it.
            let closed = ClosedDays(learningFrom: self, sessionWeekdays: Set(rhythm.sessionWeekdays))
            var candidate = times.first(after: last)
            for _ in 0..<8 where candidate.daysSinceEpoch != last.daysSinceEpoch && closed.contains(candidate) {
                candidate = times.first(after: Timestamp(secondsSinceEpoch: Int64(candidate.daysSinceEpoch + 1) * 86_400 - 1))
            }
            return candidate
        case .weekly: return nextWeek(after: last)
        default:
            // Monthly, and bars some whole months apart (quarterly, half-yearly, yearly), step by
            // calendar months: a fixed spacing drifts off month ends (a year after 2019-12-31 is
            // 2020-12-30).
            guard let months = rhythm.monthsPerBar else { return next }
            return nextMonth(after: last, months: months) ?? next
        }
    }

    /// The first session day from `day` on that the series does not keep closed.
    private func nextSession(after day: Timestamp, sessionWeekdays: Set<Int>) -> Timestamp {
        let closed = ClosedDays(learningFrom: self, sessionWeekdays: sessionWeekdays)
        var firstWeekday: Timestamp?
        // A sparse series can make holidays of chance gaps: past a week of them, the first session day.
        for offset in 0..<8 {
            let candidate = day.adding(days: offset)
            guard sessionWeekdays.contains(candidate.weekday) else { continue }
            if firstWeekday == nil { firstWeekday = candidate }
            if !closed.contains(candidate) { return candidate }
        }
        return firstWeekday!
    }

    /// The times at which an intraday series usually has bars.
    ///
    /// From a series of a week or more: the times of the week of its last seven days when those
    /// hold a full week of bars (at least 98% of the upper quartile of the last eight seven-day
    /// spans), on the weekdays that had bars in at least half of those spans, so that a change of
    /// daylight-saving time, or longer trading hours, is followed at once (shorter hours once
    /// most of the last eight weeks have them); after a week
    /// with a holiday, the times of the week that had a bar in at least half of the last eight
    /// weeks. A series shorter than a week gives the times of day that had a bar on at least half
    /// of its days, on Monday to Friday and on any weekend day it has bars on. Nil when no time
    /// recurs.
    public func usualTimes() -> UsualTimes? {
        guard count >= 2 else { return nil }
        let (day, week): (Int64, Int64) = (86_400, 7 * 86_400)
        let first = timestamps[0].secondsSinceEpoch, last = timestamps[count - 1].secondsSinceEpoch
        let weekly = last - first >= week
        if weekly {
            // The bars of each seven-day span (last − 7(k+1) days, last − 7k days] that lies
            // within the series, as (span, time of the week), and the spans each weekday had bars in.
            var recent: [(span: Int, time: Int64)] = []
            var weekdaySpans = [Set<Int>](repeating: [], count: 8)
            for timestamp in timestamps.reversed() {
                let k = Int((last - timestamp.secondsSinceEpoch) / week)
                guard k < 8 else { break }
                recent.append((k, (timestamp.secondsSinceEpoch - UsualTimes.mondayEpoch).floorModulo(week)))
                weekdaySpans[timestamp.weekday].insert(k)
            }
            let spans = min(8, Int((last - first) / week))
            // The weekdays with bars in at least half the spans: a one-off Saturday session is no
            // usual time, and its bars do not make up for a weekday closed that week.
            func usual(_ time: Int64) -> Bool { 2 * weekdaySpans[Int(time / 86_400) + 1].count >= max(spans, 1) }
            var counts = [Int](repeating: 0, count: 8)
            for bar in recent where usual(bar.time) { counts[bar.span] += 1 }
            // A full week: as many bars as the upper quartile of the last eight, within 2% (a week
            // with a holiday, or whose same weekday a week ago was one, is short by a day's share,
            // and a cut in the middle of a session would otherwise drop the rest of that session's
            // times; the median week is no measure where most weeks have a holiday, as in India in
            // spring, and the fullest one none where one week gained an hour at a change of
            // daylight-saving time in a UTC clock, or random missing minutes inflate it).
            let sorted = counts.prefix(spans).sorted()
            if spans > 0, Double(counts[0]) >= 0.98 * Double(sorted[min(3 * sorted.count / 4, sorted.count - 1)]) {
                let times = recent.filter { $0.span == 0 && usual($0.time) }.map(\.time)
                return UsualTimes(period: week, times: Array(Set(times)).sorted(), weekdays: [])
            }
        }
        let period = weekly ? week : day
        let start = max(first, last - 8 * week + 1)
        // The periods the window touches, each counted once.
        var periods = Set<Int64>()
        var occurrences: [Int64: Int] = [:]
        var weekdays = Set<Int>()
        for timestamp in timestamps.reversed() {
            let seconds = timestamp.secondsSinceEpoch
            guard seconds >= start else { break }
            let shifted = seconds - UsualTimes.mondayEpoch
            periods.insert(shifted.floorDivided(by: period))
            occurrences[shifted.floorModulo(period), default: 0] += 1
            weekdays.insert(timestamp.weekday)
        }
        let needed = (periods.count + 1) / 2
        let times = occurrences.filter { $0.value >= needed }.keys.sorted()
        guard !times.isEmpty, periods.count >= 2 else { return nil }
        return UsualTimes(period: period, times: times,
                          weekdays: weekly ? [] : weekdays.union(1...5))
    }

    /// Weekly bars: the weekday most of the last twelve fell on, in the week after the last bar's;
    /// when that is a holiday the series keeps, the next (or, for bars stamped late in the week,
    /// the previous) weekday of that week that is not.
    ///
    /// The holidays are learned as for daily bars, from what the bars show: a week stamped with its
    /// first trading day has the weekdays before its bar closed (Monday before a Tuesday bar), one
    /// stamped with its last trading day those after it (Friday after a Thursday bar). Which of the
    /// two a series is comes from its usual weekday (Monday to Wednesday: first days), so weeks
    /// stamped on a Thursday's first session or a Wednesday's last learn no holidays.
    private func nextWeek(after last: Timestamp) -> Timestamp {
        var counts = [Int](repeating: 0, count: 8)
        for timestamp in timestamps.suffix(12) { counts[timestamp.weekday] += 1 }
        let usual = (1...7).max { counts[$0] < counts[$1] }!
        let candidate = last.adding(days: 7 - last.weekday + usual)
        guard usual <= 5 else { return candidate }
        // A first trading day moves later in its week, a last one earlier.
        let step = usual <= 3 ? 1 : -1
        var known = Set<Int>()
        for t in timestamps where t.weekday <= 5 && (t.weekday - usual) * step > 0 {
            known.formUnion((1...abs(t.weekday - usual)).map { t.adding(days: -step * $0).daysSinceEpoch })
        }
        let bars = Set(timestamps.map(\.daysSinceEpoch))
        // A fixed date is seen only in the years it falls on the usual weekday, one in five or
        // six: two such years without a bar make it a holiday (July 4 on a Monday in 2005 and
        // 2011). Weekday rules (the third Monday of January) come round on it every year.
        let closed = ClosedDays(days: known.union(bars).sorted(), open: bars, fixedDateRun: 2)
        var day = candidate
        // Within the week's weekdays; a week closed throughout keeps the usual day.
        while closed.contains(day) {
            let next = day.adding(days: step)
            guard (1...5).contains(next.weekday) else { return candidate }
            day = next
        }
        return day
    }

    /// Bars whole months apart: the place in the month most of the last twelve bars share (at
    /// least two thirds of them, so that a holiday moving one month's bar does not hide the rule),
    /// `months` months after the last bar's: the same day of the month, the last day, the last
    /// weekday or the first weekday. Nil when no place is shared that widely.
    private func nextMonth(after last: Timestamp, months: Int) -> Timestamp? {
        let recent = Array(timestamps.suffix(12))
        func monthIndex(_ t: Timestamp) -> Int { t.date.year * 12 + t.date.month - 1 }
        // The months the bars fall in, as a phase of `months` (March, June, September and
        // December for quarter ends): the most common among the recent bars.
        var phases = [Int](repeating: 0, count: months)
        for t in recent { phases[monthIndex(t) % months] += 1 }
        let phase = phases.indices.max { phases[$0] < phases[$1] }!
        func lastWeekday(_ t: Timestamp) -> Bool { t.weekday <= 5 && (1...3).allSatisfy { t.adding(days: $0).date.month != t.date.month || t.adding(days: $0).weekday > 5 } }
        func firstWeekday(_ t: Timestamp) -> Bool { t.weekday <= 5 && (1...3).allSatisfy { t.adding(days: -$0).date.month != t.date.month || t.adding(days: -$0).weekday > 5 } }
        var dayCounts: [Int: Int] = [:]
        for t in recent { dayCounts[t.date.day, default: 0] += 1 }
        let usualDay = dayCounts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }!.key
        // The weekdays a first or last trading day passed over (January 1 when the bar is on the
        // 2nd) are closed, the bars' days open, the rest unknown: the holidays learned from them,
        // as for daily bars, are skipped by the next first or last trading day.
        var known = Set<Int>()
        for t in timestamps {
            let inMonth = { (d: Timestamp) in d.date.month == t.date.month && d.weekday <= 5 }
            if t.date.day <= 7 { known.formUnion((1..<t.date.day).map { t.adding(days: -$0) }.filter(inMonth).map(\.daysSinceEpoch)) }
            if Timestamp.daysIn(year: t.date.year, month: t.date.month) - t.date.day < 7 {
                known.formUnion((1...7).map { t.adding(days: $0) }.filter(inMonth).map(\.daysSinceEpoch))
            }
        }
        let bars = Set(timestamps.map(\.daysSinceEpoch))
        let closed = ClosedDays(days: known.union(bars).sorted(), open: bars)
        let open = { (t: Timestamp) in t.weekday <= 5 && !closed.contains(t) }
        // The month (counted from year 0) of the bar after the last one's period: a period stamped
        // at its end (last day or weekday) ends in the first month of the phase from the last
        // bar's on, so that a last bar of the period so far (a quarter's to November 10) is
        // followed by the next period's, not by a bar three months on (February 28); a period
        // stamped at its start, or on a day of the month, starts in the last month of the phase
        // up to the last bar's.
        let index = monthIndex(last), offset = ((index - phase) % months + months) % months
        let (endMonth, startMonth) = (index + (offset == 0 ? 0 : months - offset) + months, index - offset + months)
        func day(_ d: Int, of month: Int) -> Timestamp {
            Timestamp(secondsSinceEpoch: Timestamp(year: month / 12, month: month % 12 + 1, day: d).secondsSinceEpoch + Int64(last.secondOfDay))
        }
        func length(_ month: Int) -> Int { Timestamp.daysIn(year: month / 12, month: month % 12 + 1) }
        // On a tie the trading-day rules win: quarterly first trading days match "day 1" as often
        // as "first weekday" over three years, and day 1 may be a Saturday.
        let rules: [(matches: (Timestamp) -> Bool, next: () -> Timestamp?)] = [
            (lastWeekday, { (0..<10).map { day(length(endMonth) - $0, of: endMonth) }.first(where: open) }),
            (firstWeekday, { (1...10).map { day($0, of: startMonth) }.first(where: open) }),
            ({ $0.date.day == usualDay }, { day(min(usualDay, length(startMonth)), of: startMonth) }),
            ({ $0.adding(days: 1).date.month != $0.date.month }, { day(length(endMonth), of: endMonth) }),
        ]
        let counts = rules.map { rule in recent.filter(rule.matches).count }
        let best = counts.max()!
        guard 3 * best >= 2 * recent.count, let chosen = counts.firstIndex(of: best) else { return nil }
        return rules[chosen].next()
    }
}

/// The times of the week (or, for a short series, of the day) at which an intraday series usually
/// has a bar; see ``BarSeries/usualTimes()``.
public struct UsualTimes: Sendable, Equatable {
    /// 1970-01-05, a Monday: times of the week count from Monday 00:00.
    static let mondayEpoch: Int64 = 4 * 86_400
    /// A week or a day, in seconds.
    public let period: Int64
    /// Seconds into the period (from Monday 00:00 for a week, from midnight for a day), ascending.
    public let times: [Int64]
    /// For a daily period, the days of the week (1 = Monday) on which the times apply.
    public let weekdays: Set<Int>

    /// The first usual time after `timestamp`.
    public func first(after timestamp: Timestamp) -> Timestamp {
        let shifted = timestamp.secondsSinceEpoch - Self.mondayEpoch
        var periodStart = shifted - shifted.floorModulo(period)
        // Within two weeks there is always a usual time (times is not empty; weekdays, when used, neither).
        while true {
            let day = Timestamp(secondsSinceEpoch: periodStart + Self.mondayEpoch)
            if weekdays.isEmpty || weekdays.contains(day.weekday) {
                if let time = times.first(where: { periodStart + $0 > shifted }) {
                    return Timestamp(secondsSinceEpoch: periodStart + time + Self.mondayEpoch)
                }
            }
            periodStart += period
        }
    }
}

extension Int64 {
    func floorDivided(by divisor: Int64) -> Int64 { (self - floorModulo(divisor)) / divisor }
    func floorModulo(_ divisor: Int64) -> Int64 { let r = self % divisor; return r < 0 ? r + divisor : r }
}

/// The holidays of a daily session series, learned from the series alone: a rule is a holiday
/// when its day fell on a weekday without a bar the last three times or more it came round (so a
/// holiday introduced late in the series is learned, and one abolished is forgotten); New Year's
/// and Christmas Day, closed nearly everywhere, once one weekday went without a bar and none had
/// one in a Monday-to-Friday series, and January 1 without evidence in such a series that never
/// had a bar on one; a fixed date seen only on some weekdays (weekly bars) after `fixedDateRun`
/// times; in a series missing more than a tenth of its session days in gaps of a week or less,
/// only runs chance would rarely give (New Year's and Christmas Day aside). The rules are the
/// kinds exchange calendars use: a fixed date (January 1, July 4, December 25), the n-th weekday of a month (the fourth Thursday of November), the last weekday
/// of a month (the last Monday of May), a day before or after Easter (Good Friday, Easter Monday)
/// and the weekday on which a fixed date is observed when it falls on a weekend (the Friday
/// before a Saturday, the Monday after a Sunday). A rule whose every missing day another rule also
/// explains has no evidence of its own (the last Thursday of November, over years with four
/// Thursdays, is the fourth): it closes a day only when that other rule names the day too.
/// An observed day counts with less evidence: once its fixed date is learned and it went without a
/// bar the latest time it came round. One-off closures (a storm, a day of mourning) are not learned.
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

    /// Latest occurrences in a row without a bar a rule needs before it counts as a holiday (but
    /// see ``nearlyUniversal`` and `fixedDateRun`).
    public static let minimumYears = 3

    /// January 1 and December 25: a holiday after one occurrence without a bar, unless the series
    /// ever had a bar on one.
    static let nearlyUniversal: Set<Rule> = [.date(month: 1, day: 1), .date(month: 12, day: 25)]

    /// Each learned rule with the days of its latest run without a bar, its evidence.
    private let closed: [Rule: Set<Int>]
    /// January 1 is closed without evidence: a Monday-to-Friday series that never had a bar on one.
    private let newYearAssumed: Bool

    /// - Parameter sessionWeekdays: The days of the week the series trades on; from the series
    ///   (``BarSeries/sessionWeekdays()``) when nil.
    public init(learningFrom series: BarSeries, sessionWeekdays: Set<Int>? = nil) {
        guard let first = series.timestamps.first?.daysSinceEpoch, let last = series.timestamps.last?.daysSinceEpoch else {
            self.init(days: [], open: [])
            return
        }
        let sessions = sessionWeekdays ?? Set(series.sessionWeekdays())
        let traded = Set(series.timestamps.map(\.daysSinceEpoch))
        // Every session day of the span is known: a bar's day is open, any other closed.
        let days = (first...last).filter { sessions.contains(Timestamp(secondsSinceEpoch: Int64($0) * 86_400).weekday) }
        // Chance gaps: session days without a bar in runs of at most a week's sessions. A longer
        // run is a hole in the data (months missing from a file), not an illiquid market's
        // scattered days, and says nothing of how often a single day goes without a bar.
        var missing = 0, run = 0
        for day in days {
            if traded.contains(day) {
                if run <= 5 { missing += run }
                run = 0
            } else {
                run += 1
            }
        }
        if run <= 5 { missing += run }
        // A bar on any January 1, a session weekday or not (a currency pair's Sunday-evening
        // opening), shows a market open on it.
        let newYearTraded = traded.contains { day in
            let date = Timestamp(secondsSinceEpoch: Int64(day) * 86_400).date
            return date.month == 1 && date.day == 1
        }
        self.init(days: days, open: traded, missingShare: days.isEmpty ? 0 : Double(missing) / Double(days.count),
                  mondayToFriday: sessions.isSuperset(of: 1...5) && !sessions.contains(6), newYearTraded: newYearTraded)
    }

    /// The run of occurrences without a bar that chance gaps would give a rule less than 1% of the
    /// time, in a series missing `missingShare` of its session days; nil up to a tenth missing (a
    /// market's holidays are about 4% of its weekdays), where the usual runs apply.
    static func chanceRun(missingShare: Double) -> Int? {
        guard missingShare > 0.1 else { return nil }
        guard missingShare < 1 else { return Int.max }
        return max(minimumYears, Int((log(0.01) / log(missingShare)).rounded(.up)))
    }

    /// Learns from `days` (days since 1970, ascending) known to be open (those in `open`) or
    /// closed (the rest); days not listed are unknown and neither start nor end a rule's run, as
    /// for a series of first trading days of the month, which shows only the days each first
    /// trading day passed over and its own. `fixedDateRun` is the run of occurrences without a bar
    /// that makes a fixed date a holiday (other rules need ``minimumYears``). In a series missing
    /// more than a tenth of its session days (`missingShare`, an illiquid stock's), every rule needs
    /// the run chance gaps would rarely give (``chanceRun(missingShare:)``: 8 occurrences in a row
    /// at 55% missing), but January 1 and December 25, closed nearly everywhere, still one. That
    /// one-miss rule holds for `mondayToFriday` series only, which trade Monday to Friday and not
    /// on Saturdays (a currency pair's daily bars from Sunday to Friday too; markets that trade
    /// every day or Sunday to Thursday keep the usual run: crypto trades on December 25). In such
    /// a series without a bar on any January 1 (`newYearTraded`, a currency pair's Sunday-evening opening counting),
    /// January 1 counts as closed even without a miss: nearly every such market closes it, and a
    /// series of less than a year may never have seen one.
    init(days: [Int], open: Set<Int>, fixedDateRun: Int = minimumYears, missingShare: Double = 0, mondayToFriday: Bool = true,
         newYearTraded: Bool = true) {
        let chance = Self.chanceRun(missingShare: missingShare)
        // Per rule, the days of its current run of occurrences without a bar; a bar ends the run.
        var runs: [Rule: Set<Int>] = [:]
        // The near-universal holidays that had a bar at least once (a market open on them).
        var openOnce: Set<Rule> = []
        for day in days {
            let timestamp = Timestamp(secondsSinceEpoch: Int64(day) * 86_400)
            for rule in Self.rules(for: timestamp) {
                if open.contains(day) {
                    runs[rule] = nil
                    if Self.nearlyUniversal.contains(rule) { openOnce.insert(rule) }
                } else {
                    runs[rule, default: []].insert(day)
                }
            }
        }
        // A weekend holiday's observed day comes round every few years, never three times in a
        // row within most series: it counts once its fixed date is a learned holiday and its own
        // latest occurrence went without a bar (the Friday before a Saturday July 4; not the
        // Friday before a Saturday January 1, on which New York trades).
        var learned = runs.filter { rule, days in
            // New Year's Day and Christmas Day close nearly every market that keeps weekday
            // sessions: once without a bar, never with one, is enough (a series of a few years
            // sees each on a weekday only once or twice).
            if mondayToFriday && Self.nearlyUniversal.contains(rule) && !openOnce.contains(rule) { return !days.isEmpty }
            if let chance { return days.count >= chance }
            if case .date = rule { return days.count >= fixedDateRun }
            return days.count >= Self.minimumYears
        }
        for (rule, days) in runs where !days.isEmpty && learned[rule] == nil {
            switch rule {
            case .observedBefore(let month, let day), .observedAfter(let month, let day):
                if learned[.date(month: month, day: day)] != nil { learned[rule] = days }
            default: break
            }
        }
        closed = learned
        newYearAssumed = mondayToFriday && !newYearTraded && !openOnce.contains(.date(month: 1, day: 1))
    }

    /// Whether the series keeps `timestamp`'s day closed: a learned rule names it, and so does
    /// every learned rule whose missing days include all of that rule's.
    public func contains(_ timestamp: Timestamp) -> Bool {
        if newYearAssumed, timestamp.date.month == 1, timestamp.date.day == 1 { return true }
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
        var rules: [Rule] = [.date(month: month, day: day), .nthWeekday(month: month, weekday: weekday, n: (day - 1) / 7 + 1)]
        // The last such weekday of the month: a week later is in the next month.
        if timestamp.adding(days: 7).date.month != month { rules.append(.lastWeekday(month: month, weekday: weekday)) }
        let offset = timestamp.daysSinceEpoch - easterSunday(year).daysSinceEpoch
        if (-3...1).contains(offset) { rules.append(.easter(offset: offset)) }
        if weekday == 5 {
            let saturday = timestamp.adding(days: 1).date
            rules.append(.observedBefore(month: saturday.month, day: saturday.day))
        } else if weekday == 1 {
            let sunday = timestamp.adding(days: -1).date
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
