import StatMLCore
import Testing

@testable import Server

@Suite("Server: the one-pass reader of POST /v1/code bodies")
struct CodeRequestScannerTests {
    /// The scanner's request, after checking that the JSON tree reads the body the same way.
    func scanned(_ body: String, maxRecords: Int = 10_000) -> CodeRequest? {
        let bytes = Array(body.utf8)
        let scanned = CodeRequest.scanCommonShape(bytes, maxRecords: maxRecords)
        if let scanned {
            #expect((try? CodeRequest.parseJSONTree(bytes, maxRecords: maxRecords)) == scanned, "\(body)")
        }
        return scanned
    }

    @Test func readsTheUsualShapesAsTheJSONTreeDoes() throws {
        let batch = try #require(scanned(#"{"records":[{"id":"a","text":"mleko"},{"text":"chleb"}],"candidates":3}"#))
        #expect(batch.records == [.init(id: "a", text: "mleko"), .init(id: "2", text: "chleb")])
        #expect(batch.candidates == 3)
        let single = try #require(scanned(#" { "text" : "ser żółty" , "id" : 42 } "#))
        #expect(single.records == [.init(id: "42", text: "ser żółty")] && single.candidates == 0)
        #expect(try #require(scanned(#"{"candidates":0,"text":"x"}"#)).records == [.init(id: "1", text: "x")])
        #expect(try #require(scanned("{\"records\":[\n\t{\"text\":\"x\",\"id\":-7}\r\n]}")).records[0].id == "-7")
        #expect(try #require(scanned(#"{"text":"x","id":999999999999999}"#)).records[0].id == "999999999999999")
    }

    @Test func decodesEscapesAndChecksUTF8() throws {
        let text = try #require(scanned(#"{"text":"a\"b\\c\/d\b\f\n\r\t\u00e9\u017C\ud83d\ude00"}"#)).records[0].text
        #expect(text == "a\"b\\c/d\u{08}\u{0C}\n\r\té\u{17C}😀")
        // A lone surrogate, a bad escape, a raw control character, invalid UTF-8: the tree's error.
        for body in [#"{"text":"\ud83d"}"#, #"{"text":"\ude00x"}"#, #"{"text":"\x"}"#, "{\"text\":\"a\u{01}\"}"] {
            #expect(scanned(body) == nil, "\(body)")
            #expect(throws: StatMLError.self) { try CodeRequest.parse(Array(body.utf8), maxRecords: 10) }
        }
        var invalid = Array(#"{"text":"ab"}"#.utf8)
        invalid[10] = 0xC3  // a lead byte followed by 'b'
        #expect(CodeRequest.scanCommonShape(invalid, maxRecords: 10) == nil)
        #expect(throws: StatMLError.self) { try CodeRequest.parse(invalid, maxRecords: 10) }
    }

    @Test func leavesEverythingElseToTheJSONTree() throws {
        for body in [
            #"{"text":"x","text":"y"}"#,  // repeated field: the tree keeps the last
            #"{"text":"x","id":null}"#, #"{"records":null,"text":"x"}"#,  // null means absent there
            #"{"text":"x","id":1.0}"#, #"{"text":"x","id":1e3}"#, #"{"text":"x","id":-0}"#,
            #"{"text":"x","id":1234567890123456}"#, #"{"text":"x","candidates":2.0}"#,
            #"{"text":"x","candidates":11}"#, #"{"records":[],"candidates":1}"#,
            #"{"records":[{"text":"x"}],"id":"1"}"#, #"{"records":[{"text":"x","extra":1}]}"#,
            #"{"te\u0078t":"x"}"#, "\u{FEFF}{\"text\":\"x\"}", #"{"text":"x"} x"#, #"{"text":"x",}"#,
            #"{"records":[{"text":"x"},]}"#, #"{"id":"1"}"#, "{}", "[]", "",
        ] {
            #expect(scanned(body) == nil, "\(body)")
        }
        // Too many records: the tree parser's 413 error, not a scan.
        #expect(scanned(#"{"records":[{"text":"a"},{"text":"b"}]}"#, maxRecords: 1) == nil)
        #expect(throws: CodeRequest.TooManyRecords.self) {
            try CodeRequest.parse(Array(#"{"records":[{"text":"a"},{"text":"b"}]}"#.utf8), maxRecords: 1)
        }
        // What the tree accepts in those shapes is still accepted by `parse`.
        #expect(
            try CodeRequest.parse(Array(#"{"text":"x","text":"y","id":1.0}"#.utf8), maxRecords: 1).records
                == [.init(id: "1", text: "y")])
        let error = #expect(throws: StatMLError.self) {
            try CodeRequest.parse(Array(#"{"records":[{"id":"1","text":5}]}"#.utf8), maxRecords: 10)
        }
        #expect(error?.message.contains("records[0].text: expected a string, found a number") == true)
    }
}
