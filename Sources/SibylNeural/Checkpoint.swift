import Foundation
import SibylKernels

/// A problem with a checkpoint file: where, what, and how to fix it.
public struct CheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
    public let file: String
    public let message: String
    public let fix: String

    public init(file: String, message: String, fix: String) {
        self.file = file
        self.message = message
        self.fix = fix
    }

    public var description: String { "\(file): error: \(message) (fix: \(fix))" }
}

/// Model weights in the safetensors format: an 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and byte range, then the raw little-endian data. Free-form
/// string metadata sits in the header's `__metadata__`.
///
/// Tensor names follow PyTorch's state dicts (`weight_ih_l0`, …, `head.weight`), so a file
/// written here loads into `torch.nn.LSTM`/`GRU` plus `nn.Linear`, and the reverse.
public struct Checkpoint: Sendable {
    /// Tensors in file order.
    public var tensors: [(name: String, value: Tensor<Float>)]
    public var metadata: [String: String]

    public init(tensors: [(name: String, value: Tensor<Float>)], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor named `name`.
    public func tensor(named name: String) -> Tensor<Float>? {
        tensors.first { $0.name == name }?.value
    }

    // MARK: - Writing

    /// The file's bytes.
    public func serialized() throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for (name, value) in tensors {
            let bytes = value.count * 4
            header[name] = ["dtype": "F32", "shape": value.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad the header with spaces so that the tensor data starts 8-byte aligned.
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var data = Data()
        data.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for (_, value) in tensors {
            value.withUnsafeBufferPointer { buffer in
                for scalar in buffer { withUnsafeBytes(of: scalar.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            }
        }
        return data
    }

    /// Writes the file atomically: a temporary file beside it, then a rename, so that a reader never
    /// sees half a checkpoint.
    public func write(to path: String) throws {
        do {
            try serialized().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError(file: path, message: "cannot write the checkpoint: \(error.localizedDescription)",
                                  fix: "check that the folder exists and is writable")
        }
    }

    // MARK: - Reading

    /// Reads and validates a safetensors file: a truncated, corrupt or unsupported file is an
    /// error naming what is wrong.
    public static func read(contentsOf path: String) throws -> Checkpoint {
        guard let data = FileManager.default.contents(atPath: path) else {
            var folder: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &folder)
            if exists && folder.boolValue {
                throw CheckpointError(file: path, message: "is a folder, not a checkpoint file",
                                      fix: "give --model-file the .safetensors file that `sibyl train --out` wrote")
            }
            // The reason, as the system gives it (permission denied, an I/O error).
            var reason = "no such file"
            if exists {
                let descriptor = open(path, O_RDONLY)
                reason = descriptor >= 0 ? "cannot be read" : "cannot be read: " + String(cString: strerror(errno))
                if descriptor >= 0 { close(descriptor) }
            }
            throw CheckpointError(file: path, message: reason, fix: "check the path given to --model-file")
        }
        return try parse(data, file: path)
    }

    /// Parses safetensors bytes.
    public static func parse(_ data: Data, file: String) throws -> Checkpoint {
        func fail(_ message: String, _ fix: String = "write the checkpoint again (sibyl train --out FILE)") -> CheckpointError {
            CheckpointError(file: file, message: message, fix: fix)
        }
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw fail("the file is truncated: \(bytes.count) bytes, shorter than the 8-byte header length") }
        let headerLength = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            // A safetensors file opens with a little-endian length; text opens with printable bytes.
            // (after a UTF-8 byte-order mark, as spreadsheets write one)
            let text = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
            if text.prefix(64).allSatisfy({ (0x20..<0x7F).contains($0) || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
                let firstLine = text.prefix(24).prefix { $0 != 0x0A && $0 != 0x0D }
                throw fail("is a text file (\(String(decoding: firstLine, as: UTF8.self))…), not a safetensors checkpoint",
                           "pass the .safetensors file `sibyl train --out` wrote; data goes to --data")
            }
            throw fail("the file is truncated or not a safetensors file: the header claims \(headerLength) bytes but only \(bytes.count - 8) follow")
        }
        let headerEnd = 8 + Int(headerLength)
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd])),
              let header = object as? [String: Any] else {
            throw fail("the header is not a JSON object: the file is corrupt or not a safetensors file")
        }
        let payload = bytes.count - headerEnd
        var metadata: [String: String] = [:]
        var entries: [(name: String, dtype: String, shape: [Int], start: Int, end: Int)] = []
        // In name order, so that a damaged file gets the same message every time.
        for (name, value) in header.sorted(by: { $0.key < $1.key }) {
            if name == "__metadata__" {
                guard let values = value as? [String: Any] else { throw fail("__metadata__ is not an object of strings") }
                for (key, entry) in values.sorted(by: { $0.key < $1.key }) {
                    guard let text = entry as? String else { throw fail("metadata '\(key)' is not a string") }
                    metadata[key] = text
                }
                continue
            }
            /// Whole numbers only: 2.7 or 1e30 in a shape is corruption, not something to round.
            func integers(_ value: Any?) -> [Int]? {
                guard let items = value as? [Any] else { return nil }
                let numbers = items.compactMap { item -> Int? in
                    guard let number = item as? NSNumber, let exact = Int(exactly: number.doubleValue) else { return nil }
                    return exact
                }
                return numbers.count == items.count ? numbers : nil
            }
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = integers(info["shape"]), let offsets = integers(info["data_offsets"]), offsets.count == 2 else {
                throw fail("tensor '\(name)' has a malformed entry (it needs a dtype, a shape and two data_offsets, all whole numbers)")
            }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("tensor '\(name)' has a negative dimension in shape \(shape)") }
            var elements = 1
            for dimension in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                guard !overflow, product <= payload else { throw fail("tensor '\(name)' has shape \(shape), larger than the file") }
                elements = product
            }
            let itemSize: Int
            switch dtype {
            case "F32": itemSize = 4
            case "F64": itemSize = 8
            default:
                throw fail("tensor '\(name)' has dtype \(dtype); Sibyl reads F32 and F64",
                           "save the weights as float32 (in PyTorch: model.float() before saving)")
            }
            let (start, end) = (offsets[0], offsets[1])
            let expected = elements * itemSize
            guard start >= 0, end >= start, end - start == expected else {
                throw fail("tensor '\(name)' spans bytes \(start)..<\(end) but its shape \(shape) of \(dtype) needs \(expected) bytes")
            }
            entries.append((name, dtype, shape, start, end))
        }
        // The first tensor in the file's order that runs past its end.
        if let cut = entries.sorted(by: { ($0.start, $0.name) < ($1.start, $1.name) }).first(where: { $0.end > payload }) {
            throw fail("the file is truncated: tensor '\(cut.name)' ends at byte \(cut.end) of the data, which holds only \(payload)")
        }
        // Empty tensors take no bytes and can sit anywhere; the others must tile the data exactly,
        // as the safetensors format requires (a gap or trailing bytes mean a damaged file).
        let stored = entries.filter { $0.end > $0.start }.sorted { $0.start < $1.start }
        for (previous, next) in zip(stored, stored.dropFirst()) where next.start < previous.end {
            throw fail("tensors '\(previous.name)' and '\(next.name)' overlap: the file is corrupt")
        }
        var covered = 0
        for entry in stored {
            guard entry.start == covered else {
                throw fail("\(entry.start - covered) bytes before tensor '\(entry.name)' belong to no tensor: the file is corrupt")
            }
            covered = entry.end
        }
        guard covered == payload else {
            throw fail("\(payload - covered) byte\(payload - covered == 1 ? "" : "s") after the last tensor belong\(payload - covered == 1 ? "s" : "") to no tensor: the file is corrupt or was appended to")
        }
        let tensors = try entries.sorted { $0.start < $1.start }.map { entry -> (name: String, value: Tensor<Float>) in
            let count = entry.shape.reduce(1, *)
            let base = headerEnd + entry.start
            let scalars: [Float] = (0..<count).map { i in
                if entry.dtype == "F32" {
                    let raw = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[base + 4 * i + $1]) << (8 * UInt32($1)) }
                    return Float(bitPattern: raw)
                }
                let raw = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[base + 8 * i + $1]) << (8 * UInt64($1)) }
                return Float(Double(bitPattern: raw))
            }
            if let bad = scalars.firstIndex(where: { !$0.isFinite }) {
                throw fail("tensor '\(entry.name)' holds \(scalars[bad]) at element \(bad): weights must be finite numbers",
                           "train the model again (a float64 value too large for float32 also becomes infinite)")
            }
            return (entry.name, Tensor(shape: entry.shape, scalars: scalars))
        }
        return Checkpoint(tensors: tensors, metadata: metadata)
    }
}

extension RecurrentModel {
    /// Metadata keys under which a checkpoint records the model's shape.
    static let metadataPrefix = "sibyl.model."

    /// A checkpoint of every parameter, with the model's configuration and `metadata` in the header.
    public func checkpoint(metadata: [String: String] = [:]) -> Checkpoint {
        var header = metadata
        let c = configuration
        header[Self.metadataPrefix + "cell"] = c.cell.rawValue
        header[Self.metadataPrefix + "input_size"] = String(c.inputSize)
        header[Self.metadataPrefix + "hidden_size"] = String(c.hiddenSize)
        header[Self.metadataPrefix + "num_layers"] = String(c.layers)
        header[Self.metadataPrefix + "dropout"] = String(c.dropout)
        header[Self.metadataPrefix + "output_size"] = String(c.outputSize)
        return Checkpoint(tensors: parameters.map { ($0.name, $0.tensor) }, metadata: header)
    }

    /// The configuration a checkpoint describes: from Sibyl's metadata when present, otherwise
    /// from the tensor shapes (a checkpoint written by PyTorch).
    public static func configuration(of checkpoint: Checkpoint, file: String) throws -> RecurrentModelConfiguration {
        func fail(_ message: String) -> CheckpointError {
            CheckpointError(file: file, message: message, fix: "use a checkpoint of an nn.LSTM or nn.GRU with a Linear head named 'head'")
        }
        guard let weightIH = checkpoint.tensor(named: "weight_ih_l0"), weightIH.shape.count == 2,
              let weightHH = checkpoint.tensor(named: "weight_hh_l0"), weightHH.shape.count == 2 else {
            throw fail("no weight_ih_l0 and weight_hh_l0 tensors of rank 2")
        }
        let hidden = weightHH.shape[1]
        guard hidden > 0, weightHH.shape[0] % hidden == 0 else { throw fail("weight_hh_l0 has shape \(weightHH.shape), not (G·H, H)") }
        let cell: RecurrentCell
        switch weightHH.shape[0] / hidden {
        case 4: cell = .lstm
        case 3: cell = .gru
        default: throw fail("weight_hh_l0 has \(weightHH.shape[0] / hidden) gate blocks; LSTM has 4, GRU 3")
        }
        var layers = 0
        while checkpoint.tensor(named: "weight_ih_l\(layers)") != nil { layers += 1 }
        guard let head = checkpoint.tensor(named: "head.weight"), head.shape.count == 2 else { throw fail("no head.weight tensor of rank 2") }
        let dropout = checkpoint.metadata[metadataPrefix + "dropout"].flatMap(Double.init) ?? 0
        guard weightIH.shape[1] > 0, head.shape[0] > 0, head.shape[1] == hidden else {
            throw fail("weight_ih_l0 \(weightIH.shape) or head.weight \(head.shape) does not fit a model of \(hidden) hidden units")
        }
        guard (0..<1).contains(dropout) else { throw fail("the metadata gives dropout \(dropout), outside [0, 1)") }
        // Every layer's shapes before any model is built from them: a shape with a zero in it
        // takes no bytes, so the file's size bounds nothing until the shapes are known to agree.
        let gates = weightHH.shape[0]
        for layer in 0..<layers {
            let inputs = layer == 0 ? weightIH.shape[1] : hidden
            for (name, expected) in [("weight_ih_l\(layer)", [gates, inputs]), ("weight_hh_l\(layer)", [gates, hidden])] {
                guard let shape = checkpoint.tensor(named: name)?.shape, shape == expected else {
                    throw fail("\(name) has shape \(checkpoint.tensor(named: name)?.shape.description ?? "none"); a \(cell.rawValue) of \(hidden) hidden units needs \(expected)")
                }
            }
        }
        let configuration = RecurrentModelConfiguration(cell: cell, inputSize: weightIH.shape[1], hiddenSize: hidden, layers: layers,
                                                        dropout: dropout, outputSize: head.shape[0])
        if let recorded = checkpoint.metadata[metadataPrefix + "cell"], recorded != cell.rawValue {
            throw fail("the metadata says \(recorded) but the tensors have the shapes of a \(cell.rawValue)")
        }
        for (key, value) in [("input_size", configuration.inputSize), ("hidden_size", hidden), ("num_layers", layers)] {
            if let recorded = checkpoint.metadata[metadataPrefix + key], Int(recorded) != value {
                throw CheckpointError(file: file, message: "the metadata gives \(key) \(recorded) but the tensors have \(value)",
                                      fix: "restore the file or train the model again; a checkpoint edited by hand needs its '\(metadataPrefix + key)' to match its tensors")
            }
        }
        return configuration
    }

    /// Copies a checkpoint's tensors into this model, checking that every parameter is there with
    /// its shape and that nothing else is.
    public func load(_ checkpoint: Checkpoint, file: String) throws {
        for parameter in parameters {
            guard let tensor = checkpoint.tensor(named: parameter.name) else {
                throw CheckpointError(file: file, message: "tensor '\(parameter.name)' is missing",
                                      fix: "use a checkpoint written for a \(configuration.layers)-layer \(configuration.cell.rawValue) with a head")
            }
            guard tensor.shape == parameter.shape else {
                throw CheckpointError(file: file, message: "tensor '\(parameter.name)' has shape \(tensor.shape) but the model expects \(parameter.shape)",
                                      fix: "use a checkpoint written for this model's sizes (cell, inputs, hidden, layers)")
            }
        }
        let expected = Set(parameters.map(\.name))
        if let extra = checkpoint.tensors.first(where: { !expected.contains($0.name) }) {
            throw CheckpointError(file: file, message: "tensor '\(extra.name)' does not belong to a \(configuration.layers)-layer \(configuration.cell.rawValue) with a head",
                                  fix: "use a checkpoint written for this model")
        }
        for parameter in parameters { parameter.load(checkpoint.tensor(named: parameter.name)!) }
    }

    /// A model with the configuration and weights of a checkpoint.
    public convenience init(checkpoint: Checkpoint, file: String) throws {
        var generator = SeededGenerator(seed: 0)
        self.init(try Self.configuration(of: checkpoint, file: file), generator: &generator)
        try load(checkpoint, file: file)
    }
}
