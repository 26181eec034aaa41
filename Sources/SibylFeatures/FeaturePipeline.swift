import Foundation
import SibylData

/// An ordered list of features, computed together into a ``FeatureMatrix``.
public struct FeaturePipeline: Sendable, Equatable, Codable, CustomStringConvertible {
    public let specs: [FeatureSpec]

    /// The features used when none are named: scale-free, so that a model trained on one price
    /// level carries over to another.
    public static let defaultSpecText = "returns,std:20,zscore:20,rsi:14,bbands:20,volz:20,fft:64:8"

    /// This pipeline without the features that need volume (for a series without it), and the
    /// features left out; nil when it has none or nothing else.
    public func withoutVolumeFeatures() -> (pipeline: FeaturePipeline, leftOut: [FeatureSpec])? {
        let kept = specs.filter { !$0.needsVolume }
        guard kept.count < specs.count, !kept.isEmpty else { return nil }
        return (FeaturePipeline(kept), specs.filter { !kept.contains($0) })
    }

    /// The error for this pipeline's first volume feature when every bar of `series` has a volume
    /// of 0 (its column would be zeros, learned from as if it said something); nil otherwise. Not
    /// checked by `compute`: a prefix of a series whose volume starts later is all zeros.
    public func zeroVolumeProblem(in series: BarSeries) -> FeatureSpecError? {
        guard let volume = series.volume, volume.allSatisfy({ $0 == 0 }), let index = specs.firstIndex(where: \.needsVolume) else { return nil }
        let item = specs[index].description
        return FeatureSpecError(item: item, position: index + 1, message: "needs volume, but every bar of \(series.name) has a volume of 0",
                                fix: "remove \(item) from the feature list, or use a file with volume", needsOtherData: true)
    }

    /// The error for this pipeline's first range feature (`atr`) when every bar of `series` has its
    /// high equal to its low (a file of closes only: the true range would be the move from the
    /// close before, not a range); nil otherwise. Checked on the whole file, as the volume is.
    public func noRangeProblem(in series: BarSeries) -> FeatureSpecError? {
        guard let index = specs.firstIndex(where: { if case .atr = $0 { true } else { false } }), series.barsHaveNoRange else { return nil }
        let item = specs[index].description
        return FeatureSpecError(item: item, position: index + 1, message: "needs each bar's high and low, but every bar of \(series.name) has its high equal to its low (closes only?)",
                                fix: "remove \(item) from the feature list, or use a file with highs and lows", needsOtherData: true)
    }

    public init(_ specs: [FeatureSpec]) {
        precondition(!specs.isEmpty, "a pipeline needs at least one feature")
        self.specs = specs
    }

    /// A pipeline from the compact text form, such as `returns,rsi:14,fft:64:8`.
    public init(parsing text: String) throws {
        self.init(try FeatureSpec.parseList(text))
    }

    /// The compact text form.
    public var description: String { specs.map(\.description).joined(separator: ",") }

    /// Every column name, in order. Names two features would share (fft:64:8 and fft:64:4 both
    /// have fft64_period) get the later feature's parameters appended, so that every column of a
    /// CSV has its own name.
    public var columnNames: [String] {
        var seen = Set<String>()
        var names: [String] = []
        for spec in specs {
            let own = spec.columnNames
            let clashes = own.contains { seen.contains($0) }
            let suffix = "_" + spec.description.split(separator: ":").dropFirst().joined(separator: "_")
            for name in own {
                let unique = clashes ? name + suffix : name
                names.append(unique)
                seen.insert(unique)
            }
        }
        return names
    }

    /// The indices of the columns in price units (``FeatureSpec/isPriceLevel``).
    public var priceLevelColumns: Set<Int> {
        var columns = Set<Int>(), index = 0
        for spec in specs {
            let count = spec.columnNames.count
            if spec.isPriceLevel { columns.formUnion(index..<(index + count)) }
            index += count
        }
        return columns
    }

    /// First row at which every feature is defined.
    public var warmUp: Int { specs.map(\.firstValidIndex).max() ?? 0 }

    /// Encoded as its compact text form, so checkpoints and JSON stay readable.
    public init(from decoder: Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Computes every feature over `series`.
    ///
    /// - Throws: ``FeatureSpecError`` when a feature needs what the series lacks (volume).
    public func compute(_ series: BarSeries) throws -> FeatureMatrix {
        let close = series.close
        var logCloseCache: [Double]?
        var logReturnCache: [Double]?
        func logClose() -> [Double] {
            if let cached = logCloseCache { return cached }
            let value = close.map { log($0) }
            logCloseCache = value
            return value
        }
        func logReturns() -> [Double] {
            if let cached = logReturnCache { return cached }
            let value = ClassicFeatures.logReturns(close)
            logReturnCache = value
            return value
        }
        var columns: [[Double]] = []
        for (index, spec) in specs.enumerated() {
            switch spec {
            case .logReturn: columns.append(logReturns())
            case .simpleReturn: columns.append(ClassicFeatures.simpleReturns(close))
            case .rollingMean(let w): columns.append(ClassicFeatures.rollingMean(logReturns(), window: w, start: 1))
            case .rollingStd(let w): columns.append(ClassicFeatures.rollingStd(logReturns(), window: w, start: 1))
            case .zScore(let w): columns.append(ClassicFeatures.rollingZScore(close, window: w))
            case .sma(let w): columns.append(ClassicFeatures.rollingMean(close, window: w))
            case .ema(let n): columns.append(ClassicFeatures.ema(close, span: n))
            case .rsi(let n): columns.append(ClassicFeatures.rsi(close, period: n))
            case .macd(let f, let s, let g): columns += ClassicFeatures.macd(close, fast: f, slow: s, signal: g)
            case .bollingerPercentB(let w, let k): columns.append(ClassicFeatures.bollingerPercentB(close, window: w, width: k))
            case .atr(let n): columns.append(ClassicFeatures.atr(high: series.high, low: series.low, close: close, period: n))
            case .volumeZScore(let w):
                guard let volume = series.volume else {
                    throw FeatureSpecError(item: spec.description, position: index + 1,
                                           message: "needs volume, but \(series.name) has no Volume column",
                                           fix: "remove \(spec.description) from the feature list, or use a file with a Volume column",
                                           needsOtherData: true)
                }
                columns.append(ClassicFeatures.rollingZScore(volume, window: w))
            case .spectrum(let w, let k): columns += SpectralFeatures.spectrum(logClose: logClose(), window: w, bands: k)
            case .lowPass(let w, let c): columns.append(SpectralFeatures.lowPass(logClose: logClose(), window: w, cutoff: c))
            }
        }
        return FeatureMatrix(names: columnNames, timestamps: series.timestamps, columns: columns,
                             warmUp: min(warmUp, series.count))
    }
}
