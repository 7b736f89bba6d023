// One colour per configuration and one per weighting scheme, fixed for the whole report so a
// colour means the same thing in every chart and table.
public struct ColourKey: Sendable {
    public var configurations: [String: String]
    public var schemes: [String: String]

    public init(configurations: [String], schemes: [String]) {
        self.configurations = Dictionary(uniqueKeysWithValues: configurations.enumerated().map { ($1, Palette.categorical($0)) })
        self.schemes = Dictionary(uniqueKeysWithValues: Array(Set(schemes)).sorted().enumerated().map { ($1, Palette.scheme($0)) })
    }

    public func configuration(_ c: String) -> String { configurations[c] ?? Palette.neutral }
    public func scheme(_ s: String) -> String { schemes[s] ?? Palette.neutral }
}
