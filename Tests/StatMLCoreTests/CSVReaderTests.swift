import Glibc
import StatMLCore
import Testing

@Suite("CSVReader")
struct CSVReaderTests {
    typealias T = IOTestSupport

    // MARK: RFC 4180 basics

    @Test func simpleFileWithHeader() throws {
        let reader = try CSVReader(bytes: Array("a,b,c\n1,2,3\n4,5,6\n".utf8))
        #expect(reader.header == ["a", "b", "c"])
        #expect(reader.delimiter == UInt8(ascii: ","))
        #expect(!reader.hadByteOrderMark)
        #expect(try reader.nextRow() == ["1", "2", "3"])
        #expect(try reader.nextRow() == ["4", "5", "6"])
        #expect(try reader.nextRow() == nil)
        #expect(try reader.nextRow() == nil)
    }

    @Test func lastLineWithoutNewline() throws {
        #expect(try T.rows("a,b\n1,2\n3,4") == [["1", "2"], ["3", "4"]])
        #expect(try T.rows("a,b\n1,") == [["1", ""]])
    }

    @Test func crlfAndLoneCRLineEndings() throws {
        #expect(try T.rows("a,b\r\n1,2\r\n3,4\r\n") == [["1", "2"], ["3", "4"]])
        #expect(try T.rows("a,b\r1,2\r3,4\r") == [["1", "2"], ["3", "4"]])
        #expect(try T.rows("a,b\r\n1,2\n3,4\r5,6") == [["1", "2"], ["3", "4"], ["5", "6"]])
        var lines: [Int] = []
        let reader = try CSVReader(bytes: Array("a,b\r\n1,2\r3,4\n5,6\r\n".utf8))
        try reader.forEachRecord { lines.append($0.line) }
        #expect(lines == [2, 3, 4])
    }

    @Test func quotedFieldsHoldDelimitersQuotesAndNewlines() throws {
        let text = "name,quote,note\n\"Smith, J\",\"he said \"\"hi\"\"\",\"two\nlines\"\n\"\",\"\"\"\",x\n"
        let reader = try CSVReader(bytes: Array(text.utf8))
        var rows: [[String]] = []
        var quoted: [[Bool]] = []
        try reader.forEachRecord { r in
            rows.append((0..<r.count).map { r.string($0) })
            quoted.append((0..<r.count).map { r.isQuoted($0) })
        }
        #expect(rows == [["Smith, J", "he said \"hi\"", "two\nlines"], ["", "\"", "x"]])
        #expect(quoted == [[true, true, true], [true, true, false]])
    }

    @Test func quotedCRLFInsideFieldIsKeptVerbatim() throws {
        #expect(try T.rows("a,b\n\"x\r\ny\",2\r\n") == [["x\r\ny", "2"]])
    }

    @Test func withFieldGivesUnescapedBytes() throws {
        let reader = try CSVReader(bytes: Array("a,b\n\"x\"\"y\"\"\",plain\n".utf8))
        try reader.forEachRecord { r in
            #expect(r.withField(0) { Array($0) } == Array("x\"y\"".utf8))
            #expect(r.withField(1) { Array($0) } == Array("plain".utf8))
            // Nested access to two escaped/unescaped fields at once must not clobber either.
            r.withField(0) { outer in
                r.withField(1) { inner in
                    #expect(Array(outer) == Array("x\"y\"".utf8))
                    #expect(Array(inner) == Array("plain".utf8))
                }
            }
        }
    }

    @Test func emptyFieldsAndSpacesAreKept() throws {
        #expect(try T.rows("a,b,c\n,,\n x , y ,\n") == [["", "", ""], [" x ", " y ", ""]])
        #expect(try T.rows("a\n\" \"\n") == [[" "]])
    }

    @Test func lineNumbersFollowQuotedNewlines() throws {
        let text = "id,text\n1,\"a\nb\nc\"\n2,x\n3,\"\r\n\"\n4,y\n"
        let reader = try CSVReader(bytes: Array(text.utf8))
        var lines: [Int] = []
        var indices: [Int] = []
        try reader.forEachRecord { r in
            lines.append(r.line)
            indices.append(r.index)
        }
        #expect(lines == [2, 5, 6, 8])
        #expect(indices == [0, 1, 2, 3])
    }

    @Test func blankLinesAreSkippedButCountAsLines() throws {
        let text = "a,b\n\n1,2\n\n\r\n3,4\n\n\n"
        let reader = try CSVReader(bytes: Array(text.utf8))
        var rows: [[String]] = []
        var lines: [Int] = []
        try reader.forEachRecord { r in
            rows.append([r.string(0), r.string(1)])
            lines.append(r.line)
        }
        #expect(rows == [["1", "2"], ["3", "4"]])
        #expect(lines == [3, 6])
        // Blank lines before the header too.
        #expect(try CSVReader(bytes: Array("\n\nx,y\n1,2\n".utf8)).header == ["x", "y"])
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let reader = try CSVReader(bytes: [0xEF, 0xBB, 0xBF] + Array("id,v\n1,2\n".utf8))
        #expect(reader.hadByteOrderMark)
        #expect(reader.header == ["id", "v"])
        #expect(try reader.nextRow() == ["1", "2"])
        // A BOM-only file is empty.
        let error = T.csvError([0xEF, 0xBB, 0xBF])
        #expect(error?.message == "t.csv is empty")
    }

    @Test func headerOnlyFileHasNoRows() throws {
        let reader = try CSVReader(bytes: Array("a,b,c\n".utf8))
        #expect(reader.header == ["a", "b", "c"])
        #expect(try reader.nextRow() == nil)
        let noNewline = try CSVReader(bytes: Array("a,b,c".utf8))
        #expect(noNewline.header == ["a", "b", "c"])
        #expect(try noNewline.nextRow() == nil)
    }

    @Test func noHeaderNamesColumnsV1V2() throws {
        let reader = try CSVReader(bytes: Array("1,2,3\n4,5,6\n".utf8), options: CSVOptions(hasHeader: false))
        #expect(reader.header == ["V1", "V2", "V3"])
        var seen: [(Int, [String])] = []
        try reader.forEachRecord { r in seen.append((r.index, (0..<r.count).map { r.string($0) })) }
        #expect(seen.map(\.0) == [0, 1])
        #expect(seen.map(\.1) == [["1", "2", "3"], ["4", "5", "6"]])
    }

    @Test func nextRowAndForEachRecordShareTheStream() throws {
        let reader = try CSVReader(bytes: Array("a\n1\n2\n3\n".utf8))
        #expect(try reader.nextRow() == ["1"])
        var rest: [String] = []
        var indices: [Int] = []
        try reader.forEachRecord { r in
            rest.append(r.string(0))
            indices.append(r.index)
        }
        #expect(rest == ["2", "3"])
        #expect(indices == [1, 2])
    }

    @Test func customQuoteCharacter() throws {
        let options = CSVOptions(delimiter: UInt8(ascii: ","), quote: UInt8(ascii: "'"))
        #expect(try T.rows("a,b\n'x,y','it''s'\n", options) == [["x,y", "it's"]])
    }

    // MARK: Delimiter detection

    @Test(arguments: [
        ("a,b,c\n1,2,3\n", UInt8(ascii: ",")),
        ("a;b;c\n1;2;3\n", UInt8(ascii: ";")),
        ("a\tb\tc\n1\t2\t3\n", UInt8(ascii: "\t")),
        ("a|b|c\n1|2|3\n", UInt8(ascii: "|")),
        // Decimal commas: the comma count varies from line to line, the semicolon's does not.
        ("price;qty\n1,5;2\n10,25;3,5\n", UInt8(ascii: ";")),
        // Commas inside quotes do not count.
        ("\"a,x\";b\n\"1,2,3\";4\n", UInt8(ascii: ";")),
        // A tab in a quoted multi-line field does not count either.
        ("x|y\n\"p\tq\nr\"|2\n", UInt8(ascii: "|")),
        // One column: nothing to detect, the default is a comma.
        ("value\n1\n2\n", UInt8(ascii: ",")),
        // Both consistent: the more frequent wins.
        ("a,b,c;d\n1,2,3;4\n", UInt8(ascii: ",")),
    ])
    func detectsDelimiter(text: String, expected: UInt8) throws {
        let reader = try CSVReader(bytes: Array(text.utf8))
        #expect(reader.delimiter == expected)
    }

    @Test func detectedSemicolonFileReadsCorrectly() throws {
        let reader = try CSVReader(bytes: Array("price;qty\n1,5;2\n10,25;3,5\n".utf8))
        #expect(reader.header == ["price", "qty"])
        #expect(try reader.nextRow() == ["1,5", "2"])
        #expect(try reader.nextRow() == ["10,25", "3,5"])
    }

    @Test func givenDelimiterIsUsedAsIs() throws {
        let reader = try CSVReader(
            bytes: Array("a;b,c\n1;2,3\n".utf8), options: CSVOptions(delimiter: UInt8(ascii: ",")))
        #expect(reader.header == ["a;b", "c"])
        #expect(try reader.nextRow() == ["1;2", "3"])
    }

    @Test func invalidOptionsAreUsageErrors() {
        for options in [
            CSVOptions(delimiter: UInt8(ascii: "\"")), CSVOptions(delimiter: 0x0A), CSVOptions(delimiter: 0xC3),
            CSVOptions(quote: 0x0D), CSVOptions(maxFieldBytes: 0),
        ] {
            #expect(throws: StatMLError.self) { try CSVReader(bytes: Array("a\n".utf8), options: options) }
        }
    }

    // MARK: Errors with exact locations

    func expectError(
        _ text: String, line: Int, column: Int, contains fragment: String, options: CSVOptions = CSVOptions(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        expectError(
            Array(text.utf8), line: line, column: column, contains: fragment, options: options,
            sourceLocation: sourceLocation)
    }

    func expectError(
        _ bytes: [UInt8], line: Int, column: Int, contains fragment: String, options: CSVOptions = CSVOptions(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let error = T.csvError(bytes, options) else {
            Issue.record("expected an error containing '\(fragment)'", sourceLocation: sourceLocation)
            return
        }
        #expect(error.code == .invalidInput, sourceLocation: sourceLocation)
        #expect(error.location == .init(file: "t.csv", line: line, column: column), sourceLocation: sourceLocation)
        #expect(error.message.contains(fragment), "message: \(error.message)", sourceLocation: sourceLocation)
    }

    @Test func unterminatedQuoteReportsWhereItOpened() {
        expectError("a,b\n1,2\n3,\"abc\n4,5\n6,7\n", line: 3, column: 3, contains: "unterminated quoted field")
        expectError("a,b\n\"x", line: 2, column: 1, contains: "unterminated quoted field")
        // Opened after a multi-line quoted field on the same record: line 3, not the record's line 2.
        expectError("a,b\n\"p\nq\",\"r", line: 3, column: 4, contains: "unterminated quoted field")
    }

    @Test func quoteInsideUnquotedField() {
        expectError("a,b\n1,x\"y\n", line: 2, column: 4, contains: "quote character inside an unquoted field")
        expectError("a,b\n1,2\nab\"\"c,3\n", line: 3, column: 3, contains: "quote character inside an unquoted field")
    }

    @Test func textAfterClosingQuote() {
        expectError("a,b\n\"abc\"x,2\n", line: 2, column: 6, contains: "unexpected 'x' after the closing quote")
        expectError("a,b\n1,\"abc\" \n", line: 2, column: 8, contains: "unexpected a space after the closing quote")
        // Columns count characters, not bytes: "é" is one column.
        expectError("a,b\né,\"ü\"z\n", line: 2, column: 6, contains: "unexpected 'z'")
    }

    @Test func raggedRows() {
        expectError(
            "a,b,c,d,e\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4,5,6\n",
            line: 7, column: 11, contains: "expected 5 fields (as in the header), found 6")
        expectError("a,b,c\n1,2\n", line: 2, column: 4, contains: "expected 3 fields (as in the header), found 2")
        expectError("a,b\n\"x\ny\",2,3\n", line: 3, column: 6, contains: "found 3")
        expectError(
            "1,2\n3\n", line: 2, column: 2, contains: "expected 2 fields (as in the first row), found 1",
            options: CSVOptions(hasHeader: false))
    }

    @Test func raggedRowsAllowedWhenAsked() throws {
        let rows = try T.rows("a,b,c\n1,2\n1,2,3,4\n", CSVOptions(allowRaggedRows: true))
        #expect(rows == [["1", "2"], ["1", "2", "3", "4"]])
    }

    @Test func invalidUTF8ReportsTheBadByte() {
        expectError(
            [UInt8]("a,b\n1,caf".utf8) + [0xC3, 0x28] + [0x0A], line: 2, column: 6,
            contains: "invalid UTF-8 (0xC3 0x28)")
        expectError(
            [UInt8]("a,b\n1,2\nxé,".utf8) + [0xFF] + [0x0A], line: 3, column: 4, contains: "invalid UTF-8 (0xFF)")
        // Overlong encoding of '/', a UTF-16 surrogate, a code point above U+10FFFF.
        expectError([UInt8]("a\n".utf8) + [0xC0, 0xAF], line: 2, column: 1, contains: "invalid UTF-8 (0xC0)")
        expectError(
            [UInt8]("a\n".utf8) + [0xED, 0xA0, 0x80], line: 2, column: 1, contains: "invalid UTF-8 (0xED 0xA0)")
        expectError(
            [UInt8]("a\n".utf8) + [0xF4, 0x90, 0x80, 0x80], line: 2, column: 1, contains: "invalid UTF-8 (0xF4 0x90)")
        // A sequence cut off by the end of the file, and a stray continuation byte inside quotes.
        expectError([UInt8]("a\nxy".utf8) + [0xE2, 0x82], line: 2, column: 3, contains: "invalid UTF-8 (0xE2 0x82)")
        expectError([UInt8]("a\n\"q\nr".utf8) + [0x80, 0x22], line: 3, column: 2, contains: "invalid UTF-8 (0x80)")
        // In the header.
        expectError([0x61, 0xFE, 0x0A], line: 1, column: 2, contains: "invalid UTF-8 (0xFE)")
    }

    /// Swift's own UTF-8 validation as the oracle, over every lead byte ≥ 0xC0 followed by one to
    /// three bytes from the boundaries of the continuation ranges (overlongs, surrogates, > U+10FFFF).
    @Test func utf8ValidationAgreesWithSwift() {
        let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xF4, 0xFF]
        var sequences: [[UInt8]] = []
        for lead in UInt8(0x80)...UInt8(0xFF) {
            for b1 in interesting {
                sequences.append([lead, b1])
                for b2 in interesting {
                    sequences.append([lead, b1, b2])
                    for b3 in [UInt8(0x41), 0x80, 0xBF, 0xC0] { sequences.append([lead, b1, b2, b3]) }
                }
            }
        }
        var disagreements: [[UInt8]] = []
        for sequence in sequences {
            let swiftAccepts = String(validating: sequence, as: UTF8.self) != nil
            let csvAccepts = T.csvError(Array("x\n".utf8) + sequence + [0x0A], CSVOptions(delimiter: 0x2C)) == nil
            if swiftAccepts != csvAccepts { disagreements.append(sequence) }
        }
        #expect(sequences.count > 100_000)
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
    }

    @Test func validMultibyteUTF8IsAccepted() throws {
        #expect(try T.rows("名前,ville\n山田,Zürich\n\"😀,x\",€\n") == [["山田", "Zürich"], ["😀,x", "€"]])
    }

    @Test func fieldTooLong() throws {
        let options = CSVOptions(maxFieldBytes: 10)
        #expect(try T.rows("a,b\n1234567890,\"abcdefghij\"\n", options) == [["1234567890", "abcdefghij"]])
        expectError(
            "a,b\n1,12345678901\n", line: 2, column: 3, contains: "field longer than 10 bytes", options: options)
        expectError(
            "a,b\n1,\"12345\n678901\"\n", line: 2, column: 3, contains: "is the quote that opens it never closed",
            options: options)
    }

    @Test func emptyInputIsAnError() {
        for text in ["", "\n", "\r\n\n"] {
            let error = T.csvError(text)
            #expect(error?.code == .invalidInput)
            #expect(error?.message == "t.csv is empty")
        }
    }

    // MARK: Record accessors

    @Test func columnOfFieldCountsCharacters() throws {
        let reader = try CSVReader(bytes: Array("a,b,c\nxé,\"q\nrr\",😀z\n".utf8))
        try reader.forEachRecord { r in
            #expect(r.column(ofField: 0) == 1)
            #expect(r.column(ofField: 1) == 4)  // the opening quote
            #expect(r.column(ofField: 2) == 5)  // after `rr",` on the second physical line
        }
    }

    @Test func doubleAccessor() throws {
        let text = "a,b,c,d,e,f,g,h\n1.5, -2e3 ,,abc,\"7.25\",1e400,-0,0x10\n"
        let reader = try CSVReader(bytes: Array(text.utf8))
        try reader.forEachRecord { r in
            #expect(r.double(0) == 1.5)
            #expect(r.double(1) == -2000)
            #expect(r.double(2) == nil)
            #expect(r.double(3) == nil)
            #expect(r.double(4) == 7.25)
            #expect(r.double(5) == .infinity)
            #expect(r.double(6) == 0 && r.double(6)!.sign == .minus)
            #expect(r.double(7) == nil)
        }
    }

    // MARK: Files, pipes and buffer boundaries

    @Test func missingFileIsNotFound() {
        do {
            _ = try CSVReader(path: "/nonexistent/dir/data.csv")
            Issue.record("expected an error")
        } catch let error as StatMLError {
            #expect(error.code == .notFound)
            #expect(error.message.contains("/nonexistent/dir/data.csv"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func emptyFileOnDiskNamesThePath() throws {
        let dir = T.makeTemporaryDirectory()
        defer { T.removeDirectory(dir) }
        T.writeFile(dir + "/empty.csv", [])
        do {
            _ = try CSVReader(path: dir + "/empty.csv")
            Issue.record("expected an error")
        } catch let error as StatMLError {
            #expect(error.code == .invalidInput)
            #expect(error.message == "\(dir)/empty.csv is empty")
        }
    }

    /// A nasty file of several MiB, so records, CRLFs, doubled quotes and multi-byte characters
    /// straddle the 1 MiB buffer boundaries; read from disk it must give what reading it whole from
    /// memory gives, with the same line numbers.
    @Test func streamingMatchesInMemoryAcrossBufferBoundaries() throws {
        var rng = IOTestRandom(seed: 42)
        let pieces = ["x", "é", "😀", ",", "\"", "\n", "\r\n", " ", "1.5", "abcdefgh", "漢字"]
        var bytes = Array("id,text,value,quoted\r\n".utf8)
        var expected: [[String]] = []
        var expectedLines: [Int] = []
        var line = 2
        var row = 0
        while bytes.count < 5 << 20 {
            var text = ""
            for _ in 0..<Int.random(in: 0...12, using: &rng) { text += pieces.randomElement(using: &rng)! }
            let value = String(Double(Int.random(in: -100_000...100_000, using: &rng)) / 100)
            let plain = String(repeating: "p", count: Int.random(in: 0...30, using: &rng))
            let eol = row % 3 == 0 ? "\r\n" : "\n"
            bytes += Array("\(row),\"\(T.doubledQuotes(text))\",\(value),\(plain)\(eol)".utf8)
            expected.append(["\(row)", text, value, plain])
            expectedLines.append(line)
            line += text.utf8.filter { $0 == 0x0A }.count + 1
            row += 1
            if row % 1000 == 0 {
                bytes += Array("\n".utf8)  // blank lines here and there
                line += 1
            }
        }
        let dir = T.makeTemporaryDirectory()
        defer { T.removeDirectory(dir) }
        T.writeFile(dir + "/big.csv", bytes)

        func readAll(_ reader: CSVReader) throws -> ([[String]], [Int], Double) {
            var rows: [[String]] = []
            var lines: [Int] = []
            var sum = 0.0
            try reader.forEachRecord { r in
                rows.append((0..<r.count).map { r.string($0) })
                lines.append(r.line)
                sum += r.double(2) ?? .nan
            }
            return (rows, lines, sum)
        }
        let fromDisk = try readAll(CSVReader(path: dir + "/big.csv"))
        let fromMemory = try readAll(CSVReader(bytes: bytes))
        #expect(fromDisk.0 == expected)
        #expect(fromMemory.0 == expected)
        #expect(fromDisk.1 == fromMemory.1)
        #expect(fromDisk.2 == fromMemory.2)
        #expect(fromDisk.1 == expectedLines)
    }

    @Test func recordLongerThanTheBufferGrowsIt() throws {
        let long = String(repeating: "ab,\"\n", count: 700_000)  // 3.5 MB once quoted
        let text = "a,b\n1,\"\(T.doubledQuotes(long))\"\n2,short\n"
        let dir = T.makeTemporaryDirectory()
        defer { T.removeDirectory(dir) }
        T.writeFile(dir + "/long.csv", Array(text.utf8))
        let reader = try CSVReader(path: dir + "/long.csv")
        var rows: [[String]] = []
        var lines: [Int] = []
        try reader.forEachRecord { r in
            rows.append([r.string(0), r.string(1)])
            lines.append(r.line)
        }
        #expect(rows == [["1", long], ["2", "short"]])
        #expect(lines == [2, 700_003])
    }

    @Test func unterminatedQuoteInAFileLargerThanTheBuffer() throws {
        var text = "a,b\n1,2\n3,\"open\n"
        text += String(repeating: "4,5\n", count: 600_000)
        let dir = T.makeTemporaryDirectory()
        defer { T.removeDirectory(dir) }
        T.writeFile(dir + "/open.csv", Array(text.utf8))
        do {
            try CSVReader(path: dir + "/open.csv").forEachRecord { _ in }
            Issue.record("expected an error")
        } catch let error as StatMLError {
            #expect(error.location == .init(file: dir + "/open.csv", line: 3, column: 3))
            #expect(error.message.contains("unterminated"))
        }
        // With a small maxFieldBytes the reader gives up early instead of buffering the rest.
        do {
            try CSVReader(path: dir + "/open.csv", options: CSVOptions(maxFieldBytes: 1000)).forEachRecord { _ in }
            Issue.record("expected an error")
        } catch let error as StatMLError {
            #expect(error.location == .init(file: dir + "/open.csv", line: 3, column: 3))
            #expect(error.message.contains("longer than 1000 bytes"))
        }
    }

    /// A pipe delivers its data in short reads; the reader must put the pieces together.
    @Test(.enabled(if: IOTestSupport.pythonAvailable)) func readsFromAPipe() throws {
        let command = """
            python3 -c 'import sys,time
            w=sys.stdout
            w.write("n,s\\n")
            for i in range(200000):
                w.write("%d,\\"a,\\"\\"%d\\"\\"\\nb\\"\\n" % (i, i))
                if i % 50000 == 0: w.flush(); time.sleep(0.01)
            '
            """
        guard let pipe = popen(command, "r") else {
            Issue.record("popen failed")
            return
        }
        defer { pclose(pipe) }
        let reader = try CSVReader(path: "/dev/fd/\(fileno(pipe))")
        var count = 0
        var ok = true
        try reader.forEachRecord { r in
            if r.string(0) != "\(count)" || r.string(1) != "a,\"\(count)\"\nb" || r.line != 2 + 2 * count { ok = false }
            count += 1
        }
        #expect(count == 200_000)
        #expect(ok)
    }
}
