import Foundation
import Testing
import SibylData
@testable import SibylFeatures

@Suite("Feature specs, scalers and windows")
struct PipelineTests {
    @Test("the text form parses and prints back to itself")
    func roundTrip() throws {
        let pipeline = try FeaturePipeline(parsing: everyFeature)
        #expect(try FeaturePipeline(parsing: pipeline.description) == pipeline)
        #expect(try FeaturePipeline(parsing: "macd,bbands:20").description == "macd:12:26:9,bbands:20:2")
        #expect(try FeaturePipeline(parsing: "bbands:20:1000,bbands:10:0.5").description == "bbands:20:1000,bbands:10:0.5")
        let encoded = try JSONEncoder().encode(pipeline)
        #expect(String(decoding: encoded, as: UTF8.self) == "\"\(pipeline.description)\"")
        #expect(try JSONDecoder().decode(FeaturePipeline.self, from: encoded) == pipeline)
    }

    @Test("bad specs are refused with their position and a fix", arguments: [
        ("returns,rsj:14", 2, "not a known feature"),
        ("rsi", 1, "takes 1 parameter"),
        ("rsi:0", 1, "not a positive whole number"),
        ("returns,,rsi:14", 2, "is empty"),
        ("fft:16:8", 1, "leave a band empty"),
        ("fft:4:1", 1, "at least 8 bars"),
        ("returns,fft:64:1", 2, "its share is always 1"),
        ("lowpass:32:16", 1, "must be below"),
        ("macd:26:12:9", 1, "must be shorter"),
        ("returns,returns", 2, "repeats"),
        ("", 1, "empty"),
        ("bbands:20:1e300", 1, "outside 0.001–1000"),
        ("bbands:20:9.3e18", 1, "outside 0.001–1000"),
        ("bbands:20:1e-320", 1, "outside 0.001–1000"),
        ("bbands:20:-2", 1, "positive number"),
    ])
    func badSpec(text: String, position: Int, message: String) {
        do {
            _ = try FeaturePipeline(parsing: text)
            Issue.record("'\(text)' was accepted")
        } catch let error as FeatureSpecError {
            #expect(error.position == position)
            #expect(error.description.contains(message), "\(error)")
            #expect(error.description.contains("fix:"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("a spectrum whose bands would leave one empty suggests specs that parse: fewer bands, or the shortest longer window")
    func spectrumSuggestions() throws {
        var refused = 0
        for window in [8, 12, 16, 24, 32, 48, 64, 100, 128, 256] {
            for bands in 2...16 {
                let text = "fft:\(window):\(bands)"
                do {
                    _ = try FeaturePipeline(parsing: text)
                } catch let error as FeatureSpecError {
                    refused += 1
                    let fix = try #require(error.description.components(separatedBy: "fix:").last)
                    let suggested = fix.matches(of: /fft:(\d+):(\d+)/).map { String($0.output.0) }
                    #expect(!suggested.isEmpty, "\(text): \(error)")
                    for spec in suggested {
                        #expect((try? FeaturePipeline(parsing: spec)) != nil, "\(text) suggests \(spec), which is refused too")
                    }
                    // The fewer bands are the most this window takes, the longer window the shortest doubling.
                    let (fewer, longer) = (Int(suggested[0].split(separator: ":")[2])!, suggested.count > 1 ? Int(suggested[1].split(separator: ":")[1])! : nil)
                    #expect((try? FeaturePipeline(parsing: "fft:\(window):\(fewer + 1)")) == nil, "\(text): \(fewer) bands are not the most")
                    if let longer {
                        #expect((try? FeaturePipeline(parsing: "fft:\(longer / 2):\(bands)")) == nil || longer / 2 == window, "\(text): \(longer) is not the shortest")
                    }
                }
            }
        }
        #expect(refused > 20)
        #expect(throws: FeatureSpecError.self) { try FeaturePipeline(parsing: "fft:32:8") }
    }

    @Test("two features that would share column names get their parameters appended: every column is named once")
    func uniqueColumnNames() throws {
        let names = try FeaturePipeline(parsing: "fft:64:8,fft:64:4,returns").columnNames
        #expect(Set(names).count == names.count && names.count == 8 + 3 + 4 + 3 + 1)
        #expect(names.contains("fft64_period") && names.contains("fft64_period_64_4"))
    }

    @Test("volume features on a series without volume give a clear error")
    func missingVolume() throws {
        let file = try BarCSV.parse("Date,Open,High,Low,Close\n2020-01-02,1,1,1,1\n2020-01-03,1,1,1,1\n", file: "t.csv")
        #expect(throws: FeatureSpecError.self) { try FeaturePipeline(parsing: "returns,volz:2").compute(file.series) }
    }

    @Test("scalers see only their span: changing rows outside it changes nothing")
    func scalersSeeOnlyTheirSpan() throws {
        let series = try randomWalk(500, seed: 3)
        let pipeline = try FeaturePipeline(parsing: "returns,rsi:14,zscore:20")
        let matrix = try pipeline.compute(series)
        let span = 50..<300
        var altered = matrix.columns
        for c in altered.indices {
            for r in 300..<500 { altered[c][r] *= 1000 }
            for r in 20..<50 { altered[c][r] = -altered[c][r] }
        }
        let alteredMatrix = FeatureMatrix(names: matrix.names, timestamps: matrix.timestamps, columns: altered, warmUp: matrix.warmUp)
        for kind in FeatureScaler.Kind.allCases {
            let a = FeatureScaler.fit(kind, to: matrix, rows: span)
            let b = FeatureScaler.fit(kind, to: alteredMatrix, rows: span)
            #expect(a == b, "\(kind)")
        }
    }

    @Test("scaler statistics by hand: z-score, min-max onto [0, 1], robust median and IQR")
    func scalerStatistics() throws {
        let values: [Double] = [1, 2, 3, 4, 100]
        let matrix = FeatureMatrix(names: ["x"], timestamps: (0..<5).map { Timestamp(secondsSinceEpoch: Int64($0)) },
                                   columns: [values], warmUp: 0)
        let z = FeatureScaler.fit(.zScore, to: matrix, rows: 0..<5)
        #expect(z.center[0] == 22 && abs(z.scale[0] - (7610.0 / 4).squareRoot()) < 1e-12)
        let minMax = FeatureScaler.fit(.minMax, to: matrix, rows: 0..<4)
        #expect((0..<4).map { minMax.transform(values[$0], column: 0) } == [0, 1.0 / 3, 2.0 / 3, 1])
        let robust = FeatureScaler.fit(.robust, to: matrix, rows: 0..<5)
        // numpy.percentile([1,2,3,4,100], [25, 50, 75]) = [2, 3, 4].
        #expect(robust.center[0] == 3 && robust.scale[0] == 2)
        #expect(robust.inverse(robust.transform(17, column: 0), column: 0) == 17)
        let constant = FeatureMatrix(names: ["c"], timestamps: matrix.timestamps, columns: [[5, 5, 5, 5, 5]], warmUp: 0)
        let flat = FeatureScaler.fit(.zScore, to: constant, rows: 0..<5)
        #expect(flat.scale == [1] && flat.constant == [true])
        // A range of exactly 1 is a measured spread, not the constant columns' stand-in.
        let unitRange = FeatureScaler.fit(.minMax, to: matrix, rows: 0..<2)
        #expect(unitRange.scale == [1] && unitRange.constant == [false])
        let decoded = try JSONDecoder().decode(FeatureScaler.self, from: JSONEncoder().encode(robust))
        #expect(decoded == robust && decoded.constant == [false])
        // A scaler saved before the constancy marks: a scale of 1 stood for a constant column.
        let older = #"{"kind":"minmax","fittedRows":[0,2],"center":[1,0],"scale":[1,2]}"#
        #expect(try JSONDecoder().decode(FeatureScaler.self, from: Data(older.utf8)).constant == [true, false])
    }

    @Test("windows are time-major with next-bar targets")
    func windows() throws {
        let series = try randomWalk(200, seed: 8)
        let matrix = try FeaturePipeline(parsing: "returns,rsi:5").compute(series)
        #expect(matrix.column(named: "rsi_5") == matrix.columns[1] && matrix.column(named: "rsi_6") == nil)
        #expect(matrix.row(57) == [matrix.columns[0][57], matrix.columns[1][57]])
        let scaler = FeatureScaler.fit(.zScore, to: matrix, rows: matrix.warmUp..<150)
        let dataset = WindowedDataset(matrix: matrix, series: series, scaler: scaler, windowLength: 4, target: .logReturn)
        #expect(dataset.firstSampleEnd == 5 + 3)
        let ends = [10, 57, 148]
        let inputs = UnsafeMutablePointer<Float>.allocate(capacity: 4 * 3 * 2)
        let targets = UnsafeMutablePointer<Float>.allocate(capacity: 3)
        defer { inputs.deallocate(); targets.deallocate() }
        dataset.fill(ends: ends[...], inputs: inputs, targets: targets)
        for (b, end) in ends.enumerated() {
            for step in 0..<4 {
                let row = end - 3 + step
                for f in 0..<2 {
                    let expected = Float(scaler.transform(matrix.columns[f][row], column: f))
                    #expect(inputs[(step * 3 + b) * 2 + f] == expected)
                }
            }
            #expect(targets[b] == Float(log(series.close[end + 1] / series.close[end])))
            #expect(dataset.targets[end] == log(series.close[end + 1] / series.close[end]))
        }
        let direction = WindowedDataset(matrix: matrix, series: series, scaler: scaler, windowLength: 4, target: .direction)
        #expect(direction.targets[10] == (series.close[11] > series.close[10] ? 1 : 0))
        #expect(direction.targets[199].isNaN)
    }
}
