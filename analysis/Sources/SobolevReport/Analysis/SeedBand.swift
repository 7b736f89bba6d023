// A history column summarised over seeds: at every logged step the median and the inter-quartile
// range of the seeds that logged that step (an early-stopped seed simply stops contributing).
public struct BandPoint: Equatable, Sendable {
    public var step: Double
    public var median: Double
    public var lower: Double
    public var upper: Double
}

public enum SeedBand {
    /// Which table of the history to summarise.
    public enum Table: Sendable { case loss, validationLoss, lambda }

    static func table(_ t: Table, of h: RunHistory) -> Array2D? {
        switch t {
        case .loss: return h.lossTerms
        case .validationLoss: return h.validationLossTerms
        case .lambda: return h.lambda
        }
    }

    /// Median and quartiles of column `term` of `table` over `runs`, by step.
    public static func summarise(_ runs: [RunRecord], table t: Table, term: String) -> [BandPoint] {
        var byStep: [Double: [Double]] = [:]
        for run in runs {
            guard let h = run.history, let tab = table(t, of: h), let j = h.termNames.firstIndex(of: term),
                  j < tab.cols else { continue }
            for i in 0..<min(tab.rows, h.steps.count) where tab[i, j].isFinite {
                byStep[h.steps[i], default: []].append(tab[i, j])
            }
        }
        return byStep.keys.sorted().map { step in
            let v = byStep[step]!
            return BandPoint(step: step, median: Quantile.of(v, 0.5), lower: Quantile.of(v, 0.25), upper: Quantile.of(v, 0.75))
        }
    }

    /// Term names present in `table` of any run, in first-seen order.
    public static func terms(_ runs: [RunRecord], table t: Table) -> [String] {
        var seen: [String] = []
        for run in runs {
            guard let h = run.history, table(t, of: h) != nil else { continue }
            for name in h.termNames where !seen.contains(name) { seen.append(name) }
        }
        return seen
    }
}
