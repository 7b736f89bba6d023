// The `loss` section: loss.scheme, loss.group_gradients, loss.order, loss.group_hessian, loss.lambda_hess and every scheme constant as
// loss.<constant> (SobolevCore's WeightingCatalog holds the constants, defaults and ranges).
//
// A constant belongs to the runs of the schemes that use it: each run gets its scheme's constants
// (given or default) and none of the others', so a run's attributes record exactly the constants
// its scheme used. With loss.scheme as a grid axis, a constant given in the file applies to every
// scheme of the grid that uses it; a constant that no scheme of the grid uses is an error.
//
// A name that means different things in different schemes (alpha) is also a key per scheme,
// loss.<scheme>_<name>, read only by that scheme's runs; the shared key still works, with a
// deprecation note. Runs store the constant under its plain name, loss.<name>, whichever key
// gave it, so run ids and the results layout do not depend on the spelling.
import SobolevCore

enum WeightingKeys {
    static let prefix = "loss."

    /// Schema fields of the loss section. Constants have no schema default: their default
    /// depends on the scheme and is filled in per run by `resolve`.
    static var fields: [FieldSpec] {
        [
            ExperimentSchema.choice("loss.scheme", "fixed", WeightingCatalog.names, "loss-weighting scheme (docs/weighting.md)"),
            ExperimentSchema.flag("loss.group_gradients", false, "one derivative term instead of one per input direction"),
            // No schema defaults (absent: order 1, not grouped), so that run ids of files written
            // before these keys are unchanged.
            FieldSpec(key: "loss.order", kind: .int(min: 1, max: 2), defaultValue: nil,
                      help: "1: values and gradients; 2: also the Hessians (data with d2Y); default 1"),
            FieldSpec(key: "loss.group_hessian", kind: .bool, defaultValue: nil,
                      help: "loss.order 2: one Hessian term instead of one per pair j <= k; default false"),
            FieldSpec(key: "loss.lambda_hess", kind: .double(min: 0, max: .greatestFiniteMagnitude, openMin: false), defaultValue: nil,
                      help: "loss.scheme fixed with loss.order 2: weight of each Hessian term; default loss.lambda_grad"),
        ] + WeightingCatalog.constants.map { constant in
            let specs = constant.schemes.map { s in (s, s.constants.first { $0.name == constant.name }!) }
            let defaults = specs.map { "\($0.0.name) \($0.1.defaultValue)" }.joined(separator: ", ")
            let deprecated = WeightingCatalog.perSchemeNames.contains(constant.name)
                ? "; deprecated: " + perSchemeKeys.filter { $0.constant == constant.name }.map(\.key).joined(separator: ", ") : ""
            return FieldSpec(key: prefix + constant.name, kind: fieldKind(specs.map { $0.1.domain }), defaultValue: nil,
                             help: "\(specs[0].1.help) (default: \(defaults)\(deprecated))")
        } + perSchemeKeys.map { k in
            FieldSpec(key: k.key, kind: fieldKind([k.spec.domain]), defaultValue: nil,
                      help: "\(k.spec.help) (loss.scheme \(k.scheme) only; default \(k.spec.defaultValue))")
        }
    }

    /// loss.<scheme>_<name> for every scheme of every constant name in `perSchemeNames`.
    static var perSchemeKeys: [(key: String, scheme: String, constant: String, spec: WeightingConstantSpec)] {
        WeightingCatalog.constants.filter { WeightingCatalog.perSchemeNames.contains($0.name) }.flatMap { c in
            c.schemes.map { s in (prefix + s.name + "_" + c.name, s.name, c.name, s.constants.first { $0.name == c.name }!) }
        }
    }

    /// One note per shared key given where a per-scheme key now says what is meant.
    static func deprecations(given: [String: RawNode], file: String) -> [String] {
        WeightingCatalog.perSchemeNames.sorted().compactMap { name in
            guard let node = given[prefix + name] else { return nil }
            let keys = perSchemeKeys.filter { $0.constant == name }
            return "\(file)\(node.line.map { ":\($0)" } ?? ""): \(prefix + name) is deprecated: \(name) is a different constant "
                + "for each of \(keys.map(\.scheme).joined(separator: ", ")); write \(keys.map(\.key).joined(separator: ", ")) "
                + "instead (the same values give the same runs and run ids)"
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
        try checkPerSchemeKeys(given: given, gridSchemes: gridSchemes, file: file)

        var seen = Set<String>()
        var out: [RunSpec] = []
        for var run in runs {
            let scheme = WeightingCatalog.scheme(named: run.values["loss.scheme"]!.stringValue!)!
            var chosen: [String: WeightingConstant] = [:], keyOf: [String: String] = [:]
            var values = run.values   // changed here, set once (each change of a run's values hashes its id)
            for (name, _) in constants {
                if let v = values.removeValue(forKey: prefix + name) { chosen[name] = WeightingConstant(v); keyOf[name] = prefix + name }
            }
            for k in perSchemeKeys {
                if let v = values.removeValue(forKey: k.key), k.scheme == scheme.name { chosen[k.constant] = WeightingConstant(v); keyOf[k.constant] = k.key }
            }
            let checked: WeightingConstants
            do { checked = try scheme.checked(chosen) } catch let e as WeightingConstantError {
                let key = keyOf[e.constant.name] ?? prefix + e.constant.name
                throw ExperimentError(file: file, key: key, line: given[key]?.line,
                                      message: "expected \(e.constant.domain.expectation) for loss.scheme \(scheme.name), got \(e.value)")
            }
            for (name, value) in checked.values { values[prefix + name] = ConfigValue(value) }
            run.values = values
            run.lossConstants = checked
            // Labels keep the axes this run's scheme read, per-scheme keys included.
            let ownKeys = Set(perSchemeKeys.filter { $0.scheme == scheme.name }.map(\.key))
            run.axisValues.removeAll { values[$0.key] == nil && !ownKeys.contains($0.key) }
            if seen.insert(run.id).inserted { out.append(run) }
        }
        return out
    }

    /// A per-scheme key applies only where its scheme is in the grid, and not beside the shared key.
    static func checkPerSchemeKeys(given: [String: RawNode], gridSchemes: Set<String>, file: String) throws {
        for k in perSchemeKeys {
            guard let node = given[k.key] else { continue }
            if !gridSchemes.contains(k.scheme) {
                throw ExperimentError(file: file, key: k.key, line: node.line, message:
                    "\(node.text) does not apply: \(k.key) is read only with loss.scheme \(k.scheme), not with loss.scheme \(gridSchemes.sorted().joined(separator: ", "))")
            }
            if given[prefix + k.constant] != nil {
                throw ExperimentError(file: file, key: k.key, line: node.line, message:
                    "give \(prefix + k.constant) (deprecated) or the per-scheme keys, not both")
            }
        }
    }

    /// The constants given for `scheme` among values not yet resolved, by constant name.
    static func given(in values: [String: ConfigValue], scheme: String) -> [String: WeightingConstant] {
        var out: [String: WeightingConstant] = [:]
        for (name, _) in WeightingCatalog.constants {
            if let v = values[prefix + name] { out[name] = WeightingConstant(v) }
        }
        for k in perSchemeKeys where k.scheme == scheme {
            if let v = values[k.key] { out[k.constant] = WeightingConstant(v) }
        }
        return out
    }
}

// The two conversions between the experiment's values and the catalogue's constants.
extension WeightingConstant {
    init(_ v: ConfigValue) {
        switch v {
        case let .double(x): self = .number(x)
        case let .int(x): self = .integer(x)
        case let .string(x): self = .word(x)
        case .bool, .intList, .stringList: preconditionFailure("scheme constants are numbers, integers or words")
        }
    }
}

extension ConfigValue {
    init(_ c: WeightingConstant) {
        switch c {
        case let .number(x): self = .double(x)
        case let .integer(x): self = .int(x)
        case let .word(x): self = .string(x)
        }
    }
}

extension LossConfig {
    /// The configured weighting scheme for a run with these terms, optimizer and seed.
    public func makeScheme(layout: TermLayout, optimizer: OptimizerKind, seed: UInt64) -> any WeightingScheme {
        WeightingCatalog.scheme(named: scheme)!.make(constants, context: WeightingContext(layout: layout, optimizer: optimizer, seed: seed,
                                                                                                lambdaHess: lambdaHess))
    }
}
