/// The one error type StatML throws for anything a user can act on (STYLE.md §3).
///
/// `message` is written for the person reading it; `location` points into the *input* (a file, a
/// line, a column) when the input is a file.
public struct StatMLError: Error, CustomStringConvertible, @unchecked Sendable {
    public enum Code: String, Sendable {
        /// The input is malformed or does not fit what was asked (bad CSV, wrong column, bad JSON).
        case invalidInput = "invalid_input"
        /// A named thing does not exist (file, column, model version).
        case notFound = "not_found"
        /// Reading or writing failed at the operating-system level.
        case io
        /// A C library reported an error; the message carries the library's own words.
        case library
        /// The command line itself is wrong (exit code 2 in the CLI).
        case usage
        case unauthorized
        case forbidden
        /// The request clashes with what is stored (a name already taken, a decision already made).
        case conflict
        /// A file was written by an incompatible StatML version or is corrupt.
        case incompatible
        case `internal`
    }

    /// Where in the user's input the problem is. Lines and columns are 1-based.
    public struct Location: Equatable, Sendable, CustomStringConvertible {
        public var file: String?
        public var line: Int?
        public var column: Int?

        public init(file: String? = nil, line: Int? = nil, column: Int? = nil) {
            self.file = file
            self.line = line
            self.column = column
        }

        public var description: String {
            var parts: [String] = []
            if let file { parts.append(file) }
            if let line { parts.append("line \(line)") }
            if let column { parts.append("column \(column)") }
            return parts.joined(separator: ", ")
        }
    }

    public var code: Code
    public var message: String
    public var location: Location?
    public var underlying: (any Error)?

    public init(_ code: Code, _ message: String, location: Location? = nil, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.location = location
        self.underlying = underlying
    }

    /// "FILE, line L, column C: message" — the location first, so that a reader sees where before what.
    public var description: String {
        guard let location, location.file != nil || location.line != nil else { return message }
        return "\(location): \(message)"
    }

    public static func invalidInput(_ message: String, at location: Location? = nil) -> StatMLError {
        StatMLError(.invalidInput, message, location: location)
    }

    public static func usage(_ message: String) -> StatMLError {
        StatMLError(.usage, message)
    }

    public static func notFound(_ message: String) -> StatMLError {
        StatMLError(.notFound, message)
    }

    public static func io(_ message: String, underlying: (any Error)? = nil) -> StatMLError {
        StatMLError(.io, message, underlying: underlying)
    }
}
