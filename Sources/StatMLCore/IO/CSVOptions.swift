/// How to read a CSV file. The defaults read RFC 4180 files with a header row.
public struct CSVOptions: Sendable {
    /// The field separator; nil detects it among `,` `;` tab `|` from the first lines of the file
    /// (the candidate found the same number of times, outside quotes, on every sampled line).
    public var delimiter: UInt8?
    /// Whether the first row names the columns. When false the columns are called V1, V2, ...
    public var hasHeader: Bool
    /// The quote character (RFC 4180's DQUOTE by default). A quote inside a quoted field is doubled.
    public var quote: UInt8
    /// When false, a row whose field count differs from the header's is an error.
    public var allowRaggedRows: Bool
    /// A field longer than this many bytes is an error: it protects a reader from swallowing a huge
    /// file into one field when a closing quote is missing.
    public var maxFieldBytes: Int

    public init(
        delimiter: UInt8? = nil, hasHeader: Bool = true, quote: UInt8 = UInt8(ascii: "\""),
        allowRaggedRows: Bool = false, maxFieldBytes: Int = 64 << 20
    ) {
        self.delimiter = delimiter
        self.hasHeader = hasHeader
        self.quote = quote
        self.allowRaggedRows = allowRaggedRows
        self.maxFieldBytes = maxFieldBytes
    }
}
