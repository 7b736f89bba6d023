// "did you mean" for an unknown key: the nearest known key by edit distance.

extension Experiment {
    /// " (did you mean 'x'?)" for a key at most three edits away from the nearest known one.
    static func suggestion(for key: String) -> String {
        // A dotted key at the top of the file (model.width: 4) is a key of a section, written flat.
        if let dot = key.firstIndex(of: "."), ExperimentSchema.fieldsByKey[key] != nil {
            return " at the top of the file: dotted keys are for --set; in the file it goes in its section, \(key[..<dot]): {\(key[key.index(after: dot)...]): ...}"
        }
        let known = ExperimentSchema.fields.map(\.key) + ExperimentSchema.topLevelKeys
        let best = known.map { ($0, editDistance($0, key)) }.min { $0.1 < $1.1 }
        guard let (k, d) = best, d <= 3 else { return "" }
        return " (did you mean '\(k)'?)"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var prev = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var cur = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return prev[b.count]
    }
}
