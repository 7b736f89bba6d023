import ArgumentParser
import Foundation
import SobolevCluster

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Sample a problem (values and derivatives) into a data file (X, Y, dY, d2Y); over all ranks under mpirun; resumable.",
        discussion: """
        PROBLEM is an analytic problem (sine, ackley, beale, booth, bukin6, mccormick, rosenbrock, \
        styblinski_tang, franke, multifrequency, muller_brown, neo_hookean_plane_strain, neo_hookean_3d; \
        default parameters, --dimension for ackley, rosenbrock and styblinski_tang) or hook, the 2D hook \
        finite-element model (inputs bend_radius, thickness; outputs the tip displacement ux, uy; \
        derivatives the design sensitivities). Analytic problems also write their exact Hessians \
        d2Y [n, m, d, d] (d times the size of dY; --no-hessians leaves them out); the hook has none. Under mpirun the samples are shared out over all ranks \
        in chunks; finished chunks are kept in OUT.parts/, so the same command run again after a kill \
        computes only the rest. An existing OUT is never overwritten.
        """)

    @Argument(help: "Problem name, or hook.")
    var problem: String

    // .unconditional: "--samples -5" is a value to refuse by name, not a missing value.
    @Option(parsing: .unconditional, help: "Number of samples.")
    var samples: Int

    @Option(help: "Input sampler: uniform, latin_hypercube, halton or sobol.")
    var sampler: String

    @Option(help: "Data file to write (must not exist).")
    var out: String

    @Option(help: "Seed of the sampler and of the noise.")
    var seed: Int = 0

    @Option(name: .long, help: "Noise on the values: none or KIND:LEVEL (gaussian:0.01, uniform:0.1).")
    var valueNoise: String = "none"

    @Option(name: .long, help: "Noise on the derivatives: none or KIND:LEVEL.")
    var gradNoise: String = "none"

    @Option(help: "ackley, rosenbrock, styblinski_tang only: input dimension (2 to 1000; default 2).")
    var dimension: Int?

    @Option(help: "Hook only: linear or svk (St Venant-Kirchhoff, the default).")
    var material: String?

    @Option(name: .long, help: "Hook only: load steps of the nonlinear solve (default 5).")
    var loadSteps: Int?

    @Option(name: .long, help: "Hook only: Newton iterations allowed per load step (default 25).")
    var maxIterations: Int?

    @Option(name: .long, help: "Samples per part file (the unit of work and of resuming).")
    var chunkSize: Int = 64

    @Flag(name: .long, help: "Do not write d2Y (the Hessians, d times the size of dY) for problems that have them.")
    var noHessians = false

    @OptionGroup var memory: MemoryOptions

    func validate() throws {
        try memory.checkFitsMachine()
    }

    func run() throws {
        let started = DispatchTime.now()
        var request = DataRequest(problem: problem, samples: samples, sampler: sampler, out: out)
        request.seed = seed
        request.valueNoise = valueNoise
        request.gradNoise = gradNoise
        request.material = material
        request.dimension = dimension
        request.loadSteps = loadSteps
        request.maxIterations = maxIterations
        request.chunkSize = chunkSize
        request.hessians = !noHessians
        request.memoryLimit = memory.limit
        let world = MPIRuntime.world()
        _ = DataGeneration.run(request, world: world, started: started)
        MPIRuntime.finalize()
    }
}
