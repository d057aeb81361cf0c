/// A path pattern such as `/v1/models/{version}/promote`: literal segments and `{name}` parameters,
/// each standing for exactly one non-empty segment. Empty segments are ignored, so a trailing slash
/// or a doubled one matches the same route.
struct RoutePattern: Sendable, CustomStringConvertible {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    let text: String
    let segments: [Segment]

    /// Nil when a segment is a malformed parameter (`{}`, `{a`, `a{b}`) or a name repeats.
    init?(_ text: String) {
        var segments: [Segment] = []
        var names: Set<String> = []
        for piece in text.split(separator: "/", omittingEmptySubsequences: true) {
            guard piece.contains("{") || piece.contains("}") else {
                segments.append(.literal(String(piece)))
                continue
            }
            guard piece.first == "{", piece.last == "}", piece.count > 2 else { return nil }
            let name = String(piece.dropFirst().dropLast())
            guard !name.contains("{"), !name.contains("}"), names.insert(name).inserted else { return nil }
            segments.append(.parameter(name))
        }
        self.text = text
        self.segments = segments
    }

    var description: String { text }

    /// The parameters bound by matching `path`, or nil when it does not match.
    func match(_ path: [Substring]) -> [String: String]? {
        guard path.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, piece) in zip(segments, path) {
            switch segment {
            case .literal(let literal):
                guard piece == literal else { return nil }
            case .parameter(let name):
                parameters[name] = String(piece)
            }
        }
        return parameters
    }

    /// True when this pattern is preferred over `other` for a path both match: the first segment where
    /// they differ is a literal here (`/models/latest` wins over `/models/{version}`).
    func isMoreSpecific(than other: RoutePattern) -> Bool {
        for (mine, theirs) in zip(segments, other.segments) {
            switch (mine, theirs) {
            case (.literal, .parameter): return true
            case (.parameter, .literal): return false
            default: continue
            }
        }
        return false
    }

    /// Two patterns that match exactly the same paths (`/a/{x}` and `/a/{y}`).
    func hasSameShape(as other: RoutePattern) -> Bool {
        segments.count == other.segments.count
            && zip(segments, other.segments).allSatisfy { pair in
                switch pair {
                case (.literal(let a), .literal(let b)): a == b
                case (.parameter, .parameter): true
                default: false
                }
            }
    }
}
