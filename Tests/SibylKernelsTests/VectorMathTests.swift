import Foundation
import Testing
@testable import SibylKernels

@Suite("Element-wise kernels against Foundation math")
struct VectorMathTests {
    /// A dense sweep of [−30, 30], powers of ten up to the float range, their negatives, zeros and
    /// infinities. Its length is not a multiple of any vector width, so the scalar tails run too.
    static let sweep: [Float] = {
        var values: [Float] = stride(from: -30.0, through: 30.0, by: 0.0007).map { Float($0) }
        for e in -38...38 { values += [Float("1e\(e)")!, -Float("1e\(e)")!] }
        values += [0, -0, .infinity, -.infinity, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                   .leastNormalMagnitude, .leastNonzeroMagnitude, 88, -88, 87.5, -87.5, 0.625, -0.625]
        return values
    }()

    func apply(_ kernel: (UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void, _ x: [Float]) -> [Float] {
        let input = AlignedBuffer<Float>(x)
        let output = AlignedBuffer<Float>(count: x.count)
        kernel(UnsafeBufferPointer(input.buffer), output.buffer)
        return output.array
    }

    @Test("sigmoid is within 1e-6 of double-precision math everywhere")
    func sigmoidAccuracy() {
        let y = apply(VectorMath.sigmoid, Self.sweep)
        let worst = zip(Self.sweep, y).map { abs(Double($1) - ReferenceVectorMath.sigmoid(Double($0))) }.max()!
        print("sigmoid: largest abs error \(worst) over \(y.count) inputs")
        #expect(worst <= 1e-6)
        #expect(zip(Self.sweep, y).allSatisfy { $1 >= 0 && $1 <= 1 })
    }

    @Test("tanh is within 5e-7 of double-precision math, never past ±1, and keeps relative accuracy near zero")
    func tanhAccuracy() {
        let y = apply(VectorMath.tanh, Self.sweep)
        let worst = zip(Self.sweep, y).map { abs(Double($1) - Foundation.tanh(Double($0))) }.max()!
        print("tanh: largest abs error \(worst) over \(y.count) inputs")
        #expect(worst <= 5e-7)
        #expect(y.allSatisfy { $0.isNaN || abs($0) <= 1 })
        // Near zero tanh(x) ≈ x: relative error stays small where absolute error says nothing.
        let small = Self.sweep.filter { $0 != 0 && abs($0) < 0.3 && abs($0) > 1e-30 }
        let ySmall = apply(VectorMath.tanh, small)
        let worstRelative = zip(small, ySmall).map { abs(Double($1) / Foundation.tanh(Double($0)) - 1) }.max()!
        print("tanh near zero: largest relative error \(worstRelative)")
        #expect(worstRelative < 3e-7)
    }

    @Test("log is within 2e-7 relative of double-precision math over the normal floats; special values")
    func logAccuracy() {
        let positive = Self.sweep.filter { $0 >= Float.leastNormalMagnitude && $0.isFinite }
            + stride(from: 0.5, through: 2.0, by: 0.0001).map { Float($0) }
        let y = apply(VectorMath.log, positive)
        let worst = zip(positive, y).map { x, v in
            let exact = Foundation.log(Double(x))
            return abs(Double(v) - exact) / max(abs(exact), 1)
        }.max()!
        print("log: largest error \(worst) (relative, absolute below 1) over \(y.count) inputs")
        #expect(worst < 2e-7)
        let special = apply(VectorMath.log, [0, -0, -1, .nan, .infinity, 1])
        #expect(special[0] == -.infinity && special[1] == -.infinity)
        #expect(special[2].isNaN && special[3].isNaN)
        #expect(special[4] == .infinity && special[5] == 0)
    }

    @Test("limits at ±∞ and ±large, zero maps exactly, NaN propagates")
    func specialValues() {
        let x: [Float] = [.infinity, -.infinity, 1e30, -1e30, 0, .nan, -.nan]
        let s = apply(VectorMath.sigmoid, x)
        // e^88 is as far as float goes: sigmoid(−∞) lands within 1e-38 of 0, a subnormal.
        #expect(s[0] == 1 && s[1] >= 0 && s[1] < 1e-38 && s[2] == 1 && s[3] < 1e-38)
        #expect(s[4] == 0.5)
        #expect(s[5].isNaN && s[6].isNaN)
        let t = apply(VectorMath.tanh, x)
        #expect(t[0] == 1 && t[1] == -1 && t[2] == 1 && t[3] == -1)
        #expect(t[4] == 0)
        #expect(t[5].isNaN && t[6].isNaN)
        #expect(apply({ VectorMath.clip($0, lower: -1, upper: 1, into: $1) }, x).enumerated().allSatisfy { i, v in
            i >= 5 ? v.isNaN : abs(v) <= 1
        })
    }

    @Test("gradients from outputs match the analytic derivatives times the upstream gradient")
    func backwardFromOutputs() {
        var rng = SeededGenerator(seed: 21)
        let n = 1003
        let x = (0..<n).map { _ in Float(rng.nextUniform(in: -6, 6)) }
        let dy = (0..<n).map { _ in Float(rng.nextNormal()) }
        let sig = apply(VectorMath.sigmoid, x)
        let tnh = apply(VectorMath.tanh, x)
        let dySigmoid = AlignedBuffer<Float>(count: n), dyTanh = AlignedBuffer<Float>(count: n)
        sig.withUnsafeBufferPointer { y in dy.withUnsafeBufferPointer { g in
            VectorMath.sigmoidBackward(output: y, outputGradient: g, into: dySigmoid.buffer)
        } }
        tnh.withUnsafeBufferPointer { y in dy.withUnsafeBufferPointer { g in
            VectorMath.tanhBackward(output: y, outputGradient: g, into: dyTanh.buffer)
        } }
        var worst = 0.0
        for i in 0..<n {
            let s = ReferenceVectorMath.sigmoid(Double(x[i]))
            let t = Foundation.tanh(Double(x[i]))
            worst = max(worst, abs(Double(dySigmoid[i]) - Double(dy[i]) * s * (1 - s)))
            worst = max(worst, abs(Double(dyTanh[i]) - Double(dy[i]) * (1 - t * t)))
        }
        print("activation gradients: largest difference \(worst)")
        #expect(worst < 1e-5)
    }

    @Test("arithmetic, updates and reductions match scalar loops, in place too")
    func arithmeticAndReductions() {
        var rng = SeededGenerator(seed: 4)
        let n = 1_037
        let a = randomBuffer(n, &rng), b = randomBuffer(n, &rng), c = randomBuffer(n, &rng)
        let y = AlignedBuffer<Float>(count: n)
        defer { withExtendedLifetime((a, b, c)) {} }  // read through pa, pb and pc after their last use
        let (pa, pb, pc) = (UnsafeBufferPointer(a.buffer), UnsafeBufferPointer(b.buffer), UnsafeBufferPointer(c.buffer))
        VectorMath.add(pa, pb, into: y.buffer)
        #expect((0..<n).allSatisfy { y[$0] == a[$0] + b[$0] })
        VectorMath.subtract(pa, pb, into: y.buffer)
        #expect((0..<n).allSatisfy { y[$0] == a[$0] - b[$0] })
        VectorMath.multiply(pa, pb, into: y.buffer)
        #expect((0..<n).allSatisfy { y[$0] == a[$0] * b[$0] })
        VectorMath.multiplyAdd(pa, pb, pc, into: y.buffer)
        #expect((0..<n).allSatisfy { abs(Double(y[$0]) - (Double(a[$0]) * Double(b[$0]) + Double(c[$0]))) < 1e-6 })
        VectorMath.scale(3, pa, into: y.buffer)
        #expect((0..<n).allSatisfy { y[$0] == 3 * a[$0] })
        // In place: y ← 0.5·a + y, where y = 3a.
        VectorMath.axpy(0.5, pa, y.buffer)
        #expect((0..<n).allSatisfy { abs(y[$0] - 3.5 * a[$0]) <= 1e-6 * abs(a[$0]) + 1e-7 })
        let copy = AlignedBuffer<Float>(a.buffer)
        VectorMath.sigmoid(UnsafeBufferPointer(copy.buffer), into: copy.buffer)
        #expect((0..<n).allSatisfy { abs(Double(copy[$0]) - ReferenceVectorMath.sigmoid(Double(a[$0]))) < 1e-6 })

        let sum = (0..<n).reduce(0.0) { $0 + Double(a[$1]) }
        let sumSquares = (0..<n).reduce(0.0) { $0 + Double(a[$1]) * Double(a[$1]) }
        let dot = (0..<n).reduce(0.0) { $0 + Double(a[$1]) * Double(b[$1]) }
        #expect(abs(VectorMath.sum(pa) - sum) < 1e-9)
        #expect(abs(VectorMath.sumOfSquares(pa) - sumSquares) < 1e-9)
        #expect(abs(VectorMath.dot(pa, pb) - dot) < 1e-9)
        #expect(VectorMath.maxAbs(pa) == (0..<n).map { abs(a[$0]) }.max()!)
        #expect(VectorMath.maxAbs(UnsafeBufferPointer(start: a.baseAddress, count: 0)) == 0)
        a[517] = .nan
        #expect(VectorMath.maxAbs(pa).isNaN)
        #expect(VectorMath.sum(pa).isNaN)
    }

    @Test("the dispatcher names an instruction-set level")
    func instructionSet() {
        #expect(["x86-64-v4", "x86-64-v3", "baseline"].contains(VectorMath.instructionSet))
    }
}
