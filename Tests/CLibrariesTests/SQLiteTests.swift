import CSQLite
import Foundation
import Testing

@Suite("CLibraries: SQLite")
struct SQLiteTests {
    /// Runs one statement that returns a single text value.
    func scalarText(_ db: OpaquePointer, _ sql: String) throws -> String? {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v2(db, sql, -1, &statement, nil)
        try #require(rc == SQLITE_OK, "prepare \(sql): \(String(cString: sqlite3_errmsg(db)))")
        defer { sqlite3_finalize(statement) }
        try #require(sqlite3_step(statement) == SQLITE_ROW, "\(String(cString: sqlite3_errmsg(db)))")
        return sqlite3_column_text(statement, 0).map { String(cString: $0) }
    }

    @Test func insertSelectAndWAL() throws {
        var db: OpaquePointer?
        try #require(sqlite3_open(":memory:", &db) == SQLITE_OK)
        let memory = try #require(db)
        defer { sqlite3_close_v2(memory) }
        try #require(
            sqlite3_exec(memory, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)", nil, nil, nil)
                == SQLITE_OK)

        var insert: OpaquePointer?
        try #require(sqlite3_prepare_v2(memory, "INSERT INTO t (name) VALUES (?1)", -1, &insert, nil) == SQLITE_OK)
        let names = ["Ponta Delgada", "Povoação", "naïve ☃"]
        for name in names {
            // A temporary Swift string: SQLITE_TRANSIENT makes SQLite copy it before bind returns.
            #expect(sqlite3_bind_text(insert, 1, name, -1, statml_sqlite_transient()) == SQLITE_OK)
            #expect(sqlite3_step(insert) == SQLITE_DONE, "\(String(cString: sqlite3_errmsg(memory)))")
            sqlite3_reset(insert)
        }
        sqlite3_finalize(insert)
        #expect(sqlite3_last_insert_rowid(memory) == 3)

        var select: OpaquePointer?
        try #require(sqlite3_prepare_v2(memory, "SELECT id, name FROM t ORDER BY id", -1, &select, nil) == SQLITE_OK)
        var rows: [(Int64, String)] = []
        while sqlite3_step(select) == SQLITE_ROW {
            rows.append((sqlite3_column_int64(select, 0), String(cString: sqlite3_column_text(select, 1))))
        }
        sqlite3_finalize(select)
        #expect(rows.map(\.0) == [1, 2, 3])
        #expect(rows.map(\.1) == names)
        #expect(
            try scalarText(memory, "SELECT count(*) || ':' || group_concat(name, '|') FROM t")
                == "3:Ponta Delgada|Povoação|naïve ☃")

        // An in-memory database cannot use a write-ahead log: SQLite answers "memory".
        #expect(try scalarText(memory, "PRAGMA journal_mode=WAL") == "memory")

        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var fileDB: OpaquePointer?
        let path = directory.appendingPathComponent("wal.sqlite").path
        try #require(sqlite3_open_v2(path, &fileDB, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK)
        let file = try #require(fileDB)
        defer { sqlite3_close_v2(file) }
        #expect(try scalarText(file, "PRAGMA journal_mode=WAL") == "wal")
        #expect(try scalarText(file, "PRAGMA journal_mode") == "wal")

        var bad: OpaquePointer?
        #expect(sqlite3_prepare_v2(file, "SELEC 1", -1, &bad, nil) == SQLITE_ERROR)
        #expect(String(cString: sqlite3_errmsg(file)).contains("syntax error"))
    }
}
