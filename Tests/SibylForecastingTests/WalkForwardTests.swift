import Foundation
import Testing
import SibylData
@testable import SibylForecasting

@Suite("Walk-forward")
struct WalkForwardTests {
    let series: BarSeries

    init() throws {
        series = try bundledSeries("GOOGL_daily")[0..<700]
    }

    var settings: ForecastSettings {
        var settings = ForecastSettings(featureSpec: "returns,rsi:5,zscore:10", window: 8, hiddenSize: 4, layers: 1)
        settings.training.epochs = 2
        return settings
    }

    @Test("folds retrain on earlier bars only and cover the forecast span")
    func folds() throws {
        let result = try ForecastModel.walkForward(series, settings: settings, walk: WalkForwardSettings(retrainEvery: 100, firstForecastBar: 400))
        #expect(result.folds.map(\.forecastStart) == [400, 500, 600])
        #expect(result.folds.allSatisfy { $0.trainEnd == $0.forecastStart && $0.trainStart == 0 })
        #expect(result.forecastLogReturns[..<400].allSatisfy { $0.isNaN })
        #expect(result.forecastLogReturns[400...].allSatisfy { !$0.isNaN })
        #expect(result.model != nil && result.naive != nil)
        let trailing = try ForecastModel.walkForward(series, settings: settings,
                                                     walk: WalkForwardSettings(retrainEvery: 150, trailingWindow: 300, firstForecastBar: 400))
        #expect(trailing.folds.map(\.trainStart) == [100, 250])
        #expect(result.retrainEvery == 100)
        // Without a retraining interval: 250 bars (300 to forecast from bar 400: two folds).
        let standard = try ForecastModel.walkForward(series, settings: settings, walk: WalkForwardSettings(firstForecastBar: 400))
        #expect(standard.retrainEvery == 250 && standard.folds.map(\.forecastStart) == [400, 650])
    }

    @Test("no leakage: changing the bars after t leaves every forecast made at or before t identical")
    func noLeakage() throws {
        let walk = WalkForwardSettings(retrainEvery: 100, firstForecastBar: 400)
        let original = try ForecastModel.walkForward(series, settings: settings, walk: walk)
        for t in [450, 555, 640] {
            // A different future: later bars scaled by 1.3 and with the volume doubled.
            var bars = (0..<series.count).map { series[$0] }
            for i in (t + 1)..<series.count {
                bars[i].open *= 1.3; bars[i].high *= 1.3; bars[i].low *= 1.3; bars[i].close *= 1.3; bars[i].volume *= 2
            }
            let changed = try ForecastModel.walkForward(try BarSeries(name: series.name, bars: bars), settings: settings, walk: walk)
            for k in 0...t {
                #expect(changed.forecastLogReturns[k].bitPattern == original.forecastLogReturns[k].bitPattern, "forecast at \(k) moved when bars after \(t) changed")
            }
        }
    }
}
