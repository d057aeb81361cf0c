import Testing

@testable import StatMLCore

@Suite("Value syntax: missing tokens, numbers, integers, booleans, dates")
struct ValueSyntaxTests {
    func bytes<R>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R { s.withUTF8Buffer(body) }

    @Test func missingTokensAfterTrimming() {
        let syntax = ValueSyntax()
        for token in ["", "NA", "NaN", ".", "  NA ", " "] { #expect(bytes(token, syntax.isMissing), "\(token)") }
        for token in ["na", "N/A", "0", "..", "NULL"] { #expect(!bytes(token, syntax.isMissing), "\(token)") }
        let custom = ValueSyntax(naTokens: ["-99"])
        #expect(bytes("-99", custom.isMissing))
        #expect(!bytes("", custom.isMissing))
    }

    @Test func pointNumbers() {
        let cases: [(String, Double?)] = [
            ("12.5", 12.5), ("-0.25", -0.25), ("+3", 3), (".5", 0.5), ("5.", 5), ("1e3", 1000), ("2.5E-2", 0.025),
            (" 7 ", 7), ("inf", .infinity), ("-Infinity", -.infinity), ("1,5", nil), ("1.2.3", nil), ("e5", nil),
            ("1e", nil), ("abc", nil), ("", nil), ("0x10", nil), ("1 000", nil),
        ]
        for (text, expected) in cases { #expect(bytes(text, ValueSyntax.parsePointNumber) == expected, "\(text)") }
    }

    @Test func commaNumbersWithGroupsOfThree() {
        let cases: [(String, Double?)] = [
            ("3,49", 3.49), ("-12,5", -12.5), ("1.234,56", 1234.56), ("1.234.567", 1_234_567), ("12", 12),
            (",5", 0.5), ("1,5e2", 150), ("1.23,4", nil), ("12.34", nil), ("1234.567,1", nil), ("1,2,3", nil),
            (".123", nil), ("1.", nil), ("", nil), ("-", nil),
        ]
        for (text, expected) in cases { #expect(bytes(text, ValueSyntax.parseCommaNumber) == expected, "\(text)") }
    }

    @Test func integersRejectOverflowAndDecimals() {
        #expect(bytes("9223372036854775807", ValueSyntax.parseInteger) == Int.max)
        #expect(bytes("-9223372036854775808", ValueSyntax.parseInteger) == Int.min)
        #expect(bytes("9223372036854775808", ValueSyntax.parseInteger) == nil)
        #expect(bytes(" 42 ", ValueSyntax.parseInteger) == 42)
        for bad in ["1.0", "1e3", "+", "", "4 2", "٣"] {
            #expect(bytes(bad, ValueSyntax.parseInteger) == nil, "\(bad)")
        }
    }

    @Test func booleansAnyCase() {
        #expect(bytes("TRUE", ValueSyntax.parseBoolean) == true)
        #expect(bytes("False", ValueSyntax.parseBoolean) == false)
        for bad in ["T", "yes", "1", "truee", ""] { #expect(bytes(bad, ValueSyntax.parseBoolean) == nil, "\(bad)") }
    }

    @Test func datesInThreeLayoutsOnlyWhenTheDayExists() {
        #expect(bytes("2024-02-29", ValueSyntax.parseDate) == CivilDate(year: 2024, month: 2, day: 29))
        #expect(bytes("2024/12/31", ValueSyntax.parseDate) == CivilDate(year: 2024, month: 12, day: 31))
        #expect(bytes("01.02.2025", ValueSyntax.parseDate) == CivilDate(year: 2025, month: 2, day: 1))
        for bad in ["2023-02-29", "2024-13-01", "2024-00-10", "2024-1-01", "2024-01/01", "32.01.2024", "1900-02-29"] {
            #expect(bytes(bad, ValueSyntax.parseDate) == nil, "\(bad)")
        }
    }

    @Test func civilDatesMatchHandCountedDays() {
        // 1970-01-01 is day 0; 2000-01-01 is 30 years with 7 leap days: 30*365+7 = 10957; 2000-03-01 adds 31+29.
        #expect(CivilDate(year: 1970, month: 1, day: 1)!.daysSinceEpoch == 0)
        #expect(CivilDate(year: 2000, month: 1, day: 1)!.daysSinceEpoch == 10957)
        #expect(CivilDate(year: 2000, month: 3, day: 1)!.daysSinceEpoch == 11017)
        #expect(CivilDate(year: 1969, month: 12, day: 31)!.daysSinceEpoch == -1)
        #expect(CivilDate(daysSinceEpoch: 11017).description == "2000-03-01")
        #expect(!CivilDate.isLeap(1900) && CivilDate.isLeap(2000) && CivilDate.isLeap(2024) && !CivilDate.isLeap(2023))
        // Every day from 1600 to 2400 survives the round trip and days are consecutive.
        var previous = CivilDate(year: 1600, month: 1, day: 1)!.daysSinceEpoch - 1
        for year in 1600...2400 {
            for month in 1...12 {
                for day in 1...CivilDate.daysIn(month: month, year: year) {
                    let d = CivilDate(year: year, month: month, day: day)!
                    #expect(d.daysSinceEpoch == previous + 1)
                    previous = d.daysSinceEpoch
                    if day == 1 && month == 1 && year % 50 == 0 { #expect(d.components == (year, month, day)) }
                }
            }
        }
    }
}

@Suite("Column profiles and type inference")
struct ColumnProfileTests {
    func profile(_ values: [String], syntax: ValueSyntax = ValueSyntax()) -> ColumnProfile {
        var p = ColumnProfile(name: "x")
        for v in values { v.withUTF8Buffer { p.add($0, syntax: syntax) } }
        return p
    }

    @Test func typeLattice() {
        #expect(profile(["1", "2", "NA"]).inferredType(decimal: .auto) == .integer)
        #expect(profile(["1", "2.5"]).inferredType(decimal: .auto) == .number)
        #expect(profile(["true", "FALSE", ""]).inferredType(decimal: .auto) == .boolean)
        #expect(profile(["2024-01-01", "."]).inferredType(decimal: .auto) == .date)
        #expect(profile(["1", "x"]).inferredType(decimal: .auto) == .string)
        #expect(profile(["", "NA"]).inferredType(decimal: .auto) == .string)
        #expect(profile(["0", "1"]).inferredType(decimal: .auto) == .integer)
    }

    @Test func decimalCommaOnlyOutsideCommaSeparatedFiles() {
        let p = profile(["1,5", "2,25", "3"])
        #expect(p.inferredType(decimal: .auto, delimiter: UInt8(ascii: ";")) == .number)
        #expect(p.inferredType(decimal: .auto, delimiter: UInt8(ascii: ",")) == .string)
        #expect(p.inferredType(decimal: .point, delimiter: UInt8(ascii: ";")) == .string)
        #expect(p.inferredType(decimal: .comma, delimiter: UInt8(ascii: ",")) == .number)
        let s = p.summary(decimal: .auto, delimiter: UInt8(ascii: ";"))
        #expect(s.min == 1.5 && s.max == 3 && s.mean == 6.75 / 3)
        #expect(s.decimalComma)
    }

    @Test func summaryCountsAndStatistics() {
        let s = profile(["4", "NA", "1", "", "7"]).summary(decimal: .auto)
        #expect(s.missing == 2 && s.present == 3)
        #expect(s.min == 1 && s.mean == 4 && s.max == 7)
        #expect(s.distinct == 3)
    }

    @Test func compensatedMeanKeepsDigits() {
        var stats = RunningStatistics()
        for _ in 0..<1_000_000 { stats.add(0.1) }
        stats.add(1e10)
        // Naive summation loses about 1e-6 here; compensated summation is exact to rounding.
        #expect(abs(stats.mean! - (1e10 + 100_000) / 1_000_001) < 1e-9)
    }

    @Test func jsonValuesKeepJSONTypes() {
        var p = ColumnProfile(name: "j")
        p.add(.number(1)); p.add(.number(2)); p.add(nil)
        #expect(p.inferredType(decimal: .point) == .integer)
        p.add(.number(2.5))
        #expect(p.inferredType(decimal: .point) == .number)
        p.add(.string("3"))
        #expect(p.inferredType(decimal: .point) == .string)
        var d = ColumnProfile(name: "d")
        d.add(.string("2024-05-01")); d.add(.null)
        #expect(d.inferredType(decimal: .point) == .date)
        #expect(d.missing == 1)
    }
}
