import Foundation
import Testing
@testable import SibylKernels
@testable import SibylNeural

@Suite("Safetensors checkpoints")
struct CheckpointTests {
    func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-\(UUID())-\(name)").path
    }

    func randomModel(_ cell: RecurrentCell, seed: UInt64 = 4) -> RecurrentModel {
        var generator = SeededGenerator(seed: seed)
        return RecurrentModel(RecurrentModelConfiguration(cell: cell, inputSize: 3, hiddenSize: 5, layers: 2, dropout: 0.1),
                              generator: &generator)
    }

    @Test("write, read back: identical tensors, metadata and predictions", arguments: RecurrentCell.allCases)
    func roundTrip(cell: RecurrentCell) throws {
        let model = randomModel(cell)
        let path = temporaryPath("model.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.checkpoint(metadata: ["feature_spec": "returns,rsi:14", "seed": "7"]).write(to: path)
        let checkpoint = try Checkpoint.read(contentsOf: path)
        #expect(checkpoint.metadata["feature_spec"] == "returns,rsi:14")
        #expect(checkpoint.metadata["sibyl.model.cell"] == cell.rawValue)
        let loaded = try RecurrentModel(checkpoint: checkpoint, file: path)
        #expect(loaded.configuration == model.configuration)
        for (a, b) in zip(model.parameters, loaded.parameters) { #expect(a.value.array == b.value.array && a.name == b.name) }
        let x = AlignedBuffer<Float>((0..<(4 * 2 * 3)).map { Float($0) / 10 - 1 })
        defer { withExtendedLifetime((model, loaded, x)) {} }  // forward returns a pointer into the model
        #expect(Array(model.forward(x.baseAddress, steps: 4, batch: 2)) == Array(loaded.forward(x.baseAddress, steps: 4, batch: 2)))
    }

    @Test("a checkpoint written by PyTorch loads into Sibyl and predicts as PyTorch did", arguments: RecurrentCell.allCases)
    func fromPyTorch(cell: RecurrentCell) throws {
        let fixture = try TorchFixture.load(cell)
        let url = try #require(Bundle.module.url(forResource: "Fixtures/torch_\(cell.rawValue)", withExtension: "safetensors"))
        let model = try RecurrentModel(checkpoint: Checkpoint.read(contentsOf: url.path), file: url.path)
        #expect(model.configuration.cell == cell && model.configuration.layers == fixture.L && model.configuration.hiddenSize == fixture.H)
        let x = AlignedBuffer<Float>(fixture.x.floats)
        defer { withExtendedLifetime((model, x)) {} }  // forward returns a pointer into the model
        let prediction = Array(model.forward(x.baseAddress, steps: fixture.T, batch: fixture.B))
        let difference = largestDifference(prediction, fixture.model.prediction.floats)
        print("\(cell): PyTorch checkpoint in Sibyl, largest prediction difference \(difference)")
        #expect(difference < 1e-5)
    }

    @Test("a checkpoint written by Sibyl loads into torch.nn with strict=True and predicts the same",
          arguments: RecurrentCell.allCases)
    func intoPyTorch(cell: RecurrentCell) throws {
        guard let python = TorchPython.find() else {
            print("skipped: no Python with torch and safetensors (set SIBYL_TORCH_PYTHON to one to run this check)")
            return
        }
        let model = randomModel(cell, seed: 11)
        let (t, b, f) = (6, 3, 3)
        var generator = SeededGenerator(seed: 2)
        let x = AlignedBuffer<Float>(count: t * b * f)
        generator.fillNormal(x.buffer)
        let prediction = Array(model.forward(x.baseAddress, steps: t, batch: b))
        let checkpointPath = temporaryPath("sibyl.safetensors"), casePath = temporaryPath("case.json")
        defer { try? FileManager.default.removeItem(atPath: checkpointPath); try? FileManager.default.removeItem(atPath: casePath) }
        try model.checkpoint().write(to: checkpointPath)
        let caseObject: [String: Any] = ["x": ["shape": [t, b, f], "data": x.array.map(Double.init)],
                                         "prediction": ["shape": [b, 1], "data": prediction.map(Double.init)]]
        try JSONSerialization.data(withJSONObject: caseObject).write(to: URL(fileURLWithPath: casePath))
        let script = try #require(Bundle.module.url(forResource: "Fixtures/check_sibyl_checkpoint", withExtension: "py"))
        let output = try TorchPython.run(python, [script.path, checkpointPath, casePath])
        let result = try #require(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Double], "\(output)")
        let difference = try #require(result["max_abs_diff"])
        print("\(cell): Sibyl checkpoint in PyTorch (strict=True), largest prediction difference \(difference)")
        #expect(difference < 1e-5)
    }

    @Test("truncated, corrupt and mismatched files are refused with a clear message")
    func badFiles() throws {
        let model = randomModel(.lstm)
        let good = try model.checkpoint().serialized()
        func error(_ bytes: Data) -> String? {
            do {
                let checkpoint = try Checkpoint.parse(bytes, file: "bad.safetensors")
                try model.load(checkpoint, file: "bad.safetensors")
                return nil
            } catch let error as CheckpointError {
                #expect(error.description.hasPrefix("bad.safetensors: error:") && error.description.contains("fix:"))
                return error.message
            } catch {
                return "\(error)"
            }
        }
        #expect(error(good) == nil)
        #expect(error(good.prefix(5))?.contains("truncated") == true)
        #expect(error(good.prefix(good.count - 3))?.contains("truncated") == true)
        // Cut in the middle of the data, several tensors run past the end: the message names the
        // first of them in the file, the same one every time.
        let half = try #require(error(good.prefix(good.count / 2)))
        let written = model.checkpoint().tensors
        let cutAt = written.reduce(0) { $0 + $1.value.count * 4 } - (good.count - good.count / 2)
        // The tensors in the order they were written; the first whose bytes run past the cut.
        var offset = 0
        var first: String?
        for (name, value) in written {
            offset += value.count * 4
            if offset > cutAt { first = name; break }
        }
        #expect(half.contains("truncated: tensor '\(try #require(first))'"), "\(half)")
        for _ in 0..<5 { #expect(error(good.prefix(good.count / 2)) == half) }
        var badLength = good
        badLength[7] = 0x7f
        #expect(error(badLength)?.contains("header claims") == true)
        // A data file passed as the model: named as text, with the fix that data goes to --data.
        #expect(error(Data("Date,Open,High,Low,Close\n2020-01-02,1,1,1,1\n".utf8)) == "is a text file (Date,Open,High,Low,Close…), not a safetensors checkpoint")
        #expect(error(Data([0xEF, 0xBB, 0xBF] + Array("Date,Close\n2020-01-02,1\n2020-01-03,1\n".utf8))) == "is a text file (Date,Close…), not a safetensors checkpoint")
        var badJSON = good
        badJSON[8] = UInt8(ascii: "[")
        #expect(error(badJSON)?.contains("not a JSON object") == true)
        let headerLength = Int(good[0]) | Int(good[1]) << 8
        let headerText = String(decoding: good[8..<(8 + headerLength)], as: UTF8.self)
        func withHeader(_ text: String) -> Data {
            var padded = Array(text.utf8)
            while padded.count % 8 != 0 { padded.append(UInt8(ascii: " ")) }
            var data = Data()
            withUnsafeBytes(of: UInt64(padded.count).littleEndian) { data.append(contentsOf: $0) }
            data.append(contentsOf: padded)
            data.append(good[(8 + headerLength)...])
            return data
        }
        #expect(error(withHeader(headerText.replacingOccurrences(of: "\"F32\"", with: "\"BF16\"")))?.contains("dtype BF16") == true)
        var generator = SeededGenerator(seed: 99)
        let other = RecurrentModel(RecurrentModelConfiguration(cell: .lstm, inputSize: 3, hiddenSize: 6, layers: 2), generator: &generator)
        #expect(error(try other.checkpoint().serialized())?.contains("expects") == true)
        var renamed = model.checkpoint()
        renamed.tensors[0].name = "weight_ih_l7"
        #expect(error(try renamed.serialized())?.contains("missing") == true)
        var extra = model.checkpoint()
        extra.tensors.append(("stray", Tensor(shape: [1], scalars: [0])))
        #expect(error(try extra.serialized())?.contains("does not belong") == true)
        // Bytes no tensor claims (safetensors requires the data to be covered exactly), and weights
        // that are not numbers.
        #expect(error(good + Data([0, 0, 0, 0]))?.contains("after the last tensor belong to no tensor") == true)
        var notANumber = good
        notANumber.replaceSubrange((good.count - 4)..<good.count, with: [0x00, 0x00, 0xC0, 0x7F])
        #expect(error(notANumber)?.contains("must be finite") == true)
        // Sizes in the metadata that the tensors contradict.
        for (key, value) in [("hidden_size", "9"), ("input_size", "1"), ("num_layers", "3")] {
            var checkpoint = model.checkpoint()
            checkpoint.metadata["sibyl.model." + key] = value
            let refused = try #require(throws: CheckpointError.self) { try RecurrentModel.configuration(of: checkpoint, file: "bad.safetensors") }
            #expect(refused.message.hasPrefix("the metadata gives \(key) \(value) but the tensors have"), "\(refused)")
        }
    }
}

@Test("an empty tensor may sit anywhere in the data; a gap between tensors is corruption")
func emptyTensorsAndGaps() throws {
    func file(_ header: String, dataBytes: Int) -> Data {
        var bytes = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: Array(header.utf8))
        bytes.append(Data(count: dataBytes))
        return bytes
    }
    let empty = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}"#
    let parsed = try Checkpoint.parse(file(empty, dataBytes: 8), file: "empty.safetensors")
    #expect(parsed.tensor(named: "b")?.shape == [0] && parsed.tensor(named: "a")?.scalars == [0, 0])
    let gap = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
    #expect(throws: CheckpointError.self) { try Checkpoint.parse(file(gap, dataBytes: 12), file: "gap.safetensors") }
}

/// A Python that can import torch and safetensors, for the interoperability check.
enum TorchPython {
    static func find() -> String? {
        var candidates: [String] = []
        if let configured = ProcessInfo.processInfo.environment["SIBYL_TORCH_PYTHON"] { candidates.append(configured) }
        let peers = ProcessInfo.processInfo.environment["PEERS_HOME"] ?? NSHomeDirectory() + "/.cache/sibyl-peers"
        candidates += [peers + "/venv/bin/python", "/usr/bin/python3"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) && (try? run($0, ["-c", "import torch, safetensors"])) != nil }
    }

    /// Standard output of a successful run; throws when the process fails.
    static func run(_ python: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
        return String(decoding: data, as: UTF8.self)
    }
}

@Test("an empty weight whose other dimension is huge is refused before a model is built from it (it took no bytes)")
func emptyWeightWithHugeShape() throws {
    var generator = SeededGenerator(seed: 5)
    let model = RecurrentModel(RecurrentModelConfiguration(cell: .gru, inputSize: 3, hiddenSize: 4, layers: 2), generator: &generator)
    for (name, shape) in [("weight_ih_l0", [0, 1 << 40]), ("weight_hh_l1", [12, 0]), ("weight_ih_l1", [12, 5])] {
        var checkpoint = model.checkpoint()
        let index = try #require(checkpoint.tensors.firstIndex { $0.name == name })
        checkpoint.tensors[index].value = Tensor(shape: shape, scalars: Array(repeating: 0, count: shape.reduce(1, *)))
        let parsed = try Checkpoint.parse(try checkpoint.serialized(), file: "crafted.safetensors")
        let error = #expect(throws: CheckpointError.self) { try RecurrentModel.configuration(of: parsed, file: "crafted.safetensors") }
        #expect(error?.message.contains("\(name) has shape \(shape)") == true, "\(error?.message ?? "no error")")
    }
}

@Test("a header whose shape overflows or is fractional is an error, not a crash")
func hostileHeaders() {
    for header in [#"{"weight_ih_l0":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#,
                   #"{"weight_ih_l0":{"dtype":"F32","shape":[2.5,4],"data_offsets":[0,40]}}"#] {
        var bytes = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: Array(header.utf8))
        bytes.append(Data(count: 64))
        #expect(throws: CheckpointError.self) { try Checkpoint.parse(bytes, file: "hostile.safetensors") }
    }
}
