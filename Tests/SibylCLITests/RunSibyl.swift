import Foundation

/// What one run of the built `sibyl` tool printed and how it exited.
struct ToolRun {
    let status: Int32
    let standardOutput: String
    let standardError: String
}

/// Runs the `sibyl` executable built next to the test bundle, as a user would, in `folder` when
/// one is given.
func runSibyl(_ arguments: [String], environment: [String: String] = [:], in folder: URL? = nil) throws -> ToolRun {
    let buildFolder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let executable = buildFolder.appendingPathComponent("sibyl")
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    if let folder { process.currentDirectoryURL = folder }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes to the end before waiting, so a chatty tool cannot fill a pipe and stall.
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ToolRun(status: process.terminationStatus,
                   standardOutput: String(decoding: outData, as: UTF8.self),
                   standardError: String(decoding: errData, as: UTF8.self))
}
