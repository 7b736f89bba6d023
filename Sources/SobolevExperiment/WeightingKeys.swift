// The `loss` section: loss.scheme, loss.group_gradients and every scheme constant as
// loss.<constant> (SobolevCore's WeightingCatalog holds the constants, defaults and ranges).
//
// A constant belongs to the runs of the schemes that use it: each run gets its scheme's constants
// (given or default) and none of the others', so a run's attributes record exactly the constants
// its scheme used. With loss.scheme as a grid axis, a constant given in the file applies to every
// scheme of the grid that uses it; a constant that no scheme of the grid uses is an error.
import SobolevCore

enum WeightingKeys {
    static let prefix = "loss."

    /// Schema fields of the loss section. Constants have no schema default: their default
    /// depends on the scheme and is filled in per run by `resolve`.
    static var fields: [FieldSpec] {
        [
            ExperimentSchema.choice("loss.scheme", "fixed", WeightingCatalog.names, "loss-weighting scheme (docs/weighting.md)"),
            ExperimentSchema.flag("loss.group_gradients", false, "one derivative term instead of one per input direction"),
        ] + WeightingCatalog.constants.map { constant in
            let specs = constant.schemes.map { s in (s, s.constants.first { $0.name == constant.name }!) }
            let defaults = specs.map { "\($0.0.name) \($0.1.defaultValue)" }.joined(separator: ", ")
            return FieldSpec(key: prefix + constant.name, kind: fieldKind(specs.map { $0.1.domain }), defaultValue: nil,
                             help: "\(specs[0].1.help) (default: \(defaults))")
        }
    }

    /// The loosest field kind that holds every scheme's domain of one constant (each scheme's own
    /// range is checked in `resolve`).
    static func fieldKind(_ domains: [WeightingConstantSpec.Domain]) -> FieldKind {
        switch domains[0] {
        case .number:
            var lo = Double.infinity, hi = -Double.infinity, open = true
            for case let .number(l, h, o) in domains {
                if l < lo { lo = l; open = o } else if l == lo { open = open && o }
                hi = max(hi, h)
            }
            return .double(min: lo, max: hi, openMin: open)
        case .integer:
            return .int(min: domains.map { if case let .integer(l) = $0 { return l }; return 0 }.min()!, max: .max)
        case .words:
            var words: [String] = []
            for case let .words(w) in domains { for x in w where !words.contains(x) { words.append(x) } }
            return .choice(words)
        }
    }

    /// Gives every run its scheme's constants (given or default) and drops the constants of
    /// other schemes (from the values and the axis labels); runs that thereby become identical are
    /// kept once. Errors name the file, the key and the value.
    static func resolve(_ runs: [RunSpec], given: [String: RawNode], file: String) throws -> [RunSpec] {
        let constants = WeightingCatalog.constants
        let gridSchemes = Set(runs.compactMap { $0.values["loss.scheme"]?.stringValue })
        for (name, users) in constants {
            guard let node = given[prefix + name], !users.contains(where: { gridSchemes.contains($0.name) }) else { continue }
            throw ExperimentError(file: file, key: prefix + name, line: node.line, message:
                "\(node.text) does not apply: \(name) is a constant of \(users.map(\.name).joined(separator: ", ")), "
                + "not of loss.scheme \(gridSchemes.sorted().joined(separator: ", "))")
        }

        var seen = Set<String>()
        var out: [RunSpec] = []
        for var run in runs {
            let scheme = WeightingCatalog.scheme(named: run.values["loss.scheme"]!.stringValue!)!
            var chosen: [String: WeightingConstant] = [:]
            for (name, _) in constants {
                if let v = run.values.removeValue(forKey: prefix + name) { chosen[name] = constant(v) }
            }
            if let (spec, value) = scheme.invalid(chosen) {
                throw ExperimentError(file: file, key: prefix + spec.name, line: given[prefix + spec.name]?.line,
                                      message: "expected \(spec.domain.expectation) for loss.scheme \(scheme.name), got \(value)")
            }
            for (name, value) in scheme.resolve(chosen).values { run.values[prefix + name] = configValue(value) }
            let values = run.values
            run.axisValues.removeAll { values[$0.key] == nil }
            if seen.insert(run.id).inserted { out.append(run) }
        }
        return out
    }

    /// The scheme constants among a run's resolved values, by constant name.
    static func constants(in values: [String: ConfigValue]) -> [String: WeightingConstant] {
        var out: [String: WeightingConstant] = [:]
        for (name, _) in WeightingCatalog.constants {
            if let v = values[prefix + name] { out[name] = constant(v) }
        }
        return out
    }

    static func constant(_ v: ConfigValue) -> WeightingConstant {
        switch v {
        case let .double(x): return .number(x)
        case let .int(x): return .integer(x)
        case let .string(x): return .word(x)
        case .bool, .intList, .stringList: preconditionFailure("scheme constants are numbers, integers or words")
        }
    }

    static func configValue(_ c: WeightingConstant) -> ConfigValue {
        switch c {
        case let .number(x): return .double(x)
        case let .integer(x): return .int(x)
        case let .word(x): return .string(x)
        }
    }
}

extension LossConfig {
    /// The configured weighting scheme for a run with these terms, optimizer and seed.
    public func makeScheme(layout: TermLayout, optimizer: OptimizerKind, seed: UInt64) -> any WeightingScheme {
        WeightingCatalog.scheme(named: scheme)!.make(constants, context: WeightingContext(layout: layout, optimizer: optimizer, seed: seed))
    }
}
