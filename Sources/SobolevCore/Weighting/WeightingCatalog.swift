// The weighting schemes by name, each with its constants, their defaults and allowed values, and
// how to build it. Experiment files set a constant as `loss.<constant>`; docs/weighting.md
// documents the same table with the formulas and sources.

/// A scheme constant as an experiment file gives it.
public enum WeightingConstant: Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case integer(Int)
    case word(String)

    public var description: String {
        switch self {
        case let .number(v): return v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)"
        case let .integer(v): return String(v)
        case let .word(v): return v
        }
    }
}

/// One constant of a scheme: its name (the experiment key without `loss.`), default and range.
public struct WeightingConstantSpec: Sendable {
    public enum Domain: Sendable, Equatable {
        /// A number in [min, max]; `openMin` excludes min.
        case number(min: Double, max: Double, openMin: Bool)
        /// An integer >= min.
        case integer(min: Int)
        /// One of these words.
        case words([String])

        public var expectation: String {
            switch self {
            case let .number(lo, hi, open):
                let l = WeightingConstant.number(lo).description
                if hi == .infinity { return "a number \(open ? ">" : ">=") \(l)" }
                return "a number in \(open ? "(" : "[")\(l), \(WeightingConstant.number(hi).description)]"
            case let .integer(lo): return "an integer >= \(lo)"
            case let .words(w): return "one of " + w.joined(separator: ", ")
            }
        }

        public func accepts(_ value: WeightingConstant) -> Bool {
            switch (self, value) {
            case let (.number(lo, hi, open), .number(v)): return v.isFinite && (open ? v > lo : v >= lo) && v <= hi
            case let (.number(lo, hi, open), .integer(v)): return (open ? Double(v) > lo : Double(v) >= lo) && Double(v) <= hi
            case let (.integer(lo), .integer(v)): return v >= lo
            case let (.words(w), .word(v)): return w.contains(v)
            default: return false
            }
        }
    }

    public let name: String
    public let defaultValue: WeightingConstant
    public let domain: Domain
    public let help: String

    static func number(_ name: String, _ def: Double, min: Double = 0, max: Double = .infinity, openMin: Bool = false,
                       _ help: String) -> WeightingConstantSpec {
        WeightingConstantSpec(name: name, defaultValue: .number(def), domain: .number(min: min, max: max, openMin: openMin), help: help)
    }
    static func integer(_ name: String, _ def: Int, min: Int, _ help: String) -> WeightingConstantSpec {
        WeightingConstantSpec(name: name, defaultValue: .integer(def), domain: .integer(min: min), help: help)
    }
    static func words(_ name: String, _ def: String, _ options: [String], _ help: String) -> WeightingConstantSpec {
        WeightingConstantSpec(name: name, defaultValue: .word(def), domain: .words(options), help: help)
    }
}

/// What a scheme needs from its run besides its constants.
public struct WeightingContext: Sendable {
    public var layout: TermLayout
    /// The parameters' optimizer kind (schemes with trainable state make their own instance).
    public var optimizer: OptimizerKind
    /// The run's seed (random choices of a scheme draw from their own stream of it).
    public var seed: UInt64
    /// The fixed scheme's weight of the Hessian terms (loss.lambda_hess); nil: lambda_grad. Not a
    /// catalogue constant: a default written into every fixed run would change their run ids.
    public var lambdaHess: Double?

    public init(layout: TermLayout, optimizer: OptimizerKind, seed: UInt64, lambdaHess: Double? = nil) {
        self.layout = layout; self.optimizer = optimizer; self.seed = seed; self.lambdaHess = lambdaHess
    }
}

/// A constant outside its scheme's range.
public struct WeightingConstantError: Error, Sendable {
    public let scheme: String
    public let constant: WeightingConstantSpec
    public let value: WeightingConstant
}

/// A scheme's constants, each within its range, with the defaults filled in. Only
/// `WeightingSchemeSpec.checked(_:)` makes one, so holding one means the check was made.
public struct WeightingConstants: Sendable, Equatable {
    public let values: [String: WeightingConstant]

    public func number(_ name: String) -> Double {
        switch values[name] {
        case let .number(v)?: return v
        case let .integer(v)?: return Double(v)
        default: preconditionFailure("weighting constant \(name) is not a number")
        }
    }
    public func integer(_ name: String) -> Int {
        guard case let .integer(v)? = values[name] else { preconditionFailure("weighting constant \(name) is not an integer") }
        return v
    }
    public func word(_ name: String) -> String {
        guard case let .word(v)? = values[name] else { preconditionFailure("weighting constant \(name) is not a word") }
        return v
    }
}

/// A weighting scheme by name: its constants and how to build it.
public struct WeightingSchemeSpec: Sendable {
    public let name: String
    public let summary: String
    public let constants: [WeightingConstantSpec]
    let build: @Sendable (WeightingConstants, WeightingContext) -> any WeightingScheme

    /// The one check of a scheme's constants: each in `given` against its range (the first one
    /// outside throws), those absent at their defaults; constants of other schemes are left out.
    public func checked(_ given: [String: WeightingConstant]) throws -> WeightingConstants {
        if let (c, v) = invalid(given) { throw WeightingConstantError(scheme: name, constant: c, value: v) }
        return resolve(given)
    }

    /// The first constant in `given` outside its range: (spec, value).
    func invalid(_ given: [String: WeightingConstant]) -> (WeightingConstantSpec, WeightingConstant)? {
        for c in constants { if let v = given[c.name], !c.domain.accepts(v) { return (c, v) } }
        return nil
    }

    /// The constants with defaults for those absent from `given`, unchecked (for `checked`).
    func resolve(_ given: [String: WeightingConstant]) -> WeightingConstants {
        WeightingConstants(values: Dictionary(uniqueKeysWithValues: constants.map { ($0.name, given[$0.name] ?? $0.defaultValue) }))
    }

    /// Builds the scheme from its checked constants.
    public func make(_ constants: WeightingConstants, context: WeightingContext) -> any WeightingScheme {
        build(constants, context)
    }

    /// For this module's tests: builds from constants known to be in range.
    func make(_ given: [String: WeightingConstant], context: WeightingContext) -> any WeightingScheme {
        make(resolve(given), context: context)
    }
}

public enum WeightingCatalog {
    public static let schemes: [WeightingSchemeSpec] = [
        WeightingSchemeSpec(name: "fixed", summary: "fixed weights (1, 1: plain Sobolev network; 1, 0: plain L2 training)", constants: [
            .number("lambda_value", 1, "weight of the value term"),
            .number("lambda_grad", 1, "weight of each derivative term; 0 is plain L2 training"),
        ]) { c, ctx in
            // lambda_grad weighs the first-order terms, loss.lambda_hess (absent: lambda_grad) the Hessian terms.
            FixedWeighting(value: c.number("lambda_value"), gradient: c.number("lambda_grad"),
                           hessian: ctx.lambdaHess ?? c.number("lambda_grad"), layout: ctx.layout)
        },
        WeightingSchemeSpec(name: "lmax", summary: "L_max, projected gradient ascent on the loss (Kilicsoy et al. 2024)", constants: [
            .number("eta", 0.01, openMin: true, "step size eta_lambda of the lambda update"),
        ]) { c, ctx in
            LossMaximisationWeighting(termCount: ctx.layout.count, eta: c.number("eta"))
        },
        WeightingSchemeSpec(name: "cdmin", summary: "CD_min, gradient-alignment descent (Kilicsoy et al. 2024)", constants: [
            .number("eta", 0.01, openMin: true, "step size eta_lambda of the lambda update"),
            .number("lambda_max", 100, min: 1, "upper clip of every lambda"),
        ]) { c, ctx in
            CosineDistanceWeighting(termCount: ctx.layout.count, eta: c.number("eta"), lambdaMax: c.number("lambda_max"))
        },
        WeightingSchemeSpec(name: "lra", summary: "learning-rate annealing (Wang, Teng & Perdikaris 2021)", constants: [
            .number("alpha", 0.9, max: 1, openMin: true, "moving-average weight of the new estimate"),
            .words("statistic", "max", LearningRateAnnealingWeighting.Statistic.allCases.map(\.rawValue),
                   "statistic of the value term's gradient: max (paper) or mean (NVIDIA Modulus)"),
            .number("epsilon", 1e-8, openMin: true, "added to the denominator (> 0: a zero gradient statistic would divide by zero)"),
            .integer("update_every", 1, min: 1, "update the lambdas every this many steps"),
        ]) { c, ctx in
            LearningRateAnnealingWeighting(termCount: ctx.layout.count, alpha: c.number("alpha"),
                                           statistic: .init(rawValue: c.word("statistic"))!, epsilon: c.number("epsilon"),
                                           updateEvery: c.integer("update_every"))
        },
        WeightingSchemeSpec(name: "uncertainty", summary: "homoscedastic uncertainty (Kendall, Gal & Cipolla 2018)", constants: []) { _, ctx in
            UncertaintyWeighting(termCount: ctx.layout.count, optimizer: ctx.optimizer)
        },
        WeightingSchemeSpec(name: "softadapt", summary: "SoftAdapt (Heydari et al. 2019)", constants: [
            .number("temperature", 1, openMin: true, "softmax temperature"),
            .number("epsilon", 1e-8, openMin: true, "added to denominators (> 0: a loss of exactly 0 would give 0/0)"),
        ]) { c, _ in
            SoftAdaptWeighting(temperature: c.number("temperature"), epsilon: c.number("epsilon"))
        },
        WeightingSchemeSpec(name: "relobralo", summary: "ReLoBRaLo (Bischof & Kraus 2021)", constants: [
            .number("alpha", 0.95, max: 1, "moving-average weight of the history"),
            .number("lookback", 0.99, max: 1, "probability of keeping the history (Bernoulli rho; Modulus's beta)"),
            .number("temperature", 1, openMin: true, "softmax temperature tau"),
            .number("epsilon", 1e-8, openMin: true, "added to denominators (> 0: a loss of exactly 0 would give 0/0)"),
        ]) { c, ctx in
            ReLoBRaLoWeighting(seed: ctx.seed, alpha: c.number("alpha"), lookback: c.number("lookback"),
                               temperature: c.number("temperature"), epsilon: c.number("epsilon"))
        },
        WeightingSchemeSpec(name: "gradnorm", summary: "GradNorm (Chen et al. 2018)", constants: [
            .number("alpha", 1, "restoring-force exponent"),
            .number("gradnorm_lr", 1e-3, openMin: true, "learning rate of the log-weights"),
        ]) { c, ctx in
            GradNormWeighting(termCount: ctx.layout.count, alpha: c.number("alpha"), optimizer: ctx.optimizer,
                              learningRate: c.number("gradnorm_lr"))
        },
        WeightingSchemeSpec(name: "ntk", summary: "neural tangent kernel traces (Wang, Yu & Perdikaris 2022)", constants: [
            .words("ntk_mode", "exact", NTKWeighting.Mode.allCases.map(\.rawValue),
                   "exact per-sample traces, or NVIDIA Modulus's |d sqrt(L_i)/d theta| proxy"),
            .integer("ntk_every", 100, min: 1, "recompute the lambdas every this many steps"),
        ]) { c, ctx in
            NTKWeighting(termCount: ctx.layout.count, mode: .init(rawValue: c.word("ntk_mode"))!, every: c.integer("ntk_every"))
        },
    ]

    public static var names: [String] { schemes.map(\.name) }

    /// Constant names that mean different things in different schemes (alpha: lra's and
    /// relobralo's smoothing, gradnorm's restoring force). Each such scheme also takes the
    /// constant under its own key, loss.<scheme>_<name>.
    public static let perSchemeNames: Set<String> = ["alpha"]

    public static func scheme(named name: String) -> WeightingSchemeSpec? { schemes.first { $0.name == name } }

    /// Every constant name, in catalogue order, with the schemes that use it.
    public static var constants: [(name: String, schemes: [WeightingSchemeSpec])] {
        var out: [(name: String, schemes: [WeightingSchemeSpec])] = []
        for s in schemes {
            for c in s.constants {
                if let i = out.firstIndex(where: { $0.name == c.name }) { out[i].schemes.append(s) } else { out.append((c.name, [s])) }
            }
        }
        return out
    }
}
