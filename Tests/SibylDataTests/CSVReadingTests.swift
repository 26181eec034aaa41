import Foundation
import Testing
@testable import SibylData

@Suite("Reading and writing bar files")
struct CSVReadingTests {
    @Test("every bundled dataset reads cleanly and writes back to an identical series", arguments: datasetNames)
    func datasetRoundTrip(name: String) throws {
        let file = try BarCSV.read(contentsOf: datasetPath(name))
        #expect(file.series.count > 2000)
        #expect(file.repairs.isEmpty)
        #expect(file.series.name == name)
        let again = try BarCSV.parse(BarCSV.text(of: file.series), file: "round trip", name: name)
        #expect(again.series == file.series)
    }

    @Test("a series is named after its file, and one read through a descriptor is a pipe", arguments: [
        ("Datasets/SPX_daily.csv", "SPX_daily"), ("/tmp/prices.v2.csv", "prices.v2"), ("/dev/fd/63", "pipe"), ("/proc/self/fd/5", "pipe"),
        ("/proc/4711/fd/0", "pipe"), ("/dev/stdin", "pipe"), ("/data/fd/7", "7"), ("/dev/fd/x", "x"),
    ])
    func seriesName(path: String, name: String) {
        #expect(BarCSV.defaultSeriesName(path) == name)
    }

    @Test("the bundled files hold the values of their text: spot checks against the raw rows")
    func spotValues() throws {
        let spx = try BarCSV.read(contentsOf: datasetPath("SPX_daily")).series
        // 1999-01-04,1229.22998,1248.810059,1219.099976,1228.099976,877000000,1228.099976
        #expect(spx[0] == Bar(timestamp: Timestamp(year: 1999, month: 1, day: 4), open: 1229.22998, high: 1248.810059,
                              low: 1219.099976, close: 1228.099976, volume: 877_000_000, adjustedClose: 1228.099976))
        let eurusd = try BarCSV.read(contentsOf: datasetPath("EURUSD_hourly")).series
        // 2017-01-01T22:00:00,1.05236,1.05253,1.05221,1.05227,143539993.3
        #expect(eurusd.timestamps[0] == Timestamp(year: 2017, month: 1, day: 1, hour: 22))
        #expect(eurusd.volume?[0] == 143_539_993.3)
        #expect(eurusd.adjustedClose == nil)
    }

    @Test("Yahoo-style exports: any column order and case, Adj Close, CRLF, BOM, quotes, semicolons, extra columns")
    func yahooStyle() throws {
        let text = "\u{FEFF}date;VOLUME;Adj Close;close;LOW;High;open;Dividends\r\n"
            + "\"2019-01-02\";100;9.5;10;9;11;9.5;0\r\n"
            + "2019-01-03 ; 200 ; 10.1 ; 10.6 ; 9.8 ; 10.9 ; 10.0;0\r\n"
        let file = try BarCSV.parse(text, file: "yahoo.csv")
        #expect(file.series.count == 2)
        #expect(file.series[1] == Bar(timestamp: Timestamp(year: 2019, month: 1, day: 3), open: 10, high: 10.9,
                                      low: 9.8, close: 10.6, volume: 200, adjustedClose: 10.1))
        #expect(file.warnings.contains { $0.kind == .ignoredColumn && $0.message.contains("Dividends") })
    }

    @Test("date-times with T or space, seconds or not, Z or offsets, read as the file's clock shows them")
    func dateTimes() throws {
        let cases: [(String, Timestamp)] = [
            ("2017-01-01T22:00:00", Timestamp(year: 2017, month: 1, day: 1, hour: 22)),
            ("2017-01-01 22:00", Timestamp(year: 2017, month: 1, day: 1, hour: 22)),
            ("2017-01-01T22:00:00Z", Timestamp(year: 2017, month: 1, day: 1, hour: 22)),
            ("2017-01-01T22:00:00+01:00", Timestamp(year: 2017, month: 1, day: 1, hour: 22)),
            ("2017-01-01T22:00:00-0530", Timestamp(year: 2017, month: 1, day: 1, hour: 22)),
            ("2017-01-01T22:00:00.000", Timestamp(year: 2017, month: 1, day: 1, hour: 22)),
        ]
        for (text, expected) in cases {
            let file = try BarCSV.parse("Date,Open,High,Low,Close\n\(text),1,1,1,1\n", file: "t.csv")
            #expect(file.series.timestamps[0] == expected, "\(text)")
        }
    }

    @Test("daily bars at one local time with an offset keep their calendar day; intraday bars keep their local times")
    func localMidnight() throws {
        // pandas writes a non-UTC daily index this way: the Friday stays a Friday, not Thursday 23:00 UTC.
        let eastern = try BarCSV.parse("Date,Open,High,Low,Close\n2020-01-02 00:00:00+01:00,1,1,1,1\n2020-01-03 00:00:00+01:00,1,1,1,1\n"
                                       + "2020-01-06 00:00:00+01:00,1,1,1,1\n", file: "t.csv").series
        #expect(eastern.timestamps.map(\.iso) == ["2020-01-02", "2020-01-03", "2020-01-06"])
        #expect(eastern.frequency.kind == .daily && !eastern.frequency.hasWeekendBars)
        // Offsets that change with daylight-saving time, as for a New York index.
        let western = try BarCSV.parse("Date,Open,High,Low,Close\n2020-03-06 00:00:00-05:00,1,1,1,1\n2020-03-09 00:00:00-04:00,1,1,1,1\n",
                                       file: "t.csv").series
        #expect(western.timestamps.map(\.iso) == ["2020-03-06", "2020-03-09"])
        // Daily bars stamped at the local open (10:00 in Sydney) are the same days.
        let sydney = try BarCSV.parse("Date,Open,High,Low,Close\n2020-01-06T10:00:00+11:00,1,1,1,1\n2020-01-07T10:00:00+11:00,1,1,1,1\n"
                                      + "2020-01-08T10:00:00+11:00,1,1,1,1\n", file: "t.csv").series
        #expect(sydney.timestamps.map(\.iso) == ["2020-01-06", "2020-01-07", "2020-01-08"])
        #expect(sydney.frequency.kind == .daily && !sydney.frequency.hasWeekendBars)
        // A UTC-midnight daily index converted to New York: 19:00 in winter, 20:00 in summer, the
        // evening before; the UTC time of day is the one that stays, so the UTC dates are the days.
        let converted = try BarCSV.parse("Date,Open,High,Low,Close\n2020-03-05 19:00:00-05:00,1,1,1,1\n2020-03-08 20:00:00-04:00,1,1,1,1\n"
                                         + "2020-03-09 20:00:00-04:00,1,1,1,1\n", file: "t.csv").series
        #expect(converted.timestamps.map(\.iso) == ["2020-03-06", "2020-03-09", "2020-03-10"])
        // The same conversion where the offset never changes (Bogotá, −05:00 all year): both clocks
        // keep one time of day, and the UTC one, at midnight, is the one the dates were written on.
        let bogota = try BarCSV.parse("Date,Open,High,Low,Close\n1999-01-03 19:00:00-05:00,1,1,1,1\n1999-01-04 19:00:00-05:00,1,1,1,1\n"
                                      + "1999-01-05 19:00:00-05:00,1,1,1,1\n", file: "t.csv").series
        #expect(bogota.timestamps.map(\.iso) == ["1999-01-04", "1999-01-05", "1999-01-06"])
        // Tokyo midnights written in UTC (15:00Z the day before) come out Sunday to Thursday: warned.
        let tokyo = try BarCSV.parse("Date,Open,High,Low,Close\n" + (6...10).map { "2020-01-\(String(format: "%02d", $0 - 1))T15:00:00Z,1,1,1,1\n" }.joined()
                                     + (13...17).map { "2020-01-\($0 - 1)T15:00:00Z,1,1,1,1\n" }.joined(), file: "t.csv")
        #expect(tokyo.series.frequency.sessionWeekdays == [1, 2, 3, 4, 7])
        #expect(tokyo.warnings.count == 1 && tokyo.warnings[0].message.contains("all at 15:00 UTC and fall on Sunday to Thursday"))
        let tokyoOffsets = (6...10).map { "2020-01-\(String(format: "%02d", $0 - 1))T15:00:00+00:00,1,1,1,1\n" }.joined()
        #expect(try BarCSV.parse("Date,Open,High,Low,Close\n" + tokyoOffsets, file: "t.csv").warnings.count == 1)
        // Frankfurt midnights in UTC across a clock change: 23:00 in winter, 22:00 in summer.
        let frankfurt = ["2020-03-22T23:00:00Z", "2020-03-23T23:00:00Z", "2020-03-24T23:00:00Z", "2020-03-25T23:00:00Z", "2020-03-26T23:00:00Z",
                         "2020-03-29T22:00:00Z", "2020-03-30T22:00:00Z", "2020-03-31T22:00:00Z"].map { "\($0),1,1,1,1\n" }.joined()
        let fra = try BarCSV.parse("Date,Open,High,Low,Close\n" + frankfurt, file: "t.csv")
        #expect(fra.warnings.count == 1 && fra.warnings[0].message.contains("22:00 or 23:00 UTC"), "\(fra.warnings)")
        // London midnights in UTC (pandas' tz_convert("UTC")): 00:00 in winter, 23:00 in summer. Each
        // takes London's date, Z or no zone; read as UTC dates, Monday 30 March would be a Sunday bar.
        let london = ["2020-03-26T00:00:00", "2020-03-27T00:00:00", "2020-03-29T23:00:00", "2020-03-30T23:00:00", "2020-10-22T23:00:00",
                      "2020-10-23T23:00:00", "2020-10-26T00:00:00", "2020-10-27T00:00:00"]
        for zone in ["Z", ""] {
            let lon = try BarCSV.parse("Date,Open,High,Low,Close\n" + london.map { "\($0)\(zone),1,1,1,1\n" }.joined(), file: "t.csv")
            #expect(lon.series.timestamps.map(\.iso) == ["2020-03-26", "2020-03-27", "2020-03-30", "2020-03-31", "2020-10-23", "2020-10-24", "2020-10-26", "2020-10-27"])
            #expect(lon.warnings.map(\.kind) == [.localMidnightsInUTC], "\(lon.warnings)")
        }
        // 23:00 in winter, or a bar at 23:00 beside one at the next midnight, is no such series: kept as written.
        let winterLate = ["2020-01-06T00:00:00Z", "2020-01-06T23:00:00Z", "2020-01-08T00:00:00Z", "2020-01-09T00:00:00Z"]
        let kept = try BarCSV.parse("Date,Open,High,Low,Close\n" + winterLate.map { "\($0),1,1,1,1\n" }.joined(), file: "t.csv")
        #expect(kept.series.timestamps.map(\.isoDateTime)[1] == "2020-01-06T23:00:00" && !kept.warnings.map(\.kind).contains(.localMidnightsInUTC))
        let collide = ["2020-06-01T23:00:00Z", "2020-06-02T00:00:00Z", "2020-11-03T00:00:00Z"]
        let near = try BarCSV.parse("Date,Open,High,Low,Close\n" + collide.map { "\($0),1,1,1,1\n" }.joined(), file: "t.csv")
        #expect(near.series.timestamps.map(\.isoDateTime)[0] == "2020-06-01T23:00:00" && !near.warnings.map(\.kind).contains(.localMidnightsInUTC))
        // Under --repair, the notes on rows out of order name the dates kept: London's. (A row
        // that repeats the one before is dropped as the file writes it, before the dates are settled.)
        let londonTwice = london.prefix(4) + [london[2]] + london.suffix(4)
        let dropped = try BarCSV.parse("Date,Open,High,Low,Close\n" + londonTwice.map { "\($0)Z,1,1,1,1\n" }.joined(), file: "t.csv",
                                       options: BarReadOptions(repair: .drop))
        #expect(dropped.series.count == 8 && dropped.repairs.map(\.reason) == ["timestamp 2020-03-30 is earlier than 2020-03-31 on line 5"], "\(dropped.repairs)")
        // Weekly bars too: Monday's, written Sunday 23:00 in summer.
        let weeks = ["2020-03-16T00:00:00Z", "2020-03-23T00:00:00Z", "2020-03-29T23:00:00Z", "2020-04-05T23:00:00Z"]
        let weekly = try BarCSV.parse("Date,Open,High,Low,Close\n" + weeks.map { "\($0),1,1,1,1\n" }.joined(), file: "t.csv")
        #expect(weekly.series.timestamps.map(\.iso) == ["2020-03-16", "2020-03-23", "2020-03-30", "2020-04-06"])
        // Weekly bars on Sunday evenings are no daily bars dated a day early.
        let sundays = (0..<8).map { "\(Timestamp(year: 2020, month: 1, day: 5).adding(days: 7 * $0).isoDate)T22:00:00Z,1,1,1,1\n" }.joined()
        #expect(try BarCSV.parse("Date,Open,High,Low,Close\n" + sundays, file: "t.csv").warnings.isEmpty)
        // One local date written twice with different offsets is not a day each: the instants
        // (an hour apart) are kept in UTC, with the warning, rather than two bars on one date.
        let twice = try BarCSV.parse("Date,Open,High,Low,Close\n2020-01-02 00:00:00+01:00,1,1,1,1\n2020-01-02 00:00:00+00:00,1,1,1,1\n", file: "t.csv")
        #expect(twice.series.timestamps.map(\.isoDateTime) == ["2020-01-01T23:00:00", "2020-01-02T00:00:00"])
        #expect(twice.warnings.map(\.kind) == [.timesInUTC])
        #expect(twice.series.frequency.kind == .intraday && twice.series.frequency.description.hasPrefix("hourly"))
        // Bars at several times of day are intraday: each keeps the time the file wrote, so a New
        // York session is 09:30–16:00 on both sides of a daylight-saving change.
        let mixed = try BarCSV.parse("Date,Open,High,Low,Close\n2020-01-02 00:00:00+01:00,1,1,1,1\n2020-01-02 09:00:00+01:00,1,1,1,1\n",
                                     file: "t.csv")
        #expect(mixed.series.timestamps.map(\.iso) == ["2020-01-02", "2020-01-02T09:00:00"] && mixed.warnings.isEmpty)
        let newYork = try BarCSV.parse("Date,Open,High,Low,Close\n2020-03-06 09:30:00-05:00,1,1,1,1\n2020-03-06 15:55:00-05:00,1,1,1,1\n"
                                       + "2020-03-09 09:30:00-04:00,1,1,1,1\n", file: "t.csv").series
        #expect(newYork.timestamps.map(\.isoDateTime) == ["2020-03-06T09:30:00", "2020-03-06T15:55:00", "2020-03-09T09:30:00"])
        // When daylight-saving time ends, a 24-hour market's local clock repeats an hour: UTC then
        // keeps the order, and a warning says so.
        let repeated = try BarCSV.parse("Date,Open,High,Low,Close\n2020-11-01 00:00:00-04:00,1,1,1,1\n2020-11-01 01:00:00-04:00,1,1,1,1\n"
                                        + "2020-11-01 01:00:00-05:00,1,1,1,1\n2020-11-01 02:00:00-05:00,1,1,1,1\n", file: "t.csv")
        #expect(repeated.series.timestamps.map(\.isoDateTime) == ["2020-11-01T04:00:00", "2020-11-01T05:00:00", "2020-11-01T06:00:00", "2020-11-01T07:00:00"])
        #expect(repeated.warnings.map(\.kind) == [.timesInUTC])
        // Spring forward: the local clock skips 02:00, which is no gap in a market open all night.
        let skipped = try BarCSV.parse("Date,Open,High,Low,Close\n2020-03-08 00:00:00-05:00,1,1,1,1\n2020-03-08 01:00:00-05:00,1,1,1,1\n"
                                       + "2020-03-08 03:00:00-04:00,1,1,1,1\n", file: "t.csv")
        #expect(skipped.series.timestamps.map(\.isoDateTime) == ["2020-03-08T05:00:00", "2020-03-08T06:00:00", "2020-03-08T07:00:00"])
        #expect(skipped.warnings.map(\.kind) == [.timesInUTC])
        // Eight-hour bars of a market open all night: the same, though their step is over six hours.
        let eightHours = try BarCSV.parse("Date,Open,High,Low,Close\n2020-03-07 16:00:00-05:00,1,1,1,1\n2020-03-08 00:00:00-05:00,1,1,1,1\n"
                                          + "2020-03-08 08:00:00-04:00,1,1,1,1\n2020-03-08 16:00:00-04:00,1,1,1,1\n", file: "t.csv")
        #expect(eightHours.warnings.map(\.kind) == [.timesInUTC] && eightHours.series.timestamps[2].isoDateTime == "2020-03-08T12:00:00")
        // The same when the bar at the switch is missing: a two-hour hole in a market open all
        // night is still within its session (a weekend's closing is not).
        let holed = try BarCSV.parse("Date,Open,High,Low,Close\n2020-03-07 22:00:00-05:00,1,1,1,1\n2020-03-07 23:00:00-05:00,1,1,1,1\n"
                                     + "2020-03-08 00:00:00-05:00,1,1,1,1\n2020-03-08 04:00:00-04:00,1,1,1,1\n2020-03-08 05:00:00-04:00,1,1,1,1\n",
                                     file: "t.csv")
        #expect(holed.warnings.map(\.kind) == [.timesInUTC] && holed.series.timestamps[3].isoDateTime == "2020-03-08T08:00:00", "\(holed.series.timestamps)")
        // Daily bars stamped at varying times (a session's close, one half day) across the spring
        // weekend are days, not a market open across the switch.
        let stamps = ["2020-03-02 16:00:00-05:00", "2020-03-03 16:00:00-05:00", "2020-03-04 13:00:00-05:00", "2020-03-05 16:00:00-05:00",
                      "2020-03-06 16:00:00-05:00", "2020-03-09 16:00:00-04:00", "2020-03-10 16:00:00-04:00", "2020-03-11 16:00:00-04:00"]
        let closes = try BarCSV.parse("Date,Open,High,Low,Close\n" + stamps.map { "\($0),1,1,1,1" }.joined(separator: "\n"), file: "t.csv")
        #expect(closes.warnings.isEmpty && closes.series.frequency.kind == .daily, "\(closes.warnings) \(closes.series.timestamps)")
    }

    @Test("a newest-first export is read in reverse and said so; the same bars as the file sorted oldest first")
    func newestFirst() throws {
        let rows = ["2020-01-02,1,2,0.5,1.5,10", "2020-01-03,1.5,2,1,1.2,20", "2020-01-06,1.2,1.4,1,1.3,30"]
        let oldest = try BarCSV.parse("Date,Open,High,Low,Close,Volume\n" + rows.joined(separator: "\n"), file: "t.csv")
        let newest = try BarCSV.parse("Date,Open,High,Low,Close,Volume\n" + rows.reversed().joined(separator: "\n"), file: "t.csv")
        #expect(newest.series == oldest.series)
        #expect(newest.warnings.map(\.kind) == [.newestFirst] && oldest.warnings.isEmpty)
        // A row out of place in a newest-first file names the first row, whose date may be the typo.
        let broken = ["2020-01-06,1.2,1.4,1,1.3,30", "2020-01-02,1,2,0.5,1.5,10", "2020-01-03,1.5,2,1,1.2,20"]
        let error = try #require(throws: DataError.self) {
            try BarCSV.parse("Date,Open,High,Low,Close,Volume\n" + broken.joined(separator: "\n"), file: "t.csv")
        }
        #expect(error.line == 4 && error.message.contains("2020-01-06 on line 2"))
    }

    @Test("a drop repair drops the fewest rows that put the file in order: a typo'd first row, not the rows after it")
    func dropRepairKeepingTheBadRow() throws {
        // A typo in the first row's year: every later row looks out of order against it.
        let rows = ["2029-01-02,1,1,1,1"] + (3...9).map { "2020-01-0\($0),1,1,1,1" }
        let text = "Date,Open,High,Low,Close\n" + rows.joined(separator: "\n")
        let repaired = try BarCSV.parse(text, file: "t.csv", options: BarReadOptions(repair: .drop))
        #expect(repaired.series.count == 7 && repaired.repairs.map(\.line) == [2] && repaired.warnings.isEmpty)
        #expect(repaired.repairs.first?.reason.contains("2029-01-02 is later than 2020-01-03 on line 3, which follows it") == true,
                "\(repaired.repairs)")
        // A row dated a month late, or two rows swapped, cost that row, not the rows after it.
        let days = (1...28).map { String(format: "2020-02-%02d,1,1,1,1", $0) }
        var shuffled = days
        shuffled.insert(shuffled.remove(at: 20), at: 5)  // the 21st moved up among the 5th and 6th
        shuffled.swapAt(12, 13)
        let reordered = try BarCSV.parse("Date,Open,High,Low,Close\n" + shuffled.joined(separator: "\n"), file: "t.csv",
                                         options: BarReadOptions(repair: .drop))
        #expect(reordered.series.count == 26 && reordered.repairs.count == 2, "\(reordered.repairs)")
        #expect(reordered.series.timestamps == reordered.series.timestamps.sorted())
        // Newest first with one row out of place: read newest first, that row dropped.
        let newest = try BarCSV.parse("Date,Open,High,Low,Close\n" + shuffled.reversed().joined(separator: "\n"), file: "t.csv",
                                      options: BarReadOptions(repair: .drop))
        // (Of the swapped pair, either row may be the one kept.)
        #expect(newest.series.count == 26 && newest.repairs.count == 2 && newest.warnings.map(\.kind) == [.newestFirst])
        #expect(newest.series.timestamps == newest.series.timestamps.sorted() && !newest.series.timestamps.contains { $0.date.day == 21 })
        // A fill takes the value of the row now before it, not of a misdated row dropped later.
        let misdated = ["2020-01-02,100,101,99,100,1000", "2020-01-03,100,101,99,100,1000", "2019-01-06,50,51,49,50,900",
                        "2020-01-06,100,101,99,100,", "2020-01-07,100,101,99,100,1000", "2020-01-08,100,101,99,100,1000"]
        let filled = try BarCSV.parse("Date,Open,High,Low,Close,Volume\n" + misdated.joined(separator: "\n"), file: "t.csv",
                                      options: BarReadOptions(repair: .forwardFill))
        #expect(filled.series.count == 5 && filled.series.volume?[2] == 1000, "\(filled.series.volume ?? [])")
        #expect(filled.repairs.map(\.line) == [4, 5] && filled.repairs[1].replacement == 1000, "\(filled.repairs)")
        // Filled again, a close that breaks its bar's range drops the bar; with no row before it
        // left to fill from, so does the first.
        let broken = try BarCSV.parse("Date,Open,High,Low,Close\n2024-01-01,50,51,49,50\n2024-01-20,10,11,9,10\n2024-01-02,10,11,9,\n2024-01-03,10,11,9,10\n",
                                      file: "t.csv", options: BarReadOptions(repair: .forwardFill))
        #expect(broken.series.count == 2 && broken.repairs.map(\.line) == [3, 4], "\(broken.repairs)")
        #expect(broken.repairs[1].action == .droppedRow && broken.repairs[1].reason.contains("high 11.0 is below close 50.0"))
        let first = try BarCSV.parse("Date,Open,High,Low,Close\n2024-01-20,10,11,9,10\n2024-01-02,10,11,9,\n2024-01-03,10,11,9,10\n2024-01-04,10,11,9,10\n",
                                     file: "t.csv", options: BarReadOptions(repair: .forwardFill))
        #expect(first.series.count == 2 && first.repairs.map(\.line) == [2, 3] && first.repairs.allSatisfy { $0.action == .droppedRow }, "\(first.repairs)")
        // Newest first: a fill takes the bar before in time (the row below), never a later bar; the
        // newest bar's cell is filled, the oldest's cannot be.
        let newestFilled = try BarCSV.parse("Date,Open,High,Low,Close,Volume\n2024-01-05,44,46,43,45,\n2024-01-04,41,42,40,41,500\n"
                                                + "2024-01-03,30,,29,30,400\n2024-01-02,30,31,29,30,300\n2024-01-01,20,21,19,,200\n",
                                            file: "t.csv", options: BarReadOptions(repair: .forwardFill))
        #expect(newestFilled.series.timestamps.map(\.isoDate) == ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"])
        #expect(newestFilled.series.high[1] == 31 && newestFilled.series.volume?[3] == 500, "\(newestFilled.series.high)")
        #expect(newestFilled.repairs.map(\.line) == [2, 4, 6] && newestFilled.repairs.map(\.replacement) == [500, 31, nil],
                "\(newestFilled.repairs)")
        #expect(newestFilled.repairs[2].action == .droppedRow && newestFilled.repairs[2].reason.contains("no bar before it"))
        // A complete row repeating the timestamp of a row with cells to fill takes its place.
        let repeated = try BarCSV.parse("Date,Open,High,Low,Close,Volume\n2020-01-02,100,101,99,100.5,1000\n2020-01-03,,112,110,111,1000\n"
                                             + "2020-01-03,111,112,110,111,1000\n2020-01-06,112,113,111,112,1000\n",
                                         file: "t.csv", options: BarReadOptions(repair: .forwardFill))
        #expect(repeated.series.timestamps.map(\.isoDate) == ["2020-01-02", "2020-01-03", "2020-01-06"] && repeated.series.open[1] == 111)
        #expect(repeated.repairs.map(\.line) == [3] && repeated.repairs[0].action == .droppedRow
                && repeated.repairs[0].reason == "line 4 repeats its timestamp 2020-01-03 with every cell, and is kept instead", "\(repeated.repairs)")
        // A bar whose own range is broken is dropped for that alone, whatever volume was filled.
        let ownFault = try BarCSV.parse("Date,Open,High,Low,Close,Volume\n2020-01-02,100,101,99,100.5,1000\n2020-01-03,101,99,102,101,\n2020-01-06,112,113,111,112,1000\n",
                                        file: "t.csv", options: BarReadOptions(repair: .forwardFill))
        #expect(ownFault.repairs.map(\.reason) == ["high 99.0 is below open 101.0"], "\(ownFault.repairs)")
        // A filled value that breaks its bar's range drops the bar and says what was filled from where.
        let outOfRange = try BarCSV.parse("Date,Open,High,Low,Close\n2024-01-03,10,11,9,10\n2024-01-02,10,11,9,\n2024-01-01,50,51,49,50\n",
                                          file: "t.csv", options: BarReadOptions(repair: .forwardFill))
        #expect(outOfRange.series.count == 2 && outOfRange.repairs.map(\.action) == [.droppedRow])
        #expect(outOfRange.repairs.first?.reason == "Close '' filled with 50.0 from line 4, and then high 11.0 is below close 50.0",
                "\(outOfRange.repairs)")
        // Newest first: the reasons say which row each is out of place against, in that order.
        let descending = ["2020-01-09", "2020-01-08", "2020-01-20", "2020-01-07", "2020-01-06", "2020-01-03"].map { "\($0),1,1,1,1" }
        let newestRepaired = try BarCSV.parse("Date,Open,High,Low,Close\n" + descending.joined(separator: "\n"), file: "t.csv",
                                              options: BarReadOptions(repair: .drop))
        #expect(newestRepaired.repairs.map(\.line) == [4] && newestRepaired.warnings.map(\.kind) == [.newestFirst])
        #expect(newestRepaired.repairs.first?.reason == "timestamp 2020-01-20 is later than 2020-01-08 on line 3, in a file whose rows run newest first",
                "\(newestRepaired.repairs)")
        // Rows with offsets are compared as instants, and the reason says so.
        let offsets = ["2020-01-02T09:00:00+01:00", "2020-01-02T10:00:00+01:00", "2020-01-02T08:30:00+01:00", "2020-01-02T11:00:00+01:00"]
        let instants = try BarCSV.parse("Date,Open,High,Low,Close\n" + offsets.map { "\($0),1,1,1,1" }.joined(separator: "\n"), file: "t.csv",
                                        options: BarReadOptions(repair: .drop))
        #expect(instants.repairs.map(\.line) == [4] && instants.repairs.first?.reason.hasSuffix("(times compared in UTC)") == true, "\(instants.repairs)")
        // Still refused: a drop that keeps fewer rows than it drops.
        let mostlyBad = (1...8).map { String(format: "2020-01-%02d,1,1,1,%@", $0, $0 <= 5 ? "x" : "1") }
        let error = try #require(throws: DataError.self) {
            try BarCSV.parse("Date,Open,High,Low,Close\n" + mostlyBad.joined(separator: "\n"), file: "t.csv", options: BarReadOptions(repair: .drop))
        }
        #expect(error.message.contains("drop 5 of 8 rows and keep 3"), "\(error)")
        // One bad row among many is still dropped.
        let one = try BarCSV.parse("Date,Open,High,Low,Close\n" + (["2020-01-01,1,1,1,x"] + rows.dropFirst()).joined(separator: "\n"),
                                   file: "t.csv", options: BarReadOptions(repair: .drop))
        #expect(one.series.count == 7 && one.repairs.count == 1)
    }

    @Test("bars at the end that repeat one bar, longer than the series sat still before, are warned about; a file that never moved, a short run, or a quiet market's usual nights are not")
    func staleEnd() throws {
        let days = (0..<80).map { Timestamp(year: 2021, month: 3, day: 1).adding(days: $0).isoDate }
        func file(flat: Int, bar: String = "42,42,42,42") -> String {
            "Date,Open,High,Low,Close,Volume\n" + days.enumerated().map { i, day in
                i < days.count - flat ? "\(day),\(100 + i),\(101 + i),\(99 + i),\(100 + i),1000" : "\(day),\(bar),\(i % 2 == 0 ? 0 : 500)"
            }.joined(separator: "\n")
        }
        let stale = try BarCSV.parse(file(flat: 26), file: "t.csv")
        let warning = try #require(stale.warnings.first { $0.kind == .staleEnd }, "\(stale.warnings)")
        // Rows 55 to 80 of the data (lines 56 to 81) sit at 42.
        #expect(warning.line == 56 && warning.message.hasPrefix("the last 26 bars (from \(days[54])) all sit at 42.0 with no range, though 13 of them report volume"),
                "\(warning)")
        // 20 such bars are enough, 19 are not.
        #expect(try BarCSV.parse(file(flat: 20), file: "t.csv").warnings.contains { $0.kind == .staleEnd && $0.message.hasPrefix("the last 20 bars") })
        #expect(try BarCSV.parse(file(flat: 19), file: "t.csv").warnings.allSatisfy { $0.kind != .staleEnd })
        // A whole bar repeated, its range too (a feed that copies its last bar).
        let copied = try BarCSV.parse(file(flat: 25, bar: "40,45,39,42"), file: "t.csv")
        #expect(copied.warnings.contains { $0.kind == .staleEnd && $0.message.contains("the last 25 bars") && $0.message.contains("repeat one bar (open 40.0, high 45.0, low 39.0, close 42.0)") },
                "\(copied.warnings)")
        let never = try BarCSV.parse("Date,Open,High,Low,Close\n" + days.map { "\($0),1,1,1,1" }.joined(separator: "\n"), file: "t.csv")
        #expect(never.warnings.allSatisfy { $0.kind != .staleEnd }, "\(never.warnings)")
        // Flat for 30 bars twice before (a quiet stretch the series keeps), then 25 at the end: its rhythm, not a stale feed.
        let quiet = (0..<120).map { i in
            let day = Timestamp(year: 2021, month: 3, day: 1).adding(days: i).isoDate
            let flat = (20..<50).contains(i) || (60..<90).contains(i) || i >= 95
            return flat ? "\(day),7,7,7,7" : "\(day),\(100 + i),\(101 + i),\(99 + i),\(100 + i)"
        }
        let usual = try BarCSV.parse("Date,Open,High,Low,Close\n" + quiet.joined(separator: "\n"), file: "t.csv")
        #expect(usual.warnings.allSatisfy { $0.kind != .staleEnd }, "\(usual.warnings)")
    }

    @Test("rows of delimiters only between rows of data, and bars on a day the series otherwise never trades, are warned about")
    func emptyRowsAndOffCalendarBars() throws {
        let weekdays = (0..<200).map { Timestamp(year: 2020, month: 1, day: 6).adding(days: $0) }.filter { $0.weekday <= 5 }
        var rows = weekdays.map { "\($0.isoDate),1,1,1,1" }
        let plain = try BarCSV.parse("Date,Open,High,Low,Close\n" + rows.joined(separator: "\n") + "\n,,,,\n", file: "t.csv")
        #expect(plain.warnings.isEmpty, "\(plain.warnings)")  // delimiters below the data: a spreadsheet's unused rows
        rows.insert(",,,,", at: 10)
        rows[30] = "2020-02-15,1,1,1,1"  // a Saturday, between Friday the 14th and Monday the 17th
        rows.remove(at: 31)
        let file = try BarCSV.parse("Date,Open,High,Low,Close\n" + rows.joined(separator: "\n"), file: "t.csv")
        #expect(file.warnings.map(\.kind) == [.emptyRows, .offCalendarBars], "\(file.warnings)")
        #expect(file.warnings[0].line == 12 && file.warnings[0].message.contains("line 12 holds only delimiters"))
        #expect(file.warnings[1].message.hasPrefix("1 date has bars on a Saturday (first 2020-02-15)"), "\(file.warnings[1])")
        // A row of delimiters above the data is named as such.
        let above = try BarCSV.parse("Date,Open,High,Low,Close\n,,,,\n" + rows.prefix(5).filter { !$0.hasPrefix(",") }.joined(separator: "\n"), file: "t.csv")
        #expect(above.warnings.first?.message.contains("between the header and the data") == true, "\(above.warnings)")
        // A currency pair's Sunday evening hours, or a futures market's one Sunday hour, are a session of its own, not a stray bar.
        let start = Timestamp(year: 2020, month: 1, day: 5).secondsSinceEpoch
        func open(_ t: Timestamp) -> Bool {
            let hour = t.secondOfDay / 3600
            return t.weekday <= 4 || (t.weekday == 5 && hour < 22) || (t.weekday == 7 && hour >= 23)
        }
        let hours: [Timestamp] = (0..<(24 * 28)).map { Timestamp(secondsSinceEpoch: start + Int64($0) * 3600) }.filter(open)
        let lines: [String] = hours.map { String(format: "%@T%02d:00:00,1,1,1,1", $0.isoDate, $0.secondOfDay / 3600) }
        let fx = try BarCSV.parse("Date,Open,High,Low,Close\n" + lines.joined(separator: "\n"), file: "t.csv")
        #expect(fx.warnings.isEmpty, "\(fx.warnings)")
    }

    @Test("spreadsheet and old-system exports: CR-only lines, a sep= line, rows of bare delimiters below the data")
    func spreadsheetExports() throws {
        let rows = ["Date;Open;High;Low;Close", "2020-01-02;1;2;0.5;1.5", "2020-01-03;1.5;2;1;1.2"]
        let reference = try BarCSV.parse(rows.joined(separator: "\n"), file: "t.csv").series
        #expect(try BarCSV.parse(rows.joined(separator: "\r"), file: "t.csv").series == reference)
        #expect(try BarCSV.parse("sep=;\n" + rows.joined(separator: "\r\n"), file: "t.csv").series == reference)
        #expect(try BarCSV.parse("\"sep=;\" \n" + rows.joined(separator: "\n"), file: "t.csv").series == reference)
        #expect(try BarCSV.parse(rows.joined(separator: "\n") + "\n;;;;\n ; ; ; ; \n", file: "t.csv").series == reference)
        // Line ends mixed in one file (rows pasted from a classic Mac file into a Windows one),
        // and the stray carriage return of "\r\r\n" as a blank line.
        let mixed = rows[0] + "\r\n" + rows[1] + "\r" + rows[2] + "\r\r\n"
        #expect(try BarCSV.parse(mixed, file: "t.csv").series == reference)
        // Line numbers in messages count every kind of line end.
        let error = try #require(throws: DataError.self) { try BarCSV.parse(mixed + "2020-01-06;1;x;1;1\n", file: "t.csv") }
        #expect(error.description.hasPrefix("t.csv:5:"))
    }

    @Test("a compressed, UTF-16 or binary file is named as such, not parsed into a garbled header", arguments: [
        ([0x1F, 0x8B, 0x08, 0x00, 0x41, 0x42], "gzip-compressed"), ([0xFF, 0xFE, 0x44, 0x00, 0x61, 0x00], "UTF-16"),
        ([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00], "zip archive"), ([0x44, 0x61, 0x00, 0x1B, 0x0A, 0x31], "binary data"),
        ([0x20, 0x01, 0, 0, 0, 0, 0, 0, 0x7B, 0x22, 0x5F, 0x5F], "a safetensors checkpoint (a trained model: pass it with --model-file)"),
    ] as [([UInt8], String)])
    func notText(bytes: [UInt8], kind: String) throws {
        let error = try #require(throws: DataError.self) {
            try bytes.withUnsafeBytes { try BarCSV.parse($0, file: "x.csv", name: "x") }
        }
        #expect(error.description.hasPrefix("x.csv: error: is not a CSV text file: it looks like") && error.description.contains(kind))
        // Each with its own way out.
        let fix = kind.hasPrefix("gzip") ? "--data <(zcat FILE)" : kind == "UTF-16" ? "iconv -f UTF-16 -t UTF-8 FILE" : kind.hasPrefix("a safetensors") ? "--model-file" : "UTF-8 CSV"
        #expect(error.fix.contains(fix), "\(error)")
    }

    @Test("UTF-16 without a byte-order mark is named with its byte order")
    func utf16WithoutMark() throws {
        let text = "Date,Open,High,Low,Close\n2020-01-02,1,2,0.5,1.5\n"
        for (units, order) in [(text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }, "little-endian"),
                               (text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }, "big-endian")] {
            let error = try #require(throws: DataError.self) { try units.withUnsafeBytes { try BarCSV.parse($0, file: "x.csv", name: "x") } }
            #expect(error.message.contains("UTF-16 text (\(order), without a byte-order mark)"))
        }
        // UTF-32, with its mark or without, is named as UTF-32 (its little-endian mark begins as UTF-16's).
        let scalars = text.unicodeScalars.map(\.value)
        let little = scalars.flatMap { v in (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        let big = scalars.flatMap { v in (0..<4).reversed().map { UInt8((v >> (8 * $0)) & 0xFF) } }
        for (bytes, kind, iconv) in [([0xFF, 0xFE, 0, 0] + little, "UTF-32 text (little-endian)", "UTF-32LE"), ([0, 0, 0xFE, 0xFF] + big, "UTF-32 text (big-endian)", "UTF-32BE"),
                                     (little, "UTF-32 text (little-endian, without a byte-order mark)", "UTF-32LE"),
                                     (big, "UTF-32 text (big-endian, without a byte-order mark)", "UTF-32BE")] as [([UInt8], String, String)] {
            let error = try #require(throws: DataError.self) { try bytes.withUnsafeBytes { try BarCSV.parse($0, file: "x.csv", name: "x") } }
            #expect(error.message.hasSuffix(kind) && error.fix.contains("iconv -f \(iconv) -t UTF-8 FILE"), "\(error)")
        }
        // An array of small 32-bit integers is no text.
        let integers = (0..<64).flatMap { (v: UInt32) in [UInt8(v % 20), 0, 0, 0] }
        let binary = try #require(throws: DataError.self) { try integers.withUnsafeBytes { try BarCSV.parse($0, file: "x.csv", name: "x") } }
        #expect(binary.message.hasSuffix("binary data"), "\(binary)")
    }

    @Test("a drop that leaves nothing names the first row's fault; a wide export's unused columns are one warning")
    func dropAllAndWideExports() throws {
        let error = try #require(throws: DataError.self) {
            try BarCSV.parse("Date,Open,High,Low,Close,Volume\n2020-01-02,10,12,9,11,1.2X\n", file: "t.csv", options: BarReadOptions(repair: .drop))
        }
        #expect(error.message.contains("dropped all 1 row; the first, line 2: Volume '1.2X' is not a number"), "\(error)")
        let names = (1...300).map { "indicator\($0)" }
        let wide = try BarCSV.parse("Date,Open,High,Low,Close," + names.joined(separator: ",") + "\n2020-01-02,1,2,0.5,1.5"
                                    + String(repeating: ",0", count: 300) + "\n", file: "t.csv")
        #expect(wide.warnings.count == 1 && wide.warnings[0].message.hasPrefix("300 columns are not used: 'indicator1'"))
    }

    @Test("a Date column and a Time column are read together, as MetaTrader writes them, on 24- or 12-hour clocks; other pairs of time columns are refused")
    func dateAndTimeColumns() throws {
        let metaTrader = "<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>\n"
            + "2020.01.02\t09:30:00\t1.1\t1.2\t1.0\t1.15\t100\t0\t2\n2020.01.02\t10:30:00\t1.15\t1.3\t1.1\t1.2\t120\t0\t2\n"
        let file = try BarCSV.parse(metaTrader, file: "t.csv")
        #expect(file.series.timestamps.map(\.isoDateTime) == ["2020-01-02T09:30:00", "2020-01-02T10:30:00"])
        #expect(file.series.close == [1.15, 1.2] && file.dateFormat == "YYYY.MM.DD, with the time HH:MM:SS in a column of its own")
        #expect(file.warnings.contains { $0.kind == .zeroVolume && $0.message.contains("the file counts ticks in '<TICKVOL>'") })
        // The time column first, and daily bars whose times are all midnight.
        let swapped = try BarCSV.parse("Time,Date,Open,High,Low,Close\n00:00,2020-01-02,1,1,1,1\n00:00,2020-01-03,1,1,1,1\n", file: "t.csv").series
        #expect(swapped.timestamps.map(\.iso) == ["2020-01-02", "2020-01-03"])
        // A 12-hour clock and one-digit hours, as spreadsheets write them, in either form.
        let twelve = try BarCSV.parse("Date,Time,Open,High,Low,Close\n2020-01-02,9:30 AM,1,1,1,1\n2020-01-02,12:00 PM,1,1,1,1\n"
                                      + "2020-01-02,1:30pm,1,1,1,1\n2020-01-03,12:15 AM,1,1,1,1\n", file: "t.csv")
        #expect(twelve.series.timestamps.map(\.isoDateTime) == ["2020-01-02T09:30:00", "2020-01-02T12:00:00", "2020-01-02T13:30:00", "2020-01-03T00:15:00"])
        #expect(twelve.dateFormat == "YYYY-MM-DD, with the time HH:MM AM/PM in a column of its own")
        let oneDigit = try BarCSV.parse("Date,Open,High,Low,Close\n2020-01-02 9:30,1,1,1,1\n2020-01-02 10:30,1,1,1,1\n", file: "t.csv")
        #expect(oneDigit.series.timestamps.map(\.isoDateTime) == ["2020-01-02T09:30:00", "2020-01-02T10:30:00"])
        let thirteen = try #require(throws: DataError.self) { try BarCSV.parse("Date,Time,Open,High,Low,Close\n2020-01-02,13:30 PM,1,1,1,1\n", file: "t.csv") }
        #expect(thirteen.message.contains("hour 13 on a 12-hour clock") && thirteen.column == 2)
        // A date in one format and then another is still refused.
        let mixed = try #require(throws: DataError.self) { try BarCSV.parse("Date,Open,High,Low,Close\n2020.01.02,1,1,1,1\n2020-01-03,1,1,1,1\n", file: "t.csv") }
        #expect(mixed.kind == .mixedDateFormats)
        // Seconds on one row and not the next: the Time column's fault, named as such.
        let seconds = try #require(throws: DataError.self) {
            try BarCSV.parse("Date,Time,Open,High,Low,Close\n2020-01-02,09:30,1,1,1,1\n2020-01-02,09:30:30,1,1,1,1\n", file: "t.csv")
        }
        #expect(seconds.column == 2 && seconds.message.hasPrefix("time '09:30:30' is written as"))
        let error = try #require(throws: DataError.self) {
            try BarCSV.parse("Date,Timestamp,Open,High,Low,Close\n2020-01-02,2020-01-02 09:30,1,1,1,1\n", file: "t.csv")
        }
        #expect(error.fix.contains("merge them into one Date column"))
    }

    @Test("a series without volume reads, writes and reads back")
    func noVolume() throws {
        let file = try BarCSV.parse("Date,Open,High,Low,Close\n2020-01-02,1,2,0.5,1.5\n2020-01-03,1.5,2,1,1.2\n", file: "t.csv")
        #expect(file.series.volume == nil)
        #expect(file.series[0].volume.isNaN)
        #expect(try BarCSV.parse(BarCSV.text(of: file.series), file: "again", name: "t.csv").series == file.series)
    }

    @Test("writing to a file is atomic and reads back")
    func writeFile() throws {
        let series = try BarCSV.read(contentsOf: datasetPath("EURUSD_hourly")).series[0..<50]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-\(UUID()).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try BarCSV.write(series, to: path)
        #expect(try BarCSV.read(contentsOf: path, name: series.name).series == series)
    }

    @Test("a missing file, or a folder, gives an error naming it")
    func unreadable() {
        #expect(throws: DataError.self) { try BarCSV.read(contentsOf: "/nonexistent/prices.csv") }
        do {
            _ = try BarCSV.read(contentsOf: datasetsFolder.path)
        } catch let error as DataError {
            #expect(error.kind == .unreadableFile && error.description.contains("folder"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("one-bar jumps beyond 40% are warned about with their date; adjusted prices are suggested")
    func jumpWarning() throws {
        let text = "Date,Open,High,Low,Close,Volume,Adj Close\n2003-02-14,48,49,47,48.3,10,24.15\n"
            + "2003-02-18,24,24.5,23.8,24.15,10,24.15\n2003-02-19,24.1,24.3,23.9,24.2,0,24.2\n"
        let file = try BarCSV.parse(text, file: "split.csv")
        let jump = try #require(file.warnings.first { $0.kind == .largeJump })
        #expect(jump.line == 3)
        #expect(jump.message.contains("2003-02-18") && jump.message.contains("-50.0%") && jump.message.contains("adjusted"))
        // A raw price the next bar takes back, its Adj Close steady, is a bad print, not a split.
        let rows = (0..<30).map { t -> String in
            let close = t == 15 ? 170.0 : 100.0 + Double(t % 2)
            return "\(Timestamp(year: 2003, month: 1, day: 1).adding(days: t).isoDate),\(close),\(close),\(close),\(close),10,\(100.0 + Double(t % 2))"
        }
        let spike = try BarCSV.parse("Date,Open,High,Low,Close,Volume,Adj Close\n" + rows.joined(separator: "\n"), file: "spike.csv")
        #expect(spike.warnings.filter { $0.kind == .largeJump }.map(\.message).allSatisfy { $0.hasSuffix("a bad price? The next bar moves it back.") }
                && spike.warnings.filter { $0.kind == .largeJump }.count == 1, "\(spike.warnings)")
        #expect(file.warnings.contains { $0.kind == .zeroVolume && $0.line == 4 })
        // On adjusted prices the split is gone, and each bar keeps its shape: O, H, L scale with C.
        let adjusted = file.series.withCloses(try #require(file.series.adjustedClose))
        #expect(adjusted.close == [24.15, 24.15, 24.2])
        #expect(adjusted.open[0] == 48 * (24.15 / 48.3) && adjusted.high[0] == 49 * (24.15 / 48.3) && adjusted.low[0] == 47 * (24.15 / 48.3))
        // The volume the other way: the split-adjusted first bar traded twice the shares.
        #expect(adjusted.open[1] == 24 && adjusted.volume == [10 / (24.15 / 48.3), 10, 0])
    }

    @Test("a jump is one beyond the series' own moves too: a split on monthly bars is flagged, a yearly index's ordinary 45% is not")
    func jumpsAgainstTheSeriesMoves() throws {
        func series(_ closes: [Double], monthsApart: Int) throws -> BarFile {
            let rows = closes.enumerated().map { i, c in
                "\(Timestamp(year: 1990 + i * monthsApart / 12, month: i * monthsApart % 12 + 1, day: 28).isoDate),\(c),\(c),\(c),\(c),1\n"
            }
            return try BarCSV.parse("Date,Open,High,Low,Close,Volume\n" + rows.joined(), file: "t.csv")
        }
        // Months moving ±5%, then a 2:1 split.
        var monthly = (0..<40).map { 100 * pow(1.05, Double($0 % 2)) }
        monthly += monthly.suffix(10).map { $0 / 2 }
        #expect(try series(monthly, monthsApart: 1).warnings.filter { $0.kind == .largeJump }.count == 1)
        // Years moving up 45% and back down, all ordinary for the series.
        let yearly = (0..<30).map { 100 * pow(1.45, Double($0 % 2)) }
        #expect(try series(yearly, monthsApart: 12).warnings.filter { $0.kind == .largeJump }.isEmpty)
        // 300 days moving ±5%, twelve of ±25% and one spike of +80% (a volatility index): beyond 8 times
        // the median move, but within three
        // times the 99th percentile of its moves. A 2-for-1 split there is still beyond that.
        func daily(_ closes: [Double]) throws -> BarFile {
            let start = Timestamp(year: 1990, month: 1, day: 1).secondsSinceEpoch
            let rows = closes.enumerated().map { i, c in "\(Timestamp(secondsSinceEpoch: start + Int64(i) * 86_400).isoDate),\(c),\(c),\(c),\(c),1\n" }
            return try BarCSV.parse("Date,Open,High,Low,Close,Volume\n" + rows.joined(), file: "t.csv")
        }
        var moves = (0..<300).map { $0 % 2 == 0 ? 0.05 : -0.05 }
        for i in [40, 90, 140, 190, 240, 290] { (moves[i], moves[i + 1]) = (0.223, -0.223) }
        (moves[150], moves[151]) = (log(1.8), -log(1.8))
        var spiky = moves.reduce(into: [20.0]) { $0.append($0.last! * exp($1)) }
        #expect(try daily(spiky).warnings.filter { $0.kind == .largeJump }.isEmpty)
        spiky += spiky.suffix(5).map { $0 / 2 }
        let split = try daily(spiky).warnings.filter { $0.kind == .largeJump }
        #expect(split.count == 1 && split[0].message.hasSuffix("an unadjusted 2-for-1 split, or a bad price?"), "\(split)")
        // Two bad prints (×100 for a bar) in 201 bars: each warned once, as a price the next bar
        // takes back; they do not set the yardstick they are measured by.
        var prints = (0..<201).map { 100 * pow(1.01, Double($0 % 2)) }
        prints[50] *= 100
        prints[120] *= 100
        let bad = try daily(prints).warnings.filter { $0.kind == .largeJump }
        #expect(bad.map(\.line) == [52, 122] && bad.allSatisfy { $0.message.hasSuffix("a bad price? The next bar moves it back.") }, "\(bad)")
        // A bad print followed by a split: the split, beyond the threshold from the bar before the
        // print, is a move of its own and is warned about too.
        var printThenSplit = (0..<201).map { 100 * pow(1.01, Double($0 % 2)) }
        printThenSplit[50] = 0.01
        for i in 51..<201 { printThenSplit[i] /= 2 }
        #expect(try daily(printThenSplit).warnings.filter { $0.kind == .largeJump }.map(\.line) == [52, 53])
    }

    @Test("a jump's likely cause: a split near a split's ratio, otherwise a bad price or a real move", arguments: [
        (0.5, "an unadjusted 2-for-1 split, or a bad price?"), (0.34, "an unadjusted 3-for-1 split, or a bad price?"),
        (0.66, "an unadjusted 3-for-2 split, or a bad price?"), (10.2, "an unadjusted 1-for-10 reverse split, or a bad price?"),
        (2.156, "a bad price, or a real move beyond the series' usual ones?"), (1.46, "a bad price, or a real move beyond the series' usual ones?"),
        (0.55, "a bad price, or a real move beyond the series' usual ones?"), (13.0, "a bad price, or a real move beyond the series' usual ones?"),
        (1 / 101.0, "an unadjusted 100-for-1 split, or a bad price?"), (1 / 7.0, "an unadjusted 7-for-1 split, or a bad price?"),
        (201.0, "an unadjusted 1-for-200 reverse split, or a bad price?"),
    ])
    func jumpCause(_ ratio: Double, _ expected: String) {
        #expect(BarCSVReader.jumpCause(ratio: ratio) == expected)
    }
}

@Suite("Numbers, dates, frequency")
struct ParsingDetailTests {
    @Test("the decimal parser agrees with strtod bit for bit on random decimal text")
    func decimalParser() {
        var state: UInt64 = 12345
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        for _ in 0..<50_000 {
            let digits = Int(next() % 24) + 1
            var text = next() % 4 == 0 ? "-" : ""
            let point = Int(next() % UInt64(digits + 1))
            for k in 0..<digits {
                if k == point && k > 0 { text += "." }
                text += String(next() % 10)
            }
            if next() % 3 == 0 { text += "e\(Int(next() % 80) - 40)" }
            let expected = strtod(text, nil)
            let got = text.utf8CString.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: UInt8.self) {
                    DecimalParser.parse($0.baseAddress!, from: 0, to: text.utf8.count)
                }
            }
            #expect(got?.bitPattern == expected.bitPattern, "\(text)")
        }
        for bad in ["", "-", ".", "e5", "1e", "1.2.3", "12a", "0x10", "nan", "--1"] {
            let got = bad.utf8CString.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: UInt8.self) { DecimalParser.parse($0.baseAddress!, from: 0, to: bad.utf8.count) }
            }
            #expect(got == nil, "'\(bad)' should not parse")
        }
    }

    @Test("calendar conversion agrees with Foundation's Gregorian calendar")
    func calendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        // Foundation switches to the Julian calendar before 1582-10-15; ISO dates are proleptic
        // Gregorian, so compare from that day on.
        for days in stride(from: -141_427, through: 800_000, by: 997) {
            let timestamp = Timestamp(secondsSinceEpoch: Int64(days) * 86_400 + 3_723)
            let components = calendar.dateComponents([.year, .month, .day, .weekday],
                                                     from: Date(timeIntervalSince1970: TimeInterval(timestamp.secondsSinceEpoch)))
            let (y, m, d) = timestamp.date
            #expect(y == components.year && m == components.month && d == components.day)
            // Foundation counts Sunday as 1; ISO counts Monday as 1.
            #expect(timestamp.weekday == (components.weekday! + 5) % 7 + 1)
            #expect(Timestamp(year: y, month: m, day: d, hour: 1, minute: 2, second: 3) == timestamp)
        }
    }

    @Test("frequency and year length come from the data")
    func frequency() throws {
        let spx = try BarCSV.read(contentsOf: datasetPath("SPX_daily")).series
        #expect(spx.frequency.kind == .daily && spx.frequency.barsPerYear == 252 && !spx.frequency.hasWeekendBars)
        let fx = try BarCSV.read(contentsOf: datasetPath("EURUSD_hourly")).series
        #expect(fx.frequency.kind == .intraday && fx.frequency.typicalSpacingSeconds == 3600)
        // 6225 hourly bars over 362 days.
        #expect(abs(fx.frequency.barsPerYear - 6280) < 30)
        func synthetic(_ step: Int64, _ count: Int) throws -> BarSeries {
            try BarSeries(name: "s", bars: (0..<count).map {
                Bar(timestamp: Timestamp(secondsSinceEpoch: 1_577_923_200 + Int64($0) * step), open: 1, high: 1, low: 1, close: 1, volume: 1)
            })
        }
        #expect(try synthetic(86_400, 100).frequency.barsPerYear == 365)
        #expect(try synthetic(7 * 86_400, 100).frequency.kind == .weekly)
        #expect(try synthetic(300, 1000).frequency.description.hasPrefix("5-minute"))
        // Less than a week of intraday bars: bars a day times the days a year, not the span's
        // rate (one session of minute bars read as 525,960 a year).
        func sessions(days: Int, minutes: Int, from start: Timestamp = Timestamp(year: 2021, month: 3, day: 1, hour: 9, minute: 30)) throws -> BarSeries {
            try BarSeries(name: "s", bars: (0..<days).flatMap { day in
                (0..<minutes).map { Bar(timestamp: Timestamp(secondsSinceEpoch: start.adding(days: day).secondsSinceEpoch + Int64(60 * $0)),
                                        open: 1, high: 1, low: 1, close: 1, volume: 1) }
            })
        }
        #expect(try sessions(days: 1, minutes: 390).frequency.barsPerYear == 390 * 252)
        #expect(try sessions(days: 3, minutes: 390).frequency.barsPerYear == 390 * 252)
        #expect(try sessions(days: 1, minutes: 1440, from: Timestamp(year: 2021, month: 3, day: 1)).frequency.barsPerYear == 1440 * 365.25)
    }

    @Test("gaps: unexpected closures in the S&P 500 but not its holidays, Christmas in EUR/USD, no nights or weekends")
    func gaps() throws {
        let spx = try BarCSV.read(contentsOf: datasetPath("SPX_daily")).series
        let gapDates = spx.gaps().map(\.from.isoDate)
        #expect(gapDates.contains("2001-09-10"))
        // A single unexpected closed session (2018-12-05) is reported; holidays the series keeps
        // (Thanksgiving, Good Friday) are not.
        #expect(gapDates.contains("2018-12-04"))
        #expect(!gapDates.contains("2018-11-21") && !gapDates.contains("2018-03-29"))
        #expect(gapDates.count < 10)
        let fx = try BarCSV.read(contentsOf: datasetPath("EURUSD_hourly")).series
        let fxGaps = fx.gaps()
        // Christmas: no bars for 15 hours on 2017-12-25; the 51 weekend closures are expected.
        #expect(fxGaps.contains { $0.to.isoDate == "2017-12-25" || $0.from.isoDate == "2017-12-25" })
        #expect(fxGaps.count < 6)
        print("EUR/USD unexplained gaps: \(fxGaps.map { "\($0.from) → \($0.to)" })")
        // A market that trades through the night: eight hours missing across midnight are a gap.
        let cut = try BarSeries(name: "holed", bars: (0..<fx.count).map { fx[$0] }.filter {
            !($0.timestamp.isoDateTime >= "2017-08-09T22:00:00" && $0.timestamp.isoDateTime <= "2017-08-10T05:00:00")
        })
        #expect(cut.gaps().contains { $0.from.isoDateTime == "2017-08-09T21:00:00" && $0.to.isoDateTime == "2017-08-10T06:00:00" })
        #expect(cut.gaps().count == fxGaps.count + 1)
    }

    @Test("intraday gaps in minute bars: a missing hour stands out among scattered missing minutes")
    func minuteBars() throws {
        var state: UInt64 = 11
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1p-53
        }
        // About 1% of single minutes missing, and 11:00–11:59 of 2021-03-17.
        let series = try weekdayBars(from: Timestamp(year: 2021, month: 3, day: 1), days: 28) { date in
            (570..<960).filter { minute in !(uniform() < 0.01 || (date.isoDate == "2021-03-17" && (660..<720).contains(minute))) }
        }
        #expect(series.gaps().map(\.from.isoDateTime) == ["2021-03-17T10:59:00"])
    }

    @Test("intraday gaps at a lunch break's length but another time, or a lunch an hour longer, are gaps; the lunch itself is not")
    func lunchBreaks() throws {
        // Tokyo-like thirty-minute bars, 09:00–11:00 and 12:30–14:30 (lunch from 11:30), ten weeks
        // from 2021-05-03; on 2021-06-08 the 13:00 and 13:30 bars are missing (a break of the
        // lunch's length, 1.5 hours, at 12:30), on 2021-06-15 the lunch runs until 13:30.
        let series = try weekdayBars(from: Timestamp(year: 2021, month: 5, day: 3), days: 70) { date in
            var minutes = Array(stride(from: 540, through: 660, by: 30)) + Array(stride(from: 750, through: 870, by: 30))
            if date.isoDate == "2021-06-08" { minutes.removeAll { $0 == 780 || $0 == 810 } }
            if date.isoDate == "2021-06-15" { minutes.removeAll { $0 == 750 || $0 == 780 } }
            return minutes
        }
        #expect(series.gaps().map(\.from.isoDateTime) == ["2021-06-08T12:30:00", "2021-06-15T11:00:00"])
    }

    @Test("a New York session written in UTC opens an hour earlier after the spring change: no late openings")
    func utcSessionsAcrossDaylightSaving() throws {
        // 09:30 New York is 14:30 UTC before 2019-03-10 and 13:30 after.
        let series = try weekdayBars(from: Timestamp(year: 2019, month: 2, day: 18), days: 42) { date in
            let open = date.isoDate < "2019-03-10" ? 870 : 810
            return Array(stride(from: open, to: open + 390, by: 30))
        }
        #expect(series.gaps().isEmpty)
    }

    @Test("intraday gaps: a whole missing session day is one, though long weekends have its length, and so is a late opening; holidays, nights and weekends are not")
    func intradayMissingDay() throws {
        // Thirty-minute bars 09:30–15:30 on weekdays of 2016–2019, closed on four Monday holidays
        // (third Mondays of January and February, last of May, first of September) and missing
        // Monday 2019-06-10: its break is as long as each holiday weekend's, which recur.
        func monday(_ year: Int, _ month: Int, nth: Int) -> String {
            let first = Timestamp(year: year, month: month, day: 1)
            return first.adding(days: (8 - first.weekday) % 7 + 7 * (nth - 1)).isoDate
        }
        var closed: Set<String> = ["2019-06-10"]
        for year in 2016...2019 {
            closed.formUnion([monday(year, 1, nth: 3), monday(year, 2, nth: 3), monday(year, 9, nth: 1)])
            let may = Timestamp(year: year, month: 5, day: 31)
            closed.insert(may.adding(days: -((may.weekday + 6) % 7)).isoDate)
        }
        // 2018-03-06 lost its first hour (09:30 and 10:00).
        let series = try weekdayBars(from: Timestamp(year: 2016, month: 1, day: 4), days: 1447) { date in
            closed.contains(date.isoDate) ? [] : Array(stride(from: date.isoDate == "2018-03-06" ? 630 : 570, to: 960, by: 30))
        }
        #expect(series.frequency.kind == .intraday)
        #expect(series.gaps().map(\.from.isoDate) == ["2018-03-05", "2019-06-07"])
    }

    @Test("chronological splits cover the series in order without overlap")
    func splits() throws {
        let split = ChronologicalSplit(count: 1000, train: 0.7, validation: 0.15)
        #expect(split.train == 0..<700 && split.validation == 700..<850 && split.test == 850..<1000)
        let spx = try BarCSV.read(contentsOf: datasetPath("SPX_daily")).series
        let byDate = ChronologicalSplit(series: spx, validationStart: Timestamp(year: 2015, month: 1, day: 1),
                                        testStart: Timestamp(year: 2017, month: 1, day: 1))
        #expect(spx.timestamps[byDate.validation.lowerBound].isoDate == "2015-01-02")
        #expect(spx.timestamps[byDate.test.lowerBound].isoDate == "2017-01-03")
        #expect(byDate.train.upperBound == byDate.validation.lowerBound && byDate.test.upperBound == spx.count)
    }
}

@Suite("SHA-256")
struct SHA256Tests {
    @Test("standard test vectors")
    func vectors() {
        #expect(SHA256.hexDigest(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hexDigest(of: [UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexDigest(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("the digests of the bundled datasets match those recorded in PROVENANCE.md")
    func datasets() throws {
        let provenance = try String(contentsOf: datasetsFolder.appendingPathComponent("PROVENANCE.md"), encoding: .utf8)
        for name in datasetNames {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: datasetPath(name)))
            let digest = SHA256.hexDigest(of: bytes)
            #expect(provenance.contains("Output sha256: \(digest)"), "\(name): \(digest)")
            // Reading with a digest takes it from the same bytes; without, there is none.
            let path = datasetPath(name)
            let (withDigest, without) = (try BarCSV.read(contentsOf: path, digest: true), try BarCSV.read(contentsOf: path))
            #expect(withDigest.sha256 == digest && without.sha256 == nil)
        }
    }
}

@Suite("Files with closes only, and pandas' unnamed index")
struct ClosesOnlyTests {
    @Test("a Date and Close file: each bar's open, high and low are its close, with a warning")
    func closesOnly() throws {
        let file = try BarCSV.parse("Date,Close,Volume\n2024-01-02,11,100\n2024-01-03,12.5,200\n", file: "t.csv")
        #expect(file.series.open == [11, 12.5] && file.series.high == [11, 12.5] && file.series.low == [11, 12.5] && file.series.volume == [100, 200])
        #expect(file.warnings.map(\.kind) == [.closesOnly] && file.warnings[0].message.hasPrefix("the file has closes only"))
        // A date and one column named for the series (FRED's DATE,DCOILWTICO): that column is the close.
        let fred = try BarCSV.parse("DATE,DCOILWTICO\n2024-01-02,71.5\n2024-01-03,72.0\n", file: "t.csv")
        #expect(fred.series.close == [71.5, 72.0] && fred.series.low == [71.5, 72.0])
        #expect(fred.warnings.first?.message.hasPrefix("the file's one column of values, 'DCOILWTICO', is read as the close") == true, "\(fred.warnings)")
        // Two such columns could be either: refused, naming the Close column a closes-only file needs.
        let two = try #require(parseError("DATE,A,B\n2024-01-02,1,2\n"))
        #expect(two.kind == .missingColumn && two.message.hasPrefix("no Close column") && two.fix.contains("a file of dates and closes is read as closes only"))
        // FRED's current header; a trailing empty column; adjusted closes alone (yfinance).
        #expect(try BarCSV.parse("observation_date,DCOILWTICO,\n2024-01-02,71.5,\n", file: "t.csv").series.close == [71.5])
        let adjustedOnly = try BarCSV.parse("Date,Adj Close\n2024-01-02,5.5\n", file: "t.csv")
        #expect(adjustedOnly.series.close == [5.5] && adjustedOnly.series.adjustedClose == nil)
        // A column whose name says it is no price is not taken for one; a name for a level is.
        for header in ["Open Interest", "Returns", "Change %", "Volume", "Pct Change"] {
            #expect(parseError("Date,\(header)\n2024-01-02,5\n")?.message.hasPrefix("no Close column") == true, "\(header)")
        }
        for header in ["Exchange Rate", "Total Return Index", "Last Traded Price", "iShares MSCI World", "Interest Rate", "CHGG", "Discount Rate"] {
            #expect(try BarCSV.parse("Date,\(header)\n2024-01-02,5\n", file: "t.csv").series.close == [5], "\(header)")
        }
        // Unnamed columns that hold data make the one named column no surer a close.
        #expect(parseError("Date,AAPL US Equity,,,\n2024-01-02,185,186,184,185.5\n")?.message.hasPrefix("no Close column") == true)
        // A trailing delimiter's empty column goes unremarked.
        #expect(try BarCSV.parse("DATE,DCOILWTICO,\n2024-01-02,71.5,\n", file: "t.csv").warnings.map(\.kind) == [.closesOnly])
        // Adjusted closes alone are adjusted already: --adjusted reads them.
        #expect(try BarCSV.parse("Date,Adj Close\n2024-01-02,5.5\n", file: "t.csv", options: BarReadOptions(adjusted: true)).series.close == [5.5])
        // Dukascopy's and FRED's names for the time are the time only without a Date column.
        let both = try BarCSV.parse("Datetime,Open,High,Low,Close,Local time\n2024-01-02 10:00,1,2,0.5,1,x\n", file: "t.csv")
        #expect(both.series.count == 1 && both.warnings.map(\.message) == ["column 'Local time' is not used"])
        // Some of the prices but not all: refused, not filled in.
        #expect(parseError("Date,High,Close\n2024-01-02,12,11\n")?.kind == .missingColumn)
        // On adjusted closes the open, high and low stay the close exactly (close × factor can miss
        // the adjusted close by an ulp).
        let adjustedCloses = (0..<200).map { 10 + Double($0) / 7 }
        let rows = adjustedCloses.enumerated().map { "\(Timestamp(year: 2024, month: 1, day: 1).adding(days: $0).isoDate),\($1),\($1 / 3)" }
        let onAdjusted = try BarCSV.parse("Date,Close,Adj Close\n" + rows.joined(separator: "\n"), file: "t.csv", options: BarReadOptions(adjusted: true))
        #expect(onAdjusted.series.open == onAdjusted.series.close && onAdjusted.series.high == onAdjusted.series.close && onAdjusted.series.low == onAdjusted.series.close)
        // A filled close under ffill fills the open, high and low with it.
        let filled = try BarCSV.parse("Date,Close\n2024-01-02,11\n2024-01-03,\n2024-01-04,13\n", file: "t.csv", options: BarReadOptions(repair: .forwardFill))
        #expect(filled.series.close == [11, 11, 13] && filled.series.high == [11, 11, 13] && filled.repairs.map(\.replacement) == [11])
    }

    @Test("pandas' unnamed index column is the dates when its cells read as dates")
    func unnamedIndex() throws {
        let file = try BarCSV.parse(",Open,High,Low,Close,Volume\n2004-08-19,100.0,104.06,95.96,100.34,22351900\n2004-08-20,101.01,109.08,100.5,108.31,18256100\n",
                                    file: "t.csv")
        #expect(file.series.timestamps.map(\.isoDate) == ["2004-08-19", "2004-08-20"] && file.series.close == [100.34, 108.31])
        #expect(file.warnings.map(\.kind) == [.unnamedDateColumn])
        // One bad date among the first rows is that row's fault, not the column's.
        let firstBad = try BarCSV.parse(",Close\n2020-13-01,1\n2020-01-02,1\n2020-01-03,2\n", file: "t.csv", options: BarReadOptions(repair: .drop))
        #expect(firstBad.series.count == 2 && firstBad.repairs.map(\.line) == [2])
        // A row number is no date: refused with the fix.
        #expect(parseError(",Open,High,Low,Close\n0,10,11,9,10.5\n")?.fix.contains("name it Date if it holds the dates") == true)
        // reset_index() on an unnamed index: a column named index, beside new row numbers or not.
        for text in [",index,Open,High,Low,Close\n0,2020-01-02,1.2,2,1,1.5\n1,2020-01-03,1.2,2,1,1.5\n",
                     "index,Open,High,Low,Close\n2020-01-02,1.2,2,1,1.5\n2020-01-03,1.2,2,1,1.5\n"] {
            let reset = try BarCSV.parse(text, file: "t.csv")
            #expect(reset.series.timestamps.map(\.isoDate) == ["2020-01-02", "2020-01-03"], "\(text)")
            #expect(reset.warnings.contains { $0.kind == .unnamedDateColumn && $0.message.contains("column 'index'") }, "\(reset.warnings)")
        }
        // A column named index of row numbers is not the dates.
        #expect(parseError("index,Open,High,Low,Close\n0,1.2,2,1,1.5\n")?.kind == .missingColumn)
    }

    @Test("pandas' two-level columns, as yfinance's downloads are saved, read as one header")
    func columnLevels() throws {
        let rows = ["2024-01-02,185.64,187.33,188.44,183.89,187.15,82488700", "2024-01-03,184.25,185.95,187.05,183.62,184.22,58414500"]
        let plain = try BarCSV.parse("Date,Adj Close,Close,High,Low,Open,Volume\n" + rows.joined(separator: "\n"), file: "t.csv")
        #expect(plain.series.count == 2 && plain.warnings.isEmpty)
        let headers = [
            "Price,Adj Close,Close,High,Low,Open,Volume\nTicker,AAPL,AAPL,AAPL,AAPL,AAPL,AAPL\nDate,,,,,,",
            // group_by='ticker': the levels the other way round.
            "Ticker,AAPL,AAPL,AAPL,AAPL,AAPL,AAPL\nPrice,Adj Close,Close,High,Low,Open,Volume\nDate,,,,,,",
            // Levels without names.
            ",Adj Close,Close,High,Low,Open,Volume\n,AAPL,AAPL,AAPL,AAPL,AAPL,AAPL\nDate,,,,,,",
            // Blank lines between them, a BOM and Windows line ends change nothing.
            "\u{FEFF}Price,Adj Close,Close,High,Low,Open,Volume\r\n\r\nTicker,AAPL,AAPL,AAPL,AAPL,AAPL,AAPL\r\nDate,,,,,,\r",
        ]
        for header in headers {
            let file = try BarCSV.parse(header + "\n" + rows.joined(separator: "\n"), file: "t.csv")
            #expect(file.series == plain.series && file.warnings.isEmpty, "\(header)")
            #expect(file.header == plain.header, "\(header)")
        }
        // Without the index's name: the unnamed index's dates, with its warning.
        let unnamed = try BarCSV.parse("Price,Adj Close,Close,High,Low,Open,Volume\nTicker,AAPL,AAPL,AAPL,AAPL,AAPL,AAPL\n" + rows.joined(separator: "\n"), file: "t.csv")
        #expect(unnamed.series == plain.series && unnamed.warnings.map(\.kind) == [.unnamedDateColumn])
        // An intraday download's Datetime with its offset.
        let intraday = try BarCSV.parse("Price,Close,High,Low,Open,Volume\nTicker,SPY,SPY,SPY,SPY,SPY\nDatetime,,,,,\n"
                                            + "2024-01-02 09:30:00-05:00,476.1,476.5,475.9,476.0,1000\n2024-01-02 09:31:00-05:00,476.2,476.5,475.9,476.1,900\n", file: "t.csv")
        #expect(intraday.series.timestamps == [Timestamp(year: 2024, month: 1, day: 2, hour: 9, minute: 30), Timestamp(year: 2024, month: 1, day: 2, hour: 9, minute: 31)])
        // Tickers that read as numbers (a fund named NAN, Tokyo's 7203) under named levels.
        for ticker in ["NAN", "INF", "7203", "1E5"] {
            let file = try BarCSV.parse("Price,Close,High,Low,Open,Volume\nTicker,\(ticker),\(ticker),\(ticker),\(ticker),\(ticker)\nDate,,,,,\n2020-01-02,1.5,2,1,1.2,100\n",
                                        file: "t.csv")
            #expect(file.series.close == [1.5], "\(ticker)")
        }
        // Under unnamed levels, a row of numbers or missing-value marks after the header is data
        // whose date is missing, not a row of tickers.
        for row in [",10,10,10,10", ",N/A,N/A,N/A,N/A"] {
            #expect(parseError(",Open,High,Low,Close\n\(row)\n2024-01-02,1,2,0.5,1\n2024-01-03,1,2,0.5,1\n2024-01-04,1,2,0.5,1\n")?.line == 2, "\(row)")
        }
        // Tickers named like prices (Lowe's LOW, Opendoor's OPEN) under unnamed levels, ticker row first.
        let low = try BarCSV.parse(",LOW,LOW,LOW,LOW,LOW\n,Close,High,Low,Open,Volume\nDate,,,,,\n2024-01-02,10,11,9,10,5\n", file: "t.csv")
        #expect(low.series.close == [10] && low.series.open == [10] && low.series.high == [11])
        // A header whose first column is named Price over a row of data is no two-level header.
        #expect(parseError("Price,Close\n2024-01-02,5\n")?.kind == .missingColumn)
        // Errors in the rows name the file's own lines.
        let bad = try #require(parseError("Price,Close,High,Low,Open\nTicker,X,X,X,X\nDate,,,,\n2024-01-02,5,6,4,5\n2024-01-03,5,6,x,5\n"))
        #expect(bad.line == 5 && bad.column == 4, "\(bad)")
    }
}

@Suite("Day-first dates with dots")
struct DayFirstDateTests {
    @Test("DD.MM.YYYY, with a time and zero milliseconds as Dukascopy writes them, is day first")
    func dukascopy() throws {
        let file = try BarCSV.parse("Time,Open,High,Low,Close,Volume\n01.01.2017 22:00:00.000,1.05236,1.05253,1.05221,1.05227,143539993.3\n"
                                        + "13.01.2017 23:00:00.000,1.05227,1.05426,1.05226,1.05282,253139999.4\n", file: "t.csv")
        #expect(file.series.timestamps == [Timestamp(year: 2017, month: 1, day: 1, hour: 22), Timestamp(year: 2017, month: 1, day: 13, hour: 23)])
        #expect(file.dateFormat == "DD.MM.YYYY HH:MM:SS.fff", "\(file.dateFormat)")
        let daily = try BarCSV.parse("Date,Open,High,Low,Close\n28.02.2024,1,2,0.5,1\n29.02.2024,1,2,0.5,1\n", file: "t.csv")
        #expect(daily.series.timestamps.map(\.isoDate) == ["2024-02-28", "2024-02-29"])
        // Dukascopy's headers, and its local times with " GMT+0100" after them (kept on that clock).
        let gmt = try BarCSV.parse("Gmt time,Open,High,Low,Close,Volume\n06.01.2019 22:00:00.000,1.1,1.2,1.0,1.15,5.5\n", file: "t.csv")
        #expect(gmt.series.timestamps == [Timestamp(year: 2019, month: 1, day: 6, hour: 22)])
        let local = try BarCSV.parse("Local time,Open,High,Low,Close\n07.01.2019 00:00:00.000 GMT+0100,1.1,1.2,1.0,1.15\n07.01.2019 01:00:00.000 GMT+0100,1.1,1.2,1.0,1.15\n",
                                     file: "t.csv")
        #expect(local.series.timestamps == [Timestamp(year: 2019, month: 1, day: 7), Timestamp(year: 2019, month: 1, day: 7, hour: 1)])
        #expect(local.dateFormat == "DD.MM.YYYY HH:MM:SS.fff GMT+HHMM", "\(local.dateFormat)")
        #expect(try BarCSV.parse("Date,Close\n2024-01-02 10:00:00 UTC,1\n", file: "t.csv").dateFormat == "YYYY-MM-DD HH:MM:SS UTC")
        #expect(parseError("Date,Close\n2024-01-02 10:00:00 GMT+0100,1\n2024-01-02 11:00:00 GMT+01:00,1\n")?.kind == .mixedDateFormats)
        // A month-first dotted file is told so at its first day past 12.
        let monthFirst = try #require(parseError("Date,Close\n01.12.2024,1\n01.13.2024,1\n"))
        #expect(monthFirst.fix.contains("this file seems to write the month first (MM.DD.YYYY)"), "\(monthFirst)")
        // Monthly bars written month first on the 1st read day first all land in January: warned.
        let misread = try BarCSV.parse("Date,Close\n" + (0..<24).map { "\(String(format: "%02d", $0 % 12 + 1)).01.\(2020 + $0 / 12),1" }.joined(separator: "\n"),
                                       file: "t.csv")
        #expect(misread.warnings.map(\.kind).contains(.monthFirstDots))
        // Day-first monthly bars on the 1st are not.
        let monthly = try BarCSV.parse("Date,Close\n" + (0..<24).map { "01.\(String(format: "%02d", $0 % 12 + 1)).\(2020 + $0 / 12),1" }.joined(separator: "\n"),
                                       file: "t.csv")
        #expect(!monthly.warnings.map(\.kind).contains(.monthFirstDots) && monthly.series.timestamps[1].isoDate == "2020-02-01")
        // The fix fits the fault: a one-digit day with a whole-second fraction is about the date.
        #expect(parseError("Date,Close\n1.2.2024 09:30:00.000,1\n")?.fix.contains("read day first as DD.MM.YYYY") == true)
    }
}

@Suite("Dates with slashes and numbers as web exports write them")
struct WebExportTests {
    @Test("day and month order of N/N/YYYY dates is taken from a date past the 12th, anywhere in the file")
    func slashDates() throws {
        let monthFirst = try BarCSV.parse("Date,Open,High,Low,Close\n1/2/2024,1,2,0.5,1\n1/3/2024,1,2,0.5,1\n01/13/2024,1,2,0.5,1\n", file: "t.csv")
        #expect(monthFirst.series.timestamps.map(\.isoDate) == ["2024-01-02", "2024-01-03", "2024-01-13"])
        #expect(monthFirst.dateFormat == "MM/DD/YYYY" && monthFirst.warnings.isEmpty)
        let dayFirst = try BarCSV.parse("Date,Open,High,Low,Close\n12/01/2024 09:30,1,2,0.5,1\n13/01/2024 09:30,1,2,0.5,1\n1/2/2024 09:30,1,2,0.5,1\n", file: "t.csv")
        #expect(dayFirst.series.timestamps == [Timestamp(year: 2024, month: 1, day: 12, hour: 9, minute: 30),
                                               Timestamp(year: 2024, month: 1, day: 13, hour: 9, minute: 30),
                                               Timestamp(year: 2024, month: 2, day: 1, hour: 9, minute: 30)])
        #expect(dayFirst.dateFormat == "DD/MM/YYYY HH:MM")
        // No date past the 12th: refused, saying why.
        let ambiguous = try #require(parseError("Date,Open,High,Low,Close\n1/2/2024,1,2,0.5,1\n2/3/2024,1,2,0.5,1\n"))
        #expect(ambiguous.line == 2 && ambiguous.message.contains("no date in the file has a day past the 12th"), "\(ambiguous)")
        // Both orders in one file: refused, naming one date of each (a typo among them must not
        // decide the order of the rest).
        let mixed = try #require(parseError("Date,Open,High,Low,Close\n13/01/2024,1,2,0.5,1\n01/14/2024,1,2,0.5,1\n"))
        #expect(mixed.kind == .mixedDateFormats && mixed.line == 3 && mixed.message.contains("line 2's '13/01/2024' only day first"), "\(mixed)")
        let typo = try #require(parseError("Date,Close\n2/1/2024,10\n3/1/2024,11\n1/13/2024,12\n14/1/2024,13\n15/1/2024,14\n"))
        #expect(typo.kind == .mixedDateFormats && typo.fix.contains("--repair drop keeps the order most dates show"), "\(typo)")
        let typoDropped = try BarCSV.parse("Date,Close\n2/1/2024,10\n3/1/2024,11\n1/13/2024,12\n14/1/2024,13\n15/1/2024,14\n", file: "t.csv",
                                           options: BarReadOptions(repair: .drop))
        #expect(typoDropped.series.timestamps.map(\.isoDate) == ["2024-01-02", "2024-01-03", "2024-01-14", "2024-01-15"] && typoDropped.repairs.map(\.line) == [4])
        #expect(typoDropped.repairs.first?.reason.contains("has month 13") == true)
        // A date impossible in the order found is that row's error.
        let impossible = try #require(parseError("Date,Open,High,Low,Close\n01/13/2024,1,2,0.5,1\n02/30/2024,1,2,0.5,1\n"))
        #expect(impossible.line == 3 && impossible.message.contains("month 2 of 2024 has 29 days"), "\(impossible)")
        // Year first with slashes is unchanged.
        #expect(try BarCSV.parse("Date,Close\n2024/01/02,1\n", file: "t.csv").dateFormat == "YYYY/MM/DD")
        // Five digits before the first slash are no date, in whatever order.
        #expect(parseError("Date,Open,High,Low,Close\n01/13/2024,1,2,0.5,1\n20241/14/2024,1,2,0.5,1\n")?.line == 3)
        // Under a repair, a date impossible in the order most dates show is its row's error, saying why.
        let contradicting = try BarCSV.parse("Date,Open,High,Low,Close\n01/13/2024,1,2,0.5,1\n01/14/2024,1,2,0.5,1\n14/01/2024,1,2,0.5,1\n",
                                             file: "t.csv", options: BarReadOptions(repair: .drop))
        #expect(contradicting.series.count == 2 && contradicting.repairs.map(\.line) == [4])
        // Under a repair, the order most dates show, and the others dropped.
        let repaired = try BarCSV.parse("Date,Open,High,Low,Close\n16/01/2024,1,2,0.5,1\n01/17/2024,1,2,0.5,1\n01/18/2024,1,2,0.5,1\n",
                                        file: "t.csv", options: BarReadOptions(repair: .drop))
        #expect(repaired.series.timestamps.map(\.isoDate) == ["2024-01-17", "2024-01-18"] && repaired.repairs.map(\.line) == [2])
        // As many of each under a repair: refused, naming one of each.
        let even = try #require(parseError("Date,Open,High,Low,Close\n16/01/2024,1,2,0.5,1\n01/17/2024,1,2,0.5,1\n", repair: .drop))
        #expect(even.kind == .mixedDateFormats && even.message.contains("as many dates of each order"), "\(even)")
        // Evidence counts only from real dates in that order, in rows of bars: 1/99/2024 and a
        // footer dated 1/16/2024 leave day-first-or-not untold, refused in one error even under a repair.
        for text in ["Date,Close\n2/1/2024,10\n3/1/2024,11\n4/1/2024,12\n1/99/2024,13\n", "Date,Close\n1/2/2024,10\n2/3/2024,11\n1/16/2024 data from Nasdaq\n"] {
            let untold = try #require(parseError(text, repair: .drop))
            #expect(untold.line == 2 && untold.message.contains("no date in the file has a day past the 12th"), "\(untold)")
        }
        // The one date that tells on a short row: that row's error, not "no date tells".
        let shortRow = try #require(parseError("Date,Open,High,Low,Close\n01/02/2024,1,2,0.5,1\n01/03/2024,1,2,0.5,1\n01/16/2024,1,2,0.5\n"))
        #expect(shortRow.kind == .wrongFieldCount && shortRow.line == 4, "\(shortRow)")
        // Slashes, then ISO dates: a change of format (under a repair, the slashed rows that cannot
        // be read are dropped).
        let slashThenISO = try #require(parseError("Date,Close\n1/2/2024,10\n2024-01-03,11\n2024-01-04,12\n"))
        #expect(slashThenISO.kind == .mixedDateFormats && slashThenISO.message.contains("written with slashes (line 2, '1/2/2024') and otherwise (line 3"), "\(slashThenISO)")
        #expect(try BarCSV.parse("Date,Close\n1/2/2024,10\n2024-01-03,11\n2024-01-04,12\n", file: "t.csv", options: BarReadOptions(repair: .drop)).series.count == 2)
        // Missing-value marks and undated rows before the first date do not stop the look.
        let marksFirst = try BarCSV.parse("Date,Close\nN/A,5\nNaT,5\n-,5\n1/2/2024,10\n1/15/2024,11\n1/16/2024,11\n1/17/2024,11\n", file: "t.csv",
                                          options: BarReadOptions(repair: .drop))
        #expect(marksFirst.series.timestamps.map(\.isoDate) == ["2024-01-02", "2024-01-15", "2024-01-16", "2024-01-17"])
        // The first written date decides whether to look: a first row without one does not hide the rest.
        let afterEmpty = try BarCSV.parse("Date,Close\n,5\n1/2/2024,10\n1/15/2024,11\n", file: "t.csv", options: BarReadOptions(repair: .drop))
        #expect(afterEmpty.series.timestamps.map(\.isoDate) == ["2024-01-02", "2024-01-15"] && afterEmpty.repairs.map(\.line) == [2])
        // pandas' unnamed index with slash dates.
        #expect(try BarCSV.parse(",Close\n1/2/2024,10\n1/15/2024,11\n", file: "t.csv").series.timestamps.map(\.isoDate) == ["2024-01-02", "2024-01-15"])
        // ISO dates, then slashes: the format changed, said as such.
        let changed = try #require(parseError("Date,Close\n2024-01-02,10\n1/3/2024,11\n1/15/2024,12\n"))
        #expect(changed.kind == .mixedDateFormats && changed.line == 3 && changed.message.contains("but line 2 uses YYYY-MM-DD"), "\(changed)")
        // A line too long to be a row is not split while the order is sought (the row loop refuses it).
        let long = "Date,Open,High,Low,Close,Note\n01/13/2024,1,2,0.5,1,x\n01/14/2024,1,2,0.5,1," + String(repeating: "y", count: BarCSVReader.maximumLineBytes) + "\n"
        #expect(parseError(long)?.kind == .lineTooLong)
    }

    @Test("Investing.com's and Nasdaq's exports read as written")
    func webExports() throws {
        let investing = try BarCSV.parse("""
            "Date","Price","Open","High","Low","Vol.","Change %"
            "01/16/2024","4,739.21","4,772.35","4,782.34","4,739.21","2.51B","-0.37%"
            "01/12/2024","4,783.83","4,791.18","4,802.40","4,768.98","208.5M","0.08%"
            "01/11/2024","4,780.24","4,792.13","4,798.50","4,739.58","12K","-0.07%"
            """, file: "t.csv")
        #expect(investing.series.timestamps.map(\.isoDate) == ["2024-01-11", "2024-01-12", "2024-01-16"])
        #expect(investing.series.close == [4780.24, 4783.83, 4739.21] && investing.series.high == [4798.5, 4802.4, 4782.34])
        #expect(investing.series.volume == [12_000, 208_500_000, 2_510_000_000])
        // Europe's numbers (a point grouping thousands, a decimal comma) are never read as these.
        for cell in ["12.075,00", "\"1.234,56\"", "\"$1.234,56\"", "\"1.2,3,4\"", "\"12.5,\""] {
            #expect(parseError("Date;Close\n2024-01-02;\(cell)\n")?.column == 2, "\(cell)")
        }
        #expect(parseError("Date,Close,Volume\n2024-01-02,5,\"1.234,5K\"\n")?.column == 3)
        // K, M and B are powers of ten on the written digits: exact where the product would not be.
        let volumes = ["2.01K", "1.07B", "0.29M", "12,345.5K"]
        let rows = volumes.enumerated().map { "2024-01-0\($0 + 2),1,2,0.5,1.5,\"\($1)\"" }
        let exact = try BarCSV.parse("Date,Open,High,Low,Close,Volume\n" + rows.joined(separator: "\n"), file: "t.csv")
        #expect(exact.series.volume == [2010, 1_070_000_000, 290_000, 12_345_500])
        // Commas that do not group thousands are refused: 1,2345.6, 12,34 and 0,512.
        #expect(parseError("Date,Open,High,Low,Close,Volume\n2024-01-02,0.51,0.52,0.50,0.51,\"0,512\"\n")?.message.contains("is not a number") == true)
        #expect(parseError("Date,Open,High,Low,Close\n2024-01-02,\"1,2345.6\",2,0.5,1\n")?.column == 2)
        #expect(parseError("Date,Open,High,Low,Close\n2024-01-02,1.5,2,0.5,\"12,34\"\n")?.column == 5)
        let nasdaq = try BarCSV.parse("Date,Close/Last,Volume,Open,High,Low\n01/16/2024,$183.63,65603040,$182.16,$184.26,$180.934\n01/12/2024,$185.92,40477780,$186.06,$186.74,$185.19\n",
                                      file: "t.csv")
        #expect(nasdaq.series.close == [185.92, 183.63] && nasdaq.series.low == [185.19, 180.934] && nasdaq.series.volume == [40477780, 65603040])
        // A comma with no decimal point in the row may be a decimal comma: still refused.
        #expect(parseError("Date;Open;High;Low;Close\n2024-01-02;1,234;2;1;1,5\n")?.kind == .unparsableNumber)
        // Two groups (4,256,010), or commas before a point (1,239.28), are thousands, and show
        // that the row's other commas are too: an index copied from Yahoo, or a tab-separated export.
        let yahoo = try BarCSV.parse("Date,Open,High,Low,Close,Volume\n2024-01-02,\"1,239.28\",\"1,245.00\",\"1,230.10\",\"1,240.50\",\"4,256,010\"\n", file: "t.csv")
        #expect(yahoo.series.close == [1240.5] && yahoo.series.volume == [4_256_010])
        let tabs = try BarCSV.parse("Date\tOpen\tHigh\tLow\tClose\tVolume\n2020-01-02\t23,547\t23,610\t23,500\t23,598\t4,256,010\n"
                                    + "2020-01-03\t23,580\t23,650\t23,550\t23,612\t956,000\n", file: "t.csv")
        // (The first row's evidence holds for the rows after it, which have none of their own.)
        #expect(tabs.series.open == [23_547, 23_580] && tabs.series.close == [23_598, 23_612] && tabs.series.volume == [4_256_010, 956_000])
        // A signed number with commas before a point is evidence too (a change column).
        let change = try BarCSV.parse("Date,Close,Volume,Change\n2020-01-02,\"23,547\",100,\"-1,239.28\"\n", file: "t.csv")
        #expect(change.series.close == [23_547])
        // One group alone, with nothing else in the row to tell: still refused as a possible decimal comma.
        #expect(parseError("Date\tOpen\tHigh\tLow\tClose\tVolume\n2020-01-02\t23,547\t23,610\t23,500\t23,598\t4,256\n")?.message.contains("decimal comma") == true)
        // A suffix on a price, a currency sign on a volume: refused.
        #expect(parseError("Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,0.5,1.5K,100\n")?.column == 5)
        #expect(parseError("Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,0.5,1.5,$100\n")?.column == 6)
    }

    @Test("a volume column whose name counts thousands or millions is read in units, said in a warning; lots are read as written")
    func volumeUnits() throws {
        for (header, factor) in [("Volume (K)", 1e3), ("Vol. (000s)", 1e3), ("Volume ('000)", 1e3), ("Volume (thousands)", 1e3), ("Vol (M)", 1e6),
                                 ("Volume (mn)", 1e6), ("Volume (bn)", 1e9)] {
            let read = try BarCSV.parse("Date,Open,High,Low,Close,\(header)\n2020-01-02,1,2,0.5,1.5,523\n2020-01-03,1,2,0.5,1.5,2.01\n", file: "t.csv")
            // Exactly: 2.01 thousands is 2010, not 2009.9999999999998.
            #expect(read.series.volume == [523 * factor, factor == 1e3 ? 2010 : factor == 1e6 ? 2_010_000 : 2_010_000_000], "\(header)")
            #expect(read.warnings.map(\.kind) == [.volumeUnit] && read.warnings[0].message.contains("multiplied by \(Int(factor))"), "\(read.warnings)")
        }
        // A multiplier in the cell as well as in the name: which applies is unclear, refused.
        let both = try #require(throws: DataError.self) { try BarCSV.parse("Date,Open,High,Low,Close,Volume (K)\n2020-01-02,1,2,0.5,1.5,2.07M\n", file: "t.csv") }
        #expect(both.column == 6 && both.message.contains("has a multiplier (M) of its own"), "\(both)")
        for header in ["Volume (000's)", "Volume (Thous.)", "Volume (in thousands)", "Volume (x1000)"] {
            #expect(try BarCSV.parse("Date,Close,\(header)\n2020-01-02,1.5,7\n", file: "t.csv").series.volume == [7000], "\(header)")
        }
        let lots = try BarCSV.parse("Date,Open,High,Low,Close,Volume (lots)\n2020-01-02,1,2,0.5,1.5,523\n", file: "t.csv")
        #expect(lots.series.volume == [523] && lots.warnings.first?.message.contains("counts lots, which Sibyl cannot convert") == true)
        // A currency or coin in parentheses is no multiplier.
        let coin = try BarCSV.parse("Date,Open,High,Low,Close,Volume (BTC)\n2020-01-02,1,2,0.5,1.5,523\n", file: "t.csv")
        #expect(coin.series.volume == [523] && coin.warnings.isEmpty)
    }

    @Test("a Volume column with nothing on any row is a file without volumes, with a warning")
    func emptyVolumeColumn() throws {
        for mark in ["", "-", "--", "N/A"] {
            let file = try BarCSV.parse("Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,0.5,1,\(mark)\n\n2024-01-03,1,2,0.5,1,\(mark)\n", file: "t.csv")
            #expect(file.series.volume == nil && file.warnings.map(\.kind) == [.emptyVolumeColumn], "\(mark)")
        }
        // A footer holds no bar, and so no volume.
        let footer = try BarCSV.parse("Date,Open,High,Low,Close,Volume\n2024-01-02,10,11,9,10,\n2024-01-03,10,11,9,10,\nTotal,,,,,123\n",
                                      file: "t.csv", options: BarReadOptions(repair: .drop))
        #expect(footer.series.volume == nil && footer.series.count == 2)
        // A header repeated below (files joined) holds no volume.
        let joined = try BarCSV.parse("Date,Open,High,Low,Close,Volume\n2024-01-02,10,11,9,10,\nDate,Open,High,Low,Close,Volume\n2024-01-03,10,11,9,10,\n",
                                      file: "t.csv", options: BarReadOptions(repair: .drop))
        #expect(joined.series.volume == nil && joined.series.count == 2 && joined.repairs.map(\.line) == [3])
        // One volume anywhere: the empty cells are errors, as before.
        let error = try #require(parseError("Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,0.5,1,\n2024-01-03,1,2,0.5,1,7\n"))
        #expect(error.kind == .emptyCell && error.line == 2)
    }
}
