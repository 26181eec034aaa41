import Foundation
import Testing
@testable import SibylKernels
@testable import SibylNeural

/// One parameter vector stepped by each optimizer against the update written out in Double
/// (torch.optim's formulas), over several steps so that the bias corrections and momentum count.
@Suite("Optimizers")
struct OptimizerTests {
    func parameter(_ values: [Float]) -> Parameter {
        let p = Parameter(name: "w", shape: [values.count])
        p.load(Tensor(shape: [values.count], scalars: values))
        return p
    }

    let start: [Float] = [0.5, -1.25, 2.0, 0.0]
    let gradients: [[Float]] = [[0.1, -0.2, 0.3, 0.0], [0.05, 0.1, -0.3, 1.0], [-0.2, 0.0, 0.1, 0.5]]

    @Test("Adam and AdamW follow PyTorch's formulas, with and without weight decay",
          arguments: [(false, 0.0), (false, 0.01), (true, 0.01)])
    func adam(decoupled: Bool, weightDecay: Double) {
        let p = parameter(start)
        let kind: OptimizerKind = decoupled ? .adamW(weightDecay: weightDecay) : .adam(weightDecay: weightDecay)
        let optimizer = Optimizer(kind, learningRate: 0.01, parameters: [p])
        var w = start.map(Double.init), m = [Double](repeating: 0, count: 4), v = [Double](repeating: 0, count: 4)
        for (step, g) in gradients.enumerated() {
            for i in 0..<4 { p.gradient[i] = g[i] }
            optimizer.step()
            let t = Double(step + 1)
            for i in 0..<4 {
                var grad = Double(g[i])
                if decoupled { w[i] *= 1 - 0.01 * weightDecay } else { grad += weightDecay * w[i] }
                m[i] = 0.9 * m[i] + 0.1 * grad
                v[i] = 0.999 * v[i] + 0.001 * grad * grad
                let denominator = (v[i].squareRoot() / (1 - pow(0.999, t)).squareRoot()) + 1e-8
                w[i] -= 0.01 / (1 - pow(0.9, t)) * m[i] / denominator
            }
        }
        let difference = zip(p.value.array, w).map { abs(Double($0) - $1) }.max()!
        #expect(difference < 1e-6, "largest difference \(difference)")
    }

    struct TorchTrajectories: Decodable {
        struct Case: Decodable {
            let optimizer: String
            let settings: [String: JSONNumbers]
            let parameters: [[Float]]
        }
        let start: [Float]
        let gradients: [[Float]]
        let cases: [Case]
    }

    /// A setting: one number, or a pair (betas).
    enum JSONNumbers: Decodable {
        case one(Double), pair([Double])
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Double.self) { self = .one(value) } else { self = .pair(try container.decode([Double].self)) }
        }
        var value: Double { if case .one(let v) = self { v } else { .nan } }
        var values: [Double] { if case .pair(let v) = self { v } else { [] } }
    }

    @Test("Adam, AdamW and SGD match torch.optim step by step over 30 steps (Fixtures/make_optimizer_fixture.py)")
    func torchTrajectories() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/optimizer_fixture", withExtension: "json"))
        let fixture = try JSONDecoder().decode(TorchTrajectories.self, from: Data(contentsOf: url))
        for torchCase in fixture.cases {
            let settings = torchCase.settings
            let decay = settings["weight_decay"]?.value ?? 0
            let betas = settings["betas"]?.values ?? [0.9, 0.999]
            let epsilon = settings["eps"]?.value ?? 1e-8
            let kind: OptimizerKind = switch torchCase.optimizer {
            case "adam": .adam(beta1: betas[0], beta2: betas[1], epsilon: epsilon, weightDecay: decay)
            case "adamw": .adamW(beta1: betas[0], beta2: betas[1], epsilon: epsilon, weightDecay: decay)
            default: .sgd(momentum: settings["momentum"]!.value, weightDecay: decay)
            }
            let p = parameter(fixture.start)
            let optimizer = Optimizer(kind, learningRate: settings["lr"]!.value, parameters: [p])
            var worst: Float = 0
            for (step, gradient) in fixture.gradients.enumerated() {
                for i in gradient.indices { p.gradient[i] = gradient[i] }
                optimizer.step()
                // In units in the last place of the vector's largest value: a parameter that passes
                // near zero has tiny ulps of its own, which one rounding of an update exceeds.
                let scale = torchCase.parameters[step].map(abs).max()!.ulp
                for (ours, theirs) in zip(p.value.array, torchCase.parameters[step]) {
                    worst = max(worst, abs(ours - theirs) / scale)
                }
            }
            print("\(torchCase.optimizer) \(settings.keys.sorted()): largest difference from torch.optim \(worst) ulps over 30 steps")
            #expect(worst <= 3, "\(torchCase.optimizer)")
        }
    }

    @Test("SGD with momentum follows PyTorch's formula")
    func sgd() {
        let p = parameter(start)
        let optimizer = Optimizer(.sgd(momentum: 0.9, weightDecay: 0.001), learningRate: 0.1, parameters: [p])
        var w = start.map(Double.init), buffer = [Double](repeating: 0, count: 4)
        for (step, g) in gradients.enumerated() {
            for i in 0..<4 { p.gradient[i] = g[i] }
            optimizer.step()
            for i in 0..<4 {
                let grad = Double(g[i]) + 0.001 * w[i]
                buffer[i] = step == 0 ? grad : 0.9 * buffer[i] + grad
                w[i] -= 0.1 * buffer[i]
            }
        }
        #expect(zip(p.value.array, w).allSatisfy { abs(Double($0) - $1) < 1e-6 })
    }

    @Test("gradient clipping scales the global norm down to the limit and leaves smaller gradients alone")
    func clipping() {
        let a = parameter([0, 0]), b = parameter([0])
        a.gradient[0] = 3; a.gradient[1] = 0; b.gradient[0] = 4
        let norm = clipGradientNorm([a, b], maxNorm: 1)
        #expect(norm == 5)
        #expect(abs(gradientNorm([a, b]) - 1) < 1e-6)
        let before = gradientNorm([a, b])
        clipGradientNorm([a, b], maxNorm: 10)
        #expect(gradientNorm([a, b]) == before)
    }
}
