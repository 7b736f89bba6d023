// The arguments of `sobolev data` as typed, and their check: every bad value is an error that
// names the option and the value, before any sample is computed.
import SobolevCore
import SobolevExperiment
import SobolevFE
import SobolevProblems

/// `sobolev data PROBLEM --samples N --sampler S --out FILE ...` as given on the command line.
public struct DataRequest: Sendable {
    public var problem: String
    public var samples: Int
    public var sampler: String
    public var out: String
    public var seed = 0
    /// "none" or "KIND:LEVEL" (KIND gaussian or uniform), as in experiment files.
    public var valueNoise = "none"
    public var gradNoise = "none"
    /// Hook only: "linear" or "svk" (default svk), load steps and Newton iterations per step.
    public var material: String?
    public var loadSteps: Int?
    /// Input dimension of ackley, rosenbrock or styblinski_tang; nil: the function's own.
    public var dimension: Int?
    public var maxIterations: Int?
    /// Samples per part file (the unit of work and of resuming).
    public var chunkSize = 64
    /// Whether d2Y is written for problems with Hessians (--no-hessians: not; d2Y is d times dY).
    public var hessians = true
    /// Memory one process may use: all N inputs are drawn on every rank, and rank 0 merges all samples.
    public var memoryLimit = MemoryLimit.resolve(maxMemory: nil)

    public init(problem: String, samples: Int, sampler: String, out: String) {
        self.problem = problem; self.samples = samples; self.sampler = sampler; self.out = out
    }
}

public struct DataError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A checked request: the problem, the seeded sampler and the noise models.
public struct DataJob: Sendable {
    public let request: DataRequest
    public let problem: DataProblem
    public let sampler: Sampler
    public let valueNoise: NoiseModel
    public let gradNoise: NoiseModel

    public init(_ r: DataRequest) throws {
        request = r
        guard r.samples >= 1 else { throw DataError("--samples must be at least 1, got \(r.samples)") }
        guard r.seed >= 0 else { throw DataError("--seed must be >= 0, got \(r.seed)") }
        guard r.chunkSize >= 1 else { throw DataError("--chunk-size must be at least 1, got \(r.chunkSize)") }
        try DataJob.checkOut(r.out)
        guard let kind = SamplerKind(rawValue: r.sampler) else {
            throw DataError("unknown sampler '\(r.sampler)' (one of: \(SamplerKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        sampler = Sampler(kind: kind, seed: UInt64(r.seed))
        valueNoise = try DataJob.noise(r.valueNoise, option: "--value-noise")
        gradNoise = try DataJob.noise(r.gradNoise, option: "--grad-noise")
        if r.problem == "hook" {
            var model = HookModel()
            if let name = r.material {
                guard let m = DataProblem.material(named: name) else {
                    throw DataError("unknown --material '\(name)' (one of: \(HookMaterial.allCases.map(DataProblem.materialName).joined(separator: ", ")))")
                }
                model.material = m
            }
            if let steps = r.loadSteps {
                guard steps >= 1 else { throw DataError("--load-steps must be at least 1, got \(steps)") }
                model.loadSteps = steps
            }
            if let iterations = r.maxIterations {
                guard iterations >= 1 else { throw DataError("--max-iterations must be at least 1, got \(iterations)") }
                model.maxIterations = iterations
            }
            if r.dimension != nil { throw DataError("--dimension does not apply to the hook") }
            problem = .hook(model)
        } else if ProblemCatalog.names.contains(r.problem) {
            let parameters = r.dimension.map { ["dimension": Double($0)] } ?? [:]
            if let d = r.dimension, !(2...1_000).contains(d) {
                throw DataError("--dimension must be between 2 and 1000, got \(d)")
            }
            guard let f = ProblemCatalog.function(named: r.problem, parameters: parameters) else {
                throw DataError("--dimension \(r.dimension ?? 0): '\(r.problem)' has a fixed dimension")
            }
            for (option, given) in [("--material", r.material != nil), ("--load-steps", r.loadSteps != nil), ("--max-iterations", r.maxIterations != nil)] where given {
                throw DataError("\(option) applies to the hook only, not to '\(r.problem)'")
            }
            problem = .analytic(f, settings: r.dimension.map { "dimension=\($0)" } ?? "")
        } else {
            throw DataError("unknown problem '\(r.problem)' (one of: \(DataProblem.names.joined(separator: ", ")))")
        }
        if kind == .sobol && problem.inputDimension > Sampler.sobolMaximumDimension {
            throw DataError("the sobol sampler supports up to \(Sampler.sobolMaximumDimension) inputs; \(r.problem) has \(problem.inputDimension)")
        }
        if kind == .sobol && r.samples > Sampler.sobolMaximumCount {
            throw DataError("--samples \(r.samples) is more than the \(Sampler.sobolMaximumCount) points of the sobol sampler")
        }
        // Inputs, values, Jacobians (and Hessians) and their noisy copy, and a solve time per sample.
        let (d, m) = (Double(problem.inputDimension), Double(problem.outputDimension))
        let bytes = 8 * Double(r.samples) * (d + 2 * (m + m * d + (r.hessians && problem.hessian != nil ? m * d * d : 0)) + 1)
        if let limit = r.memoryLimit, bytes > limit.bytes {
            throw DataError("--samples \(r.samples) needs about \(MemorySize.format(bytes)) of memory, more than the limit of \(MemorySize.format(limit.bytes)) (\(limit.source))")
        }
    }

    /// The file is always HDF5, and readers take a name ending in .csv for a CSV table: any other
    /// ending than .h5 or .hdf5 would be a file that its name misdescribes.
    static func checkOut(_ out: String) throws {
        let name = out.lowercased()
        guard name.hasSuffix(".h5") || name.hasSuffix(".hdf5") else {
            throw DataError("--out \(out): the data file is HDF5; give a name ending in .h5 or .hdf5")
        }
    }

    /// "none" or "KIND:LEVEL" with LEVEL finite and >= 0.
    static func noise(_ text: String, option: String) throws -> NoiseModel {
        if text == "none" { return .none }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        // none:LEVEL would record none and drop the level, as problem.value_noise_level with
        // problem.value_noise none does not apply in an experiment.
        if parts.count == 2, parts[0] == NoiseKind.none.rawValue {
            throw DataError("\(option) '\(text)': a level does not apply to none; give none, or KIND:LEVEL with KIND one of \(DataJob.noiseKinds)")
        }
        guard parts.count == 2, let kind = NoiseKind(rawValue: parts[0]) else {
            throw DataError("\(option) '\(text)': expected none or KIND:LEVEL with KIND one of \(DataJob.noiseKinds) (e.g. gaussian:0.01)")
        }
        guard let level = Double(parts[1]), level.isFinite, level >= 0 else {
            throw DataError("\(option) '\(text)': the level must be a number >= 0")
        }
        return NoiseModel(kind: kind, level: level)
    }

    /// The kinds KIND:LEVEL takes (none takes no level).
    static var noiseKinds: String { NoiseKind.allCases.filter { $0 != .none }.map(\.rawValue).joined(separator: ", ") }

    /// Whether the file gets d2Y: the problem has Hessians and --no-hessians was not given.
    public var writesHessians: Bool { request.hessians && problem.hessian != nil }

    /// Identifies what the samples are (not the noise, which is added when the chunks are
    /// merged): part files of another signature are not reused.
    public var signature: String {
        "problem=\(problem.name)\(problem.settings.isEmpty ? "" : " " + problem.settings) samples=\(request.samples) sampler=\(sampler.kind.rawValue) seed=\(request.seed)"
            + (writesHessians ? " hessians" : "")
    }

    public static func describe(_ noise: NoiseModel) -> String {
        noise.isNone ? "none" : "\(noise.kind.rawValue):\(noise.level)"
    }

    /// All inputs, from the seed alone: sample i is the same whatever the number of ranks.
    public func inputs() -> Matrix {
        sampler.samples(count: request.samples, domain: problem.domain)
    }
}
