// Which metrics a report leads with and how they order: test before validation before train,
// derivatives first (the point of Sobolev training), scores where higher is better marked.

public enum MetricNames {
    public static let headline = "test_grad_rmse"

    /// R^2 is a score: higher is better. Every other metric is an error. This is the documented
    /// rule (docs/results-format.md) by which predict and export choose a run; the report follows
    /// the document, not the store's code, and its tests check that both choose the same run.
    public static func higherIsBetter(_ metric: String) -> Bool { metric.contains("_r2") }

    /// The id with the best finite value (ties: the first id in sorted order), as predict chooses.
    static func best(_ values: [(id: String, value: Double)], metric: String) -> (id: String, value: Double)? {
        let higher = higherIsBetter(metric)
        return values.filter { $0.value.isFinite }.sorted { $0.id < $1.id }.min { a, b in higher ? a.value > b.value : a.value < b.value }
    }

    /// test_*, validation_*, train_*, then others; within a split grad_rmse, value_rmse, hess_rmse
    /// (when the data have Hessians), then by name.
    public static func ordered(_ names: some Sequence<String>) -> [String] {
        func splitRank(_ n: String) -> Int {
            if n.hasPrefix("test_") { return 0 }
            if n.hasPrefix("validation_") { return 1 }
            if n.hasPrefix("train_") { return 2 }
            return 3
        }
        func kindRank(_ n: String) -> Int {
            if n.hasSuffix("grad_rmse") { return 0 }
            if n.hasSuffix("value_rmse") { return 1 }
            if n.hasSuffix("hess_rmse") { return 2 }
            return 3
        }
        return Set(names).sorted { a, b in
            (splitRank(a), kindRank(a), a) < (splitRank(b), kindRank(b), b)
        }
    }
}
