/// Seconds per call of `body`, one value per repeat.
///
/// The inner loop count is calibrated so that one repeat lasts at least `minTime` seconds; each
/// repeat reports its total divided by that count. Callers quote the median (robust on a shared,
/// noisy machine) and keep the minimum and maximum as the spread. The method matches the peer
/// scripts', so figures compare like with like.
func timeCalls(minTime: Double, repeats: Int, warmup: Int = 2, _ body: () -> Void) -> [Double] {
    let clock = ContinuousClock()
    func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
    for _ in 0..<warmup { body() }
    var inner = 1
    var elapsed = 0.0
    while true {
        elapsed = seconds(clock.measure { for _ in 0..<inner { body() } })
        if elapsed >= minTime || inner >= 1_000_000 { break }
        // Grow towards minTime, at least doubling.
        inner = min(1_000_000, max(inner * 2, Int(Double(inner) * minTime / max(elapsed, 1e-9) * 1.1)))
    }
    var results = [elapsed / Double(inner)]
    for _ in 1..<max(repeats, 1) {
        results.append(seconds(clock.measure { for _ in 0..<inner { body() } }) / Double(inner))
    }
    return results
}

/// Median, minimum and maximum of a sample.
struct Spread {
    let median: Double
    let min: Double
    let max: Double

    init(_ values: [Double]) {
        precondition(!values.isEmpty, "a spread needs at least one value")
        let sorted = values.sorted()
        let mid = sorted.count / 2
        median = sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
        min = sorted.first!
        max = sorted.last!
    }
}
