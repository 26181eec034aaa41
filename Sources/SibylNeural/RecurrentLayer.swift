import _SibylVectorMath
import SibylKernels

// Dimensions: T time steps, B batch, F input features, H hidden units, G gates (LSTM 4: i, f, g, o;
// GRU 3: r, z, n), in PyTorch's order and with PyTorch's parameter layout.
//
// Forward: each step does its products on weights packed once per pass and a fused, vectorized
// pass over its gates. For LSTM the product is [x_t, h_{t−1}]·[W_ih W_hh]ᵀ, the input and
// recurrent projections in one (B, F+H)·(F+H, 4H) GEMM (`sibyl_gemm_panels`), then one pass over
// the gates (`_SibylVectorMath/recurrent.c`). GRU's step is one kernel (`sibyl_gru_step`), tile by
// tile of 32 units: r and z over [x_t, h_{t−1}] in one accumulation, the n block's x_t·W_inᵀ and
// h_{t−1}·W_hnᵀ apart (r gates the second), and the gates computed while the tile's products are
// in L1. Doing the input projection step by step, rather than as one (T·B, F)·(F, G·H) GEMM up front as cuDNN
// does, keeps every operand of a step in cache: the same FLOPs without a T·B·G·H buffer to stream.
// Packing the weights once per pass spares the repacking a BLAS call would do at every step.
//
// Backward walks the steps in reverse with one packed product per step, dGates_t·W_hh, and
// computes the weight and bias gradients of all steps in one blocked product over (T·B) rows
// (`sibyl_gemm_tn_accumulate`), which also takes the bias sums as it reads the gate gradients,
// and dX = dG·W_ih (lower layers need it) on packed panels.
//
// With more than one thread, the batch is split into contiguous row ranges that run the whole
// recurrence independently (one fork and join per pass, none per step), and the products over all
// steps are split by rows of their output, each part on one thread. A batch of a few sequences a
// thread is split by 32-unit tiles instead, forward and backward, with a barrier each step.

/// The recurrent cell a layer runs.
public enum RecurrentCell: String, Sendable, Codable, CaseIterable {
    case lstm
    case gru

    /// G, gate blocks per hidden unit.
    public var gateCount: Int { self == .lstm ? 4 : 3 }
}

/// One recurrent layer (LSTM or GRU) over whole sequences, forward and backward through time.
///
/// The layer owns its workspace: buffers grow to the largest T·B seen and are reused for anything
/// that fits, so nothing is allocated per step and a smaller batch does not reallocate.
final class RecurrentLayer {
    let cell: RecurrentCell
    /// F.
    let inputSize: Int
    /// H.
    let hiddenSize: Int
    /// W_ih (G·H, F), W_hh (G·H, H), b_ih (G·H), b_hh (G·H).
    let weightIH: Parameter
    let weightHH: Parameter
    let biasIH: Parameter
    let biasHH: Parameter

    /// Threads a pass uses (1 = the caller's thread only).
    var threads = 1
    /// Below this many multiply-adds a sequence (about H = 16 over 64 steps), a pass runs on one
    /// thread whatever `threads` says: starting the others costs more than they save (an H = 4
    /// model's epochs took twice as long on two).
    var minimumWorkPerRowToSplit = 1 << 16
    /// The threads the last forward pass ran on (its backward runs on as many).
    var threadsInUse: Int { threadsAtForward }
    /// Passes (inference and training, forward and backward) of at most this many sequences a
    /// thread share each step between the threads by units rather than by rows (see
    /// `unitSplitParts`); 0 turns that off.
    lazy var unitSplitRowsPerThread = cell == .lstm ? 2 : 3
    /// At most this many threads share a step by units: the processors. Its parts wait for each
    /// other every step, and parts beyond the processors only make them wait longer: four on two
    /// processors ran at 0.2–0.8 of two's rate (one to four sequences, H = 128 and 256).
    var maximumUnitSplitParts = availableProcessors

    private(set) var steps = 0
    private(set) var batch = 0
    /// Packed panels: forward, [W_ih W_hh]ᵀ (F+H, 4H) for LSTM and `sibyl_gru_pack`'s layout for
    /// GRU; backward, W_hh (G·H, H).
    private let packedForward: AlignedBuffer<Float>
    private let packedBackward: AlignedBuffer<Float>
    /// W_ih (G·H, F) packed for dX = dG·W_ih.
    private let packedInputWeights: AlignedBuffer<Float>
    /// Per thread, LSTM only: the step's projection (B_part, 4H), small enough to stay in cache, and
    /// the inference scratch for c.
    private var panelWorkspace = AlignedBuffer<Float>(count: 0)
    private var panelWorkspaceStride = 0
    /// LSTM passes shared by units: the step's projection (B, 4H) and two (B, H) slabs for c (used
    /// by inference only: training keeps every c).
    private var unitWorkspace = AlignedBuffer<Float>(count: 0)
    /// Batch rows per thread and the thread count the per-thread workspaces are laid out for.
    private var rowsPerPartCapacity = 0
    private var workspaceThreads = 0
    /// Steps × sequences and sequences the state buffers (`hidden`, `cellState`) and the
    /// training-only history and gradient buffers hold.
    private var stateRowCapacity = 0
    private var stateBatchCapacity = 0
    private var historyRowCapacity = 0
    private var historyBatchCapacity = 0
    /// Inference only: per-thread scratch for two alternating c slabs (the activations are not kept).
    private var scratchCellOffset = 0
    private var scratchCellStride = 0
    /// Whether the last forward kept what backward needs.
    private var keptHistory = false
    /// Threads the last forward sized its workspace for; backward splits the same way.
    private var threadsAtForward = 1
    // Forward state, kept for backward.
    /// (T, B, G·H): gate activations at each step (LSTM: i, f, g, o; GRU: r, z, n).
    private var gates = AlignedBuffer<Float>(count: 0)
    /// (T, B, H), GRU only: h_{t−1}·W_hnᵀ + b_hn, which backward needs.
    private var hiddenProjection = AlignedBuffer<Float>(count: 0)
    /// (T+1, B, H): h_0 (initial state), then h_1 … h_T, the layer's outputs.
    private(set) var hidden = AlignedBuffer<Float>(count: 0)
    /// (T+1, B, H), LSTM only: c_0, then c_1 … c_T.
    private var cellState = AlignedBuffer<Float>(count: 0)
    /// (T, B, H), LSTM only: tanh(c_t).
    private var tanhCell = AlignedBuffer<Float>(count: 0)
    /// LSTM: b_ih + b_hh (4H), added by the step. GRU: `sibyl_gru_pack`'s four bias rows.
    private let biasSum: AlignedBuffer<Float>
    // Backward workspace.
    /// (T, B, G·H): pre-activation gate gradients (LSTM), or those of the input projection (GRU).
    private var gateGradients = AlignedBuffer<Float>(count: 0)
    /// (T, B, G·H), GRU only: gradients of the hidden projection.
    private var hiddenGateGradients = AlignedBuffer<Float>(count: 0)
    /// (B, H) each: dL/dh_t (both paths summed), the recurrent part of it, and dL/dc_t.
    private var dh = AlignedBuffer<Float>(count: 0)
    private var dhRecurrent = AlignedBuffer<Float>(count: 0)
    private var dc = AlignedBuffer<Float>(count: 0)
    /// Per thread: packed blocks for the weight-gradient products.
    private var weightGradientWorkspace = AlignedBuffer<Float>(count: 0)
    private var weightGradientWorkspaceStride = 0
    private var weightGradientThreads = 0
    /// (T, B, F): dL/dx.
    private(set) var inputGradient = AlignedBuffer<Float>(count: 0)

    init(cell: RecurrentCell, inputSize: Int, hiddenSize: Int, index: Int) {
        self.cell = cell
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        let gh = cell.gateCount * hiddenSize
        weightIH = Parameter(name: "weight_ih_l\(index)", shape: [gh, inputSize])
        weightHH = Parameter(name: "weight_hh_l\(index)", shape: [gh, hiddenSize])
        biasIH = Parameter(name: "bias_ih_l\(index)", shape: [gh])
        biasHH = Parameter(name: "bias_hh_l\(index)", shape: [gh])
        let h = hiddenSize
        packedForward = AlignedBuffer(count: cell == .lstm ? sibyl_panel_size(inputSize + h, gh) : sibyl_gru_packed_size(inputSize, h))
        packedBackward = AlignedBuffer(count: sibyl_panel_size(gh, h))
        packedInputWeights = AlignedBuffer(count: sibyl_panel_size(gh, inputSize))
        biasSum = AlignedBuffer(count: cell == .lstm ? gh : sibyl_gru_bias_size(h))
    }

    var parameters: [Parameter] { [weightIH, weightHH, biasIH, biasHH] }

    /// Sizes the workspace for T steps of B sequences, growing buffers that are too small.
    private func reserve(steps: Int, batch: Int, history: Bool) {
        let gh = cell.gateCount * hiddenSize
        // Each region starts on its own cache line (a multiple of 16 floats).
        func lines(_ floats: Int) -> Int { (floats + 15) / 16 * 16 }
        // Buffers grow and are then reused for anything that fits: a smaller last batch of an
        // epoch, or a validation pass, does not reallocate (and re-fault) tens of MB.
        let rowsPerPart = (batch + threads - 1) / threads
        if cell == .lstm, rowsPerPart > rowsPerPartCapacity || threads != workspaceThreads {
            rowsPerPartCapacity = max(rowsPerPart, rowsPerPartCapacity)
            workspaceThreads = threads
            let rows = rowsPerPartCapacity
            let (slab, unitSlab) = (lines(rows * gh), lines(rows * hiddenSize))
            panelWorkspaceStride = slab + 2 * unitSlab
            scratchCellOffset = slab
            scratchCellStride = unitSlab
            panelWorkspace = AlignedBuffer(count: threads * panelWorkspaceStride)
        }
        if threads != weightGradientThreads {
            // Depends on F, H and the thread count only, not on the batch.
            weightGradientThreads = threads
            weightGradientWorkspaceStride = lines(cell == .lstm ? sibyl_gemm_tn_workspace_size(inputSize, hiddenSize)
                : max(sibyl_gemm_tn_workspace_size(inputSize, 0), sibyl_gemm_tn_workspace_size(hiddenSize, 0)))
            weightGradientWorkspace = AlignedBuffer(count: threads * weightGradientWorkspaceStride)
        }
        self.steps = steps
        self.batch = batch
        let h = hiddenSize
        if steps * batch > stateRowCapacity || batch > stateBatchCapacity {
            stateRowCapacity = max(steps * batch, stateRowCapacity)
            stateBatchCapacity = max(batch, stateBatchCapacity)
            // (T + 1)·B rows: the initial state, then one slab per step.
            let states = stateRowCapacity + stateBatchCapacity
            hidden = AlignedBuffer(count: states * h)
            if cell == .lstm { cellState = AlignedBuffer(count: states * h) }
        }
        // Inference stores no activations: what only backward needs is allocated by the first
        // training pass.
        guard history, steps * batch > historyRowCapacity || batch > historyBatchCapacity else { return }
        historyRowCapacity = max(steps * batch, historyRowCapacity)
        historyBatchCapacity = max(batch, historyBatchCapacity)
        let (rows, sequences) = (historyRowCapacity, historyBatchCapacity)
        gates = AlignedBuffer(count: rows * gh)
        gateGradients = AlignedBuffer(count: rows * gh)
        dh = AlignedBuffer(count: sequences * h)
        dhRecurrent = AlignedBuffer(count: sequences * h)
        inputGradient = AlignedBuffer(count: rows * inputSize)
        switch cell {
        case .lstm:
            tanhCell = AlignedBuffer(count: rows * h)
            dc = AlignedBuffer(count: sequences * h)
        case .gru:
            hiddenProjection = AlignedBuffer(count: rows * h)
            hiddenGateGradients = AlignedBuffer(count: rows * gh)
        }
    }

    /// The outputs h_1 … h_T, (T, B, H), valid after `forward`.
    var outputs: UnsafeMutablePointer<Float> { hidden.baseAddress + batch * hiddenSize }

    /// h_T, (B, H).
    var finalHidden: UnsafeMutablePointer<Float> { hidden.baseAddress + steps * batch * hiddenSize }

    /// c_T, (B, H); LSTM only.
    var finalCell: UnsafeMutablePointer<Float> { cellState.baseAddress + steps * batch * hiddenSize }

    // MARK: - Forward

    /// Runs the layer over a batch of sequences.
    ///
    /// - Parameters:
    ///   - input: (T, B, F), time-major.
    ///   - initialHidden: h_0 (B, H); zeros when nil.
    ///   - initialCell: c_0 (B, H), LSTM only; zeros when nil.
    ///   - keepHistory: Keep every step's gates and states for `backward`. Without it (inference),
    ///     the steps store no activations and c alternates between two per-thread scratch slabs;
    ///     the outputs and final states are the same, bit for bit.
    func forward(_ input: UnsafePointer<Float>, steps: Int, batch: Int,
                 initialHidden: UnsafePointer<Float>? = nil, initialCell: UnsafePointer<Float>? = nil, keepHistory: Bool = true) {
        // Too little work per row to share: the threads would cost more than they save. Any split
        // computes the same numbers, bit for bit.
        let requested = threads
        if Self.workPerRow(cell: cell, inputs: inputSize, hidden: hiddenSize, steps: steps) < minimumWorkPerRowToSplit { threads = 1 }
        defer { threads = requested }
        reserve(steps: steps, batch: batch, history: keepHistory)
        keptHistory = keepHistory
        threadsAtForward = threads
        let (h, gh, bh) = (hiddenSize, cell.gateCount * hiddenSize, batch * hiddenSize)
        if let initialHidden { hidden.baseAddress.update(from: initialHidden, count: bh) } else { hidden.baseAddress.update(repeating: 0, count: bh) }
        if cell == .lstm {
            if let initialCell { cellState.baseAddress.update(from: initialCell, count: bh) } else { cellState.baseAddress.update(repeating: 0, count: bh) }
        }
        let f = inputSize
        switch cell {
        case .lstm:
            packInParts(packedForward.count) { part, parts in
                sibyl_pack_panels_part(weightIH.value.baseAddress, f, 1, f, gh, packedForward.baseAddress, 0, f + h, part, parts)
                sibyl_pack_panels_part(weightHH.value.baseAddress, h, 1, h, gh, packedForward.baseAddress, f, f + h, part, parts)
            }
            VectorMath.add(UnsafeBufferPointer(biasIH.value.buffer), UnsafeBufferPointer(biasHH.value.buffer), into: biasSum.buffer)
        case .gru:
            packInParts(packedForward.count) { part, parts in
                sibyl_gru_pack_part(weightIH.value.baseAddress, weightHH.value.baseAddress, biasIH.value.baseAddress, biasHH.value.baseAddress,
                                    f, h, packedForward.baseAddress, biasSum.baseAddress, part, parts)
            }
        }
        // A few sequences: the threads share each step by units, meeting after it.
        if let parts = unitSplitParts(batch: batch),
           forwardByUnits(input, steps: steps, batch: batch, parts: parts, keepHistory: keepHistory) {
            return
        }
        // The recurrence, each thread on its own rows of the batch.
        splitRows(batch) { part, rows in
            let (b0, n) = (rows.lowerBound, rows.count)
            // LSTM only: the step's (n, 4H) projection opens the thread's slab (GRU's step needs none).
            let workspace = panelWorkspace.baseAddress + part * panelWorkspaceStride
            let projection = workspace
            for t in 0..<steps {
                let x = input + (t * batch + b0) * f
                let previous = hidden.baseAddress + t * bh + b0 * h
                let next = hidden.baseAddress + (t + 1) * bh + b0 * h
                switch cell {
                case .lstm:
                    // Without history, c alternates between two scratch slabs, starting from c_0 and
                    // ending in c_T's place in `cellState`.
                    let cellPrevious = keepHistory || t == 0 ? cellState.baseAddress + t * bh + b0 * h
                        : workspace + scratchCellOffset + ((t - 1) % 2) * scratchCellStride
                    let cellNext = keepHistory || t == steps - 1 ? cellState.baseAddress + (t + 1) * bh + b0 * h
                        : workspace + scratchCellOffset + (t % 2) * scratchCellStride
                    // pre = [x_t, h_{t−1}]·[W_ih W_hh]ᵀ; the step adds the biases.
                    sibyl_gemm_panels(n, gh, f, x, f, h, previous, h, packedForward.baseAddress, 0, projection, gh)
                    if keepHistory {
                        sibyl_lstm_forward_step(gates.baseAddress + (t * batch + b0) * gh, projection, biasSum.baseAddress, cellPrevious, cellNext,
                                                tanhCell.baseAddress + t * bh + b0 * h, next, n, h)
                    } else {
                        sibyl_lstm_infer_step(projection, biasSum.baseAddress, cellPrevious, cellNext, next, n, h)
                    }
                case .gru:
                    // Products and gates in one kernel; training keeps the gates and h_{t−1}·W_hnᵀ + b_hn.
                    sibyl_gru_step(n, f, h, x, f, previous, packedForward.baseAddress, biasSum.baseAddress, next,
                                   keepHistory ? gates.baseAddress + (t * batch + b0) * gh : nil,
                                   keepHistory ? hiddenProjection.baseAddress + (t * batch + b0) * h : nil)
                }
            }
        }
    }

    /// Threads to share a pass's steps by units, or nil to split its rows. Split by rows,
    /// each thread reads all of the step's weights for its one or two rows, which a register block
    /// of four rows pads (a 4-sequence LSTM of H = 512 ran 1.1 times as fast on two threads as on
    /// one, PyTorch's 1.8 times); split by units, each reads its part of the weights for every row,
    /// at the cost of a barrier a step. On two threads (Zen 3, alternating runs of the two splits)
    /// units ran 1.2–1.5 times as fast for 1, 2 and 4 sequences at H = 256 and 512, GRUs also for
    /// 6 (1.2–1.3×; LSTMs even), and 0.8–1.0 times for 8 and more: hence at most two rows a thread
    /// for an LSTM, three for a GRU (measured on inference; training's forward steps are the same
    /// products, and its backward steps' dGates·W_hh the same shape turned over). The units go in
    /// 32-unit tiles (the LSTM's gate blocks must start on a panel, so its H must be a multiple of 32).
    func unitSplitParts(batch: Int) -> Int? {
        let tile = Self.unitTile, sharing = min(threads, maximumUnitSplitParts)
        guard sharing > 1, batch > 0, batch <= unitSplitRowsPerThread * sharing, cell == .gru || hiddenSize % tile == 0 else { return nil }
        let parts = min(sharing, (hiddenSize + tile - 1) / tile)
        return parts > 1 ? parts : nil
    }

    /// Units of a tile: the GRU step's tile width, which the LSTM's split follows too.
    static let unitTile = Int(SIBYL_PANEL_WIDTH)

    /// The recurrence of a forward pass on `parts` threads at once, each on its own tiles of 32
    /// units of every row, with a barrier after each step (the next one reads all of h). The same
    /// bits as on one thread. False when the threads could not be started (nothing ran).
    private func forwardByUnits(_ input: UnsafePointer<Float>, steps: Int, batch: Int, parts: Int, keepHistory: Bool) -> Bool {
        let (f, h, gh, bh) = (inputSize, hiddenSize, cell.gateCount * hiddenSize, batch * hiddenSize)
        let tile = Self.unitTile, tiles = (h + tile - 1) / tile
        if cell == .lstm, unitWorkspace.count < batch * gh + 2 * bh { unitWorkspace = AlignedBuffer(count: batch * gh + 2 * bh) }
        let barrier = SpinBarrier(parties: parts)
        return runConcurrently(parts) { part in
            let (firstTile, lastTile) = (tiles * part / parts, tiles * (part + 1) / parts)
            let (first, count) = (firstTile * tile, min(h, lastTile * tile) - firstTile * tile)
            for t in 0..<steps {
                let x = input + t * batch * f
                let previous = hidden.baseAddress + t * bh
                switch cell {
                case .lstm:
                    // Without history, c alternates between two scratch slabs, as in the row split.
                    let projection = unitWorkspace.baseAddress, scratch = projection + batch * gh
                    let cellPrevious = keepHistory || t == 0 ? cellState.baseAddress + t * bh : scratch + ((t - 1) % 2) * bh
                    let cellNext = keepHistory || t == steps - 1 ? cellState.baseAddress + (t + 1) * bh : scratch + (t % 2) * bh
                    // Each gate block's columns of these units; a panel starts every 16 or 32 of them.
                    // Whether to ask for panels ahead follows the size of all the weights a step streams.
                    for gate in 0..<4 {
                        let column = gate * h + first
                        sibyl_gemm_panels_of(batch, count, gh, f, x, f, h, previous, h, packedForward.baseAddress + column * (f + h), 0,
                                             projection + column, gh)
                    }
                    if keepHistory {
                        sibyl_lstm_forward_units(gates.baseAddress + t * batch * gh, projection, biasSum.baseAddress, cellPrevious, cellNext,
                                                 tanhCell.baseAddress + t * bh, previous + bh, batch, h, first, count)
                    } else {
                        sibyl_lstm_infer_units(projection, biasSum.baseAddress, cellPrevious, cellNext, previous + bh, batch, h, first, count)
                    }
                case .gru:
                    sibyl_gru_step_tiles(batch, f, h, x, f, previous, packedForward.baseAddress, biasSum.baseAddress, previous + bh,
                                         keepHistory ? gates.baseAddress + t * batch * gh : nil,
                                         keepHistory ? hiddenProjection.baseAddress + t * bh : nil, firstTile, lastTile - firstTile)
                }
                barrier.wait()
            }
        }
    }

    /// The backward recurrence on `parts` threads at once, each on the units of its forward tiles:
    /// each step's gate gradients for its units, a barrier, then dL/dh_{t−1} for its units from all
    /// of them (dGates·W_hh by columns). Nothing else any thread reads changes between barriers:
    /// a step's dh, dc and dh_{t−1} columns are its own. The same bits as on one thread. False when
    /// the threads could not be started (nothing ran).
    private func backwardByUnits(outputGradient: UnsafePointer<Float>?, parts: Int) -> Bool {
        let tile = Self.unitTile, tiles = (hiddenSize + tile - 1) / tile
        let barrier = SpinBarrier(parties: parts)
        return runConcurrently(parts) { part in
            let (firstTile, lastTile) = (tiles * part / parts, tiles * (part + 1) / parts)
            let units = firstTile * tile..<min(hiddenSize, lastTile * tile)
            for t in stride(from: steps - 1, through: 0, by: -1) {
                backwardStep(t, rows: 0..<batch, units: units, outputGradient: outputGradient, barrier: barrier)
            }
        }
    }

    /// Step t of the backward recurrence for `rows` of the batch and `units` of each row: dh (the
    /// output's gradient plus the recurrent one), the gate gradients, then dL/dh_{t−1} of these rows
    /// and units, dGates_t·W_hh by columns, after `barrier` when other threads fill the other units'
    /// gate gradients. The row split passes all units and no barrier.
    private func backwardStep(_ t: Int, rows: Range<Int>, units: Range<Int>, outputGradient: UnsafePointer<Float>?,
                              barrier: SpinBarrier?) {
        let (h, gh, bh) = (hiddenSize, cell.gateCount * hiddenSize, batch * hiddenSize)
        let (b0, n, first, count) = (rows.lowerBound, rows.count, units.lowerBound, units.count)
        let recurrent = dhRecurrent.baseAddress + b0 * h
        // dh = dL/dh_t through the output + through step t+1.
        let total: UnsafePointer<Float>
        if let outputGradient {
            // Whole rows (the row split) lie end to end: one addition over all of them.
            for row in stride(from: b0, to: rows.upperBound, by: count == h ? max(n, 1) : 1) {
                let (offset, length) = (row * h + first, count == h ? n * h : count)
                VectorMath.add(UnsafeBufferPointer(start: outputGradient + t * bh + offset, count: length),
                               UnsafeBufferPointer(start: dhRecurrent.baseAddress + offset, count: length),
                               into: UnsafeMutableBufferPointer(start: dh.baseAddress + offset, count: length))
            }
            total = UnsafePointer(dh.baseAddress + b0 * h)
        } else {
            total = UnsafePointer(recurrent)
        }
        let dGates = gateGradients.baseAddress + (t * batch + b0) * gh
        let packed = packedBackward.baseAddress + first * gh
        switch cell {
        case .lstm:
            sibyl_lstm_backward_units(gates.baseAddress + (t * batch + b0) * gh, cellState.baseAddress + t * bh + b0 * h,
                                      tanhCell.baseAddress + t * bh + b0 * h, total, dc.baseAddress + b0 * h, dGates, n, h, first, count)
            barrier?.wait()
            // dL/dh_{t−1} through the recurrence: dGates_t·W_hh.
            sibyl_gemm_panels_of(n, count, h, gh, dGates, gh, 0, nil, 0, packed, 0, recurrent + first, h)
        case .gru:
            let dHidden = hiddenGateGradients.baseAddress + (t * batch + b0) * gh
            // Writes the direct part dh·z into `recurrent`; `total` may be `recurrent` itself, which
            // the kernel allows (each element is read before it is written).
            sibyl_gru_backward_units(gates.baseAddress + (t * batch + b0) * gh, hiddenProjection.baseAddress + (t * batch + b0) * h,
                                     hidden.baseAddress + t * bh + b0 * h, total, dGates, dHidden, recurrent, n, h, first, count)
            barrier?.wait()
            sibyl_gemm_panels_of(n, count, h, gh, dHidden, gh, 0, nil, 0, packed, 1, recurrent + first, h)
        }
    }

    /// Multiply-adds of one sequence's products over `steps` steps: G·H·(F + H) a step.
    static func workPerRow(cell: RecurrentCell, inputs: Int, hidden: Int, steps: Int) -> Int {
        cell.gateCount * hidden * (inputs + hidden) * steps
    }

    /// Packs `floats` floats of weights as `pack(part, parts)` does, on all threads when they are
    /// large enough for the threads to gain (packing waits on memory; at H = 1024 it is an eighth of
    /// an inference pass on one thread).
    private func packInParts(_ floats: Int, _ pack: (_ part: Int, _ parts: Int) -> Void) {
        let parts = floats >= 1 << 18 ? threads : 1
        parallelFor(parts) { pack($0, parts) }
    }

    /// Runs `body(part, rows)` over `count` rows split into `threads` contiguous ranges, in parallel.
    private func splitRows(_ count: Int, _ body: (_ part: Int, _ rows: Range<Int>) -> Void) {
        let parts = max(1, min(threads, count))
        let size = (count + parts - 1) / parts
        parallelFor(parts) { part in
            let rows = min(count, part * size)..<min(count, (part + 1) * size)
            if !rows.isEmpty { body(part, rows) }
        }
    }

    // MARK: - Backward

    /// Backpropagates through the sequence of the last `forward`, adding into the parameter
    /// gradients.
    ///
    /// - Parameters:
    ///   - input: The (T, B, F) input `forward` ran on.
    ///   - outputGradient: dL/dh_t for t = 1 … T, (T, B, H); nil when only the final state matters.
    ///   - finalHiddenGradient: dL/dh_T (B, H) through the final state, added to the output gradient.
    ///   - finalCellGradient: dL/dc_T (B, H), LSTM only.
    ///   - computeInputGradient: Whether to fill `inputGradient` (lower layers need it; the first
    ///     layer of a model does not).
    /// - Returns: dL/dh_0 (B, H) and, for LSTM, dL/dc_0 (B, H), valid until the next call.
    @discardableResult
    func backward(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>?,
                  finalHiddenGradient: UnsafePointer<Float>? = nil, finalCellGradient: UnsafePointer<Float>? = nil,
                  computeInputGradient: Bool) -> (hidden: UnsafePointer<Float>, cell: UnsafePointer<Float>?) {
        precondition(keptHistory, "backward needs a forward pass that kept its history (a training forward)")
        // The workspace was sized for the forward's thread count; split the same way even if the
        // setting changed since.
        let requested = threads
        threads = threadsAtForward
        defer { threads = requested }
        let (h, gh, bh) = (hiddenSize, cell.gateCount * hiddenSize, batch * hiddenSize)
        // The recurrent gradient flowing into step T comes from outside (the final state).
        if let finalHiddenGradient { dhRecurrent.baseAddress.update(from: finalHiddenGradient, count: bh) } else { dhRecurrent.baseAddress.update(repeating: 0, count: bh) }
        if cell == .lstm {
            if let finalCellGradient { dc.baseAddress.update(from: finalCellGradient, count: bh) } else { dc.baseAddress.update(repeating: 0, count: bh) }
        }
        packInParts(packedBackward.count) { part, parts in
            sibyl_pack_panels_part(weightHH.value.baseAddress, h, 0, gh, h, packedBackward.baseAddress, 0, gh, part, parts)
        }
        // A few sequences: the threads share each step by units, as the forward pass did.
        let byUnits = unitSplitParts(batch: batch).map { backwardByUnits(outputGradient: outputGradient, parts: $0) } ?? false
        if !byUnits {
            splitRows(batch) { _, rows in
                for t in stride(from: steps - 1, through: 0, by: -1) {
                    backwardStep(t, rows: rows, units: 0..<h, outputGradient: outputGradient, barrier: nil)
                }
            }
        }
        // Weight and bias gradients over all steps at once (K = T·B), split by rows of the gradient
        // being filled: dW_ih += dGᵀ·X, dW_hh += dG_hᵀ·H_prev (H_prev = h_0 … h_{T−1}, the first T
        // slabs of `hidden`), db += column sums. For LSTM dG_h is dG, so one pass over dG fills all four.
        let rows = steps * batch
        splitRows(gh) { part, units in
            let (u, m) = (units.lowerBound, units.count)
            let workspace = weightGradientWorkspace.baseAddress + part * weightGradientWorkspaceStride
            switch cell {
            case .lstm:
                sibyl_gemm_tn_accumulate(m, rows, gateGradients.baseAddress + u, gh, inputSize, input, inputSize, h, hidden.baseAddress, h,
                                         weightIH.gradient.baseAddress + u * inputSize, inputSize, weightHH.gradient.baseAddress + u * h, h,
                                         biasIH.gradient.baseAddress + u, biasHH.gradient.baseAddress + u, workspace)
            case .gru:
                sibyl_gemm_tn_accumulate(m, rows, gateGradients.baseAddress + u, gh, inputSize, input, inputSize, 0, nil, 0,
                                         weightIH.gradient.baseAddress + u * inputSize, inputSize, nil, 0,
                                         biasIH.gradient.baseAddress + u, nil, workspace)
                sibyl_gemm_tn_accumulate(m, rows, hiddenGateGradients.baseAddress + u, gh, h, hidden.baseAddress, h, 0, nil, 0,
                                         weightHH.gradient.baseAddress + u * h, h, nil, 0,
                                         biasHH.gradient.baseAddress + u, nil, workspace)
            }
        }
        if computeInputGradient {
            // dX = dG·W_ih: (T·B, G·H)·(G·H, F), on packed panels, each thread on its rows in
            // pieces of about 64 KB of dG, which stay in cache while every panel passes over them.
            sibyl_pack_panels(weightIH.value.baseAddress, inputSize, 0, gh, inputSize, packedInputWeights.baseAddress, 0, gh)
            let piece = max(8, 16384 / gh)
            splitRows(rows) { _, range in
                for start in stride(from: range.lowerBound, to: range.upperBound, by: piece) {
                    sibyl_gemm_panels(min(piece, range.upperBound - start), inputSize, gh, gateGradients.baseAddress + start * gh, gh,
                                      0, nil, 0, packedInputWeights.baseAddress, 0, inputGradient.baseAddress + start * inputSize,
                                      inputSize)
                }
            }
        }
        return (UnsafePointer(dhRecurrent.baseAddress), cell == .lstm ? UnsafePointer(dc.baseAddress) : nil)
    }
}
