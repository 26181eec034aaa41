import Foundation
import SibylNeural

/// Shows training progress on standard error: a redrawn bar on a terminal (epoch, losses,
/// sequences per second, time left), one line per epoch otherwise, nothing when quiet (--json).
struct TrainingProgress {
    let quiet: Bool
    private var line = ProgressLine()
    private var started = ContinuousClock.now
    private var lastDraw = ContinuousClock.now
    private var lastReport: EpochReport?

    init(quiet: Bool) {
        self.quiet = quiet
    }

    /// Starts another training (a walk-forward's next fold) under a title line: the rate, losses
    /// and time left are its own from here.
    mutating func begin(_ title: String) {
        guard !quiet else { return }
        line.commit(title)
        started = .now
        lastReport = nil
    }

    mutating func handle(_ event: TrainingEvent) {
        guard !quiet else { return }
        switch event {
        case .batch(let epoch, let batch, let batches, let loss):
            guard line.isTerminal, ContinuousClock.now - lastDraw > .milliseconds(100) || batch == batches else { return }
            lastDraw = .now
            let total = lastReport?.epochs ?? 0
            let width = 24
            let filled = width * batch / max(batches, 1)
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            var text = "epoch \(epoch)\(total > 0 ? "/\(total)" : "") \(bar) train \(format(loss))"
            if let report = lastReport {
                if let validation = report.validationLoss { text += " val \(format(validation))" }
                text += " \(Int(report.sequencesPerSecond)) seq/s"
                let elapsed = (ContinuousClock.now - started).components.seconds
                let remaining = Int(Double(elapsed) / Double(max(epoch - 1, 1)) * Double(max(report.epochs - epoch + 1, 0)))
                text += " ETA \(remaining / 60):\(String(format: "%02d", remaining % 60))"
            }
            line.update(text)
        case .epoch(let report):
            lastReport = report
            var text = "epoch \(report.epoch)/\(report.epochs): train \(format(report.trainLoss))"
            if let validation = report.validationLoss { text += ", validation \(format(validation))\(report.improved ? " (best)" : "")" }
            text += ", \(Int(report.sequencesPerSecond)) seq/s, lr \(String(format: "%.2g", report.learningRate))"
            line.commit(text)
        }
    }

    mutating func finish() {
        if !quiet { line.finish() }
    }

    private func format(_ value: Double) -> String { fixed(value) }
}
