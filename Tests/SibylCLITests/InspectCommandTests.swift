import Foundation
import Testing

/// The repository's `Datasets/` folder.
let datasetsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Datasets")

/// Writes `text` to a fresh temporary file and returns its path.
func temporaryFile(_ text: String, suffix: String = ".csv") throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-test-\(UUID())\(suffix)").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

@Suite("sibyl inspect, end to end")
struct InspectCommandTests {
    @Test("every bundled dataset passes, with its row count and frequency", arguments: [
        ("SPX_daily", 5031, "252 bars a year"), ("MSFT_daily", 7983, "252 bars a year"),
        ("GOOGL_daily", 2335, "252 bars a year"), ("EURUSD_hourly", 6225, "hourly"),
    ])
    func datasets(name: String, bars: Int, frequency: String) throws {
        let run = try runSibyl(["inspect", "--data", datasetsFolder.appendingPathComponent("\(name).csv").path])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains("OK: \(bars) valid bars"))
        #expect(run.standardOutput.contains(frequency))
    }

    @Test("without --data it reads the bundled S&P 500 series, from any folder")
    func bundledDefault() throws {
        let run = try runSibyl(["inspect", "--json"])
        #expect(run.status == 0, "\(run.standardError)")
        let summary = try #require(JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        #expect(summary["bars"] as? Int == 5031)
        #expect(summary["first"] as? String == "1999-01-04")
    }

    @Test("a bad file gives one line with file, line and column, and exit status 1")
    func badFile() throws {
        let path = try temporaryFile("Date,Open,High,Low,Close,Volume\n2020-01-02,10,11,9,10.5,1000\n2020-01-03,10.5,12,10,abc,1500\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try runSibyl(["inspect", "--data", path])
        #expect(run.status == 1)
        let lines = run.standardError.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("\(path):3:5: error: Close 'abc' is not a number") == true)
        #expect(run.standardOutput.isEmpty)
    }

    @Test("--repair drop reports each dropped row and succeeds")
    func repairDrop() throws {
        let path = try temporaryFile("Date,Open,High,Low,Close,Volume\n2020-01-02,10,11,9,10.5,1000\n2020-01-03,10.5,12,10,abc,1500\n2020-01-06,10,11,9,10.5,1000\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try runSibyl(["inspect", "--data", path, "--repair", "drop"])
        #expect(run.status == 0)
        #expect(run.standardError.contains("\(path):3: dropped row"))
        #expect(run.standardOutput.contains("OK: 2 valid bars"))
    }

    @Test("a missing file is an error naming it")
    func missingFile() throws {
        let run = try runSibyl(["inspect", "--data", "/no/such/prices.csv"])
        #expect(run.status == 1)
        #expect(run.standardError.contains("/no/such/prices.csv: error: no such file"))
    }
}

@Test("the dataset bundled with the tool is byte for byte Datasets/SPX_daily.csv")
func bundledCopyMatchesDatasets() throws {
    let bundled = datasetsFolder.deletingLastPathComponent().appendingPathComponent("Sources/sibyl/Resources/SPX_daily.csv")
    #expect(try Data(contentsOf: bundled) == Data(contentsOf: datasetsFolder.appendingPathComponent("SPX_daily.csv")))
}

@Test("a pipe is read to its end, as `--data <(zcat prices.csv.gz)` gives one")
func readsFromPipe() throws {
    let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-fifo-\(UUID())").path
    try #require(mkfifo(fifo, 0o600) == 0)
    defer { try? FileManager.default.removeItem(atPath: fifo) }
    let text = try String(contentsOf: datasetsFolder.appendingPathComponent("GOOGL_daily.csv"), encoding: .utf8)
    let writer = Thread {
        if let handle = FileHandle(forWritingAtPath: fifo) {
            handle.write(Data(text.utf8))
            try? handle.close()
        }
    }
    writer.start()
    let run = try runSibyl(["inspect", "--data", fifo])
    #expect(run.status == 0 && run.standardOutput.contains("bars        2335"), "\(run.standardError)")
}
