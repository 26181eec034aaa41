#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
@testable import SibylKernels

// Serialized: the barrier test holds the parked threads for seconds, where the test of keeping them
// needs them free at times.
@Suite("Threads that run at once, and their barrier", .serialized)
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

    @Test("later runs find their threads parked, also once they have gone to sleep, and still run every part at once")
    func threadsAreKeptBetweenRuns() {
        // A value set in a thread's own storage survives only on a thread that is kept: a thread
        // started for a run begins with none.
        var key = pthread_key_t()
        #expect(pthread_key_create(&key, nil) == 0)
        defer { pthread_key_delete(key) }
        let parts = 3
        var keptWhileSpinning = false, keptWhileAsleep = false
        // Tests running beside this one may hold the parked threads for a run (this one then
        // starts its own): run until both cases are seen, or give up.
        for run in 0..<400 where !(keptWhileSpinning && keptWhileAsleep) {
            // Every other run, long enough a pause for the parked threads to stop spinning and sleep.
            let paused = run % 2 == 1
            if paused { usleep(2_000) }
            let arrivals = Atomic<Int>(0), kept = Atomic<Int>(0)
            let ran = runConcurrently(parts) { part in
                if part > 0 {
                    if pthread_getspecific(key) != nil { kept.add(1, ordering: .relaxed) }
                    pthread_setspecific(key, UnsafeRawPointer(bitPattern: 1))
                }
                arrivals.add(1, ordering: .sequentiallyConsistent)
                while arrivals.load(ordering: .sequentiallyConsistent) < parts {}
            }
            #expect(ran)
            if kept.load(ordering: .relaxed) == parts - 1 {
                if paused { keptWhileAsleep = true } else { keptWhileSpinning = true }
            }
        }
        #expect(keptWhileSpinning)
        #expect(keptWhileAsleep)
    }

    @Test("runs started inside a run's parts, and loops inside them, run every part at once")
    func nestedRuns() {
        let outer = 2, inner = 3
        let finished = Atomic<Int>(0), iterations = Atomic<Int>(0)
        let ran = runConcurrently(outer) { _ in
            // The parked threads serve the outer run: these start threads of their own.
            let arrivals = Atomic<Int>(0)
            let innerRan = runConcurrently(inner) { _ in
                arrivals.add(1, ordering: .sequentiallyConsistent)
                while arrivals.load(ordering: .sequentiallyConsistent) < inner {}
            }
            if innerRan { finished.add(1, ordering: .relaxed) }
            // And a loop goes to Dispatch's pool.
            parallelFor(2) { _ in iterations.add(1, ordering: .relaxed) }
        }
        #expect(ran)
        #expect(finished.load(ordering: .relaxed) == outer)
        #expect(iterations.load(ordering: .relaxed) == 2 * outer)
    }
}
