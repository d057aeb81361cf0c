import Foundation
import StatMLCore

/// What `statml data inspect` prints: a table for people, one JSON object for programs.
enum InspectReport {
    static func json(_ profile: FileProfile) -> JSONValue {
        var out = JSONObject()
        out["file"] = .string(profile.path)
        out["format"] = .string(profile.format.rawValue)
        if let d = profile.delimiter { out["delimiter"] = .string(String(UnicodeScalar(d))) }
        out["rows"] = .number(Double(profile.rows))
        out["columns"] = .array(
            profile.columns.map { c in
                var o = JSONObject()
                o["name"] = .string(c.name)
                o["type"] = .string(c.type.rawValue)
                o["missing"] = .number(Double(c.missing))
                if let min = c.min, let mean = c.mean, let max = c.max {
                    o["min"] = .number(min)
                    o["mean"] = .number(mean)
                    o["max"] = .number(max)
                }
                if c.decimalComma { o["decimal_comma"] = .bool(true) }
                if let e = c.earliest, let l = c.latest {
                    o["earliest"] = .string(e.description)
                    o["latest"] = .string(l.description)
                }
                o["distinct"] = .number(Double(c.distinct))
                if c.distinctIsLowerBound { o["distinct_is_lower_bound"] = .bool(true) }
                return .object(o)
            })
        return .object(out)
    }

    static func text(_ profile: FileProfile) -> String {
        var head = "\(profile.path): \(profile.rows) rows, \(profile.columns.count) columns (\(profile.format.rawValue)"
        if let d = profile.delimiter { head += ", delimiter " + (d == 0x09 ? "tab" : "'\(String(UnicodeScalar(d)))'") }
        if profile.hadByteOrderMark { head += ", UTF-8 BOM" }
        head += ")\n\n"
        var rows = [["column", "type", "missing", "min", "mean", "max", "distinct"]]
        for c in profile.columns {
            var row = [c.name, c.type.rawValue + (c.decimalComma ? " (comma)" : ""), String(c.missing)]
            if let min = c.min, let mean = c.mean, let max = c.max {
                row += [short(min), short(mean), short(max)]
            } else if let e = c.earliest, let l = c.latest {
                row += [e.description, "", l.description]
            } else {
                row += ["", "", ""]
            }
            row.append((c.distinctIsLowerBound ? ">" : "") + String(c.distinct))
            rows.append(row)
        }
        let widths = (0..<rows[0].count).map { col in rows.map { $0[col].count }.max()! }
        var out = head
        for row in rows {
            out +=
                zip(row, widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }.joined(separator: "  ")
                .trimmingTrailingSpaces() + "\n"
        }
        return out
    }

    /// Numbers for a table people read: up to 6 significant digits.
    static func short(_ x: Double) -> String { String(format: "%.6g", x) }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}
