import Foundation
import Testing

@testable import StatMLCore

@Suite("Progress: rendering")
struct ProgressRenderTests {
    @Test func knownTotalWithRows() {
        // rate 42/2 = 21.0 rows/s; remaining 58/21 = 2.76 s → 0:03. The tail " 42% 21.0 rows/s ETA 0:03"
        // is 26 characters and the prefix "convert " 8, so the bar gets 60 − 8 − 26 − 2 = 24 cells,
        // ⌊0.42·24⌋ = 10 of them filled.
        #expect(
            ProgressReporter.render(
                label: "convert", completed: 42, total: 100, elapsed: 2, width: 60, unit: "rows")
                == "convert [##########..............]  42% 21.0 rows/s ETA 0:03")
    }

    @Test func knownTotalWithBytes() {
        // 12.3 MB in 1 s; 24.6 % → 24 %; remaining 37.7 MB at 12.3 MB/s = 3.07 s → 0:03; the bar is capped
        // at 30 cells, ⌊0.246·30⌋ = 7 filled.
        #expect(
            ProgressReporter.render(
                label: "download", completed: 12_300_000, total: 50_000_000, elapsed: 1, width: 80, unit: "B")
                == "download [#######.......................]  24% 12.3 MB/s ETA 0:03")
    }

    @Test func unknownTotal() {
        // 1 234 567 rows → 1.2M; 1 234 567 / 27.06 s = 45 623 rows/s → 45.6k; 27.06 s → 0:27.
        #expect(
            ProgressReporter.render(
                label: "inspect", completed: 1_234_567, total: nil, elapsed: 27.06, width: 80, unit: "rows")
                == "inspect 1.2M rows 45.6k rows/s 0:27")
        #expect(
            ProgressReporter.render(completed: 5_120, total: nil, elapsed: 10, width: 80, unit: "B")
                == "5.1 kB 512 B/s 0:10")
    }

    @Test func noElapsedTimeYet() {
        // No rate yet: "--" and an unknown ETA; bar 50 − 25 − 2 = 23 cells, none filled.
        #expect(
            ProgressReporter.render(completed: 0, total: 10, elapsed: 0, width: 50, unit: "rows")
                == "[.......................]   0% -- rows/s ETA --:--")
    }

    @Test func narrowTerminalDropsTheBar() {
        #expect(
            ProgressReporter.render(label: "convert", completed: 42, total: 100, elapsed: 2, width: 36, unit: "rows")
                == "convert  42% 21.0 rows/s ETA 0:03")
        #expect(
            ProgressReporter.render(label: "convert", completed: 42, total: 100, elapsed: 2, width: 12, unit: "rows")
                == "convert  42%")
    }

    @Test func completeAndOverComplete() {
        // 150 of 100: the bar and percent stop at 100 %; 150/3725 s = 0.04 rows/s → 0.0. The tail
        // " 100% 0.0 rows/s ETA 0:00" is 25 characters, so the bar has 50 − 25 − 2 = 23 cells, all filled.
        #expect(
            ProgressReporter.render(completed: 150, total: 100, elapsed: 3725, width: 50, unit: "rows")
                == "[#######################] 100% 0.0 rows/s ETA 0:00")
    }

    @Test func quantitiesAndDurations() {
        #expect(ProgressReporter.formatCount(999, unit: "rows") == "999 rows")
        #expect(ProgressReporter.formatCount(999.6, unit: "rows") == "1.0k rows")
        #expect(ProgressReporter.formatCount(1_500, unit: "B") == "1.5 kB")
        #expect(ProgressReporter.formatCount(2_500_000_000, unit: "B") == "2.5 GB")
        #expect(ProgressReporter.formatRate(7.25, unit: "rows") == "7.3 rows/s")
        #expect(ProgressReporter.formatRate(99.96, unit: "rows") == "100 rows/s")
        #expect(ProgressReporter.formatRate(512.4, unit: "B") == "512 B/s")
        #expect(ProgressReporter.formatRate(999_960, unit: "B") == "1.0 MB/s")
        #expect(ProgressReporter.formatDuration(59.4) == "0:59")
        #expect(ProgressReporter.formatDuration(3725) == "1:02:05")  // 1 h 2 min 5 s
        #expect(ProgressReporter.formatDuration(.infinity) == "--:--")
    }
}

// Glibc's module map hides the X/Open pseudo-terminal calls (they need _XOPEN_SOURCE); their C
// signatures take and return plain ints and pointers, so they are declared directly.
@_silgen_name("posix_openpt") private func posixOpenpt(_ flags: Int32) -> Int32
@_silgen_name("grantpt") private func grantPseudoTerminal(_ fd: Int32) -> Int32
@_silgen_name("unlockpt") private func unlockPseudoTerminal(_ fd: Int32) -> Int32
@_silgen_name("ptsname") private func pseudoTerminalName(_ fd: Int32) -> UnsafeMutablePointer<CChar>?

@Suite("Progress: output", .serialized)
struct ProgressOutputTests {
    /// A pipe whose read end returns everything written before the write end was closed.
    final class CapturePipe {
        let readEnd: Int32
        var writeEnd: Int32

        init() throws {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw StatMLError.io("pipe() failed: errno \(errno)") }
            (readEnd, writeEnd) = (fds[0], fds[1])
        }

        func closeAndRead() -> String {
            close(writeEnd)
            writeEnd = -1
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(readEnd, &buffer, buffer.count)
                if n <= 0 { break }
                bytes += buffer[0..<n]
            }
            return String(decoding: bytes, as: UTF8.self)
        }

        deinit {
            if writeEnd >= 0 { close(writeEnd) }
            close(readEnd)
        }
    }

    @Test func disabledReporterWritesNothing() throws {
        let capture = try CapturePipe()
        // A pipe is not a terminal, so the default is off.
        let automatic = ProgressReporter(
            label: "x", total: 10, unit: "rows", output: capture.writeEnd, refreshInterval: 0)
        #expect(!automatic.isEnabled)
        let off = ProgressReporter(
            label: "x", total: nil, unit: "B", output: capture.writeEnd, enabled: false, refreshInterval: 0)
        for reporter in [automatic, off] {
            reporter.advance(by: 3)
            reporter.set(completed: 7)
            reporter.finish()
        }
        #expect(capture.closeAndRead() == "")
    }

    @Test func enabledReporterRedrawsOneLine() throws {
        let capture = try CapturePipe()
        let reporter = ProgressReporter(
            label: "job", total: 10, unit: "rows", output: capture.writeEnd, enabled: true, refreshInterval: 0)
        reporter.advance(by: 5)
        reporter.advance(by: 5)
        reporter.finish()
        reporter.advance(by: 1)  // after finish: ignored
        let text = capture.closeAndRead()
        let draws = text.split(separator: "\r", omittingEmptySubsequences: true)
        #expect(draws.count == 3, "\(text.debugDescription)")
        #expect(draws.first?.hasPrefix("job [") == true)
        #expect(draws.first?.contains(" 50% ") == true)
        #expect(draws.last?.contains("100%") == true)
        #expect(text.hasSuffix("\u{1B}[K\n"))
        #expect(reporter.completed == 10)
    }

    @Test func throttledReporterDrawsAtMostOncePerInterval() throws {
        let capture = try CapturePipe()
        let reporter = ProgressReporter(
            label: "job", total: nil, unit: "rows", output: capture.writeEnd, enabled: true, refreshInterval: 3600)
        for _ in 0..<1000 { reporter.advance(by: 1) }
        reporter.finish()
        // Nothing reached the interval, so nothing was drawn and finish has no line to end.
        #expect(capture.closeAndRead() == "")
        #expect(reporter.completed == 1000)
    }

    @Test func concurrentAdvancesAreCounted() throws {
        let capture = try CapturePipe()
        let reporter = ProgressReporter(
            label: "job", total: 80_000, unit: "rows", output: capture.writeEnd, enabled: true, refreshInterval: 0.001)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<10_000 { reporter.advance(by: 1) }
        }
        reporter.finish()
        #expect(reporter.completed == 80_000)
        let text = capture.closeAndRead()
        // Every draw is whole: it starts with the label and ends with the erase sequence.
        for draw in text.split(separator: "\r") where draw != "\n" {
            #expect(draw.hasPrefix("job ["))
            #expect(draw.hasSuffix("\u{1B}[K") || draw.hasSuffix("\u{1B}[K\n"))
        }
    }

    /// On a real terminal (a pseudo-terminal here) the default is on, unless `quiet` is set.
    @Test func terminalDefaultAndQuietSwitch() throws {
        let master = posixOpenpt(O_RDWR | O_NOCTTY)
        try #require(master >= 0, "posix_openpt failed: errno \(errno)")
        defer { close(master) }
        try #require(grantPseudoTerminal(master) == 0 && unlockPseudoTerminal(master) == 0)
        let name = String(cString: try #require(pseudoTerminalName(master)))
        let terminal = open(name, O_RDWR | O_NOCTTY)
        try #require(terminal >= 0, "cannot open \(name)")
        defer { close(terminal) }

        let wasQuiet = ProgressReporter.quiet
        defer { ProgressReporter.quiet = wasQuiet }
        ProgressReporter.quiet = false
        #expect(ProgressReporter(label: "t", total: nil, unit: "rows", output: terminal).isEnabled)
        ProgressReporter.quiet = true
        #expect(!ProgressReporter(label: "t", total: nil, unit: "rows", output: terminal).isEnabled)
    }
}
