/// A split of a series into consecutive train, validation and test spans, oldest first.
///
/// Spans are half-open index ranges into the series; together they cover it without overlap, so a
/// model fitted on `train` never sees a later bar.
public struct ChronologicalSplit: Sendable, Equatable, Codable {
    public let train: Range<Int>
    public let validation: Range<Int>
    public let test: Range<Int>

    /// Splits `count` bars by fractions: the first `train` share, then `validation`, then the rest.
    public init(count: Int, train: Double, validation: Double) {
        precondition(train > 0 && validation >= 0 && train + validation <= 1,
                     "split fractions must satisfy 0 < train, 0 ≤ validation, train + validation ≤ 1")
        let trainEnd = Int((Double(count) * train).rounded(.down))
        let validationEnd = min(count, trainEnd + Int((Double(count) * validation).rounded(.down)))
        self.train = 0..<trainEnd
        self.validation = trainEnd..<validationEnd
        self.test = validationEnd..<count
    }

    /// Spans given directly; they must follow one another.
    public init(train: Range<Int>, validation: Range<Int>, test: Range<Int>) {
        precondition(train.upperBound == validation.lowerBound && validation.upperBound == test.lowerBound,
                     "spans must follow one another: \(train), \(validation), \(test)")
        self.train = train
        self.validation = validation
        self.test = test
    }

    /// Splits a series by dates: train before `validationStart`, validation before `testStart`,
    /// test from `testStart` on.
    public init(series: BarSeries, validationStart: Timestamp, testStart: Timestamp) {
        precondition(validationStart <= testStart, "the validation span must start before the test span")
        let v = series.firstIndex(atOrAfter: validationStart)
        let t = series.firstIndex(atOrAfter: testStart)
        train = 0..<v
        validation = v..<t
        test = t..<series.count
    }
}
