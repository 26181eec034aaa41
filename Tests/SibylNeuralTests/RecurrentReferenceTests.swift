import Foundation
import _SibylVectorMath
import Testing
@testable import SibylKernels
@testable import SibylNeural

/// The layers' fused, tiled steps against a plain double-precision loop over PyTorch's equations,
/// at sizes the PyTorch fixtures do not reach: H over one 32-unit tile with a partial last tile,
/// batches over one 8-row block with a partial last block, one and two threads (and weights large
/// enough that two threads pack them).
@Suite("Recurrent layers against a naive double-precision reference")
struct RecurrentReferenceTests {
    /// h_1 … h_T, (T, B, H), by the equations of torch.nn.LSTM and torch.nn.GRU.
    static func reference(cell: RecurrentCell, f: Int, h: Int, t: Int, b: Int, x: [Float], h0: [Float], c0: [Float],
                          wih: [Float], whh: [Float], bih: [Float], bhh: [Float]) -> [Double] {
        func sigmoid(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
        let g = cell.gateCount * h
        var hidden = h0.map(Double.init), cellState = c0.map(Double.init)
        var outputs: [Double] = []
        for step in 0..<t {
            var next = [Double](repeating: 0, count: b * h)
            for row in 0..<b {
                // xw = W_ih·x + b_ih and hw = W_hh·h + b_hh, each G·H long.
                var xw = [Double](repeating: 0, count: g), hw = [Double](repeating: 0, count: g)
                for unit in 0..<g {
                    var sx = Double(bih[unit]), sh = Double(bhh[unit])
                    for k in 0..<f { sx += Double(wih[unit * f + k]) * Double(x[(step * b + row) * f + k]) }
                    for k in 0..<h { sh += Double(whh[unit * h + k]) * hidden[row * h + k] }
                    xw[unit] = sx
                    hw[unit] = sh
                }
                for j in 0..<h {
                    let previous = hidden[row * h + j]
                    switch cell {
                    case .lstm:
                        let i = sigmoid(xw[j] + hw[j]), fg = sigmoid(xw[h + j] + hw[h + j])
                        let gg = tanh(xw[2 * h + j] + hw[2 * h + j]), o = sigmoid(xw[3 * h + j] + hw[3 * h + j])
                        let c = fg * cellState[row * h + j] + i * gg
                        cellState[row * h + j] = c
                        next[row * h + j] = o * tanh(c)
                    case .gru:
                        let r = sigmoid(xw[j] + hw[j]), z = sigmoid(xw[h + j] + hw[h + j])
                        let n = tanh(xw[2 * h + j] + r * hw[2 * h + j])
                        next[row * h + j] = (1 - z) * n + z * previous
                    }
                }
            }
            hidden = next
            outputs += next
        }
        return outputs
    }

    @Test("outputs of inference and training passes, tiles and row blocks partial, one to three threads",
          arguments: RecurrentCell.allCases, [1, 2, 3])
    func matchesReference(cell: RecurrentCell, threads: Int) {
        let worst = largestDifference(cell: cell, threads: threads)
        print("\(cell), \(threads) thread(s): largest difference from the double-precision reference \(worst)")
        #expect(worst < 1e-5)
    }

    @Test("a pass of a few sequences shares its steps by 32-unit tiles when there are tiles for two threads")
    func unitSplitChoice() {
        func parts(_ cell: RecurrentCell, hidden: Int, threads: Int, batch: Int) -> Int? {
            let layer = RecurrentLayer(cell: cell, inputSize: 3, hiddenSize: hidden, index: 0)
            layer.threads = threads
            layer.maximumUnitSplitParts = processors
            return layer.unitSplitParts(batch: batch)
        }
        var processors = 64
        // Up to two rows a thread for an LSTM, three for a GRU.
        #expect(parts(.lstm, hidden: 64, threads: 2, batch: 4) == 2)
        #expect(parts(.lstm, hidden: 64, threads: 2, batch: 5) == nil)
        #expect(parts(.gru, hidden: 64, threads: 2, batch: 6) == 2)
        #expect(parts(.gru, hidden: 64, threads: 2, batch: 7) == nil)
        #expect(parts(.lstm, hidden: 64, threads: 1, batch: 1) == nil)
        #expect(parts(.lstm, hidden: 64, threads: 2, batch: 0) == nil)
        // An LSTM's gate blocks must start on a panel; a GRU's tiles may end past H.
        #expect(parts(.lstm, hidden: 70, threads: 2, batch: 4) == nil)
        #expect(parts(.gru, hidden: 70, threads: 3, batch: 4) == 3)
        // No more threads than tiles.
        #expect(parts(.gru, hidden: 64, threads: 4, batch: 4) == 2)
        #expect(parts(.gru, hidden: 32, threads: 2, batch: 4) == nil)
        // No more threads than processors.
        processors = 2
        #expect(parts(.gru, hidden: 256, threads: 4, batch: 4) == 2)
        #expect(parts(.lstm, hidden: 256, threads: 3, batch: 4) == 2)
        // And the rows a thread counted on those that share the step: eight LSTM rows on four
        // threads over two processors keep the row split.
        #expect(parts(.lstm, hidden: 256, threads: 4, batch: 8) == nil)
        #expect(parts(.gru, hidden: 256, threads: 4, batch: 7) == nil)
        processors = 1
        #expect(parts(.gru, hidden: 256, threads: 2, batch: 4) == nil)
    }

    @Test("split by units (a few sequences) or by rows on two and three threads, the one-thread bits under each kernel set: inference, training and gradients",
          arguments: RecurrentCell.allCases, panelKernelLevels)
    func splitsKeepTheKernelSet(cell: RecurrentCell, level: Int32) {
        // Parts on other threads take the caller's cap: the unit split's spawned threads and the
        // row split's pool threads. The baseline (no fused multiply-adds) rounds differently from
        // the others, so a part on another set would show.
        // Units on two threads (64, 4), rows (40, 16), a GRU's partial last tile (70, 3; an LSTM
        // splits rows there), and on three threads three tiles of two sequences, fewer sequences
        // than threads (96, 2).
        for (hidden, batch, seed) in [(64, 4, UInt64(11)), (40, 16, UInt64(13)), (70, 3, UInt64(17)), (96, 2, UInt64(19))] {
            let values = { (threads: Int) in Self.passValues(cell: cell, hidden: hidden, batch: batch, threads: threads, seed: seed) }
            guard let same = withPanelKernels(level, { values(1) == values(2) && values(1) == values(3) }) else { return }
            #expect(same, "H=\(hidden) B=\(batch)")
        }
    }

    /// An inference pass's outputs, then a training pass's outputs, its parameter gradients and the
    /// gradients with respect to h_0 (c_0) and x, then those of a second backward from the final
    /// state alone (no output gradient, as a model's top layer runs it), of a layer with F = 5 over 3
    /// steps on `threads` threads (split however small the work).
    static func passValues(cell: RecurrentCell, hidden h: Int, batch b: Int, threads: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        let (f, t) = (5, 3)
        let layer = RecurrentLayer(cell: cell, inputSize: f, hiddenSize: h, index: 0)
        layer.threads = threads
        layer.minimumWorkPerRowToSplit = 0
        layer.maximumUnitSplitParts = threads
        for parameter in layer.parameters { generator.fillUniform(parameter.value.buffer, lower: -0.4, upper: 0.4) }
        let x = AlignedBuffer<Float>(count: t * b * f), dy = AlignedBuffer<Float>(count: t * b * h)
        generator.fillNormal(x.buffer)
        generator.fillNormal(dy.buffer)
        layer.forward(x.baseAddress, steps: t, batch: b, keepHistory: false)
        var values = Array(UnsafeBufferPointer(start: layer.outputs, count: t * b * h))
        layer.forward(x.baseAddress, steps: t, batch: b, keepHistory: true)
        values += Array(UnsafeBufferPointer(start: layer.outputs, count: t * b * h))
        let finalGradients = AlignedBuffer<Float>(count: 2 * b * h)  // dL/dh_T, then dL/dc_T
        generator.fillNormal(finalGradients.buffer)
        for upstream in [UnsafePointer(dy.baseAddress), nil] {
            let initial = layer.backward(input: x.baseAddress, outputGradient: upstream,
                                         finalHiddenGradient: upstream == nil ? finalGradients.baseAddress : nil,
                                         finalCellGradient: upstream == nil && cell == .lstm ? finalGradients.baseAddress + b * h : nil,
                                         computeInputGradient: true)
            for parameter in layer.parameters { values += parameter.gradient.array }
            values += Array(UnsafeBufferPointer(start: initial.hidden, count: b * h))
            if let cellGradient = initial.cell { values += Array(UnsafeBufferPointer(start: cellGradient, count: b * h)) }
            values += Array(UnsafeBufferPointer(start: layer.inputGradient.baseAddress, count: t * b * f))
        }
        withExtendedLifetime((layer, x, dy, finalGradients)) {}
        return values
    }

    @Test("the same on one thread with each kernel set of the products", arguments: RecurrentCell.allCases, panelKernelLevels)
    func matchesReferenceOnEachKernelSet(cell: RecurrentCell, level: Int32) {
        guard let worst = withPanelKernels(level, { largestDifference(cell: cell, threads: 1) }) else { return }
        print("\(cell), kernel set \(level): largest difference from the double-precision reference \(worst)")
        #expect(worst < 1e-5)
    }

    @Test("a GRU whose weights pass the prefetch size: a few sequences (products in turn over the row blocks) give the bits of a large batch (blocks in turn), and the reference's values, each kernel set",
          arguments: panelKernelLevels)
    func gruPastThePrefetchSize(level: Int32) {
        _ = withPanelKernels(level) {
            // 24 tiles of 32 units, the last partial; 6.9 MB of packed weights.
            let (f, h, t, b, few) = (5, 740, 2, 40, 8)
            #expect(sibyl_gru_packed_size(f, h) * MemoryLayout<Float>.size > sibyl_panel_prefetch_bytes())
            var generator = SeededGenerator(seed: 29)
            let layer = RecurrentLayer(cell: .gru, inputSize: f, hiddenSize: h, index: 0)
            for parameter in layer.parameters { generator.fillUniform(parameter.value.buffer, lower: -0.05, upper: 0.05) }
            let x = AlignedBuffer<Float>(count: t * b * f)
            generator.fillNormal(x.buffer)
            var passes: [[Float]] = []
            for keep in [false, true] {
                layer.forward(x.baseAddress, steps: t, batch: b, keepHistory: keep)
                passes.append(Array(UnsafeBufferPointer(start: layer.outputs, count: t * b * h)))
            }
            #expect(passes[0] == passes[1])
            // The same sequences, a few at a time.
            var pieces = [Float](repeating: .nan, count: t * b * h)
            var firstPiece: [Float] = []
            for b0 in stride(from: 0, to: b, by: few) {
                let part = AlignedBuffer<Float>(count: t * few * f)
                for step in 0..<t { for i in 0..<(few * f) { part[step * few * f + i] = x[(step * b + b0) * f + i] } }
                layer.forward(part.baseAddress, steps: t, batch: few, keepHistory: false)
                let out = Array(UnsafeBufferPointer(start: layer.outputs, count: t * few * h))
                if b0 == 0 { firstPiece = part.array }
                for step in 0..<t { for i in 0..<(few * h) { pieces[(step * b + b0) * h + i] = out[step * few * h + i] } }
            }
            #expect(pieces == passes[0])
            let expected = Self.reference(cell: .gru, f: f, h: h, t: t, b: few, x: firstPiece, h0: [Float](repeating: 0, count: few * h),
                                          c0: [], wih: layer.weightIH.value.array, whh: layer.weightHH.value.array,
                                          bih: layer.biasIH.value.array, bhh: layer.biasHH.value.array)
            var worst = 0.0
            for step in 0..<t {
                for i in 0..<(few * h) { worst = max(worst, abs(Double(pieces[step * b * h + i]) - expected[step * few * h + i])) }
            }
            print("GRU H=\(h) (\(String(cString: sibyl_panel_kernel_name()))): largest difference from the double-precision reference \(worst)")
            #expect(worst < 1e-5)
        }
    }

    func largestDifference(cell: RecurrentCell, threads: Int) -> Double {
        var worst = 0.0
        // H = 290 packs over 2^18 floats (1 MiB) of weights, which two threads pack in two parts.
        // Inference of a few sequences a thread shares each step by 32-unit tiles (the LSTM's when
        // H is a multiple of 32: H = 64, 96), unevenly when the tiles do not divide (H = 70 and 96
        // on two threads, 64 on three); training, and B = 16 and 70, split the rows. The GRU's step
        // runs B = 70 in two groups of rows.
        for (f, h, t, b) in [(7, 45, 4, 19), (3, 32, 3, 8), (40, 70, 3, 5), (1, 1, 2, 1), (8, 290, 2, 3),
                             (5, 64, 3, 4), (9, 96, 4, 6), (4, 96, 3, 3), (2, 160, 2, 16), (6, 40, 2, 70)] {
            var generator = SeededGenerator(seed: UInt64(f * 1000 + h))
            let layer = RecurrentLayer(cell: cell, inputSize: f, hiddenSize: h, index: 0)
            layer.threads = threads
            // Split however small the work, so that two threads' partial row blocks are tested,
            // and on as many threads as asked for, whatever the processors.
            layer.minimumWorkPerRowToSplit = 0
            layer.maximumUnitSplitParts = threads
            for parameter in layer.parameters { generator.fillUniform(parameter.value.buffer, lower: -0.4, upper: 0.4) }
            let x = AlignedBuffer<Float>(count: t * b * f), h0 = AlignedBuffer<Float>(count: b * h), c0 = AlignedBuffer<Float>(count: b * h)
            generator.fillNormal(x.buffer)
            generator.fillNormal(h0.buffer)
            generator.fillNormal(c0.buffer)
            defer { withExtendedLifetime((layer, x, h0, c0)) {} }  // the outputs are read through pointers
            let expected = Self.reference(cell: cell, f: f, h: h, t: t, b: b, x: x.array, h0: h0.array, c0: c0.array,
                                          wih: layer.weightIH.value.array, whh: layer.weightHH.value.array,
                                          bih: layer.biasIH.value.array, bhh: layer.biasHH.value.array)
            var passes: [[Float]] = [], cells: [[Float]] = []
            for keep in [false, true] {
                layer.forward(x.baseAddress, steps: t, batch: b, initialHidden: h0.baseAddress,
                              initialCell: cell == .lstm ? c0.baseAddress : nil, keepHistory: keep)
                passes.append(Array(UnsafeBufferPointer(start: layer.outputs, count: t * b * h)))
                if cell == .lstm { cells.append(Array(UnsafeBufferPointer(start: layer.finalCell, count: b * h))) }
            }
            // Inference and training compute the same outputs and final cell state, bit for bit.
            #expect(passes[0] == passes[1], "F=\(f) H=\(h) T=\(t) B=\(b)")
            #expect(cells.first == cells.last, "final cell state, F=\(f) H=\(h) T=\(t) B=\(b)")
            for (got, want) in zip(passes[1], expected) { worst = max(worst, abs(Double(got) - want)) }
        }
        return worst
    }
}
