import ArgumentParser
import SibylForecasting
import SibylKernels

@main
struct SibylCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sibyl",
        abstract: "Forecast and backtest financial time series on an OpenBLAS/FFTW engine.",
        version: SibylVersion.current,
        subcommands: [BacktestCommand.self, ForecastCommand.self, TrainCommand.self, InspectCommand.self, FeaturesCommand.self, BenchCommand.self]
    )

    static func main() {
        // The models' passes split their own work and run OpenBLAS on one thread; it stays there
        // for the whole run (set and restored around each pass, its idle second thread would spin
        // between passes). The GEMM benchmark sets the thread count it measures itself.
        OpenBLAS.threadCount = 1
        main(nil)
    }
}
