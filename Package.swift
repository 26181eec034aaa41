// swift-tools-version:6.1
// Sibyl: financial time-series forecasting and backtesting on an OpenBLAS/FFTW kernel layer.
// Dependencies flow one way (the README's architecture map draws them all):
//   sibyl (CLI) → SibylForecasting → SibylFeatures, SibylNeural, SibylBacktest → SibylData, SibylKernels
//   SibylKernels → CBLAS, CFFTW, _SibylVectorMath
import PackageDescription

let package = Package(
    name: "Sibyl",
    products: [
        .library(name: "SibylKernels", targets: ["SibylKernels"]),
        .library(name: "SibylData", targets: ["SibylData"]),
        .library(name: "SibylFeatures", targets: ["SibylFeatures"]),
        .library(name: "SibylNeural", targets: ["SibylNeural"]),
        .library(name: "SibylForecasting", targets: ["SibylForecasting"]),
        .library(name: "SibylBacktest", targets: ["SibylBacktest"]),
        .executable(name: "sibyl", targets: ["sibyl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - C libraries (the only C in the package)

        /// OpenBLAS through its CBLAS header; `openblas_get_corename` and thread control too.
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "pkg-config"])]
        ),
        /// FFTW 3, single (`fftwf_`) and double (`fftw_`) precision.
        .systemLibrary(
            name: "CFFTW",
            pkgConfig: "fftw3",
            providers: [.apt(["libfftw3-dev", "pkg-config"])]
        ),
        /// Element-wise Float32 kernels compiled per instruction set and dispatched at load time,
        /// so the package gets AVX2/AVX-512 speed without unsafe flags. Not API: use SibylKernels.
        .target(name: "_SibylVectorMath"),

        // MARK: - Kernels

        /// Aligned storage and tensors, GEMM/GEMV over CBLAS with naive references, element-wise
        /// math, FFT plans over FFTW, a seeded generator, OpenBLAS thread control.
        .target(
            name: "SibylKernels",
            dependencies: ["CBLAS", "CFFTW", "_SibylVectorMath"],
            exclude: ["README.md"]
        ),

        // MARK: - Market data

        /// Bars and series, CSV reading and writing with validation, frequency, splits.
        .target(name: "SibylData", exclude: ["README.md"]),

        // MARK: - Features

        /// Causal features over bars (classic and FFT spectral), pipelines, scalers, windows.
        .target(name: "SibylFeatures", dependencies: ["SibylData", "SibylKernels"], exclude: ["README.md"]),

        // MARK: - Neural networks

        /// LSTM and GRU layers with backpropagation through time, dense head, losses, optimizers,
        /// training loop, safetensors checkpoints. Knows nothing of markets.
        .target(name: "SibylNeural", dependencies: ["SibylKernels", "_SibylVectorMath"], exclude: ["README.md"]),

        // MARK: - Backtesting

        /// Strategies bar by bar and from signals, the broker (fills, costs, exits), statistics,
        /// reports. Knows nothing of neural networks.
        .target(name: "SibylBacktest", dependencies: ["SibylData"], exclude: ["README.md"]),

        // MARK: - Forecasting

        /// Forecast models over features: training, next-bar forecasts, honest evaluation against
        /// naive and autoregressive baselines.
        .target(name: "SibylForecasting", dependencies: ["SibylData", "SibylFeatures", "SibylNeural", "SibylKernels", "SibylBacktest"],
                exclude: ["README.md"]),

        // MARK: - Command-line tool

        /// `sibyl`: one subcommand per file, thin over the libraries.
        .executableTarget(
            name: "sibyl",
            dependencies: [
                "_SibylVectorMath",
                "SibylKernels",
                "SibylData",
                "SibylFeatures",
                "SibylNeural",
                "SibylForecasting",
                "SibylBacktest",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // The default dataset, so that `sibyl` works from any folder without --data.
            resources: [.copy("Resources/SPX_daily.csv")]
        ),

        // MARK: - Tests

        .testTarget(name: "SibylKernelsTests", dependencies: ["SibylKernels"]),
        .testTarget(name: "SibylDataTests", dependencies: ["SibylData"]),
        .testTarget(name: "SibylFeaturesTests", dependencies: ["SibylFeatures"]),
        .testTarget(name: "SibylForecastingTests", dependencies: ["SibylForecasting", "SibylBacktest", "SibylNeural"]),
        .testTarget(name: "SibylBacktestTests", dependencies: ["SibylBacktest"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SibylNeuralTests", dependencies: ["SibylNeural"], resources: [.copy("Fixtures")]),
        /// Runs the built `sibyl` tool and checks its output and exit status.
        .testTarget(name: "SibylCLITests", dependencies: ["sibyl"]),
    ]
)
