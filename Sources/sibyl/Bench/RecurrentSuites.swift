import SibylKernels
import SibylNeural

/// A recurrent network to time: inputs F, hidden H, layers L, steps T, batch B.
struct RecurrentBenchConfiguration: Equatable, CustomStringConvertible {
    var f, h, l, t, b: Int

    /// "F,H,L,T,B", as the peer script's --configs takes it.
    var description: String { "\(f),\(h),\(l),\(t),\(b)" }

    /// About the bytes a training step holds for the larger cell (LSTM): activations and weights.
    var trainingBytes: Double {
        let model = RecurrentModelConfiguration(cell: .lstm, inputSize: f, hiddenSize: h, layers: l)
        return model.activationBytes(steps: t, batch: b) + model.trainingWeightBytes
    }
}

/// The four configurations of the peer PyTorch script.
let defaultRecurrentConfigurations: [RecurrentBenchConfiguration] = [
    .init(f: 8, h: 64, l: 1, t: 64, b: 64), .init(f: 32, h: 128, l: 2, t: 64, b: 64),
    .init(f: 16, h: 256, l: 1, t: 128, b: 32), .init(f: 5, h: 32, l: 1, t: 30, b: 256),
]

/// LSTM and GRU inference (forward) and training steps (forward, MSE on a one-output head over the
/// last step, backward, Adam), sequences per second, as the peer script measures PyTorch.
func recurrentCases(_ settings: BenchSettings) -> [BenchCase] {
    settings.threadCounts.flatMap { threads in
        RecurrentCell.allCases.flatMap { cell in
            settings.recurrentConfigurations.flatMap { c in
                ["infer", "train"].map { mode in
                    let name = "\(cell) F\(c.f) H\(c.h) L\(c.l) T\(c.t) B\(c.b) \(mode)"
                    return BenchCase(suite: "recurrent", name: name, threads: threads) {
                        var generator = SeededGenerator(seed: settings.seed)
                        let model = RecurrentModel(RecurrentModelConfiguration(cell: cell, inputSize: c.f, hiddenSize: c.h, layers: c.l),
                                                   generator: &generator)
                        model.threads = threads
                        // The passes split their work themselves; the head's products call OpenBLAS
                        // on one thread, as in a command's run (the GEMM cases may have left it at two).
                        OpenBLAS.threadCount = 1
                        let x = AlignedBuffer<Float>(count: c.t * c.b * c.f)
                        let y = AlignedBuffer<Float>(count: c.b)
                        let dy = AlignedBuffer<Float>(count: c.b)
                        generator.fillNormal(x.buffer)
                        generator.fillNormal(y.buffer)
                        let optimizer = Optimizer(.adam(), learningRate: 1e-3, parameters: model.parameters)
                        let seconds = timeCalls(minTime: settings.minTime, repeats: settings.repeats, warmup: 3) {
                            let prediction = model.forward(x.baseAddress, steps: c.t, batch: c.b, training: mode == "train")
                            guard mode == "train" else { return }
                            _ = Loss.meanSquaredError.evaluate(predictions: prediction.baseAddress!, targets: y.baseAddress,
                                                               count: c.b, gradient: dy.baseAddress)
                            model.zeroGradients()
                            model.backward(outputGradient: dy.baseAddress)
                            optimizer.step()
                        }
                        let rate = Spread(seconds.map { Double(c.b) / $0 })
                        // The peer script's estimate of the work: the products only, 2·B·(in + H)·G·H
                        // per layer and step, training counted as three forward passes.
                        let forwardFLOPs = (0..<c.l).reduce(0.0) { total, layer in
                            total + 2.0 * Double(c.b * ((layer == 0 ? c.f : c.h) + c.h) * cell.gateCount * c.h * c.t)
                        }
                        let flops = forwardFLOPs * (mode == "train" ? 3 : 1)
                        return BenchRecord(
                            suite: "recurrent",
                            key: ["cell": .text(cell.rawValue), "mode": .text(mode), "input": .integer(c.f), "hidden": .integer(c.h),
                                  "layers": .integer(c.l), "seq": .integer(c.t), "batch": .integer(c.b)],
                            metrics: ["seq_per_s": rate.median, "ms_per_batch": 1e3 * Spread(seconds).median, "seq_per_s_best": rate.max,
                                      "gflops_est": flops / Spread(seconds).median / 1e9],
                            caseName: name, headline: (rate.median, "seq/s", rate), threads: threads)
                    }
                }
            }
        }
    }
}
