import _SibylVectorMath
import SibylKernels

/// A fully connected layer y = x·Wᵀ + b, with PyTorch's `nn.Linear` layout.
///
/// Dimensions: B batch, I inputs, O outputs; W (O, I), b (O).
final class Dense {
    let inputSize: Int
    let outputSize: Int
    let weight: Parameter
    let bias: Parameter
    /// (B, O) outputs of the last forward.
    private(set) var output = AlignedBuffer<Float>(count: 0)
    /// (B, I) dL/dx of the last backward.
    private(set) var inputGradient = AlignedBuffer<Float>(count: 0)
    private var batch = 0

    init(inputSize: Int, outputSize: Int, prefix: String) {
        self.inputSize = inputSize
        self.outputSize = outputSize
        weight = Parameter(name: "\(prefix).weight", shape: [outputSize, inputSize])
        bias = Parameter(name: "\(prefix).bias", shape: [outputSize])
    }

    var parameters: [Parameter] { [weight, bias] }

    /// y = x·Wᵀ + b for x (B, I); the result (B, O) is in `output`.
    func forward(_ x: UnsafePointer<Float>, batch: Int) {
        if batch != self.batch {
            self.batch = batch
            output = AlignedBuffer(count: batch * outputSize)
            inputGradient = AlignedBuffer(count: batch * inputSize)
        }
        BLAS.gemm(.none, .transposed, m: batch, n: outputSize, k: inputSize, a: x, lda: inputSize,
                  b: weight.value.baseAddress, ldb: inputSize, c: output.baseAddress, ldc: outputSize)
        sibyl_add_row_bias(output.baseAddress, bias.value.baseAddress, batch, outputSize)
    }

    /// Adds dW += dyᵀ·x and db += Σ dy, and writes dx = dy·W (B, I) to `inputGradient`.
    func backward(_ x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>) {
        BLAS.gemm(.transposed, .none, m: outputSize, n: inputSize, k: batch, a: dy, lda: outputSize,
                  b: x, ldb: inputSize, beta: 1, c: weight.gradient.baseAddress, ldc: inputSize)
        sibyl_add_column_sums(dy, bias.gradient.baseAddress, batch, outputSize)
        BLAS.gemm(.none, .none, m: batch, n: inputSize, k: outputSize, a: dy, lda: outputSize,
                  b: weight.value.baseAddress, ldb: inputSize, c: inputGradient.baseAddress, ldc: inputSize)
    }
}
