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
