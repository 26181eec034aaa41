import Foundation

/// The byte-level reader behind ``BarCSV``: one pass over the file, no string per cell, field
/// ranges reused from row to row.
struct BarCSVReader {
    enum Role: Int, CaseIterable {
        case date, open, high, low, close, volume, adjustedClose

        var displayName: String {
            ["Date", "Open", "High", "Low", "Close", "Volume", "Adj Close"][rawValue]
        }

        /// Header names accepted for the role, compared after lowercasing and removing spaces,
        /// underscores, hyphens, dots and angle brackets (MetaTrader writes `<CLOSE>`).
        var aliases: [String] {
            switch self {
            case .date: ["date", "time", "datetime", "timestamp"]
            case .open: ["open"]
            case .high: ["high"]
            case .low: ["low"]
            case .close: ["close"]
            case .volume: ["volume", "vol"]
            case .adjustedClose: ["adjclose", "adjustedclose"]
            }
        }

        static let required: [Role] = [.date, .open, .high, .low, .close]
        /// Names that are the close in a file without a Close column (Investing.com's Price).
        static let closeFallbacks: Set<String> = ["price", "last", "lastprice", "close/last"]
        /// Names that are the bar's time in a file without a Date column (FRED's observation_date,
        /// Dukascopy's Gmt time and Local time); beside one they stay unused.
        static let dateFallbacks: Set<String> = ["observationdate", "gmttime", "localtime"]
        static let prices: [Role] = [.open, .high, .low, .close, .adjustedClose]
    }

    /// The longest line read: a row of bars takes a few hundred bytes, and splitting a line costs
    /// memory in proportion to its length (a file without line breaks would be split as one line).
    static let maximumLineBytes = 1 << 20

    private let base: UnsafePointer<UInt8>?
    private let byteCount: Int
    /// Whether any carriage return occurs: without one, lines end at "\n" alone, found by memchr.
    private let hasCarriageReturn: Bool
    private let file: String
    private var options: BarReadOptions
    private var position = 0
    /// 1-based number of the line last returned by `nextLine`.
    private var lineNumber = 0
    private var delimiter = UInt8(ascii: ",")
    private var fieldStarts: [Int] = []
    private var fieldEnds: [Int] = []
    /// Fields of the line `splitFields` split last (the arrays above may hold more, from longer lines).
    private var fieldCount = 0
    /// The first quoting fault `splitFields` met on its line: the field (0-based) and what is wrong.
    private var quoteFault: (field: Int, unclosed: Bool)?

    init(bytes: UnsafeRawBufferPointer, file: String, options: BarReadOptions) {
        base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        // The end-of-file mark (0x1A) DOS tools still append, and a line break after it, are not
        // part of the text.
        var count = bytes.count
        if let base, let mark = (max(0, count - 4)..<count).last(where: { base[$0] == 0x1A }),
           (mark..<count).allSatisfy({ [0x1A, 0x0A, 0x0D].contains(base[$0]) }) {
            count = mark
            while count > 0 && base[count - 1] == 0x1A { count -= 1 }
        }
        byteCount = count
        hasCarriageReturn = base.map { memchr($0, 0x0D, count) != nil } ?? false
        self.file = file
        self.options = options
        // A UTF-8 byte-order mark is not part of the first header name.
        // (Some tools add one to a file that already has one.)
        while byteCount >= position + 3, let base, base[position] == 0xEF, base[position + 1] == 0xBB, base[position + 2] == 0xBF { position += 3 }
    }

    /// What a file that is not UTF-8 text looks like, from its first bytes: nil for text.
    private func binaryKind() -> String? {
        guard let base, byteCount > 0 else { return nil }
        let head = UnsafeBufferPointer(start: base, count: min(byteCount, 4096))
        if head.count >= 2 && head[0] == 0x1F && head[1] == 0x8B { return "gzip-compressed data" }
        if head.count >= 4 && head[0] == 0x50 && head[1] == 0x4B && head[2] == 0x03 && head[3] == 0x04 { return "a zip archive (an .xlsx workbook is one)" }
        // UTF-32's marks first: little-endian UTF-32's begins with UTF-16's.
        if head.count >= 4 && head[0] == 0xFF && head[1] == 0xFE && head[2] == 0 && head[3] == 0 { return "UTF-32 text (little-endian)" }
        if head.count >= 4 && head[0] == 0 && head[1] == 0 && head[2] == 0xFE && head[3] == 0xFF { return "UTF-32 text (big-endian)" }
        if head.count >= 2 && ((head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF)) { return "UTF-16 text" }
        // safetensors: an 8-byte little-endian header length, then the JSON header.
        if head.count >= 10 && head[8] == UInt8(ascii: "{") && head[9] == UInt8(ascii: "\"") && head[4..<8].allSatisfy({ $0 == 0 }) {
            return "a safetensors checkpoint (a trained model: pass it with --model-file)"
        }
        if head.contains(0) {
            // UTF-32 without a byte-order mark: ASCII text puts three zeros in every four bytes,
            // after its byte (little-endian) or before it (big-endian).
            let quads = head.count / 4
            for (position, endian) in [(0, "little"), (3, "big")] where quads >= 4 {
                // (Printable ASCII, tabs and line ends: an array of small integers is no text.)
                let text = (0..<quads).count { q in
                    let byte = head[4 * q + position]
                    return (byte >= 0x20 && byte < 0x7F || byte == 0x09 || byte == 0x0A || byte == 0x0D) && (0..<4).allSatisfy { $0 == position || head[4 * q + $0] == 0 }
                }
                if text * 10 >= quads * 9 { return "UTF-32 text (\(endian)-endian, without a byte-order mark)" }
            }
            // UTF-16 without a byte-order mark: text whose every other byte is zero. ASCII text
            // puts the zeros all at odd offsets (little-endian) or all at even ones (big-endian).
            let pairs = head.count / 2
            let zeroAt = (0...1).map { parity in (0..<pairs).count { head[2 * $0 + parity] == 0 } }
            for (parity, endian) in [(1, "little"), (0, "big")] where pairs >= 4 && zeroAt[1 - parity] == 0 && zeroAt[parity] * 10 >= pairs * 9 {
                return "UTF-16 text (\(endian)-endian, without a byte-order mark)"
            }
            return "binary data"
        }
        // JSON (an API's response saved to a file): an object, or an array of arrays, objects or
        // strings. (A CSV's first line starts with a name or a date.)
        var first = head.startIndex
        while first < head.endIndex && [0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains(head[first]) { first += 1 }
        if first < head.endIndex && head[first] == UInt8(ascii: "{") { return "JSON" }
        if first < head.endIndex && head[first] == UInt8(ascii: "[") {
            var next = first + 1
            while next < head.endIndex && [0x20, 0x09, 0x0A, 0x0D].contains(head[next]) { next += 1 }
            if next < head.endIndex && "[{\"".utf8.contains(head[next]) { return "JSON" }
        }
        return nil
    }

    // MARK: - Lines and fields

    /// The next line's byte range without its line break; nil at the end of the file. A line ends
    /// at "\n", "\r\n" or a carriage return alone (classic Mac OS), in any mix, as editors count
    /// lines: a file pieced together from several sources may carry all three.
    private mutating func nextLine() -> (start: Int, end: Int)? {
        guard let base, position < byteCount else { return nil }
        let (start, newline, carriageReturn) = (position, UInt8(ascii: "\n"), UInt8(ascii: "\r"))
        if !hasCarriageReturn {
            // The common case, Unix line ends only: the C library's vectorized search.
            let end = memchr(base + start, Int32(newline), byteCount - start).map { UnsafePointer<UInt8>($0.assumingMemoryBound(to: UInt8.self)) - base } ?? byteCount
            position = end + 1
            lineNumber += 1
            return (start, end)
        }
        var end = start
        // One comparison for the ordinary bytes, which all lie above the carriage return.
        while end < byteCount && (base[end] > carriageReturn || (base[end] != newline && base[end] != carriageReturn)) { end += 1 }
        position = end + (end + 1 < byteCount && base[end] == carriageReturn && base[end + 1] == newline ? 2 : 1)
        lineNumber += 1
        return (start, end)
    }

    /// The next line that is not blank; nil at the end of the file.
    private mutating func nextNonBlankLine() -> (start: Int, end: Int)? {
        while let line = nextLine() {
            if !isBlank(line.start, line.end) { return line }
        }
        return nil
    }

    /// Whether bytes `start..<end` hold the delimiter.
    private func hasDelimiter(_ start: Int, _ end: Int) -> Bool {
        guard let base else { return false }
        return (start..<end).contains { base[$0] == delimiter }
    }

    /// A line of spaces and tabs only, or (past the header) of delimiters too, as spreadsheets
    /// write below the data (",,,,,,").
    private func isBlank(_ start: Int, _ end: Int, delimiters: Bool = false) -> Bool {
        guard let base else { return true }
        for i in start..<end where base[i] != UInt8(ascii: " ") && base[i] != UInt8(ascii: "\t") && !(delimiters && base[i] == delimiter) {
            return false
        }
        return true
    }

    /// Splits a line into fields, trimming spaces and one pair of surrounding double quotes;
    /// delimiters inside quotes do not split. Returns the number of fields; their ranges are in
    /// `fieldStarts` and `fieldEnds`, which keep their storage from line to line.
    private mutating func splitFields(_ start: Int, _ end: Int) -> Int {
        guard let base else { return 0 }
        // A line of n bytes holds at most n + 1 fields: with room for them, the loop writes through
        // pointers, with no uniqueness check of the arrays per field.
        if fieldStarts.count < end - start + 1 {
            fieldStarts += [Int](repeating: 0, count: end - start + 1 - fieldStarts.count)
            fieldEnds += [Int](repeating: 0, count: end - start + 1 - fieldEnds.count)
        }
        let delimiter = self.delimiter
        // In a tab-separated file a tab is a delimiter, never padding: two in a row hold an empty field.
        let tab = delimiter == UInt8(ascii: "\t") ? UInt8(ascii: " ") : UInt8(ascii: "\t")
        var fault: (field: Int, unclosed: Bool)?
        let count = fieldStarts.withUnsafeMutableBufferPointer { starts in
            fieldEnds.withUnsafeMutableBufferPointer { ends in
                var count = 0
                func store(_ fieldStart: Int, _ fieldEnd: Int) {
                    starts[count] = fieldStart
                    ends[count] = fieldEnd
                    count += 1
                }
                var i = start
                while true {
                    var fieldStart = i
                    while fieldStart < end && (base[fieldStart] == UInt8(ascii: " ") || base[fieldStart] == tab) { fieldStart += 1 }
                    if fieldStart < end && base[fieldStart] == UInt8(ascii: "\"") {
                        // Quoted field: runs to the closing quote ("" is an escaped quote inside).
                        var j = fieldStart + 1
                        while j < end {
                            if base[j] == UInt8(ascii: "\"") {
                                if j + 1 < end && base[j + 1] == UInt8(ascii: "\"") { j += 2; continue }
                                break
                            }
                            j += 1
                        }
                        let closing = j
                        if closing >= end && fault == nil { fault = (count, true) }
                        j = min(j + 1, end)
                        // Only spaces may follow the closing quote: text there ("11"5) is not dropped quietly.
                        while j < end && base[j] != delimiter {
                            if base[j] != UInt8(ascii: " ") && base[j] != UInt8(ascii: "\t") && fault == nil { fault = (count, false) }
                            j += 1
                        }
                        // Spaces inside the quotes are not part of the value either.
                        var (inner, innerEnd) = (fieldStart + 1, min(closing, end))
                        while inner < innerEnd && base[inner] == UInt8(ascii: " ") { inner += 1 }
                        while innerEnd > inner && base[innerEnd - 1] == UInt8(ascii: " ") { innerEnd -= 1 }
                        store(inner, innerEnd)
                        i = j
                    } else {
                        var j = fieldStart
                        while j < end && base[j] != delimiter { j += 1 }
                        var fieldEnd = j
                        while fieldEnd > fieldStart && (base[fieldEnd - 1] == UInt8(ascii: " ") || base[fieldEnd - 1] == tab) {
                            fieldEnd -= 1
                        }
                        store(fieldStart, fieldEnd)
                        i = j
                    }
                    if i >= end { break }
                    i += 1  // past the delimiter
                    if i == end {
                        // A delimiter at the very end leaves one more, empty, field.
                        store(end, end)
                        break
                    }
                }
                return count
            }
        }
        quoteFault = fault
        fieldCount = count
        return count
    }

    /// The number of a line among the next five that names every required column, when the
    /// header line is not it (a title, a link or a comment written above the header).
    @inline(never)
    private func headerBelow() -> Int? {
        var probe = self
        for _ in 0..<5 {
            guard let line = probe.nextNonBlankLine(), line.end - line.start <= Self.maximumLineBytes else { return nil }
            probe.delimiter = probe.detectDelimiter(line.start, line.end)
            let keys = Set((0..<probe.splitFields(line.start, line.end)).map { Self.headerKey(probe.text($0)) })
            if Role.required.allSatisfy({ role in role.aliases.contains { keys.contains($0) } || (role == .close && !keys.isDisjoint(with: Role.closeFallbacks)) }) {
                return probe.lineNumber
            }
        }
        return nil
    }

    /// Shows `visit` the first `rows` rows of data after the line last read (lines of more than one
    /// field, not of delimiters only), each split into its fields, on a copy of the reader: nothing
    /// is consumed. Reads at most 50 lines, and stops at one over the length limit.
    private func probeRows(_ rows: Int, _ visit: (_ probe: BarCSVReader, _ fields: Int) -> Void) {
        var probe = self
        var (seen, lines) = (0, 0)
        while seen < rows, lines < 50, let line = probe.nextNonBlankLine(), line.end - line.start <= Self.maximumLineBytes {
            lines += 1
            let fields = probe.splitFields(line.start, line.end)
            guard fields > 1, !probe.isBlank(line.start, line.end, delimiters: true) else { continue }
            seen += 1
            visit(probe, fields)
        }
    }

    /// The header of a file whose columns have two levels, as pandas writes a two-level column
    /// index (yfinance's downloads: `Price,Close,High,…` over `Ticker,MSFT,MSFT,…` or the other way
    /// round, then `Date,,,…`): the column names, taken from the level that names prices, with
    /// the index's name (or nothing) as the first, and the line of that level. Nil
    /// for any other header, with nothing read. The levels are told apart by the names' roles,
    /// so they may be unnamed (`,Close,High` over `,MSFT,MSFT`). A file with columns of more
    /// than one ticker is refused: it holds several series.
    private mutating func columnLevels(_ names: [String]) throws -> (names: [String], line: Int)? {
        let first = Self.headerKey(names[0])
        guard names.count > 1, ["price", "ticker", ""].contains(first) else { return nil }
        var probe = self
        guard let line = probe.nextNonBlankLine(), line.end - line.start <= Self.maximumLineBytes,
              probe.splitFields(line.start, line.end) == names.count, probe.quoteFault == nil else { return nil }
        let other = (0..<names.count).map { probe.text($0) }
        let otherFirst = Self.headerKey(other[0])
        guard first.isEmpty ? otherFirst.isEmpty : (Set([first, otherFirst]) == ["price", "ticker"]) else { return nil }
        // The second row must be names too: no empty cell past the first and no date. (Under a
        // named level, a ticker may read as a number: NAN, INF, 7203; under unnamed levels, a row
        // of numbers or of missing-value marks is a row of data whose date is missing.)
        let cells = other.dropFirst()
        guard cells.allSatisfy({ !$0.isEmpty }), case .failure = probe.parseDate(probe.fieldStarts[1], probe.fieldEnds[1]),
              !first.isEmpty || cells.allSatisfy({ Double($0) == nil && !Self.isMissingValue($0) }) else { return nil }
        /// The roles the row's names give, each counted once (a ticker row of LOW names one role
        /// however many times it repeats it).
        func priceNames(_ row: [String]) -> Int {
            Set(row.dropFirst().compactMap { name in Role.allCases.first { $0 != .date && $0.aliases.contains(Self.headerKey(name)) } }).count
        }
        let namesFirst = first == "price" || first.isEmpty && priceNames(names) >= priceNames(other)
        let (prices, tickers) = namesFirst ? (names, other) : (other, names)
        guard priceNames(prices) > 0 else { return nil }
        let headerLine = lineNumber
        self = probe
        let pricesLine = namesFirst ? headerLine : lineNumber
        let symbols = tickers.dropFirst().reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        if symbols.count > 1 {
            let column = tickers.indices.dropFirst().first { tickers[$0] != symbols[0] }.map { $0 + 1 }
            throw DataError(kind: .severalSeries, file: file, line: namesFirst ? lineNumber : headerLine, column: column,
                            value: column.map { tickers[$0 - 1] },
                            message: "the columns hold \(symbols.count) tickers (\(symbols.prefix(5).joined(separator: ", "))\(symbols.count > 5 ? ", …" : "")), and a bar file is one series",
                            fix: "save one ticker per file, such as with pandas: df.xs('\(symbols[0])', axis=1, level=\(tickers[0].isEmpty ? (namesFirst ? "1" : "0") : "'\(tickers[0])'")).to_csv('\(symbols[0]).csv')")
        }
        // The index's name alone on a row (Date,,,…): the first column's name.
        var result = prices
        result[0] = ""
        probe = self
        if let line = probe.nextNonBlankLine(), line.end - line.start <= Self.maximumLineBytes,
           probe.splitFields(line.start, line.end) == names.count, probe.quoteFault == nil,
           probe.fieldStarts[0] < probe.fieldEnds[0], (1..<names.count).allSatisfy({ probe.fieldStarts[$0] == probe.fieldEnds[$0] }),
           case .failure = probe.parseDate(probe.fieldStarts[0], probe.fieldEnds[0]) {
            result[0] = probe.text(0)
            self = probe
        }
        return (result, pricesLine)
    }

    /// Whether column `column` is empty, or holds only a missing-value mark such as '-' or 'N/A', on
    /// every row of data (rows with a date in `dateColumn`), after the line last read. Reads on a
    /// copy of the reader; stops at the first row with something in it.
    private func columnHoldsNothing(_ column: Int, dateColumn: Int) -> Bool {
        var probe = self
        var rows = 0
        while let line = probe.nextLine() {
            // Rows with a date only: a footer ("Total,,,,,123") or a note is no bar.
            guard line.end - line.start <= Self.maximumLineBytes, !probe.isBlank(line.start, line.end, delimiters: true),
                  probe.splitFields(line.start, line.end) > max(column, dateColumn),
                  probe.readsAsDate(probe.fieldStarts[dateColumn], probe.fieldEnds[dateColumn]) else { continue }
            let (start, end) = (probe.fieldStarts[column], probe.fieldEnds[column])
            guard start == end || end - start <= 12 && Self.isMissingValue(probe.rawText(column)) else { return false }
            rows += 1
        }
        return rows > 0
    }

    /// The fix for a date that does not parse, after what it looks like.
    private func dateFix(_ raw: String, impossible: Bool, why: String = "") -> String {
        let iso = "write dates as YYYY-MM-DD, or date-times as YYYY-MM-DDTHH:MM:SS (optionally with Z or +HH:MM)"
        if raw.isEmpty { return "fill in the date, or pass --repair drop to leave the row out" }
        // A dotted date read day first whose month is over 12 and day is not: month first.
        if impossible, let match = raw.range(of: #"^\d\d\.\d\d\.\d{4}"#, options: .regularExpression) {
            let parts = raw[match].split(separator: ".").compactMap { Int($0) }
            if parts.count == 3, parts[1] > 12, parts[0] <= 12 {
                return "dates with dots are read day first (DD.MM.YYYY), and this file seems to write the month first (MM.DD.YYYY): rewrite the dates as YYYY-MM-DD"
            }
        }
        if impossible, let order = options.slashDateOrder, raw.range(of: #"^\d{1,2}/\d{1,2}/\d{4}\b"#, options: .regularExpression) != nil {
            let (shape, shows) = order == .monthFirst ? ("month first (MM/DD/YYYY)", "second") : ("day first (DD/MM/YYYY)", "first")
            return "the file's dates read \(shape), as most of those with a number past 12 show (their \(shows)), and this one cannot be read so: correct it, or pass --repair drop to leave the row out"
        }
        if impossible { return "correct the date, or pass --repair drop to leave the row out" }
        if raw.allSatisfy(\.isASCII) && raw.allSatisfy(\.isNumber) {
            // Digits that read as a calendar date and time (YYYYMMDD, YYYYMMDDHHMM, YYYYMMDDHHMMSS)
            // are one, whatever they would be as a count since 1970.
            let digits = raw.compactMap(\.wholeNumberValue)
            func number(_ range: Range<Int>) -> Int { digits[range].reduce(0) { $0 * 10 + $1 } }
            if [8, 12, 14].contains(digits.count), (1900...2100).contains(number(0..<4)), (1...12).contains(number(4..<6)),
               (1...31).contains(number(6..<8)), digits.count == 8 || number(8..<10) < 24 && number(10..<12) < 60 {
                let shape = ["YYYYMMDD", "", "", "", "YYYYMMDDHHMM", "", "YYYYMMDDHHMMSS"][digits.count - 8]
                return "this looks like a compact date\(digits.count > 8 ? "-time" : "") (\(shape)): \(iso)"
            }
            let unit = [9: "seconds", 10: "seconds", 11: "seconds", 12: "milliseconds", 13: "milliseconds", 14: "milliseconds",
                        15: "microseconds", 16: "microseconds", 17: "microseconds", 18: "nanoseconds", 19: "nanoseconds"][raw.count]
            if let unit { return "this looks like a Unix timestamp (\(unit) since 1970): convert the column to YYYY-MM-DDTHH:MM:SSZ" }
            if raw.count == 5, let serial = Int(raw), (20_000...80_000).contains(serial) {
                return "this looks like a spreadsheet's serial day number (days since 1899-12-30): format the column as a date, YYYY-MM-DD, before exporting"
            }
        }
        // Digits with a fraction: a serial day number with a time of day, or a Unix time with
        // fractions of a second.
        if let point = raw.firstIndex(of: "."), raw[..<point].count >= 5, raw.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
           raw.filter({ $0 == "." }).count == 1 {
            let whole = String(raw[..<point])
            if whole.count == 5, let serial = Int(whole), (20_000...80_000).contains(serial) {
                return "this looks like a spreadsheet's serial day number with the time of day as its fraction (days since 1899-12-30): format the column as a date and time, YYYY-MM-DD HH:MM:SS, before exporting"
            }
            if (9...19).contains(whole.count) {
                return "this looks like a Unix timestamp with fractions (\(dateFix(whole, impossible: false).contains("milli") ? "milliseconds" : "seconds") since 1970): convert the column to YYYY-MM-DDTHH:MM:SSZ, rounded to the second"
            }
        }
        if why.contains("fractions of a second") {
            return "round each time to the whole second: write date-times as YYYY-MM-DDTHH:MM:SS (optionally with Z or +HH:MM)"
        }
        // Shapes of date told by a pattern alone, each with its fix.
        let shapes: [(pattern: String, fix: String)] = [
            (#"^\d{4}-\d\d-\d\dt"#, "\(iso), with the T (and the Z) as capitals"),
            (#"^\d{1,2}\.\d{1,2}\.\d{2,4}\b"#, "\(iso); dates with dots are read day first as DD.MM.YYYY, with a two-digit day and month and a four-digit year"),
            (#"^\d{1,2}-\d{1,2}-\d{2,4}\b"#, "\(iso); a date such as 05-01-2024 cannot say whether it is January 5 or May 1"),
            (#"^\d{4}-\d\d-\d\d(T[\d:]+)?/\d{4}-\d\d-\d\d"#,
             "this looks like a period (its start/its end), as pandas writes a weekly PeriodIndex: write one date per bar as YYYY-MM-DD, such as the period's end (df.to_timestamp(how='end').normalize() in pandas)"),
            (#"^\d{4}-\d\d$"#, "this looks like a month (YYYY-MM), as pandas writes a monthly PeriodIndex: write a day too, YYYY-MM-DD, such as the month's first or last (df.to_timestamp() in pandas)"),
            (#"^\d{4}Q[1-4]$"#, "this looks like a quarter (YYYYQn), as pandas writes a quarterly PeriodIndex: write a date, YYYY-MM-DD, such as the quarter's first or last day (df.to_timestamp() in pandas)"),
        ]
        if let shape = shapes.first(where: { raw.range(of: $0.pattern, options: .regularExpression) != nil }) { return shape.fix }
        if raw.hasSuffix("]"), let open = raw.lastIndex(of: "[") {
            // Java's zoned date-time: an offset, then the zone's name in brackets.
            let offset = raw[..<open].range(of: #"\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d(:?\d\d)?)$"#, options: .regularExpression) != nil
            return "\(iso); delete the zone name in brackets (\(raw[open...]))" + (offset ? ": the offset before it gives the time" : ", and write the time's offset from UTC in its place")
        }
        if raw.prefix(while: { $0 != " " && $0 != "T" }).contains("/") { return "\(iso); a date such as 01/02/2020 cannot say whether it is January 2 or February 1" }
        if raw.contains("<U+") || raw.unicodeScalars.contains(where: { !$0.isASCII }) { return "\(iso); the date holds a character that is not plain ASCII (shown as <U+…>): retype it" }
        return iso
    }

    /// The error for a line longer than ``maximumLineBytes``, or nil.
    private func lengthError(_ line: (start: Int, end: Int), number: Int) -> DataError? {
        let length = line.end - line.start
        guard length > Self.maximumLineBytes else { return nil }
        return DataError(kind: .lineTooLong, file: file, line: number,
                         message: "the line is \(length.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))) bytes long, and a row of bars takes a few hundred",
                         fix: "check that the file is a CSV of bars with a line break after each bar (data saved as one line, such as an API's response, needs converting to CSV first)")
    }

    /// The error for the quoting fault of the line just split, at line `line`.
    private func quoteError(line: Int) -> DataError? {
        guard let fault = quoteFault else { return nil }
        return DataError(kind: .malformedQuotes, file: file, line: line, column: fault.field + 1,
                         message: fault.unclosed ? "a quote opens in field \(fault.field + 1) and never closes on this line"
                                                 : "field \(fault.field + 1) has text after its closing quote",
                         fix: "quote a whole field or nothing of it (\"2020-01-02T09:30\", not \"2020-01-02\"T09:30), and write a quote inside a quoted field as two (\"\")")
    }

    /// Header names (as ``headerKey(_:keepingUnits:)`` writes them) of a column that names the
    /// instrument of each row.
    static let symbolColumnKeys: Set<String> = ["symbol", "ticker", "tickersymbol", "tickername", "name", "instrument", "secid", "ric", "isin",
                                                "asset", "pair", "stock", "code", "stockcode", "securitycode", "securityname", "tscode", "sym",
                                                "tradingsymbol", "coin"]

    /// ``checkSymbol(_:name:first:row:)`` for each of `columns`. (Out of line: the row loop's code
    /// stays as small as it was, and its speed with it.)
    @inline(never)
    private func checkSymbols(_ columns: [Int], names: [String], first: inout [(start: Int, count: Int, line: Int)], row: Int) throws {
        for (k, column) in columns.enumerated() { try checkSymbol(column, name: names[column], first: &first[k], row: row) }
    }

    /// Records where the first row that names an instrument in column `column` (header `name`)
    /// names it, and throws when the current row names another (letter case and spaces around it
    /// aside). The first name stays in the mapped file, compared byte for byte: no string is made
    /// unless the bytes differ.
    private func checkSymbol(_ column: Int, name: String, first: inout (start: Int, count: Int, line: Int), row: Int) throws {
        guard let base, fieldEnds[column] > fieldStarts[column] else { return }
        let (start, count) = (fieldStarts[column], fieldEnds[column] - fieldStarts[column])
        guard first.line > 0 else {
            first = (start, count, row)
            return
        }
        if count == first.count && memcmp(base + start, base + first.start, count) == 0 { return }
        func symbol(_ start: Int, _ count: Int) -> String {
            String(decoding: UnsafeBufferPointer(start: base + start, count: count), as: UTF8.self).trimmingCharacters(in: .whitespaces)
        }
        let (here, there) = (symbol(start, count), symbol(first.start, first.count))
        guard here.lowercased() != there.lowercased() else { return }
        // A file name and a Python string from the symbol: no slashes, quotes or spaces.
        let fileName = String(there.map { $0.isLetter || $0.isNumber || "-.".contains($0) ? $0 : "_" })
        let quoted = there.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
        throw DataError(kind: .severalSeries, file: file, line: row, column: column + 1, value: text(column),
                        message: "column '\(name)' names '\(text(column))' here and '\(there)' on line \(first.line): the file holds several series, and a bar file is one",
                        fix: "keep one \(name.lowercased())'s rows, such as with pandas: df[df['\(name)'] == '\(quoted)'].to_csv('\(fileName).csv', index=False); "
                            + "if the rows are one series whose symbol changed (a renamed ticker, a rolled contract), delete the column")
    }

    /// A field's text as written (invalid UTF-8 decoded as U+FFFD).
    private func rawText(_ field: Int) -> String {
        guard let base else { return "" }
        return String(decoding: UnsafeBufferPointer(start: base + fieldStarts[field], count: fieldEnds[field] - fieldStarts[field]), as: UTF8.self)
    }

    /// A field's text, for messages: characters that would garble a terminal or cannot be seen
    /// (control characters, byte-order marks, no-break and zero-width spaces, dashes that look like
    /// '-') are shown by code point, such as <U+FEFF>.
    private func text(_ field: Int) -> String {
        let decoded = rawText(field)
        func hidden(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar.value {
            case 0..<0x20, 0x7F...0xA0, 0xAD, 0x2000...0x200F, 0x2010...0x2015, 0x2028...0x202F, 0x205F...0x206F, 0x2212, 0x3000, 0xFEFF, 0xFFFD: true
            default: false
            }
        }
        guard decoded.unicodeScalars.contains(where: hidden) else { return decoded }
        return decoded.unicodeScalars.map { hidden($0) ? "<U+\(String(format: "%04X", $0.value))>" : String($0) }.joined()
    }

    // MARK: - The file

    mutating func read(name: String) throws -> BarFile {
        if let kind = binaryKind() {
            throw DataError(kind: .unreadableFile, file: file, line: nil, message: "is not a CSV text file: it looks like \(kind)",
                            fix: kind.hasPrefix("a safetensors") ? "give --data a CSV file of bars, and the checkpoint to --model-file"
                                : kind == "JSON" ? "convert it to CSV: a header line (Date,Open,High,Low,Close,Volume) and one line per bar"
                                : kind.hasPrefix("gzip") ? "decompress it first, or pass it through a pipe: --data <(zcat FILE)"
                                : kind.hasPrefix("UTF-32") ? "save the data as UTF-8 text (with iconv: iconv -f \(kind.contains("little-endian") ? "UTF-32LE" : "UTF-32BE") -t UTF-8 FILE > FILE-utf8.csv)"
                                : kind.hasPrefix("UTF-16") ? "save the data as UTF-8 text (in Excel: CSV UTF-8; with iconv: iconv -f \(kind.contains("little-endian") ? "UTF-16LE" : kind.contains("big-endian") ? "UTF-16BE" : "UTF-16") -t UTF-8 FILE > FILE-utf8.csv)"
                                : "export or save the data as a UTF-8 CSV file (decompress it first if it is compressed)")
        }
        // Header: the first line that is not blank.
        var headerLine = nextNonBlankLine()
        // Excel writes "sep=;" above the header to name the delimiter.
        var namedDelimiter: UInt8?
        if let line = headerLine, let base {
            // Quotes and spaces around it are Excel's or an editor's, not part of it.
            // (A tab is trimmed only when it is not the delimiter named: "sep=<tab>".)
            let raw = String(decoding: UnsafeBufferPointer(start: base + line.start, count: line.end - line.start), as: UTF8.self)
            let quoted = raw.trimmingCharacters(in: CharacterSet(charactersIn: " \""))
            let text = quoted.lowercased() == "sep=\t" ? quoted : raw.trimmingCharacters(in: CharacterSet(charactersIn: " \t\""))
            if text.count == 5, text.lowercased().hasPrefix("sep="), let byte = text.utf8.last { namedDelimiter = byte }
        }
        if namedDelimiter != nil { headerLine = nextNonBlankLine() }
        guard let header = headerLine else {
            throw DataError(kind: .emptyFile, file: file, line: nil, message: namedDelimiter == nil ? "the file is empty" : "the file has no header",
                            fix: "a bar file needs a header row (Date,Open,High,Low,Close,Volume) and one row per bar")
        }
        if let error = lengthError(header, number: lineNumber) { throw error }
        delimiter = namedDelimiter ?? detectDelimiter(header.start, header.end)
        var headerLineNumber = lineNumber
        let columnCount = splitFields(header.start, header.end)
        if let error = quoteError(line: headerLineNumber) { throw error }
        var headerNames = (0..<columnCount).map { text($0) }
        // pandas' two-level columns (yfinance's download saved with to_csv): a Price row of names
        // and a Ticker row, in either order, then the index's name alone on a row.
        if let levels = try columnLevels(headerNames) {
            (headerNames, headerLineNumber) = levels
        }
        var columnOfRole = [Int?](repeating: nil, count: Role.allCases.count)
        /// A separate time-of-day column beside a date-only Date column.
        var timeColumn: Int?
        var ignored: [String] = []
        var symbolColumns: [Int] = []
        // Names match their role as written, first. A unit or zone in parentheses ("Time (UTC)",
        // "Close (USD)") is read past after that, for a role still free, or for a time beside the
        // date; so "Close (adj)" beside "Close", "Volume (USD)" after "Volume (BTC)" or
        // "Timestamp (ms)" beside "Date" stay unused, as they were.
        func role(_ key: String) -> Role? { Role.allCases.first { $0.aliases.contains(key) } }
        var unused = Set(headerNames.indices)
        for exact in [true, false] {
            for (index, raw) in headerNames.enumerated() where unused.contains(index) {
                guard let role = role(Self.headerKey(raw, keepingUnits: exact)) ?? (exact ? nil : Self.volumeWithUnit(raw)) else { continue }
                if !exact, let previous = columnOfRole[role.rawValue],
                   !(role == .date && timeColumn == nil && Self.dateAndTime(headerNames[previous], raw) != nil) {
                    continue
                }
                unused.remove(index)
                if let previous = columnOfRole[role.rawValue], role == .date, timeColumn == nil,
                   let pair = Self.dateAndTime(headerNames[previous], raw).map({ $0 ? (previous, index) : (index, previous) }) {
                    // A date column and a time column (MetaTrader and many vendors): read together.
                    columnOfRole[role.rawValue] = pair.0
                    timeColumn = pair.1
                    continue
                }
                if let previous = columnOfRole[role.rawValue], role == .date {
                    throw DataError(kind: .duplicateColumn, file: file, line: headerLineNumber, column: index + 1, value: raw,
                                    message: "columns '\(headerNames[previous])' and '\(raw)' both look like the bar's time; Sibyl reads the date and time from one column",
                                    fix: "merge them into one Date column written as YYYY-MM-DD HH:MM:SS (or keep only the date for daily bars)")
                }
                if let previous = columnOfRole[role.rawValue] {
                    throw DataError(kind: .duplicateColumn, file: file, line: headerLineNumber, column: index + 1, value: raw,
                                    message: "column '\(raw)' is a second \(role.displayName) column (column \(previous + 1) is the first)",
                                    fix: "keep one \(role.displayName) column and rename or remove the other")
                }
                columnOfRole[role.rawValue] = index
            }
        }
        // Without a Close column, a column named Price or Last is the close (Investing.com, some
        // brokers); beside a Close column it stays unused (yfinance's "Price" header row).
        if columnOfRole[Role.close.rawValue] == nil,
           let price = unused.sorted().first(where: { Role.closeFallbacks.contains(Self.headerKey(headerNames[$0])) }) {
            columnOfRole[Role.close.rawValue] = price
            unused.remove(price)
        }
        if columnOfRole[Role.date.rawValue] == nil,
           let time = unused.sorted().first(where: { Role.dateFallbacks.contains(Self.headerKey(headerNames[$0])) }) {
            columnOfRole[Role.date.rawValue] = time
            unused.remove(time)
        }
        // pandas writes an unnamed index as a first column without a name, and as a column named
        // "index" once reset_index() has made it one (beside a new unnamed index of row numbers):
        // the dates, when its first rows' cells read as them.
        var unnamedDates: String?
        if columnOfRole[Role.date.rawValue] == nil {
            // The unnamed first column, then a column named index (row numbers first, then the
            // reset index): the first whose first rows' cells read as dates. Judged on the first
            // five rows, so that one bad date there is the row loop's to report.
            let candidates = (headerNames.first?.isEmpty == true && unused.contains(0) ? [0] : [])
                + unused.sorted().filter { Self.headerKey(headerNames[$0]) == "index" }.prefix(1)
            for candidate in candidates where unnamedDates == nil {
                var (rows, dates) = (0, 0)
                probeRows(5) { probe, fields in
                    rows += 1
                    if candidate < fields, probe.readsAsDate(probe.fieldStarts[candidate], probe.fieldEnds[candidate]) { dates += 1 }
                }
                if dates * 2 > rows {
                    columnOfRole[Role.date.rawValue] = candidate
                    unused.remove(candidate)
                    unnamedDates = headerNames[candidate]
                }
            }
        }
        // A date and one other column, neither prices nor volume by name (FRED's DATE,DCOILWTICO;
        // a series saved under its ticker): that column is the close.
        // (Not a column whose name says it holds something else: open interest, a return, a
        // change, a count. Nor beside an Adj Close: which would be the close? A file of adjusted
        // closes alone, as yfinance writes one, reads them as the closes.)
        var closeByElimination: String?
        var closeFromAdjusted = false
        // Unnamed columns count only when they hold nothing (a delimiter at the end of each line).
        var emptyUnnamed: Set<Int> = []
        if columnOfRole[Role.date.rawValue] != nil, [Role.open, .high, .low, .close].allSatisfy({ columnOfRole[$0.rawValue] == nil }) {
            let named = unused.filter { !headerNames[$0].isEmpty }
            emptyUnnamed = unused.subtracting(named)
            probeRows(5) { probe, fields in
                emptyUnnamed = emptyUnnamed.filter { $0 >= fields || probe.fieldStarts[$0] == probe.fieldEnds[$0] }
            }
            let unnamedHoldData = emptyUnnamed.count < unused.count - named.count
            if named.count == 1, let only = named.first, columnOfRole[Role.adjustedClose.rawValue] == nil, !unnamedHoldData,
               !Self.namesNoPrice(headerNames[only]) {
                columnOfRole[Role.close.rawValue] = only
                unused.remove(only)
                closeByElimination = headerNames[only]
            } else if named.isEmpty, !unnamedHoldData, let adjusted = columnOfRole[Role.adjustedClose.rawValue] {
                columnOfRole[Role.close.rawValue] = adjusted
                columnOfRole[Role.adjustedClose.rawValue] = nil
                closeByElimination = headerNames[adjusted]
                closeFromAdjusted = true
            }
            if closeByElimination == nil { emptyUnnamed = [] }
        }
        ignored = unused.subtracting(emptyUnnamed).sorted().map { headerNames[$0].isEmpty ? "(unnamed column \($0 + 1))" : headerNames[$0] }
        // A column naming the instrument (a long-format export of several tickers, sorted by
        // symbol): every row must name the same one, or the series would be stitched from several.
        symbolColumns = unused.sorted().filter { Self.symbolColumnKeys.contains(Self.headerKey(headerNames[$0])) }
        // A file of closes only (an index level, a rate, a settlement price): each bar's open, high
        // and low are its close, with a warning.
        let closesOnly = columnOfRole[Role.close.rawValue] != nil && [Role.open, .high, .low].allSatisfy { columnOfRole[$0.rawValue] == nil }
        // Without any price column, the one a file of closes only needs is the one to name.
        let noPrices = [Role.open, .high, .low, .close].allSatisfy { columnOfRole[$0.rawValue] == nil }
        for role in Role.required where columnOfRole[role.rawValue] == nil && !(closesOnly && [.open, .high, .low].contains(role))
            && !(noPrices && columnOfRole[Role.date.rawValue] != nil && [.open, .high, .low].contains(role)) {
            let found = headerNames.prefix(12).map { $0.isEmpty ? "(empty)" : $0 }.joined(separator: ", ") + (columnCount > 12 ? ", … (\(columnCount) in all)" : "")
            var fix = role == .close && noPrices
                ? "name the closing prices' column Close (with Open, High and Low columns too, or alone: a file of dates and closes is read as closes only)"
                : "name the columns Date, Open, High, Low, Close and optionally Volume and Adj Close, in any order and letter case"
            let first = text(0)
            let numeric = first.count >= 8 && first.count <= 19 && first.allSatisfy { $0.isASCII && $0.isNumber }
                && (1..<columnCount).allSatisfy { DecimalParser.parse(base!, from: fieldStarts[$0], to: fieldEnds[$0]) != nil }
            if case .success = parseDate(fieldStarts[0], fieldEnds[0]) {
                fix = "the first line looks like data, not a header: add a header line above it naming the columns in their order, such as Date,Open,High,Low,Close,Volume"
            } else if numeric {
                // Exchange klines (Binance) and compact exports: no header, times written as digits.
                fix = "the first line looks like data, not a header, with its time written as digits (\(dateFix(first, impossible: false))); add a header line above it naming the columns in their order, such as Date,Open,High,Low,Close,Volume, and name extra columns anything else"
            } else if let line = headerBelow() {
                fix = "the header is on line \(line): delete the line\(line - headerLineNumber > 1 ? "s" : "") above it (a title, a link or a comment)"
            } else if columnCount == 1 {
                fix = "the header is one field: separate the columns with ',', ';', a tab or '|', and name them Date, Open, High, Low, Close and optionally Volume"
            } else if role == .date, headerNames[0].isEmpty, columnCount > 1 {
                fix = "the first column has no name (pandas writes its index so): name it Date if it holds the dates, or write the file with the dates as its index"
            } else if headerNames[0].lowercased() == "price", role == .date {
                fix = "this looks like a multi-line header (Price / Ticker / Date rows): keep one header line, with the first column named Date, and delete the Ticker and Date lines below it"
            }
            throw DataError(kind: .missingColumn, file: file, line: headerLineNumber, value: role.displayName,
                            message: "no \(role.displayName) column (the header has: \(found))", fix: fix)
        }
        // A Volume column with nothing in it on any row (an index's export, which keeps the column
        // and leaves it empty or writes '-'): a file without volumes, with a warning.
        var emptyVolumeColumn: String?
        if let volume = columnOfRole[Role.volume.rawValue], let date = columnOfRole[Role.date.rawValue],
           columnHoldsNothing(volume, dateColumn: date) {
            emptyVolumeColumn = headerNames[volume]
            columnOfRole[Role.volume.rawValue] = nil
        }
        let hasVolume = columnOfRole[Role.volume.rawValue] != nil
        // A volume counted in thousands or millions ("Volume (K)", "Vol. (000s)"): read in units.
        let volumeUnit = columnOfRole[Role.volume.rawValue].flatMap { Self.volumeMultiplier(headerNames[$0]) }
        let volumePower = volumeUnit?.power ?? 0
        /// Whether a row has shown that the file's commas group thousands (4,256,010, or 1,239.28).
        var commasGroupThousands = false
        let hasAdjusted = columnOfRole[Role.adjustedClose.rawValue] != nil
        // (A file of adjusted closes alone is adjusted already.)
        if options.adjusted && !hasAdjusted && !closeFromAdjusted {
            throw DataError(kind: .missingColumn, file: file, line: headerLineNumber, value: Role.adjustedClose.displayName,
                            message: "adjusted prices need an Adj Close column, and the header has none",
                            fix: "leave out --adjusted, or use a file with an Adj Close column")
        }
        let numericRoles = Role.allCases.filter { $0 != .date && columnOfRole[$0.rawValue] != nil }
        let numericColumns = numericRoles.map { columnOfRole[$0.rawValue]! }

        let estimatedRows = byteCount / max(8 * columnCount, 1)
        var timestamps: [Timestamp] = []
        // Numbers row by row, `numericRoles.count` per row (one array to append to, not seven);
        // split into columns at the end.
        var numbers: [Double] = []
        var slot = [Int](repeating: 0, count: Role.allCases.count)
        for (index, role) in numericRoles.enumerated() { slot[role.rawValue] = index }
        let stride = numericRoles.count
        var lines: [Int] = []
        timestamps.reserveCapacity(estimatedRows)
        lines.reserveCapacity(estimatedRows)
        numbers.reserveCapacity(estimatedRows * stride)
        var repairs: [RepairNote] = []
        var dateShape: DateShape?
        var dateShapeLine = 0
        /// Per kept row, the offset from UTC its date was written with; empty while every offset is 0.
        var offsets: [Int] = []
        /// Whether the rows run newest first: decided by the first two kept rows, and under a repair
        /// by whichever direction keeps more rows in order (``keepMostOrderedRows``).
        var newestFirst = false
        // ';'-separated files: whether the first rows' numbers are all written as d.ddd.ddd, with
        // points in the volumes too (whole numbers of a locale that groups thousands with '.').
        var (groupedRows, groupedVolumes) = (0, 0)
        // And whether every price of those rows has points and whole groups of three after them
        // (13.385): with day-first dotted dates, a German export's whole numbers, volumes or not.
        var groupedPriceRows = 0
        let priceColumns = [Role.open, .high, .low, .close].compactMap { columnOfRole[$0.rawValue] }
        var dataLines = 0
        var values = [Double](repeating: .nan, count: Role.allCases.count)
        /// Lines of delimiters only: those seen since the last data row, and those between data rows.
        var (pendingEmptyRows, emptyRowsInside) = ([Int](), [Int]())
        /// Lines of delimiters only above the first row of data.
        var emptyRowsAbove: [Int] = []
        /// Cells `ffill` fills, by line: the value slots. They are filled once the rows are in time
        /// order (``fillForward``), so that a newest-first file fills from the bar before, not after.
        var filledCells: [Int: [Int]] = [:]
        /// Per column of `symbolColumns`: where the first row naming an instrument names it (line 0: none yet).
        var firstSymbols = [(start: Int, count: Int, line: Int)](repeating: (0, 0, 0), count: symbolColumns.count)

        let dateColumn = columnOfRole[Role.date.rawValue]!
        options.slashDateOrder = try slashDateOrder(dateColumn: dateColumn, columns: columnCount)
        rows: while let line = nextLine() {
            if isBlank(line.start, line.end, delimiters: true) {
                // A row of delimiters only: an empty row. Below the data (a spreadsheet's unused
                // rows) it goes unremarked; above or between rows of data it is reported.
                if hasDelimiter(line.start, line.end) {
                    if dataLines == 0 { emptyRowsAbove.append(lineNumber) } else { pendingEmptyRows.append(lineNumber) }
                }
                continue
            }
            if !pendingEmptyRows.isEmpty {
                emptyRowsInside += pendingEmptyRows
                pendingEmptyRows.removeAll()
            }
            dataLines += 1
            let row = lineNumber
            // The first kept row sets the date format; fills are recorded once the row is kept.
            var rowShape: DateShape?
            var rowFills: [RepairNote] = []
            /// The value slot of each of `rowFills`.
            var rowFillSlots: [Int] = []

            /// Stops with `error`, or drops the row and notes why when the user asked for repairs.
            func reject(_ error: DataError) throws {
                guard options.repair != .none else { throw error }
                repairs.append(RepairNote(action: .droppedRow, file: file, line: row, column: nil,
                                          original: nil, replacement: nil, reason: error.message))
            }

            if let error = lengthError(line, number: row) {
                try reject(error)
                continue rows
            }
            let fields = splitFields(line.start, line.end)
            if let error = quoteError(line: row) {
                try reject(error)
                continue rows
            }
            if fields != columnCount {
                let wholeRowQuoted = fields == 1 && columnCount > 1 && rawText(0).utf8.contains(delimiter)
                var column = min(fields, columnCount) + 1
                var (message, fix) = ("row has \(fields) field\(fields == 1 ? "" : "s") but the header has \(columnCount)",
                                      "give every row one value per header column; look for a missing or extra '\(Character(UnicodeScalar(delimiter)))'")
                if wholeRowQuoted {
                    (message, fix) = (message + ": the whole row is quoted as one field", "remove the quotes around the row, or quote each field on its own")
                } else if fields < columnCount, fields <= dateColumn || {
                    if case .failure = parseDate(fieldStarts[dateColumn], fieldEnds[dateColumn]) { return true } else { return false }
                }() {
                    // Short and not starting with a date: a comment, a note or a vendor's footer
                    // ("Downloaded from … as of …"), shown as written.
                    var shown = String(decoding: UnsafeBufferPointer(start: base! + line.start, count: min(line.end - line.start, 240)), as: UTF8.self)
                    if shown.count > 60 { shown = String(shown.prefix(60)) + "…" }
                    message = "line '\(shown)' is not a row of bars: it has \(fields) field\(fields == 1 ? "" : "s") and no date, and the header has \(columnCount) columns"
                    fix = "delete the line if it is a comment, a note or a footer; if it is a bar, give it one value per header column"
                    column = 1
                }
                try reject(DataError(kind: .wrongFieldCount, file: file, line: row, column: column,
                                     message: message, fix: fix))
                continue rows
            }


            // Timestamp.
            let timestamp: Timestamp
            var rowOffset = 0
            switch parseDate(fieldStarts[dateColumn], fieldEnds[dateColumn]) {
            case .failure(let why, let impossible):
                let raw = text(dateColumn)
                if !raw.isEmpty, raw.lowercased() == headerNames[dateColumn].lowercased() {
                    try reject(DataError(kind: .unparsableDate, file: file, line: row, column: dateColumn + 1, value: raw,
                                         message: "the header repeats here (files joined one after another?)",
                                         fix: "delete the repeated header line, and check that the parts joined do not overlap"))
                    continue rows
                }
                if let expected = dateShape, options.slashDateOrder == nil, slashParts(fieldStarts[dateColumn], fieldEnds[dateColumn]) != nil {
                    // A date with slashes in a file whose dates so far are written otherwise.
                    try reject(DataError(kind: .mixedDateFormats, file: file, line: row, column: dateColumn + 1, value: raw,
                                         message: "date '\(raw)' is written with slashes (N/N/YYYY) but line \(dateShapeLine) uses \(expected)",
                                         fix: "write every date in the file in one format"))
                    continue rows
                }
                try reject(DataError(kind: raw.isEmpty ? .emptyCell : .unparsableDate, file: file, line: row, column: dateColumn + 1,
                                     value: raw, message: raw.isEmpty ? "the Date cell is empty" : "date '\(raw)' \(why)",
                                     fix: dateFix(raw, impossible: impossible, why: why)))
                continue rows
            case .success(var parsed, var shape, let offset):
                if let timeColumn {
                    guard shape.separator == nil else {
                        try reject(DataError(kind: .unparsableDate, file: file, line: row, column: dateColumn + 1, value: text(dateColumn),
                                             message: "date '\(text(dateColumn))' has a time, and the file has a \(headerNames[timeColumn]) column too",
                                             fix: "write the date alone in \(headerNames[dateColumn]) and the time of day in \(headerNames[timeColumn])"))
                        continue rows
                    }
                    var i = fieldStarts[timeColumn]
                    switch parseTimeOfDay(&i, fieldEnds[timeColumn], shape: &shape) {
                    case .failure(let why, let impossible):
                        let raw = text(timeColumn)
                        try reject(DataError(kind: raw.isEmpty ? .emptyCell : .unparsableDate, file: file, line: row, column: timeColumn + 1, value: raw,
                                             message: raw.isEmpty ? "the \(headerNames[timeColumn]) cell is empty" : "'\(raw)' is a time \(why)",
                                             fix: impossible ? "correct the time, or pass --repair drop to leave the row out" : "write the time of day as HH:MM or HH:MM:SS"))
                        continue rows
                    case .success(let seconds):
                        guard i == fieldEnds[timeColumn] else {
                            try reject(DataError(kind: .unparsableDate, file: file, line: row, column: timeColumn + 1, value: text(timeColumn),
                                                 message: "time '\(text(timeColumn))' has unexpected text after it",
                                                 fix: "write the time of day as HH:MM or HH:MM:SS, without a zone"))
                            continue rows
                        }
                        parsed.secondsSinceEpoch += Int64(seconds)
                        shape.timeColumn = true
                    }
                }
                if let expected = dateShape, expected != shape {
                    // With a time column, a difference in the time alone is that column's.
                    let inTime = timeColumn != nil && expected.dateSeparator == shape.dateSeparator
                    let (column, what) = inTime ? (timeColumn!, "time") : (dateColumn, "date")
                    try reject(DataError(kind: .mixedDateFormats, file: file, line: row, column: column + 1, value: text(column),
                                         message: "\(what) '\(text(column))' is written as \(shape) but line \(dateShapeLine) uses \(expected)",
                                         fix: "write every \(what) in the file in one format"))
                    continue rows
                }
                rowShape = shape
                timestamp = parsed
                rowOffset = offset
            }
            // (After the date: a repeated header or a footer is refused as such.)
            if !symbolColumns.isEmpty { try checkSymbols(symbolColumns, names: headerNames, first: &firstSymbols, row: row) }

            // Numbers, each checked on its own. The hot path builds no strings: messages are made
            // only when a cell is bad.
            for role in numericRoles {
                let column = columnOfRole[role.rawValue]!
                let start = fieldStarts[column], end = fieldEnds[column]
                let power = role == .volume ? volumePower : 0
                if start < end, let value = DecimalParser.parse(base!, from: start, to: end, powerOfTen: power),
                   role == .volume ? value.isFinite && value >= 0 : BarValidation.priceRange.contains(value) {
                    values[role.rawValue] = value
                    continue
                }
                if start < end, let written = writtenNumber(column, volume: role == .volume, unitPower: power, groupingSeen: commasGroupThousands),
                   role == .volume ? written.value.isFinite && written.value >= 0 : BarValidation.priceRange.contains(written.value) {
                    values[role.rawValue] = written.value
                    // A number read with comma groups shows the file's commas group thousands.
                    if written.grouped { commasGroupThousands = true }
                    continue
                }
                let error = cellError(role: role, column: column, header: headerNames[column], groupingSeen: commasGroupThousands, unitPower: power)
                if options.repair == .forwardFill {
                    // Filled later, from the bar before in time (``fillForward``).
                    values[role.rawValue] = .nan
                    rowFills.append(RepairNote(action: .filledCell, file: file, line: row, column: role.displayName,
                                              original: error.value, replacement: nil, reason: error.message))
                    rowFillSlots.append(slot[role.rawValue])
                } else {
                    try reject(error)
                    continue rows
                }
            }

            if delimiter == UInt8(ascii: ";") && hasVolume && timestamps.count < 200 && groupedRows == timestamps.count {
                if numericColumns.allSatisfy({ groupedByPoints(fieldStarts[$0], fieldEnds[$0]) }) { groupedRows += 1 }
                let volume = columnOfRole[Role.volume.rawValue]!
                if (fieldStarts[volume]..<fieldEnds[volume]).contains(where: { base![$0] == UInt8(ascii: ".") }) { groupedVolumes += 1 }
            }
            // (Every row, not the first 200: one price of other decimals, 108.0130, settles it.)
            if delimiter == UInt8(ascii: ";") && groupedPriceRows == timestamps.count, pointGrouped(priceColumns) {
                groupedPriceRows += 1
            }

            // (A row with cells to fill is checked once they are filled.)
            let close = values[Role.close.rawValue]
            let (open, high, low) = closesOnly ? (close, close, close)
                : (values[Role.open.rawValue], values[Role.high.rawValue], values[Role.low.rawValue])
            if rowFills.isEmpty, let problem = BarValidation.consistencyProblem(open: open, high: high, low: low, close: close) {
                let column = columnOfRole[(problem.field == .high ? Role.high : Role.low).rawValue]! + 1
                try reject(DataError(kind: problem.kind, file: file, line: row, column: column, value: problem.value,
                                     message: problem.message, fix: problem.fix))
                continue rows
            }
            // Many exports run newest first: when the second bar is earlier than the first, the file
            // is read in that order (under a repair, until the direction is settled over all rows)
            // and reversed at the end (and the user told).
            if timestamps.count == 1, timestamp < timestamps[0] { newestFirst = true }
            // Under ffill, a complete row repeating the timestamp of the row before, which has cells
            // to fill, takes its place: the file's own values over filled ones (and a fill that
            // then failed would have taken the date with it).
            if options.repair == .forwardFill, rowFills.isEmpty, timestamp == timestamps.last, let last = lines.last, filledCells[last] != nil {
                timestamps.removeLast()
                lines.removeLast()
                numbers.removeLast(stride)
                if !offsets.isEmpty { offsets.removeLast() }
                filledCells[last] = nil
                // Notes run in line order: its fill notes are among the last, before those of rows
                // dropped since; its dropped-row note goes where they were.
                var index = repairs.endIndex
                while index > repairs.startIndex, repairs[index - 1].line >= last {
                    index -= 1
                    if repairs[index].line == last && repairs[index].action == .filledCell { repairs.remove(at: index) }
                }
                let utc = rowOffset == 0 && offsets.isEmpty ? "" : " (in UTC)"
                repairs.insert(RepairNote(action: .droppedRow, file: file, line: last, column: nil, original: nil, replacement: nil,
                                          reason: "line \(row) repeats its timestamp \(timestamp)\(utc) with every cell, and is kept instead"), at: index)
                if timestamps.isEmpty { newestFirst = false }
            }
            if let previous = timestamps.last,
               let problem = BarValidation.orderProblem(previous: previous, current: timestamp, previousLine: lines.last,
                                                        newestFirst: newestFirst ? (lines[0], timestamps[0]) : nil,
                                                        localClock: (rowShape?.zone ?? .unmarked) == .unmarked),
               // Under a repair, rows out of place are kept for now: which rows are out of place is
               // decided over the whole file (below), so that one row dated too late does not
               // drop every good row after it.
               options.repair == .none || timestamp == previous {
                // Rows written with offsets are compared as instants: say so, next to the date as written.
                let withOffsets = rowOffset != 0 || !offsets.isEmpty
                try reject(DataError(kind: problem.kind, file: file, line: row, column: dateColumn + 1, value: problem.value,
                                     message: withOffsets ? "date '\(text(dateColumn))': \(problem.message) (times compared in UTC)" : problem.message,
                                     fix: problem.fix))
                continue rows
            }

            timestamps.append(timestamp)
            if rowOffset != 0 || !offsets.isEmpty {
                if offsets.isEmpty { offsets = [Int](repeating: 0, count: timestamps.count - 1) }
                offsets.append(rowOffset)
            }
            lines.append(row)
            if !rowFills.isEmpty {
                repairs += rowFills
                filledCells[row] = rowFillSlots
            }
            if dateShape == nil, let rowShape { dateShape = rowShape; dateShapeLine = row }
            for role in numericRoles { numbers.append(values[role.rawValue]) }
        }

        // Daily bars at 00:00 UTC in winter and at 23:00 UTC in summer are the midnights of London
        // (Lisbon, Dublin) written in UTC, as pandas' tz_convert("UTC") writes a London daily
        // index: read as UTC dates, every summer bar would fall on the day before its session (a
        // Monday's on the Sunday). Each takes its date on that clock, as offsets would have given
        // it, before a repair orders the rows, so that its notes name the dates kept.
        let londonMidnights = offsets.allSatisfy { $0 == 0 } && Self.redateLocalMidnights(&timestamps)

        // Rows a repair kept out of order (the row loop above lets them through).
        if options.repair != .none && zip(timestamps, timestamps.dropFirst()).contains(where: { newestFirst ? $0 < $1 : $0 > $1 }) {
            newestFirst = Self.keepMostOrderedRows(timestamps: &timestamps, lines: &lines, numbers: &numbers, offsets: &offsets, stride: stride,
                                                   repairs: &repairs, file: file)
        }
        if newestFirst {
            timestamps.reverse()
            lines.reverse()
            offsets.reverse()
            var reversed = [Double]()
            reversed.reserveCapacity(numbers.count)
            for row in Swift.stride(from: timestamps.count - 1, through: 0, by: -1) { reversed += numbers[(row * stride)..<((row + 1) * stride)] }
            numbers = reversed
        }
        if !filledCells.isEmpty {
            let closeSlot = slot[Role.close.rawValue]
            let (volume, adjusted) = (hasVolume ? slot[Role.volume.rawValue] : nil as Int?, hasAdjusted ? slot[Role.adjustedClose.rawValue] : nil as Int?)
            let prices = closesOnly ? (closeSlot, closeSlot, closeSlot, closeSlot, volume, adjusted)
                : (slot[Role.open.rawValue], slot[Role.high.rawValue], slot[Role.low.rawValue], closeSlot, volume, adjusted)
            Self.fillForward(timestamps: &timestamps, lines: &lines, numbers: &numbers, offsets: &offsets, stride: stride, prices: prices,
                             filledCells: filledCells, repairs: &repairs, file: file)
        }

        if dataLines == 0 {
            throw DataError(kind: .headerOnly, file: file, line: headerLineNumber, message: "the file has a header but no bars",
                            fix: "add one row per bar below the header")
        }
        if timestamps.isEmpty {
            // The first row's fault, so the error alone is enough to start on.
            let first = repairs.first { $0.action == .droppedRow }
            throw DataError(kind: .tooFewBars, file: file,
                            message: "no bars are left: --repair \(options.repair.rawValue) dropped all \(dataLines) row\(dataLines == 1 ? "" : "s")"
                                + (first.map { "; the first, line \($0.line): \($0.reason)" } ?? ""),
                            fix: "correct that fault in the file (run without --repair to see it with its column)")
        }

        // A repair that dropped most of the file has probably dropped the good rows for one bad
        // one (a typo in the first row's date sets the format every other row is held to).
        let dropped = repairs.filter { $0.action == .droppedRow }.count
        if dropped > timestamps.count, dataLines >= 4 {
            throw DataError(kind: .tooFewBars, file: file,
                            message: "--repair \(options.repair.rawValue) would drop \(dropped) of \(dataLines) rows and keep \(timestamps.count); the rows it keeps are more likely the bad ones",
                            fix: "run without --repair to see the first error, and correct that row")
        }

        // Times written with an offset are kept as the file's own clock shows them: a New York
        // stock's bars run 09:30–16:00 all year (in UTC they would move by an hour at every
        // daylight-saving change, and print as times the file never wrote). Bars that are days
        // become calendar dates: all at one local time of day (pandas writes a non-UTC daily index
        // at local midnight, 2020-01-02 00:00:00+01:00; some vendors stamp the local open) take
        // their local date, not the UTC evening before it; all at one UTC time of day (a UTC-midnight
        // index converted to New York reads 19:00 or 20:00 the evening before) take their UTC date.
        var timesInUTC = false
        if !offsets.isEmpty {
            let local = zip(timestamps, offsets).map { $0.secondsSinceEpoch + Int64($1) }
            let utc = timestamps.map(\.secondsSinceEpoch)
            let timeOfDay = { (seconds: Int64) in ((seconds % 86_400) + 86_400) % 86_400 }
            func dates(_ clock: [Int64]) -> [Int64]? {
                guard clock.count >= 2, clock.allSatisfy({ timeOfDay($0) == timeOfDay(clock[0]) }) else { return nil }
                let days = clock.map { $0 - timeOfDay($0) }
                // Two bars on one date (a day written twice with different offsets) are not days.
                return zip(days, days.dropFirst()).allSatisfy { $0 < $1 } ? days : nil
            }
            // A market open while the file's clock changes (a 24-hour market over a daylight-saving
            // switch: the change falls between two bars within a session, its usual step apart,
            // or for bars half a day apart or less a bar or two more, or two hours, should the
            // bars at the switch be missing) is not on that clock: its local times repeat an hour or
            // skip one there. (A market closed over the switch, as on a weekend, has a day or
            // more between those bars; daily bars, stamped at whatever time, keep the strict rule.)
            func tradesAcrossChange() -> Bool {
                let steps = zip(utc.dropFirst(), utc).map { $0 - $1 }.sorted()
                // The lower quartile: the step between bars of a session, however few bars there are.
                let usualStep = steps.isEmpty ? 0 : steps[(steps.count - 1) / 4]
                // (For daily bars, an hour either way: the spring switch shortens the step, the
                // autumn one lengthens it.)
                let withinSession = usualStep > 43_200 ? usualStep + 3600 : max(3 * usualStep, 7200)
                return offsets.indices.dropFirst().contains { (i: Int) -> Bool in
                    offsets[i] != offsets[i - 1] && utc[i] - utc[i - 1] <= withinSession
                }
            }
            // Both clocks give one time of day when the offset never changes: midnight marks the
            // clock the dates were written on (a UTC-midnight index converted to Bogotá reads 19:00
            // the evening before, every day); otherwise the local one (a vendor's local open).
            let (localDays, utcDays) = (dates(local), dates(utc))
            let utcMidnight = utcDays != nil && timeOfDay(utc[0]) == 0 && timeOfDay(local[0]) != 0
            if let days = (utcMidnight ? utcDays : nil) ?? localDays ?? utcDays {
                for i in timestamps.indices { timestamps[i].secondsSinceEpoch = days[i] }
            } else if !tradesAcrossChange() && zip(local, local.dropFirst()).allSatisfy({ $0 < $1 }) {
                for i in timestamps.indices { timestamps[i].secondsSinceEpoch = local[i] }
            } else {
                timesInUTC = true
            }
        }

        func column(_ role: Role) -> [Double] {
            let offset = slot[(closesOnly && [.open, .high, .low].contains(role) ? Role.close : role).rawValue]
            return (0..<timestamps.count).map { numbers[$0 * stride + offset] }
        }
        var series = BarSeries(
            name: name, timestamps: timestamps, open: column(.open), high: column(.high), low: column(.low),
            close: column(.close), volume: hasVolume ? column(.volume) : nil,
            adjustedClose: hasAdjusted ? column(.adjustedClose) : nil)
        var adjustedBars = 0
        if options.adjusted, let adjustedClose = series.adjustedClose {
            adjustedBars = zip(adjustedClose, series.close).filter { $0 != $1 }.count
            series = series.withCloses(adjustedClose)
        }
        // A wide export (hundreds of indicator columns) gets one line, not one per column.
        var warnings = ignored.count <= 8
            ? ignored.map { DataWarning(kind: .ignoredColumn, file: file, line: headerLineNumber, message: "column '\($0)' is not used") }
            : [DataWarning(kind: .ignoredColumn, file: file, line: headerLineNumber,
                           message: "\(ignored.count) columns are not used: \(ignored.prefix(5).map { "'\($0)'" }.joined(separator: ", ")), …")]
        // Every date in January, its days varying: what a month-first dotted file (MM.DD.YYYY,
        // monthly bars on the 1st) looks like read day first. (A month-first daily file stops at
        // its first day past 12.)
        if dateShape?.dayFirst == true, dateShape?.dateSeparator == UInt8(ascii: "."), series.count >= 3 {
            let dates = series.timestamps.map(\.date)
            if dates.allSatisfy({ $0.month == 1 }), Set(dates.map(\.day)).count > 1, Set(dates.map(\.year)).count > 1 {
                warnings.append(DataWarning(kind: .monthFirstDots, file: file, line: nil,
                                            message: "every date falls in January, read day first (DD.MM.YYYY): if the file writes the month first (MM.DD.YYYY), every date is misread; rewrite them as YYYY-MM-DD"))
            }
        }
        if let emptyVolumeColumn {
            warnings.append(DataWarning(kind: .emptyVolumeColumn, file: file, line: headerLineNumber,
                                        message: "column '\(emptyVolumeColumn)' holds no volume on any row; the file is read as one without volumes"))
        }
        if let unnamedDates {
            warnings.append(DataWarning(kind: .unnamedDateColumn, file: file, line: headerLineNumber,
                                        message: unnamedDates.isEmpty ? "the first column has no name (pandas writes its index so); its dates are read as the bars' dates"
                                            : "column '\(unnamedDates)' (pandas' name for an index without one) holds dates, read as the bars' dates"))
        }
        if closesOnly {
            warnings.append(DataWarning(kind: .closesOnly, file: file, line: headerLineNumber,
                                        message: (closeByElimination.map { "the file's one column of values, '\($0)', is read as the close, and it has no Open, High or Low column" }
                                                  ?? "the file has closes only (no Open, High or Low column)")
                                            + ": each bar's open, high and low are taken as its close, so fills at an open and stops within a bar use closes (and atr, which needs a bar's range, is refused)"))
        }
        if let volumeUnit, let column = columnOfRole[Role.volume.rawValue] {
            warnings.append(DataWarning(kind: .volumeUnit, file: file, line: headerLineNumber,
                                        message: volumeUnit.power == 0
                                            ? "column '\(headerNames[column])' counts \(volumeUnit.name), which Sibyl cannot convert: its volumes are read as written, so the share of a bar's volume a fill takes (the backtest's capacity check) is in those units"
                                            : "column '\(headerNames[column])' counts \(volumeUnit.name): its volumes are multiplied by \(Int(pow(10, Double(volumeUnit.power)))) to read them in units (shares, contracts)"))
        }
        if londonMidnights {
            warnings.append(DataWarning(kind: .localMidnightsInUTC, file: file, line: nil,
                                        message: "the bars fall at 00:00 in winter and 23:00 in summer, the midnights of London (or Lisbon, Dublin) written in UTC: "
                                            + "each bar is dated by London's clock, a summer bar on the day after the date written"))
        }
        if timesInUTC {
            warnings.append(DataWarning(kind: .timesInUTC, file: file, line: nil,
                                        message: "the market trades across a change of the file's UTC offset (a daylight-saving switch, where its local times repeat or skip an hour), so its bars are kept and shown in UTC"))
        }
        // Daily bars written in UTC, all at one afternoon time and on Sunday to Thursday, may be
        // the midnights of a market east of UTC, each dated the day before.
        // Written in UTC: with Z or offsets, all of them zero (the reader keeps no offsets then).
        let utcZone = (dateShape?.zone ?? .unmarked) != .unmarked && offsets.allSatisfy { $0 == 0 }
        let sample = utcZone ? timestamps.prefix(1000) : []
        let times = Set(sample.map(\.secondOfDay)), weekdays = Set(sample.map(\.weekday))
        // Daily: most steps are one to three days (not weekly bars on a Sunday evening).
        let steps = zip(sample.dropFirst(), sample).map { $0.secondsSinceEpoch - $1.secondsSinceEpoch }
        let daily = 2 * steps.filter { $0 >= 86_400 && $0 <= 3 * 86_400 }.count > steps.count
        // One time of day, or two an hour apart (a market with daylight-saving time, in UTC).
        if utcZone && daily && timestamps.count >= 5, let seconds = times.min(), let latest = times.max(),
           times.count == 1 || (times.count == 2 && latest - seconds == 3600),
           seconds >= 12 * 3600, weekdays.contains(7), !weekdays.contains(5) {
            func clock(_ seconds: Int) -> String { String(format: "%02d:%02d", seconds / 3600, seconds % 3600 / 60) }
            let time = times.count == 1 ? clock(seconds) : "\(clock(seconds)) or \(clock(latest))"
            warnings.append(DataWarning(kind: .timesInUTC, file: file, line: nil,
                                        message: "the daily bars are all at \(time) UTC and fall on Sunday to Thursday: if \(time) UTC is midnight of a market east of UTC "
                                            + "(Tokyo's 00:00 is 15:00 UTC the day before), every bar is dated a day early; write the times with the market's offset, or plain dates"))
        }
        if groupedRows > 0 && groupedRows == min(timestamps.count, 200) && groupedVolumes > 0 {
            warnings.append(DataWarning(kind: .pointsMayBeThousands, file: file, line: nil,
                                        message: "every number of this ';'-separated file has whole groups of three digits after its points, volumes too (7.600, 523.100): "
                                            + "if the points separate thousands, as a German-locale export writes whole numbers, every value was read 1000 times too small; "
                                            + "export it with plain numbers (7600) or with the locale set to English"))
        } else if groupedPriceRows > 0 && groupedPriceRows == timestamps.count,
                  dateShape?.dayFirst == true, dateShape?.dateSeparator == UInt8(ascii: ".") {
            // Such a locale writes decimals with a comma: a point in its numbers groups thousands.
            warnings.append(DataWarning(kind: .pointsMayBeThousands, file: file, line: nil,
                                        message: "every price of this ';'-separated file with day-first dotted dates has whole groups of three digits after its points (13.385): "
                                            + "if the points separate thousands, as a German-locale export writes whole numbers (its decimals take a comma), every price was read 1000 times too small; "
                                            + "export it with plain numbers (13385) or with the locale set to English"))
        }
        if newestFirst {
            warnings.append(DataWarning(kind: .newestFirst, file: file, line: nil,
                                        message: "the rows run newest first; the \(timestamps.count) bars were read in reverse, oldest first"))
        }
        for (rows, place) in [(emptyRowsAbove, "between the header and the data"), (emptyRowsInside, "between rows of data")] {
            guard let first = rows.first else { continue }
            let count = rows.count
            warnings.append(DataWarning(kind: .emptyRows, file: file, line: first,
                                        message: "\(count == 1 ? "line \(first) holds" : "\(count) lines (first \(first)) hold") only delimiters, \(place): \(count == 1 ? "an empty row, skipped" : "empty rows, skipped")"))
        }
        warnings += Self.offCalendarWarnings(series, lines: lines, file: file)
        warnings += Self.jumpWarnings(series, lines: lines, file: file, threshold: options.jumpWarningThreshold)
        warnings += Self.staleEndWarnings(series, lines: lines, file: file)
        if let volume = series.volume {
            let zero = volume.indices.filter { volume[$0] == 0 }
            if let first = zero.first {
                // MetaTrader exports of currency pairs leave <VOL> at 0 and count ticks in <TICKVOL>.
                let ticks = zero.count == volume.count ? ignored.first { Self.headerKey($0).hasPrefix("tickvol") } : nil
                warnings.append(DataWarning(kind: .zeroVolume, file: file, line: lines[first],
                                            message: "\(zero.count) bar\(zero.count == 1 ? " has" : "s have") zero volume (first on \(series.timestamps[first]))"
                                                + (ticks.map { "; the file counts ticks in '\($0)': rename that column Volume (and the other one anything else) to use them" } ?? "")))
            }
        }
        return BarFile(series: series, header: headerNames, dateFormat: dateShape?.description ?? "",
                       repairs: repairs, warnings: warnings, adjustedBars: adjustedBars)
    }

    /// What spreadsheets and data vendors write for a value they do not have.
    private static let missingValueWords: Set<String> = ["nan", "inf", "infinity", "na", "n/a", "null", "none", "#n/a", "#value!", "#num!",
                                                         "#div/0!", "#ref!", "-", "--", "—", ".", "nat"]

    /// Whether a cell's text is a mark of a missing value (NaN, N/A, #N/A, -, …), in any letter
    /// case, signed or not.
    static func isMissingValue(_ text: String) -> Bool {
        let word = text.lowercased()
        return missingValueWords.contains(word) || missingValueWords.contains(word.trimmingCharacters(in: ["+", "-"]))
    }

    /// The error for a numeric cell that is empty, not a number, not finite, or breaks its rule.
    /// (Kept out of line: the row loop calls it only for a bad cell.)
    /// `header` is the column's name in the file. (The reader keeps no header of its own: a stored
    /// property more makes it too large to pass in registers, and the row loop then copies it for
    /// every call; 5% of the read rate.)
    @inline(never)
    private func cellError(role: Role, column: Int, header: String, groupingSeen: Bool, unitPower: Int) -> DataError {
        let raw = text(column), word = rawText(column).lowercased()
        let (kind, message, fix): (DataError.Kind, String, String)
        // A file without volumes may leave the column empty on every row: it is optional.
        let noVolumes = role == .volume ? ", or delete the Volume column if the file has no volumes (it is optional)" : ""
        // A column read as another role (Last or Price as the close) is named as the file names it.
        let named = Self.headerKey(header) == Self.headerKey(role.displayName) || header.isEmpty
            ? role.displayName : "\(role.displayName) (column '\(header)')"
        if raw.isEmpty {
            (kind, message, fix) = (.emptyCell, "the \(named) cell is empty",
                                    "fill in the value, or pass --repair drop or --repair ffill\(noVolumes)")
        } else if let value = DecimalParser.parse(base!, from: fieldStarts[column], to: fieldEnds[column]) {
            let problem = role == .volume
                ? BarValidation.volumeProblem(value: value, text: raw)!
                : BarValidation.priceProblem(name: named, value: value, text: raw)!
            (kind, message, fix) = (problem.kind, problem.message, problem.fix)
        } else if Self.isMissingValue(word) {
            (kind, message, fix) = (.notFinite, "\(named) is '\(raw)', not a finite number",
                                    "give a real value, or pass --repair drop or --repair ffill\(noVolumes)")
        } else if unitPower != 0, let suffix = raw.last, "KMB".contains(suffix) {
            (kind, message, fix) = (.unparsableNumber, "\(named) '\(raw)' has a multiplier (\(suffix)) of its own, and the column's name counts in 1e\(unitPower): which applies is unclear",
                                    "write the column's volumes as plain numbers in the unit its name gives, or take that unit out of its name")
        } else if raw.range(of: #"^[+-]?[1-9]\d{0,2}(,\d{3})+$"#, options: .regularExpression) != nil && (groupingSeen || rowHasPointDecimals()) {
            // Other numbers of the row have a decimal point: this comma separates thousands.
            (kind, message, fix) = (.unparsableNumber, "\(named) '\(raw)' has a thousands separator",
                                    "write it without one (\(raw.replacingOccurrences(of: ",", with: ""))), as a spreadsheet does when the number format has no grouping")
        } else if raw.range(of: #"^[+-]?\d+,\d+([eE][+-]?\d+)?$"#, options: .regularExpression) != nil && delimiter != UInt8(ascii: ",") {
            (kind, message, fix) = (.unparsableNumber, "\(named) '\(raw)' is written with a decimal comma",
                                    "write the decimal separator as a point (\(raw.replacingOccurrences(of: ",", with: "."))), as a spreadsheet does when it exports with the locale set to English")
        } else {
            (kind, message, fix) = (.unparsableNumber, "\(named) '\(raw)' is not a number",
                                    "write plain decimal numbers such as 1234.56 (no thousands separators but commas before a decimal point, and no units)")
        }
        return DataError(kind: kind, file: file, line: lineNumber, column: column + 1, value: raw, message: message, fix: fix)
    }

    /// A number as spreadsheets and web exports write it, when it is not plain: a currency sign
    /// before a price ($183.63, as Nasdaq's exports write them), commas grouping thousands before
    /// a decimal point (4,739.21, as Investing.com's do) or in a row whose other numbers have
    /// decimal points, and a volume counted in thousands, millions or billions (2.51B). Nil for
    /// anything else, which the cell's error then describes. (Kept out of line: only cells the
    /// plain parse refused come here.)
    /// `unitPower` is the power of ten the column's name counts in (3 for "Volume (K)"), and
    /// `groupingSeen` whether an earlier row showed that the file's commas group thousands.
    /// Returns the value with whether it had comma groups.
    @inline(never)
    private func writtenNumber(_ column: Int, volume: Bool, unitPower: Int, groupingSeen: Bool) -> (value: Double, grouped: Bool)? {
        guard let base else { return nil }
        var (i, end) = (fieldStarts[column], fieldEnds[column])
        if !volume {
            // $, or € (E2 82 AC), £ (C2 A3) or ¥ (C2 A5) in UTF-8.
            if i < end, base[i] == UInt8(ascii: "$") {
                i += 1
            } else if end - i >= 3, base[i] == 0xE2, base[i + 1] == 0x82, base[i + 2] == 0xAC {
                i += 3
            } else if end - i >= 2, base[i] == 0xC2, base[i + 1] == 0xA3 || base[i + 1] == 0xA5 {
                i += 2
            }
        }
        // K, M or B after a volume: written as a power of ten after the digits, so that 2.01K
        // parses as exactly 2010.
        var power: UInt8?
        if volume, end > i {
            switch base[end - 1] {
            case UInt8(ascii: "K"): power = UInt8(ascii: "3")
            case UInt8(ascii: "M"): power = UInt8(ascii: "6")
            case UInt8(ascii: "B"): power = UInt8(ascii: "9")
            default: break
            }
            if power != nil { end -= 1 }
            // A multiplier in the cell and another in the column's name: which applies is unclear.
            if power != nil && unitPower != 0 { return nil }
        }
        if unitPower != 0 { power = UInt8(ascii: "0") + UInt8(unitPower) }
        guard end > i, base[i] &- 48 < 10 else { return nil }
        // Commas must group thousands (``commaGroups(_:_:)``), and a decimal point, two groups
        // (4,256,010: a decimal comma is one), an earlier row or another number of the row must
        // show that they are not decimal commas. Without commas: digits, then perhaps a point and
        // the fraction's digits (no comma after a point: 12.075,00 is Europe's twelve thousand).
        var groups = 0
        if let grouping = commaGroups(i, end) {
            guard grouping.fraction || grouping.groups >= 2 || groupingSeen || rowHasPointDecimals() else { return nil }
            groups = grouping.groups
        } else {
            var j = i
            while j < end, base[j] &- 48 < 10 { j += 1 }
            guard j == end || base[j] == UInt8(ascii: ".") && j + 1 < end && rangeIsDigits(j + 1, end) else { return nil }
        }
        // What is left: digits and at most one point, parsed as the plain number it spells.
        let length = end - i
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: length + 2) { buffer in
            var count = 0
            for k in i..<end where base[k] != UInt8(ascii: ",") {
                buffer[count] = base[k]
                count += 1
            }
            if let power {
                buffer[count] = UInt8(ascii: "e")
                buffer[count + 1] = power
                count += 2
            }
            return DecimalParser.parse(UnsafePointer(buffer.baseAddress!), from: 0, to: count).map { ($0, groups > 0) }
        }
    }

    /// The comma groups of bytes `start..<end` when they spell 1 to 3 digits (not starting with 0:
    /// 0,512 is a decimal comma), groups of "," and 3 digits, and perhaps "." and a fraction; nil
    /// for anything else, a number without commas among it.
    private func commaGroups(_ start: Int, _ end: Int) -> (groups: Int, fraction: Bool)? {
        guard let base else { return nil }
        // A sign first (a change column's -1,239.28).
        let first = start < end && (base[start] == UInt8(ascii: "-") || base[start] == UInt8(ascii: "+")) ? start + 1 : start
        guard first < end, base[first] != UInt8(ascii: "0") else { return nil }
        var i = first
        while i < end, base[i] &- 48 < 10 { i += 1 }
        guard (1...3).contains(i - first) else { return nil }
        var groups = 0
        while i < end, base[i] == UInt8(ascii: ",") {
            var k = i + 1
            guard readDigits(3, at: &k, end: end) != nil, k == end || base[k] &- 48 >= 10 else { return nil }
            (i, groups) = (k, groups + 1)
        }
        guard groups > 0 else { return nil }
        if i == end { return (groups, false) }
        return base[i] == UInt8(ascii: ".") && i + 1 < end && rangeIsDigits(i + 1, end) ? (groups, true) : nil
    }

    /// Whether bytes `start..<end` are all decimal digits.
    private func rangeIsDigits(_ start: Int, _ end: Int) -> Bool {
        guard let base else { return false }
        return (start..<max(start, end)).allSatisfy { base[$0] &- 48 < 10 }
    }

    /// Whether every field of `columns` in the current row has points, each followed by a whole
    /// group of three digits (13.385). (Out of line: asked of a ';' file's rows only while every
    /// row before was so.)
    @inline(never)
    private func pointGrouped(_ columns: [Int]) -> Bool {
        guard let base else { return false }
        return columns.allSatisfy { column in
            groupedByPoints(fieldStarts[column], fieldEnds[column]) && (fieldStarts[column]..<fieldEnds[column]).contains { base[$0] == UInt8(ascii: ".") }
        }
    }

    /// Whether bytes `start..<end` spell 1 to 3 digits followed by groups of "." and 3 digits.
    private func groupedByPoints(_ start: Int, _ end: Int) -> Bool {
        guard let base else { return false }
        var i = start, digits = 0
        while i < end && base[i] >= UInt8(ascii: "0") && base[i] <= UInt8(ascii: "9") { i += 1; digits += 1 }
        // A leading group is 1 to 3 digits, and no thousands group starts with a 0 (0.034 is a decimal).
        guard (1...3).contains(digits), base[start] != UInt8(ascii: "0") else { return false }
        while i < end {
            guard readByte(UInt8(ascii: "."), at: &i, end: end), readDigits(3, at: &i, end: end) != nil else { return false }
        }
        return true
    }

    /// Whether another field of the current line shows that its commas group thousands: a number
    /// written with a decimal point (1.5), commas before a decimal point (1,239.28), or two groups
    /// or more (4,256,010), none of which a locale with decimal commas writes.
    private func rowHasPointDecimals() -> Bool {
        guard let base else { return false }
        return (0..<fieldCount).contains { column in
            if let grouping = commaGroups(fieldStarts[column], fieldEnds[column]), grouping.fraction || grouping.groups >= 2 { return true }
            // [+-]digits.digits, at least one after the point; 12.500 may itself be twelve
            // thousand five hundred: no evidence either way.
            var (i, end) = (fieldStarts[column], fieldEnds[column])
            if i < end, base[i] == UInt8(ascii: "+") || base[i] == UInt8(ascii: "-") { i += 1 }
            guard let point = (i..<end).first(where: { base[$0] == UInt8(ascii: ".") }) else { return false }
            return point + 1 < end && rangeIsDigits(i, point) && rangeIsDigits(point + 1, end)
                && !groupedByPoints(fieldStarts[column], fieldEnds[column])
        }
    }

    private func detectDelimiter(_ start: Int, _ end: Int) -> UInt8 {
        guard let base else { return UInt8(ascii: ",") }
        var counts: [UInt8: Int] = [UInt8(ascii: ","): 0, UInt8(ascii: ";"): 0, UInt8(ascii: "\t"): 0, UInt8(ascii: "|"): 0]
        for i in start..<end where counts[base[i]] != nil { counts[base[i]]! += 1 }
        let best = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key != UInt8(ascii: ",")) }!
        return best.value > 0 ? best.key : UInt8(ascii: ",")
    }

    /// Moves bars written at 23:00 UTC in summer to the next midnight when the series is London's
    /// midnights in UTC (daily, weekly or monthly bars): every bar at 00:00 or 23:00, some of each,
    /// the 23:00 bars in March to October and the 00:00 bars outside May to September (European
    /// summer time runs from the last Sunday of March to the last of October), and no bar moved
    /// onto another's time. (The rows may be out of order, as a repair finds them.) Returns
    /// whether it moved them.
    static func redateLocalMidnights(_ timestamps: inout [Timestamp]) -> Bool {
        let summerMidnight = 23 * 3600  // London's midnight in summer, on UTC's clock
        guard timestamps.count >= 3,
              timestamps.allSatisfy({ $0.secondOfDay == 0 || $0.secondOfDay == summerMidnight }),
              timestamps.contains(where: { $0.secondOfDay == 0 }), timestamps.contains(where: { $0.secondOfDay == summerMidnight }),
              timestamps.allSatisfy({ $0.secondOfDay == summerMidnight ? (3...10).contains($0.date.month) : !(5...9).contains($0.date.month) })
        else { return false }
        var moved = timestamps
        for i in moved.indices where moved[i].secondOfDay == summerMidnight { moved[i].secondsSinceEpoch += 3600 }
        guard Set(moved.map(\.secondsSinceEpoch)).count == Set(timestamps.map(\.secondsSinceEpoch)).count else { return false }
        timestamps = moved
        return true
    }

    /// Keeps the most rows already in time order (a longest ordered subsequence, in whichever
    /// direction holds more of them) and drops the rest with a repair note each: the fewest rows
    /// that put the file in order (a row dated a month late costs that row, not the month of rows
    /// after it). A dropped row's fills go with it. Returns whether the rows run newest first.
    static func keepMostOrderedRows(timestamps: inout [Timestamp], lines: inout [Int], numbers: inout [Double], offsets: inout [Int],
                                    stride: Int, repairs: inout [RepairNote], file: String) -> Bool {
        let seconds = timestamps.map(\.secondsSinceEpoch)
        let ascending = Self.longestOrderedSubsequence(seconds, descending: false)
        let descending = Self.longestOrderedSubsequence(seconds, descending: true)
        let newestFirst = descending.count > ascending.count
        var kept = [Bool](repeating: false, count: timestamps.count)
        for index in newestFirst ? descending : ascending { kept[index] = true }
        let keptInOrder = timestamps.indices.filter { kept[$0] }
        // Rows with offsets are compared as instants.
        let utc = offsets.isEmpty ? "" : " (times compared in UTC)"
        let order = newestFirst ? ", in a file whose rows run newest first" : ""
        var dropped: Set<Int> = []
        func drop(_ index: Int, _ reason: String) {
            dropped.insert(lines[index])
            repairs.append(RepairNote(action: .droppedRow, file: file, line: lines[index], column: nil, original: nil, replacement: nil,
                                      reason: reason))
        }
        var previousKept: Int?
        var nextKept = 0
        for index in timestamps.indices {
            if kept[index] { previousKept = index; nextKept += 1; continue }
            let current = timestamps[index]
            func relation(_ other: Int, _ words: String, _ place: String) -> String {
                "timestamp \(current) \(words) \(timestamps[other]) on line \(lines[other])\(place)"
            }
            if let before = previousKept, current == timestamps[before] {
                drop(index, "timestamp \(current) repeats line \(lines[before])")
            } else if let before = previousKept, newestFirst ? current > timestamps[before] : current < timestamps[before] {
                drop(index, relation(before, newestFirst ? "is later than" : "is earlier than", "") + order + utc)
            } else {
                // In order after the row before it (the subsequence is as long as it can be), so out
                // of place against the row kept after it.
                drop(index, relation(keptInOrder[nextKept], newestFirst ? "is earlier than" : "is later than", ", which follows it") + order + utc)
            }
        }
        timestamps = keptInOrder.map { timestamps[$0] }
        lines = keptInOrder.map { lines[$0] }
        numbers = keptInOrder.flatMap { numbers[($0 * stride)..<(($0 + 1) * stride)] }
        if !offsets.isEmpty { offsets = keptInOrder.map { offsets[$0] } }
        repairs = repairs.filter { $0.action == .droppedRow || !dropped.contains($0.line) }.sorted { $0.line < $1.line }
        return newestFirst
    }

    /// `--repair ffill`: fills each cell in `filledCells` (by line, the value slots) from the bar
    /// before it in time, the rows being in time order, and writes the value into its repair note.
    /// A row with no bar before it, or whose filled values break its high–low range, is dropped
    /// instead. A bar whose open, high, low and close (and adjusted close) are all filled had no price, and becomes one
    /// where nothing traded: each price the close before it, and a volume to fill 0 (its note's
    /// `source` says so). `prices` are the slots of open, high, low, close, volume and adjusted close.
    static func fillForward(timestamps: inout [Timestamp], lines: inout [Int], numbers: inout [Double], offsets: inout [Int],
                            stride: Int, prices: (open: Int, high: Int, low: Int, close: Int, volume: Int?, adjustedClose: Int?), filledCells: [Int: [Int]],
                            repairs: inout [RepairNote], file: String) {
        var filled: [Int: [Double]] = [:]
        var dropped: [Int: String] = [:]
        var emptyBars: Set<Int> = []
        var kept: [Int] = []
        kept.reserveCapacity(timestamps.count)
        let notesByLine = Dictionary(grouping: repairs.filter { $0.action == .filledCell }, by: \.line)
        for index in timestamps.indices {
            guard let slots = filledCells[lines[index]] else { kept.append(index); continue }
            let notes = notesByLine[lines[index], default: []]
            guard let before = kept.last else {
                dropped[lines[index]] = notes.map(\.reason).joined(separator: "; ") + ", and no bar before it is kept to fill from"
                continue
            }
            // A bar with no price at all is one where nothing traded: its open, high and low are
            // the close before it, and a missing volume is 0 (copying the bar before would invent a
            // range, which stops could fill in, and trading that did not happen).
            let noPrice = [prices.open, prices.high, prices.low, prices.close].allSatisfy(slots.contains)
                && (prices.adjustedClose.map(slots.contains) ?? true)
            for slot in slots {
                numbers[index * stride + slot] = !noPrice || prices.adjustedClose == slot ? numbers[before * stride + slot]
                    : slot == prices.volume ? 0 : numbers[before * stride + prices.close]
            }
            // (An adjusted close carried with the close keeps their ratio, and so the adjustment.)
            if noPrice { emptyBars.insert(lines[index]) }
            let values = numbers[(index * stride)..<((index + 1) * stride)].map { $0 }
            if let problem = BarValidation.consistencyProblem(open: values[prices.open], high: values[prices.high],
                                                              low: values[prices.low], close: values[prices.close]) {
                // When prices in the message are not in the file, say which were filled, and from
                // which line (a volume plays no part in a bar's range).
                let what = zip(notes, slots).filter { $1 != prices.volume }.map { "\($0.column ?? "?") '\($0.original ?? "")' filled with \(values[$1]) from line \(lines[before])" }
                dropped[lines[index]] = what.isEmpty ? problem.message : "\(what.joined(separator: ", ")), and then \(problem.message)"
                continue
            }
            filled[lines[index]] = slots.map { values[$0] }
            kept.append(index)
        }
        if kept.count < timestamps.count {
            timestamps = kept.map { timestamps[$0] }
            numbers = kept.flatMap { numbers[($0 * stride)..<(($0 + 1) * stride)] }
            if !offsets.isEmpty { offsets = kept.map { offsets[$0] } }
            lines = kept.map { lines[$0] }
        }
        // Fill notes in the order of their cells in the row (slots were recorded in that order).
        var next: [Int: Int] = [:]
        repairs = repairs.compactMap { note in
            guard note.action == .filledCell else { return note }
            if let reason = dropped[note.line] {
                // One dropped-row note per row, in place of its first fill note.
                guard next[note.line] == nil else { return nil }
                next[note.line] = 0
                return RepairNote(action: .droppedRow, file: file, line: note.line, column: nil, original: nil, replacement: nil, reason: reason)
            }
            let position = next[note.line, default: 0]
            next[note.line] = position + 1
            let empty = emptyBars.contains(note.line)
            let volume = note.column == Role.volume.displayName
            return RepairNote(action: .filledCell, file: note.file, line: note.line, column: note.column, original: note.original,
                              replacement: filled[note.line]?[position], reason: note.reason,
                              source: !empty || note.column == Role.adjustedClose.displayName ? nil
                                  : volume ? "nothing traded on a bar with no price" : "the previous close; a bar with no price is one where nothing traded")
        }
    }

    /// Indices of a longest strictly increasing (or, `descending`, decreasing) subsequence of
    /// `values`, in order (patience sorting, O(n log n)); of equal values, the first.
    static func longestOrderedSubsequence(_ values: [Int64], descending: Bool) -> [Int] {
        let keys = descending ? values.map { -$0 } : values
        // tails[k]: index of the smallest last value of an increasing run of length k + 1.
        var tails: [Int] = []
        var previous = [Int](repeating: -1, count: keys.count)
        for (index, key) in keys.enumerated() {
            // The first run whose last value is not below this one (strictly increasing runs).
            var (low, high) = (0, tails.count)
            while low < high {
                let middle = (low + high) / 2
                if keys[tails[middle]] < key { low = middle + 1 } else { high = middle }
            }
            // An equal value does not replace the earlier row that ends a run.
            if low < tails.count && keys[tails[low]] == key { continue }
            if low > 0 { previous[index] = tails[low - 1] }
            if low == tails.count { tails.append(index) } else { tails[low] = index }
        }
        var run: [Int] = []
        var index = tails.last ?? -1
        while index >= 0 {
            run.append(index)
            index = previous[index]
        }
        return run.reversed()
    }

    /// Bars on a day of the week the series otherwise does not trade: dates on it fewer than 5% as
    /// many as on its busiest day of the week, in a series with three or more trading days a week
    /// (daily sessions or intraday bars; a weekly series' holiday weeks move its bars to other days
    /// by design). Dates, not bars: a futures market's short Sunday-evening session comes every week.
    static func offCalendarWarnings(_ series: BarSeries, lines: [Int], file: String) -> [DataWarning] {
        var counts = [Int](repeating: 0, count: 8)
        var lastDay = Int.min
        for timestamp in series.timestamps {
            let day = timestamp.daysSinceEpoch
            if day != lastDay { counts[timestamp.weekday] += 1 }
            lastDay = day
        }
        guard let busiest = counts.max(), busiest >= 20 else { return [] }
        let sessions = (1...7).filter { Double(counts[$0]) >= 0.3 * Double(busiest) }
        guard sessions.count >= 3 else { return [] }
        let names = ["", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
        return (1...7).filter { counts[$0] > 0 && Double(counts[$0]) < 0.05 * Double(busiest) }.map { weekday in
            let first = series.timestamps.firstIndex { $0.weekday == weekday }!
            let count = counts[weekday]
            return DataWarning(kind: .offCalendarBars, file: file, line: lines[first],
                               message: "\(count) \(count == 1 ? "date has bars" : "dates have bars") on a \(names[weekday]) (first \(series.timestamps[first])), a day this series otherwise does not trade (\(counts[sessions[0]]) \(names[sessions[0]])s have bars): misdated rows, or sessions its calendar does not have")
        }
    }

    /// One-bar close-to-close moves beyond the threshold: likely unadjusted splits or bad prices.
    /// A move counts when it is also more than 8 times the series' median absolute log move (for
    /// 20 moves or more), so that yearly bars, whose ordinary moves reach 40%, are not all flagged
    /// while a split still stands out on monthly ones.
    static func jumpWarnings(_ series: BarSeries, lines: [Int], file: String, threshold: Double) -> [DataWarning] {
        var warnings: [DataWarning] = []
        // Taken only once a move passes the threshold: sorting every move costs more than the read.
        // A move is ordinary for the series when within 8 times its median move, or (from 201 bars)
        // 3 times the 99th percentile of its moves under the threshold: a volatility index or a
        // crypto coin moves 45% in a day every so often, and bad prints (each two moves beyond the
        // threshold, there and back) do not set the yardstick they are measured by.
        var typicalMove: Double?
        let bound = log(1 + threshold)
        func ordinary(_ move: Double) -> Bool {
            guard series.count > 20 else { return false }
            if typicalMove == nil {
                let moves = (1..<series.count).map { abs(log(series.close[$0] / series.close[$0 - 1])) }.sorted()
                let under = moves.prefix { $0 <= bound }
                let tail = moves.count >= 200 && !under.isEmpty ? 3 * under[Int(0.99 * Double(under.count - 1))] : 0
                typicalMove = max(8 * moves[moves.count / 2], tail)
            }
            return abs(log(1 + move)) <= typicalMove!
        }
        var returning = false
        for i in 1..<max(series.count, 1) {
            let move = series.close[i] / series.close[i - 1] - 1
            // The move back from a bad print is part of its warning.
            guard abs(move) > threshold, !returning, !ordinary(move) else { returning = false; continue }
            // A move the next bar undoes, back to within a tenth of its size and within the
            // threshold of the bar before it, looks like a bad print. (Further off, the next bar's
            // move is a move of its own, and judged as one.)
            returning = i + 1 < series.count && abs(log(series.close[i + 1] / series.close[i - 1])) < min(0.1 * abs(log(1 + move)), bound)
            let head = "close moved \(percent(move)) in one bar, \(series.timestamps[i - 1]) → \(series.timestamps[i]) "
                + "(\(String(format: "%.8g", series.close[i - 1])) → \(String(format: "%.8g", series.close[i]))): "
            var message = head + (returning ? "a bad price? The next bar moves it back." : Self.jumpCause(ratio: series.close[i] / series.close[i - 1]))
            if let adjusted = series.adjustedClose {
                let adjustedMove = adjusted[i] / adjusted[i - 1] - 1
                if abs(adjustedMove) <= threshold && !returning {
                    // The adjusted prices took the jump out: a split (or a large distribution).
                    message = head + "an unadjusted split, or a bad price? Adj Close moved only \(percent(adjustedMove)): use adjusted prices (--adjusted)."
                }
            }
            warnings.append(DataWarning(kind: .largeJump, file: file, line: lines[i], message: message))
        }
        return warnings
    }

    /// What a one-bar jump by `ratio` (close over close before) may be: a split when the ratio is
    /// within 4% of a split's (n-for-1, 3-for-2 or 5-for-2 down; 1-for-n, a reverse split, up),
    /// otherwise a bad price or a real move.
    static func jumpCause(ratio: Double) -> String {
        let factor = ratio < 1 ? 1 / ratio : ratio
        // The ratios splits and reverse splits are made at (3-for-2 and 5-for-2 among splits).
        let ratios: [(Int, Int)] = [2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 25, 30, 40, 50, 100, 200].map { ($0, 1) }
            + (ratio < 1 ? [(3, 2), (5, 2)] : [])
        for (new, old) in ratios {
            let splitFactor = Double(new) / Double(old)
            guard abs(factor - splitFactor) <= 0.04 * splitFactor else { continue }
            return ratio < 1 ? "an unadjusted \(new)-for-\(old) split, or a bad price?" : "an unadjusted 1-for-\(new) reverse split, or a bad price?"
        }
        return "a bad price, or a real move beyond the series' usual ones?"
    }

    /// Bars at the end of the file, at least 20, that are one bar repeated (open, high, low and
    /// close each equal to the bar before's), when the series has not sat still that long before:
    /// a feed that stopped updating, a halt, or a delisting padded with the last price. A forecast
    /// or a backtest from there starts from a price that may be stale. (A quiet market's nights,
    /// flat for hours every day, are its ordinary rhythm: a run no longer than those is not stale.)
    static func staleEndWarnings(_ series: BarSeries, lines: [Int], file: String) -> [DataWarning] {
        let n = series.count
        func repeats(_ i: Int) -> Bool {
            series.close[i] == series.close[i - 1] && series.open[i] == series.open[i - 1]
                && series.high[i] == series.high[i - 1] && series.low[i] == series.low[i - 1]
        }
        var start = n - 1
        while start > 0, repeats(start) { start -= 1 }
        // Bars start … n − 1 are one bar; start = 0 is a file that never moved.
        let count = n - start
        guard count >= 20, start > 0 else { return [] }
        var (longest, run) = (1, 1)
        for i in 1..<start {
            run = repeats(i) ? run + 1 : 1
            longest = max(longest, run)
        }
        guard count > longest else { return [] }
        let (high, low, close) = (series.high[n - 1], series.low[n - 1], series.close[n - 1])
        let traded = series.volume.map { volume in (start..<n).filter { volume[$0] > 0 }.count } ?? 0
        let what = high == low ? "all sit at \(close) with no range" : "repeat one bar (open \(series.open[n - 1]), high \(high), low \(low), close \(close))"
        return [DataWarning(kind: .staleEnd, file: file, line: lines[start],
                            message: "the last \(count) bars (from \(series.timestamps[start])) \(what)"
                                + (traded > 0 ? ", though \(traded) of them report volume" : "")
                                + (longest > 1 ? ", longer than the series ever sat still before (\(longest) bars)" : "")
                                + ": a feed that stopped updating, a halt or a delisting padded with the last price? A forecast or backtest from here starts from a price that may be stale")]
    }

    private static func percent(_ fraction: Double) -> String {
        let value = (fraction * 1000).rounded() / 10
        return "\(value > 0 ? "+" : "")\(value)%"
    }

    // MARK: - Dates

    /// How a date cell is written; every row of a file must use the same.
    struct DateShape: Equatable, CustomStringConvertible {
        /// Between year, month and day: "-", or "." or "/" (year first, as MetaTrader writes).
        var dateSeparator = UInt8(ascii: "-")
        /// Day, month and year in that order, with dots (DD.MM.YYYY) or slashes (DD/MM/YYYY).
        var dayFirst = false
        /// Month, day and year in that order, with slashes (MM/DD/YYYY).
        var monthFirst = false
        /// Between date and time: "T" or " "; nil for a date alone.
        var separator: UInt8?
        /// The time of day is in a column of its own.
        var timeColumn = false
        /// The time is on a 12-hour clock with AM or PM.
        var twelveHour = false
        var hasSeconds = false
        var fractionDigits = 0
        /// How the time's zone is written; a plain enumeration keeps the shape a plain value, copied
        /// and compared on every row without reference counting.
        var zone = Zone.unmarked

        enum Zone: UInt8 {
            case unmarked, utc, offsetWithColon, offset, gmt, gmtOffset, gmtOffsetWithColon, utcName, utcNameOffset, utcNameOffsetWithColon

            /// "", "Z", "+HH:MM", "+HHMM", or " GMT" or " UTC" with either offset or none after it
            /// (Dukascopy's local-time exports write " GMT+0100").
            var text: String {
                ["", "Z", "+HH:MM", "+HHMM", " GMT", " GMT+HHMM", " GMT+HH:MM", " UTC", " UTC+HHMM", " UTC+HH:MM"][Int(rawValue)]
            }
        }

        var description: String {
            let mark = String(UnicodeScalar(dateSeparator))
            let date = dayFirst ? "DD\(mark)MM\(mark)YYYY" : monthFirst ? "MM\(mark)DD\(mark)YYYY" : "YYYY\(mark)MM\(mark)DD"
            guard separator != nil || timeColumn else { return date }
            var time = "HH:MM"
            if hasSeconds { time += ":SS" }
            if fractionDigits > 0 { time += "." + String(repeating: "f", count: fractionDigits) }
            if twelveHour { time += " AM/PM" }
            if timeColumn { return "\(date), with the time \(time) in a column of its own" }
            return date + (separator == UInt8(ascii: "T") ? "T" : " ") + time + zone.text
        }
    }

    enum TimeParse {
        case success(seconds: Int)
        case failure(String, impossible: Bool)
    }

    /// Whether a column's name says it holds something other than a price, by its words: open
    /// interest, a return or change, a percentage, a count, shares, a ticker. Words that name a
    /// level ("Total Return Index", "Interest Rate", "Exchange Rate") keep it a price.
    static func namesNoPrice(_ name: String) -> Bool {
        let words = Set(name.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init))
        let level: Set<String> = ["price", "index", "rate", "level", "value", "nav", "yield", "close", "last", "settle", "settlement", "fix", "fixing"]
        guard words.isDisjoint(with: level) else { return false }
        let other: Set<String> = ["interest", "return", "returns", "change", "chg", "pct", "percent", "shares", "turnover", "count", "trades",
                                  "symbol", "ticker", "volume", "oi"]
        return !words.isDisjoint(with: other) || name.contains("%")
    }

    /// The unit in parentheses of a volume column's name when it counts thousands, millions or
    /// billions ("Volume (K)", "Vol. (000s)", "Volume (mn)"), with its factor; lots, whose size the
    /// file does not give, with a factor of 1. Nil for any other name ("Volume", "Volume (BTC)").
    static func volumeMultiplier(_ name: String) -> (name: String, power: Int)? {
        let key = headerKey(name, keepingUnits: true)
        guard key.hasSuffix(")"), let open = key.lastIndex(of: "(") else { return nil }
        switch String(key[key.index(after: open)..<key.index(before: key.endIndex)]) {
        case "k", "000", "000s", "'000", "'000s", "000's", "thousand", "thousands", "thou", "thous", "inthousands", "1000s", "x1000":
            return ("thousands", 3)
        case "m", "mn", "mm", "mil", "mln", "mio", "million", "millions", "inmillions", "000000": return ("millions", 6)
        case "b", "bn", "billion", "billions", "inbillions": return ("billions", 9)
        case "lot", "lots": return ("lots", 0)
        default: return nil
        }
    }

    /// `.volume` for a volume named with its unit after a space ("Volume BTC", "Volume USDT", as
    /// crypto exports write them), read like "Volume (BTC)": the first such column is the volume.
    static func volumeWithUnit(_ name: String) -> Role? {
        let words = name.split(whereSeparator: { $0 == " " || $0 == "_" })
        guard words.count == 2, ["volume", "vol"].contains(words[0].lowercased()), (2...10).contains(words[1].count),
              words[1].allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) else { return nil }
        return .volume
    }

    /// A header name as the roles' aliases are written: lowercased, without spaces, underscores,
    /// hyphens, dots and angle brackets, and (unless `keepingUnits`) without a unit or zone in
    /// parentheses at its end ("Adj. Close", "<CLOSE>" and "Time (UTC)" become "adjclose", "close"
    /// and "time").
    static func headerKey(_ name: String, keepingUnits: Bool = false) -> String {
        var key = String(name.lowercased().filter { !" _-.<>".contains($0) })
        if !keepingUnits, key.hasSuffix(")"), let open = key.lastIndex(of: "("), open > key.startIndex { key = String(key[..<open]) }
        return key
    }

    /// Whether header names `first` and `second` are a date column and a time column: true for
    /// (date, time), false for (time, date), nil for anything else.
    static func dateAndTime(_ first: String, _ second: String) -> Bool? {
        let (a, b) = (headerKey(first), headerKey(second))
        if a == "date" && b == "time" { return true }
        if a == "time" && b == "date" { return false }
        return nil
    }

    /// The number `count` decimal digits from byte `i` on spell, moving `i` past them; nil (and `i`
    /// unmoved) when any of them is not a digit or the field ends first.
    @inline(__always)
    private func readDigits(_ count: Int, at i: inout Int, end: Int) -> Int? {
        guard let base, i + count <= end else { return nil }
        var value = 0
        for k in 0..<count {
            let d = base[i + k] &- 48
            guard d < 10 else { return nil }
            value = value * 10 + Int(d)
        }
        i += count
        return value
    }

    /// Whether byte `i` is `byte`, moving `i` past it when it is.
    @inline(__always)
    private func readByte(_ byte: UInt8, at i: inout Int, end: Int) -> Bool {
        guard let base, i < end, base[i] == byte else { return false }
        i += 1
        return true
    }

    /// HH:MM, HH:MM:SS or HH:MM:SS.000… from byte `i` on, which it moves past the time; records
    /// the seconds and fraction digits in `shape`. Failures read after "a time" ("that is not …").
    private func parseTimeOfDay(_ i: inout Int, _ end: Int, shape: inout DateShape) -> TimeParse {
        guard let base else { return .failure("is empty", impossible: false) }
        func digits(_ count: Int) -> Int? { readDigits(count, at: &i, end: end) }
        func expect(_ byte: UInt8) -> Bool { readByte(byte, at: &i, end: end) }
        // One hour digit is read too (9:30, as spreadsheets re-save times): it cannot be misread.
        guard var hour = digits(2) ?? digits(1), expect(UInt8(ascii: ":")), let minute = digits(2) else {
            return .failure("that is not HH:MM or HH:MM:SS", impossible: false)
        }
        var second = 0
        if i < end && base[i] == UInt8(ascii: ":") {
            i += 1
            guard let s = digits(2) else { return .failure("that is not HH:MM:SS", impossible: false) }
            second = s
            shape.hasSeconds = true
            if i < end && base[i] == UInt8(ascii: ".") {
                i += 1
                while i < end, base[i] &- 48 < 10 {
                    guard base[i] == UInt8(ascii: "0") else {
                        return .failure("with fractions of a second; bars are timed to the second", impossible: false)
                    }
                    shape.fractionDigits += 1
                    i += 1
                }
                guard shape.fractionDigits > 0 else { return .failure("with a '.' after the seconds but no digits", impossible: false) }
            }
        }
        // A 12-hour clock: "9:30 AM", "12:05 pm", with or without the space.
        var j = i
        if j < end && base[j] == UInt8(ascii: " ") { j += 1 }
        let meridiem = j + 2 <= end ? base[j] | 0x20 : 0
        if meridiem == UInt8(ascii: "a") || meridiem == UInt8(ascii: "p"), base[j + 1] | 0x20 == UInt8(ascii: "m") {
            guard (1...12).contains(hour) else { return .failure("with hour \(hour) on a 12-hour clock (AM/PM), outside 1–12", impossible: true) }
            hour = hour % 12 + (meridiem == UInt8(ascii: "p") ? 12 : 0)
            shape.twelveHour = true
            i = j + 2
        }
        guard hour < 24, minute < 60, second < 60 else { return .failure("outside 00:00:00–23:59:59", impossible: true) }
        return .success(seconds: hour * 3600 + minute * 60 + second)
    }

    enum DateParse {
        /// The instant (UTC), the format, and the written offset from UTC in seconds.
        case success(Timestamp, DateShape, offset: Int)
        /// What is wrong, and whether the date is well formed but names no real day or time (so
        /// that the fix is to correct it rather than to rewrite the format).
        case failure(String, impossible: Bool = false)
    }

    /// One or two digits at `i` (a day or month written without its leading zero, as in 1/2/2024),
    /// advancing past them.
    private func shortNumber(at i: inout Int, end: Int) -> Int? {
        guard let first = readDigits(1, at: &i, end: end) else { return nil }
        guard let second = readDigits(1, at: &i, end: end) else { return first }
        return first * 10 + second
    }

    /// The two numbers and the year of a date written `N/N/YYYY` (one or two digits each, the year
    /// four) from `i`, advancing past them; nil for any other date.
    private func slashDate(at i: inout Int, end: Int) -> (first: Int, second: Int, year: Int)? {
        guard let a = shortNumber(at: &i, end: end), readByte(UInt8(ascii: "/"), at: &i, end: end),
              let b = shortNumber(at: &i, end: end), readByte(UInt8(ascii: "/"), at: &i, end: end),
              let year = readDigits(4, at: &i, end: end) else { return nil }
        return (a, b, year)
    }

    /// The two numbers before the year, and the year, of the date at `start..<end` when it is
    /// written `N/N/YYYY`, alone or followed by a time (a space or T, then a digit).
    private func slashParts(_ start: Int, _ end: Int) -> (first: Int, second: Int, year: Int)? {
        var i = start
        guard let date = slashDate(at: &i, end: end),
              i == end || (base![i] == UInt8(ascii: " ") || base![i] == UInt8(ascii: "T")) && i + 1 < end && base![i + 1] &- 48 < 10 else { return nil }
        return (date.first, date.second, date.year)
    }

    /// The order of the day and month in dates written with slashes and the year last
    /// (`MM/DD/YYYY` as American exports write them, `DD/MM/YYYY` as most of the world does), from
    /// the file's own dates: one with a first number past 12 is day first, one with a second
    /// number past 12 month first, counted over the rows of bars (one field per column) whose date
    /// is real in that order. Nil when the file's first written date (past empty cells and
    /// missing-value marks) is not of that form, found without reading further. Reads the rows on
    /// a copy of the reader. Without a repair, dates of both orders are an error naming one of
    /// each; under one, the order most dates show is taken and the others are their rows' errors,
    /// dropped (as many of each: an error). No date that tells is an error saying so, or, when the
    /// file also has dates written another way, one naming the change of format (under a repair,
    /// nil: the slashed rows are dropped).
    private func slashDateOrder(dateColumn: Int, columns: Int) throws -> SlashDateOrder? {
        var probe = self
        var dayFirst: (line: Int, text: String)?, monthFirst: (line: Int, text: String)?
        var firstSlashed: (line: Int, text: String)?, otherFormat: (line: Int, text: String)?
        var (dayFirstCount, monthFirstCount) = (0, 0)
        // From rows of another field count (each its row's error): the order only when no row of
        // bars tells it, so that the error met is that row's, not "no date tells".
        var (dayFirstElsewhere, monthFirstElsewhere) = (0, 0)
        while let line = probe.nextLine() {
            guard line.end - line.start <= Self.maximumLineBytes else { continue }
            let fields = probe.splitFields(line.start, line.end)
            guard fields > dateColumn else { continue }
            let (start, end) = (probe.fieldStarts[dateColumn], probe.fieldEnds[dateColumn])
            guard start < end else { continue }
            if fields != columns {
                switch probe.slashParts(start, end).flatMap(Self.orderTold) {
                case .dayFirst?: dayFirstElsewhere += 1
                case .monthFirst?: monthFirstElsewhere += 1
                case nil: break
                }
                continue
            }
            guard let parts = probe.slashParts(start, end) else {
                if otherFormat == nil, case .success = probe.parseDate(start, end) {
                    otherFormat = (probe.lineNumber, probe.text(dateColumn))
                    // The first written date is not slashed: nothing to decide.
                    if firstSlashed == nil { return nil }
                }
                continue
            }
            if firstSlashed == nil { firstSlashed = (probe.lineNumber, probe.text(dateColumn)) }
            switch Self.orderTold(parts) {
            case .dayFirst?:
                dayFirstCount += 1
                if dayFirst == nil { dayFirst = (probe.lineNumber, probe.text(dateColumn)) }
            case .monthFirst?:
                monthFirstCount += 1
                if monthFirst == nil { monthFirst = (probe.lineNumber, probe.text(dateColumn)) }
            case nil:
                break
            }
        }
        guard let firstSlashed else { return nil }
        if let dayFirst, let monthFirst, options.repair == .none || dayFirstCount == monthFirstCount {
            let (later, earlier, laterOrder, earlierOrder) = dayFirst.line > monthFirst.line
                ? (dayFirst, monthFirst, "day first (DD/MM/YYYY)", "month first (MM/DD/YYYY)")
                : (monthFirst, dayFirst, "month first (MM/DD/YYYY)", "day first (DD/MM/YYYY)")
            throw DataError(kind: .mixedDateFormats, file: file, line: later.line, column: dateColumn + 1, value: later.text,
                            message: "date '\(later.text)' can only be \(laterOrder), and line \(earlier.line)'s '\(earlier.text)' only \(earlierOrder)"
                                + (options.repair == .none ? "" : ", as many dates of each order as of the other"),
                            fix: "write every date in one order, best as YYYY-MM-DD" + (options.repair == .none ? " (--repair drop keeps the order most dates show)" : ""))
        }
        if dayFirstCount == 0 && monthFirstCount == 0 {
            if dayFirstElsewhere != monthFirstElsewhere { return dayFirstElsewhere > monthFirstElsewhere ? .dayFirst : .monthFirst }
            if let otherFormat {
                guard options.repair == .none else { return nil }
                throw DataError(kind: .mixedDateFormats, file: file, line: max(firstSlashed.line, otherFormat.line), column: dateColumn + 1,
                                value: firstSlashed.line > otherFormat.line ? firstSlashed.text : otherFormat.text,
                                message: "dates are written with slashes (line \(firstSlashed.line), '\(firstSlashed.text)') and otherwise (line \(otherFormat.line), '\(otherFormat.text)')",
                                fix: "write every date in the file in one format, best as YYYY-MM-DD")
            }
            // Every row's date would be refused, or dropped under a repair: one error, saying why.
            throw DataError(kind: .unparsableDate, file: file, line: firstSlashed.line, column: dateColumn + 1, value: firstSlashed.text,
                            message: "date '\(firstSlashed.text)' is written with slashes, and no date in the file has a day past the 12th to tell whether the day or the month comes first",
                            fix: "write the dates as YYYY-MM-DD (a date such as 01/02/2020 cannot say whether it is January 2 or February 1)")
        }
        return dayFirstCount > monthFirstCount ? .dayFirst : .monthFirst
    }

    /// The order a date written `first/second/year` tells, when it is a real date in one order
    /// only (a number past 12 that is a day of the other number's month); nil otherwise.
    static func orderTold(_ parts: (first: Int, second: Int, year: Int)) -> SlashDateOrder? {
        let (a, b, year) = parts
        if a > 12, (1...12).contains(b), a <= Timestamp.daysIn(year: year, month: b) { return .dayFirst }
        if b > 12, (1...12).contains(a), b <= Timestamp.daysIn(year: year, month: a) { return .monthFirst }
        return nil
    }

    /// Whether the cell at `start..<end` is a date: one that parses, or one written N/N/YYYY,
    /// whose order the file's dates decide later (``slashDateOrder``).
    private func readsAsDate(_ start: Int, _ end: Int) -> Bool {
        if case .success = parseDate(start, end) { return true }
        return slashParts(start, end) != nil
    }

    private func parseDate(_ start: Int, _ end: Int) -> DateParse {
        guard let base, start < end else { return .failure("is empty") }
        var i = start
        func digits(_ count: Int) -> Int? { readDigits(count, at: &i, end: end) }
        func expect(_ byte: UInt8) -> Bool { readByte(byte, at: &i, end: end) }
        let notISO = "is not an ISO date (YYYY-MM-DD)"
        // Year first, the separator "-" (ISO), or "." or "/" used the same way twice; or day first
        // with dots, DD.MM.YYYY, as Europe writes dates and Dukascopy exports them (a dotted date
        // is never month first).
        let (year, month, day): (Int, Int, Int)
        let dateSeparator: UInt8
        var (dayFirst, monthFirst) = (false, false)
        if let first = digits(4), i < end, base[i] == UInt8(ascii: "-") || base[i] == UInt8(ascii: ".") || base[i] == UInt8(ascii: "/") {
            dateSeparator = base[i]
            i += 1
            guard let m = digits(2), expect(dateSeparator), let d = digits(2) else { return .failure(notISO) }
            (year, month, day) = (first, m, d)
        } else if let order = options.slashDateOrder, { i = start; return true }(),
                  let date = slashDate(at: &i, end: end) {
            // Slashes with the year last, in the order the file's dates showed (``slashDateOrder``).
            (month, day) = order == .monthFirst ? (date.first, date.second) : (date.second, date.first)
            (year, dateSeparator, dayFirst, monthFirst) = (date.year, UInt8(ascii: "/"), order == .dayFirst, order == .monthFirst)
        } else {
            i = start
            guard let d = digits(2), expect(UInt8(ascii: ".")), let m = digits(2), expect(UInt8(ascii: ".")), let y = digits(4) else {
                return .failure(notISO)
            }
            (year, month, day, dateSeparator, dayFirst) = (y, m, d, UInt8(ascii: "."), true)
        }
        guard (1...12).contains(month) else { return .failure("has month \(month), outside 1–12", impossible: true) }
        let monthDays = [31, (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...monthDays).contains(day) else {
            return .failure("has day \(day), but month \(month) of \(year) has \(monthDays) days", impossible: true)
        }
        var shape = DateShape(dateSeparator: dateSeparator, dayFirst: dayFirst, monthFirst: monthFirst)
        var seconds = 0
        var offset = 0
        if i < end {
            guard base[i] == UInt8(ascii: "T") || base[i] == UInt8(ascii: " ") else { return .failure(notISO) }
            shape.separator = base[i]
            i += 1
            switch parseTimeOfDay(&i, end, shape: &shape) {
            case .failure(let why, let impossible):
                return .failure("has a time \(why)", impossible: impossible)
            case .success(let timeOfDay):
                seconds = timeOfDay
            }
            // " GMT" or " UTC" and an optional offset after it (Dukascopy: "… 00:00:00.000 GMT+0100").
            var named = false
            if end - i >= 4, base[i] == UInt8(ascii: " "), (base[i + 1], base[i + 2], base[i + 3]) == (71, 77, 84) || (base[i + 1], base[i + 2], base[i + 3]) == (85, 84, 67) {
                named = true
                shape.zone = base[i + 1] == 71 ? .gmt : .utcName
                i += 4
            }
            if i < end {
                if base[i] == UInt8(ascii: "Z"), !named {
                    shape.zone = .utc
                    i += 1
                } else if base[i] == UInt8(ascii: "+") || base[i] == UInt8(ascii: "-") {
                    let sign = base[i] == UInt8(ascii: "-") ? -1 : 1
                    i += 1
                    guard let hours = digits(2) else { return .failure("has a time-zone offset that is not +HH:MM") }
                    let colon = expect(UInt8(ascii: ":"))
                    guard let minutes = digits(2), hours < 24, minutes < 60 else {
                        return .failure("has a time-zone offset that is not +HH:MM")
                    }
                    if named {
                        shape.zone = shape.zone == .gmt ? (colon ? .gmtOffsetWithColon : .gmtOffset) : (colon ? .utcNameOffsetWithColon : .utcNameOffset)
                    } else {
                        shape.zone = colon ? .offsetWithColon : .offset
                    }
                    offset = sign * (hours * 3600 + minutes * 60)
                }
            }
            guard i == end else { return .failure("has unexpected text after the time") }
        }
        let local = Timestamp(year: year, month: month, day: day).secondsSinceEpoch + Int64(seconds)
        return .success(Timestamp(secondsSinceEpoch: local - Int64(offset)), shape, offset: offset)
    }
}
