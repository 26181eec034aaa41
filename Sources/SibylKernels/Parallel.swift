import Dispatch

/// Runs `body(0) … body(iterations − 1)` on up to `iterations` threads and returns when all are
/// done; one iteration runs on the caller's thread.
///
/// The iterations must not race: each writes only memory no other iteration touches (disjoint row
/// ranges, separate windows). That contract, not the type system, makes the concurrent calls safe,
/// which is why `body` need not be `@Sendable`: kernels capture raw buffer pointers.
public func parallelFor(_ iterations: Int, _ body: (Int) -> Void) {
    precondition(iterations >= 0, "iteration count must be non-negative, got \(iterations)")
    if iterations <= 1 {
        if iterations == 1 { body(0) }
        return
    }
    withoutActuallyEscaping(body) { body in
        nonisolated(unsafe) let shared = body
        DispatchQueue.concurrentPerform(iterations: iterations) { shared($0) }
    }
}
