// How much memory one run needs in one process, and how much the machine has: the preflight
// refuses a grid point that cannot fit before anything is trained or written.
import Foundation
import SobolevCore

/// Bytes one process needs for one run, by part (8 bytes per number).
public struct MemoryEstimate: Sendable, Equatable {
    /// Parameters, optimizer state, per-term gradients and the all-reduce buffer, best parameters.
    public var parameters: Double
    /// Training, validation and test sets (original and standardised) and the test predictions.
    public var data: Double
    /// The arrays of one Sobolev step on a batch, or of one evaluation of a whole set (the larger).
    public var step: Double
    /// The training history (one record per log_every steps).
    public var history: Double

    public var total: Double { parameters + data + step + history }

    /// "parameters 1.2 GB, data 3 MB, step 40 MB, history 1 kB".
    public var breakdown: String {
        "parameters and optimizer \(MemorySize.format(parameters)), data \(MemorySize.format(data)), "
            + "step arrays \(MemorySize.format(step)), history \(MemorySize.format(history))"
    }

    /// The keys that set the largest part: what to change when the estimate is too large.
    public var dominantKeys: String {
        let parts = [(parameters, "model.width/model.hidden"), (data, "problem.train_samples/problem.test_samples"),
                     (step, "training.batch_size/problem.train_samples/model.width"), (history, "training.epochs/training.log_every")]
        return parts.max { $0.0 < $1.0 }!.1
    }
}

/// The shape of one run, as far as memory goes.
public struct RunShape: Sendable, Equatable {
    public var layerSizes: [Int]
    public var trainSamples: Int, validationSamples: Int, testSamples: Int
    /// Samples of one process's share of a mini-batch.
    public var batch: Int
    public var terms: Int
    /// Optimizer state per parameter (Adam 2, SGD 1).
    public var optimizerState: Int
    public var steps: Int
    public var logEvery: Int
    /// Whether the data carry Hessians (m d^2 numbers a sample, and the test set's predicted ones).
    public var hessians = false
    /// Whether the step has Hessian terms (loss.order 2): its passes then take the second-order
    /// forward tangents (`SobolevStep.hessianWorkspaceCount`).
    public var hessianTerms = false
    /// Directions per sample in the data (V: k d numbers a sample, JV: m k).
    public var directions = 0
    /// Whether the data carry Jacobians (the step's d tangent blocks; directions add k more).
    public var jacobians = true
    /// Whether some steps compute every term's gradient (training.gradient_mode per_term, or
    /// auto with a scheme that reads them): the per-term workspace and T gradient buffers. The
    /// others take the fused step, with the cheaper Jacobian plan.
    public var perTermSteps = true
}

public enum MemoryEstimator {
    /// Estimates one run's memory in one process from its shape. The step's arrays are the
    /// workspace the core's `SobolevStep` grows to (training steps in both gradient modes and
    /// validation evaluations), or a prediction of the largest set, whichever is larger.
    public static func estimate(_ s: RunShape) -> MemoryEstimate {
        let sizes = s.layerSizes.map(Double.init)
        let d = sizes.first!, m = sizes.last!
        var p = 0.0
        for l in 0..<(sizes.count - 1) { p += (sizes[l] + 1) * sizes[l + 1] }
        p += Double(sizes.count - 2)   // adaptive slopes, at most one per hidden layer
        let terms = Double(s.terms)
        // theta, optimizer state, T term gradients and the packed all-reduce buffer (one
        // gradient and its buffer in the fused mode), best copy.
        let parameters = p * (2 + Double(s.optimizerState) + 2 * (s.perTermSteps ? terms : 1))

        let hessian = s.hessians ? m * d * d : 0
        let k = Double(s.directions)
        let perSample = d + m + m * d + hessian + k * d + m * k
        let samples = Double(s.trainSamples) + Double(s.validationSamples) + Double(s.testSamples)
        let data = 2 * samples * perSample + Double(s.testSamples) * (m + m * d + hessian)

        // Adaptive slopes assumed (an upper bound: one B x width buffer more).
        let arch = MLPArchitecture(layerSizes: s.layerSizes, activation: .tanh, adaptiveScale: 1)
        let training = Double(s.hessianTerms
            ? SobolevStep.hessianWorkspaceCount(arch, batch: s.batch, evaluationBatch: s.validationSamples, perTerm: s.perTermSteps, fused: true)
            : SobolevStep.workspaceCount(arch, batch: s.batch, evaluationBatch: s.validationSamples, perTerm: s.perTermSteps, fused: true,
                                         jacobians: s.jacobians, directions: s.directions))
        // Predictions for the metrics, one after the other: values and Jacobians, then the
        // Hessians (second-order tangents, in passes of `hessianPieceSamples`, and the set's
        // predictions) of every set when the data carry them.
        let prediction = [s.trainSamples, s.validationSamples, s.testSamples].map { n in
            let jacobians = SobolevStep.workspaceCount(arch, batch: 1, evaluationBatch: n, perTerm: false, fused: false)
            let hessians = arch.hessianPredictionCount(samples: min(n, arch.hessianPieceSamples))
                + n * Int(m) * (1 + Int(d) + Int(d * d))
            return Double(s.hessians ? max(jacobians, hessians) : jacobians)
        }.max()!
        let stepNumbers = training, evaluation = prediction
        let records = Double(s.steps) / Double(max(s.logEvery, 1)) + 1
        let history = records * (2 * terms + 4)
        return MemoryEstimate(parameters: 8 * parameters, data: 8 * data, step: 8 * max(stepNumbers, evaluation), history: 8 * history)
    }
}

/// Sizes in bytes: "8G", "512M", "1.5T", "1000000" (binary multiples), and back.
public enum MemorySize {
    /// Parses BYTES or a number with K, M, G or T (optionally followed by B or iB); nil for
    /// anything else, zero, negative, NaN or infinite.
    public static func parse(_ text: String) -> Double? {
        var t = text.trimmingCharacters(in: .whitespaces).uppercased()
        for suffix in ["IB", "B"] where t.hasSuffix(suffix) && t.count > suffix.count { t.removeLast(suffix.count); break }
        var factor = 1.0
        if let unit = t.last, let power = ["K": 1.0, "M": 2, "G": 3, "T": 4][String(unit)] {
            factor = pow(1024, power); t.removeLast()
        }
        guard let v = Double(t), v.isFinite, v > 0, t.allSatisfy({ $0.isNumber || $0 == "." }) else { return nil }
        return v * factor
    }

    /// "34.4 GB" (binary multiples, 3 significant digits).
    public static func format(_ bytes: Double) -> String {
        var v = bytes
        for unit in ["B", "kB", "MB", "GB", "TB", "PB"] {
            if v < 1024 || unit == "PB" { return unit == "B" ? "\(Int(v)) B" : String(format: "%.3g %@", v, unit) }
            v /= 1024
        }
        return "\(bytes) B"
    }
}

/// The memory one process may use: `--max-memory` when given, else the machine's MemTotal (or
/// the memory cgroup's limit when lower) shared by the ranks of this job on this node.
public struct MemoryLimit: Sendable, Equatable {
    public var bytes: Double
    /// Where the number comes from, for messages ("--max-memory 8G", "MemTotal 15.6 GB / 2 ranks on this node").
    public var source: String

    public init(bytes: Double, source: String) { self.bytes = bytes; self.source = source }

    /// `--max-memory` (already parsed), or the machine's memory; nil when neither is known.
    public static func resolve(maxMemory: Double?, maxMemoryText: String? = nil) -> MemoryLimit? {
        if let maxMemory { return MemoryLimit(bytes: maxMemory, source: "--max-memory \(maxMemoryText ?? MemorySize.format(maxMemory))") }
        guard let machine = machineMemory() else { return nil }
        // A job's allocation (Slurm's --mem, a container) is its memory cgroup's limit.
        let (total, what) = cgroupLimit().map { $0 < machine ? ($0, "the memory cgroup's limit") : (machine, "MemTotal") } ?? (machine, "MemTotal")
        let env = ProcessInfo.processInfo.environment
        let local = (env["OMPI_COMM_WORLD_LOCAL_SIZE"] ?? env["SLURM_NTASKS_PER_NODE"]).flatMap(Int.init) ?? 1
        return MemoryLimit(bytes: total / Double(max(local, 1)),
                           source: "\(what) \(MemorySize.format(total))" + (local > 1 ? " / \(local) ranks on this node" : "") + "; --max-memory sets the limit")
    }

    /// The smallest limit of this process's memory cgroup (v2 memory.max, v1
    /// memory.limit_in_bytes), when one is set.
    static func cgroupLimit(read: (String) -> String? = { try? String(contentsOfFile: $0, encoding: .utf8) }) -> Double? {
        guard let text = read("/proc/self/cgroup") else { return nil }
        var files: [String] = []
        for line in text.split(separator: "\n") {
            let f = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard f.count == 3 else { continue }
            if f[0] == "0" && f[1].isEmpty { files += ["/sys/fs/cgroup\(f[2])/memory.max", "/sys/fs/cgroup/memory.max"] }
            if f[1].split(separator: ",").contains("memory") {
                files += ["/sys/fs/cgroup/memory\(f[2])/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]
            }
        }
        // "max" (v2) means none; v1 writes a huge number instead.
        return files.compactMap(read)
            .compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }.min()
    }

    /// MemTotal of /proc/meminfo in bytes.
    public static func machineMemory() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }),
              let kb = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return nil }
        return kb * 1024
    }
}
