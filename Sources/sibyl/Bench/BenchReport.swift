import Foundation
import SibylKernels
import _SibylVectorMath

/// One measurement: what was measured (`key`) and the figures (`metrics`), in the record format of
/// the peer benchmark scripts so that both can be aggregated and compared side by side.
struct BenchRecord: Encodable {
    enum KeyValue: Encodable {
        case text(String)
        case integer(Int)

        func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let value): try container.encode(value)
            case .integer(let value): try container.encode(value)
            }
        }
    }

    let suite: String
    let key: [String: KeyValue]
    let metrics: [String: Double]
    /// Human-readable columns for the table: case name, and the headline figure with its unit.
    let caseName: String
    let headline: (value: Double, unit: String, spread: Spread)
    let threads: Int

    enum CodingKeys: String, CodingKey { case key, metrics }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var fullKey = key
        fullKey["suite"] = .text(suite)
        fullKey["threads"] = .integer(threads)
        try container.encode(fullKey, forKey: .key)
        try container.encode(metrics, forKey: .metrics)
    }
}

/// Where the figures were measured: the facts a reader needs to compare them with anything else.
struct BenchEnvironment: Encodable {
    let sibylVersion: String
    let openBLASCore: String
    let openBLASConfiguration: String
    let openBLASEnvironment: [String: String]
    let vectorInstructionSet: String
    /// The register blocks of Sibyl's own products (recurrent steps, weight gradients).
    let productKernels: String
    let cpuModel: String
    let logicalCPUs: Int
    /// The processors this process may use: fewer than `logicalCPUs` under an affinity mask
    /// (`taskset`) or a container's CPU quota.
    let availableProcessors: Int
    let loadAverage: String
    let time: String

    static func current(version: String, core: String, configuration: String, isa: String) -> BenchEnvironment {
        let environment = ProcessInfo.processInfo.environment.filter { $0.key.hasPrefix("OPENBLAS") }
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) } ?? "unknown"
        let load = ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "")
            .split(separator: " ").prefix(3).joined(separator: " ")
        let formatter = ISO8601DateFormatter()
        return BenchEnvironment(
            sibylVersion: version, openBLASCore: core, openBLASConfiguration: configuration,
            openBLASEnvironment: environment, vectorInstructionSet: isa,
            productKernels: String(cString: sibyl_panel_kernel_name()), cpuModel: model,
            logicalCPUs: ProcessInfo.processInfo.processorCount, availableProcessors: SibylKernels.availableProcessors, loadAverage: load,
            time: formatter.string(from: Date()))
    }
}

struct BenchDocument: Encodable {
    let bench = "sibyl"
    let env: BenchEnvironment
    let records: [BenchRecord]
}

/// Renders records as aligned text tables, one per suite.
func renderTable(_ records: [BenchRecord], environment: BenchEnvironment) -> String {
    var lines: [String] = []
    let available = environment.availableProcessors < environment.logicalCPUs ? ", \(environment.availableProcessors) available to this process" : ""
    lines.append("Sibyl \(environment.sibylVersion) on \(environment.cpuModel) (\(environment.logicalCPUs) CPUs\(available))")
    let blasEnvironment = environment.openBLASEnvironment.isEmpty ? "none set"
        : environment.openBLASEnvironment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    lines.append("OpenBLAS core: \(environment.openBLASCore)   (\(environment.openBLASConfiguration); environment: \(blasEnvironment))")
    lines.append("element-wise kernels: \(environment.vectorInstructionSet); products: \(environment.productKernels) register blocks")
    lines.append("figures: median of repeats, [min – max]; threads = OpenBLAS threads for GEMM, worker threads otherwise")
    var suites: [String] = []
    for record in records where !suites.contains(record.suite) { suites.append(record.suite) }
    for suite in suites {
        let rows = records.filter { $0.suite == suite }
        let unit = rows[0].headline.unit
        lines.append("")
        let nameWidth = max(28, rows.map(\.caseName.count).max() ?? 0)
        lines.append("\(suite.padding(toLength: nameWidth, withPad: " ", startingAt: 0))  threads  \(unit.leftPadded(12))  spread")
        for row in rows {
            let spread = "[\(format(row.headline.spread.min)) – \(format(row.headline.spread.max))]"
            lines.append("\(row.caseName.padding(toLength: nameWidth, withPad: " ", startingAt: 0))  \(String(row.threads).leftPadded(7))  \(format(row.headline.value).leftPadded(12))  \(spread)")
        }
    }
    return lines.joined(separator: "\n")
}

/// Three significant figures for large values, more for small ones.
func format(_ value: Double) -> String {
    let magnitude = abs(value)
    if magnitude >= 1000 { return String(format: "%.0f", value) }
    if magnitude >= 10 { return String(format: "%.1f", value) }
    if magnitude >= 1 { return String(format: "%.2f", value) }
    return String(format: "%.3f", value)
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
