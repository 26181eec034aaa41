import Foundation

/// Training losses over N = B·O predictions, averaged (PyTorch's `reduction="mean"`).
public enum Loss: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Mean squared error, (1/N) Σ (y − t)².
    case meanSquaredError
    /// Huber loss with threshold δ: ½d² for |d| < δ, δ(|d| − ½δ) beyond (PyTorch's `HuberLoss`).
    case huber(delta: Double)
    /// Binary cross-entropy on logits y with targets in {0, 1}:
    /// max(y, 0) − y·t + ln(1 + e^(−|y|)) (PyTorch's `BCEWithLogitsLoss`).
    case binaryCrossEntropy

    public var description: String {
        switch self {
        case .meanSquaredError: "mse"
        case .huber(let delta): delta == 1 ? "huber" : "huber:\(delta)"
        case .binaryCrossEntropy: "bce"
        }
    }

    /// The loss, and its gradient with respect to each prediction written to `gradient`.
    ///
    /// - Parameters:
    ///   - predictions: N values (logits for binary cross-entropy).
    ///   - targets: N values.
    ///   - gradient: N values, overwritten with dL/dy.
    public func evaluate(predictions: UnsafePointer<Float>, targets: UnsafePointer<Float>, count: Int,
                         gradient: UnsafeMutablePointer<Float>?) -> Double {
        let n = Double(count)
        var total = 0.0
        for i in 0..<count {
            let y = Double(predictions[i]), t = Double(targets[i])
            let (value, slope): (Double, Double)
            switch self {
            case .meanSquaredError:
                (value, slope) = ((y - t) * (y - t), 2 * (y - t))
            case .huber(let delta):
                precondition(delta > 0, "the Huber loss needs delta > 0, as PyTorch's HuberLoss does")
                let d = y - t
                (value, slope) = abs(d) < delta ? (0.5 * d * d, d) : (delta * (abs(d) - 0.5 * delta), delta * (d > 0 ? 1 : -1))
            case .binaryCrossEntropy:
                (value, slope) = (max(y, 0) - y * t + log1p(exp(-abs(y))), 1 / (1 + exp(-y)) - t)
            }
            total += value
            gradient?[i] = Float(slope / n)
        }
        return total / n
    }
}
