import Synchronization
import Testing
@testable import SibylKernels

@Suite("Threads that run at once, and their barrier")
struct ConcurrencyTests {
    @Test("each part sees every part's writes after each barrier, over many rounds", arguments: [1, 2, 3, 5])
    func barrierMakesWritesVisible(parts: Int) {
        let rounds = 2_000
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: parts), mismatches = UnsafeMutablePointer<Int>.allocate(capacity: parts)
        slots.initialize(repeating: 0, count: parts)
        mismatches.initialize(repeating: 0, count: parts)
        defer { slots.deallocate(); mismatches.deallocate() }
        let barrier = SpinBarrier(parties: parts)
        let ran = runConcurrently(parts) { part in
            for round in 1...rounds {
                slots[part] = round * parts + part
                barrier.wait()
                // Every slot holds this round's value: none is read stale, none runs ahead.
                for other in 0..<parts where slots[other] != round * parts + other { mismatches[part] += 1 }
                barrier.wait()
            }
        }
        #expect(ran)
        #expect(Array(UnsafeBufferPointer(start: mismatches, count: parts)) == Array(repeating: 0, count: parts))
    }

    @Test("every part runs once, on distinct threads at once: parts waiting for each other finish")
    func partsRunConcurrently() {
        let parts = 4
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: parts)
        counts.initialize(repeating: 0, count: parts)
        defer { counts.deallocate() }
        let arrivals = Atomic<Int>(0)
        let ran = runConcurrently(parts) { part in
            counts[part] += 1
            // A part that ran only after another had returned would never see all four arrive.
            arrivals.add(1, ordering: .sequentiallyConsistent)
            while arrivals.load(ordering: .sequentiallyConsistent) < parts {}
        }
        #expect(ran)
        #expect(Array(UnsafeBufferPointer(start: counts, count: parts)) == [1, 1, 1, 1])
        #expect(runConcurrently(0) { _ in Issue.record("no part should run") })
    }
}
