import Foundation
import Testing
@testable import SibylData
import SibylFeatures
import SibylKernels
import SibylNeural
@testable import SibylForecasting

@Suite("Forecast metrics by hand")
struct EvaluationTests {
    @Test("MAE, RMSE, MAPE, MASE, direction and Theil's U on a four-bar example")
    func handComputed() {
        // Previous closes, actual closes, forecasts.
        let previous = [100.0, 101, 99, 100]
        let actual = [101.0, 99, 100, 100]
        let forecasts = [100.5, 101.5, 99.5, 99]
        let score = ForecastScore(name: "m", forecasts: forecasts, actual: actual, previous: previous, naiveScale: 2)
        // Errors: −0.5, 2.5, −0.5, −1.
        #expect(abs(score.mae - 4.5 / 4) < 1e-12)
        #expect(abs(score.rmse - (7.75 / 4).squareRoot()) < 1e-12)
        // Prices in tiny units: the squared errors would underflow to zero.
        let tiny = ForecastScore(name: "m", forecasts: forecasts.map { $0 * 1e-300 }, actual: actual.map { $0 * 1e-300 },
                                 previous: previous.map { $0 * 1e-300 }, naiveScale: 2e-300)
        #expect(abs(tiny.rmse / 1e-300 - (7.75 / 4).squareRoot()) < 1e-9 && abs(tiny.mase - score.mase) < 1e-9)
        #expect(abs(score.mapePercent - 100 * (0.5 / 101 + 2.5 / 99 + 0.5 / 100 + 1.0 / 100) / 4) < 1e-12)
        #expect(abs(score.mase - 4.5 / 4 / 2) < 1e-12)
        // Directions: predicted +,+,+,− ; actual +,−,+,0 → the last bar did not move: 3 trials, 2 hits.
        #expect(score.directionalCount == 3)
        #expect(abs(score.directionalAccuracyPercent! - 200.0 / 3) < 1e-9)
        // Theil's U: √Σ((F−A)/P)² / √Σ((A−P)/P)².
        let numerator: Double = 0.000025 + (2.5 / 101) * (2.5 / 101) + (0.5 / 99) * (0.5 / 99) + 0.0001
        let denominator: Double = 0.0001 + (2.0 / 101) * (2.0 / 101) + (1.0 / 99) * (1.0 / 99)
        #expect(abs(score.theilU - (numerator / denominator).squareRoot()) < 1e-12)
        let naive = ForecastScore(name: "naive", forecasts: previous, actual: actual, previous: previous, naiveScale: 2)
        #expect(naive.directionalAccuracyPercent == nil && abs(naive.theilU - 1) < 1e-12)
    }

    @Test("Brier score, log loss and skill against the base rate on a four-bar example; a direction-only score has no price errors")
    func probabilityScore() {
        // Up moves: yes, no, yes, yes; base rate 0.5.
        let score = ProbabilityScore(probabilities: [0.8, 0.4, 0.6, 1.0], ups: [true, false, true, true], baseRate: 0.5)
        // (0.2² + 0.4² + 0.4² + 0²) / 4 = 0.09; the base rate scores 0.25 at every bar.
        #expect(abs(score.brier - 0.09) < 1e-15 && abs(score.baseRateBrier - 0.25) < 1e-15)
        #expect(abs(score.brierSkill - (1 - 0.09 / 0.25)) < 1e-12)
        // −(ln 0.8 + ln 0.6 + ln 0.6 + ln(1 − 10⁻¹⁵)) / 4: a certain call that came true costs ~nothing.
        #expect(abs(score.logLoss - -(log(0.8) + log(0.6) + log(0.6) + log(1 - 1e-15)) / 4) < 1e-12)
        #expect(abs(score.baseRateLogLoss - log(2)) < 1e-12)
        #expect(score.baseRatePercent == 50 && score.upSharePercent == 75)
        // A certain call that went wrong is clamped, not infinite.
        #expect(ProbabilityScore(probabilities: [0], ups: [true], baseRate: 0.5).logLoss == -log(1e-15))
        // Laplace's rule keeps a base rate away from 0 and 1: two rises of two give 3/4, none of one 1/3.
        #expect(ForecastModel.upShare([1, 2, 3], targets: [0, 1]) == 0.75 && ForecastModel.upShare([2, 1], targets: [0]) == 1.0 / 3)
        let calls = ForecastScore(name: "d", forecasts: [101, 99], actual: [102, 98], previous: [100, 100], naiveScale: 1, directionOnly: true)
        #expect(calls.mae.isNaN && calls.rmse.isNaN && calls.mase.isNaN && calls.theilU.isNaN && calls.directionalAccuracyPercent == 100)
    }

    @Test("inputs whose median over the evaluated bars lies beyond 4 standard deviations (2.5 IQRs, half a range outside min–max) are named")
    func inputShifts() {
        let timestamps = (0..<5).map { Timestamp(year: 2020, month: 1, day: 1).adding(days: $0) }
        // Column "far", rows 1–4: 6, 6, 5, 100; "near": 3, 3, 2, −100.
        let matrix = FeatureMatrix(names: ["far", "near"], timestamps: timestamps,
                                   columns: [[0, 6, 6, 5, 100], [0, 3, 3, 2, -100]], warmUp: 0)
        // Scaled by (x − 3.5) / 0.5 and (x − 1.75) / 0.5: far (5, 5, 3, 193) → median 5; near (2.5, 2.5, 0.5, −203.5) → 1.5.
        let zscore = FeatureScaler(kind: .zScore, fittedRows: 0..<1, center: [3.5, 1.75], scale: [0.5, 0.5], constant: [false, false])
        let shifts = InputShift.find(in: matrix, rows: [1, 2, 3, 4], scaler: zscore)
        #expect(shifts.map(\.name) == ["far"] && shifts.first?.distance == 5 && shifts.first?.unit == "standard deviations")
        // Min–max, the training range onto [0, 1]: far (3, 3, 2.5, 50) → 3, 2.5 from the middle;
        // near (1, 1, 0.5, −50.5) → 0.75, inside.
        let minMax = FeatureScaler(kind: .minMax, fittedRows: 0..<1, center: [0, 1], scale: [2, 2], constant: [false, false])
        #expect(InputShift.find(in: matrix, rows: [1, 2, 3, 4], scaler: minMax).map(\.name) == ["far"])
        // Robust: far (2.5, 2.5, 2, 49.5) → 2.5, not beyond 2.5.
        let robust = FeatureScaler(kind: .robust, fittedRows: 0..<1, center: [1, 0], scale: [2, 2], constant: [false, false])
        #expect(InputShift.find(in: matrix, rows: [1, 2, 3, 4], scaler: robust).isEmpty)
        // A column that had no spread to fit (scale set to 1) is no measure of anything: skipped.
        let flat = FeatureScaler(kind: .zScore, fittedRows: 0..<1, center: [0, 0], scale: [1, 1], constant: [true, true])
        #expect(InputShift.find(in: matrix, rows: [1, 2, 3, 4], scaler: flat).isEmpty)
        // A training range of exactly 1 is a range like any other: far (6, 6, 5, 100) over
        // [0, 1] → median 6, 5.5 from the middle; near over [2, 3]: (1, 1, 0, −102) → 0.5, inside.
        let unitRange = FeatureScaler(kind: .minMax, fittedRows: 0..<1, center: [0, 2], scale: [1, 1], constant: [false, false])
        #expect(InputShift.find(in: matrix, rows: [1, 2, 3, 4], scaler: unitRange).map(\.name) == ["far"])
        // A price level trained around 116 (spread 82) and met at 0.001 is only 1.4 spreads
        // below, but 116,400 times: named as a price-level column, not otherwise; 300 (2.6
        // times) is not.
        let prices = FeatureMatrix(names: ["sma_20"], timestamps: timestamps, columns: [[0, 0.001, 0.001, 0.001, 300]], warmUp: 0)
        let level = FeatureScaler(kind: .zScore, fittedRows: 0..<1, center: [116.4], scale: [81.9], constant: [false])
        let scale = InputShift.find(in: prices, rows: [1, 2, 3], scaler: level, priceLevel: [0])
        #expect(scale.count == 1 && scale[0].unit == "times below the training level" && abs(scale[0].distance - 116_400) < 1e-6, "\(scale)")
        #expect(InputShift.find(in: prices, rows: [1, 2, 3], scaler: level).isEmpty)
        #expect(InputShift.find(in: prices, rows: [4], scaler: level, priceLevel: [0]).isEmpty)
        #expect(scale[0].priceLevel && !shifts[0].priceLevel)
        // A price level constant over training (min-max: min 0.001, stand-in scale 1) is compared
        // with that constant, not with min + 0.5.
        let flatLevel = FeatureScaler(kind: .minMax, fittedRows: 0..<1, center: [0.001], scale: [1], constant: [true])
        let still = FeatureMatrix(names: ["sma_20"], timestamps: timestamps, columns: [[0, 0.001, 0.001, 0.001, 0.001]], warmUp: 0)
        #expect(InputShift.find(in: still, rows: [1, 2, 3], scaler: flatLevel, priceLevel: [0]).isEmpty)
    }

    @Test("a span's windows are those whose target bar lies in it, never past it; windows reach back into the past")
    func windowEnds() {
        // First window ends at bar 8 (warm-up 5, window 4), 200 bars.
        let train = ForecastModel.ends(targetsIn: 0..<150, firstSampleEnd: 8, rows: 200)
        #expect(train.first == 8 && train.last == 148)  // the target of 148 is bar 149, still inside
        let test = ForecastModel.ends(targetsIn: 150..<200, firstSampleEnd: 8, rows: 200)
        #expect(test.first == 149 && test.last == 198)  // 149's window reads training bars, its target is 150
        #expect(ForecastModel.ends(targetsIn: 0..<8, firstSampleEnd: 8, rows: 200).isEmpty)
    }

    @Test("intraday bars whose next bar opens a session measure the openings' moves against the others; a lunch pause is no session")
    func sessionOpenings() throws {
        // 30 sessions of 60 one-minute bars from 09:30, a 3-minute pause at 10:00; moves of 0.01%
        // within a session, 1% into its first bar.
        var bars: [Bar] = []
        var close = 100.0
        for day in 0..<30 {
            let open = Timestamp(year: 2024, month: 1, day: 1).adding(days: day).secondsSinceEpoch + 9 * 3600 + 30 * 60
            for minute in 0..<60 where !(30..<33).contains(minute) {
                close *= exp((minute == 0 ? 0.01 : 0.0001) * (day % 2 == 0 ? 1 : -1))
                bars.append(Bar(timestamp: Timestamp(secondsSinceEpoch: open + Int64(minute) * 60), open: close, high: close, low: close, close: close, volume: 1))
            }
        }
        let series = try BarSeries(name: "sessions", bars: bars)
        func ratio(_ series: BarSeries) -> Double? {
            let frequency = series.frequency
            return ForecastModel.sessionOpeningMoveRatio(series, frequency: frequency, next: series.nextTimestamp(frequency: frequency))
        }
        let opening = try #require(ratio(series))
        #expect(abs(opening - 100) < 1, "\(opening)")
        // Cut in the middle of a session, the next bar follows within it.
        #expect(ratio(series[0..<(series.count - 10)]) == nil)
        // Daily bars have no sessions within them.
        #expect(ratio(try bundledSeries("GOOGL_daily")) == nil)
    }

    @Test("a short span fits the highest AR order its returns allow, and none when there is not one return")
    func fittableOrder() {
        // Returns 1…3 defined (the first is NaN): order 1 has rows 2 and 3, two ≥ 2; order 2 only row 3.
        let returns = [.nan, 0.1, 0.2, 0.1]
        #expect(LinearAutoregression.fittableOrder(returns, rows: 1..<4, upTo: 5) == 1)
        #expect(LinearAutoregression.fittableOrder(returns, rows: 1..<2, upTo: 5) == 0)
        #expect(LinearAutoregression.fittableOrder(returns, rows: 0..<1, upTo: 5) == nil)
    }

    @Test("Pesaran–Timmermann: chance accuracy from the shares of up calls and up moves; none when the calls all go one way")
    func pesaranTimmermann() throws {
        // 20 bars; moves and calls as signs. Reference values from the 1992 formulas evaluated
        // separately in Python: P* = 0.58, statistic 2.4034029262630288, p = 0.016243278963883733.
        let moves: [Double] = [1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, -1, 1, 1, -1, 1, 1, -1, 1, 1]
        let calls: [Double] = [1, 1, -1, 1, -1, -1, 1, 1, 1, 1, 1, -1, 1, -1, -1, 1, 1, 1, 1, 1]
        let previous = [Double](repeating: 100, count: 20)
        let score = ForecastScore(name: "m", forecasts: calls.map { 100 + $0 }, actual: moves.map { 100 + $0 }, previous: previous, naiveScale: 1)
        #expect(abs(try #require(score.chanceAccuracyPercent) - 58) < 1e-9)
        #expect(abs(try #require(score.pesaranTimmermannPValue) - 0.016243278963883733) < 1e-12)
        #expect(score.upCallPercent == 70 && score.upMovePercent == 70)
        // Always up: right as often as the moves go up, and no test of skill is possible.
        let always = ForecastScore(name: "up", forecasts: [Double](repeating: 101, count: 20), actual: moves.map { 100 + $0 }, previous: previous, naiveScale: 1)
        #expect(always.directionalAccuracyPercent == 70 && always.chanceAccuracyPercent == 70 && always.pesaranTimmermannPValue == nil)
    }

    @Test("exact two-sided binomial p-values")
    func binomial() {
        // Values from scipy.stats.binomtest(k, n, 0.5).pvalue.
        #expect(abs(ForecastScore.binomialTwoSidedPValue(successes: 5, trials: 10) - 1) < 1e-12)
        #expect(abs(ForecastScore.binomialTwoSidedPValue(successes: 9, trials: 10) - 0.021484375) < 1e-12)
        #expect(abs(ForecastScore.binomialTwoSidedPValue(successes: 1, trials: 10) - 0.021484375) < 1e-12)
        #expect(abs(ForecastScore.binomialTwoSidedPValue(successes: 60, trials: 100) - 0.056887933640945585) < 1e-9)
        #expect(abs(ForecastScore.binomialTwoSidedPValue(successes: 530, trials: 1000) - 0.06202319509836343) < 1e-9)
    }

    @Test("the AR fit recovers the coefficients of a simulated AR(2)")
    func autoregression() {
        var generator = SeededGenerator(seed: 6)
        var r = [0.0, 0.0]
        for t in 2..<20_000 { r.append(0.0005 + 0.3 * r[t - 1] - 0.2 * r[t - 2] + 0.01 * generator.nextNormal()) }
        let fit = LinearAutoregression(fitting: r, rows: 2..<r.count, order: 2)
        #expect(abs(fit.coefficients[0] - 0.3) < 0.02 && abs(fit.coefficients[1] + 0.2) < 0.02)
        #expect(abs(fit.intercept - 0.0005) < 0.0002)
        #expect(abs(fit.forecast(r, after: 100) - (fit.intercept + fit.coefficients[0] * r[100] + fit.coefficients[1] * r[99])) < 1e-15)
    }

    @Test("the lag check flags a forecast that repeats the last close, and passes one that anticipates moves")
    func lagDiagnostic() {
        var generator = SeededGenerator(seed: 3)
        var prices = [100.0]
        for _ in 0..<500 { prices.append(prices.last! * exp(0.01 * generator.nextNormal())) }
        let previous = Array(prices.dropLast()), actual = Array(prices.dropFirst())
        let repeating = zip(previous, actual).map { p, a in p + 0.05 * (a - p) + 0.02 }
        #expect(LagDiagnostic(forecasts: repeating, actual: actual, previous: previous).flagged)
        let skilled = zip(previous, actual).map { p, a in p + 0.8 * (a - p) }
        let diagnostic = LagDiagnostic(forecasts: skilled, actual: actual, previous: previous)
        #expect(!diagnostic.flagged && diagnostic.returnCorrelation > 0.99)
        // Ten times the real moves: overshooting is flagged too.
        let wild = zip(previous, actual).map { p, a in p + 10 * (a - p) }
        #expect(LagDiagnostic(forecasts: wild, actual: actual, previous: previous).explanation.hasPrefix("overshoots"))
    }

    @Test("forecasts that are not prices, and a span where nothing moved, give an explanation rather than a number")
    func lagDiagnosticDegenerate() {
        let previous = [100.0, 101, 102, 103], actual = [101.0, 102, 103, 104]
        for bad in [Double.nan, .infinity, -5] {
            let diagnostic = LagDiagnostic(forecasts: [101, bad, 103, bad], actual: actual, previous: previous)
            #expect(diagnostic.flagged && diagnostic.explanation.contains("2 of 4 forecasts that are not prices"))
        }
        let flat = [100.0, 100, 100, 100]
        let still = LagDiagnostic(forecasts: [100, 100.5, 99, 100], actual: flat, previous: flat)
        #expect(!still.flagged && still.moveRatio.isNaN && still.explanation.contains("never moved"))
        #expect(still.lagCorrelation.isNaN && still.targetCorrelation.isNaN)
        // A correlation that rounds to zero prints without a sign.
        #expect(LagDiagnostic.fixed(-0.0004) == "0.000" && LagDiagnostic.fixed(-0.0) == "0.000" && LagDiagnostic.fixed(-0.0006) == "-0.001")
        // A forecaster that is not a number scores no direction at all.
        let score = ForecastScore(name: "m", forecasts: [.nan, .nan, 103.5, 105], actual: actual, previous: previous, naiveScale: 1)
        #expect(score.directionalCount == 2 && score.mae.isNaN)
    }
}

@Suite("Forecast models")
struct ForecastModelTests {
    let series: BarSeries

    init() throws {
        series = try bundledSeries("GOOGL_daily")
    }

    var quickSettings: ForecastSettings {
        var settings = ForecastSettings(featureSpec: "returns,rsi:14,zscore:20", window: 16, hiddenSize: 8, layers: 1)
        settings.training.epochs = 3
        return settings
    }

    @Test("a saved model loads back and forecasts the same; the checkpoint carries features, scaler and provenance")
    func saveAndLoad() throws {
        let (model, _) = try ForecastModel.train(on: series, settings: quickSettings, dataDigest: "abc123")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-forecast-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.save(to: path)
        let loaded = try ForecastModel.load(contentsOf: path)
        #expect(try loaded.forecastNextBar(of: series) == model.forecastNextBar(of: series))
        #expect(loaded.scaler == model.scaler && loaded.pipeline == model.pipeline && loaded.settings == model.settings)
        #expect(loaded.provenance["data_sha256"] == "abc123" && loaded.provenance["version"] == SibylVersion.current)
    }

    @Test("a next-close model trains on prices beyond single precision's range, forecasts them as it does at 1, and saves and loads")
    func nextCloseBeyondFloat() throws {
        var settings = quickSettings
        settings.target = .nextClose
        func scaled(_ factor: Double) throws -> BarSeries {
            try BarSeries(name: "scaled", bars: (0..<series.count).map { i in
                let bar = series[i]
                return Bar(timestamp: bar.timestamp, open: bar.open * factor, high: bar.high * factor, low: bar.low * factor,
                           close: bar.close * factor, volume: bar.volume)
            })
        }
        let (plain, _) = try ForecastModel.train(on: series, settings: settings)
        let expected = try plain.forecastNextBar(of: series).predictedLogReturn
        // Closes near 1e63 and 1e-57: their squares, and Float of them, leave single precision.
        for factor in [1e60, 1e-60] {
            let prices = try scaled(factor)
            let (model, _) = try ForecastModel.train(on: prices, settings: settings)
            let forecast = try model.forecastNextBar(of: prices)
            #expect(abs(forecast.predictedLogReturn - expected) < 1e-4, "\(factor): \(forecast.predictedLogReturn) against \(expected)")
            // Its target scaling is a price level (1e62 here), not a log return, and loads as one.
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-next-close-\(UUID()).safetensors").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            try model.save(to: path)
            #expect(try ForecastModel.load(contentsOf: path).forecastNextBar(of: prices) == forecast)
        }
    }

    @Test("a price that grows by one factor every bar has one log return, equal but for rounding: nothing to learn")
    func constantReturn() throws {
        // In full precision, and quoted to six decimals (the quote's rounding makes the returns
        // differ by about 6e-8 of their size).
        for decimals in [nil, 6] as [Int?] {
            var close = 100.0
            let bars = (0..<600).map { t -> Bar in
                close *= 1.07
                let quoted = decimals.map { (close * pow(10, Double($0))).rounded() / pow(10, Double($0)) } ?? close
                return Bar(timestamp: Timestamp(year: 2010, month: 1, day: 4).adding(days: t), open: quoted, high: quoted, low: quoted, close: quoted, volume: 1)
            }
            do {
                _ = try ForecastModel.train(on: try BarSeries(name: "growth", bars: bars), settings: quickSettings)
                Issue.record("a constant return was trained on (\(String(describing: decimals)) decimals)")
            } catch let error as ForecastError {
                #expect(error.message.contains("every bar there moves by the same return") && error.fix.contains("returns vary"), "\(error)")
            }
        }
    }

    @Test("a validation span far calmer than the training span is no sign of divergence")
    func calmValidation() throws {
        // 1,500 weekdays of a random walk: 3% a bar, then 0.05% a bar over the last 30%. Standardized
        // on the training span, the validation targets' constant-forecast loss is about 0.0003.
        var generator = SeededGenerator(seed: 7)
        var close = 100.0
        var day = Timestamp(year: 2010, month: 1, day: 4)
        var bars: [Bar] = []
        while bars.count < 1500 {
            if day.weekday < 6 {
                let next = close * exp(generator.nextNormal(mean: 0, standardDeviation: bars.count < 1050 ? 0.03 : 0.0005))
                bars.append(Bar(timestamp: day, open: close, high: max(close, next), low: min(close, next), close: next, volume: 1000))
                close = next
            }
            day = Timestamp(secondsSinceEpoch: day.secondsSinceEpoch + 86_400)
        }
        var settings = ForecastSettings(window: 20, hiddenSize: 16, layers: 1)
        settings.training.epochs = 3
        let (_, summary) = try ForecastModel.train(on: try BarSeries(name: "calm", bars: bars), settings: settings)
        // Over ten times the validation span's own reference, and not diverged for it.
        let validation = try #require(summary.bestValidationLoss)
        #expect(summary.epochs.count == 3 && validation > 10 * pow(0.0005 / 0.03, 2), "\(validation)")
    }

    @Test("a model trained mostly on bars that did not move says how many, and keeps it in its checkpoint")
    func flatTraining() throws {
        // The first 1,400 GOOGL bars with the first 800 closes held at one price.
        let flat = try BarSeries(name: "halted", bars: (0..<1400).map { i in
            let bar = series[i], price = series[0].close
            return i < 800 ? Bar(timestamp: bar.timestamp, open: price, high: price, low: price, close: price, volume: bar.volume)
                : Bar(timestamp: bar.timestamp, open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume)
        })
        let (model, _) = try ForecastModel.train(on: flat, settings: quickSettings)
        let share = try #require(try model.evaluate(on: flat).trainingFlatPercent)
        // The training span is the first 70% of the bars past the features' warm-up: mostly flat.
        #expect(share > 70 && share < 90, "\(share)")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-flat-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.save(to: path)
        #expect(try ForecastModel.load(contentsOf: path).evaluate(on: flat).trainingFlatPercent == share)
        let (moving, _) = try ForecastModel.train(on: series, settings: quickSettings)
        #expect(try #require(try moving.evaluate(on: series).trainingFlatPercent) < 5)
    }

    @Test("a checkpoint whose settings, scaler or target scaling were damaged is refused in one line", arguments: [
        // A key written twice: JSONDecoder keeps the first, the damaged value.
        ("settings", #""window":"#, #""window":0,"window":"#, "window 0"),
        ("settings", #""testFraction":"#, #""testFraction":2,"testFraction":"#, "are not shares"),
        ("target_scale", "", "nan", "target scaling"),
        ("scaler", #""center":["#, #""center":[1e300,"#, "centers"),
    ])
    func damagedMetadata(key: String, original: String, replacement: String, expected: String) throws {
        let (model, _) = try ForecastModel.train(on: series, settings: quickSettings)
        var checkpoint = try model.checkpoint()
        let name = "sibyl.forecast." + key
        let text = try #require(checkpoint.metadata[name])
        checkpoint.metadata[name] = original.isEmpty ? replacement : text.replacingOccurrences(of: original, with: replacement)
        #expect(checkpoint.metadata[name] != text)
        // (As edited by hand: the checksum, which would refuse any edit, removed.)
        checkpoint.metadata[ForecastModel.checksumKey] = nil
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-damaged-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try checkpoint.write(to: path)
        let error = try #require(throws: CheckpointError.self) { try ForecastModel.load(contentsOf: path) }
        #expect(error.description.contains(expected) && error.description.hasPrefix(path))
    }

    @Test("a checkpoint's checksum refuses a changed weight or metadata entry, and keeps the same weights saved another way")
    func checksum() throws {
        let (model, _) = try ForecastModel.train(on: series, settings: quickSettings)
        let checkpoint = try model.checkpoint()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-checksum-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func loads(_ checkpoint: Checkpoint) throws -> Result<ForecastModel, CheckpointError> {
            let path = folder.appendingPathComponent("\(UUID()).safetensors").path
            try checkpoint.write(to: path)
            do { return .success(try ForecastModel.load(contentsOf: path)) } catch let error as CheckpointError { return .failure(error) }
        }
        // One bit of one weight: the sign of the head's first.
        var flipped = checkpoint
        let head = try #require(flipped.tensors.firstIndex { $0.name == "head.weight" })
        var scalars = flipped.tensors[head].value.scalars
        scalars[0] = -scalars[0]
        flipped.tensors[head].value = Tensor(shape: flipped.tensors[head].value.shape, scalars: scalars)
        guard case .failure(let error) = try loads(flipped) else { Issue.record("a flipped weight loaded"); return }
        #expect(error.message.contains("SHA-256 differs"), "\(error)")
        // One digit of the metadata that still reads as a number.
        var edited = checkpoint
        let center = try #require(edited.metadata["sibyl.forecast.target_center"])
        edited.metadata["sibyl.forecast.target_center"] = center + "1"
        guard case .failure = try loads(edited) else { Issue.record("an edited target center loaded"); return }
        // The same weights in another order, and the model's own weights: load, forecasting alike.
        var reordered = checkpoint
        reordered.tensors.reverse()
        guard case .success(let again) = try loads(reordered) else { Issue.record("reordered tensors were refused"); return }
        #expect(try again.forecastNextBar(of: series).predictedClose == (try model.forecastNextBar(of: series).predictedClose))
        // Without a checksum (PyTorch's files), or with it set to none on purpose: loads.
        var unchecked = checkpoint
        unchecked.metadata[ForecastModel.checksumKey] = nil
        guard case .success = try loads(unchecked) else { Issue.record("a checkpoint without a checksum was refused"); return }
        var turnedOff = edited
        turnedOff.metadata[ForecastModel.checksumKey] = "none"
        guard case .success = try loads(turnedOff) else { Issue.record("a checksum of none was refused"); return }
        // A damaged key name (the checksum's own, one letter changed) is refused, not ignored.
        var renamed = edited
        renamed.metadata["sibyl.forecast.checksuM"] = renamed.metadata.removeValue(forKey: ForecastModel.checksumKey)
        guard case .failure(let unknown) = try loads(renamed) else { Issue.record("a renamed checksum loaded"); return }
        #expect(unknown.message.contains("'sibyl.forecast.checksuM', which Sibyl does not write"), "\(unknown)")
        // A flip in the checksum name's prefix leaves a key Sibyl does not write and no checksum:
        // refused too, and a key added on purpose loads once the checksum is set to none.
        var prefixFlipped = edited
        prefixFlipped.metadata["sibyl/forecast.checksum"] = prefixFlipped.metadata.removeValue(forKey: ForecastModel.checksumKey)
        guard case .failure(let flippedPrefix) = try loads(prefixFlipped) else { Issue.record("a checksum under a damaged prefix loaded"); return }
        #expect(flippedPrefix.message.contains("'sibyl/forecast.checksum', which Sibyl does not write, and no checksum"), "\(flippedPrefix)")
        var added = checkpoint
        added.metadata["author"] = "me"
        added.metadata[ForecastModel.checksumKey] = "none"
        guard case .success = try loads(added) else { Issue.record("a key added with the checksum set to none was refused"); return }
        // With a checksum that matches, a key from another version of Sibyl loads; a checksum in
        // another form is named as such; the retired train_fingerprint key loads without one.
        var newer = checkpoint
        newer.metadata["sibyl.forecast.added_later"] = "1"
        newer.metadata[ForecastModel.checksumKey] = ForecastModel.contentDigest(newer)
        guard case .success = try loads(newer) else { Issue.record("a checksummed key from a later version was refused"); return }
        var otherForm = checkpoint
        otherForm.metadata[ForecastModel.checksumKey] = String(repeating: "ab", count: 32)
        guard case .failure(let form) = try loads(otherForm) else { Issue.record("a checksum of another form loaded"); return }
        #expect(form.message.contains("is not in a form this Sibyl reads"), "\(form)")
        var retired = checkpoint
        retired.metadata[ForecastModel.checksumKey] = nil
        retired.metadata["sibyl.forecast.train_fingerprint"] = "0123456789abcdef"
        guard case .success = try loads(retired) else { Issue.record("the retired train_fingerprint key was refused"); return }
        // Every key training writes is known.
        #expect(checkpoint.metadata.keys.filter { $0.hasPrefix("sibyl.") }.allSatisfy(ForecastModel.knownKeys.contains))
    }

    @Test("a model trained on too few bars for one fingerprinted stretch saves and loads")
    func shortTrainingSpan() throws {
        var settings = quickSettings
        settings.window = 5
        settings.training.batchSize = 4
        let short = series[0..<60]
        let (model, _) = try ForecastModel.train(on: short, settings: settings)
        #expect(model.provenance["train_fingerprints"] == "")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-short-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.save(to: path)
        #expect(try ForecastModel.load(contentsOf: path).forecastNextBar(of: short).predictedClose == (try model.forecastNextBar(of: short).predictedClose))
    }

    @Test("a checkpoint whose head has two outputs is refused: its forecasts would be read interleaved")
    func twoOutputHead() throws {
        let (model, _) = try ForecastModel.train(on: series, settings: quickSettings)
        var checkpoint = try model.checkpoint()
        let hidden = quickSettings.hiddenSize
        for (index, tensor) in checkpoint.tensors.enumerated() where tensor.name.hasPrefix("head.") {
            let shape = tensor.name == "head.weight" ? [2, hidden] : [2]
            checkpoint.tensors[index].value = Tensor(shape: shape, scalars: [Float](repeating: 0.1, count: shape.reduce(1, *)))
        }
        checkpoint.metadata["sibyl.model.output_size"] = "2"
        checkpoint.metadata[ForecastModel.checksumKey] = nil
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sibyl-head2-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try checkpoint.write(to: path)
        let error = try #require(throws: CheckpointError.self) { try ForecastModel.load(contentsOf: path) }
        #expect(error.description.contains("the head has 2 outputs"))
    }

    @Test("a validation share too small to validate on names --validation, not the series' length")
    func tinyValidationShare() throws {
        var settings = quickSettings
        settings.validationFraction = 0.0001
        let error = try #require(throws: ForecastError.self) { try ForecastModel.train(on: series, settings: settings) }
        #expect(error.description.contains("--validation"))
        // The share the fix names passes every check of the split, on short series too, and the
        // hundredth below it does not.
        var checked = 0
        for count in [60, 66, 90, 150] {
            let short = series[0..<count]
            var trial = settings
            trial.window = 5
            let warmUp = 1
            guard let problem = ForecastModel.spanProblem(rows: short.count, warmUp: warmUp, settings: trial, name: "s"),
                  let range = problem.fix.range(of: #"(?<=raise --validation to )[0-9.]+"#, options: .regularExpression),
                  let share = Double(problem.fix[range]) else { continue }
            trial.validationFraction = share
            #expect(ForecastModel.spanProblem(rows: short.count, warmUp: warmUp, settings: trial, name: "s") == nil, "\(count): \(problem)")
            trial.validationFraction = share - 0.01
            #expect(ForecastModel.spanProblem(rows: short.count, warmUp: warmUp, settings: trial, name: "s") != nil, "\(count)")
            checked += 1
        }
        #expect(checked >= 2)
    }

    @Test("a series whose prices never move is refused for training: nothing to learn")
    func constantSeries() throws {
        let flat = try BarSeries(name: "flat", bars: (0..<600).map {
            Bar(timestamp: Timestamp(secondsSinceEpoch: 1_600_000_000 + Int64($0) * 86_400), open: 1.1, high: 1.1, low: 1.1, close: 1.1, volume: 1)
        })
        let error = try #require(throws: ForecastError.self) { try ForecastModel.train(on: flat, settings: quickSettings) }
        #expect(error.description.contains("nothing to learn"))
    }

    @Test("evaluating on the training data under another name, cut shorter or rounded, is called in-sample; another series over the same dates, even under the training file's name, gets a note")
    func inSampleEvaluation() throws {
        let (model, _) = try ForecastModel.train(on: series, settings: quickSettings)
        var renamed = series[0..<1400]
        renamed.name = "a copy"
        let report = try model.evaluate(on: renamed)
        #expect(report.overlapsTrainingThrough == model.provenance["train_end"])
        #expect(report.inSampleCount == report.model.count && report.trainedOnOverlappingDates == nil)
        // Cut at the start as well: a stretch further into the training span is still recognized.
        var middle = series[400..<1400]
        middle.name = "a middle piece"
        #expect(try model.evaluate(on: middle).overlapsTrainingThrough == model.provenance["train_end"])
        // A short piece from inside the span (no more than 63 bars must be whole training bars).
        for range in [700..<820, 333..<430] {
            var piece = series[range]
            piece.name = "a short piece"
            let pieceReport = try model.evaluate(on: piece)
            #expect(pieceReport.overlapsTrainingThrough == model.provenance["train_end"] && pieceReport.inSampleCount == pieceReport.model.count, "\(range)")
        }
        // A piece as short as evaluation allows holds fewer than eight of the 256 close samples:
        // all of them agreeing still says it.
        var tiny = series[600..<(600 + model.minimumEvaluableBars())]
        tiny.name = "a tiny piece"
        let tinyReport = try model.evaluate(on: tiny)
        #expect(tinyReport.inSampleCount == tinyReport.model.count && tinyReport.inSampleCount > 0, "\(tiny.count) bars")
        // The same short stretch of a series that tracks the training one within 0.12% (a futures
        // contract near expiry) is another series.
        let tracking = try BarSeries(name: "a contract", bars: (0..<tiny.count).map { i in
            let bar = tiny[i]
            return Bar(timestamp: bar.timestamp, open: bar.open * 0.9988, high: bar.high * 0.9988, low: bar.low * 0.9988,
                       close: bar.close * 0.9988, volume: bar.volume)
        })
        #expect(try model.evaluate(on: tracking).inSampleCount == 0)
        // Another series over overlapping dates: not the training data, but the dates are shared.
        let msft = try bundledSeries("MSFT_daily")  // its test span (2013 → 2017) meets GOOGL's training span
        let other = try model.evaluate(on: msft)
        #expect(other.overlapsTrainingThrough == nil && other.inSampleCount == 0)
        #expect(other.trainedOnOverlappingDates?.hasPrefix("GOOGL_daily, ") == true)
        // Another series that happens to carry the training file's name is still another series.
        var namesake = msft
        namesake.name = series.name
        let namesakeReport = try model.evaluate(on: namesake)
        #expect(namesakeReport.overlapsTrainingThrough == nil && namesakeReport.inSampleCount == 0)
        #expect(namesakeReport.trainedOnOverlappingDates != nil)
        // The training data as another vendor gives it, every price rounded to a tenth (not one
        // stretch bit for bit the same), is still the training data.
        func tenth(_ value: Double) -> Double { (value * 10).rounded() / 10 }
        let rounded = try BarSeries(name: "rounded copy", bars: (0..<1400).map { i in
            let bar = series[i]
            return Bar(timestamp: bar.timestamp, open: tenth(bar.open), high: tenth(bar.high), low: tenth(bar.low), close: tenth(bar.close), volume: bar.volume)
        })
        let roundedReport = try model.evaluate(on: rounded)
        #expect(roundedReport.overlapsTrainingThrough == model.provenance["train_end"] && roundedReport.inSampleCount == roundedReport.model.count)
        // The training series itself, whole: its test span follows the training and validation spans.
        let own = try model.evaluate(on: series)
        #expect(own.overlapsTrainingThrough == nil && own.trainedOnOverlappingDates == nil)
        // The same prices in other units (×5000, or in cents rounded to the cent): the scale-free
        // features are the training inputs.
        for factor in [5000.0, 100.0] {
            let scaled = try BarSeries(name: "scaled copy", bars: (0..<1400).map { i in
                let bar = series[i]
                func units(_ value: Double) -> Double { (value * factor * 100).rounded() / 100 }
                return Bar(timestamp: bar.timestamp, open: units(bar.open), high: units(bar.high), low: units(bar.low), close: units(bar.close), volume: bar.volume)
            })
            let scaledReport = try model.evaluate(on: scaled)
            #expect(scaledReport.overlapsTrainingThrough == model.provenance["train_end"] && scaledReport.inSampleCount == scaledReport.model.count, "×\(factor)")
        }
        // A fund that tracks the index at a tenth of its level, its price falling back by the
        // dividends it pays out each quarter (0.45%), is another series: the ratio drifts.
        let fund = try BarSeries(name: "a fund", bars: (0..<1400).map { i in
            let bar = series[i]
            let ratio = 0.1 * (1 + 0.0045 * Double(i % 63) / 63)
            func units(_ value: Double) -> Double { (value * ratio * 100).rounded() / 100 }
            return Bar(timestamp: bar.timestamp, open: units(bar.open), high: units(bar.high), low: units(bar.low), close: units(bar.close), volume: bar.volume)
        })
        let fundReport = try model.evaluate(on: fund)
        #expect(fundReport.inSampleCount == 0 && fundReport.trainedOnOverlappingDates != nil)
        // Two prices that hardly move (currencies pegged to one anchor) share no ratio by chance.
        let pegs = [(3.751, 0.001), (3.673, 0.0004)].map { level, wobble in
            series.timestamps.prefix(1400).enumerated().map { i, t in (t, ((level + wobble * sin(Double(i) * (level * 7))) * 10_000).rounded() / 10_000) }
        }
        let peg = ForecastModel.sameUpToUnits(zip(pegs[0], pegs[1]).map { (file: $1.1, recorded: $0.1) })
        #expect(!peg)
        #expect(ForecastModel.sameUpToUnits(series.close.prefix(300).map { (file: ($0 * 5000 * 100).rounded() / 100, recorded: $0) }))
        #expect(ForecastModel.tick([1.25, 3.5, 100]) == 0.01 && ForecastModel.tick([215.685684]) == 1e-6)
        // A cut whose test span falls in the validation span, which chose the model's epoch: in-sample too.
        let validationEnd = try #require(model.provenance["validation_end"])
        let trainEnd = try #require(model.provenance["train_end"])
        #expect(validationEnd > trainEnd)
        let cutAt = try #require(series.timestamps.firstIndex { series.timestampFormat($0) == validationEnd })
        var cut = series[0..<(cutAt + 1)]
        cut.name = "a cut"
        let cutReport = try model.evaluate(on: cut)
        #expect(cutReport.epochChosenThrough == validationEnd && cutReport.inSampleCount == cutReport.model.count, "\(cutReport.firstTimestamp) \(cutReport.inSampleCount)")
        // Another series's returns at a constant ratio to none of it: MSFT above is still not in-sample.
        #expect(other.epochChosenThrough == nil)
    }

    @Test("the fewest bars a model scores on is what the error says: one bar fewer fails, that many succeed")
    func minimumBars() throws {
        let (model, _) = try ForecastModel.train(on: series, settings: quickSettings)
        let needed = model.minimumEvaluableBars()
        #expect(needed > model.pipeline.warmUp + model.settings.window)
        _ = try model.evaluate(on: series[0..<needed])
        let error = try #require(throws: ForecastError.self) { try model.evaluate(on: series[0..<(needed - 1)]) }
        #expect(error.description.contains("has \(needed - 1) bars; scoring a forecast needs \(needed) "), "\(error)")
    }

    @Test("spans are chronological and the scaler saw the training span only")
    func spans() throws {
        let (model, _) = try ForecastModel.train(on: series, settings: quickSettings)
        let matrix = try model.pipeline.compute(series)
        let spans = ForecastModel.spans(matrix: matrix, settings: quickSettings)
        #expect(spans.train.lowerBound == matrix.warmUp && spans.test.upperBound == series.count)
        #expect(model.scaler.fittedRows == spans.train)
        #expect(model.provenance["train_end"] == series.timestamps[spans.train.upperBound - 1].iso)
    }

    @Test("the prediction interval: split-conformal ranks of the held-out errors, each over the volatility before it, at the last bar's volatility")
    func predictionInterval() throws {
        let (model, _) = try ForecastModel.train(on: series, settings: quickSettings)
        let report = try model.evaluate(on: series, intervalLevel: 0.9)
        let forecast = try model.forecastNextBar(of: series, evaluation: report)
        let interval = try #require(forecast.interval)
        // Reference: each evaluated bar's origin is the bar before it; σ from its 20 log returns.
        let close = series.close
        func sigma(_ t: Int) -> Double {
            let returns = ((t - 19)...t).map { log(close[$0] / close[$0 - 1]) }
            let mean = returns.reduce(0, +) / 20
            return (returns.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 19).squareRoot()
        }
        let index = Dictionary(uniqueKeysWithValues: series.timestamps.enumerated().map { ($1.iso, $0) })
        let errors = zip(report.timestamps, report.forecasts).map { timestamp, forecast in
            let t = index[timestamp]! - 1
            return log(close[t + 1] / forecast) / sigma(t)
        }.sorted()
        let n = errors.count
        #expect(n == report.model.count && interval.errorCount == n && interval.level == 0.9)
        // Ranks ⌊(n + 1)·0.05⌋ and ⌈(n + 1)·0.95⌉, 1-based.
        let (lowRank, highRank) = (Int(floor(Double(n + 1) * 5 / 100)), Int(ceil(Double(n + 1) * 95 / 100)))
        let now = sigma(series.count - 1)
        #expect(abs(interval.volatility - now) <= 1e-12 * now && forecast.recentVolatility == interval.volatility)
        #expect(PredictionInterval.lastVolatility(close) == PredictionInterval.volatility(close).last)
        // The size of the recent moves, drift and all: the root mean square of the last 20 log returns.
        let recentReturns = (series.count - 20..<series.count).map { log(close[$0] / close[$0 - 1]) }
        let rms = (recentReturns.map { $0 * $0 }.reduce(0, +) / 20).squareRoot()
        #expect(abs(try #require(forecast.recentMoveSize) - rms) <= 1e-12 * rms)
        // A series falling 10% every bar has moves of 10% and no volatility: a forecast of −10% is
        // not far outside them.
        var steady = NextBarForecast(lastTimestamp: "a", lastClose: 1, nextTimestamp: "b", predictedClose: 0.9, predictedLogReturn: log(0.9),
                                     upProbability: nil, recentVolatility: 1e-17)
        steady.recentMoveSize = -log(0.9)
        #expect(!steady.isFarOutsideRecentMoves)
        steady.recentMoveSize = 0.001
        #expect(steady.isFarOutsideRecentMoves)
        #expect(abs(interval.low - forecast.predictedClose * exp(now * errors[lowRank - 1])) <= 1e-9 * interval.low)
        #expect(abs(interval.high - forecast.predictedClose * exp(now * errors[highRank - 1])) <= 1e-9 * interval.high)
        #expect(interval.low < forecast.predictedClose && forecast.predictedClose < interval.high && !interval.fromInSampleErrors)
        // The held-out errors fall inside their own band about as often as the level says.
        let (low, high) = (try #require(report.errorBand.low), try #require(report.errorBand.high))
        let inside = errors.filter { $0 >= low && $0 <= high }.count
        #expect(Double(inside) / Double(n) >= 0.9 && Double(inside) / Double(n) < 0.93)
        // No forecast without an evaluation to draw it from.
        #expect(try model.forecastNextBar(of: series).interval == nil)
        // A level that needs more errors than the span has says so, with the number needed.
        let strict = try model.forecastNextBar(of: series, evaluation: try model.evaluate(on: series, intervalLevel: 0.999))
        #expect(strict.interval == nil && strict.intervalUnavailable == "no 99.9% interval: \(n) held-out errors, 1999 needed (a larger --test share, or a lower --interval)")
        #expect(PredictionInterval.minimumErrors(level: 0.8) == 9 && PredictionInterval.minimumErrors(level: 0.95) == 39)
        // The last 21 closes flat: no volatility to scale by, and the forecast says so.
        let flat = try BarSeries(name: series.name, bars: (0..<series.count).map { i in
            let bar = series[min(i, series.count - 22)]
            return Bar(timestamp: series.timestamps[i], open: bar.close, high: bar.close, low: bar.close, close: bar.close, volume: 1)
        })
        let still = try model.forecastNextBar(of: flat, evaluation: try model.evaluate(on: flat))
        #expect(still.interval == nil && still.intervalUnavailable?.contains("the last 21 closes' log returns did not vary") == true, "\(String(describing: still.intervalUnavailable))")
        // The last 21 closes moving by a hundred-millionth: the model's move is far outside theirs,
        // and the reason states the rule with both sizes.
        let calm = try BarSeries(name: series.name, bars: (0..<series.count).map { i in
            let bar = series[i]
            guard i > series.count - 22 else {
                return Bar(timestamp: bar.timestamp, open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume)
            }
            let price = series[series.count - 22].close * (i % 2 == 0 ? 1 + 1e-8 : 1 - 1e-8)
            return Bar(timestamp: series.timestamps[i], open: price, high: price, low: price, close: price, volume: 1)
        })
        let far = try model.forecastNextBar(of: calm, evaluation: try model.evaluate(on: calm))
        try #require(far.isFarOutsideRecentMoves, "\(far.predictedLogReturn) against \(String(describing: far.recentMoveSize))")
        let size = try #require(far.recentMoveSize)
        let expected = "no 80% interval: the forecast's move, \(NextBarForecast.percentage(abs(far.predictedLogReturn))) in log terms, is over 10 times "
            + "the root mean square of the last 20 log returns (\(NextBarForecast.percentage(size))), far outside the moves of the forecasts whose errors would set it"
        #expect(NextBarForecast.percentage(0.00072) == "0.072%" && NextBarForecast.percentage(1e-8) == "1.00e-06%" && NextBarForecast.percentage(5.889) == "588.900%")
        #expect(far.interval == nil && far.intervalUnavailable == expected, "\(String(describing: far.intervalUnavailable))")
    }

    @Test("fingerprints find any piece of 2·bars − 1 training bars, over a 70,000-bar span as well")
    func fingerprintCoverage() throws {
        let (model, _) = try ForecastModel.train(on: series, settings: quickSettings)
        // 70,000 hourly bars: stretches of ⌈70,000 / 2,048⌉ = 35 bars, 2,000 of them.
        let n = 70_000
        func bar(_ i: Int, bump: Double = 0) -> Bar {
            let close = 100 + sin(Double(i) / 50) + Double(i % 7) / 100 + bump
            return Bar(timestamp: Timestamp(secondsSinceEpoch: 1_500_000_000 + Int64(i) * 3600), open: close, high: close, low: close, close: close, volume: 1)
        }
        let big = try BarSeries(name: "big", bars: (0..<n).map { bar($0) })
        let width = ForecastModel.fingerprintBars(spanning: n)
        #expect(width == 35 && ForecastModel.fingerprintBars(spanning: 3000) == 32)
        let fingerprints = ForecastModel.fingerprints(big, span: 0..<n, bars: width)
        #expect(fingerprints.split(separator: ";").count == n / width)
        let recorded = ForecastModel(settings: model.settings, pipeline: model.pipeline, scaler: model.scaler, network: model.network,
                                     targetCenter: 0, targetScale: 1, typicalMove: 0,
                                     provenance: ["data_name": "big", "train_start": "0", "train_end": "9",
                                                  "train_fingerprints": fingerprints, "train_fingerprint_bars": String(width)])
        for start in [0, 1, 17, 34, 40_001, n - 2 * width + 1] {
            var piece = big[start..<(start + 2 * width - 1)]
            piece.name = "a piece"
            #expect(recorded.trainingOverlap(piece, evaluated: []).sameData, "\(start)")
        }
        // One bar fewer, starting just past a stretch's first bar, holds no whole stretch.
        var short = big[1..<(2 * width - 1)]
        short.name = "a piece"
        #expect(!recorded.trainingOverlap(short, evaluated: []).sameData)
        // A changed close is another series.
        let changed = try BarSeries(name: "a piece", bars: (0..<(2 * width)).map { bar($0, bump: $0 % width == 3 ? 0.01 : 0) })
        #expect(!recorded.trainingOverlap(changed, evaluated: []).sameData)
    }

    @Test("prices so large that a feature overflows are refused naming the feature and the bar, not left to a NaN loss")
    func overflowingFeature() throws {
        // Beyond the prices a file may hold (BarValidation.priceRange), so built unchecked, as a
        // library caller's code could.
        let huge = BarSeries(name: "huge", timestamps: series.timestamps, open: series.open.map { $0 * 5e304 },
                             high: series.high.map { $0 * 5e304 }, low: series.low.map { $0 * 5e304 },
                             close: series.close.map { $0 * 5e304 }, volume: series.volume, adjustedClose: nil)
        var settings = quickSettings
        // The EMA's seed sums its first 30 closes (near 1e308 each); %B and the z-score scale
        // their deviations and stay finite.
        settings.featureSpec = "returns,bbands:20,zscore:20,ema:30"
        let error = try #require(throws: ForecastError.self) { try ForecastModel.train(on: huge, settings: settings) }
        #expect(error.message.hasPrefix("feature ema_30 is") && error.message.contains("the prices overflow or underflow it"), "\(error)")
    }

    @Test("a series too short to forecast from names the bars a forecast needs, however short it is")
    func tooShortToForecast() throws {
        let (model, _) = try ForecastModel.train(on: series, settings: quickSettings)
        let needed = model.pipeline.warmUp + model.settings.window
        for length in [5, model.pipeline.warmUp, needed - 1] {
            let error = try #require(throws: ForecastError.self) { try model.forecastNextBar(of: series[0..<length]) }
            #expect(error.message.contains("has \(length) bars; a forecast needs \(needed)"), "\(error)")
        }
        #expect(throws: Never.self) { try model.forecastNextBar(of: series[0..<needed]) }
    }

    @Test("prices on a coarse step: the step found, the interval rounded outward onto it; fine or noisy prices have none")
    func coarsePriceStep() throws {
        func series(_ closes: [Double]) throws -> BarSeries {
            try BarSeries(name: "s", bars: closes.enumerated().map { i, c in
                Bar(timestamp: Timestamp(year: 2020, month: 1, day: 6).adding(days: i), open: c, high: c, low: c, close: c, volume: 1)
            })
        }
        // A penny stock quoted to 0.0001 (its decimals not exact in binary).
        let penny = try series((0..<300).map { [0.0009, 0.001, 0.0011, 0.001][$0 % 4] })
        #expect(penny.coarsePriceStep().map { abs($0 - 0.0001) < 1e-12 } == true)
        // A band between two steps holds no price: rounded outward, it holds the last close.
        let band = PredictionInterval(level: 0.8, low: 0.00098585, high: 0.00099875, errorCount: 100, volatility: 0.02, fromInSampleErrors: false,
                                      priceStep: penny.coarsePriceStep())
        #expect(abs(band.low - 0.0009) < 1e-12 && abs(band.high - 0.001) < 1e-12, "\(band)")
        // Exactly on the grid stays put; a low that would round to 0 keeps one step.
        let onGrid = PredictionInterval(level: 0.8, low: 0.0009, high: 0.0011, errorCount: 100, volatility: 0.02, fromInSampleErrors: false, priceStep: 0.0001)
        #expect(abs(onGrid.low - 0.0009) < 1e-12 && abs(onGrid.high - 0.0011) < 1e-12)
        #expect(PredictionInterval(level: 0.8, low: 0.00004, high: 0.0002, errorCount: 100, volatility: 1, fromInSampleErrors: false, priceStep: 0.0001).low > 0)
        // A future quoted in quarters at 20: 1.25% a step.
        #expect(try series((0..<300).map { 20 + 0.25 * Double($0 % 7) }).coarsePriceStep() == 0.25)
        // Coarse gaps whose prices are not all multiples of the smallest (1.0, 1.3, 1.5): no step.
        #expect(try series((0..<300).map { [1.0, 1.3, 1.5][$0 % 3] }).coarsePriceStep() == nil)
        // Yahoo's six decimals on an index, steps too fine to matter, and float noise: none.
        #expect(try series((0..<300).map { 2506.850098 + Double($0 % 13) * 0.37 }).coarsePriceStep() == nil)
        #expect(try series((0..<300).map { 0.001 * (1 + 0.01 * sin(Double($0))) }).coarsePriceStep() == nil)
        // Without a step, the interval is as computed.
        let plain = PredictionInterval(level: 0.8, low: 0.00098585, high: 0.00099875, errorCount: 100, volatility: 0.02, fromInSampleErrors: false)
        #expect(plain.low == 0.00098585 && plain.high == 0.00099875 && plain.priceStep == nil)
    }

    @Test("interval ranks: too few errors give none; with just enough, the extremes")
    func intervalRanks() {
        var generator = SeededGenerator(seed: 3)
        let nine = (1...9).map(Double.init).shuffled(using: &generator)
        #expect(PredictionInterval.errorQuantiles(nine, level: 0.8)! == (1, 9))
        #expect(PredictionInterval.errorQuantiles(Array(nine.prefix(8)), level: 0.8) == nil)
        #expect(PredictionInterval.errorQuantiles((1...99).map(Double.init), level: 0.8)! == (10, 90))
        #expect(PredictionInterval.errorQuantiles((1...38).map(Double.init), level: 0.95) == nil)
    }

    @Test("the evaluation's forecasts do not depend on bars after them (no leakage)")
    func noLeakage() throws {
        let (model, _) = try ForecastModel.train(on: series, settings: quickSettings)
        let full = try model.evaluate(on: series)
        // Drop the last 40 bars: every forecast for a bar still present must be unchanged.
        let shorter = try model.evaluate(on: series[0..<(series.count - 40)])
        let common = Dictionary(uniqueKeysWithValues: zip(full.timestamps, full.forecasts))
        var compared = 0
        for (timestamp, forecast) in zip(shorter.timestamps, shorter.forecasts) {
            if let other = common[timestamp] {
                #expect(other == forecast, "\(timestamp)")
                compared += 1
            }
        }
        #expect(compared > 100)
    }
}

@Test("the AR fit skips rows whose lags are undefined (the first return of a series is NaN)")
func autoregressionWithUndefinedFirstReturn() {
    var generator = SeededGenerator(seed: 2)
    let returns = [Double.nan] + (1..<500).map { _ in 0.01 * generator.nextNormal() }
    let fit = LinearAutoregression(fitting: returns, rows: 1..<500, order: 5)
    #expect(fit.intercept.isFinite && fit.coefficients.allSatisfy(\.isFinite))
}

@Suite("Diebold–Mariano against the naive forecast")
struct ErrorComparisonTests {
    @Test("Student's t two-sided p-values match scipy.stats.t.sf to 1e-10")
    func studentT() {
        // 2·t.sf(t, ν) from scipy 1.x.
        let cases: [(Double, Double, Double)] = [(2.0, 10, 0.07338803477074037), (1.0, 1, 0.5000000000000001), (3.0, 5, 0.030099247897462586),
                                                 (2.228138851986, 10, 0.050000000000023255), (0.5, 27, 0.6211258637632511),
                                                 (4.0, 2, 0.05719095841793663), (1.96, 100_000, 0.04999856319430168)]
        for (t, nu, expected) in cases {
            let p = ErrorComparison.studentTwoSidedPValue(t, degreesOfFreedom: nu)
            #expect(abs(p - expected) < 1e-10, "t \(t), ν \(nu): \(p)")
            #expect(abs(ErrorComparison.studentTwoSidedPValue(-t, degreesOfFreedom: nu) - expected) < 1e-10)
        }
    }

    @Test("the corrected statistic and its p-value on twelve errors, against numpy and scipy")
    func statistic() throws {
        let first = [2.041, -2.556, 0.418, -0.568, -0.453, -0.216, -2.02, -0.232, -0.865, 3.323, 0.226, -0.353]
        let second = [-0.366, -0.868, -1.372, -0.508, 0.627, -0.31, 1.245, -0.26, 0.032, 2.01, 0.709, -0.657]
        let comparison = ErrorComparison(errors: first, against: second)
        #expect(comparison.count == 12)
        #expect(abs(comparison.meanDifference - zip(first, second).map { abs($0) - abs($1) }.reduce(0, +) / 12) < 1e-15)
        #expect(abs(try #require(comparison.statistic) - 1.4222052099919824) < 1e-12)
        #expect(abs(try #require(comparison.pValue) - 0.18269781353344902) < 1e-10)
        // Swapping the forecasters flips the sign and keeps the p-value.
        let swapped = ErrorComparison(errors: second, against: first)
        #expect(abs(try #require(swapped.statistic) + 1.4222052099919824) < 1e-12 && swapped.pValue == comparison.pValue)
        // Losses that never differ by a varying amount have no statistic.
        #expect(ErrorComparison(errors: [1, 2, 3], against: [0, 1, 2]).pValue == nil)
    }
}
