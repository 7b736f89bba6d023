// One run of a grid: its resolved configuration, its id (a hash of the configuration and
// seed) and its label.
import Foundation
import SobolevCore

/// One run of the grid: the full resolved configuration and its seed.
public struct RunSpec: Sendable, Equatable {
    /// Every schema field with a value (given or default), by dotted key.
    public var values: [String: ConfigValue] { didSet { id = RunSpec.id(values, seed) } }
    public var seed: UInt64 { didSet { id = RunSpec.id(values, seed) } }
    /// The grid axes' values of this run, in axis order (for labels).
    public var axisValues: [(key: String, value: ConfigValue)]
    /// Folder of the experiment file: relative data paths start here (not part of the id, so a
    /// moved experiment keeps its run ids).
    public var baseDirectory: String = "."
    /// The weighting scheme's constants, checked once when the experiment is read (they are also
    /// in `values`, as loss.<name>, for the id and the stored attributes).
    public internal(set) var lossConstants: WeightingConstants? = nil

    public static func == (a: RunSpec, b: RunSpec) -> Bool { a.values == b.values && a.seed == b.seed }

    /// Stable id: a hash of every resolved value and the seed, so the same configuration has the
    /// same id in every sweep and on every machine. Kept, not computed on each use: plans,
    /// progress and merges ask for it per run, and a grid may hold 100,000 runs.
    public private(set) var id: String

    public init(values: [String: ConfigValue], seed: UInt64, axisValues: [(key: String, value: ConfigValue)]) {
        self.values = values; self.seed = seed; self.axisValues = axisValues
        id = RunSpec.id(values, seed)
    }

    static func id(_ values: [String: ConfigValue], _ seed: UInt64) -> String {
        let canonical = values.keys.sorted().filter { !ExperimentSchema.executionKeys.contains($0) }
            .map { "\($0)=\(values[$0]!)" }.joined(separator: "\n") + "\nseed=\(seed)"
        let h = SeededRNG.fnv1a(canonical)
        return String(h, radix: 16).leftPadded(to: 16)
    }

    /// "loss.lambda_grad=1 seed=0": what distinguishes this run within its experiment.
    public var label: String {
        (axisValues.map { "\($0.key)=\($0.value)" } + ["seed=\(seed)"]).joined(separator: " ")
    }

    /// The configuration without the seed: runs that differ only by seed share it.
    public var configurationKey: String {
        axisValues.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
}


extension String {
    func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
