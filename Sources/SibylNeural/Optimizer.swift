import _SibylVectorMath
import Foundation
import SibylKernels

/// Gradient-descent rules, with PyTorch's update formulas (`torch.optim.Adam`, `AdamW`, `SGD`).
public enum OptimizerKind: Sendable, Equatable, Codable {
    /// Adam; `weightDecay` adds an L2 term to the gradient.
    case adam(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0)
    /// AdamW: Adam with decoupled weight decay.
    case adamW(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0.01)
    /// Stochastic gradient descent with momentum (dampening 0).
    case sgd(momentum: Double = 0.9, weightDecay: Double = 0)

    /// The weight decay of any of the rules.
    public var weightDecay: Double {
        switch self {
        case .adam(_, _, _, let decay), .adamW(_, _, _, let decay), .sgd(_, let decay): decay
        }
    }
}

/// Updates parameters from their gradients, keeping per-parameter state (moments, momentum).
public final class Optimizer {
    public let kind: OptimizerKind
    /// The step size; a schedule may change it between steps.
    public var learningRate: Double
    /// Updates applied so far (t in Adam's bias corrections).
    public private(set) var stepCount = 0
    private let parameters: [Parameter]
    /// Per parameter: Adam's first and second moments, or SGD's momentum buffer (first only).
    private let first: [AlignedBuffer<Float>]
    private let second: [AlignedBuffer<Float>]

    public init(_ kind: OptimizerKind, learningRate: Double, parameters: [Parameter]) {
        self.kind = kind
        self.learningRate = learningRate
        self.parameters = parameters
        first = parameters.map { AlignedBuffer(count: $0.count) }
        if case .sgd = kind {
            second = []
        } else {
            second = parameters.map { AlignedBuffer(count: $0.count) }
        }
    }

    /// Applies one update to every parameter from its current gradient.
    public func step() {
        stepCount += 1
        let lr = Float(learningRate)
        switch kind {
        case .adam(let beta1, let beta2, let epsilon, let weightDecay), .adamW(let beta1, let beta2, let epsilon, let weightDecay):
            let decoupled = if case .adamW = kind { true } else { false }
            // Every scalar formed in Double and then rounded, as PyTorch forms them (1 − β1 as a
            // float difference is 0.100000024, not 0.1).
            let t = Double(stepCount)
            let shrink = Float(decoupled ? 1 - learningRate * weightDecay : 1)
            let coupled = Float(decoupled ? 0 : weightDecay)
            let step = Float(learningRate / (1 - pow(beta1, t)))
            let root2 = Float((1 - pow(beta2, t)).squareRoot())
            for (index, parameter) in parameters.enumerated() {
                sibyl_adam_step(parameter.value.baseAddress, parameter.gradient.baseAddress, first[index].baseAddress,
                                second[index].baseAddress, parameter.count, shrink, coupled, Float(1 - beta1), Float(beta2),
                                Float(1 - beta2), step, root2, Float(epsilon))
            }
        case .sgd(let momentum, let weightDecay):
            for (index, parameter) in parameters.enumerated() {
                sibyl_sgd_step(parameter.value.baseAddress, parameter.gradient.baseAddress, first[index].baseAddress,
                               parameter.count, lr, Float(momentum), Float(weightDecay), stepCount == 1 ? 1 : 0)
            }
        }
    }
}

/// The global L2 norm of all gradients, √(Σ ‖g‖²), accumulated in Double.
public func gradientNorm(_ parameters: [Parameter]) -> Double {
    parameters.reduce(0) { $0 + VectorMath.sumOfSquares(UnsafeBufferPointer($1.gradient.buffer)) }.squareRoot()
}

/// Scales all gradients so that their global norm is at most `maxNorm`, as PyTorch's
/// `clip_grad_norm_` does (coefficient maxNorm / (norm + 1e-6), capped at 1). Returns the norm
/// before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Double) -> Double {
    let norm = gradientNorm(parameters)
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 {
        for parameter in parameters {
            VectorMath.scale(Float(coefficient), UnsafeBufferPointer(parameter.gradient.buffer), into: parameter.gradient.buffer)
        }
    }
    return norm
}
