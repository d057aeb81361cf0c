import StatMLCore

/// A hierarchical classification (COICOP 2018, ECOICOP, ISCO-08, NACE Rev. 2 style): codes with their
/// parents and labels, read from a CSV file with columns `code`, `parent` (empty at the top) and `label`.
public struct Hierarchy: Sendable, Equatable {
    public struct Node: Sendable, Equatable {
        public var code: String
        public var parent: String?
        public var label: String
    }

    public private(set) var nodes: [Node]
    private var position: [String: Int] = [:]
    private var labelPosition: [String: Int] = [:]

    public init(nodes: [Node]) throws {
        self.nodes = nodes
        for (i, node) in nodes.enumerated() {
            guard position[node.code] == nil else {
                throw StatMLError.invalidInput("classification: code '\(node.code)' appears twice")
            }
            position[node.code] = i
            if labelPosition[node.label] == nil { labelPosition[node.label] = i }
        }
        for node in nodes {
            if let parent = node.parent, position[parent] == nil {
                throw StatMLError.invalidInput(
                    "classification: code '\(node.code)' has parent '\(parent)', which is not in the classification"
                        + Suggestions.didYouMean(parent, in: nodes.map(\.code)))
            }
        }
        for node in nodes {
            var seen: Set<String> = [node.code]
            var current = node.parent
            while let c = current {
                guard seen.insert(c).inserted else {
                    throw StatMLError.invalidInput(
                        "classification: code '\(node.code)' is its own ancestor (a cycle through '\(c)')")
                }
                current = nodes[position[c]!].parent
            }
        }
    }

    /// Reads `code,parent,label` from CSV (or JSON Lines); other columns are ignored.
    public static func read(path: String) throws -> Hierarchy {
        var options = TableReadOptions()
        options.schema = ["code": .string, "parent": .string, "label": .string]
        let table = try Table.read(path: path, options: options)
        let codes = try table.column(named: "code")
        let parents = try table.column(named: "parent")
        let labels = try table.column(named: "label")
        var nodes: [Node] = []
        for row in 0..<table.rowCount {
            guard let code = codes[row]?.description else {
                throw StatMLError.invalidInput("classification \(path): row \(row + 1) has no code")
            }
            nodes.append(Node(code: code, parent: parents[row]?.description, label: labels[row]?.description ?? code))
        }
        guard !nodes.isEmpty else { throw StatMLError.invalidInput("classification \(path) has no codes") }
        do {
            return try Hierarchy(nodes: nodes)
        } catch var error as StatMLError {
            error.message = error.message.replacing("classification:", with: "classification \(path):")
            throw error
        }
    }

    public func contains(_ code: String) -> Bool { position[code] != nil }

    /// The code for a training label: the label itself when it is a code, else the code whose label it is.
    public func code(forLabel label: String) -> String? {
        if position[label] != nil { return label }
        return labelPosition[label].map { nodes[$0].code }
    }

    public func node(_ code: String) -> Node? { position[code].map { nodes[$0] } }

    public func parent(of code: String) -> String? { node(code)?.parent }

    /// 1 at the top of the classification.
    public func level(of code: String) -> Int {
        var level = 1
        var current = parent(of: code)
        while let c = current {
            level += 1
            current = parent(of: c)
        }
        return level
    }

    /// The code and all its ancestors, nearest first.
    public func lineage(of code: String) -> [String] {
        var out = [code]
        var current = parent(of: code)
        while let c = current {
            out.append(c)
            current = parent(of: c)
        }
        return out
    }

    /// Codes whose text (code or label) contains every word of the query, case-insensitively.
    public func search(_ query: String, limit: Int = 20) -> [Node] {
        let words = query.lowercased().split(separator: " ").map(String.init)
        guard !words.isEmpty else { return [] }
        return Array(
            nodes.filter { node in
                let text = (node.code + " " + node.label).lowercased()
                return words.allSatisfy { text.contains($0) }
            }.prefix(limit))
    }
}
