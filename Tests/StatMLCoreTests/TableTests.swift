import Glibc
import Testing

@testable import StatMLCore

@Suite("Table: typed columns, selection, reading and writing")
struct TableTests {
    func temporaryFile(_ name: String, _ contents: String) throws -> String {
        let dir = "/tmp/statml-table-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        mkdir(dir, 0o755)
        let path = "\(dir)/\(name)"
        let sink = try ByteSink(path: path)
        try sink.write(contents)
        try sink.close()
        return path
    }

    @Test func readsAndTypesEveryColumn() throws {
        let path = try temporaryFile(
            "t.csv", "id;price;day;ok;name\n1;3,5;2024-01-02;true;a\n2;NA;2024-01-03;false;\"b;c\"\n")
        let table = try Table.read(path: path)
        #expect(table.rowCount == 2)
        #expect(table.columns.map(\.type) == [.integer, .number, .date, .boolean, .string])
        #expect(try table.column(named: "price").data == .number([3.5, nil]))
        #expect(try table.column(named: "name").data == .string(["a", "b;c"]))
        #expect(try table.column(named: "day")[1] == .date(CivilDate(year: 2024, month: 1, day: 3)!))
        #expect(table[0, 0] == .integer(1))
    }

    @Test func unknownColumnListsColumnsAndSuggests() throws {
        let table = try Table(columns: [
            Column(name: "price", data: .number([1])), Column(name: "qty", data: .integer([2])),
        ])
        do {
            _ = try table.column(named: "prices")
            Issue.record("expected an error")
        } catch let error as StatMLError {
            #expect(error.code == .notFound)
            #expect(error.message.contains("did you mean 'price'"))
            #expect(error.message.contains("columns are: price, qty"))
        }
        #expect(try table.selecting(["qty", "price"]).columnNames == ["qty", "price"])
    }

    @Test func constructionChecksLengthsAndNames() {
        #expect(throws: StatMLError.self) {
            try Table(columns: [Column(name: "a", data: .number([1])), Column(name: "b", data: .integer([1, 2]))])
        }
        #expect(throws: StatMLError.self) {
            try Table(columns: [Column(name: "a", data: .number([1])), Column(name: "a", data: .integer([1]))])
        }
    }

    @Test func schemaOverridesInferenceAndReportsTheBadField() throws {
        let path = try temporaryFile("s.csv", "code,value\n011,1\n012,x\n")
        var options = TableReadOptions()
        options.schema = ["code": .string]
        options.csv.delimiter = UInt8(ascii: ",")
        let table = try Table.read(path: path, options: options)
        #expect(try table.column(named: "code").data == .string(["011", "012"]))
        options.schema["value"] = .integer
        do {
            _ = try Table.read(path: path, options: options)
            Issue.record("expected an error")
        } catch let error as StatMLError {
            #expect(error.location?.line == 3)
            #expect(error.location?.column == 5)
            #expect(error.message.contains("'value'"))
        }
    }

    @Test func categoricalLevelsAreSorted() throws {
        let c = Column(name: "g", data: .string(["b", nil, "a", "b"])).categorical()
        #expect(c.data == .categorical(levels: ["a", "b"], codes: [1, -1, 0, 1]))
        #expect(c[0] == .string("b") && c[1] == nil)
        #expect(c.missingCount == 1)
    }

    @Test func writeThenReadGivesTheSameTable() throws {
        let table = try Table(columns: [
            Column(name: "n", data: .number([1.5, nil, -2e-7])),
            Column(name: "i", data: .integer([1, 2, nil])),
            Column(name: "s", data: .string(["a,\"b\"", "line\nbreak", nil])),
            Column(name: "b", data: .boolean([true, nil, false])),
            Column(name: "d", data: .date([CivilDate(year: 1999, month: 12, day: 31), nil, nil])),
        ])
        for name in ["w.csv", "w.jsonl"] {
            let path = try temporaryFile(name, "")
            try table.write(path: path)
            #expect(try Table.read(path: path) == table, "\(name)")
        }
    }
}
