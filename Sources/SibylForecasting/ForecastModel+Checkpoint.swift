import Foundation
import SibylData
import SibylFeatures
import SibylNeural

extension ForecastModel {
    private static let prefix = "sibyl.forecast."

    /// The checkpoint: the network's tensors (PyTorch state-dict names) with the feature spec,
    /// scaler, target scaling, settings, seed, data SHA-256 and version in the metadata.
    public func checkpoint() throws -> Checkpoint {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func json(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        var metadata = ["format": "pt"]
        metadata[Self.prefix + "feature_spec"] = pipeline.description
        // The thread count is how a model ran, not what it learned (any count trains the same
        // weights): stored as 1, so that one training gives one file on any machine.
        var stored = settings
        stored.threads = 1
        metadata[Self.prefix + "settings"] = try json(stored)
        metadata[Self.prefix + "scaler"] = try json(scaler)
        metadata[Self.prefix + "target_center"] = String(targetCenter)
        metadata[Self.prefix + "target_scale"] = String(targetScale)
        metadata[Self.prefix + "typical_move"] = String(typicalMove)
        for (key, value) in provenance { metadata[Self.prefix + key] = value }
        var checkpoint = network.checkpoint(metadata: metadata)
        checkpoint.metadata[Self.checksumKey] = Self.contentDigest(checkpoint)
        return checkpoint
    }

    /// The metadata entry that holds ``contentDigest(_:)`` as written.
    static let checksumKey = prefix + "checksum"

    /// The metadata keys Sibyl writes under its prefixes, and has written (`train_fingerprint`,
    /// one stretch's fingerprint before there were several): in a file without a checksum, any
    /// other is damage or an edit.
    static let knownKeys = Set((["feature_spec", "settings", "scaler", "target_center", "target_scale", "typical_move", "checksum", "train_fingerprint"]
        + provenanceKeys).map { prefix + $0 } + ["cell", "input_size", "hidden_size", "num_layers", "dropout", "output_size"].map { "sibyl.model." + $0 })

    /// The largest log return between two prices a series may hold (``BarSeries/priceRange``): ln(1e200).
    static let largestLogReturn = log(BarSeries.priceRange.upperBound / BarSeries.priceRange.lowerBound)

    /// Whether `text` is a timestamp as `Timestamp.isoDate` or `isoDateTime` write one, of a real
    /// calendar date and time.
    static func isTimestamp(_ text: String) -> Bool {
        let parts = text.split(separator: "T", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count) else { return false }
        let date = parts[0].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard date.count == 3, let year = date[0], let month = date[1], let day = date[2],
              (1...9999).contains(year), (1...12).contains(month), (1...31).contains(day) else { return false }
        var (hour, minute, second) = (0, 0, 0)
        if parts.count == 2 {
            let time = parts[1].split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
            guard time.count == 3, let h = time[0], let m = time[1], let s = time[2] else { return false }
            (hour, minute, second) = (h, m, s)
        }
        guard (0..<24).contains(hour), (0..<60).contains(minute), (0..<60).contains(second) else { return false }
        // The round trip rejects days past the month's end (2019-02-30) and unpadded fields.
        let timestamp = Timestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        return (parts.count == 2 ? timestamp.isoDateTime : timestamp.isoDate) == text
    }

    /// What training records of the data it saw (``provenance``).
    static let provenanceKeys = ["data_name", "data_sha256", "prices", "train_start", "train_end", "validation_end", "train_fingerprints",
                                 "train_fingerprint_bars", "train_samples", "train_up_share", "train_targets", "train_flat_share",
                                 "bar_spacing_seconds", "seed", "version"]

    /// SHA-256 of what a checkpoint says, as "sha256-v1:" and 64 hexadecimal digits: every
    /// metadata entry but the checksum, in key order, and every tensor's name, shape and float32
    /// values, in name order, each field preceded by its length. Over values rather than bytes, so
    /// that the same weights saved again (by PyTorch, as float64, in another order) keep it; a
    /// flipped bit in a weight or a digit in the metadata does not.
    static func contentDigest(_ checkpoint: Checkpoint) -> String {
        var bytes: [UInt8] = Array("sibyl checkpoint digest v1".utf8)
        func field(_ part: [UInt8]) {
            withUnsafeBytes(of: UInt64(part.count).littleEndian) { bytes += $0 }
            bytes += part
        }
        for (key, value) in checkpoint.metadata.sorted(by: { $0.key < $1.key }) where key != checksumKey {
            field(Array(key.utf8))
            field(Array(value.utf8))
        }
        for (name, tensor) in checkpoint.tensors.sorted(by: { $0.name < $1.name }) {
            field(Array(name.utf8))
            field(tensor.shape.flatMap { dimension in withUnsafeBytes(of: UInt64(dimension).littleEndian) { Array($0) } })
            var values: [UInt8] = []
            values.reserveCapacity(tensor.count * 4)
            tensor.withUnsafeBufferPointer { scalars in
                for value in scalars { withUnsafeBytes(of: value.bitPattern.littleEndian) { values += $0 } }
            }
            field(values)
        }
        return "sha256-v1:" + SHA256.hexDigest(of: bytes)
    }

    /// Writes the checkpoint atomically.
    public func save(to path: String) throws {
        try checkpoint().write(to: path)
    }

    /// Reads a checkpoint written by `save(to:)`.
    public static func load(contentsOf path: String) throws -> ForecastModel {
        let checkpoint = try Checkpoint.read(contentsOf: path)
        let metadata = checkpoint.metadata
        // A file with a checksum is judged by it (a key from another version of Sibyl included;
        // "none" turns the check off on purpose); without one (PyTorch's files, Sibyl's from before
        // the checksum), a key Sibyl does not write may be the checksum's own, its name damaged.
        switch metadata[checksumKey] {
        case "none":
            break
        case let recorded? where !recorded.hasPrefix("sha256-v1:"):
            throw CheckpointError(file: path, message: "the checksum '\(recorded.prefix(24))…' is not in a form this Sibyl reads (sha256-v1:…): the file is damaged, or from another version",
                                  fix: "train the model again, or set the '\(checksumKey)' entry to none to load the file unchecked")
        case let recorded? where recorded != contentDigest(checkpoint):
            throw CheckpointError(file: path, message: "the weights or metadata are not what was written: their SHA-256 differs from the one the file records ('\(checksumKey)'), so the file is damaged or was edited",
                                  fix: "train the model again or restore the file; weights or metadata changed on purpose (fine-tuned in PyTorch) load once the '\(checksumKey)' entry is set to none")
        case .some:
            break
        case nil:
            if metadata[prefix + "settings"] != nil, let unknown = metadata.keys.sorted().first(where: { !knownKeys.contains($0) && $0 != "format" }) {
                throw CheckpointError(file: path, message: "the metadata has '\(unknown)', which Sibyl does not write, and no checksum: the file is damaged or was edited",
                                      fix: "train the model again or restore the file; a key added on purpose loads once '\(checksumKey)' is set to none")
            }
        }
        func required(_ key: String) throws -> String {
            guard let value = metadata[prefix + key] else {
                throw CheckpointError(file: path, message: "the metadata has no '\(prefix + key)': this is not a Sibyl forecast checkpoint",
                                      fix: "train one with `sibyl train --out FILE`")
            }
            return value
        }
        let decoder = JSONDecoder()
        do {
            let settings = try decoder.decode(ForecastSettings.self, from: Data(try required("settings").utf8))
            let scaler = try decoder.decode(FeatureScaler.self, from: Data(try required("scaler").utf8))
            let pipeline = try FeaturePipeline(parsing: try required("feature_spec"))
            guard let center = Double(try required("target_center")), let scale = Double(try required("target_scale")),
                  let move = Double(try required("typical_move")) else {
                throw CheckpointError(file: path, message: "the target scaling in the metadata is not numeric", fix: "train the model again")
            }
            let network = try RecurrentModel(checkpoint: checkpoint, file: path)
            // Hand-edited or damaged settings must fail here, in one line, not deep inside a forecast.
            func check(_ condition: Bool, _ what: String) throws {
                if !condition {
                    throw CheckpointError(file: path, message: what, fix: "train the model again, or restore the file")
                }
            }
            try check((1...100_000).contains(settings.window), "the metadata's window \(settings.window) is not a whole number of bars from 1 to 100000")
            try check(settings.testFraction > 0 && settings.testFraction < 1 && settings.validationFraction >= 0
                      && settings.validationFraction + settings.testFraction < 1,
                      "the metadata's validation and test shares (\(settings.validationFraction), \(settings.testFraction)) are not shares of the data")
            try check((1...256).contains(settings.threads), "the metadata's thread count \(settings.threads) is out of range (1 to 256)")
            try check((0..<1).contains(settings.dropout), "the metadata's dropout \(settings.dropout) is not in [0, 1)")
            try check((try? FeaturePipeline(parsing: settings.featureSpec))?.description == pipeline.description,
                      "the metadata's settings name the features '\(settings.featureSpec)' and its feature list '\(pipeline)'; they must agree")
            try check(center.isFinite && scale.isFinite && scale > 0 && move.isFinite && move >= 0,
                      "the metadata's target scaling (center \(center), scale \(scale), typical move \(move)) is not finite and positive")
            // Prices lie within BarSeries.priceRange (1e-100 to 1e100), so their log returns (the
            // typical move, and a return model's targets) within ±461, and a price model's center
            // (the training closes' mean) and scale (their deviation) within the range's top: a
            // scaling past that was not written by training.
            let prices = BarSeries.priceRange
            if settings.target == .nextClose {
                try check(center >= prices.lowerBound && center <= prices.upperBound && scale <= prices.upperBound && move <= Self.largestLogReturn,
                          "the metadata's target scaling (center \(center), scale \(scale), typical move \(move)) is outside the prices Sibyl reads (1e-100 to 1e100) for a next-close model")
            } else {
                try check(abs(center) <= Self.largestLogReturn && scale <= 2 * Self.largestLogReturn && move <= Self.largestLogReturn,
                          "the metadata's target scaling (center \(center), scale \(scale), typical move \(move)) is larger than any log return of prices Sibyl reads (±\(Int(Self.largestLogReturn)))")
            }
            try check(network.configuration.outputSize == 1,
                      "the head has \(network.configuration.outputSize) outputs; a forecast model has one (head.weight of shape (1, H))")
            let features = network.configuration.inputSize
            try check(pipeline.columnNames.count == features,
                      "the metadata's feature list '\(pipeline)' gives \(pipeline.columnNames.count) features but the network reads \(features)")
            try check(scaler.center.count == features && scaler.scale.count == features && scaler.constant.count == features,
                      "the metadata's scaler has \(scaler.center.count) centers, \(scaler.scale.count) scales and \(scaler.constant.count) constancy marks for the network's \(features) features")
            try check(scaler.center.allSatisfy(\.isFinite) && scaler.scale.allSatisfy { $0.isFinite && $0 > 0 },
                      "the metadata's scaler holds values that are not finite, or scales that are not positive")
            try check(settings.hiddenSize == network.configuration.hiddenSize && settings.layers == network.configuration.layers
                      && settings.cell == network.configuration.cell,
                      "the metadata's settings (\(settings.cell.rawValue), hidden \(settings.hiddenSize), \(settings.layers) layers) disagree with its tensors")
            network.threads = settings.threads
            var provenance: [String: String] = [:]
            for key in Self.provenanceKeys {
                provenance[key] = metadata[prefix + key]
            }
            // Numbers the checks and messages read: present ones must be what training writes.
            func number<T: LosslessStringConvertible>(_ key: String, _ type: T.Type, _ valid: (T) -> Bool, _ meaning: String) throws {
                guard let text = provenance[key] else { return }
                try check(T(text).map(valid) == true, "the metadata's \(key) '\(text)' is not \(meaning)")
            }
            try number("train_fingerprint_bars", Int.self, { (1...1_000_000).contains($0) }, "a stretch length from 1 to 1000000 bars")
            try number("train_targets", Int.self, { $0 >= 1 }, "a count of training targets")
            try number("train_up_share", Double.self, { $0 > 0 && $0 < 1 }, "a share between 0 and 1")
            try number("train_flat_share", Double.self, { $0 >= 0 && $0 <= 1 }, "a share from 0 to 1")
            // Timestamps are whole seconds within the years 1 to 9999: no two bars lie further apart
            // than 10,000 years.
            try number("bar_spacing_seconds", Double.self, { $0 >= 1 && $0 <= 315_569_520_000 }, "a number of seconds from 1 (timestamps are whole seconds) to 315569520000 (10,000 years)")
            // The training span's dates, which the overlap checks compare as text: each as the
            // series' timestamps are written, a real date (and time).
            for key in ["train_start", "train_end", "validation_end"] {
                guard let text = provenance[key] else { continue }
                try check(Self.isTimestamp(text), "the metadata's \(key) '\(text.prefix(40))' is not a date written YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS")
            }
            // The records the training-data checks read: entries "seconds:hash" and "seconds:close".
            func entries(_ key: String, _ valid: (Substring) -> Bool, _ meaning: String) throws {
                // (A training span too short for one fingerprinted stretch records none.)
                guard let text = provenance[key], !text.isEmpty else { return }
                let parts = text.split(separator: ";", omittingEmptySubsequences: false)
                let bad = parts.first { entry in
                    let pair = entry.split(separator: ":", omittingEmptySubsequences: false)
                    return pair.count != 2 || Int64(pair[0]) == nil || !valid(pair[1])
                }
                try check(bad == nil, "the metadata's \(key) '\(bad.map { String($0.prefix(40)) } ?? "")' is not \(meaning)")
            }
            try entries("train_fingerprints", { $0.count == 16 && $0.allSatisfy(\.isHexDigit) }, "a time and a 16-digit hexadecimal fingerprint (entries seconds:hash, joined by ;)")
            try entries("train_samples", { Double($0).map { $0 > 0 && $0.isFinite } == true }, "a time and a positive close (entries seconds:close, joined by ;)")
            let model = ForecastModel(settings: settings, pipeline: pipeline, scaler: scaler, network: network, targetCenter: center,
                                      targetScale: scale, typicalMove: move, provenance: provenance)
            model.loadedFromFile = true
            return model
        } catch let error as DecodingError {
            let place: String = switch error {
            case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context), .valueNotFound(_, let context):
                context.codingPath.map(\.stringValue).joined(separator: ".") + (context.codingPath.isEmpty ? "" : ": ") + context.debugDescription
            @unknown default: "\(error)"
            }
            throw CheckpointError(file: path, message: "the settings, scaler or feature list in the metadata cannot be read (\(place))", fix: "train the model again")
        }
    }
}
