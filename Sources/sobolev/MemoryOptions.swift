import ArgumentParser
import SobolevExperiment

/// `--max-memory`, shared by the commands that check sizes before they start.
struct MemoryOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Memory one process may use, in bytes or with K, M, G, T (e.g. 8G); default: the machine's MemTotal shared by this job's ranks on the node.",
                                            valueName: "bytes"))
    var maxMemory: String?

    func validate() throws {
        if let text = maxMemory, MemorySize.parse(text) == nil {
            throw ValidationError("--max-memory '\(text)': expected a size > 0 in bytes or with K, M, G or T (e.g. 8G)")
        }
    }

    /// A limit above this machine's memory would let what cannot fit start and die when an
    /// allocation fails (a crash, not an error): refused where something is trained, generated or
    /// timed. A dry run may plan for a larger node.
    func checkFitsMachine() throws {
        guard let text = maxMemory, let bytes = MemorySize.parse(text), let machine = MemoryLimit.machineMemory(), bytes > machine else { return }
        throw ValidationError("--max-memory \(text) is more than this machine's memory (MemTotal \(MemorySize.format(machine))); what does not fit would start and crash")
    }

    /// The limit the preflight checks against.
    var limit: MemoryLimit? {
        MemoryLimit.resolve(maxMemory: maxMemory.flatMap(MemorySize.parse), maxMemoryText: maxMemory)
    }
}

/// A finite number > 0 (seconds, intervals): NaN, infinities, zero and negatives are refused.
func requirePositive(_ value: Double, _ option: String) throws {
    guard value.isFinite, value > 0 else { throw ValidationError("\(option) must be a finite number > 0, got \(value)") }
}

/// An integer >= `minimum`.
func requireAtLeast(_ value: Int, _ minimum: Int, _ option: String) throws {
    guard value >= minimum else { throw ValidationError("\(option) must be at least \(minimum), got \(value)") }
}
