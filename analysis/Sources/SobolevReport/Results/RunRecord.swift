// One `/runs/<id>` group as the documented format describes it; every field the report uses.
import SobolevHDF5

public struct RunRecord: Sendable {
    public var id: String
    /// "completed" or "failed" (anything else is shown as it is and counted as not completed).
    public var status: String
    public var stopReason: String
    public var error: String
    public var failureStep: Int?
    public var seed: Int?
    public var label: String
    /// The label without the seed: runs with the same configuration are grouped over seeds.
    public var configuration: String
    public var ranks: Int?
    public var wallTime: Double?
    public var trainTime: Double?
    /// Seconds of trainTime rank 0 spent in its group's all-reduces (absent in older files).
    public var allReduceTime: Double?
    public var samplesPerSecond: Double?
    public var steps: Int?
    /// Every other run attribute: the experiment keys ("model.width", "loss.scheme", ...).
    public var hyperparameters: [String: AttributeValue]
    /// Optional cost attributes of the break-even (docs/results-format.md), by name.
    public var costs: [String: Double]
    public var metrics: [String: Double]
    public var history: RunHistory?
    public var test: TestPredictions?
    /// Trainable parameters of the stored model (from model/layer_sizes); nil without a model.
    public var parameterCount: Int?
    /// A trial of a search scheduler: its metric at each budget it reached (nil for other runs).
    public var search: SearchResults? = nil

    public var isCompleted: Bool { status == "completed" }
    public var isStoppedBySearch: Bool { status == "stopped" }
    /// The weighting scheme (`loss.scheme`), "unknown" when the file does not say.
    public var scheme: String { hyperparameters["loss.scheme"]?.display ?? "unknown" }
}

/// Names of the run attributes that describe the run itself rather than its configuration.
enum RunAttribute {
    static let bookkeeping: Set<String> = [
        "status", "stop_reason", "error", "failure_step", "seed", "label", "configuration", "term_names",
        "ranks", "wall_time", "train_time", "allreduce_time", "samples_per_second", "steps", "best_step",
        "gradient_mode_used", "jacobian_plan", "search_rung", "search_budget", "search_budgets", "search_metrics",
    ]
}

/// A trial's search_budgets and search_metrics: the budgets (epochs) it was ranked at, lowest
/// first, and its search metric at each (NaN where it failed).
public struct SearchResults: Sendable, Equatable {
    public var budgets: [Int]
    public var metrics: [Double]
    public init(budgets: [Int], metrics: [Double]) { self.budgets = budgets; self.metrics = metrics }
}
