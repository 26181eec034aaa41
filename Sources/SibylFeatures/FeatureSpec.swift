import Foundation

/// One feature of a pipeline, with its parameters. Every feature is causal: its value at bar t
/// uses bars 0 … t only.
///
/// The compact text form (`returns`, `rsi:14`, `fft:64:8`, …) is what `--spec` takes, comma
/// separated; `Docs/Features.md` gives every formula.
public enum FeatureSpec: Hashable, Sendable, CustomStringConvertible {
    /// ln(C_t / C_{t−1}). Text: `returns`.
    case logReturn
    /// C_t / C_{t−1} − 1. Text: `simple-returns`.
    case simpleReturn
    /// Mean of the last W log returns. Text: `mean:W`.
    case rollingMean(window: Int)
    /// Sample standard deviation (ddof 1) of the last W log returns. Text: `std:W`.
    case rollingStd(window: Int)
    /// (C_t − mean) / std of the last W closes (ddof 1; 0 when the closes are all equal). Text: `zscore:W`.
    case zScore(window: Int)
    /// Mean of the last W closes, in price units. Text: `sma:W`.
    case sma(window: Int)
    /// Exponential moving average of closes, α = 2/(N+1), seeded with the SMA of the first N. Text: `ema:N`.
    case ema(span: Int)
    /// Wilder's relative strength index over N bars, 0–100. Text: `rsi:N`.
    case rsi(period: Int)
    /// MACD line EMA_fast − EMA_slow, its EMA_signal, and their difference. Text: `macd` or `macd:F:S:G`.
    case macd(fast: Int, slow: Int, signal: Int)
    /// Bollinger %B: (C − lower) / (upper − lower), bands SMA_W ± k·σ_W (population σ). Text: `bbands:W` or `bbands:W:k`.
    case bollingerPercentB(window: Int, width: Double)
    /// Wilder's average true range over N bars, in price units. Text: `atr:N`.
    case atr(period: Int)
    /// (V_t − mean) / std of the last W volumes (ddof 1). Text: `volz:W`.
    case volumeZScore(window: Int)
    /// Spectral features of the last W log closes (linearly detrended, Hann window): the share of
    /// power in K log-spaced bands, the dominant period in bars, normalized spectral entropy and
    /// the spectral centroid in cycles per bar. Text: `fft:W:K`.
    case spectrum(window: Int, bands: Int)
    /// The close, low-pass filtered in the frequency domain over the last W bars (detrended log
    /// closes, frequencies above C cycles per window removed, trend restored), at the window's last
    /// bar. Text: `lowpass:W:C`.
    case lowPass(window: Int, cutoff: Int)

    /// Whether the feature's values are positive prices or price moves in the series' own units
    /// (sma, ema, atr, lowpass), so that a model trained on one price scale sees inputs from
    /// another as out of range whatever their spread.
    public var isPriceLevel: Bool {
        switch self {
        case .sma, .ema, .atr, .lowPass: true
        default: false
        }
    }

    /// Whether the feature reads the volume.
    public var needsVolume: Bool {
        if case .volumeZScore = self { true } else { false }
    }

    /// The column names this feature adds to a feature matrix.
    public var columnNames: [String] {
        switch self {
        case .logReturn: ["log_return"]
        case .simpleReturn: ["simple_return"]
        case .rollingMean(let w): ["mean_\(w)"]
        case .rollingStd(let w): ["std_\(w)"]
        case .zScore(let w): ["zscore_\(w)"]
        case .sma(let w): ["sma_\(w)"]
        case .ema(let n): ["ema_\(n)"]
        case .rsi(let n): ["rsi_\(n)"]
        case .macd(let f, let s, let g): ["macd_\(f)_\(s)_\(g)", "macd_signal_\(f)_\(s)_\(g)", "macd_hist_\(f)_\(s)_\(g)"]
        case .bollingerPercentB(let w, let k): ["bb_pctb_\(w)_\(Self.format(k))"]
        case .atr(let n): ["atr_\(n)"]
        case .volumeZScore(let w): ["volume_z_\(w)"]
        case .spectrum(let w, let k): (1...k).map { "fft\(w)_band\($0)" } + ["fft\(w)_period", "fft\(w)_entropy", "fft\(w)_centroid"]
        case .lowPass(let w, let c): ["lowpass_\(w)_\(c)"]
        }
    }

    /// Index of the first bar at which every column of the feature is defined.
    public var firstValidIndex: Int {
        switch self {
        case .logReturn, .simpleReturn: 1
        case .rollingMean(let w), .rollingStd(let w): w
        case .zScore(let w), .sma(let w), .bollingerPercentB(let w, _), .volumeZScore(let w): w - 1
        case .ema(let n): n - 1
        case .rsi(let n), .atr(let n): n
        case .macd(_, let s, let g): s + g - 2
        case .spectrum(let w, _), .lowPass(let w, _): w - 1
        }
    }

    /// The compact text form, which parses back to the same feature.
    public var description: String {
        switch self {
        case .logReturn: "returns"
        case .simpleReturn: "simple-returns"
        case .rollingMean(let w): "mean:\(w)"
        case .rollingStd(let w): "std:\(w)"
        case .zScore(let w): "zscore:\(w)"
        case .sma(let w): "sma:\(w)"
        case .ema(let n): "ema:\(n)"
        case .rsi(let n): "rsi:\(n)"
        case .macd(let f, let s, let g): "macd:\(f):\(s):\(g)"
        case .bollingerPercentB(let w, let k): "bbands:\(w):\(Self.format(k))"
        case .atr(let n): "atr:\(n)"
        case .volumeZScore(let w): "volz:\(w)"
        case .spectrum(let w, let k): "fft:\(w):\(k)"
        case .lowPass(let w, let c): "lowpass:\(w):\(c)"
        }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

/// A feature specification that cannot be used, with the reason and a fix.
public struct FeatureSpecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The offending item of the comma-separated list.
    public let item: String
    /// Its 1-based position in the list.
    public let position: Int
    public let message: String
    public let fix: String
    /// The specification is sound but the data cannot give the feature (no Volume column):
    /// fixed by other data as much as by another list.
    public let needsOtherData: Bool

    public init(item: String, position: Int, message: String, fix: String, needsOtherData: Bool = false) {
        (self.item, self.position, self.message, self.fix, self.needsOtherData) = (item, position, message, fix, needsOtherData)
    }

    public var description: String {
        "feature \(position) '\(item)': \(message) (fix: \(fix))"
    }
}

extension FeatureSpec {
    /// Every feature name the text form knows, with its parameters, for help and error messages.
    public static let syntax = "returns, simple-returns, mean:W, std:W, zscore:W, sma:W, ema:N, rsi:N, macd[:F:S:G], "
        + "bbands:W[:k], atr:N, volz:W, fft:W:K, lowpass:W:C"

    /// The longest window, span or period a feature takes (a million-bar window is a typo).
    public static let largestParameter = 100_000

    /// The band widths `bbands` takes, in standard deviations: outside them the bands are either
    /// too narrow for single-precision features or wider than any price moves.
    public static let bandWidths = 0.001...1000.0

    /// Parses one item of a spec list, such as `rsi:14` or `fft:64:8`.
    public static func parse(_ item: String, position: Int = 1) throws -> FeatureSpec {
        let parts = item.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let name = parts[0].lowercased()
        let arguments = Array(parts.dropFirst())
        func fail(_ message: String, _ fix: String) -> FeatureSpecError {
            FeatureSpecError(item: item, position: position, message: message, fix: fix)
        }
        func integers(_ count: ClosedRange<Int>, usage: String) throws -> [Int] {
            guard count.contains(arguments.count) else {
                throw fail("takes \(count.lowerBound == count.upperBound ? "\(count.lowerBound)" : "\(count.lowerBound) to \(count.upperBound)") parameter\(count.upperBound == 1 ? "" : "s")", "write it as \(usage)")
            }
            return try arguments.map { text in
                guard let value = Int(text), value > 0 else { throw fail("'\(text)' is not a positive whole number", "write it as \(usage)") }
                guard value <= Self.largestParameter else {
                    throw fail("\(value) is more than the \(Self.largestParameter) bars a feature may span", "write it as \(usage)")
                }
                return value
            }
        }
        func window(_ usage: String, minimum: Int = 2) throws -> Int {
            let w = try integers(1...1, usage: usage)[0]
            guard w >= minimum else { throw fail("the window must be at least \(minimum) bars, got \(w)", "write it as \(usage) with a larger window") }
            return w
        }
        let spec: FeatureSpec
        switch name {
        case "returns", "return", "logreturns":
            guard arguments.isEmpty else { throw fail("takes no parameters", "write it as returns") }
            spec = .logReturn
        case "simple-returns":
            guard arguments.isEmpty else { throw fail("takes no parameters", "write it as simple-returns") }
            spec = .simpleReturn
        case "mean": spec = .rollingMean(window: try window("mean:20"))
        case "std": spec = .rollingStd(window: try window("std:20"))
        case "zscore": spec = .zScore(window: try window("zscore:20"))
        case "sma": spec = .sma(window: try window("sma:20", minimum: 1))
        case "ema": spec = .ema(span: try window("ema:12", minimum: 1))
        case "rsi": spec = .rsi(period: try window("rsi:14"))
        case "atr": spec = .atr(period: try window("atr:14", minimum: 1))
        case "volz": spec = .volumeZScore(window: try window("volz:20"))
        case "macd":
            if arguments.isEmpty {
                spec = .macd(fast: 12, slow: 26, signal: 9)
            } else {
                let v = try integers(3...3, usage: "macd:12:26:9")
                guard v[0] < v[1] else { throw fail("the fast span \(v[0]) must be shorter than the slow span \(v[1])", "write it as macd:12:26:9") }
                spec = .macd(fast: v[0], slow: v[1], signal: v[2])
            }
        case "bbands":
            guard (1...2).contains(arguments.count), let w = Int(arguments[0]), w >= 2, w <= Self.largestParameter else {
                throw fail("needs a window of at least 2 bars and an optional width", "write it as bbands:20 or bbands:20:2")
            }
            let k = arguments.count == 2 ? Double(arguments[1]) : 2
            guard let width = k, width > 0, width.isFinite else { throw fail("the band width must be a positive number", "write it as bbands:20:2") }
            guard Self.bandWidths.contains(width) else {
                throw fail("a band width of \(width) standard deviations is outside \(Self.bandWidths.lowerBound)–\(Int(Self.bandWidths.upperBound))",
                           "write it as bbands:20:2 (the usual width)")
            }
            spec = .bollingerPercentB(window: w, width: width)
        case "fft":
            let v = try integers(2...2, usage: "fft:64:8")
            let (w, k) = (v[0], v[1])
            guard w >= 8 else { throw fail("the window must be at least 8 bars, got \(w)", "write it as fft:64:8") }
            // One band holds all the power: its share would be a column of ones.
            guard k >= 2 else { throw fail("one band holds all of the spectrum's power, so its share is always 1", "use 2 bands or more, for example fft:\(w):\(max(2, Int(log2(Double(w / 2)))))") }
            guard SpectralFeatures.bandEdges(window: w, bands: k) != nil else {
                // Suggestions that pass: the most bands this window takes (2 always fit: w ≥ 8), and
                // the shortest doubling of the window that takes these bands.
                let fewer = (2..<k).last { SpectralFeatures.bandEdges(window: w, bands: $0) != nil } ?? 2
                let longer = sequence(first: 2 * w) { $0 * 2 }.prefix { $0 <= Self.largestParameter }
                    .first { SpectralFeatures.bandEdges(window: $0, bands: k) != nil }
                throw fail("\(k) log-spaced bands over the \(w / 2) frequencies of a \(w)-bar window leave a band empty",
                           longer.map { "use fewer bands or a longer window, for example fft:\(w):\(fewer) or fft:\($0):\(k)" }
                               ?? "use fewer bands, for example fft:\(w):\(fewer)")
            }
            spec = .spectrum(window: w, bands: k)
        case "lowpass":
            let v = try integers(2...2, usage: "lowpass:64:4")
            guard v[0] >= 8 else { throw fail("the window must be at least 8 bars, got \(v[0])", "write it as lowpass:64:4") }
            guard v[1] < v[0] / 2 else {
                throw fail("the cutoff \(v[1]) must be below the \(v[0] / 2) cycles a \(v[0])-bar window holds", "write it as lowpass:\(v[0]):\(max(1, v[0] / 16))")
            }
            spec = .lowPass(window: v[0], cutoff: v[1])
        default:
            throw fail("is not a known feature", "use one of: \(syntax)")
        }
        return spec
    }

    /// Parses a comma-separated list such as `returns,rsi:14,fft:64:8`.
    public static func parseList(_ text: String) throws -> [FeatureSpec] {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !items.allSatisfy(\.isEmpty) else {
            throw FeatureSpecError(item: text, position: 1, message: "the list is empty", fix: "name at least one feature, for example returns,rsi:14")
        }
        var specs: [FeatureSpec] = []
        for (index, item) in items.enumerated() {
            guard !item.isEmpty else {
                throw FeatureSpecError(item: item, position: index + 1, message: "is empty", fix: "remove the extra comma")
            }
            let spec = try parse(item, position: index + 1)
            guard !specs.contains(spec) else {
                throw FeatureSpecError(item: item, position: index + 1, message: "repeats an earlier feature", fix: "list each feature once")
            }
            specs.append(spec)
        }
        return specs
    }
}
