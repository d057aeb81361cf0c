import StatMLCore
import Testing

@Suite("JSON parsing and serialising")
struct JSONParsingTests {
    // MARK: Values

    @Test func scalarsArraysAndObjects() throws {
        #expect(try JSONValue.parse("null") == .null)
        #expect(try JSONValue.parse(" true ") == .bool(true))
        #expect(try JSONValue.parse("false") == .bool(false))
        #expect(try JSONValue.parse("[1, -2.5e3, \"x\", []]") == [1, -2500.0, "x", []])
        let object = try JSONValue.parse("{\"a\": {\"b\": [null, {}]}, \"c\": 0.1}")
        #expect(object["a"]?["b"]?[0] == .null)
        #expect(object["a"]?["b"]?[1] == .object(JSONObject()))
        #expect(object["c"] == .number(0.1))
        #expect(object.objectValue?.keys == ["a", "c"])
    }

    @Test func numbers() throws {
        #expect(try JSONValue.parse("-0").doubleValue?.sign == .minus)
        #expect(try JSONValue.parse("1E2") == 100)
        #expect(try JSONValue.parse("1e-2") == 0.01)
        #expect(try JSONValue.parse("123456789012345678901234567890") == .number(1.2345678901234568e29))
        #expect(try JSONValue.parse("2.2250738585072014e-308") == .number(2.2250738585072014e-308))
        #expect(try JSONValue.parse("1e-400") == 0)  // underflow is fine; overflow is not (below)
    }

    @Test func stringEscapesAndUnicode() throws {
        let parsed = try JSONValue.parse(#""\u00e9\uD83D\uDE00\n\t\"\\\/\b\f\r\u0000""#)
        #expect(parsed == .string("é😀\n\t\"\\/\u{8}\u{C}\r\u{0}"))
        #expect(try JSONValue.parse("\"Zürich 漢字 😀\"") == "Zürich 漢字 😀")
        #expect(try JSONValue.parse(#""a\u0041b""#) == "aAb")
    }

    @Test func duplicateKeysLastValueWinsAtTheFirstPosition() throws {
        let object = try JSONValue.parse(#"{"a": 1, "b": 2, "a": 3}"#).objectValue
        #expect(object?.keys == ["a", "b"])
        #expect(object?["a"] == 3)
        #expect(object?["b"] == 2)
    }

    @Test func byteOrderMarkIsIgnored() throws {
        #expect(try JSONValue.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)) == [1])
    }

    @Test func depthLimit() throws {
        let deepest = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(throws: Never.self) { try JSONValue.parse(deepest) }
        // 100,000 levels: an error, not a stack overflow.
        let tooDeep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = jsonError(tooDeep)
        #expect(error?.message == "arrays and objects nested deeper than 512 levels")
        #expect(error?.location?.column == 513)
        #expect(jsonError(String(repeating: "{\"a\":", count: 600) + "1" + String(repeating: "}", count: 600)) != nil)
    }

    // MARK: Errors, each with its exact place

    func jsonError(_ text: String, name: String? = nil, line: Int = 1) -> StatMLError? {
        jsonError(Array(text.utf8), name: name, line: line)
    }

    func jsonError(_ bytes: [UInt8], name: String? = nil, line: Int = 1) -> StatMLError? {
        do {
            _ = try JSONValue.parse(bytes, name: name, line: line)
            return nil
        } catch let error as StatMLError {
            return error
        } catch {
            return nil
        }
    }

    @Test(arguments: [
        ("", 1, 1, "empty input"),
        ("   ", 1, 4, "empty input"),
        (#"{"a":1,}"#, 1, 8, "trailing comma before '}'"),
        ("[1,2,]", 1, 6, "trailing comma before ']'"),
        ("[NaN]", 1, 2, "unexpected 'N', expected a value"),
        ("Infinity", 1, 1, "unexpected 'I', expected a value"),
        ("-Infinity", 1, 2, "invalid number: expected a digit"),
        ("01", 1, 2, "leading zeros are not allowed"),
        ("-", 1, 2, "invalid number: expected a digit"),
        ("1.", 1, 3, "expected a digit after '.'"),
        (".5", 1, 1, "unexpected '.', expected a value"),
        ("+1", 1, 1, "unexpected '+'"),
        ("1e", 1, 3, "expected a digit in the exponent"),
        ("1e400", 1, 1, "number out of range"),
        ("[-1e309]", 1, 2, "number out of range"),
        (#""\ud800""#, 1, 2, "lone high surrogate \\uD800"),
        (#""\udc00""#, 1, 2, "lone low surrogate \\uDC00"),
        (#""\ud800\u0041""#, 1, 2, "lone high surrogate"),
        (#""\ud800\n""#, 1, 2, "lone high surrogate"),
        ("\"a\tb\"", 1, 3, "control character (0x9) inside a string"),
        ("\"a\nb\"", 1, 3, "control character (0xA) inside a string"),
        (#""\x""#, 1, 2, "invalid escape sequence \\x"),
        (#""\u12G4""#, 1, 2, "expected 4 hexadecimal digits"),
        (#""abc"#, 1, 1, "unterminated string"),
        (#""abc\"#, 1, 5, "unterminated escape sequence"),
        ("[1] x", 1, 5, "unexpected 'x' after the JSON value"),
        ("[1] [2]", 1, 5, "after the JSON value"),
        (#"{"a" 1}"#, 1, 6, "expected ':' after an object key"),
        ("{1:2}", 1, 2, "expected a string key"),
        ("{,}", 1, 2, "expected a string key"),
        ("'x'", 1, 1, "unexpected '''"),
        ("[1 2]", 1, 4, "expected ',' or ']'"),
        (#"{"a":1 "b":2}"#, 1, 8, "expected ',' or '}'"),
        ("[1,", 1, 4, "unexpected end of input"),
        ("nul", 1, 1, "invalid literal, expected null"),
        ("truex", 1, 5, "unexpected 'x' after the JSON value"),
        ("/* c */ 1", 1, 1, "unexpected '/'"),
        ("{\n  \"a\": 1,\n  \"b\": tru\n}", 3, 8, "invalid literal, expected true"),
        ("[\"é\", é]", 1, 7, "unexpected 'é', expected a value"),
    ])
    func errorClasses(text: String, line: Int, column: Int, fragment: String) {
        guard let error = jsonError(text, name: "x.json") else {
            Issue.record("expected an error for \(text.debugDescription)")
            return
        }
        #expect(error.code == .invalidInput)
        #expect(error.location == .init(file: "x.json", line: line, column: column), "\(text.debugDescription)")
        #expect(error.message.contains(fragment), "\(text.debugDescription): \(error.message)")
    }

    @Test func invalidUTF8() {
        let error = jsonError([0x22, 0x61, 0xFF, 0x22])
        #expect(error?.message == "invalid UTF-8 (0xFF)")
        #expect(error?.location?.column == 3)
        #expect(jsonError([0x22, 0xED, 0xA0, 0x80, 0x22])?.message == "invalid UTF-8 (0xED 0xA0)")
        #expect(jsonError([0x22, 0xC3])?.message == "invalid UTF-8 (0xC3)")
    }

    /// Swift's own UTF-8 validation as the oracle for strings (control characters aside).
    @Test func utf8ValidationAgreesWithSwift() {
        let interesting: [UInt8] = [0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xF4, 0xFF]
        var disagreements: [[UInt8]] = []
        var count = 0
        for lead in UInt8(0x80)...UInt8(0xFF) {
            for b1 in interesting {
                for b2 in interesting {
                    for b3 in [UInt8(0x41), 0x80, 0xBF] {
                        let sequence = [lead, b1, b2, b3]
                        count += 1
                        let swiftAccepts = String(validating: sequence, as: UTF8.self) != nil
                        let jsonAccepts = (try? JSONValue.parse([0x22] + sequence + [0x22])) != nil
                        if swiftAccepts != jsonAccepts { disagreements.append(sequence) }
                    }
                }
            }
        }
        #expect(count > 50_000)
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
    }

    @Test func lineParameterShiftsReportedLines() {
        let error = jsonError("[1,\n]", name: "f.jsonl", line: 7)
        #expect(error?.location == .init(file: "f.jsonl", line: 8, column: 1))
        #expect(error?.description == "f.jsonl, line 8, column 1: trailing comma before ']'")
    }

    // MARK: Serialising

    @Test func numbersPrintShortest() {
        #expect(JSONValue.number(3).serialized() == "3")
        #expect(JSONValue.number(-42).serialized() == "-42")
        #expect(JSONValue.number(3.5).serialized() == "3.5")
        #expect(JSONValue.number(-0.0).serialized() == "-0")
        #expect(JSONValue.number(0).serialized() == "0")
        #expect(JSONValue.number(0.1).serialized() == "0.1")
        #expect(JSONValue.number(9_007_199_254_740_991).serialized() == "9007199254740991")
        // 2^53: Swift's shortest form
        #expect(JSONValue.number(9_007_199_254_740_992).serialized() == "9007199254740992.0")
        #expect(JSONValue.number(1e20).serialized() == "1e+20")
        #expect(JSONValue.number(1e-7).serialized() == "1e-07")
        #expect(JSONValue.number(.nan).serialized() == "null")
        #expect(JSONValue.number(.infinity).serialized() == "null")
        #expect(JSONValue.number(-.infinity).serialized() == "null")
    }

    @Test func stringsEscapeQuotesBackslashesAndControlCharacters() {
        let value = JSONValue.string("a\"b\\c\n\r\t\u{8}\u{C}\u{1}\u{1F}\u{7F}é/")
        #expect(value.serialized() == #""a\"b\\c\n\r\t\b\f\u0001\u001f"# + "\u{7F}é/\"")
    }

    @Test func compactAndPretty() {
        let value: JSONValue = ["a": 1, "b": [1, "x"], "c": [:], "d": [], "e": ["f": nil]]
        #expect(value.serialized() == #"{"a":1,"b":[1,"x"],"c":{},"d":[],"e":{"f":null}}"#)
        #expect(
            value.serialized(pretty: true)
                == "{\n  \"a\": 1,\n  \"b\": [\n    1,\n    \"x\"\n  ],\n  \"c\": {},\n  \"d\": [],\n  \"e\": {\n    \"f\": null\n  }\n}"
        )
    }

    static func randomValue(_ rng: inout IOTestRandom, depth: Int = 0) -> JSONValue {
        let pieces = ["a", "é", "😀", "\"", "\\", "\n", "\u{0}", "\u{1F}", " ", "/", "\u{2028}", "漢"]
        switch Int.random(in: 0..<(depth > 4 ? 5 : 7), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2:
            let bits = rng.next()
            let x = Double(bitPattern: bits)
            return .number(x.isFinite ? x : Double(Int64(truncatingIfNeeded: bits) >> 11))
        case 3: return .number(Double(Int.random(in: -1_000_000...1_000_000, using: &rng)) / 8)
        case 4:
            return .string(
                (0..<Int.random(in: 0...8, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined())
        case 5: return .array((0..<Int.random(in: 0...5, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var object = JSONObject()
            for _ in 0..<Int.random(in: 0...5, using: &rng) {
                object[pieces.randomElement(using: &rng)! + String(Int.random(in: 0..<20, using: &rng))] = randomValue(
                    &rng, depth: depth + 1)
            }
            return .object(object)
        }
    }

    @Test func randomValuesRoundTrip() throws {
        var rng = IOTestRandom(seed: 5)
        for _ in 0..<3000 {
            let value = Self.randomValue(&rng)
            for pretty in [false, true] {
                let text = value.serialized(pretty: pretty)
                let back = try JSONValue.parse(text)
                #expect(back == value, "\(text)")
                #expect(back.serialized(pretty: pretty) == text)
                // Keys keep their order.
                #expect(back.objectValue?.keys == value.objectValue?.keys)
            }
        }
    }
}
