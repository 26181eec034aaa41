import Foundation
import Testing

/// Outputs never destroy what they should not: the input, another output, a link, a device, a
/// read-only file, or earlier outputs of a run that fails.
@Suite("Output files")
struct OutputFileTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-outputs-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// A short price file: the first 300 rows of MSFT.
    func prices(_ name: String) throws -> String {
        let text = try String(contentsOf: datasetsFolder.appendingPathComponent("MSFT_daily.csv"), encoding: .utf8)
        let path = file(name)
        try (text.split(separator: "\n").prefix(301).joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("an output that is the input, by its name, another path or a link, is refused and the input is untouched")
    func outputIsInput() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try prices("prices.csv")
        let before = try Data(contentsOf: URL(fileURLWithPath: data))
        try FileManager.default.createSymbolicLink(atPath: file("link.csv"), withDestinationPath: data)
        let runs = [
            ["features", "--data", data, "--spec", "returns", "--out", folder.appendingPathComponent("../\(folder.lastPathComponent)/prices.csv").path],
            ["features", "--data", file("link.csv"), "--spec", "returns", "--out", data],
            ["train", "--data", data, "--epochs", "1", "--hidden", "2", "--window", "4", "--features", "returns", "--out", file("link.csv")],
            ["backtest", "--data", data, "--equity", data],
        ]
        for arguments in runs {
            let run = try runSibyl(arguments)
            #expect(run.status == 1 && run.standardError.contains("is the file --data reads"), "\(arguments): \(run.standardError)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: data)) == before)
    }

    @Test("two outputs naming one file are refused before any work")
    func duplicateOutputs() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try prices("prices.csv")
        let run = try runSibyl(["backtest", "--data", data, "--trades", file("same.csv"), "--report", file("./same.csv")])
        #expect(run.status == 1 && run.standardError.contains("--trades and --report both name"), "\(run.standardError)")
        #expect(!FileManager.default.fileExists(atPath: file("same.csv")))
    }

    @Test("a link keeps pointing at its target, which is written; a replaced file keeps its permissions; a device is written in place")
    func linksModesDevices() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try prices("prices.csv")
        try FileManager.default.createSymbolicLink(atPath: file("link.csv"), withDestinationPath: "target.csv")
        #expect(try runSibyl(["features", "--data", data, "--spec", "returns", "--out", file("link.csv")]).status == 0)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: file("link.csv")) == "target.csv")
        #expect(try String(contentsOfFile: file("target.csv"), encoding: .utf8).hasPrefix("Date,log_return\n"))

        try "private\n".write(toFile: file("private.csv"), atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file("private.csv"))
        #expect(try runSibyl(["features", "--data", data, "--spec", "returns", "--out", file("private.csv")]).status == 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: file("private.csv"))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try String(contentsOfFile: file("private.csv"), encoding: .utf8).hasPrefix("Date,log_return\n"))

        let discarded = try runSibyl(["features", "--data", data, "--spec", "returns", "--out", "/dev/null"])
        #expect(discarded.status == 0, "\(discarded.standardError)")
        var status = stat()
        #expect(stat("/dev/null", &status) == 0 && status.st_mode & S_IFMT == S_IFCHR)
    }

    @Test("links are followed as the kernel follows them: link/.. is the parent of the target, and a relative target is read from the link's real folder")
    func linksAsTheKernelReadsThem() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try prices("prices.csv")
        let manager = FileManager.default
        for sub in ["work/z", "real/sub", "real/z"] {
            try manager.createDirectory(atPath: file(sub), withIntermediateDirectories: true)
        }
        try manager.createSymbolicLink(atPath: file("work/dirlink"), withDestinationPath: "../real/sub")
        try "precious\n".write(toFile: file("work/precious.csv"), atomically: true, encoding: .utf8)
        try "keep\n".write(toFile: file("work/z/target.csv"), atomically: true, encoding: .utf8)
        try manager.createSymbolicLink(atPath: file("real/sub/rel"), withDestinationPath: "../z/target.csv")
        for out in ["work/dirlink/../precious.csv", "work/dirlink/rel"] {
            let run = try runSibyl(["features", "--data", data, "--spec", "returns", "--out", file(out)])
            #expect(run.status == 0, "\(out): \(run.standardError)")
        }
        // The files named by the kernel's reading were written; the look-alikes beside the link were not.
        #expect(try String(contentsOfFile: file("real/precious.csv"), encoding: .utf8).hasPrefix("Date,log_return"))
        #expect(try String(contentsOfFile: file("real/z/target.csv"), encoding: .utf8).hasPrefix("Date,log_return"))
        #expect(try String(contentsOfFile: file("work/precious.csv"), encoding: .utf8) == "precious\n")
        #expect(try String(contentsOfFile: file("work/z/target.csv"), encoding: .utf8) == "keep\n")
    }

    @Test("a loop of links, a name ending in /, and a read-only file (by its bits, root or not) are refused; /dev/stdout is the process's own output")
    func refusedNamesAndHeldDescriptors() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try prices("prices.csv")
        try FileManager.default.createSymbolicLink(atPath: file("loop-a"), withDestinationPath: "loop-b")
        try FileManager.default.createSymbolicLink(atPath: file("loop-b"), withDestinationPath: "loop-a")
        try "kept\n".write(toFile: file("read-only.csv"), atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: file("read-only.csv"))
        for (out, expected) in [(file("loop-a"), "is a loop of symbolic links"), (file("new") + "/", "names a folder"),
                                (file("read-only.csv"), "is read-only")] {
            let run = try runSibyl(["features", "--data", data, "--spec", "returns", "--out", out])
            #expect(run.status == 1 && run.standardError.contains(expected), "\(out): \(run.standardError)")
        }
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: file("loop-a")) == "loop-b")
        #expect(try String(contentsOfFile: file("read-only.csv"), encoding: .utf8) == "kept\n")
        let stdout = try runSibyl(["features", "--data", data, "--spec", "returns", "--out", "/dev/stdout"])
        #expect(stdout.status == 0 && stdout.standardOutput.hasPrefix("Date,log_return\n"), "\(stdout.standardError)")
        // `-`, as is usual: standard input for --data, standard output for an output.
        let dash = try runSibyl(["features", "--data", "-", "--spec", "returns", "--out", "-"],
                                launcher: ["/bin/bash", "-c", "exec \"$0\" \"$@\" < \"\(data)\""])
        #expect(dash.status == 0 && dash.standardOutput == stdout.standardOutput, "\(dash.standardError)")
        let trades = try runSibyl(["backtest", "--data", data, "--fast", "5", "--slow", "20", "--trades", "-"])
        #expect(trades.status == 0 && trades.standardOutput.hasPrefix("EntryBar,ExitBar,") && trades.standardError.contains("Return [%]"),
                "\(trades.standardError)")
    }

    @Test("a backtest output or a checkpoint on standard output keeps it to itself: the summary goes to standard error, and --json is refused")
    func outputsOnStandardOutput() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try prices("prices.csv")
        let trades = try runSibyl(["backtest", "--data", data, "--fast", "5", "--slow", "20", "--trades", "/dev/stdout"])
        #expect(trades.status == 0 && trades.standardOutput.hasPrefix("EntryBar,ExitBar,"), "\(trades.standardOutput.prefix(200)) \(trades.standardError)")
        #expect(!trades.standardOutput.contains("Return [%]") && trades.standardError.contains("Return [%]"))
        #expect(trades.standardError.contains("wrote the trades to /dev/stdout"))
        for arguments in [["backtest", "--data", data, "--equity", "/dev/stdout", "--json"],
                          ["train", "--data", data, "--epochs", "1", "--out", "/dev/stdout", "--json"]] {
            let run = try runSibyl(arguments)
            #expect(run.status == 1 && run.standardOutput.isEmpty, "\(arguments)")
            #expect(run.standardError.contains("--json prints the summary on standard output, which"), "\(run.standardError)")
        }
        // The same when standard output is redirected to the file an output names (`> trades.csv`):
        // found by what the file is, not by its name.
        let tradesFile = file("trades.csv")
        let redirected = try runSibyl(["backtest", "--data", data, "--fast", "5", "--slow", "20", "--trades", tradesFile], standardOutputFile: tradesFile)
        #expect(redirected.status == 0 && redirected.standardError.contains("Return [%]"), "\(redirected.standardError)")
        #expect(try String(contentsOfFile: tradesFile, encoding: .utf8).hasPrefix("EntryBar,ExitBar,"))
        let lost = try runSibyl(["backtest", "--data", data, "--trades", tradesFile, "--json"], standardOutputFile: tradesFile)
        #expect(lost.status == 1 && lost.standardError.contains("which --trades \(tradesFile) takes"), "\(lost.standardError)")
        // Standard output that cannot be written (a full disk) is an error, not exit 0 with the output lost.
        let full = try runSibyl(["inspect", "--data", data, "--json"], standardOutputFile: "/dev/full")
        #expect(full.status == 1 && full.standardError.contains("error: standard output could not be written: No space left on device"),
                "\(full.status) \(full.standardError)")
        // The null device takes anything: an output there and a JSON summary on standard output.
        let null = try runSibyl(["backtest", "--data", data, "--trades", "/dev/null", "--json"], standardOutputFile: "/dev/null")
        #expect(null.status == 0, "\(null.standardError)")
    }

    @Test("a pipe whose reader waits gets the whole output and its end; standard output on the data file is refused")
    func pipeWithReader() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try prices("prices.csv")
        try #require(mkfifo(file("pipe"), 0o600) == 0)
        // A reader that copies the pipe to a file, as gzip or tee would.
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/sh")
        reader.arguments = ["-c", "cat < '\(file("pipe"))' > '\(file("copy.csv"))'"]
        try reader.run()
        let run = try runSibyl(["features", "--data", data, "--spec", "returns", "--out", file("pipe")])
        reader.waitUntilExit()
        #expect(run.status == 0, "\(run.standardError)")
        let copy = try String(contentsOfFile: file("copy.csv"), encoding: .utf8)
        #expect(copy.hasPrefix("Date,log_return\n") && copy.split(separator: "\n").count == 300, "\(copy.prefix(100))")
        // `sibyl inspect --data prices.csv >> prices.csv` would write into the data.
        let before = try String(contentsOfFile: data, encoding: .utf8)
        let appended = try runSibyl(["inspect", "--data", data], standardOutputFile: data)
        #expect(appended.status == 1 && appended.standardError.contains("standard output is the data file"), "\(appended.standardError)")
        #expect(try String(contentsOfFile: data, encoding: .utf8) == before)
    }

    @Test("a pipe no process reads is refused, not waited on; a link to /dev/stdout writes to the command's output; a device as --data is named")
    func pipesAndDescriptors() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try prices("prices.csv")
        try #require(mkfifo(file("pipe"), 0o600) == 0)
        let unread = try runSibyl(["features", "--data", data, "--spec", "returns", "--out", file("pipe")])
        #expect(unread.status == 1 && unread.standardError.contains("is a pipe that no process reads"), "\(unread.standardError)")
        try FileManager.default.createSymbolicLink(atPath: file("out-link"), withDestinationPath: "/dev/stdout")
        let linked = try runSibyl(["features", "--data", data, "--spec", "returns", "--out", file("out-link")])
        #expect(linked.status == 0 && linked.standardOutput.hasPrefix("Date,log_return\n"), "\(linked.standardError)")
        // The summary goes to standard error, so standard output holds the features alone.
        #expect(!linked.standardOutput.contains("rows ×") && linked.standardError.contains("rows ×"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: file("out-link")) == "/dev/stdout")
        let device = try runSibyl(["features", "--data", "/dev/zero", "--spec", "returns"])
        #expect(device.status == 1 && device.standardError.contains("is a device, not a file"), "\(device.standardError)")
        let bench = try runSibyl(["bench", "--suites", "csv", "--csv-file", file("pipe")])
        #expect(bench.status == 1 && bench.standardError.contains("is not a regular file"), "\(bench.standardError)")
    }

    @Test("an output that cannot be written leaves every other output of the run as it was")
    func allOrNothing() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try prices("prices.csv")
        try "keep\n".write(toFile: file("trades.csv"), atomically: true, encoding: .utf8)
        // /dev/full takes the file open and refuses every byte: the failure comes while writing.
        let run = try runSibyl(["backtest", "--data", data, "--trades", file("trades.csv"), "--report", "/dev/full"])
        #expect(run.status == 1 && run.standardError.contains("cannot write /dev/full"), "\(run.standardError)")
        #expect(try String(contentsOfFile: file("trades.csv"), encoding: .utf8) == "keep\n")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".sibyl-") }
        #expect(leftovers.isEmpty)
        let long = String(repeating: "a", count: 300) + ".html"
        let tooLong = try runSibyl(["backtest", "--data", data, "--trades", file("trades.csv"), "--report", file(long)])
        #expect(tooLong.status == 1 && tooLong.standardError.contains("file names hold at most 255"), "\(tooLong.standardError)")
        #expect(try String(contentsOfFile: file("trades.csv"), encoding: .utf8) == "keep\n")
    }
}
