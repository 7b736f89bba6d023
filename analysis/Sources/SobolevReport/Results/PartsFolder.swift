// The sibling OUT.h5.parts/ folder of a sweep in progress: finished runs not merged yet. The report
// does not read them (they may be half-way through a rename); it only says how many there are.
import Foundation

enum PartsFolder {
    static func unmergedCount(besides resultsFile: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: resultsFile + ".parts")) ?? []
        return names.filter { $0.hasSuffix(".h5") }.count
    }

    /// What to say of a results file that does not exist yet while its parts folder or writer
    /// lock does: a first run or sweep has not merged a run into it (nil otherwise).
    static func beforeFirstMerge(of resultsFile: String) -> String? {
        let fm = FileManager.default
        guard !fm.fileExists(atPath: resultsFile),
              fm.fileExists(atPath: resultsFile + ".parts") || fm.fileExists(atPath: resultsFile + ".lock") else { return nil }
        let n = unmergedCount(besides: resultsFile)
        return "no run is merged into it yet; \(n) finished run\(n == 1 ? "" : "s") wait\(n == 1 ? "s" : "") in \(resultsFile).parts (a run or sweep is writing it, or was stopped: the next merge brings them in)"
    }
}
