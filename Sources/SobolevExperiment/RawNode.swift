// The YAML tree of an experiment file, with line numbers, and `--set` overrides applied to it.
import Yams

/// The YAML as a small tree that remembers line numbers and can take `--set` overrides.
/// Sendable stated, not inferred: inferring it for this recursive enum made the compiler report a
/// circular reference in some batchings of the module's files.
indirect enum RawNode: Sendable {
    case scalar(String, line: Int?)
    case list([RawNode], line: Int?)
    case map([(String, RawNode)], line: Int?)

    var line: Int? {
        switch self { case let .scalar(_, l), let .list(_, l), let .map(_, l): return l }
    }

    /// The node as one short line of YAML flow text, for messages.
    var text: String {
        let line = fullText.replacingOccurrences(of: "\n", with: "\\n")
        return line.count > 80 ? line.prefix(77) + "..." : line
    }

    private var fullText: String {
        switch self {
        case let .scalar(s, _): return s
        case let .list(items, _): return "[" + items.map(\.fullText).joined(separator: ", ") + "]"
        case let .map(pairs, _): return "{" + pairs.map { "\($0.0): \($0.1.fullText)" }.joined(separator: ", ") + "}"
        }
    }

    /// Yams composes recursively, and a few thousand levels of nesting overflow the stack (a
    /// crash, not an error): the first line where the nesting goes deeper than an experiment can
    /// need, by brackets ([ and { outside quotes and comments, across lines) or by columns of
    /// indentation and "- " item marks. nil when none does.
    static func tooDeep(_ text: String, maximumDepth: Int = 64, maximumColumns: Int = 1000) -> Int? {
        var depth = 0
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let marks = line.prefix { $0 == " " || $0 == "-" || $0 == "\t" }
            if marks.count > maximumColumns { return number + 1 }
            var quote: Character? = nil, previous: Character = " "
            for c in line {
                if let q = quote { if c == q { quote = nil } }
                else if c == "'" || c == "\"" { quote = c }
                else if c == "#" && (previous == " " || previous == "\t") { break }
                else if c == "[" || c == "{" { depth += 1; if depth > maximumDepth { return number + 1 } }
                else if c == "]" || c == "}" { depth = max(depth - 1, 0) }
                previous = c
            }
        }
        return nil
    }

    /// Converts Yams' tree, counting nodes: an alias expands to a copy of its anchor, so nested
    /// aliases could make a short file expand without bound ("billion laughs").
    static func from(_ node: Node, file: String, path: String) throws -> RawNode {
        var budget = Experiment.maximumNodes
        return try from(node, file: file, path: path, budget: &budget)
    }

    static func from(_ node: Node, file: String, path: String, budget: inout Int) throws -> RawNode {
        let line = node.mark?.line
        budget -= 1
        guard budget >= 0 else {
            throw ExperimentError(file: file, key: path, line: line, message:
                "the file expands to more than \(Experiment.maximumNodes) values (aliases of aliases?); that is the limit of an experiment file")
        }
        switch node {
        case let .scalar(s): return .scalar(s.string, line: line)
        case let .sequence(seq):
            return .list(try seq.enumerated().map { try from($0.element, file: file, path: "\(path)[\($0.offset)]", budget: &budget) }, line: line)
        case let .mapping(map):
            var pairs: [(String, RawNode)] = []
            for (k, v) in map {
                guard case let .scalar(ks) = k else {
                    throw ExperimentError(file: file, key: path, line: k.mark?.line, message: "keys must be plain names")
                }
                let key = path.isEmpty ? ks.string : "\(path).\(ks.string)"
                if pairs.contains(where: { $0.0 == ks.string }) {
                    throw ExperimentError(file: file, key: key, line: k.mark?.line, message: "key given twice")
                }
                pairs.append((ks.string, try from(v, file: file, path: key, budget: &budget)))
            }
            return .map(pairs, line: line)
        }
    }

    /// Sets `path` (dotted) to `value`, creating sections as needed.
    func setting(_ path: [String], to value: RawNode) -> RawNode {
        guard let head = path.first else { return value }
        var pairs: [(String, RawNode)]
        var line: Int? = nil
        if case let .map(p, l) = self { pairs = p; line = l } else { pairs = [] }
        if let i = pairs.firstIndex(where: { $0.0 == head }) {
            pairs[i].1 = pairs[i].1.setting(Array(path.dropFirst()), to: value)
        } else {
            pairs.append((head, RawNode.map([], line: nil).setting(Array(path.dropFirst()), to: value)))
        }
        return .map(pairs, line: line)
    }
}
