import ArgumentParser

@main
struct SibylCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sibyl",
        abstract: "Forecast and backtest financial time series on an OpenBLAS/FFTW engine.",
        version: "0.1.0",
        subcommands: [InspectCommand.self, FeaturesCommand.self, BenchCommand.self]
    )
}
