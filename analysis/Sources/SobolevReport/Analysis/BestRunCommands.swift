// The single best completed run of each metric (the run `sobolev predict` and `sobolev export`
// take without a run id, by the same rule) and the exact commands that use it.

public struct BestRunCommands: Sendable {
    public var metric: String
    public var run: RunRecord
    public var value: Double
    /// Shell commands: predict with the Jacobian, the ONNX export, the C export.
    public var commands: [String]

    /// nil when no completed run has a finite value of the metric.
    public init?(metric: String, runs: [RunRecord], file: String) {
        let completed = runs.filter(\.isCompleted)
        let scored = completed.compactMap { r in r.metrics[metric].map { (id: r.id, value: $0) } }
        guard let best = MetricNames.best(scored, metric: metric), let run = completed.first(where: { $0.id == best.id }) else { return nil }
        self.metric = metric; self.run = run; self.value = best.value
        let model = BestRunCommands.shellQuoted("\(file):/runs/\(run.id)")
        commands = [
            "sobolev predict \(model) --inputs INPUTS.csv --out predictions.csv --jacobian",
            "sobolev export \(model) --format onnx --out surrogate.onnx",
            "sobolev export \(model) --format c --out surrogate.c",
        ]
    }

    /// `s` as one shell word: unchanged when it holds only safe characters, else in single quotes.
    static func shellQuoted(_ s: String) -> String {
        let safe = s.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "/._-:+@,=".unicodeScalars.contains($0)) }
        return safe && !s.isEmpty ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
