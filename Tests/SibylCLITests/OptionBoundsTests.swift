import Foundation
import Testing

/// Values past what the arithmetic or the machine can take are refused in one line, not trapped
/// on or run into wrong numbers.
@Suite("Option and metadata bounds")
struct OptionBoundsTests {
    static let spx = datasetsFolder.appendingPathComponent("SPX_daily.csv").path

    @Test("out-of-range options are one line naming the option, with a usage or error status", arguments: [
        (["bench", "--min-time", "inf"], "--min-time is at most 600"),
        (["bench", "--threads", "1,3000000000"], "--threads takes whole numbers from 1 to 256"),
        (["bench", "--elements", "100000000000"], "--elements is at most"),
        (["bench", "--suites", "fft", "--fft-batch", "9223372036854775807"], "--fft-batch is at most"),
        (["backtest", "--strategy", "forecast", "--retrain-every", "9223372036854775807"], "--retrain-every is a number of bars"),
        (["backtest", "--cash", "1e308"], "--cash is an amount"),
        (["backtest", "--cash", "1e-320"], "--cash is an amount"),
        (["backtest", "--periods-per-year", "1e-320"], "--periods-per-year is a number"),
        (["backtest", "--strategy", "zscore", "--z-entry", "inf"], "--z-entry (finite)"),
        (["train", "--threads", "300", "--out", "/tmp/unused.safetensors"], "--threads is at most 256; got 300"),
        (["forecast", "--hidden", "0"], "--hidden must be at least 1; got 0"),
        (["backtest", "--strategy", "forecast", "--batch-size", "-3"], "--batch-size must be at least 1; got -3"),
        (["train", "--clip", "inf", "--out", "/tmp/unused.safetensors"], "--clip is a finite gradient norm"),
        (["train", "--optimizer", "adamw", "--weight-decay", "1e6", "--out", "/tmp/unused.safetensors"], "--learning-rate 0.001 × --weight-decay 1e+06 = 1000: each step would take that share of every weight away"),
        (["train", "--optimizer", "sgd", "--learning-rate", "0.5", "--weight-decay", "2", "--out", "/tmp/unused.safetensors"], "--learning-rate 0.5 × --weight-decay 2 = 1"),
        (["train", "--optimizer", "adamw", "--learning-rate", "200", "--out", "/tmp/unused.safetensors"], "--weight-decay 0.01 (adamw's default) = 2"),
        (["train", "--learning-rate", "0x10", "--out", "/tmp/unused.safetensors"], "'0x10' is a hexadecimal number"),
        (["train", "--learning-rate", "1e-300", "--out", "/tmp/unused.safetensors"], "--learning-rate 1e-300 is below the smallest normal 32-bit float"),
        (["train", "--learning-rate", "1e-39", "--out", "/tmp/unused.safetensors"], "is below the smallest normal 32-bit float"),
        (["train", "--learning-rate", "-2", "--out", "/tmp/unused.safetensors"], "--learning-rate must be a positive number; got -2.0"),
        (["backtest", "--commission=-0x1p-3"], "is a hexadecimal number"),
        (["bench", "--filter", " "], "--filter is empty, and every case's name holds it"),
        (["bench", "--suites", "csv", "--csv-file", "-"], "--csv-file - names standard input or output, and the benchmark reads its file once per repeat"),
        (["backtest", "--slow", "9223372036854775807"], "--slow is a number of bars, at most 10000000; got 9223372036854775807"),
        (["backtest", "--strategy", "zscore", "--z-window", "9223372036854775807"], "--z-window is a number of bars, at most 10000000"),
        (["train", "--seed", "-1", "--out", "/tmp/unused.safetensors"], "'-1' is invalid for '--seed <seed>': it is negative; a seed is a whole number from 0 to 18446744073709551615"),
        (["forecast", "--seed", "1.5"], "it is not a whole number; a seed is a whole number from 0"),
        (["backtest", "--strategy", "forecast", "--seed", "18446744073709551616"], "it is past 2^64 − 1; a seed is a whole number from 0"),
    ])
    func refused(arguments: [String], expected: String) throws {
        let run = try runSibyl(arguments)
        #expect(run.status == 64 || run.status == 1, "status \(run.status): \(run.standardError)")
        #expect(run.standardError.contains(expected), "\(run.standardError)")
        #expect(!run.standardError.contains("Fatal error"))
    }

    @Test("a path that reads like a hexadecimal number is a path", arguments: [false, true])
    func hexadecimalLookingPath(joined: Bool) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-hex-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(atPath: Self.spx, toPath: folder.appendingPathComponent("0x1p3").path)
        let data = joined ? ["--data=0x1p3"] : ["--data", "0x1p3"]
        let run = try runSibyl(["inspect"] + data, in: folder)
        #expect(run.status == 0 && run.standardOutput.contains("5031 valid bars"), "\(run.standardError)")
        let number = try runSibyl(["inspect", "--data", "0x1p3", "--json", "--repair", "0x1"], in: folder)
        #expect(number.status == 64 && number.standardError.contains("'0x1' is a hexadecimal number"), "\(number.standardError)")
    }

    // About 52 GB of weights, gradients and optimizer state: only where that is too much.
    @Test("a model too large for this machine's memory is refused before anything is allocated",
          .enabled(if: ProcessInfo.processInfo.physicalMemory < 60_000_000_000))
    func modelTooLarge() throws {
        let run = try runSibyl(["train", "--hidden", "4096", "--layers", "16", "--out", "/tmp/unused.safetensors"])
        #expect(run.status == 64 && run.standardError.contains("needs about 52 GB"), "\(run.standardError)")
    }

    // About 3,500 windows of 2,000 bars in one batch, 1,024 LSTM units: some 1,300 GB.
    @Test("batches whose activations would not fit in memory are refused before training, naming the batch and window",
          .enabled(if: ProcessInfo.processInfo.physicalMemory < 1_000_000_000_000))
    func activationsTooLarge() throws {
        let msft = datasetsFolder.appendingPathComponent("MSFT_daily.csv").path
        let run = try runSibyl(["train", "--data", msft, "--window", "2000", "--batch-size", "4096", "--hidden", "1024", "--out", "/tmp/unused.safetensors"])
        #expect(run.status == 1 && run.standardError.contains("of activations for backpropagation through time")
                && run.standardError.contains("windows of 2000 bars") && run.standardError.contains("--batch-size"), "\(run.standardError)")
    }

    // With `ulimit -v` at 1.5 GB: an H=1024 4-layer LSTM's weights and optimizer state (0.8 GB)
    // pass, its activations for batches of 64 windows of 64 bars (1.5 GB more) do not.
    @Test("a memory limit tighter than the machine is what training is checked against: one line naming it, not a trap")
    func addressSpaceLimit() throws {
        let spx = datasetsFolder.appendingPathComponent("SPX_daily.csv").path
        let run = try runSibyl(["train", "--data", spx, "--epochs", "1", "--hidden", "1024", "--layers", "4", "--out", "/tmp/unused.safetensors"],
                               launcher: ["/bin/bash", "-c", "ulimit -v 1500000 && exec \"$0\" \"$@\""])
        #expect(run.status == 1 && run.standardError.contains("of activations for backpropagation through time beside 0.8 GB of weights")
                && run.standardError.contains("and this process may use 1.5 GB (its memory limit)"), "status \(run.status): \(run.standardError)")
        #expect(!run.standardError.contains("Fatal error"))
    }

    @Test("the csv benchmark's file must read: a bad one is its reader's error, not a trap")
    func benchFile() throws {
        let bad = try temporaryFile("x,y\n1,2\n")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let run = try runSibyl(["bench", "--suites", "csv", "--csv-file", bad, "--min-time", "0.01", "--repeats", "1"])
        #expect(run.status == 1 && run.standardError.contains("\(bad):1: error: no Date column"), "\(run.standardError)")
        let missingFolder = try runSibyl(["bench", "--suites", "csv", "--csv-file", "/no-such-folder/bench.csv"])
        #expect(missingFolder.status == 1 && missingFolder.standardError.contains("does not exist"), "\(missingFolder.standardError)")
    }

    @Test("checkpoint metadata that training never writes is refused naming the key", arguments: [
        ("train_fingerprint_bars", "9223372036854775807"), ("train_fingerprint_bars", "-5"), ("train_targets", "-5"),
        ("train_up_share", "2"), ("bar_spacing_seconds", "nan"), ("settings.dropout", "5"), ("settings.featureSpec", "returns,rsi:14"),
        ("feature_spec", "wobble7"), ("train_samples", "garbage"), ("train_fingerprints", "1262304000:zz"),
        ("train_end", "9999-99-99"), ("train_start", "garbage"), ("validation_end", "2019-02-30"), ("train_end", "2018-12-31T25:00:00"),
        ("bar_spacing_seconds", "1e-300"), ("bar_spacing_seconds", "1e30"), ("target_center", "1e300"), ("target_scale", "1e300"),
    ])
    func damagedProvenance(key: String, value: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-provenance-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("good.safetensors").path
        let trained = try runSibyl(["train", "--data", Self.spx, "--epochs", "1", "--hidden", "4", "--window", "8", "--features", "returns",
                                    "--out", good])
        try #require(trained.status == 0, "\(trained.standardError)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        var header = try #require(JSONSerialization.jsonObject(with: bytes[8..<(8 + length)]) as? [String: Any])
        var metadata = try #require(header["__metadata__"] as? [String: String])
        if key.hasPrefix("settings.") {
            // A field of the settings' JSON.
            let field = String(key.dropFirst("settings.".count))
            var settings = try #require(JSONSerialization.jsonObject(with: Data(metadata["sibyl.forecast.settings"]!.utf8)) as? [String: Any])
            settings[field] = Double(value) ?? value as Any
            metadata["sibyl.forecast.settings"] = String(decoding: try JSONSerialization.data(withJSONObject: settings), as: UTF8.self)
        } else {
            metadata["sibyl.forecast.\(key)"] = value
        }
        let path = folder.appendingPathComponent("damaged.safetensors").path
        func write(_ metadata: [String: String]) throws {
            header["__metadata__"] = metadata
            let text = try JSONSerialization.data(withJSONObject: header)
            var damaged = Data(withUnsafeBytes(of: UInt64(text.count).littleEndian) { Array($0) })
            damaged.append(text)
            damaged.append(bytes[(8 + length)...])
            try damaged.write(to: URL(fileURLWithPath: path))
        }
        // Another file name, so that the in-sample check reads the fingerprints.
        let copy = folder.appendingPathComponent("copy.csv").path
        try FileManager.default.copyItem(atPath: Self.spx, toPath: copy)
        // The checksum the file records no longer matches.
        try write(metadata)
        let checked = try runSibyl(["forecast", "--model-file", path, "--data", copy])
        #expect(checked.status == 1 && checked.standardError.contains("their SHA-256 differs from the one the file records"), "\(checked.standardError)")
        // Without it (edited by hand, the checksum removed), each value is checked on its own.
        metadata["sibyl.forecast.checksum"] = nil
        try write(metadata)
        let run = try runSibyl(["forecast", "--model-file", path, "--data", copy])
        // A feature list that does not parse is the checkpoint's fault, not the data's.
        let expected = key == "settings.dropout" ? "the metadata's dropout 5.0 is not in [0, 1)"
            : key == "settings.featureSpec" ? "the metadata's settings name the features 'returns,rsi:14'"
            : key == "feature_spec" ? "error: feature 1 'wobble7' of the feature list of \(path): "
            : key.hasPrefix("target_") ? "is larger than any log return of prices Sibyl reads" : "the metadata's \(key) '\(value)'"
        #expect(key != "feature_spec" || run.standardError.hasSuffix("(fix: train the model again)\n"), "\(run.standardError)")
        #expect(run.status == 1 && run.standardError.contains(expected), "\(run.standardError)")
    }
}
