/// How far a commit must get before the call that made it returns.
///
/// Review decisions and admin actions always use `.disk`. Coding requests' audit entries and review items
/// may use `.log` (`statml serve --coding-durability`): a busy service then answers without waiting for a
/// disk flush per group of requests, which otherwise sets its latency.
public enum CommitDurability: String, Sendable, CaseIterable {
    /// Flushed to disk: survives power loss. SQLite `synchronous=FULL`, PostgreSQL `synchronous_commit=on`.
    case disk
    /// Written to the database's log but not yet flushed. It survives a crash or `kill -9` of StatML (the
    /// operating system or the database server holds it); a power loss (SQLite) or a crash of the database
    /// server (PostgreSQL) can lose the last commits. SQLite: WAL with `synchronous=NORMAL`, flushed by the
    /// next `.disk` commit or `Store.checkpoint()`; PostgreSQL: `synchronous_commit=off`, flushed by its WAL
    /// writer within three `wal_writer_delay`s (0.6 s by default).
    case log
}
