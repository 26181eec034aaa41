import Testing
@testable import SibylData

@Suite("Every kind of bad input gives one clear line naming the place and a fix")
struct BadInputTests {
    struct Case: CustomStringConvertible, Sendable {
        let name: String
        let text: String
        let kind: DataError.Kind
        let line: Int?
        let column: Int?
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "missing required column", text: "Date,Open,Low,Close\n2020-01-02,1,1,1\n", kind: .missingColumn, line: 1, column: nil),
        Case(name: "unparsable number", text: "\(goodHeader)\n\(goodRows[0])\n2020-01-03,10.5,12,10,11.5x,1500\n", kind: .unparsableNumber, line: 3, column: 5),
        // (With no decimal point in the row to show that commas group thousands.)
        Case(name: "thousands separator in a quoted number", text: "\(goodHeader)\n2020-01-02,10,11,9,10,\"1,000\"\n", kind: .unparsableNumber, line: 2, column: 6),
        Case(name: "empty cell", text: "\(goodHeader)\n\(goodRows[0])\n2020-01-03,10.5,,10,11.5,1500\n", kind: .emptyCell, line: 3, column: 3),
        Case(name: "empty date", text: "\(goodHeader)\n,10,11,9,10.5,1000\n", kind: .emptyCell, line: 2, column: 1),
        Case(name: "NaN", text: "\(goodHeader)\n\(goodRows[0])\n2020-01-03,NaN,12,10,11.5,1500\n", kind: .notFinite, line: 3, column: 2),
        Case(name: "Inf", text: "\(goodHeader)\n2020-01-02,10,inf,9,10.5,1000\n", kind: .notFinite, line: 2, column: 3),
        Case(name: "overflowing number", text: "\(goodHeader)\n2020-01-02,10,1e999,9,10.5,1000\n", kind: .priceOutOfRange, line: 2, column: 3),
        Case(name: "zero price", text: "\(goodHeader)\n2020-01-02,0,11,0,10.5,1000\n", kind: .nonPositivePrice, line: 2, column: 2),
        Case(name: "negative price", text: "\(goodHeader)\n2020-01-02,10,11,9,-10.5,1000\n", kind: .nonPositivePrice, line: 2, column: 5),
        Case(name: "price beyond 1e100", text: "\(goodHeader)\n2020-01-02,1e150,2e150,9e149,1.5e150,1000\n", kind: .priceOutOfRange, line: 2, column: 2),
        Case(name: "price below 1e-100", text: "\(goodHeader)\n2020-01-02,1e-99,1e-99,1e-101,1e-99,1000\n", kind: .priceOutOfRange, line: 2, column: 4),
        Case(name: "negative volume", text: "\(goodHeader)\n2020-01-02,10,11,9,10.5,-5\n", kind: .negativeVolume, line: 2, column: 6),
        Case(name: "high below close", text: "\(goodHeader)\n\(goodRows[0])\n2020-01-03,10.5,11,10,11.5,1500\n", kind: .inconsistentBar, line: 3, column: 3),
        Case(name: "low above open", text: "\(goodHeader)\n2020-01-02,10,11,10.2,10.5,1000\n", kind: .inconsistentBar, line: 2, column: 4),
        Case(name: "duplicate timestamp", text: "\(goodHeader)\n\(goodRows[0])\n\(goodRows[0])\n", kind: .duplicateTimestamp, line: 3, column: 1),
        // Rows 1, 3, 2: oldest first, then back in time (a file whose first two rows go back is read as newest first).
        Case(name: "decreasing timestamp", text: "\(goodHeader)\n\(goodRows[0])\n\(goodRows[2])\n\(goodRows[1])\n", kind: .decreasingTimestamp, line: 4, column: 1),
        Case(name: "empty file", text: "", kind: .emptyFile, line: nil, column: nil),
        Case(name: "blank lines only", text: "\n  \n\n", kind: .emptyFile, line: nil, column: nil),
        Case(name: "header only", text: "\(goodHeader)\n", kind: .headerOnly, line: 1, column: nil),
        Case(name: "mixed date formats", text: "\(goodHeader)\n\(goodRows[0])\n2020-01-03 00:00,10.5,12,10,11.5,1500\n", kind: .mixedDateFormats, line: 3, column: 1),
        Case(name: "US date", text: "\(goodHeader)\n1/2/2020,10,11,9,10.5,1000\n", kind: .unparsableDate, line: 2, column: 1),
        Case(name: "impossible calendar date", text: "\(goodHeader)\n2021-02-29,10,11,9,10.5,1000\n", kind: .unparsableDate, line: 2, column: 1),
        Case(name: "sub-second timestamp", text: "\(goodHeader)\n2020-01-02T10:00:00.500,10,11,9,10.5,1000\n", kind: .unparsableDate, line: 2, column: 1),
        Case(name: "too few fields", text: "\(goodHeader)\n\(goodRows[0])\n2020-01-03,10.5,12,10,11.5\n", kind: .wrongFieldCount, line: 3, column: 6),
        Case(name: "too many fields", text: "\(goodHeader)\n2020-01-02,10,11,9,10.5,1000,7\n", kind: .wrongFieldCount, line: 2, column: 7),
        Case(name: "duplicate column", text: "Date,Open,High,Low,Close,close\n2020-01-02,10,11,9,10.5,10.5\n", kind: .duplicateColumn, line: 1, column: 6),
        Case(name: "text after a closing quote", text: "\(goodHeader)\n2020-01-02,10,11,9,\"10.5\"5,1000\n", kind: .malformedQuotes, line: 2, column: 5),
        Case(name: "a time outside the date's quotes", text: "\(goodHeader)\n\"2020-01-02\"T15:30,10,11,9,10.5,1000\n", kind: .malformedQuotes, line: 2, column: 1),
        Case(name: "unclosed quote", text: "\(goodHeader)\n2020-01-02,10,11,9,\"10.5,1000\n", kind: .malformedQuotes, line: 2, column: 5),
        Case(name: "quote fault in the header", text: "Date,Open,High,Low,\"Close\"x\n2020-01-02,10,11,9,10.5\n", kind: .malformedQuotes, line: 1, column: 5),
        Case(name: "repeated header", text: "\(goodHeader)\n\(goodRows[0])\n\(goodHeader)\n", kind: .unparsableDate, line: 3, column: 1),
        // A bar short of a field has its date: not taken for a comment.
        Case(name: "a bar short of a field", text: "Ticker,Date,Open,High,Low,Close\nAAPL,2020-01-03,1,2,0.5\n", kind: .wrongFieldCount, line: 2, column: 6),
        Case(name: "a comment between rows", text: "\(goodHeader)\n\(goodRows[0])\n# halted\n\(goodRows[1])\n", kind: .wrongFieldCount, line: 3, column: 1),
        Case(name: "a price too small for double precision", text: "\(goodHeader)\n2020-01-02,10,11,9,1e-400,1000\n", kind: .priceOutOfRange, line: 2, column: 5),
        Case(name: "JSON", text: "[[1704153600000,\"10.0\",\"12.0\",\"9.0\",\"11.0\",\"100\"]]", kind: .unreadableFile, line: nil, column: nil),
        Case(name: "JSON object", text: " {\"bars\": []}\n", kind: .unreadableFile, line: nil, column: nil),
    ]

    @Test("bad input", arguments: cases)
    func badInput(_ testCase: Case) throws {
        let error = try #require(parseError(testCase.text), "\(testCase.name) was accepted")
        #expect(error.kind == testCase.kind)
        #expect(error.line == testCase.line)
        #expect(error.column == testCase.column)
        let line = error.description
        #expect(!line.contains("\n"), "the message must be one line: \(line)")
        #expect(line.hasPrefix("test.csv\(testCase.line.map { ":\($0)" } ?? "")"))
        #expect(line.contains("fix:"))
        print("\(testCase.name): \(line)")
    }

    @Test("a message names what it cannot show and fits its fix to the fault", arguments: [
        ("\(goodHeader)\n2020-01-02,10,11,9,10\u{A0}.5,1000\n", "Close '10<U+00A0>.5'", "no thousands separators"),
        ("\(goodHeader)\n\u{FEFF}2020-01-02,10,11,9,10.5,1000\n", "'<U+FEFF>2020-01-02'", "not plain ASCII"),
        ("\(goodHeader)\n2020\u{2010}01-02,10,11,9,10.5,1000\n", "'2020<U+2010>01-02'", "not plain ASCII"),
        ("Date;Open;High;Low;Close\n2020-01-02;10;12;9;11,5\n", "decimal comma", "as a point (11.5)"),
        ("\(goodHeader)\n2019-02-29,10,11,9,10.5,1000\n", "month 2 of 2019 has 28 days", "correct the date, or pass --repair drop"),
        ("\(goodHeader)\n2020-01-02,2.3e200,2.4e200,2.2e200,2.3e200,1000\n", "Open 2.3e200 is outside the prices Sibyl computes with, 1e-100 to 1e100",
         "divide every price by 1e200"),
        ("\(goodHeader)\n2020-01-02,1.6e-120,1.7e-120,1.5e-120,1.6e-120,1000\n", "Open 1.6e-120 is outside", "multiply every price by 1e120"),
        ("\(goodHeader)\n1577923200,10,11,9,10.5,1000\n", "is not an ISO date", "Unix timestamp (seconds since 1970)"),
        ("\(goodHeader)\n1577923200000,10,11,9,10.5,1000\n", "is not an ISO date", "milliseconds since 1970"),
        ("\(goodHeader)\n1577923200000000,10,11,9,10.5,1000\n", "is not an ISO date", "microseconds since 1970"),
        ("\(goodHeader)\n43832,10,11,9,10.5,1000\n", "is not an ISO date", "serial day number"),
        ("\(goodHeader)\n2.1.2020,10,11,9,10.5,1000\n", "is not an ISO date", "write dates as YYYY-MM-DD"),
        ("Date,Time,Open,High,Low,Close\n2020-01-02 09:30,09:30,1,1,1,1\n", "has a time, and the file has a Time column too", "the time of day in Time"),
        ("Date,Time,Open,High,Low,Close\n2020-01-02,9h30,1,1,1,1\n", "'9h30' is a time that is not HH:MM or HH:MM:SS", "HH:MM or HH:MM:SS"),
        ("Date,Time,Open,High,Low,Close\n2020-01-02,24:30,1,1,1,1\n", "'24:30' is a time outside 00:00:00–23:59:59", "correct the time"),
        ("\(goodHeader)\n2020-01-02,10,11,9,#N/A,1000\n", "not a finite number", "--repair drop"),
        ("2020-01-02,10,11,9,10.5,1000\n2020-01-03,10,11,9,10.5,1000\n", "no Date column", "the first line looks like data"),
        // Exchange klines: no header, times in milliseconds since 1970.
        ("1672531200000,1.17,1.18,1.16,1.175,924,1672534799999\n1672534800000,1.17,1.18,1.16,1.175,924,1672538399999\n", "no Date column",
         "the first line looks like data, not a header, with its time written as digits (this looks like a Unix timestamp (milliseconds"),
        ("202001020930,1.17,1.18,1.16,1.175,924\n202001020931,1.17,1.18,1.16,1.175,924\n", "no Date column",
         "with its time written as digits (this looks like a compact date-time (YYYYMMDDHHMM)"),
        ("\(goodHeader)\n20200102,10,11,9,10.5,1000\n", "is not an ISO date", "compact date (YYYYMMDD)"),
        // A Last column read as the close is named as the file names it.
        ("Date,Open,High,Low,Last,Settle\n2020-01-02,10,11,9,,10.2\n", "the Close (column 'Last') cell is empty", "--repair drop"),
        ("Date Open High Low Close\n2020-01-02 10 11 9 10.5\n", "no Date column", "the header is one field"),
        // pandas' PeriodIndex written as it prints: a week's span, a month, a quarter.
        ("\(goodHeader)\n2020-01-04/2020-01-10,10,11,9,10.5,1000\n", "is not an ISO date", "this looks like a period (its start/its end)"),
        ("\(goodHeader)\n2020-01,10,11,9,10.5,1000\n", "is not an ISO date", "this looks like a month (YYYY-MM)"),
        ("\(goodHeader)\n2020Q1,10,11,9,10.5,1000\n", "is not an ISO date", "this looks like a quarter (YYYYQn)"),
        // pandas writes floats under 1e-4 with an exponent, with the decimal comma too.
        ("Date;Open;High;Low;Close\n2020-01-02;1,2e-05;2e-05;1e-05;1,5e-05\n", "'1,2e-05' is written with a decimal comma", "(1.2e-05)"),
        // yfinance's download of several tickers, saved with pandas: one file, several series.
        ("Price,Close,Close,High,High\nTicker,AAPL,MSFT,AAPL,MSFT\nDate,,,,\n2020-01-02,10.5,11,9,10\n", "the columns hold 2 tickers (AAPL, MSFT)",
         "df.xs('AAPL', axis=1, level='Ticker').to_csv('AAPL.csv')"),
        (",Close,Close\n,AAPL,MSFT\n2020-01-02,10.5,11\n", "the columns hold 2 tickers", "level=1"),
        ("\(goodHeader)\n\"2020-01-02,10,11,9,10.5,1000\"\n", "the whole row is quoted as one field", "remove the quotes around the row"),
        ("\(goodHeader)\n\(goodRows[0])\nDownloaded from example.com as of 01-04-2024\n", "line 'Downloaded from example.com as of 01-04-2024' is not a row of bars",
         "delete the line if it is a comment, a note or a footer"),
        ("\(goodHeader)\n2020-01-02,10,11,9,1e-400,1000\n", "Close 1e-400 is outside the prices", "multiply every price by 1e400"),
        ("\(goodHeader)\n2020-01-02,10,11,9,0.05e-400,1000\n", "Close 0.05e-400 is outside the prices", "multiply every price by 1e402"),
        // A typo's exponent no unit explains: the row is to correct; a cell of hundreds of digits is shown by its start.
        ("\(goodHeader)\n2020-01-02,10,11,9,1e-99999999999999,1000\n", "Close 1e-99999999999999 is outside the prices",
         "correct the row, or pass --repair drop or --repair ffill, if only some rows are so"),
        ("\(goodHeader)\n2020-01-02,10,11,9,1e-999999999999999999999,1000\n", "Close 1e-999999999999999999999 is outside the prices", "correct the row"),
        ("\(goodHeader)\n2020-01-02,10,11,9,\(String(repeating: "9", count: 400)),1000\n", "Close \(String(repeating: "9", count: 40))… is outside the prices",
         "divide every price by 1e399"),
        ("\(goodHeader)\n2024-01-02T09:30+01:00[Europe/Paris],10,11,9,10.5,1000\n", "unexpected text", "delete the zone name in brackets ([Europe/Paris])"),
        ("\(goodHeader)\n2024-01-02T09:30:00.250Z,10,11,9,10.5,1000\n", "fractions of a second", "round each time to the whole second"),
        ("\(goodHeader)\n1704153600.5,10,11,9,10.5,1000\n", "is not an ISO date", "Unix timestamp with fractions (seconds since 1970)"),
        ("\(goodHeader)\n1704153600123.5,10,11,9,10.5,1000\n", "is not an ISO date", "Unix timestamp with fractions (milliseconds since 1970)"),
        ("\(goodHeader)\n45293.5,10,11,9,10.5,1000\n", "is not an ISO date", "serial day number with the time of day as its fraction"),
        ("\(goodHeader)\n05-01-2024,10,11,9,10.5,1000\n", "is not an ISO date", "cannot say whether it is January 5 or May 1"),
        ("\(goodHeader)\n31.01.2024,10,11,9,10.5,1000\n01.02.2024 09:00,10,11,9,10.5,1000\n", "written as DD.MM.YYYY HH:MM but line 2 uses DD.MM.YYYY", "one format"),
        ("\(goodHeader)\n31.02.2024,10,11,9,10.5,1000\n", "has day 31, but month 2 of 2024 has 29 days", "correct the date"),
        ("\(goodHeader)\n2024-01-02t09:30:00z,10,11,9,10.5,1000\n", "is not an ISO date", "with the T (and the Z) as capitals"),
        ("Date,High,Close\n2024-01-02,12,11\n", "no Open column", "name the columns Date, Open, High, Low, Close"),
        (",Open,High,Low,Close\n0,10,11,9,10.5\n", "no Date column", "the first column has no name (pandas writes its index so): name it Date if it holds the dates"),
        ("Date\tOpen\tHigh\tLow\tClose\n\"2020-01-02\t10\t11\t9\t10.5\"\n", "the whole row is quoted as one field", "remove the quotes around the row"),
        ("\(goodHeader)\n2020-01-02,10,11,9,\u{2014},1000\n", "Close is '<U+2014>', not a finite number", "--repair drop"),
        // A comma in a ';' file whose other numbers have points separates thousands: 877,000 is not
        // 877.000 (a grouped volume is read; one out of its grouping is named so).
        ("Date;Open;High;Low;Close;Volume\n2020-01-02;10.5;11;9;10.5;877,00\n", "'877,00' is written with a decimal comma", "(877.00)"),
        ("https://www.example.com/data\n\(goodHeader)\n\(goodRows[0])\n", "no Date column", "the header is on line 2: delete the line above it"),
        ("# prices\n# daily\n\n\(goodHeader)\n\(goodRows[0])\n", "no Date column", "the header is on line 4: delete the lines above it"),
        ("My export\nDate,Open,High,Low,Price\n2020-01-02,1,2,0.5,1.5\n", "no Date column", "the header is on line 2"),
        ("\(goodHeader)\n2020-01-02,10,11,9,10.5,\n2020-01-03,10,11,9,10.5,5\n", "the Volume cell is empty", "delete the Volume column if the file has no volumes"),
        ("\(goodHeader)\n2020-10-25 01:00:00,10,11,9,10.5,1\n2020-10-25 02:00:00,10,11,9,10.5,1\n2020-10-25 02:00:00,10,11,9,10.5,1\n",
         "repeats line 3", "the hour a local clock repeats when daylight-saving time ends"),
        ("\(goodHeader)\n2020-11-01 01:00:00,10,11,9,10.5,1\n2020-11-01 01:30:00,10,11,9,10.5,1\n2020-11-01 01:00:00,10,11,9,10.5,1\n",
         "is earlier than", "daylight-saving time ends"),
        // Not a clock-change night, or a file in UTC: an ordinary duplicate.
        ("\(goodHeader)\n2020-10-04 01:00:00,10,11,9,10.5,1\n2020-10-04 02:00:00,10,11,9,10.5,1\n2020-10-04 02:00:00,10,11,9,10.5,1\n",
         "repeats line 3", "each bar needs its own timestamp"),
        ("\(goodHeader)\n2020-10-25T01:00:00Z,10,11,9,10.5,1\n2020-10-25T02:00:00Z,10,11,9,10.5,1\n2020-10-25T02:00:00Z,10,11,9,10.5,1\n",
         "repeats line 3", "each bar needs its own timestamp"),
        // A grouped volume (12.500) is no evidence of point decimals: 108,123 is a decimal comma.
        ("Date;Open;High;Low;Close;Volume\n2020-01-02;108,123;108,2;108;108,1;12.500\n", "decimal comma", "as a point (108.123)"),
    ] as [(String, String, String)])
    func tailoredMessages(text: String, message: String, fix: String) throws {
        let error = try #require(parseError(text))
        #expect(error.message.contains(message), "\(error)")
        #expect(error.fix.contains(fix), "\(error)")
        #expect(!error.description.contains("\n"))
    }

    @Test("pipes delimit, MetaTrader's <DATE> names a column, year-first dates may use / or ., and a doubled byte-order mark is skipped")
    func otherExports() throws {
        let reference = try BarCSV.parse("Date,Open,High,Low,Close\n2020-01-02,1,2,0.5,1.5\n", file: "t.csv").series
        #expect(try BarCSV.parse("Date|Open|High|Low|Close\n2020-01-02|1|2|0.5|1.5\n", file: "t.csv").series == reference)
        #expect(try BarCSV.parse("<DATE>,<OPEN>,<HIGH>,<LOW>,<CLOSE>\n2020-01-02,1,2,0.5,1.5\n", file: "t.csv").series == reference)
        #expect(try BarCSV.parse("Date,Open,High,Low,Close\n2020/01/02,1,2,0.5,1.5\n", file: "t.csv").series == reference)
        #expect(try BarCSV.parse("\u{FEFF}\u{FEFF}Date,Open,High,Low,Close\n2020-01-02,1,2,0.5,1.5\n", file: "t.csv").series == reference)
    }

    @Test("tabs delimit without collapsing (an empty cell is one), sep=<tab> names them, units and zones in parentheses are part of no name")
    func tabsAndNames() throws {
        let tsv = "Date\tOpen\tHigh\tLow\tClose\tVolume\n2020-01-02\t1\t2\t0.5\t1.5\t100\n2020-01-03\t1\t2\t0.5\t1.5\t\t\n"
        // The empty volume of the second row is a cell of its own (the row had "7 fields, 6 expected"
        // before, or with a trailing tab, lost a column): filled from the row before.
        let filled = try BarCSV.parse(tsv.replacingOccurrences(of: "\t\t\n", with: "\t\n"), file: "t.tsv", options: BarReadOptions(repair: .forwardFill))
        #expect(filled.series.count == 2 && filled.series.volume == [100, 100] && filled.repairs.count == 1)
        let named = try BarCSV.parse("sep=\t\n" + tsv.replacingOccurrences(of: "\t\t\n", with: "\t7\n"), file: "t.csv")
        #expect(named.series.count == 2 && named.series.volume == [100, 7])
        // An unnamed first column, as pandas writes its index, keeps every later column in place.
        let indexed = try BarCSV.parse("\tDate\tClose\tOpen\tHigh\tLow\n0\t2020-01-02\t1.5\t1\t2\t0.5\n", file: "t.tsv")
        #expect(indexed.series.close == [1.5] && indexed.series.open == [1])
        // "Time (UTC)" is a time column beside Date; "Close (USD)" the close.
        let zoned = try BarCSV.parse("Date,Time (UTC),Open,High,Low,Close (USD)\n2020-01-02,09:00,1,2,0.5,1.5\n2020-01-02,10:00,1,2,0.5,1.5\n", file: "t.csv")
        #expect(zoned.series.timestamps.map(\.iso) == ["2020-01-02T09:00:00", "2020-01-02T10:00:00"])
        // A unit read past never makes a second column of a role a name claims as written, nor of
        // one an earlier unit took: those columns stay unused, as before.
        // Crypto exports name the volumes' units after a space: the first is the volume.
        let spaced = try BarCSV.parse("unix,date,symbol,open,high,low,close,Volume BTC,Volume USDT\n1,2020-01-02,BTC/USDT,1,2,0.5,1.5,10,15\n", file: "t.csv")
        #expect(spaced.series.volume == [10] && spaced.warnings.map(\.message).contains("column 'Volume USDT' is not used"), "\(spaced.warnings)")
        #expect(BarCSVReader.volumeWithUnit("Volume weighted") == nil && BarCSVReader.volumeWithUnit("Close BTC") == nil)
        let both = try BarCSV.parse("Date,Open,High,Low,Close (adj),Close,Volume (BTC),Volume (USD)\n2020-01-02,1,2,0.5,1.4,1.5,10,15\n", file: "t.csv")
        #expect(both.series.close == [1.5] && both.series.volume == [10])
        #expect(both.warnings.map(\.message) == ["column 'Close (adj)' is not used", "column 'Volume (USD)' is not used"])
        // A time in parentheses before the date still pairs with it; a timestamp in milliseconds
        // beside a Date column stays unused, as before.
        let timeFirst = try BarCSV.parse("Time (UTC),Date,Open,High,Low,Close\n09:00,2020-01-02,1,2,0.5,1.5\n10:00,2020-01-02,1,2,0.5,1.5\n", file: "t.csv")
        #expect(timeFirst.series.timestamps.map(\.iso) == ["2020-01-02T09:00:00", "2020-01-02T10:00:00"])
        let millis = try BarCSV.parse("Date,Open,High,Low,Close,Timestamp (ms)\n2020-01-02,1,2,0.5,1.5,1577923200000\n", file: "t.csv")
        #expect(millis.series.count == 1 && millis.warnings.map(\.message) == ["column 'Timestamp (ms)' is not used"])
        // Investing.com names the close Price; a DOS end-of-file mark ends the file.
        let investing = try BarCSV.parse("Date,Price,Open,High,Low,Vol.,Change %\n2020-01-02,1.5,1,2,0.5,10,0.1%\n\u{1A}\r\n", file: "t.csv")
        #expect(investing.series.close == [1.5] && investing.series.volume == [10])
        #expect(investing.warnings.map(\.message) == ["column 'Change %' is not used"])
    }

    @Test("a ';' file whose numbers are all grouped by points, volumes too, is warned about: German exports group thousands so")
    func pointsMayBeThousands() throws {
        let german = "Date;Open;High;Low;Close;Volume\n2020-01-06;7.600;7.650;7.560;7.610;523.100\n2020-01-07;7.630;7.700;7.620;7.690;487.300\n"
        #expect(try BarCSV.parse(german, file: "t.csv").warnings.map(\.kind) == [.pointsMayBeThousands])
        // Prices with three decimals beside whole volumes (a yen pair) are ordinary decimals.
        let yen = "Date;Open;High;Low;Close;Volume\n2020-01-06;108.123;108.200;108.001;108.150;5230\n2020-01-07;108.150;108.300;108.100;108.250;4873\n"
        #expect(try BarCSV.parse(yen, file: "t.csv").warnings.isEmpty)
        // Below 1, a point is a decimal point: 0.034 is no thousands group.
        let cents = "Date;Open;High;Low;Close;Volume\n2020-01-06;0.034;0.036;0.032;0.035;129.584\n2020-01-07;0.035;0.037;0.033;0.036;130.100\n"
        #expect(try BarCSV.parse(cents, file: "t.csv").warnings.isEmpty)
        // Day-first dotted dates mark a German export, whose decimals take a comma: grouped prices
        // are warned about without a volume, or with volumes under a thousand.
        for (header, tail) in [("Date;Open;High;Low;Close", ""), ("Date;Open;High;Low;Close;Volume", ";512")] {
            let dax = "\(header)\n02.01.2020;13.234;13.385;13.201;13.385\(tail)\n03.01.2020;13.305;13.320;13.198;13.219\(tail)\n"
            let read = try BarCSV.parse(dax, file: "t.csv")
            #expect(read.series.close == [13.385, 13.219] && read.warnings.map(\.kind) == [.pointsMayBeThousands], "\(read.warnings)")
            #expect(read.warnings.first?.message.contains("day-first dotted dates") == true)
        }
        let closes = try BarCSV.parse("Date;Close\n02.01.2020;13.385\n03.01.2020;13.219\n", file: "t.csv")
        #expect(closes.warnings.map(\.kind).contains(.pointsMayBeThousands))
        // A yen pair at three decimals with ISO dates is not (that locale's decimals are points);
        // with dotted dates it is, unless a price anywhere in the file, past the 200th row too,
        // has other decimals (108.0130 groups no thousands).
        let yenISO = "Date;Open;High;Low;Close\n2020-01-06;108.123;108.200;108.001;108.150\n2020-01-07;108.150;108.300;108.100;108.250\n"
        #expect(try BarCSV.parse(yenISO, file: "t.csv").warnings.isEmpty)
        let day = Timestamp(year: 2020, month: 1, day: 1)
        let yenRows = (0..<260).map { i in
            let close = i == 250 ? "108.0130" : "108.\(String(format: "%03d", 100 + i))"
            return "\(String(format: "%02d.%02d.%04d", day.adding(days: i).date.day, day.adding(days: i).date.month, day.adding(days: i).date.year));108.100;108.500;108.000;\(close)"
        }
        #expect(try BarCSV.parse("Date;Open;High;Low;Close\n" + yenRows.joined(separator: "\n") + "\n", file: "t.csv").warnings.isEmpty)
    }

    @Test("a price out of range names both ways out, a typo's and a unit's, but no rescaling that no unit explains")
    func outOfRangeFixes() throws {
        // Exponents at Int's limits (that had trapped adding the mantissa's power), and a negative
        // number past double precision (not positive, first).
        for cell in ["10e9223372036854775807", "0.01e-9223372036854775808", "1e+99999999999999999999999"] {
            let error = try #require(throws: DataError.self) { try BarCSV.parse("Date,Close\n2020-01-02,\(cell)\n", file: "t.csv") }
            #expect(error.kind == .priceOutOfRange && error.fix.hasPrefix("correct the row"), "\(error)")
        }
        let negative = try #require(throws: DataError.self) { try BarCSV.parse("Date,Close\n2020-01-02,-1e400\n", file: "t.csv") }
        #expect(negative.kind == .nonPositivePrice, "\(negative)")
        let typo = try #require(throws: DataError.self) { try BarCSV.parse("Date,Close\n2020-01-02,10\n2020-01-03,1e-99999999999999\n", file: "t.csv") }
        #expect(typo.kind == .priceOutOfRange && typo.fix == "correct the row, or pass --repair drop or --repair ffill, if only some rows are so", "\(typo)")
        let units = try #require(throws: DataError.self) { try BarCSV.parse("Date,Close\n2020-01-02,1e-150\n", file: "t.csv") }
        #expect(units.fix.hasSuffix("; if every price is, quote the series in other units: multiply every price by 1e150"), "\(units)")
    }

    @Test("a column naming the instrument that names two is refused where the second starts: a file of several series")
    func severalSymbols() throws {
        let long = "Date,Open,High,Low,Close,Volume,Name\n2020-02-11,96.6,98.1,95.7,97.4,3720989,AAPL\n2020-02-12,96.6,98.1,95.7,97.4,3720989,\"AAPL\"\n"
            + "2020-02-13,97.9,99.4,97.5,99.3,1541842,MSFT\n"
        let error = try #require(throws: DataError.self) { try BarCSV.parse(long, file: "t.csv") }
        #expect(error.kind == .severalSeries && error.line == 4 && error.column == 7)
        #expect(error.description.contains("column 'Name' names 'MSFT' here and 'AAPL' on line 2"), "\(error)")
        // Not even --repair drop keeps either part: which series is meant is the user's to say.
        #expect(throws: DataError.self) { try BarCSV.parse(long, file: "t.csv", options: BarReadOptions(repair: .drop)) }
        // One symbol throughout (quoted or not, in any letter case), or an empty cell, is one series: the column is unused.
        let one = "Date,Open,High,Low,Close,Ticker\n2020-02-11,96.6,98.1,95.7,97.4,AAPL\n2020-02-12,96.6,98.1,95.7,97.4,\"AAPL\"\n2020-02-13,96.6,98.1,95.7,97.4,\n"
            + "2020-02-14,96.6,98.1,95.7,97.4,aapl \n"
        let read = try BarCSV.parse(one, file: "t.csv")
        #expect(read.series.count == 4 && read.warnings.map(\.message) == ["column 'Ticker' is not used"])
        // Every column that names the instrument is checked, not the first only.
        let two = try #require(throws: DataError.self) {
            try BarCSV.parse("Date,Close,Name,Symbol\n2020-01-06,1.5,Alphabet,GOOG\n2020-01-07,1.5,Alphabet,GOOGL\n", file: "t.csv")
        }
        #expect(two.line == 3 && two.column == 4, "\(two)")
        // A repeated header is still that (dropped under --repair drop), not a second symbol.
        let joined = "Date,Close,Symbol\n2020-01-06,1.5,AAPL\nDate,Close,Symbol\n2020-01-07,1.6,AAPL\n"
        let header = try #require(throws: DataError.self) { try BarCSV.parse(joined, file: "t.csv") }
        #expect(header.message.contains("the header repeats here"), "\(header)")
        #expect(try BarCSV.parse(joined, file: "t.csv", options: BarReadOptions(repair: .drop)).series.count == 2)
        // The fix's file name and Python string survive slashes and quotes.
        let pairs = try #require(throws: DataError.self) {
            try BarCSV.parse("Date,Close,Pair\n2020-01-06,1.5,BTC/USD\n2020-01-07,1.5,ETH/USD\n", file: "t.csv")
        }
        #expect(pairs.fix.contains("df[df['Pair'] == 'BTC/USD'].to_csv('BTC_USD.csv', index=False)"), "\(pairs)")
        let quote = try #require(throws: DataError.self) {
            try BarCSV.parse("Date,Close,Name\n2020-01-06,1.5,McDonald's\n2020-01-07,1.5,Apple\n", file: "t.csv")
        }
        #expect(quote.fix.contains("== 'McDonald\\'s'].to_csv('McDonald_s.csv'"), "\(quote)")
        // A rolled futures contract is one series: a Contract column is not read as the instrument.
        #expect(try BarCSV.parse("Date,Close,Contract\n2020-03-12,1.5,ESH20\n2020-03-13,1.5,ESM20\n", file: "t.csv").series.count == 2)
    }

    @Test("bars built in code are validated as strictly as files")
    func seriesFromBars() {
        let good = Bar(timestamp: Timestamp(year: 2020, month: 1, day: 2), open: 10, high: 11, low: 9, close: 10.5, volume: 100)
        var bad = good
        bad.timestamp = Timestamp(year: 2020, month: 1, day: 3)
        bad.high = 10
        #expect(throws: DataError.self) { try BarSeries(name: "code", bars: [good, bad]) }
        #expect(throws: DataError.self) { try BarSeries(name: "code", bars: [good, good]) }
        var huge = good
        (huge.open, huge.high, huge.low, huge.close) = (1e150, 1e150, 1e150, 1e150)
        #expect(throws: DataError.self) { try BarSeries(name: "code", bars: [huge]) }
        #expect((try? BarSeries(name: "code", bars: [good]))?.count == 1)
    }
}

@Suite("Repairs happen only when asked, and every change is reported")
struct RepairTests {
    let text = """
        \(goodHeader)
        2020-01-02,10,11,9,10.5,1000
        2020-01-03,10.5,12,10,,1500
        2020-01-06,11.5,11.8,10.9,11,NaN
        2020-01-06,11.5,11.8,10.9,11,1200
        2020-01-07,11,11.2,10.2,10.4,900
        2020-01-08,11,10,10.2,10.4,900
        """

    @Test("without --repair the first bad row stops the read")
    func strictByDefault() throws {
        let error = try #require(parseError(text))
        #expect(error.kind == .emptyCell && error.line == 3)
    }

    @Test("drop removes each bad row and says why")
    func drop() throws {
        let file = try BarCSV.parse(text, file: "test.csv", options: BarReadOptions(repair: .drop))
        #expect(file.series.count == 3)
        #expect(file.series.timestamps.map(\.isoDate) == ["2020-01-02", "2020-01-06", "2020-01-07"])
        #expect(file.repairs.map(\.line) == [3, 4, 7])
        #expect(file.repairs.allSatisfy { $0.action == .droppedRow })
        #expect(file.repairs[0].description.contains("test.csv:3: dropped row"))
    }

    @Test("ffill fills bad cells from the previous bar; what cannot be filled is dropped")
    func forwardFill() throws {
        let file = try BarCSV.parse(text, file: "test.csv", options: BarReadOptions(repair: .forwardFill))
        // Line 3's close comes from line 2; line 4, whose volume needs filling, gives way to line 5,
        // which repeats its timestamp with every cell; line 7 has high below low: dropped.
        #expect(file.series.timestamps.map(\.isoDate) == ["2020-01-02", "2020-01-03", "2020-01-06", "2020-01-07"])
        #expect(file.series.close[1] == 10.5)
        #expect(file.series.volume?[2] == 1200)
        let fills = file.repairs.filter { $0.action == .filledCell }
        #expect(fills.map(\.line) == [3])
        #expect(fills[0].column == "Close" && fills[0].replacement == 10.5 && fills[0].original == "")
        #expect(file.repairs.filter { $0.action == .droppedRow }.map(\.line) == [4, 7])
    }

    @Test("ffill makes a bar with no price one where nothing traded: flat at the close before, volume 0")
    func forwardFillEmptyBar() throws {
        let text = "Date,Open,High,Low,Close,Volume,Adj Close\n2020-01-02,10,12,9,11,100,5.5\n2020-01-03,,,,,,\n2020-01-06,11,13,10,12,300,6\n"
            + "2020-01-07,12,13,,12.5,,6.25\n2020-01-08,,,,,70,\n"
        for newestFirst in [false, true] {
            var lines = text.split(separator: "\n").map(String.init)
            if newestFirst { lines = [lines[0]] + lines.dropFirst().reversed() }
            let file = try BarCSV.parse(lines.joined(separator: "\n"), file: "t.csv", options: BarReadOptions(repair: .forwardFill))
            let series = file.series
            // 2020-01-03: every price the close before, volume 0, the adjusted close carried.
            #expect([series.open[1], series.high[1], series.low[1], series.close[1]] == [11, 11, 11, 11] && series.volume?[1] == 0)
            #expect(series.adjustedClose?[1] == 5.5)
            // A bar with some prices fills each missing cell from the bar before, volume too.
            #expect(series.low[3] == 10 && series.volume?[3] == 300)
            // A volume written on a bar with no price is kept.
            #expect([series.open[4], series.high[4], series.low[4], series.close[4]] == [12.5, 12.5, 12.5, 12.5] && series.volume?[4] == 70)
            let notes = file.repairs.filter { $0.line == (newestFirst ? 5 : 3) }
            #expect(notes.count == 6 && notes.allSatisfy { $0.action == .filledCell })
            #expect(notes.first { $0.column == "Volume" }?.description.contains("with 0.0 (nothing traded on a bar with no price)") == true)
            #expect(notes.first { $0.column == "Low" }?.description.contains("with 11.0 (the previous close; a bar with no price is one where nothing traded)") == true)
            #expect(notes.first { $0.column == "Adj Close" }?.source == nil)
            #expect(file.repairs.first { $0.line == (newestFirst ? 3 : 5) && $0.column == "Low" }?.source == nil)
        }
        // An adjusted close on a bar without the other prices: each filled from the bar before, so
        // the close and the adjusted close stay in step.
        let adjusted = try BarCSV.parse("Date,Open,High,Low,Close,Adj Close\n2020-01-02,10,12,9,11,5.5\n2020-01-03,,,,,6.5\n",
                                        file: "t.csv", options: BarReadOptions(repair: .forwardFill))
        #expect(adjusted.series.high == [12, 12] && adjusted.series.adjustedClose == [5.5, 6.5])
        #expect(adjusted.repairs.allSatisfy { $0.source == nil })
    }

    @Test("a bad first row cannot be filled and is dropped under ffill")
    func forwardFillFirstRow() throws {
        let file = try BarCSV.parse("\(goodHeader)\n2020-01-02,10,11,9,,1000\n\(goodRows[1])\n", file: "test.csv",
                                    options: BarReadOptions(repair: .forwardFill))
        #expect(file.series.count == 1)
        #expect(file.repairs.count == 1 && file.repairs[0].action == .droppedRow && file.repairs[0].line == 2)
    }

    @Test("when repairs drop every row, the read fails with a clear error")
    func nothingLeft() throws {
        let error = try #require(parseError("\(goodHeader)\n2020-01-02,x,11,9,10,1\n", repair: .drop))
        #expect(error.kind == .tooFewBars)
    }
}

@Suite("A long line and the powers of ten of written numbers")
struct LineAndPowerTests {
    @Test("a line longer than any row of bars is refused, or dropped under --repair drop, before it is split")
    func longLine() throws {
        let note = String(repeating: "x", count: BarCSVReader.maximumLineBytes)
        let text = "Date,Open,High,Low,Close,Note\n2020-01-02,1,2,0.5,1.5,\(note)\n2020-01-03,1,2,0.5,1.5,y\n"
        let error = try #require(parseError(text))
        #expect(error.kind == .lineTooLong && error.line == 2 && error.message.contains("bytes long"), "\(error)")
        let repaired = try BarCSV.parse(text, file: "t.csv", options: BarReadOptions(repair: .drop))
        #expect(repaired.series.count == 1 && repaired.repairs.map(\.line) == [2])
        // One byte shorter is a line like any other (a note column read past).
        let fits = String(repeating: "x", count: BarCSVReader.maximumLineBytes - "2020-01-02,1,2,0.5,1.5,".utf8.count)
        #expect(try BarCSV.parse("Date,Open,High,Low,Close,Note\n2020-01-02,1,2,0.5,1.5,\(fits)\n", file: "t.csv").series.count == 1)
    }

    @Test("the power of ten of a decimal number, from its text", arguments: [
        ("1e-400", -400), ("0.05e-400", -402), ("12.5e3", 4), ("0.5", -1), ("+7", 0), ("100", 2), ("9.99E-101", -101),
    ])
    func power(_ text: String, _ expected: Int) {
        #expect(BarValidation.decimalPower(text) == expected)
    }

    @Test("no power for what is not a positive decimal number", arguments: ["0", "0.000", "-1e-400", "abc", "1e", "1.2.3", ""])
    func noPower(_ text: String) {
        #expect(BarValidation.decimalPower(text) == nil)
    }
}
