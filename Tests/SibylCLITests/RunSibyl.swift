import Foundation

/// What one run of the built `sibyl` tool printed and how it exited.
struct ToolRun {
    let status: Int32
    let standardOutput: String
    let standardError: String
}

/// Runs the `sibyl` executable built next to the test bundle, as a user would, in `folder` when
/// one is given; with `standardOutputFile`, standard output goes to that file (as a shell's `>`
/// sends it) and the run's `standardOutput` is empty. With a `launcher` (a program and its
/// arguments, such as `taskset -c 0`), that program runs the tool.
func runSibyl(_ arguments: [String], environment: [String: String] = [:], in folder: URL? = nil,
              standardOutputFile: String? = nil, launcher: [String] = []) throws -> ToolRun {
    let buildFolder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let executable = buildFolder.appendingPathComponent("sibyl")
    let process = Process()
    if let program = launcher.first {
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = Array(launcher.dropFirst()) + [executable.path] + arguments
    } else {
        process.executableURL = executable
        process.arguments = arguments
    }
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    if let folder { process.currentDirectoryURL = folder }
    let out = Pipe(), err = Pipe()
    var redirected: FileHandle?
    if let standardOutputFile {
        // Created when missing, never replaced: the file may be a device such as /dev/null.
        if !FileManager.default.fileExists(atPath: standardOutputFile) {
            _ = FileManager.default.createFile(atPath: standardOutputFile, contents: nil)
        }
        redirected = try FileHandle(forWritingTo: URL(fileURLWithPath: standardOutputFile))
        process.standardOutput = redirected
        try out.fileHandleForWriting.close()
    } else {
        process.standardOutput = out
    }
    defer { try? redirected?.close() }
    process.standardError = err
    try process.run()
    // Read both pipes to the end before waiting, so a chatty tool cannot fill a pipe and stall.
    let outData = redirected == nil ? out.fileHandleForReading.readDataToEndOfFile() : Data()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ToolRun(status: process.terminationStatus,
                   standardOutput: String(decoding: outData, as: UTF8.self),
                   standardError: String(decoding: errData, as: UTF8.self))
}
