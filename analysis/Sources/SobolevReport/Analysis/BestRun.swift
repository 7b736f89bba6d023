// The best seed of a configuration: the lowest test derivative error, else the lowest test value
// error (the one a person would pick to deploy).
enum BestRun {
    static func of(_ g: ConfigurationGroup) -> RunRecord? {
        for metric in [MetricNames.headline, "test_value_rmse"] {
            let scored = g.runs.filter { $0.metrics[metric]?.isFinite ?? false }
            if let best = scored.min(by: { $0.metrics[metric]! < $1.metrics[metric]! }) { return best }
        }
        return g.runs.first
    }
}
