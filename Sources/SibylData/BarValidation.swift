import Foundation

/// The rules every bar obeys, shared by the CSV reader and by series built in code.
enum BarValidation {
    struct Problem {
        /// The price a consistency problem is reported against.
        enum Field { case high, low }

        let kind: DataError.Kind
        let value: String
        let message: String
        let fix: String
        var field: Field? = nil
    }

    /// The first rule bar `index` of `series` breaks, with the bar before it for ordering.
    static func problem(in series: BarSeries, at index: Int) -> Problem? {
        // Price by price, without collecting them into an array: this runs once per bar.
        func price(_ name: String, _ value: Double?) -> Problem? {
            value.flatMap { priceProblem(name: name, value: $0, text: "\($0)") }
        }
        if let problem = price("open", series.open[index]) ?? price("high", series.high[index]) ?? price("low", series.low[index])
            ?? price("close", series.close[index]) ?? price("adjusted close", series.adjustedClose?[index]) {
            return problem
        }
        if let volume = series.volume?[index], let problem = volumeProblem(value: volume, text: "\(volume)") {
            return problem
        }
        if let problem = consistencyProblem(open: series.open[index], high: series.high[index],
                                            low: series.low[index], close: series.close[index]) {
            return problem
        }
        if index > 0 {
            return orderProblem(previous: series.timestamps[index - 1], current: series.timestamps[index], previousLine: nil)
        }
        return nil
    }

    /// The prices every computation downstream carries with room to spare: their squares, sums
    /// over millions of bars and cash divided by them all stay inside double precision (a moving
    /// average of closes near 1e307 overflows, and the crossovers it would give vanish silently).
    /// No traded instrument comes near either end.
    static let priceRange: ClosedRange<Double> = 1e-100...1e100

    static func priceProblem(name: String, value: Double, text: @autoclosure () -> String) -> Problem? {
        if priceRange.contains(value) { return nil }
        let written = text()
        // A cell of hundreds of digits is shown by its start.
        let text = written.count > 40 ? String(written.prefix(40)) + "…" : written
        /// A row's typo, or a series in units too large or small: which, only the other rows tell.
        func rescale(_ power: Int) -> String {
            let row = "correct the row, or pass --repair drop or --repair ffill, if only some rows are so"
            // Past a thousand powers of ten no unit explains it.
            guard abs(power) <= 1000 else { return row }
            return row + "; if every price is, quote the series in other units: \(power > 0 ? "divide" : "multiply") every price by 1e\(abs(power))"
        }
        if value.isFinite && value > 0 {
            let power = Int((log10(value)).rounded())
            return Problem(kind: .priceOutOfRange, value: text,
                           message: "\(name) \(text) is outside the prices Sibyl computes with, 1e-100 to 1e100",
                           fix: rescale(power))
        }
        if value.isInfinite, let power = decimalPower(written), power > 0 {
            // Written as a number too large for double precision (1e400), read as infinity.
            return Problem(kind: .priceOutOfRange, value: text,
                           message: "\(name) \(text) is outside the prices Sibyl computes with, 1e-100 to 1e100",
                           fix: rescale(power))
        }
        // A negative number too large for double precision (-1e400) is, first, not positive (below).
        let negativeOverflow = value == -.infinity && written.hasPrefix("-") && decimalPower(String(written.dropFirst())) != nil
        if !value.isFinite && !negativeOverflow {
            return Problem(kind: .notFinite, value: text, message: "\(name) is \(text), not a finite number",
                           fix: "give a real price, or pass --repair drop or --repair ffill to drop or fill such rows")
        }
        if value == 0, let power = decimalPower(written) {
            // Written as a positive number too small for double precision (1e-400), read as 0.
            return Problem(kind: .priceOutOfRange, value: text,
                           message: "\(name) \(text) is outside the prices Sibyl computes with, 1e-100 to 1e100",
                           fix: rescale(power))
        }
        if value <= 0 {
            return Problem(kind: .nonPositivePrice, value: text, message: "\(name) \(text) is not positive",
                           fix: "prices must be greater than 0, since returns are log(P_t / P_t−1): correct the row, or pass --repair drop or --repair ffill if a few rows are wrong; "
                                + "a series that crosses zero (a spread, a contract that settled below zero) has no log returns: model its legs' own prices, or add a constant that keeps it above 0")
        }
        return nil
    }

    /// The power of ten of a positive decimal number written with a nonzero digit (3 for
    /// "1.5e3", -401 for "0.5e-400"), from its text: nil for a zero, a negative number or text
    /// that is not a plain decimal number.
    static func decimalPower(_ text: String) -> Int? {
        let parts = text.lowercased().split(separator: "e", maxSplits: 1, omittingEmptySubsequences: false)
        var mantissa = Substring(parts[0])
        if mantissa.hasPrefix("+") { mantissa = mantissa.dropFirst() }
        var exponent = 0
        if parts.count == 2 {
            // An exponent past a billion (1e-99999999999999999999, past Int's range too) counts as
            // a billion, so that adding the mantissa's power cannot overflow.
            let digits = parts[1].hasPrefix("-") || parts[1].hasPrefix("+") ? parts[1].dropFirst() : parts[1][...]
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            let limit = 1_000_000_000
            exponent = min(Int(digits) ?? limit, limit) * (parts[1].hasPrefix("-") ? -1 : 1)
        }
        let point = mantissa.firstIndex(of: ".") ?? mantissa.endIndex
        guard !mantissa.isEmpty, mantissa.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              mantissa.filter({ $0 == "." }).count <= 1,
              let first = mantissa.firstIndex(where: { $0 != "0" && $0 != "." }) else { return nil }
        // Digits between the first nonzero digit and the point, less one; past the point, minus
        // the zeros after it and one.
        let power = first < point ? mantissa.distance(from: first, to: point) - 1 : -mantissa[point..<first].count
        return exponent + power
    }

    static func volumeProblem(value: Double, text: @autoclosure () -> String) -> Problem? {
        if value.isFinite && value >= 0 { return nil }
        let text = text()
        if !value.isFinite {
            return Problem(kind: .notFinite, value: text, message: "volume is \(text), not a finite number",
                           fix: "give a real volume (0 if none traded), or pass --repair drop or --repair ffill")
        }
        if value < 0 {
            return Problem(kind: .negativeVolume, value: text, message: "volume \(text) is negative",
                           fix: "volume must be 0 or more; correct the row, or pass --repair drop or --repair ffill")
        }
        return nil
    }

    static func consistencyProblem(open: Double, high: Double, low: Double, close: Double) -> Problem? {
        if high < max(open, close) {
            let which = high < open ? "open \(open)" : "close \(close)"
            return Problem(kind: .inconsistentBar, value: "\(high)", message: "high \(high) is below \(which)",
                           fix: "the high must be at least the open and the close; check the column order and the row, or pass --repair drop",
                           field: .high)
        }
        if low > min(open, close) {
            let which = low > open ? "open \(open)" : "close \(close)"
            return Problem(kind: .inconsistentBar, value: "\(low)", message: "low \(low) is above \(which)",
                           fix: "the low must be at most the open and the close; check the column order and the row, or pass --repair drop",
                           field: .low)
        }
        return nil
    }

    /// - Parameters:
    ///   - newestFirst: The first row (line, timestamp) when the file's first two rows run newest
    ///     first, so that rows must go back in time.
    ///   - localClock: The times carry no zone or offset, so they may be a local clock's.
    @inline(__always)
    static func orderProblem(previous: Timestamp, current: Timestamp, previousLine: Int?,
                             newestFirst: (line: Int, timestamp: Timestamp)? = nil, localClock: @autoclosure () -> Bool = false) -> Problem? {
        if newestFirst != nil ? current < previous : current > previous { return nil }
        // Rows in order never ask about the clock (a string read per row of the file).
        return outOfOrder(previous: previous, current: current, previousLine: previousLine, newestFirst: newestFirst, localClock: localClock())
    }

    /// The problem of two timestamps out of order (kept out of line: rows in order never get here).
    @inline(never)
    private static func outOfOrder(previous: Timestamp, current: Timestamp, previousLine: Int?,
                                   newestFirst: (line: Int, timestamp: Timestamp)?, localClock: Bool) -> Problem? {
        let earlier = previousLine.map { "line \($0)" } ?? "the bar before"
        if let first = newestFirst, current > previous {
            return Problem(kind: .decreasingTimestamp, value: current.iso,
                           message: "timestamp \(current) is later than \(previous) on \(earlier), in a file read as newest first because its second row is earlier than its first (\(first.timestamp) on line \(first.line))",
                           fix: "if line \(first.line)'s date is wrong, correct it; otherwise sort the file by time, or pass --repair drop to drop out-of-order rows")
        }
        // A local clock repeats an hour in the night daylight-saving time ends: the last Sunday of
        // October (Europe), the first of November (North America) or of April (Australia, New
        // Zealand), before 04:00. Those are real bars, which a drop would lose.
        let (_, month, day) = current.date
        let fallBack = month == 10 && day >= 25 || month == 11 && day <= 7 || month == 4 && day <= 7
        let clockChange = localClock && current.date == previous.date && current.weekday == 7 && fallBack
            && current.secondOfDay < 4 * 3600 && previous.secondsSinceEpoch - current.secondsSinceEpoch <= 3600
        let clockFix = "this looks like the hour a local clock repeats when daylight-saving time ends: export the times in UTC or with their UTC offset (2020-10-25 02:00:00+01:00); "
            + "if it is not, remove the duplicate"
        if current == previous {
            return Problem(kind: .duplicateTimestamp, value: current.iso,
                           message: "timestamp \(current) repeats \(earlier)",
                           fix: clockChange ? clockFix : "each bar needs its own timestamp; remove the duplicate, or pass --repair drop to keep the first")
        }
        if current < previous {
            return Problem(kind: .decreasingTimestamp, value: current.iso,
                           message: "timestamp \(current) is earlier than \(previous) on \(earlier)",
                           fix: clockChange ? clockFix : "sort the file by time, oldest first, or pass --repair drop to drop out-of-order rows")
        }
        return nil
    }
}
