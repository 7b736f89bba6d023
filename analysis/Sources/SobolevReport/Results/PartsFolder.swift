// The sibling OUT.h5.parts/ folder of a sweep in progress: finished runs not merged yet. The report
// does not read them (they may be half-way through a rename); it only says how many there are.
import Foundation

enum PartsFolder {
    static func unmergedCount(besides resultsFile: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: resultsFile + ".parts")) ?? []
        return names.filter { $0.hasSuffix(".h5") }.count
    }
}
