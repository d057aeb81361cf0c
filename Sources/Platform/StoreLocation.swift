import StatMLCore

/// Where a store lives: a SQLite file (the default, nothing to install) or a PostgreSQL database
/// (several server processes sharing one store).
public enum StoreLocation: Equatable, Sendable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    /// The SQLite file used when nothing else is said.
    public static let defaultPath = "statml.db"
    /// The environment variable that points every StatML command at a PostgreSQL store.
    public static let databaseURLVariable = "STATML_DATABASE_URL"

    /// Chooses the store from what the user gave: an explicit database URL, else an explicit SQLite
    /// path (a `postgres://` URL given there is taken as a database), else `STATML_DATABASE_URL`,
    /// else `statml.db`. Explicit arguments win over the environment, so one command can be pointed
    /// elsewhere without unsetting it.
    public static func parse(store: String?, databaseURL: String?, environment: [String: String]) throws
        -> StoreLocation
    {
        if let databaseURL, let store {
            throw StatMLError.usage(
                "both a store file ('\(store)') and a database URL (\(redacted(databaseURL))) were given; choose one")
        }
        if let databaseURL { return try postgres(databaseURL) }
        if let store {
            if isPostgresURL(store) { return try postgres(store) }
            guard !store.isEmpty else { throw StatMLError.usage("the store file path is empty") }
            return .sqlite(path: store)
        }
        if let url = environment[databaseURLVariable], !url.isEmpty { return try postgres(url) }
        return .sqlite(path: defaultPath)
    }

    private static func postgres(_ url: String) throws -> StoreLocation {
        guard isPostgresURL(url) else {
            throw StatMLError.usage(
                "'\(redacted(url))' is not a PostgreSQL URL; expected postgresql://user@host:port/database")
        }
        return .postgres(url: url)
    }

    private static func isPostgresURL(_ s: String) -> Bool {
        s.hasPrefix("postgresql://") || s.hasPrefix("postgres://")
    }

    /// The location for logs and messages: a database URL loses its password.
    public var description: String {
        switch self {
        case .sqlite(let path): return "SQLite file \(path)"
        case .postgres(let url): return "PostgreSQL \(Self.redacted(url))"
        }
    }

    /// `postgresql://user:secret@host/db` → `postgresql://user:***@host/db`.
    static func redacted(_ url: String) -> String {
        guard let scheme = url.firstRange(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@"),
            let colon = rest[..<at].firstIndex(of: ":")
        else { return url }
        return String(url[..<rest.index(after: colon)]) + "***" + String(url[at...])
    }
}
