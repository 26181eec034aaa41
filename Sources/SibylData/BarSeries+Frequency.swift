/// How often a series has bars, and how many make a year: the basis of every annualized figure.
public struct BarFrequency: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        case intraday, daily, weekly, monthly, irregular
    }

    public let kind: Kind
    /// The median spacing between consecutive bars, in seconds.
    public let typicalSpacingSeconds: Int64
    /// The days of the week the series trades on (1 = Monday … 7 = Sunday), ascending: those with
    /// at least 30% as many bars as the busiest day. Monday to Friday for an exchange, every day
    /// for a cryptocurrency, Sunday to Thursday for some Middle Eastern exchanges.
    public let sessionWeekdays: [Int]
    /// Whether the series trades on Saturdays or Sundays.
    public var hasWeekendBars: Bool { sessionWeekdays.contains { $0 >= 6 } }
    /// Bars per year: 252 for daily exchange sessions, 365 for daily bars with weekends, 52 weekly,
    /// 12 monthly; for intraday and irregular series, the number the data shows (bars per
    /// 365.25 calendar days over its span).
    public let barsPerYear: Double

    /// Calendar months between bars: 1 for monthly bars, and 2, 3 (quarterly), 6 or 12 (yearly)
    /// for bars that many months apart (see ``BarSeries/frequency``); nil otherwise.
    public var monthsPerBar: Int? = nil

    public var description: String {
        switch kind {
        case .intraday:
            let spacing = typicalSpacingSeconds
            let unit = spacing % 3600 == 0 ? (spacing == 3600 ? "hourly" : "\(spacing / 3600)-hour")
                : spacing % 60 == 0 ? "\(spacing / 60)-minute" : "\(spacing)-second"
            return "\(unit) (about \(Int(barsPerYear.rounded())) bars a year)"
        case .daily:
            if sessionWeekdays.count == 7 { return "daily, every day (365 bars a year)" }
            if sessionWeekdays == Array(1...5) { return "daily, exchange sessions (252 bars a year)" }
            let names = ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
            // A week that starts on Sunday (no Saturday) is listed from Sunday.
            let order = sessionWeekdays.contains(7) && !sessionWeekdays.contains(6) ? [7] + sessionWeekdays.filter { $0 != 7 } : sessionWeekdays
            return "daily, sessions on \(order.map { names[$0] }.joined(separator: " ")) (about \(Int(barsPerYear.rounded())) bars a year)"
        case .weekly: return "weekly (52 bars a year)"
        case .monthly: return "monthly (12 bars a year)"
        case .irregular:
            let name = [3: "quarterly", 6: "half-yearly", 12: "yearly"][monthsPerBar ?? 0] ?? "irregular"
            let bars = Int(barsPerYear.rounded())
            return "\(name) (about \(bars) bar\(bars == 1 ? "" : "s") a year)"
        }
    }
}

/// A break between two consecutive bars longer than the series' rhythm explains.
public struct BarGap: Sendable, Equatable, Codable {
    /// Index of the bar after the gap.
    public let index: Int
    public let from: Timestamp
    public let to: Timestamp
    public var seconds: Int64 { to.secondsSinceEpoch - from.secondsSinceEpoch }
}

extension BarSeries {
    /// The detected bar frequency. A series of one bar is taken as daily.
    public var frequency: BarFrequency {
        guard count >= 2 else {
            return BarFrequency(kind: .daily, typicalSpacingSeconds: 86_400, sessionWeekdays: Array(1...5), barsPerYear: 252)
        }
        let spacings = sortedSpacings()
        let median = spacings[spacings.count / 2]
        let sessions = sessionWeekdays()
        let span = Double(timestamps[count - 1].secondsSinceEpoch - timestamps[0].secondsSinceEpoch + median)
        let empirical = Double(count) * 365.25 * 86_400 / span
        let day: Int64 = 86_400
        let kind: BarFrequency.Kind
        let perYear: Double
        switch median {
        case ..<day where span < 7 * Double(day):
            // Less than a week: the nights and weekends the span holds are too few to average
            // over (one session of minute bars read as 525,960 a year). Bars a day, times the days
            // a year: every day for a market whose bars cover 20 hours of a day or a weekend, 252
            // otherwise.
            let days = Dictionary(grouping: timestamps, by: \.daysSinceEpoch).values
            let longestDay = days.map { bars in bars[bars.count - 1].secondsSinceEpoch - bars[0].secondsSinceEpoch + median }.max() ?? 0
            let roundTheClock = longestDay >= 20 * 3600 || timestamps.contains { $0.weekday >= 6 }
            (kind, perYear) = (.intraday, Double(count) / Double(days.count) * (roundTheClock ? 365.25 : 252))
        case ..<day:
            (kind, perYear) = (.intraday, empirical)
        case day...(4 * day):
            (kind, perYear) = (.daily, sessions.count == 7 ? 365 : sessions == Array(1...5) ? 252 : 252 * Double(sessions.count) / 5)
        case (5 * day)...(8 * day):
            (kind, perYear) = (.weekly, 52)
        case (28 * day)...(31 * day):
            (kind, perYear) = (.monthly, 12)
        default:
            (kind, perYear) = (.irregular, empirical)
        }
        return BarFrequency(kind: kind, typicalSpacingSeconds: median, sessionWeekdays: sessions, barsPerYear: perYear,
                            monthsPerBar: kind == .monthly ? 1 : kind == .irregular ? Self.monthsApart(spacings) : nil)
    }

    /// The seconds between consecutive bars, ascending.
    func sortedSpacings() -> [Int64] {
        var spacings = (1..<max(count, 1)).map { timestamps[$0].secondsSinceEpoch - timestamps[$0 - 1].secondsSinceEpoch }
        spacings.sort()
        return spacings
    }

    /// The median spacing between consecutive bars in seconds (the upper one of an even count),
    /// as ``frequency`` has it, without the rest of its work; one day for fewer than two bars.
    public var typicalSpacingSeconds: Int64 {
        let spacings = sortedSpacings()
        return spacings.isEmpty ? 86_400 : spacings[spacings.count / 2]
    }

    /// 2, 3, 6 or 12 when at least two thirds of the (sorted) spacings lie within the lengths
    /// that many consecutive calendar months can have (three days' slack for a bar moved off a
    /// weekend or holiday, two for years); nil for spacings of no such kind (a mix of 30, 91 and
    /// 150 days has a median of 91 but is not quarterly).
    static func monthsApart(_ sorted: [Int64]) -> Int? {
        [2, 3, 6, 12].first { months in
            let slack = months == 12 ? 2.0 : 3.0
            let low = Int64((Double(months) * 30.4375 - slack) * 86_400), high = Int64((Double(months) * 30.4375 + slack) * 86_400)
            return 3 * sorted.filter { $0 >= low && $0 <= high }.count >= 2 * sorted.count
        }
    }

    /// The days of the week with at least 30% as many bars as the busiest one (see
    /// ``BarFrequency/sessionWeekdays``); Monday to Friday for an empty series.
    public func sessionWeekdays() -> [Int] {
        var counts = [Int](repeating: 0, count: 8)
        for timestamp in timestamps { counts[timestamp.weekday] += 1 }
        let busiest = counts.max()!
        guard busiest > 0 else { return Array(1...5) }
        return (1...7).filter { Double(counts[$0]) >= 0.3 * Double(busiest) }
    }

    /// Breaks longer than the rhythm explains. Daily bars: a day of the week the series trades on
    /// without a bar that is not one of the holidays the series keeps (``ClosedDays``), so that a
    /// single missing session is reported and a Thanksgiving is not. Intraday bars: breaks that pass
    /// over such a day (a missing Monday, though every holiday weekend is as long), and breaks
    /// longer than the typical spacing that do not recur at their time of day with their length
    /// (each within half a spacing; an hour more or less for breaks of a day or more, which a
    /// daylight-saving change of a UTC clock lengthens or shortens), where recurring means at least
    /// 3 times and at least once per 10 weeks of data (a lunch break recurs; a missing hour, or a
    /// lunch an hour longer, does not). For a market that closes each night, a break from one day
    /// to the next counts when it passes over a session day or the next day opens later than the
    /// days around it (it lost its opening bars); a half day's early close is no gap, and neither,
    /// then, are bars missing at the end of a day. Otherwise: more than twice the typical spacing.
    ///
    /// - Parameter frequency: The series' ``frequency`` when the caller has it already (it sorts
    ///   every spacing); detected when nil.
    public func gaps(frequency: BarFrequency? = nil) -> [BarGap] {
        let rhythm = frequency ?? self.frequency
        let breaks = (1..<max(count, 1)).map { BarGap(index: $0, from: timestamps[$0 - 1], to: timestamps[$0]) }
        /// Whether a break passes over a whole day the series trades on that is not a holiday it keeps.
        func sessionSkips() -> (BarGap) -> Bool {
            let sessions = Set(rhythm.sessionWeekdays)
            let closed = ClosedDays(learningFrom: self, sessionWeekdays: sessions)
            return { gap in
                ((gap.from.daysSinceEpoch + 1)..<max(gap.to.daysSinceEpoch, gap.from.daysSinceEpoch + 1)).contains { day in
                    let timestamp = Timestamp(secondsSinceEpoch: Int64(day) * 86_400)
                    return sessions.contains(timestamp.weekday) && !closed.contains(timestamp)
                }
            }
        }
        switch rhythm.kind {
        case .daily:
            return breaks.filter(sessionSkips())
        case .intraday:
            let skips = sessionSkips()
            let spacing = rhythm.typicalSpacingSeconds
            let long = breaks.filter { $0.seconds > spacing }
            // Whether a break recurs: as long (within half a spacing; an hour more or less for
            // breaks of a day or more, which a daylight-saving change of a UTC clock lengthens or
            // shortens) and at the same time of day, or as long and scattered over the day, as the
            // holes of minutes without trades are. A lunch break recurs; a missing hour, a break of
            // the lunch's length at another time, or a lunch an hour longer, does not.
            let byLength = long.sorted { $0.seconds < $1.seconds }
            let lengths = byLength.map(\.seconds)
            let half = spacing / 2
            let weeks = Double(timestamps[count - 1].secondsSinceEpoch - timestamps[0].secondsSinceEpoch) / (7 * 86_400)
            let recurring = max(3, Int((weeks / 10).rounded(.up)))
            func firstIndex(atLeast value: Int64) -> Int {
                var (low, high) = (0, lengths.count)
                while low < high {
                    let middle = (low + high) / 2
                    if lengths[middle] < value { low = middle + 1 } else { high = middle }
                }
                return low
            }
            /// Per window of equal lengths: its breaks counted by the spacing of the day they start
            /// in, and whether no one of those holds half of them.
            var windows: [Range<Int>: (byTime: [Int64: Int], scattered: Bool)] = [:]
            let step = max(spacing, 1), slotsPerDay = (86_400 + step - 1) / step
            func recurs(_ gap: BarGap) -> Bool {
                let slack = half + (gap.seconds >= 86_400 ? 3600 : 0)
                let window = firstIndex(atLeast: gap.seconds - slack)..<firstIndex(atLeast: gap.seconds + slack + 1)
                guard window.count >= recurring else { return false }
                if windows[window] == nil {
                    var byTime: [Int64: Int] = [:]
                    for other in byLength[window] { byTime[Int64(other.from.secondOfDay) / step, default: 0] += 1 }
                    windows[window] = (byTime, (byTime.values.max() ?? 0) * 2 < window.count)
                }
                let (byTime, scattered) = windows[window]!
                // At the same time of day: in this spacing of the day or a neighbouring one.
                let slot = Int64(gap.from.secondOfDay) / step
                let atSameTime = (-1...1).reduce(0) { $0 + byTime[(slot + Int64($1) + slotsPerDay) % slotsPerDay, default: 0] }
                return atSameTime >= recurring || scattered
            }
            // A market that trades through the night (most day-to-day steps are one spacing) has no
            // nightly closure, so a break across midnight is judged like any other; one that closes
            // each night gets a gap there for a session day passed over, or for a late opening: a
            // first bar more than a spacing later than the openings of the five days before it and
            // of the five after (so that a UTC clock's hour shift at a daylight-saving change is
            // none). An early close cannot be told from a half day and is no gap.
            let crossings = breaks.indices.filter { breaks[$0].from.daysSinceEpoch != breaks[$0].to.daysSinceEpoch }
            let tradesThroughNight = crossings.filter { breaks[$0].seconds <= spacing }.count * 2 > crossings.count
            var lateOpening = Set<Int>()
            let openings = crossings.map { breaks[$0].to.secondOfDay }
            func median(_ values: ArraySlice<Int>) -> Int? { values.isEmpty ? nil : values.sorted()[values.count / 2] }
            for (j, opening) in openings.enumerated() {
                let before = median(openings[max(0, j - 5)..<j]), after = median(openings[min(j + 1, openings.count)..<min(j + 6, openings.count)])
                let usual = [before, after].compactMap { $0 }
                // More than one bar late: a first minute without trades is no gap.
                if !usual.isEmpty, usual.allSatisfy({ opening > $0 + Int(spacing) }) { lateOpening.insert(breaks[crossings[j]].index) }
            }
            return long.filter { gap in
                if !tradesThroughNight && gap.from.daysSinceEpoch != gap.to.daysSinceEpoch { return skips(gap) || lateOpening.contains(gap.index) }
                return !recurs(gap) || skips(gap)
            }
        case .weekly:
            // A calendar week (Monday to Sunday) without a bar: a holiday moving one week's bar a
            // day is none, a missing week is one whatever the days around it.
            func week(_ t: Timestamp) -> Int { Int(((Double(t.daysSinceEpoch) + 3) / 7).rounded(.down)) }  // 1969-12-29 was a Monday
            return breaks.filter { week($0.to) - week($0.from) > 1 }
        default:
            // Bars whole months apart: a calendar month (or quarter, or year) passed over.
            // Both the calendar and the length count: bars a fixed 91 days apart cross a quarter
            // boundary now and then without a quarter missing.
            if let months = rhythm.monthsPerBar {
                func month(_ t: Timestamp) -> Int { t.date.year * 12 + t.date.month }
                let longest = Int64((Double(months) + 0.5) * 30.4375 * 86_400)
                return breaks.filter { month($0.to) - month($0.from) > months && $0.seconds > longest }
            }
            return breaks.filter { $0.seconds > 2 * rhythm.typicalSpacingSeconds }
        }
    }
}

extension BarSeries {
    /// The price step the series' recent prices all sit on, when it is coarse: the smallest gap
    /// between two distinct prices among the open, high, low and close of the last `bars` bars,
    /// if every one of those prices is a whole multiple of it and it is at least 0.05% of the last
    /// close (a penny stock quoted to 0.0001 at 0.001, a future's 0.25 at 20); nil otherwise
    /// (prices stored with float noise, such as 2506.850098, or steps too fine to matter).
    public func coarsePriceStep(bars: Int = 250) -> Double? {
        guard let lastClose = close.last, lastClose > 0 else { return nil }
        let start = max(0, count - bars)
        var prices: [Double] = []
        prices.reserveCapacity(4 * (count - start))
        for i in start..<count { prices += [open[i], high[i], low[i], close[i]] }
        let distinct = Array(Set(prices)).sorted()
        guard distinct.count >= 2 else { return nil }
        let step = zip(distinct.dropFirst(), distinct).map { $0 - $1 }.min()!
        guard step >= 0.0005 * lastClose else { return nil }
        // Whole multiples, up to the rounding of decimal prices in binary.
        let onGrid = distinct.allSatisfy { price in
            let ratio = price / step
            return abs(ratio - ratio.rounded()) < 1e-6 * max(1, ratio)
        }
        return onGrid ? step : nil
    }
}
