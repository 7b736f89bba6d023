// `/runs/<id>/history`: the logged steps and, per step, every loss term and its weight.
import SobolevHDF5

public struct RunHistory: Equatable, Sendable {
    public var steps: [Double]
    /// Training-batch losses [n, T] in normalised units.
    public var lossTerms: Array2D
    /// Validation losses [n, T]; nil without a validation set.
    public var validationLossTerms: Array2D?
    /// Weights lambda [n, T] applied at each step; nil when not stored.
    public var lambda: Array2D?
    public var termNames: [String]
    /// The epoch of each logged step; nil when not stored.
    public var epochs: [Double]? = nil

    static func read(_ g: H5Group, termNames fallback: [String]) throws -> RunHistory {
        let steps = try g.read("step").values
        func table(_ name: String) throws -> Array2D? {
            guard g.contains(name) else { return nil }
            let (v, shape) = try g.read(name)
            let cols = shape.count == 2 ? shape[1] : 1
            return Array2D(rows: shape.first ?? 0, cols: cols, values: v)
        }
        guard let terms = try table("loss_terms") else {
            throw ReportError.unreadable(file: g.file, message: g.path + "/loss_terms is missing")
        }
        let dataset = try g.openDataset("loss_terms")
        let names = (try? dataset.stringAttribute("term_names")) ?? fallback
        return RunHistory(steps: steps, lossTerms: terms, validationLossTerms: try table("val_loss_terms"),
                          lambda: try table("lambda"),
                          termNames: names.count == terms.cols ? names : (0..<terms.cols).map { "term_\($0)" },
                          epochs: g.contains("epoch") ? try g.read("epoch").values : nil)
    }
}
