// Noise models for the training targets: measurement noise on values and on derivatives.
import SobolevCore

/// The distribution of additive noise.
public enum NoiseKind: String, CaseIterable, Sendable {
    /// No noise: data is left untouched and no random numbers are drawn.
    case none
    /// level * N(0, 1): standard deviation `level`.
    case gaussian
    /// level * U(-1, 1): standard deviation level / sqrt(3), as the course's sine data
    /// (Herrmann & Kollmannsberger, ch. 3.8: y + 0.1 U(-1, 1)).
    case uniform
}

/// Additive noise eps = level * Z, Z ~ N(0, 1) or U(-1, 1), drawn independently per entry.
public struct NoiseModel: Equatable, Sendable {
    public var kind: NoiseKind
    public var level: Double

    public init(kind: NoiseKind, level: Double) {
        precondition(level >= 0 && level.isFinite, "noise level must be finite and >= 0")
        self.kind = kind; self.level = level
    }

    /// No noise.
    public static let none = NoiseModel(kind: .none, level: 0)

    /// True if `apply` leaves data unchanged (kind none or level 0).
    public var isNone: Bool { kind == .none || level == 0 }

    /// Adds one noise draw to each entry of `values`, in order, from `rng`. A model that
    /// `isNone` neither changes the values nor advances `rng`.
    public func apply(to values: inout [Double], rng: inout SeededRNG) {
        guard !isNone else { return }
        for i in values.indices {
            switch kind {
            case .none: break
            case .gaussian: values[i] += level * rng.normal()
            case .uniform: values[i] += level * rng.uniform(-1, 1)
            }
        }
    }
}
