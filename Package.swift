// swift-tools-version:6.0
// sobolev: Sobolev (gradient-enhanced) training of neural-network surrogates, loss-weighting
// schemes, MPI sweeps, HDF5 results and browser reports.
import PackageDescription
import Foundation

// The element-wise kernels vectorise 8 wide when the build machine has AVX-512 (Skylake-SP, Zen 4
// and later), 4 wide (AVX2) when it has AVX2 and FMA (Haswell, 2013, and later), else 2 wide
// (the portable x86-64 baseline); SOBOLEV_PORTABLE=1
// forces the baseline, for a binary that must also run on older CPUs. The results are the same
// bits either way: Swift never contracts a * b + c into an FMA and the kernels' lanes are independent.
func vectorWidthSettings() -> [SwiftSetting] {
    #if arch(x86_64)
    let portable = ProcessInfo.processInfo.environment["SOBOLEV_PORTABLE"].map { !$0.isEmpty && $0 != "0" } ?? false
    guard !portable, let cpu = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
    let flags = Set(cpu.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init))
    if ["avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512cd"].allSatisfy(flags.contains) {
        // LLVM keeps 256-bit vectors on its Intel AVX-512 models unless told otherwise; the
        // activation kernels are compute-bound polynomials (docs/design.md, "Vector width").
        return [.unsafeFlags(["-target-cpu", "skylake-avx512", "-Xcc", "-mprefer-vector-width=512"])]
    }
    if flags.contains("avx2") && flags.contains("fma") {
        return [.unsafeFlags(["-target-cpu", "haswell"])]
    }
    #endif
    return []
}

let package = Package(
    name: "sobolev",
    products: [
        .executable(name: "sobolev", targets: ["sobolev"]),
        .library(name: "SobolevCore", targets: ["SobolevCore"]),
        .library(name: "SobolevReport", targets: ["SobolevReport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "5.0.1"),
        // Users' CSV files: quoted fields, embedded commas and doubled quotes read as RFC 4180 says.
        .package(url: "https://github.com/yaslab/CSV.swift", exact: "2.5.2"),
    ],
    targets: [
        // System libraries through pkg-config; each shim header holds only the macros Swift cannot import.
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5",
                       providers: [.apt(["libhdf5-dev", "hdf5-tools"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),

        // Numeric core: kernels, MLP, Sobolev step, optimizers, weighting. No MPI, no files.
        // -fno-math-errno: C's sqrt, which Double.squareRoot() calls, may then be one vector instruction
        // (Adam's update); nothing here reads errno, and sqrt is correctly rounded either way.
        .target(name: "SobolevCore", dependencies: ["COpenBLAS"],
                swiftSettings: vectorWidthSettings() + [.unsafeFlags(["-Xcc", "-fno-math-errno"])]),
        // Problems and data: analytic functions, samplers, datasets, splits.
        .target(name: "SobolevProblems", dependencies: ["SobolevCore"]),
        // A thin typed HDF5 layer over the C library (files, groups, datasets, attributes, atomic
        // writes); no file format of its own.
        .target(name: "SobolevHDF5", dependencies: ["CHDF5"]),
        // Experiment files: schema, validation, grid expansion, run ids, user datasets, running one run.
        .target(name: "SobolevExperiment", dependencies: [
            "SobolevCore", "SobolevProblems", "SobolevHDF5", .product(name: "Yams", package: "Yams"),
            .product(name: "CSV", package: "CSV.swift"),
        ]),
        // Finite elements: the 2D hook (plane stress, linear and St Venant-Kirchhoff) with design
        // sensitivities by direct differentiation. No MPI, no files.
        .target(name: "SobolevFE"),
        // The results schema and the crash-safe results store.
        .target(name: "SobolevStore", dependencies: ["SobolevHDF5", "SobolevCore", "SobolevExperiment"]),
        // Communicators (MPI and single process), sweeps, the data-parallel training driver, data generation.
        .target(name: "SobolevCluster", dependencies: [
            "CMPI", "SobolevCore", "SobolevProblems", "SobolevHDF5", "SobolevExperiment", "SobolevStore", "SobolevFE",
        ]),
        // Exports of a trained surrogate: ONNX (a protobuf writer of its own) and C99 source, both
        // with the Jacobian by forward tangents. The maths only: no HDF5, no MPI.
        .target(name: "SobolevExport", dependencies: ["SobolevCore"]),
        // Reports: a results file (read only through its documented HDF5 layout) becomes an HTML page,
        // a Markdown summary and a CSV of runs.
        .target(name: "SobolevReport", dependencies: ["SobolevHDF5"], path: "analysis/Sources/SobolevReport"),
        // The command line: parses and calls.
        .executableTarget(name: "sobolev", dependencies: [
            "SobolevCore", "SobolevProblems", "SobolevHDF5", "SobolevExperiment", "SobolevStore", "SobolevCluster", "SobolevReport",
            "SobolevExport", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: [
            // Swift 6 mode refuses any use of C's global `stdout`, which the CLI sets to line
            // buffering once at start (progress lines must reach Slurm logs as they happen).
            .swiftLanguageMode(.v5),
        ]),

        .testTarget(name: "SobolevCoreTests", dependencies: ["SobolevCore"]),
        .testTarget(name: "SobolevProblemsTests", dependencies: ["SobolevProblems"]),
        .testTarget(name: "SobolevFETests", dependencies: ["SobolevFE"]),
        .testTarget(name: "SobolevExperimentTests", dependencies: ["SobolevExperiment", "SobolevProblems", "SobolevHDF5"]),
        .testTarget(name: "SobolevStoreTests", dependencies: ["SobolevStore", "SobolevHDF5", "SobolevExperiment"]),
        // Runs the real `sobolev` binary (and mpirun, h5dump) as a user would.
        .testTarget(name: "SobolevCLITests", dependencies: ["SobolevStore", "SobolevHDF5", "SobolevExperiment", "SobolevCore", "SobolevProblems", "SobolevFE"]),
        .testTarget(name: "SobolevExportTests", dependencies: ["SobolevExport", "SobolevCore"]),
        .testTarget(name: "SobolevReportTests", dependencies: ["SobolevReport", "SobolevHDF5", "SobolevStore"]),
    ]
)
