/// A problem with input data, located as precisely as the data allows, with a suggested fix.
///
/// Its description is one line, `FILE:LINE:COLUMN: error: MESSAGE (fix: FIX)`, in the style
/// compilers use, so editors and terminals can jump to the place.
public struct DataError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        case unreadableFile
        case emptyFile
        case headerOnly
        case missingColumn
        case duplicateColumn
        /// Columns of more than one instrument (a two-level header with several tickers).
        case severalSeries
        case wrongFieldCount
        /// A line longer than a row of bars could be (``BarCSV``'s limit is 1 MiB).
        case lineTooLong
        case malformedQuotes
        case emptyCell
        case unparsableNumber
        case notFinite
        case nonPositivePrice
        /// A price beyond ``BarValidation/priceRange``.
        case priceOutOfRange
        case negativeVolume
        case inconsistentBar
        case unparsableDate
        case mixedDateFormats
        case duplicateTimestamp
        case decreasingTimestamp
        case tooFewBars
    }

    public let kind: Kind
    /// The file (or series name) the problem is in.
    public let file: String
    /// 1-based line in the file, counting the header as line 1.
    public let line: Int?
    /// 1-based column (field) number.
    public let column: Int?
    /// The offending text or value, when there is one.
    public let value: String?
    /// What is wrong.
    public let message: String
    /// How to fix it.
    public let fix: String

    public init(kind: Kind, file: String, line: Int? = nil, column: Int? = nil, value: String? = nil,
                message: String, fix: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.value = value
        self.message = message
        self.fix = fix
    }

    public var location: String {
        var text = file
        if let line { text += ":\(line)" }
        if let column { text += ":\(column)" }
        return text
    }

    public var description: String {
        "\(location): error: \(message) (fix: \(fix))"
    }
}

/// Something suspicious in data that is not an error: the data is kept as it is and the user told.
public struct DataWarning: Equatable, Sendable, CustomStringConvertible, Codable {
    public enum Kind: String, Sendable, Codable {
        case largeJump
        case zeroVolume
        case ignoredColumn
        /// The file runs newest first and was read in reverse.
        case newestFirst
        /// Times written with offsets could not be kept as local times (they repeat at a
        /// daylight-saving change) and are kept in UTC.
        case timesInUTC
        /// Every number of a ';'-separated file has whole groups of three digits after its points,
        /// volumes too: the points may separate thousands (a German-locale export).
        case pointsMayBeThousands
        /// Rows of delimiters only above or between rows of data: empty rows, skipped.
        case emptyRows
        /// A few bars on a day of the week the series otherwise does not trade (a Saturday bar in
        /// a Monday-to-Friday series): a misdated row, or a session the calendar does not have.
        case offCalendarBars
        /// The last bars (20 or more) one bar repeated, longer than the series sat still before:
        /// a stale feed, a halt or a delisting padded with the last price.
        case staleEnd
        /// The file has a Close column and no Open, High or Low: each bar's open, high and low are its close.
        case closesOnly
        /// A Volume column empty (or '-', 'N/A', …) on every row: read as a file without volumes.
        case emptyVolumeColumn
        /// The first column has no name (pandas' index) and holds the dates.
        case unnamedDateColumn
        /// Day-first dotted dates all in January over several years: month-first dates misread?
        case monthFirstDots
        /// Daily bars at 00:00 UTC in winter and 23:00 UTC in summer: London's (Lisbon's,
        /// Dublin's) midnights written in UTC, dated by that clock.
        case localMidnightsInUTC
        /// The volume column's name gives its unit: thousands, millions or billions (the volumes
        /// are scaled to units), or lots (read as written).
        case volumeUnit
    }

    public let kind: Kind
    public let file: String
    public let line: Int?
    public let message: String

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): warning: \(message)"
    }
}

/// One change made to the data because the user asked for repairs (`--repair drop|ffill`).
public struct RepairNote: Equatable, Sendable, CustomStringConvertible, Codable {
    public enum Action: String, Sendable, Codable {
        case droppedRow = "dropped row"
        case filledCell = "filled cell"
    }

    public let action: Action
    public let file: String
    public let line: Int
    /// The column filled, for `filledCell`.
    public let column: String?
    /// The text that was there.
    public let original: String?
    /// The value written instead, for `filledCell`.
    public let replacement: Double?
    /// Why.
    public let reason: String
    /// Where a filled value came from, when not the previous bar's same cell (shown in parentheses).
    public let source: String?

    public init(action: Action, file: String, line: Int, column: String?, original: String?, replacement: Double?, reason: String,
                source: String? = nil) {
        (self.action, self.file, self.line, self.column) = (action, file, line, column)
        (self.original, self.replacement, self.reason, self.source) = (original, replacement, reason, source)
    }

    public var description: String {
        switch action {
        case .droppedRow:
            "\(file):\(line): dropped row: \(reason)"
        case .filledCell:
            "\(file):\(line): filled \(column ?? "?") '\(original ?? "")' with \(replacement.map { "\($0)" } ?? "?") \(source.map { "(\($0))" } ?? "from the previous bar"): \(reason)"
        }
    }
}
