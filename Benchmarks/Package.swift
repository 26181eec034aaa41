// swift-tools-version:6.1
// package-benchmark suites for Sibyl's kernels. A nested package, so that the benchmark
// dependency never reaches users of Sibyl: `cd Benchmarks && swift package benchmark`.
import Foundation
import PackageDescription

// The root package's identity is the name of the folder it was cloned into.
let rootIdentity = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "SibylBenchmarks",
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "KernelBenchmarks",
            dependencies: [
                .product(name: "SibylKernels", package: rootIdentity),
                .product(name: "SibylData", package: rootIdentity),
                .product(name: "SibylBacktest", package: rootIdentity),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/KernelBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
