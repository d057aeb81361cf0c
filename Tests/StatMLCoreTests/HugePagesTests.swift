import Foundation
import Testing

@testable import StatMLCore

/// Large arrays get the huge-page advice and their values; small ones are left as they are.
@Suite("Huge pages for large buffers")
struct HugePagesTests {
    /// The `VmFlags` of the mapping of /proc/self/smaps that holds `address`.
    static func mappingFlags(of address: Int) throws -> [String]? {
        // (`String(contentsOfFile:)` stops after the first page of a /proc file.)
        let file = try #require(FileHandle(forReadingAtPath: "/proc/self/smaps"))
        let smaps = String(decoding: file.readDataToEndOfFile(), as: UTF8.self)
        var inside = false
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if let range = fields.first, range.contains("-"), !range.hasSuffix(":") {
                let bounds = range.split(separator: "-").compactMap { Int($0, radix: 16) }
                inside = bounds.count == 2 && bounds[0] <= address && address < bounds[1]
            } else if inside && line.hasPrefix("VmFlags:") {
                return fields.dropFirst().map(String.init)
            }
        }
        return nil
    }

    @Test func largeArraysAreAdvisedAndHoldTheirValues() throws {
        let big = HugePages.array(repeating: Int32(-1), count: 3 << 20)
        #expect(big.count == 3 << 20 && big.allSatisfy { $0 == -1 })
        let squares: [Double] = HugePages.array(count: 1 << 19) { buffer in
            for i in buffer.indices { buffer[i] = Double(i * i) }
        }
        #expect(squares[1000] == 1_000_000 && squares.last == Double((1 << 19 - 1) * (1 << 19 - 1)))

        // The kernel records the advice on the mapping ("hg") whether or not it finds huge pages to give.
        let mode = (try? String(contentsOfFile: "/sys/kernel/mm/transparent_hugepage/enabled", encoding: .utf8)) ?? ""
        guard !mode.isEmpty, !mode.contains("[never]") else { return }
        let address = big.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress!) + (4 << 20) }
        #expect(try #require(try Self.mappingFlags(of: address)).contains("hg"))
    }

    @Test func smallArraysAreLeftAlone() throws {
        let small = HugePages.array(repeating: UInt8(7), count: 100_000)
        #expect(small.count == 100_000 && small.allSatisfy { $0 == 7 })
        let address = small.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress!) }
        #expect(!(try #require(try Self.mappingFlags(of: address)).contains("hg")))
    }
}
