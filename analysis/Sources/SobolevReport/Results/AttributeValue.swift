// One attribute as the file stores it. Run attributes mix numbers, integer lists and strings
// (docs/results-format.md), and the report shows every one of them without knowing the keys.
import SobolevHDF5

public enum AttributeValue: Equatable, Sendable {
    case number(Double)
    case numbers([Double])
    case text(String)
    case texts([String])

    /// The value as a single number, when it is one.
    public var number: Double? {
        if case let .number(v) = self { return v }
        return nil
    }

    /// The value as a person reads it: integers without a decimal point, lists in brackets.
    public var display: String {
        switch self {
        case let .number(v): return NumberFormat.exact(v)
        case let .numbers(v): return "[" + v.map(NumberFormat.exact).joined(separator: ", ") + "]"
        case let .text(s): return s
        case let .texts(s): return "[" + s.joined(separator: ", ") + "]"
        }
    }

    /// Reads attribute `name` of `group`, whatever its type (strings first, then numbers).
    static func read(_ name: String, of group: H5Group) -> AttributeValue? {
        if let s = try? group.stringAttribute(name) {
            return s.count == 1 ? .text(s[0]) : .texts(s)
        }
        if let v = try? group.doubleAttribute(name) {
            return v.count == 1 ? .number(v[0]) : .numbers(v)
        }
        return nil
    }
}
