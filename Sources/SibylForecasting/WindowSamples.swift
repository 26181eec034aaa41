import SibylFeatures
import SibylNeural

/// The windows ending at chosen rows, with targets standardized, as a dataset a trainer batches.
struct WindowSamples: SequenceDataset {
    let windows: WindowedDataset
    /// Row t of each sample: its window covers rows t−T+1 … t, its target is bar t+1.
    let ends: [Int]
    /// Targets enter training as (target − center) / scale; 0 and 1 for direction.
    let targetCenter: Double
    let targetScale: Double

    var count: Int { ends.count }
    var steps: Int { windows.windowLength }
    var featureCount: Int { windows.featureCount }
    var targetCount: Int { 1 }

    func fill(indices: ArraySlice<Int>, inputs: UnsafeMutablePointer<Float>, targets: UnsafeMutablePointer<Float>) {
        let rows = indices.map { ends[$0] }
        windows.fill(ends: rows[...], inputs: inputs, targets: targets, center: targetCenter, scale: targetScale)
    }
}
