import Foundation

/// What to do with rows that break the rules, when the user asks for anything but an error.
public enum RepairPolicy: String, Sendable, CaseIterable, Codable {
    /// Stop at the first bad row with an error (the default).
    case none
    /// Drop every bad row, and report each.
    case drop
    /// Fill a bad cell from the same column of the previous bar, and report each fill; rows that
    /// cannot be repaired this way (bad timestamps, inconsistent bars) are dropped and reported.
    case forwardFill = "ffill"
}

/// Options for reading bar files.
public struct BarReadOptions: Sendable {
    public var repair: RepairPolicy
    /// One-bar close-to-close moves larger than this fraction are reported as warnings.
    public var jumpWarningThreshold: Double
    /// Put the series on split- and dividend-adjusted prices: Adj Close as the close, and open,
    /// high and low scaled by Adj Close / Close on each bar, volume by its inverse
    /// (``BarSeries/withCloses(_:)``). The
    /// file must have an Adj Close column; warnings are about the adjusted prices.
    public var adjusted: Bool
    /// The order of dates written with slashes and the year last (01/13/2024), as the reader
    /// deduces it from the file's dates before reading the rows; nil until then, or when the
    /// first row's date is not written so.
    var slashDateOrder: SlashDateOrder?

    public init(repair: RepairPolicy = .none, jumpWarningThreshold: Double = 0.4, adjusted: Bool = false) {
        self.repair = repair
        self.jumpWarningThreshold = jumpWarningThreshold
        self.adjusted = adjusted
    }
}

/// Day and month order of dates written `NN/NN/YYYY`, as the file's dates show it.
enum SlashDateOrder: UInt8, Sendable {
    case monthFirst, dayFirst
}

/// A bar file as read: the series, and everything the reader noticed or changed on the way.
public struct BarFile: Sendable {
    public var series: BarSeries
    /// The header fields as written in the file.
    public var header: [String]
    /// The date format the file uses, for example "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS".
    public var dateFormat: String
    /// Changes made because of `--repair`; empty without it.
    public var repairs: [RepairNote]
    public var warnings: [DataWarning]
    /// SHA-256 of the file's bytes as 64 hexadecimal digits, when read with `digest: true`.
    public var sha256: String?
    /// With ``BarReadOptions/adjusted``: how many bars the adjustment changed.
    public var adjustedBars = 0
}

/// Reading and writing OHLCV bars as CSV.
///
/// Reads the `Datasets/` format and Yahoo-style exports: a header row naming Date, Open, High,
/// Low, Close and optionally Volume and Adj Close, in any order and any letter case; fields
/// separated by commas (or semicolons, tabs or pipes, detected from the header); dates as
/// `YYYY-MM-DD` (or year first with `.` or `/`) or date-times as `YYYY-MM-DD HH:MM[:SS]` or
/// `YYYY-MM-DDTHH:MM:SS`, or a date column with a `Time` column beside it, optionally with `Z` or
/// an offset such as `+01:00` (times with offsets are kept on the file's own clock, and bars
/// that are days become calendar dates; see the reader). Other columns are ignored with a warning.
public enum BarCSV {
    /// Reads the bar file at `path`.
    ///
    /// - Parameters:
    ///   - path: File to read.
    ///   - name: Name of the series; the file name without extension when omitted.
    ///   - digest: Also take the SHA-256 of the bytes read (``BarFile/sha256``), for recording which
    ///     data a model was trained on without reading the file twice.
    /// - Throws: ``DataError`` naming the file, line, column and a fix.
    public static func read(contentsOf path: String, name: String? = nil, options: BarReadOptions = .init(),
                            digest: Bool = false) throws -> BarFile {
        // A pipe (`--data <(zcat prices.csv.gz)`, a FIFO) has no size to read by: read it to its end,
        // up to a limit, since a pipe may never end (`cat /dev/zero |`).
        var status = stat()
        let exists = stat(path, &status) == 0
        let kind = exists ? status.st_mode & S_IFMT : 0
        if kind == S_IFDIR {
            throw DataError(kind: .unreadableFile, file: path, message: "is a folder, not a file", fix: "pass the path of a CSV file inside it")
        }
        if kind == S_IFCHR || kind == S_IFBLK {
            throw DataError(kind: .unreadableFile, file: path, message: "is a device, not a file",
                            fix: "pass a CSV file, or a pipe such as <(zcat prices.csv.gz)")
        }
        let contents: Data?
        if kind == S_IFIFO || kind == S_IFSOCK {
            let limit = 2 << 30
            guard let handle = FileHandle(forReadingAtPath: path) else { throw DataError(kind: .unreadableFile, file: path, message: "cannot be read", fix: "check the pipe's permissions") }
            var buffer = Data()
            while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                buffer.append(chunk)
                if buffer.count > limit {
                    throw DataError(kind: .unreadableFile, file: path, message: "gave more than 2 GB without ending",
                                    fix: "pass a finite CSV file or pipe")
                }
            }
            contents = buffer
        } else {
            // Mapped, not copied: the kernel neither copies the file nor zeroes fresh pages for it.
            contents = (try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)) ?? FileManager.default.contents(atPath: path)
        }
        guard let data = contents else {
            throw DataError(kind: .unreadableFile, file: path, message: exists ? "cannot be read" : "no such file",
                            fix: exists ? "check the file's permissions" : "check the path; leave out --data to use the bundled S&P 500 dataset")
        }
        let seriesName = name ?? defaultSeriesName(path)
        var file = try data.withUnsafeBytes { bytes in
            try parse(bytes, file: path, name: seriesName, options: options)
        }
        if digest { file.sha256 = SHA256.hexDigest(of: data) }
        return file
    }

    /// A series is named after its file; one read through a descriptor (`<(zcat prices.csv.gz)`
    /// is /dev/fd/63) has no name of its own but "pipe".
    static func defaultSeriesName(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        let descriptor = parts.count >= 3 && parts[parts.count - 2] == "fd" && Int(parts[parts.count - 1]) != nil
            && (parts.count == 3 && parts[0] == "dev" || parts.count == 4 && parts[0] == "proc")
        if descriptor || path == "/dev/stdin" { return "pipe" }
        return URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    }

    /// Parses CSV text held in memory.
    public static func parse(_ text: String, file: String, name: String? = nil, options: BarReadOptions = .init()) throws -> BarFile {
        var text = text
        return try text.withUTF8 { bytes in
            try parse(UnsafeRawBufferPointer(bytes), file: file, name: name ?? file, options: options)
        }
    }

    /// Parses CSV bytes.
    public static func parse(_ bytes: UnsafeRawBufferPointer, file: String, name: String, options: BarReadOptions = .init()) throws -> BarFile {
        var reader = BarCSVReader(bytes: bytes, file: file, options: options)
        return try reader.read(name: name)
    }
}
