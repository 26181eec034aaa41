// libFuzzer entry point for the bar CSV reader. Compiled together with Sources/SibylData into one
// module by `make fuzz` (swiftc -sanitize=fuzzer,address), so it calls the reader directly.
//
// Every input must either read into a series that obeys the bar invariants or throw a DataError,
// under each repair policy; a crash, a trap or a sanitizer report is a finding.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBarCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    for repair in RepairPolicy.allCases {
        guard let file = try? BarCSV.parse(bytes, file: "fuzz.csv", name: "fuzz", options: BarReadOptions(repair: repair)) else {
            continue
        }
        let s = file.series
        precondition(!s.isEmpty, "an accepted file has at least one bar")
        for i in 0..<s.count {
            precondition([s.open[i], s.high[i], s.low[i], s.close[i]].allSatisfy { $0.isFinite && $0 > 0 }, "prices are positive and finite")
            precondition(s.low[i] <= min(s.open[i], s.close[i]) && s.high[i] >= max(s.open[i], s.close[i]), "bars are consistent")
            precondition(i == 0 || s.timestamps[i - 1] < s.timestamps[i], "timestamps increase")
            if let volume = s.volume { precondition(volume[i].isFinite && volume[i] >= 0, "volume is non-negative") }
        }
        // What was read writes back and reads again to the same series.
        let again = try? BarCSV.parse(BarCSV.text(of: s), file: "again", name: "fuzz")
        precondition(again?.series == s, "round trip changed the series")
    }
    return 0
}
