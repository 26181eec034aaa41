import Foundation

/// The `--json` output of every command.
enum JSONOutput {
    /// Pretty JSON with sorted keys, in which values with no finite number (NaN, ±∞: undefined
    /// statistics, a case that did not run) are `null`.
    static func text(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let marker = "\u{1}not-a-number\u{1}"
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: marker, negativeInfinity: marker, nan: marker)
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        return text.replacingOccurrences(of: "\"\\u0001not-a-number\\u0001\"", with: "null")
    }
}
