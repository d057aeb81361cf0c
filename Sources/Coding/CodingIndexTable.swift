import StatMLCore

/// The coding index's look-up on the prediction path: normalised text → class, keyed by a 64-bit FNV-1a
/// hash of the text's UTF-8 bytes in an open-addressing table, and confirmed by comparing the bytes.
/// `[String: Int32]` hashes a String with SipHash after a Unicode normalisation check, about twenty
/// times the work per record (callgrind); the texts here are already NFKC-normalised by `TextNormalizer`,
/// so byte equality is the equality that matters.
///
/// Most texts to code are not in the index, and the table (16 bytes a slot, twice the entries) is out of
/// the processor's caches by the time the next text comes: each miss cost a memory read, ~4% of a
/// prediction. A Bloom filter of 16 bits an entry, two bits a text, answers most misses from a bit array
/// an eighth of the table's size, which stays cached; about 1.4% of absent texts pass it and go on to the
/// table.
struct CodingIndexTable: Sendable {
    private var table: FeatureTable
    private var filter: [UInt64]
    private let filterMask: Int
    /// All texts' bytes end to end; entry e's text is `bytes[starts[e]..<starts[e + 1]]`.
    private var bytes: [UInt8] = []
    private var starts: [Int] = [0]
    private var classes: [Int32] = []
    /// Texts whose hash another text already has (never seen in practice; kept so none is lost).
    private var collisions: [String: Int32] = [:]

    init(_ index: [String: Int32]) {
        table = FeatureTable(capacity: max(index.count, 1))
        (filter, filterMask) = CodingIndexTable.emptyFilter(entries: index.count)
        for (text, c) in index {
            var copy = text
            copy.withUTF8 { add($0, c) }
        }
    }

    /// The table of a model file's arrays: all texts' UTF-8 end to end (`texts`), where each ends
    /// (`ends`, increasing), and each one's class (`classes`, below `classCount`). Nil when they do not
    /// fit together.
    init?(texts: [UInt8], ends: [UInt64], classes: [UInt64], classCount: Int) {
        guard ends.count == classes.count, ends.last.map({ $0 == UInt64(texts.count) }) ?? texts.isEmpty else {
            return nil
        }
        table = FeatureTable(capacity: max(ends.count, 1))
        (filter, filterMask) = CodingIndexTable.emptyFilter(entries: ends.count)
        bytes.reserveCapacity(texts.count)
        starts.reserveCapacity(ends.count + 1)
        self.classes.reserveCapacity(ends.count)
        let ok = texts.withUnsafeBufferPointer { texts in
            var start = 0
            for (end, c) in zip(ends, classes) {
                guard end >= UInt64(start), end <= UInt64(texts.count), c < UInt64(classCount) else { return false }
                add(UnsafeBufferPointer(rebasing: texts[start..<Int(end)]), Int32(c))
                start = Int(end)
            }
            return true
        }
        guard ok else { return nil }
    }

    /// Adds a text (absent so far). Of two texts with one hash, either may go to `collisions`: `find`
    /// answers both right.
    private mutating func add(_ text: UnsafeBufferPointer<UInt8>, _ c: Int32) {
        let key = CodingIndexTable.hash(text)
        if table.find(key) != nil {
            collisions[String(decoding: text, as: UTF8.self)] = c
            return
        }
        table.insert(key, value: Int32(classes.count))
        let (a, b) = filterBits(key)
        filter[a >> 6] |= 1 << UInt64(a & 63)
        filter[b >> 6] |= 1 << UInt64(b & 63)
        bytes.append(contentsOf: text)
        starts.append(bytes.count)
        classes.append(c)
    }

    /// How many texts the index has.
    var count: Int { classes.count + collisions.count }

    /// Every text with its class.
    var entries: [String: Int32] {
        var out = collisions
        out.reserveCapacity(count)
        for e in classes.indices {
            out[String(decoding: bytes[starts[e]..<starts[e + 1]], as: UTF8.self)] = classes[e]
        }
        return out
    }

    /// The class of `text` if the index has it.
    func find(_ text: String) -> Int32? {
        var copy = text
        return copy.withUTF8 { find(utf8: $0) }
    }

    /// The class of the text whose UTF-8 bytes are `utf8`, if the index has it.
    func find(utf8: UnsafeBufferPointer<UInt8>) -> Int32? {
        let key = CodingIndexTable.hash(utf8)
        // Not in the filter: no text of the table has this hash, so neither the table nor `collisions`
        // (whose texts share a table text's hash) has the text.
        guard mayContain(key) else { return nil }
        if let e = table.find(key).map(Int.init) {
            let stored = bytes[starts[e]..<starts[e + 1]]
            if stored.count == utf8.count && stored.elementsEqual(utf8) { return classes[e] }
        }
        return collisions.isEmpty ? nil : collisions[String(decoding: utf8, as: UTF8.self)]
    }

    /// False when no text of the index has hash `key` (the Bloom filter); true when one may.
    @inline(__always)
    func mayContain(_ key: UInt64) -> Bool {
        let (a, b) = filterBits(key)
        return filter[a >> 6] & (1 << UInt64(a & 63)) != 0 && filter[b >> 6] & (1 << UInt64(b & 63)) != 0
    }

    /// A filter of 16 bits an entry (at least 4,096), a power of two; all bits clear.
    private static func emptyFilter(entries: Int) -> ([UInt64], Int) {
        var bits = 4096
        while bits < 16 * entries { bits <<= 1 }
        return ([UInt64](repeating: 0, count: bits / 64), bits - 1)
    }

    /// The two filter bits of a text's hash, from splitmix64's finaliser of it (the table's slot comes from
    /// the hash's own low bits).
    @inline(__always)
    private func filterBits(_ key: UInt64) -> (Int, Int) {
        let g = SplitMix64.finalize(key)
        return (Int(truncatingIfNeeded: g) & filterMask, Int(truncatingIfNeeded: g >> 32) & filterMask)
    }

    /// FNV-1a, 64 bits (Fowler, Noll, Vo).
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
