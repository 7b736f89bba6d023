// What a sweep will do, known to every rank: the runs, how the world splits into groups, and
// which runs will be trained. Rank 0 makes it and broadcasts it; the roles read it.
import Foundation
import SobolevExperiment

public struct SweepPlan: Sendable {
    public var runs: [RunSpec]
    /// Status of every run stored already (results file and parts), by id. Rank 0 only: the
    /// other ranks get the plan without it.
    public var stored: [String: RunStatus]
    /// Indices into `runs` that will be trained, in grid order.
    public var pending: [Int]
    public var worldSize: Int
    public var ranksPerRun: Int
    /// Runs with a checkpoint (interrupted mid-run): they continue from it. Rank 0 only.
    public var checkpointed = Set<String>()
    /// A dry run describes the plan and trains nothing.
    public var dryRun = false
    /// With a search scheduler: the rung results still to come (rank 0, for the dry run's plan;
    /// the scheduler, not `pending`, decides what is trained).
    var searchRemaining: Int?

    public init(runs: [RunSpec], stored: [String: RunStatus], retryFailed: Bool, worldSize: Int, ranksPerRun: Int) {
        self.runs = runs; self.stored = stored; self.worldSize = worldSize; self.ranksPerRun = ranksPerRun
        pending = runs.indices.filter { i in
            switch stored[runs[i].id] {
            case nil: return true
            case .failed?: return retryFailed
            default: return false
            }
        }
    }

    // MARK: Groups: world rank r is in group r / K; its leader is the group's first rank.

    public var groups: Int { (worldSize + ranksPerRun - 1) / ranksPerRun }
    public func group(ofRank rank: Int) -> Int { rank / ranksPerRun }
    public func leader(ofGroup g: Int) -> Int { g * ranksPerRun }
    public func ranks(ofGroup g: Int) -> ClosedRange<Int> { leader(ofGroup: g)...(min(leader(ofGroup: g + 1), worldSize) - 1) }

    /// "3 rank(s) in 2 group(s) of 2 (the last group has 1)".
    public var groupsText: String {
        "\(worldSize) rank(s) in \(groups) group(s) of \(ranksPerRun)" + (worldSize % ranksPerRun == 0 ? "" : " (the last group has \(worldSize % ranksPerRun))")
    }

    // MARK: The broadcast: [dry run ? -1 : pending count, pending...]

    var wire: [Int64] { [Int64(dryRun ? -1 : pending.count)] + pending.map(Int64.init) }

    /// The plan as the other ranks know it: runs and groups from the experiment and options,
    /// pending and the dry-run flag from rank 0's wire.
    init(wire: [Int64], runs: [RunSpec], worldSize: Int, ranksPerRun: Int) {
        self.init(runs: runs, stored: [:], retryFailed: false, worldSize: worldSize, ranksPerRun: ranksPerRun)
        dryRun = wire[0] < 0
        pending = wire.dropFirst().map { Int($0) }
    }

    // MARK: What is stored (rank 0)

    public var completedCount: Int { runs.filter { stored[$0.id] == .completed }.count }
    public var failedCount: Int { runs.filter { stored[$0.id] == .failed }.count }

    /// The expanded grid, what is complete, and the plan (for --dry-run).
    public func describe(experiment: Experiment) -> String {
        let search = experiment.search
        let factors = (search.ranges.isEmpty ? [] : ["search \(search.method.rawValue) x\(search.samples ?? 1)"])
            + experiment.axes.map { "\($0.key) x\($0.values.count)" } + ["seeds x\(experiment.seeds.count)"]
        var lines = ["experiment \(experiment.name): \(runs.count) runs (\(factors.joined(separator: ", ")))"]
        for r in search.ranges {
            lines.append("  search \(r.key): \(r.range) (seed \(search.seed))")
        }
        for axis in experiment.axes {
            lines.append("  axis \(axis.key): \(axis.values.map(\.description).joined(separator: ", "))")
        }
        lines.append("  seeds: \(experiment.seeds.map(String.init).joined(separator: ", "))")
        if let scheduler = search.scheduler, let metric = search.metric {
            let ladder = scheduler.ladder
            var line = "  scheduler \(scheduler.name) on \(metric): rungs of \(ladder.budgets.map(String.init).joined(separator: ", ")) epochs (eta \(ladder.reduction)); "
            switch scheduler {
            case .successiveHalving: line += "every trial starts at the lowest rung"
            case .hyperband(let h):
                let sizes = h.brackets(Array(runs.indices)).map(\.count)
                line += "brackets of " + sizes.enumerated().map { "\($0.element) trials from \(ladder.budgets[$0.offset]) epochs" }.joined(separator: ", ")
            case .asha: line += "asynchronous: a trial continues as soon as it is in the top 1/\(ladder.reduction) of its rung's results so far (decisions depend on timing)"
            }
            lines.append(line)
        }
        lines.append("stored: \(completedCount) completed, \(failedCount) failed")
        let pendingSet = Set(pending)
        for (i, r) in runs.enumerated() {
            // A checkpoint continues its run (also a search trial stopped mid-rung).
            let state = checkpointed.contains(r.id) ? "continue"
                : pendingSet.contains(i) ? (stored[r.id] == .failed ? "retry" : "train") : (stored[r.id]?.rawValue ?? "?")
            lines.append("  \(r.id)  \(state.padding(toLength: 9, withPad: " ", startingAt: 0)) \(r.label)")
        }
        let work = searchRemaining.map { "the search's \($0) rung result(s) still to come" } ?? "train \(pending.count) runs"
        lines.append("plan: \(work) on \(groupsText)")
        return lines.joined(separator: "\n")
    }
}
