import StatMLCore

/// Reading a JSON request body with errors that say which field is wrong and how (`records[3].text:
/// expected a string, found a number`), so a client can fix its request from the message alone.
struct RequestFields {
    let object: JSONObject
    let path: String

    init(_ value: JSONValue, path: String = "request body") throws {
        guard case .object(let object) = value else {
            throw StatMLError.invalidInput("\(path): expected a JSON object, found \(Self.kind(value))")
        }
        self.object = object
        self.path = path
    }

    /// The names the caller may send; anything else is an error (a typo should not be silently ignored).
    func allowOnly(_ names: [String]) throws {
        for key in object.keys where !names.contains(key) {
            throw StatMLError.invalidInput(
                "\(path): unknown field '\(key)'\(Suggestions.didYouMean(key, in: names)); allowed: \(names.joined(separator: ", "))"
            )
        }
    }

    func string(_ name: String) throws -> String? {
        switch object[name] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case let other?: throw wrongType(name, "a string", other)
        }
    }

    func requiredString(_ name: String) throws -> String {
        guard let s = try string(name) else { throw StatMLError.invalidInput("\(path): missing field '\(name)'") }
        return s
    }

    /// A string, or a whole number given as a number (ids are often numeric in clients' data).
    func identifier(_ name: String) throws -> String? {
        switch object[name] {
        case .number(let d)? where d == d.rounded() && abs(d) < 1e15: return String(Int64(d))
        default: return try string(name)
        }
    }

    func bool(_ name: String) throws -> Bool? {
        switch object[name] {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        case let other?: throw wrongType(name, "true or false", other)
        }
    }

    func int(_ name: String, range: ClosedRange<Int>) throws -> Int? {
        switch object[name] {
        case nil, .null?: return nil
        case .number(let d)? where d == d.rounded() && range.contains(Int(exactly: d) ?? Int.min): return Int(d)
        case let other?: throw wrongType(name, "a whole number in \(range.lowerBound)…\(range.upperBound)", other)
        }
    }

    func array(_ name: String) throws -> [JSONValue]? {
        switch object[name] {
        case nil, .null?: return nil
        case .array(let a)?: return a
        case let other?: throw wrongType(name, "an array", other)
        }
    }

    private func wrongType(_ name: String, _ expected: String, _ found: JSONValue) -> StatMLError {
        StatMLError.invalidInput("\(path).\(name): expected \(expected), found \(Self.kind(found))")
    }

    static func kind(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "true/false"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

extension HTTPRequest {
    /// A query parameter as a whole number in `range`, or `fallback` when absent.
    func intQuery(_ name: String, in range: ClosedRange<Int>, default fallback: Int) throws -> Int {
        guard let text = query(name) else { return fallback }
        guard let n = Int(text), range.contains(n) else {
            throw StatMLError.invalidInput(
                "query parameter '\(name)' must be a whole number in \(range.lowerBound)…\(range.upperBound), got '\(text)'"
            )
        }
        return n
    }

    /// A path parameter that must be a whole number (an id or a version).
    func intParameter(_ name: String) throws -> Int64 {
        guard let text = pathParameters[name], let n = Int64(text), n > 0 else {
            throw StatMLError.notFound(
                "no \(name) '\(pathParameters[name] ?? "")': \(name)s are positive whole numbers")
        }
        return n
    }
}
