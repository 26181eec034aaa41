import Foundation
import Testing
import _SibylVectorMath
@testable import SibylKernels

@Suite("The processors this process may use: affinity and container CPU quotas")
struct ProcessorCountTests {
    /// A hierarchy's mount as /proc/self/mountinfo lists it: the folder of the hierarchy it shows
    /// (`root`), where it is mounted (relative to the made-up tree), its type and super options.
    struct Mount {
        var root = "/"
        var at: String
        var type = "cgroup2"
        var options = "rw"
    }

    /// The limit for a made-up cgroup tree in a fresh folder: files (paths relative to the tree, and
    /// their text), the mounts, and the text of /proc/self/cgroup.
    func limit(files: [String: String], mounts: [Mount], membership: String, memory: Bool = false) throws -> Int {
        let tree = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl cgroup \(UUID())")
        defer { try? FileManager.default.removeItem(at: tree) }
        for (path, text) in files {
            let file = tree.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
        // Mountinfo writes a space in a path as \040 (the tree's name has spaces).
        func escaped(_ path: String) -> String { path.replacingOccurrences(of: " ", with: "\\040") }
        let mountinfo = ["22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda1 rw"] + mounts.enumerated().map { index, mount in
            "\(30 + index) 22 0:\(40 + index) \(escaped(mount.root)) \(escaped(tree.appendingPathComponent(mount.at).path)) rw,nosuid shared:9 - \(mount.type) cgroup \(mount.options)"
        }
        let text = mountinfo.joined(separator: "\n") + "\n"
        return Int(memory ? sibyl_cgroup_memory_limit(text, membership) : sibyl_cgroup_cpu_limit(text, membership))
    }

    @Test("cgroup v2: cpu.max rounded up, the tightest from the process's folder up to the mount, none for max or a missing file")
    func version2() throws {
        let v2 = [Mount(at: "fs")]
        #expect(try limit(files: ["fs/cpu.max": "150000 100000\n"], mounts: v2, membership: "0::/\n") == 2)
        #expect(try limit(files: ["fs/cpu.max": "50000 100000\n"], mounts: v2, membership: "0::/\n") == 1)
        #expect(try limit(files: ["fs/cpu.max": "max 100000\n"], mounts: v2, membership: "0::/\n") == 0)
        #expect(try limit(files: [:], mounts: v2, membership: "0::/\n") == 0)
        // A quota on a folder above the process's, a looser one on its own, none below.
        let nested = ["fs/kubepods/cpu.max": "300000 100000\n", "fs/kubepods/pod1/cpu.max": "max 100000\n",
                      "fs/kubepods/pod1/app/cpu.max": "800000 100000\n", "fs/kubepods/pod1/app/child/cpu.max": "100000 100000\n"]
        #expect(try limit(files: nested, mounts: v2, membership: "0::/kubepods/pod1/app\n") == 3)
        // No quota on any v2 mount of a hybrid host whose cpu controller is in v1, and no v2 line.
        #expect(try limit(files: ["fs/cpu.max": "100000 100000"], mounts: v2, membership: "1:cpu:/\n") == 0)
    }

    @Test("cgroup v1: cfs_quota_us over cfs_period_us on the mount of the cpu controller, -1 for none; a container's own folder at the mount root")
    func version1() throws {
        let cpu = Mount(at: "fs/cpu,cpuacct", type: "cgroup", options: "rw,cpu,cpuacct")
        // Docker without a cgroup namespace: the listed path is the host's, the mount shows the container's folder.
        let container = Mount(root: "/docker/abc", at: "fs/cpu,cpuacct", type: "cgroup", options: "rw,cpuacct,cpu")
        let own = ["fs/cpu,cpuacct/cpu.cfs_quota_us": "250000\n", "fs/cpu,cpuacct/cpu.cfs_period_us": "100000\n",
                   // A child of the container's folder (Docker in Docker) whose quota is not the process's.
                   "fs/cpu,cpuacct/docker/cpu.cfs_quota_us": "100000\n", "fs/cpu,cpuacct/docker/cpu.cfs_period_us": "100000\n"]
        #expect(try limit(files: own, mounts: [container], membership: "12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n") == 3)
        // systemd inside that container: the service's own folder counts, then the container's.
        let service = own.merging(["fs/cpu,cpuacct/system.slice/x.service/cpu.cfs_quota_us": "150000\n",
                                   "fs/cpu,cpuacct/system.slice/x.service/cpu.cfs_period_us": "100000\n"]) { $1 }
        #expect(try limit(files: service, mounts: [container], membership: "4:cpu,cpuacct:/docker/abc/system.slice/x.service\n") == 2)
        let none = ["fs/cpu,cpuacct/cpu.cfs_quota_us": "-1\n", "fs/cpu,cpuacct/cpu.cfs_period_us": "100000\n"]
        #expect(try limit(files: none, mounts: [cpu], membership: "1:cpu,cpuacct:/\n") == 0)
        let nested = none.merging(["fs/cpu,cpuacct/batch/cpu.cfs_quota_us": "100000\n", "fs/cpu,cpuacct/batch/cpu.cfs_period_us": "100000\n"]) { $1 }
        #expect(try limit(files: nested, mounts: [cpu], membership: "1:cpu,cpuacct:/batch/job\n") == 1)
        // Only the cpu controller's mount and line count.
        let memory = Mount(at: "fs/memory", type: "cgroup", options: "rw,memory")
        #expect(try limit(files: ["fs/memory/cpu.cfs_quota_us": "100000\n", "fs/memory/cpu.cfs_period_us": "100000\n"],
                          mounts: [memory], membership: "4:memory:/\n") == 0)
    }

    @Test("malformed text and unreadable numbers count as no quota")
    func malformed() throws {
        let v2 = [Mount(at: "fs")]
        let files = ["fs/cpu.max": "150000 100000\n"]
        #expect(try limit(files: files, mounts: v2, membership: "") == 0)
        #expect(try limit(files: files, mounts: v2, membership: "no colons here\n") == 0)
        #expect(try limit(files: ["fs/cpu.max": "abc def\n"], mounts: v2, membership: "0::/\n") == 0)
        #expect(try limit(files: ["fs/cpu.max": "100000 0\n"], mounts: v2, membership: "0::/\n") == 0)
        #expect(Int(sibyl_cgroup_cpu_limit("no fields\n\n1 2\n", "0::/\n")) == 0)
    }

    @Test("memory: v2's memory.max and v1's memory.limit_in_bytes, the tightest up to the mount; max and v1's near-2^63 are none")
    func memoryLimits() throws {
        let v2 = [Mount(at: "fs")]
        #expect(try limit(files: ["fs/memory.max": "1073741824\n"], mounts: v2, membership: "0::/\n", memory: true) == 1 << 30)
        #expect(try limit(files: ["fs/memory.max": "max\n"], mounts: v2, membership: "0::/\n", memory: true) == 0)
        let nested = ["fs/app/memory.max": "max\n", "fs/memory.max": "4294967296\n", "fs/app/job/memory.max": "2147483648\n",
                      "fs/app/job/child/memory.max": "1048576\n"]
        #expect(try limit(files: nested, mounts: v2, membership: "0::/app/job\n", memory: true) == 1 << 31)
        #expect(try limit(files: nested, mounts: v2, membership: "0::/app\n", memory: true) == 1 << 32)
        // A CPU quota is not a memory limit, nor the other way round.
        #expect(try limit(files: ["fs/cpu.max": "100000 100000\n"], mounts: v2, membership: "0::/\n", memory: true) == 0)
        #expect(try limit(files: ["fs/memory.max": "1048576\n"], mounts: v2, membership: "0::/\n") == 0)
        let v1 = Mount(root: "/docker/abc", at: "fs/memory", type: "cgroup", options: "rw,memory")
        let files = ["fs/memory/memory.limit_in_bytes": "536870912\n", "fs/memory/docker/memory.limit_in_bytes": "1048576\n"]
        #expect(try limit(files: files, mounts: [v1], membership: "4:cpu,cpuacct:/docker/abc\n12:memory:/docker/abc\n", memory: true) == 1 << 29)
        #expect(try limit(files: ["fs/memory/memory.limit_in_bytes": "9223372036854771712\n"], mounts: [v1],
                          membership: "12:memory:/docker/abc\n", memory: true) == 0)
        // The process's own limit: a cgroup's or `ulimit -v`'s, or none (0); never past the machine's memory by much.
        let own = sibyl_memory_limit()
        #expect(own == 0 || own > 1 << 20)
        #expect(usableMemory.bytes > 0 && usableMemory.bytes <= Double(ProcessInfo.processInfo.physicalMemory))
    }

    @Test("the count is at least one and at most the machine's processors")
    func count() {
        #expect(availableProcessors >= 1 && availableProcessors <= ProcessInfo.processInfo.processorCount)
    }
}
