// The analytic problems by the names used in experiment files.
import SobolevCore

/// Look-up of analytic problems by `problem.name`.
///
/// Parameters (all optional, all Double; any other key, or an invalid value, gives nil):
/// - "ackley", "styblinski_tang": "dimension" (integer >= 1, default 2);
/// - "rosenbrock": "dimension" (integer >= 2, default 2);
/// - "multifrequency": "frequency_1", "frequency_2", ... (consecutive from 1; default
///   1, 4, 16), "amplitude_k" (default 1), "phase_k" (radians, default 0) for each given k;
/// - the others take none.
public enum ProblemCatalog {
    public static let names: [String] = [
        "sine", "ackley", "beale", "booth", "bukin6", "mccormick", "rosenbrock",
        "styblinski_tang", "franke", "multifrequency", "muller_brown",
        "neo_hookean_plane_strain", "neo_hookean_3d",
    ]

    /// The problem called `name`, or nil for an unknown name or unusable parameters.
    public static func function(named name: String, parameters: [String: Double] = [:]) -> (any AnalyticFunction)? {
        switch name {
        case "sine": return parameters.isEmpty ? Sine() : nil
        case "beale": return parameters.isEmpty ? Beale() : nil
        case "booth": return parameters.isEmpty ? Booth() : nil
        case "bukin6": return parameters.isEmpty ? Bukin6() : nil
        case "mccormick": return parameters.isEmpty ? McCormick() : nil
        case "franke": return parameters.isEmpty ? Franke() : nil
        case "muller_brown": return parameters.isEmpty ? MullerBrown() : nil
        case "neo_hookean_plane_strain": return parameters.isEmpty ? NeoHookean(kind: .planeStrain) : nil
        case "neo_hookean_3d": return parameters.isEmpty ? NeoHookean(kind: .threeDimensional) : nil
        case "ackley":
            return dimension(parameters, minimum: 1).map { Ackley(dimension: $0) }
        case "styblinski_tang":
            return dimension(parameters, minimum: 1).map { StyblinskiTang(dimension: $0) }
        case "rosenbrock":
            return dimension(parameters, minimum: 2).map { Rosenbrock(dimension: $0) }
        case "multifrequency":
            return multiFrequency(parameters)
        default:
            return nil
        }
    }

    /// The "dimension" parameter (default 2); nil if another key is present or the value is
    /// not an integer >= minimum.
    private static func dimension(_ parameters: [String: Double], minimum: Int) -> Int? {
        guard parameters.keys.allSatisfy({ $0 == "dimension" }) else { return nil }
        guard let value = parameters["dimension"] else { return 2 }
        guard value == value.rounded(), value >= Double(minimum), value <= 1_000 else { return nil }
        return Int(value)
    }

    /// Frequencies from "frequency_1", "frequency_2", ... (consecutive; the defaults when there
    /// is no "frequency_1"), with "amplitude_k" and "phase_k" for each. Keys beyond those give nil.
    private static func multiFrequency(_ parameters: [String: Double]) -> MultiFrequency? {
        var frequencies = [Double]()
        while let nu = parameters["frequency_\(frequencies.count + 1)"] { frequencies.append(nu) }
        let given = !frequencies.isEmpty
        if !given { frequencies = MultiFrequency.defaultFrequencies }
        var amplitudes = [Double](), phases = [Double](), known = Set<String>()
        for k in 1...frequencies.count {
            amplitudes.append(parameters["amplitude_\(k)"] ?? 1)
            phases.append(parameters["phase_\(k)"] ?? 0)
            known.formUnion(["amplitude_\(k)", "phase_\(k)"])
            if given { known.insert("frequency_\(k)") }
        }
        guard parameters.keys.allSatisfy(known.contains),
              frequencies.allSatisfy({ $0.isFinite && $0 >= 0 }),
              amplitudes.allSatisfy(\.isFinite), phases.allSatisfy(\.isFinite) else { return nil }
        return MultiFrequency(frequencies: frequencies, amplitudes: amplitudes, phases: phases)
    }
}
