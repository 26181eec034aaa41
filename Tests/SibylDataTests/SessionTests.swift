import Foundation
import Testing
@testable import SibylData

@Suite("The next session")
struct SessionTests {
    @Test("after the S&P 500's last bar of a day before a holiday comes the next trading day", arguments: [
        ("2018-12-31", "2019-01-02"),  // New Year's Day
        ("2018-11-21", "2018-11-23"),  // Thanksgiving, the fourth Thursday of November
        ("2018-05-25", "2018-05-29"),  // Memorial Day, the last Monday of May (after a weekend)
        ("2018-07-03", "2018-07-05"),  // Independence Day
        ("2018-01-12", "2018-01-16"),  // Martin Luther King Day, the third Monday of January
        ("2018-10-10", "2018-10-11"),  // an ordinary Wednesday
        ("2018-10-12", "2018-10-15"),  // an ordinary weekend
    ])
    func spx(last: String, next: String) throws {
        let spx = try BarCSV.read(contentsOf: datasetPath("SPX_daily")).series
        let end = try #require(spx.timestamps.firstIndex { $0.isoDate == last })
        #expect(spx[0..<(end + 1)].nextTimestamp().isoDate == next)
    }

    @Test("intraday and every-day series step by their spacing, with no calendar")
    func otherRhythms() throws {
        let fx = try BarCSV.read(contentsOf: datasetPath("EURUSD_hourly")).series
        #expect(fx.nextTimestamp().secondsSinceEpoch == fx.timestamps[fx.count - 1].secondsSinceEpoch + 3_600)
        let daily = try BarSeries(name: "crypto", bars: (0..<400).map {
            Bar(timestamp: Timestamp(year: 2019, month: 12, day: 1).adding(days: $0), open: 1, high: 1, low: 1, close: 1, volume: 1)
        })
        #expect(daily.nextTimestamp() == Timestamp(year: 2019, month: 12, day: 1).adding(days: 400))
    }

    @Test("a rule is learned after three years without a bar on its day, and never when the day traded once")
    func learning() throws {
        // Weekdays of 2014–2018 without January 1 and the fourth Thursday of November; December 25
        // is missing in two years only, and July 4 is missing except in 2016.
        func closed(_ t: Timestamp) -> Bool {
            let (year, month, day) = t.date
            if month == 1 && day == 1 { return true }
            if month == 11 && t.weekday == 4 && (day - 1) / 7 == 3 { return true }
            if month == 12 && day == 25 && year <= 2015 { return true }
            if month == 7 && day == 4 && year != 2016 { return true }
            return false
        }
        let start = Timestamp(year: 2014, month: 1, day: 1)
        let bars = (0..<(5 * 365)).map { start.adding(days: $0) }.filter { $0.weekday <= 5 && !closed($0) }.map {
            Bar(timestamp: $0, open: 1, high: 1, low: 1, close: 1, volume: 1)
        }
        let series = try BarSeries(name: "sessions", bars: bars)
        let calendar = ClosedDays(learningFrom: series)
        #expect(calendar.contains(Timestamp(year: 2019, month: 1, day: 1)))
        #expect(calendar.contains(Timestamp(year: 2019, month: 11, day: 28)))  // fourth Thursday
        #expect(!calendar.contains(Timestamp(year: 2019, month: 11, day: 21)))  // third Thursday
        #expect(!calendar.contains(Timestamp(year: 2019, month: 12, day: 25)))  // only two years
        #expect(!calendar.contains(Timestamp(year: 2019, month: 7, day: 4)))  // traded in 2016
        #expect(!calendar.contains(Timestamp(year: 2019, month: 3, day: 5)))
    }
}

extension Timestamp {
    func adding(days: Int) -> Timestamp { Timestamp(secondsSinceEpoch: secondsSinceEpoch + Int64(days) * 86_400) }
}
