import Foundation
import Testing
@testable import SibylData

@Suite("The next session")
struct SessionTests {
    /// The S&P 500's bars from `first` (its first bar when nil) through `last`, both ISO dates.
    func spx(from first: String? = nil, through last: String) throws -> BarSeries {
        let spx = try BarCSV.read(contentsOf: datasetPath("SPX_daily")).series
        let start = try first.map { day in try #require(spx.timestamps.firstIndex { $0.isoDate == day }) } ?? 0
        let end = try #require(spx.timestamps.firstIndex { $0.isoDate == last })
        return spx[start..<(end + 1)]
    }

    @Test("after the S&P 500's last bar of a day before a holiday comes the next trading day", arguments: [
        (nil, "2018-12-31", "2019-01-02"),  // New Year's Day
        (nil, "2018-11-21", "2018-11-23"),  // Thanksgiving, the fourth Thursday of November
        (nil, "2018-05-25", "2018-05-29"),  // Memorial Day, the last Monday of May (after a weekend)
        (nil, "2018-07-03", "2018-07-05"),  // Independence Day
        (nil, "2018-01-12", "2018-01-16"),  // Martin Luther King Day, the third Monday of January
        (nil, "2018-10-10", "2018-10-11"),  // an ordinary Wednesday
        (nil, "2018-10-12", "2018-10-15"),  // an ordinary weekend
        // From 2013 on, the last Thursday of November has only ever been the fourth: it does not
        // close November 30, 2017 (a fifth Thursday) on its own.
        ("2013-01-02", "2017-11-29", "2017-11-30"),
    ] as [(String?, String, String)])
    func spx(first: String?, last: String, next: String) throws {
        #expect(try spx(from: first, through: last).nextTimestamp().isoDate == next)
    }

    @Test("a rule with no missing day of its own closes nothing alone")
    func twins() throws {
        let series = try spx(from: "2012-01-03", through: "2016-05-20")
        let calendar = ClosedDays(learningFrom: series)
        #expect(!calendar.contains(Timestamp(year: 2016, month: 5, day: 23)))  // the fourth Monday, a trading day
        #expect(calendar.contains(Timestamp(year: 2016, month: 11, day: 24)))  // Thanksgiving: four Thursdays in 2016
        #expect(series.nextTimestamp().isoDate == "2016-05-23")
    }

    @Test("three years without a bar teach a rule; two do not")
    func minimumYears() throws {
        // Weekdays without January 1 from December 2, 2013, over two and then three new years.
        func series(years: Int) throws -> BarSeries {
            let start = Timestamp(year: 2013, month: 12, day: 2)
            let bars = (0..<(years * 365)).map { start.adding(days: $0) }.filter { $0.weekday <= 5 && !($0.date.month == 1 && $0.date.day == 1) }
            return try BarSeries(name: "s", bars: bars.map { Bar(timestamp: $0, open: 1, high: 1, low: 1, close: 1, volume: 1) })
        }
        // 2014-01-01 (Wednesday) and 2015-01-01 (Thursday) missing: two years.
        #expect(!ClosedDays(learningFrom: try series(years: 2)).contains(Timestamp(year: 2016, month: 1, day: 1)))
        // And 2016-01-01 (Friday): three.
        #expect(ClosedDays(learningFrom: try series(years: 3)).contains(Timestamp(year: 2018, month: 1, day: 1)))
    }

    @Test("over the S&P 500's history: never a trading day skipped, and most holidays after 2002 foreseen")
    func history() throws {
        let spx = try BarCSV.read(contentsOf: datasetPath("SPX_daily")).series
        var (holidays, foreseen, ordinary) = (0, 0, 0)
        for end in 750..<(spx.count - 1) {
            var nextWeekday = Timestamp(secondsSinceEpoch: spx.timestamps[end].secondsSinceEpoch + 86_400)
            while nextWeekday.weekday >= 6 { nextWeekday = Timestamp(secondsSinceEpoch: nextWeekday.secondsSinceEpoch + 86_400) }
            let actual = spx.timestamps[end + 1]
            // Ordinary days are sampled (learning reads the whole prefix); every closure is checked.
            guard nextWeekday != actual || end % 50 == 0 else { continue }
            let predicted = spx[0..<(end + 1)].nextTimestamp()
            #expect(predicted <= actual, "after \(spx.timestamps[end]): \(predicted) skips the trading day \(actual)")
            if nextWeekday == actual {
                ordinary += 1
            } else {
                holidays += 1
                if predicted == actual { foreseen += 1 }
            }
        }
        print("S&P 500 from 2002: \(foreseen) of \(holidays) closures foreseen, \(ordinary) ordinary days checked")
        #expect(holidays > 100 && ordinary > 50)
        #expect(Double(foreseen) >= 0.8 * Double(holidays))
    }

    @Test("a market that never opens on Thursdays and Fridays: after a Wednesday comes a Monday")
    func threeDayWeek() throws {
        let start = Timestamp(year: 2015, month: 1, day: 5)  // a Monday
        let bars = (0..<(4 * 365)).map { start.adding(days: $0) }.filter { $0.weekday <= 3 }.map {
            Bar(timestamp: $0, open: 1, high: 1, low: 1, close: 1, volume: 1)
        }
        let series = try BarSeries(name: "three days", bars: bars)
        let last = try #require(series.timestamps.last)
        #expect(last.weekday == 3)
        #expect(series.nextTimestamp().secondsSinceEpoch == last.secondsSinceEpoch + 5 * 86_400)
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

    @Test("a rule is learned after three occurrences in a row without a bar; a bar among them starts the count again")
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
        #expect(!calendar.contains(Timestamp(year: 2019, month: 7, day: 4)))  // traded in 2016: two misses since
        #expect(!calendar.contains(Timestamp(year: 2019, month: 3, day: 5)))
    }
}

extension Timestamp {
    func adding(days: Int) -> Timestamp { Timestamp(secondsSinceEpoch: secondsSinceEpoch + Int64(days) * 86_400) }
}
