import Testing
@testable import SibylData

@Suite("The reader survives mangled input")
struct FuzzTests {
    /// Seeded random mutations of valid files: byte flips, insertions of troublesome characters,
    /// deletions, duplicated and truncated spans. Each input must either read into a series that
    /// obeys every invariant, or throw a `DataError`; nothing may crash or hang.
    @Test("20,000 seeded mutations of valid files")
    func mutations() throws {
        let seeds = [
            "\(goodHeader)\n" + goodRows.joined(separator: "\n") + "\n",
            "Date,Open,High,Low,Close,Volume,Adj Close\n2017-01-01T22:00:00,1.05,1.06,1.04,1.05,143539993.3,1.05\n2017-01-01T23:00:00+01:00,1.05,1.07,1.05,1.06,2e8,1.06\n",
        ]
        let alphabet = Array("0123456789.-+eE,;\t\"\r\n :TZnaNif\u{FEFF}x ".utf8)
        var state: UInt64 = 2024
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        var accepted = 0, rejected = 0
        for round in 0..<20_000 {
            var bytes = Array(seeds[round % seeds.count].utf8)
            for _ in 0..<(1 + next(4)) {
                switch next(5) {
                case 0 where !bytes.isEmpty: bytes[next(bytes.count)] = alphabet[next(alphabet.count)]
                case 1: bytes.insert(alphabet[next(alphabet.count)], at: next(bytes.count + 1))
                case 2 where !bytes.isEmpty: bytes.remove(at: next(bytes.count))
                case 3 where bytes.count > 2:
                    let start = next(bytes.count - 1)
                    let end = start + 1 + next(min(20, bytes.count - start - 1))
                    bytes.insert(contentsOf: bytes[start..<end], at: next(bytes.count))
                default: bytes = Array(bytes.prefix(next(bytes.count + 1)))
                }
            }
            for repair in RepairPolicy.allCases {
                do {
                    let file = try bytes.withUnsafeBytes {
                        try BarCSV.parse($0, file: "fuzz.csv", name: "fuzz", options: BarReadOptions(repair: repair))
                    }
                    let s = file.series
                    #expect(!s.isEmpty)
                    for i in 0..<s.count {
                        #expect([s.open[i], s.high[i], s.low[i], s.close[i]].allSatisfy { $0.isFinite && $0 > 0 })
                        #expect(s.low[i] <= min(s.open[i], s.close[i]) && s.high[i] >= max(s.open[i], s.close[i]))
                        if i > 0 { #expect(s.timestamps[i - 1] < s.timestamps[i]) }
                    }
                    accepted += 1
                } catch is DataError {
                    rejected += 1
                }
            }
        }
        print("fuzz: \(accepted) inputs read, \(rejected) rejected with a DataError")
        #expect(accepted > 1000 && rejected > 1000)
    }
}
