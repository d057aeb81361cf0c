import CPostgreSQL
import Foundation
import Testing

@Suite("CLibraries: libpq")
struct PostgreSQLTests {
    @Test func versionParseAndRefusedConnection() throws {
        #expect(PQlibVersion() >= 150_000, "libpq \(PQlibVersion())")

        var parseError: UnsafeMutablePointer<CChar>?
        let options = try #require(
            PQconninfoParse("postgresql://alice@db.example.org:6543/statml?sslmode=disable", &parseError))
        defer { PQconninfoFree(options) }
        var values: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { values[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        #expect(values["host"] == "db.example.org")
        #expect(values["port"] == "6543")
        #expect(values["dbname"] == "statml")
        #expect(values["user"] == "alice")
        #expect(values["sslmode"] == "disable")

        var badError: UnsafeMutablePointer<CChar>?
        #expect(PQconninfoParse("host=a port", &badError) == nil)
        #expect(badError.map { String(cString: $0) }?.isEmpty == false)
        PQfreemem(badError)

        // A port that is bound but not listening refuses connections, so no server is needed.
        let fd = makeTCPSocket()
        try #require(fd >= 0)
        defer { close(fd) }
        let port = bindWithoutListening(fd)
        try #require(port != 0)

        let connection = try #require(
            PQconnectdb("host=127.0.0.1 port=\(port) dbname=statml user=statml connect_timeout=5"))
        defer { PQfinish(connection) }
        #expect(PQstatus(connection) == CONNECTION_BAD)
        let message = String(cString: PQerrorMessage(connection))
        #expect(!message.isEmpty)
        #expect(message.contains("\(port)"), "\(message)")
    }
}
