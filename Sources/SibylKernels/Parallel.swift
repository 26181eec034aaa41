import Foundation
import Dispatch
import _SibylVectorMath

/// Runs `body(0) … body(iterations − 1)` on up to `iterations` threads and returns when all are
/// done; one iteration runs on the caller's thread.
///
/// The iterations must not race: each writes only memory no other iteration touches (disjoint row
/// ranges, separate windows). That contract, not the type system, makes the concurrent calls safe,
/// which is why `body` need not be `@Sendable`: kernels capture raw buffer pointers.
///
/// Every iteration runs on the caller's kernel set of the step products (`sibyl_panel_kernel_level`,
/// which tests cap per thread): a pool thread would otherwise run on the machine's widest set, and
/// the sets round differently.
public func parallelFor(_ iterations: Int, _ body: (Int) -> Void) {
    precondition(iterations >= 0, "iteration count must be non-negative, got \(iterations)")
    if iterations <= 1 {
        if iterations == 1 { body(0) }
        return
    }
    // No more iterations than processors (a layer's rows split between its threads): each on a
    // parked thread of its own where they are free (see `runConcurrently`), else Dispatch's pool,
    // which also takes a loop nested in another or more iterations than processors.
    if iterations <= availableProcessors, runParts(iterations, parkedOnly: true, body) { return }
    let cap = sibyl_panel_kernel_level()
    withoutActuallyEscaping(body) { body in
        nonisolated(unsafe) let shared = body
        DispatchQueue.concurrentPerform(iterations: iterations) { index in withKernelCap(cap) { shared(index) } }
    }
}

/// The processors this process may run on (on Linux its affinity mask, or a container's CPU quota
/// where that allows fewer): `sibyl_processor_count`, which finds it once.
public let availableProcessors = Int(sibyl_processor_count())

/// The memory this process may use, in bytes, and how to say so: the machine's physical memory, or
/// less where a cgroup memory limit (a container's `--memory`) or an address-space limit (`ulimit
/// -v`) allows less (`sibyl_memory_limit`, read anew each time).
public var usableMemory: (bytes: Double, phrase: String) {
    let physical = Double(ProcessInfo.processInfo.physicalMemory)
    let limit = Double(sibyl_memory_limit())
    if limit > 0 && limit < physical { return (limit, "this process may use \(gigabytes(limit)) (its memory limit)") }
    return (physical, "this machine has \(gigabytes(physical))")
}

/// `bytes` in GB for a message: one decimal below 10 GB, none above ("1.5 GB", "52 GB").
public func gigabytes(_ bytes: Double) -> String { String(format: bytes < 10e9 ? "%.1f GB" : "%.0f GB", bytes / 1e9) }

/// `body(part)` with this thread's kernel set of the products capped at `cap`, restored after.
private func withKernelCap(_ cap: Int32, _ body: () -> Void) {
    let previous = sibyl_panel_kernel_cap(cap)
    defer { _ = sibyl_panel_kernel_cap(previous) }
    body()
}

/// Runs `body(0) … body(parts − 1)` each on its own thread, all at once (`body(0)` on the
/// caller's), and returns when all are done: true. Unlike `parallelFor`, whose iterations a busy
/// pool may run one after another, the parts may wait for each other (`SpinBarrier`). When a thread
/// cannot be started, no part runs and it returns false.
///
/// The same contract as `parallelFor` holds between barriers: each part writes only memory no other
/// part touches until they next meet; and, as there, every part runs on the caller's kernel set.
///
/// The threads are kept between runs, parked: they spin for a fifth of a millisecond after a part
/// and then sleep (at once after a run of more parts than processors, which they would hold from
/// its parts). On a 2-core virtual machine, starting and joining a thread took 90–200 µs and waking
/// a sleeping one 17–90 µs, against a fraction of a microsecond for a spinning one, where the step
/// of a recurrent layer shared between two threads takes 2–20 µs and its passes follow each other.
public func runConcurrently(_ parts: Int, _ body: (Int) -> Void) -> Bool {
    precondition(parts >= 0, "part count must be non-negative, got \(parts)")
    return runParts(parts, parkedOnly: false, body)
}

/// `body(0) … body(parts − 1)` on threads at once, on the caller's kernel set: on the parked threads,
/// or when they are busy, on threads started for the call unless `parkedOnly`. False when nothing ran.
private func runParts(_ parts: Int, parkedOnly: Bool, _ body: (Int) -> Void) -> Bool {
    let cap = sibyl_panel_kernel_level()
    return withoutActuallyEscaping(body) { body in
        var context: (Int) -> Void = { part in withKernelCap(cap) { body(part) } }
        return withUnsafeMutablePointer(to: &context) { pointer in
            let part: @convention(c) (UnsafeMutableRawPointer?, Int) -> Void = { raw, part in
                raw!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(part)
            }
            return (parkedOnly ? sibyl_run_parked(parts, part, pointer) : sibyl_run_threads(parts, part, pointer)) == 0
        }
    }
}

/// A reusable barrier for the parts of `runConcurrently`: `wait()` returns once all `parties`
/// have called it, with what each wrote before its call visible to all.
public final class SpinBarrier: @unchecked Sendable {
    private let barrier: OpaquePointer

    public init(parties: Int) {
        precondition(parties >= 1, "a barrier needs at least one party, got \(parties)")
        guard let barrier = sibyl_barrier_create(parties) else { fatalError("out of memory for a barrier") }
        self.barrier = barrier
    }

    deinit { sibyl_barrier_destroy(barrier) }

    public func wait() { sibyl_barrier_wait(barrier) }
}
