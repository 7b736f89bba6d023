// The surrogate break-even (Herrmann & Kollmannsberger): a surrogate pays off after
//     tau = (T_data + T_train) / (T_simulation - T_surrogate)
// evaluations, where T_data generates the training data, T_train trains the network, and
// T_simulation / T_surrogate are the costs of one evaluation of the simulation / the surrogate.
import Foundation

public struct BreakEvenRow: Sendable {
    public var configuration: String
    public var dataTime: Double
    /// Mean training time over the configuration's seeds (train_time, else wall_time).
    public var trainTime: Double
    public var simulationTime: Double
    public var surrogateTime: Double
    /// True when T_surrogate was estimated from the model size rather than stored.
    public var surrogateEstimated: Bool
    /// Evaluations to pay off; nil when the surrogate is not faster than the simulation.
    public var evaluations: Double? {
        simulationTime > surrogateTime ? (dataTime + trainTime) / (simulationTime - surrogateTime) : nil
    }
}

public enum BreakEven {
    /// Throughput assumed for the estimate of T_surrogate: 1 GFLOP/s, 2 flops per parameter.
    public static let assumedFlopsPerSecond = 1e9

    public static func estimatedSurrogateTime(parameters: Int) -> Double {
        2 * Double(parameters) / assumedFlopsPerSecond
    }

    /// One row per configuration whose runs (or the root) give data generation and simulation times;
    /// run attributes take precedence over root attributes.
    public static func rows(_ board: Leaderboard, root: [String: Double]) -> [BreakEvenRow] {
        board.groups.compactMap { g in
            func cost(_ name: String) -> Double? {
                let perRun = g.runs.compactMap { $0.costs[name] }
                return perRun.isEmpty ? root[name] : perRun.reduce(0, +) / Double(perRun.count)
            }
            guard let data = cost("data_generation_time"), let sim = cost("simulation_time_per_sample") else { return nil }
            let times = g.runs.compactMap { $0.trainTime ?? $0.wallTime }
            guard !times.isEmpty else { return nil }
            var surrogate = cost("surrogate_time_per_sample")
            let estimated = surrogate == nil
            if surrogate == nil, let p = g.runs.compactMap(\.parameterCount).first {
                surrogate = estimatedSurrogateTime(parameters: p)
            }
            guard let surrogate else { return nil }
            return BreakEvenRow(configuration: g.configuration, dataTime: data, trainTime: times.reduce(0, +) / Double(times.count),
                                simulationTime: sim, surrogateTime: surrogate, surrogateEstimated: estimated)
        }
    }
}
