/// A point on a clock, in whole seconds since 1970-01-01T00:00:00 of that clock.
///
/// A bar's timestamp is what its source wrote: UTC for times without an offset or with `Z`, the
/// file's own local clock for times written with an offset (the reader says when it had to keep
/// those in UTC); usually the session date, or the open time of an intraday bar.
public struct Timestamp: Hashable, Comparable, Sendable, Codable {
    public var secondsSinceEpoch: Int64

    public init(secondsSinceEpoch: Int64) {
        self.secondsSinceEpoch = secondsSinceEpoch
    }

    /// The timestamp of a calendar date and time of day in UTC (proleptic Gregorian calendar).
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        secondsSinceEpoch = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.secondsSinceEpoch < rhs.secondsSinceEpoch
    }

    /// Days since 1970-01-01 (negative before), by the days-from-civil algorithm of H. Hinnant.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The same time of day `days` days later (earlier when negative).
    public func adding(days: Int) -> Timestamp { Timestamp(secondsSinceEpoch: secondsSinceEpoch + Int64(days) * 86_400) }

    /// Days in a month of the Gregorian calendar.
    public static func daysIn(year: Int, month: Int) -> Int {
        let next = month == 12 ? daysFromCivil(year: year + 1, month: 1, day: 1) : daysFromCivil(year: year, month: month + 1, day: 1)
        return next - daysFromCivil(year: year, month: month, day: 1)
    }

    /// Whole days since 1970-01-01 (floored, so times before midnight belong to their own day).
    public var daysSinceEpoch: Int {
        Int((secondsSinceEpoch >= 0 ? secondsSinceEpoch : secondsSinceEpoch - 86_399) / 86_400)
    }

    /// Seconds since midnight UTC.
    public var secondOfDay: Int { Int(secondsSinceEpoch - Int64(daysSinceEpoch) * 86_400) }

    /// Year, month and day in UTC.
    public var date: (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Day of the week, 1 = Monday … 7 = Sunday (ISO 8601).
    public var weekday: Int {
        // 1970-01-01 was a Thursday (4).
        let d = (daysSinceEpoch + 3) % 7
        return (d < 0 ? d + 7 : d) + 1
    }

    /// "YYYY-MM-DD".
    public var isoDate: String {
        let (y, m, d) = date
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    /// "YYYY-MM-DDTHH:MM:SS".
    public var isoDateTime: String {
        let s = secondOfDay
        return "\(isoDate)T\(pad(s / 3600, 2)):\(pad(s / 60 % 60, 2)):\(pad(s % 60, 2))"
    }

    /// The date alone at midnight, the date and time otherwise.
    public var iso: String { secondOfDay == 0 ? isoDate : isoDateTime }

    private func pad(_ value: Int, _ width: Int) -> String {
        let text = String(abs(value))
        return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

extension Timestamp: CustomStringConvertible {
    public var description: String { iso }
}

extension Timestamp {
    /// How a column of `timestamps` is written to CSV: `YYYY-MM-DD` when every one is at midnight,
    /// `YYYY-MM-DDTHH:MM:SS` otherwise. Both read back exactly.
    public static func csvFormat(for timestamps: [Timestamp]) -> @Sendable (Timestamp) -> String {
        if timestamps.contains(where: { $0.secondOfDay != 0 }) { return { $0.isoDateTime } }
        return { $0.isoDate }
    }
}
