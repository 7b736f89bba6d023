// swift-tools-version:6.0
// sobolev: Sobolev (gradient-enhanced) training of neural-network surrogates, loss-weighting
// schemes, MPI sweeps, HDF5 results and browser reports.
import PackageDescription

let package = Package(
    name: "sobolev",
    products: [
        .executable(name: "sobolev", targets: ["sobolev"]),
        .library(name: "SobolevCore", targets: ["SobolevCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "5.0.1"),
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
        .target(name: "SobolevCore", dependencies: ["COpenBLAS"]),
        // Problems and data: analytic functions, samplers, datasets, splits.
        .target(name: "SobolevProblems", dependencies: ["SobolevCore"]),
        // Experiment files: schema, validation, grid expansion, run ids.
        .target(name: "SobolevExperiment", dependencies: [
            "SobolevCore", "SobolevProblems", .product(name: "Yams", package: "Yams"),
        ]),
        // Finite elements: the 2D hook (plane stress, linear and St Venant-Kirchhoff) with design
        // sensitivities by direct differentiation. No MPI, no files.
        .target(name: "SobolevFE"),
        // Thin HDF5 layer and the results schema.
        .target(name: "SobolevStore", dependencies: ["CHDF5", "SobolevCore", "SobolevExperiment"]),
        // Communicators (MPI and single process), sweeps, the data-parallel training driver, data generation.
        .target(name: "SobolevCluster", dependencies: [
            "CMPI", "SobolevCore", "SobolevProblems", "SobolevExperiment", "SobolevStore", "SobolevFE",
        ]),
        // The command line: parses and calls.
        .executableTarget(name: "sobolev", dependencies: [
            "SobolevCore", "SobolevProblems", "SobolevExperiment", "SobolevStore", "SobolevCluster",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "SobolevCoreTests", dependencies: ["SobolevCore"]),
        .testTarget(name: "SobolevProblemsTests", dependencies: ["SobolevProblems"]),
        .testTarget(name: "SobolevFETests", dependencies: ["SobolevFE"]),
        .testTarget(name: "SobolevExperimentTests", dependencies: ["SobolevExperiment", "SobolevProblems"]),
        .testTarget(name: "SobolevStoreTests", dependencies: ["SobolevStore", "SobolevExperiment"]),
        // Runs the real `sobolev` binary (and mpirun, h5dump) as a user would.
        .testTarget(name: "SobolevCLITests", dependencies: ["SobolevStore", "SobolevCore", "SobolevProblems", "SobolevFE"]),
    ]
)
