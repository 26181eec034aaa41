import Foundation
import Testing

@Suite("sibyl features, end to end")
struct FeaturesCommandTests {
    @Test("MSFT with an FFT spec: a CSV of valid rows with named columns, and a JSON summary")
    func msftSpectral() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-features-\(UUID()).csv").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = try runSibyl(["features", "--data", datasetsFolder.appendingPathComponent("MSFT_daily.csv").path,
                                "--spec", "returns,rsi:14,fft:64:8", "--out", out, "--json"])
        #expect(run.status == 0, "\(run.standardError)")
        let summary = try #require(JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        #expect(summary["warmUpRows"] as? Int == 63)
        #expect(summary["rowsWritten"] as? Int == 7983 - 63)
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 7983 - 63 + 1)
        let header = lines[0].split(separator: ",").map(String.init)
        #expect(header == ["Date", "log_return", "rsi_14"] + (1...8).map { "fft64_band\($0)" } + ["fft64_period", "fft64_entropy", "fft64_centroid"])
        // The first written row is bar 64 of the file (index 63), and nothing is NaN.
        #expect(lines[1].hasPrefix("1986-06-12,"))
        #expect(!lines.contains { $0.contains("nan") })
        // Band shares of each row sum to 1.
        for line in lines.dropFirst().prefix(50) {
            let values = line.split(separator: ",").dropFirst().compactMap { Double($0) }
            #expect(abs(values[2..<10].reduce(0, +) - 1) < 1e-9)
        }
    }

    @Test("a bad spec is refused with the feature's position and a fix", arguments: ["rsi:14,fft:16:8", "returns,rsj"])
    func badSpec(spec: String) throws {
        let run = try runSibyl(["features", "--spec", spec])
        #expect(run.status == 1)
        #expect(run.standardError.contains("--spec: feature 2"))
        #expect(run.standardError.contains("fix:"))
        #expect(run.standardOutput.isEmpty)
    }

    @Test("volume features on a file without volume fail clearly")
    func noVolume() throws {
        let path = try temporaryFile("Date,Open,High,Low,Close\n2020-01-02,1,1,1,1\n2020-01-03,1,1,1,1\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try runSibyl(["features", "--data", path, "--spec", "volz:2"])
        #expect(run.status == 1)
        #expect(run.standardError.contains("no Volume column"))
    }
}

@Test("two runs of the default features give identical files (FFT plans chosen without timing)")
func featuresReproduce() throws {
    let first = try runSibyl(["features"])
    let second = try runSibyl(["features"])
    #expect(first.status == 0 && second.status == 0)
    #expect(first.standardOutput == second.standardOutput && first.standardOutput.count > 100_000)
}

@Test("features whose warm-up outlasts the series are an error, not a file of headers")
func warmUpLongerThanSeries() throws {
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-features-\(UUID()).csv").path
    let run = try runSibyl(["features", "--spec", "returns,sma:100000", "--out", out])
    #expect(run.status == 1 && run.standardError.contains("need at least 100000 (99999 of warm-up, then one row)"), "\(run.standardError)")
    #expect(!FileManager.default.fileExists(atPath: out))
}
