import Foundation
@testable import SibylKernels
@testable import SibylNeural

/// A tensor as the fixture script stores it.
struct FixtureTensor: Decodable {
    let shape: [Int]
    let data: [Double]

    var floats: [Float] { data.map(Float.init) }
    var tensor: Tensor<Float> { Tensor(shape: shape, scalars: floats) }
}

/// One PyTorch reference case, written by Fixtures/make_torch_fixtures.py.
struct TorchFixture: Decodable {
    struct ModelCase: Decodable {
        let prediction: FixtureTensor
        let loss: Double
        let output: FixtureTensor
        let gradients: [String: FixtureTensor]
    }

    struct LayerCase: Decodable {
        let output: FixtureTensor
        let h_n: FixtureTensor
        let c_n: FixtureTensor?
        let R: FixtureTensor
        let Rh: FixtureTensor
        let Rc: FixtureTensor?
        let gradients: [String: FixtureTensor]
    }

    let cell: String
    let F: Int
    let H: Int
    let T: Int
    let B: Int
    let L: Int
    let weights: [String: FixtureTensor]
    let head: [String: FixtureTensor]
    let x: FixtureTensor
    let h0: FixtureTensor
    let c0: FixtureTensor?
    let y: FixtureTensor
    let model: ModelCase
    let layer: LayerCase

    static func load(_ cell: RecurrentCell) throws -> TorchFixture {
        guard let url = Bundle.module.url(forResource: "Fixtures/\(cell.rawValue)", withExtension: "json") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try JSONDecoder().decode(TorchFixture.self, from: Data(contentsOf: url))
    }

    var recurrentCell: RecurrentCell { RecurrentCell(rawValue: cell)! }

    /// A model with the fixture's sizes and weights.
    func makeModel() -> RecurrentModel {
        var generator = SeededGenerator(seed: 0)
        let model = RecurrentModel(RecurrentModelConfiguration(cell: recurrentCell, inputSize: F, hiddenSize: H, layers: L),
                                   generator: &generator)
        for parameter in model.parameters {
            parameter.load((weights[parameter.name] ?? head[parameter.name]!).tensor)
        }
        return model
    }
}

/// Largest |a − b| between two equal-length sequences.
func largestDifference(_ a: some Collection<Float>, _ b: some Collection<Float>) -> Double {
    precondition(a.count == b.count, "lengths differ: \(a.count) and \(b.count)")
    return zip(a, b).map { abs(Double($0) - Double($1)) }.max() ?? 0
}
