// Progress of a sweep on the terminal: runs done/total, running, failed, elapsed and ETA.
import Foundation
import SobolevCore
import SobolevExperiment
import SobolevStore

/// Runs done/total, failures and an ETA, printed one line per finished run.
public struct ProgressReporter {
    /// Runs (or rung results) expected in all; an ASHA search revises it as it promotes.
    public var total: Int
    let start = DispatchTime.now()
    public private(set) var done = 0
    public private(set) var failed = 0
    let print: (String) -> Void

    public init(total: Int, print: @escaping (String) -> Void = { Swift.print($0) }) {
        self.total = total; self.print = print
    }

    public var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }

    /// Seconds left, extrapolated from the mean time of the runs finished so far.
    public var eta: Double? { done == 0 ? nil : elapsed / Double(done) * Double(total - done) }

    public mutating func finished(_ label: String, ok: Bool, detail: String, running: Int? = nil) {
        done += 1
        if !ok { failed += 1 }
        let eta = self.eta.map { "ETA \(ProgressReporter.duration($0))" } ?? ""
        let runningText = running.map { "running \($0), " } ?? ""
        print("[\(done)/\(total)] \(ok ? "done  " : "FAILED") \(label)  \(detail)  (\(runningText)failed \(failed), elapsed \(ProgressReporter.duration(elapsed)), \(eta))")
    }

    public static func duration(_ s: Double) -> String {
        if s < 60 { return String(format: "%.1fs", s) }
        if s < 3600 { return String(format: "%dm%02ds", Int(s) / 60, Int(s) % 60) }
        return String(format: "%dh%02dm", Int(s) / 3600, (Int(s) % 3600) / 60)
    }
}

/// A one-line summary of a result's headline metrics.
public func metricSummary(_ r: RunResult) -> String {
    if r.status == .failed { return r.failureReason ?? "failed" }
    let m = Dictionary(r.metrics.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
    return String(format: "test_value_rmse=%.3e test_grad_rmse=%.3e %.1fs", m["test_value_rmse"] ?? .nan, m["test_grad_rmse"] ?? .nan, r.wallTime)
}
