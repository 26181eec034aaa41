import Testing
@testable import SibylKernels

@Suite("Tensor and aligned storage")
struct TensorTests {
    @Test("storage is 64-byte aligned and zeroed")
    func alignment() {
        for count in [0, 1, 3, 17, 1000] {
            let buffer = AlignedBuffer<Float>(count: count)
            #expect(Int(bitPattern: buffer.baseAddress) % 64 == 0)
            #expect(buffer.array.allSatisfy { $0 == 0 })
        }
    }

    @Test("fill sets every element, +0 and −0 alike, in Float and Double")
    func fill() {
        func check<S: TensorScalar>(_: S.Type) {
            let buffer = AlignedBuffer<S>(count: 37)
            buffer.fill(.nan)
            #expect(buffer.array.allSatisfy { $0.isNaN })
            buffer.fill(0)
            #expect(buffer.array.allSatisfy { $0 == 0 && $0.sign == .plus })
            buffer.fill(-0.0)
            #expect(buffer.array.allSatisfy { $0 == 0 && $0.sign == .minus })
            buffer.fill(2.5)
            #expect(buffer.array == Array(repeating: 2.5, count: 37))
        }
        check(Float.self)
        check(Double.self)
    }

    @Test("copies are independent (copy-on-write), reshaping shares until a write")
    func copyOnWrite() {
        var a = Tensor<Float>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        var b = a
        b[1, 2] = 60
        #expect(a[1, 2] == 6 && b[1, 2] == 60)
        let r = a.reshaped([3, 2])
        #expect(r[2, 1] == 6 && r.shape == [3, 2])
        a[0, 0] = 10
        #expect(r[0, 0] == 1)
        a.withUnsafeMutableBufferPointer { $0[1] = 20 }
        #expect(a.scalars == [10, 20, 3, 4, 5, 6])
    }

    @Test("row-major indexing of a rank-3 tensor")
    func indexing() {
        let t = Tensor<Double>(shape: [2, 3, 4], scalars: (0..<24).map(Double.init))
        #expect(t[1, 2, 3] == 23 && t[1, 0, 0] == 12 && t[0, 2, 1] == 9)
        #expect(t.count == 24)
    }
}
