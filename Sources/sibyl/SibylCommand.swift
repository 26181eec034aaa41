import ArgumentParser
import SibylForecasting

@main
struct SibylCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sibyl",
        abstract: "Forecast and backtest financial time series on an OpenBLAS/FFTW engine.",
        version: SibylVersion.current,
        subcommands: [BacktestCommand.self, ForecastCommand.self, TrainCommand.self, InspectCommand.self, FeaturesCommand.self, BenchCommand.self]
    )
}
