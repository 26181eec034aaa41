import Foundation
import SibylKernels
import Testing

@Suite("sibyl bench, end to end")
struct BenchCommandTests {
    @Test("--json prints one document with the OpenBLAS core and a record per case and thread count")
    func jsonDocument() throws {
        let run = try runSibyl(["bench", "--suites", "gemm", "fft", "elementwise", "--filter", "64",
                                "--threads", "1,2", "--min-time", "0.001", "--repeats", "1", "--elements", "4096", "--json"])
        #expect(run.status == 0, "stderr: \(run.standardError)")
        let document = try #require(JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        let environment = try #require(document["env"] as? [String: Any])
        #expect((environment["openBLASCore"] as? String)?.isEmpty == false)
        let records = try #require(document["records"] as? [[String: Any]])
        let keys = records.compactMap { $0["key"] as? [String: Any] }
        // Every selected case ran at both thread counts.
        for threads in [1, 2] {
            #expect(keys.contains { $0["suite"] as? String == "gemm" && $0["shape"] as? String == "square_64" && $0["threads"] as? Int == threads })
            #expect(keys.contains { $0["suite"] as? String == "fft" && $0["n"] as? Int == 64 && $0["threads"] as? Int == threads })
        }
        // The recurrent layers' own products run once, at one thread (each call is single-threaded).
        let panel = keys.filter { $0["shape"] as? String == "panel_lstm_fwd_b64_in32_h128" }
        #expect(panel.count == 1 && panel.first?["kernel"] as? String == "panel" && panel.first?["threads"] as? Int == 1)
        #expect(keys.contains { $0["shape"] as? String == "dW_lstm_T64_b64_in32_h128" && $0["kernel"] as? String == "dW" })
        for record in records {
            let metrics = try #require(record["metrics"] as? [String: Double])
            #expect(!metrics.isEmpty && metrics.values.allSatisfy { $0.isFinite && $0 > 0 })
        }
        // Progress goes to standard error, never into the JSON.
        #expect(run.standardError.contains("[1/"))
    }

    @Test("the table names the OpenBLAS core, the thread column and units")
    func table() throws {
        let run = try runSibyl(["bench", "--suites", "elementwise", "--filter", "sigmoid", "--threads", "1",
                                "--min-time", "0.001", "--repeats", "1", "--elements", "1000"])
        #expect(run.status == 0)
        #expect(run.standardOutput.contains("OpenBLAS core:"))
        #expect(run.standardOutput.contains("ns/element"))
        #expect(run.standardOutput.contains("naive sigmoid"))
    }

    @Test("a thread count or suite given twice runs once; a count above the processors is noted")
    func repeatedCounts() throws {
        let processors = availableProcessors
        let run = try runSibyl(["bench", "--suites", "elementwise", "elementwise", "--filter", "sigmoid backward",
                                "--threads", "1,1,\(processors + 1)", "--min-time", "0.001", "--repeats", "1", "--elements", "1000", "--json"])
        #expect(run.status == 0, "\(run.standardError)")
        let document = try #require(JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        let records = try #require(document["records"] as? [[String: Any]])
        let threads = records.compactMap { ($0["key"] as? [String: Any])?["threads"] as? Int }
        #expect(threads == [1, processors + 1], "\(threads)")
        #expect(run.standardError.contains("note: --threads \(processors + 1) is more than the \(processors == 1 ? "1 processor" : "\(processors) processors") this process may use"))
    }

    /// The first processor this process may run on (Cpus_allowed_list in /proc/self/status: "0-1",
    /// "2,5-7"), which a CPU-pinned container need not have as 0.
    static var firstAllowedProcessor: Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return nil }
        return Int(line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces).prefix { $0.isNumber })
    }

    @Test("run on one processor of several (taskset), the tool counts one: the header says so and two threads draw the note",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") && ProcessInfo.processInfo.processorCount > 1
                   && firstAllowedProcessor != nil))
    func affinityMask() throws {
        let one = ["/usr/bin/taskset", "-c", "\(try #require(Self.firstAllowedProcessor))"]
        let run = try runSibyl(["bench", "--suites", "elementwise", "--filter", "sigmoid backward", "--threads", "2",
                                "--min-time", "0.001", "--repeats", "1", "--elements", "1000"], launcher: one)
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardError.contains("note: --threads 2 is more than the 1 processor this process may use"), "\(run.standardError)")
        #expect(run.standardOutput.contains("(\(ProcessInfo.processInfo.processorCount) CPUs, 1 available to this process)"), "\(run.standardOutput)")
        let json = try runSibyl(["bench", "--suites", "elementwise", "--filter", "sigmoid backward", "--threads", "1",
                                 "--min-time", "0.001", "--repeats", "1", "--elements", "1000", "--json"], launcher: one)
        let document = try #require(JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let environment = try #require(document["env"] as? [String: Any])
        #expect(environment["availableProcessors"] as? Int == 1, "\(environment)")
    }

    @Test("the csv suite's file is written only when a case will read it, and said so; its case is found by the name the table shows")
    func csvFileAndName() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-bench-\(UUID()).csv").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let filtered = try runSibyl(["bench", "--suites", "csv", "--csv-file", file, "--filter", "no such case"])
        #expect(filtered.status == 1 && !FileManager.default.fileExists(atPath: file))
        let name = URL(fileURLWithPath: file).lastPathComponent
        let run = try runSibyl(["bench", "--suites", "csv", "--csv-file", file, "--filter", name, "--min-time", "0.001", "--repeats", "1"])
        #expect(run.status == 0 && run.standardError.contains("note: wrote 1000000 synthetic bars to \(file)"), "\(run.standardError)")
        #expect(run.standardOutput.contains("read + validate \(name), 1000000 rows"), "\(run.standardOutput)")
        // A file that does not validate is named with a fix bench can follow (it takes no --repair).
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-bench-bad-\(UUID()).csv").path
        defer { try? FileManager.default.removeItem(atPath: bad) }
        try "Date,Open,High,Low,Close,Volume\n2020-01-02,1,0.5,2,1,5\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try runSibyl(["bench", "--suites", "csv", "--csv-file", bad])
        #expect(refused.status == 1 && refused.standardError.contains("\(bad):2:3: error: high 0.5 is below open 1.0")
                && refused.standardError.contains("the csv suite reads its file as it is") && !refused.standardError.contains("--repair"),
                "\(refused.standardError)")
    }

    @Test("the backtest suite's three modes time the same run: each reports its trades, the one open at the end included; a typed --threads is told it runs on one")
    func backtestTrades() throws {
        let run = try runSibyl(["bench", "--suites", "backtest", "--min-time", "0.001", "--repeats", "1", "--threads", "1,2", "--json"])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardError.contains("note: the backtest suite runs on one thread whatever --threads"), "\(run.standardError)")
        let document = try #require(JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        let records = try #require(document["records"] as? [[String: Any]])
        let trades = records.compactMap { ($0["metrics"] as? [String: Any])?["trades"] as? Double }
        #expect(records.count == 3 && trades.count == 3 && Set(trades).count == 1 && trades[0] > 1000, "\(trades)")
    }

    @Test("--configs, --gemm-sizes and --fft-sizes choose the shapes, as the peer scripts' options do; repeats run once; suites by spaces or commas")
    func chosenShapes() throws {
        let run = try runSibyl(["bench", "--suites", "recurrent", "gemm,fft", "--threads", "1", "--min-time", "0.001", "--repeats", "1",
                                "--configs", "3,12,2,7,5;4,8,1,9,3;3,12,2,7,5", "--gemm-sizes", "48,48", "--fft-sizes", "63", "--json"])
        #expect(run.status == 0, "\(run.standardError)")
        let document = try #require(JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        let keys = try #require(document["records"] as? [[String: Any]]).compactMap { $0["key"] as? [String: Any] }
        let recurrent = keys.filter { $0["suite"] as? String == "recurrent" }.map { key in
            ["input", "hidden", "layers", "seq", "batch"].map { key[$0] as? Int ?? -1 }
        }
        // Two cells, two modes, two distinct configurations in the order given.
        #expect(recurrent.count == 8)
        #expect(Set(recurrent.map { $0.map(String.init).joined(separator: ",") }) == ["3,12,2,7,5", "4,8,1,9,3"])
        #expect(recurrent.first == [3, 12, 2, 7, 5])
        let squares = keys.compactMap { $0["shape"] as? String }.filter { $0.hasPrefix("square_") }
        #expect(squares == ["square_48"])
        #expect(keys.filter { $0["suite"] as? String == "fft" }.compactMap { $0["n"] as? Int } == [63])
    }

    @Test("a malformed option is refused with a message and a non-zero exit", arguments: [
        ["--threads", "1,x"], ["--threads", "0"], ["--repeats", "0"], ["--suites", "nonsense"],
        ["--threads", "1,,2"], ["--threads", "1,"], ["--threads", ",1"], ["--threads", ""],
        ["--configs", "8,64,1,64"], ["--configs", "8,64,1,64,64;"], ["--configs", "8,0,1,64,64"], ["--configs", "8,64,1,64,64,1"],
        ["--configs", "4096,4096,64,100000,100000"], ["--gemm-sizes", "0"], ["--gemm-sizes", "64,,128"], ["--fft-sizes", "1"],
        ["--fft-sizes", "64,x"], ["--suites", "gemm,nonsense"], ["--suites", "gemm,"],
    ])
    func badOptions(arguments: [String]) throws {
        let run = try runSibyl(["bench"] + arguments)
        #expect(run.status != 0)
        #expect(run.standardError.contains("Error"))
    }
}
