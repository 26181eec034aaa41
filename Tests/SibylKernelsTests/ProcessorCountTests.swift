import Foundation
import Testing
import _SibylVectorMath
@testable import SibylKernels

@Suite("The processors this process may use: affinity and container CPU quotas")
struct ProcessorCountTests {
    /// A cgroup tree in a fresh folder: file paths relative to its root, and their contents.
    func limit(files: [String: String], membership: String) throws -> Int {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-cgroup-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        for (path, text) in files {
            let file = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
        return Int(sibyl_cgroup_cpu_limit(root.path, membership))
    }

    @Test("cgroup v2: cpu.max rounded up, the tightest along the path, none for max or a missing file")
    func version2() throws {
        #expect(try limit(files: ["cpu.max": "150000 100000\n"], membership: "0::/\n") == 2)
        #expect(try limit(files: ["cpu.max": "50000 100000\n"], membership: "0::/\n") == 1)
        #expect(try limit(files: ["cpu.max": "max 100000\n"], membership: "0::/\n") == 0)
        #expect(try limit(files: [:], membership: "0::/\n") == 0)
        // A quota on a folder above the process's, and a looser one below it.
        let nested = ["kubepods/cpu.max": "300000 100000\n", "kubepods/pod1/cpu.max": "max 100000\n",
                      "kubepods/pod1/app/cpu.max": "800000 100000\n"]
        #expect(try limit(files: nested, membership: "0::/kubepods/pod1/app\n") == 3)
        // In a container the listed folder may be the host's, the container's own mounted at the root.
        #expect(try limit(files: ["cpu.max": "200000 100000"], membership: "0::/system.slice/docker-1.scope\n") == 2)
    }

    @Test("cgroup v1: cfs_quota_us over cfs_period_us under the cpu controller's mount, -1 for none")
    func version1() throws {
        let docker = ["cpu,cpuacct/cpu.cfs_quota_us": "250000\n", "cpu,cpuacct/cpu.cfs_period_us": "100000\n"]
        #expect(try limit(files: docker, membership: "12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n") == 3)
        let none = ["cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"]
        #expect(try limit(files: none, membership: "1:cpu:/\n") == 0)
        let nested = ["cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n",
                      "cpu/batch/cpu.cfs_quota_us": "100000\n", "cpu/batch/cpu.cfs_period_us": "100000\n"]
        #expect(try limit(files: nested, membership: "1:cpu:/batch\n") == 1)
        // Only the cpu controller's line counts: a quota file under another controller's folder is not read.
        #expect(try limit(files: ["memory/cpu.cfs_quota_us": "100000\n", "memory/cpu.cfs_period_us": "100000\n"],
                          membership: "4:memory:/\n") == 0)
    }

    @Test("malformed or empty membership text and unreadable numbers count as no quota")
    func malformed() throws {
        let files = ["cpu.max": "150000 100000\n"]
        #expect(try limit(files: files, membership: "") == 0)
        #expect(try limit(files: files, membership: "no colons here\n") == 0)
        #expect(try limit(files: ["cpu.max": "abc def\n"], membership: "0::/\n") == 0)
        #expect(try limit(files: ["cpu.max": "100000 0\n"], membership: "0::/\n") == 0)
    }

    @Test("the count is at least one and at most the machine's processors")
    func count() {
        #expect(availableProcessors >= 1 && availableProcessors <= ProcessInfo.processInfo.processorCount)
    }
}
