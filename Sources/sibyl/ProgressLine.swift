import Foundation

/// A one-line progress report on standard error: redrawn in place on a terminal, one plain line
/// per step otherwise (logs, pipes, CI). Standard output stays free for results and JSON.
struct ProgressLine {
    /// Whether standard error is a terminal, where the line is redrawn in place.
    let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastWidth = 0

    mutating func update(_ text: String) {
        if isTerminal {
            let padding = String(repeating: " ", count: max(0, lastWidth - text.count))
            FileHandle.standardError.write(Data("\r\(text)\(padding)".utf8))
            lastWidth = text.count
        } else {
            FileHandle.standardError.write(Data("\(text)\n".utf8))
        }
    }

    /// Writes `text` as a line that stays (an epoch's summary): on a terminal the redrawn line
    /// gives way to it.
    mutating func commit(_ text: String) {
        finish()
        FileHandle.standardError.write(Data("\(text)\n".utf8))
    }

    /// Clears the line on a terminal so that the next output starts clean.
    mutating func finish() {
        if isTerminal && lastWidth > 0 {
            FileHandle.standardError.write(Data("\r\(String(repeating: " ", count: lastWidth))\r".utf8))
            lastWidth = 0
        }
    }
}
