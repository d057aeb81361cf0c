import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A one-line progress display on a terminal: a bar, percent, rate and ETA when the total is known,
/// the count and rate when it is not.
///
/// Safe to call from several threads. The line is redrawn in place with `\r` at most once per
/// `refreshInterval`; when the output is not a terminal (a pipe, a file, CI) or `quiet` is set, nothing
/// at all is written, so logs and piped output stay clean.
public final class ProgressReporter: Sendable {
    /// Process-wide switch, set by the CLI's `--quiet`: reporters created while it is on stay silent.
    public static var quiet: Bool {
        get { quietFlag.withLock { $0 } }
        set { quietFlag.withLock { $0 = newValue } }
    }
    private static let quietFlag = Mutex(false)

    public let label: String
    public let total: Int?
    public let unit: String
    /// Whether this reporter writes anything; fixed at creation.
    public let isEnabled: Bool

    private let output: Int32
    private let width: Int
    private let refreshInterval: Duration
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private let state: Mutex<State>

    private struct State {
        var completed = 0
        var lastDraw: ContinuousClock.Instant
        var hasDrawn = false
        var isFinished = false
    }

    /// - Parameters:
    ///   - total: the amount of work in `unit`s (bytes, rows), or nil when it is not known in advance.
    ///   - unit: "B" counts bytes and prints "12.3 MB/s"; any other unit prints "45.6k rows/s".
    ///   - output: the file descriptor to draw on.
    ///   - enabled: nil draws only when `output` is a terminal and `quiet` is off.
    ///   - refreshInterval: the shortest time between two redraws, in seconds.
    public init(
        label: String, total: Int?, unit: String, output: Int32 = STDERR_FILENO, enabled: Bool? = nil,
        refreshInterval: Double = 0.1
    ) {
        self.label = label
        self.total = total
        self.unit = unit
        self.output = output
        self.isEnabled = enabled ?? (isatty(output) == 1 && !Self.quiet)
        self.width = Self.terminalWidth(output)
        self.refreshInterval = .nanoseconds(Int64(max(0, refreshInterval) * 1e9))
        let now = clock.now
        self.start = now
        self.state = Mutex(State(lastDraw: now))
    }

    deinit {
        finish()
    }

    /// The units completed so far.
    public var completed: Int { state.withLock { $0.completed } }

    public func advance(by amount: Int) {
        update { $0 += amount }
    }

    public func set(completed: Int) {
        update { $0 = completed }
    }

    /// Draws the final state and ends the line, if anything was drawn. Later calls do nothing.
    public func finish() {
        state.withLock { state in
            guard !state.isFinished else { return }
            state.isFinished = true
            guard isEnabled, state.hasDrawn else { return }
            draw(completed: state.completed, at: clock.now)
            emit("\n")
        }
    }

    private func update(_ change: (inout Int) -> Void) {
        state.withLock { state in
            guard !state.isFinished else { return }
            change(&state.completed)
            guard isEnabled else { return }
            let now = clock.now
            if now - state.lastDraw >= refreshInterval {
                state.lastDraw = now
                state.hasDrawn = true
                draw(completed: state.completed, at: now)
            }
        }
    }

    private func draw(completed: Int, at now: ContinuousClock.Instant) {
        let line = Self.render(
            label: label, completed: completed, total: total, elapsed: Self.seconds(now - start), width: width,
            unit: unit)
        // `\r` returns to the line start; ESC [ K erases what a longer previous line left behind.
        emit("\r" + line + "\u{1B}[K")
    }

    private func emit(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                write(output, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                return  // progress is best effort: a closed or full stderr must not fail the work
            }
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    private static func terminalWidth(_ fd: Int32) -> Int {
        var size = winsize()
        if ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            // One column short of the edge, so that terminals that wrap at the last column do not.
            return Int(size.ws_col) - 1
        }
        return 79
    }

    // MARK: Rendering (pure)

    /// The text of one progress line, at most `width` characters.
    ///
    /// With a total: `label [#####.....]  42% 12.3 MB/s ETA 0:07` (the bar takes the room that is left,
    /// 5 to 30 characters, and is dropped when there is less); without: `label 1.2M rows 45.6k rows/s 0:27`
    /// (count, rate, elapsed time).
    public static func render(
        label: String = "", completed: Int, total: Int?, elapsed: Double, width: Int, unit: String
    ) -> String {
        let prefix = label.isEmpty ? "" : label + " "
        let rate = elapsed > 0 ? Double(completed) / elapsed : Double.nan
        let rateText = formatRate(rate, unit: unit)
        guard let total else {
            let line =
                prefix + formatCount(Double(completed), unit: unit) + " " + rateText + " "
                + formatDuration(elapsed)
            return String(line.prefix(max(0, width)))
        }
        let fraction = total > 0 ? min(1, max(0, Double(completed) / Double(total))) : 1
        let percent = Int((fraction * 100).rounded(.down))
        let percentText = String(repeating: " ", count: 3 - String(percent).count) + "\(percent)%"
        let remaining = Double(max(0, total - completed))
        let eta: String
        if remaining == 0 {
            eta = formatDuration(0)
        } else if rate > 0 {
            eta = formatDuration(remaining / rate)
        } else {
            eta = "--:--"
        }
        let tail = " " + percentText + " " + rateText + " ETA " + eta
        let barWidth = min(30, width - prefix.count - tail.count - 2)
        var line = prefix
        if barWidth >= 5 {
            let filled = Int((fraction * Double(barWidth)).rounded(.down))
            line +=
                "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: barWidth - filled)
                + "]" + tail
        } else {
            line += percentText + " " + rateText + " ETA " + eta
        }
        return String(line.prefix(max(0, width)))
    }

    /// "512 B", "12.3 MB" for bytes; "456 rows", "45.6k rows" otherwise.
    static func formatCount(_ value: Double, unit: String) -> String {
        let (number, prefix) = scaled(value, smallDecimals: false)
        return unit == "B" ? "\(number) \(prefix)B" : "\(number)\(prefix) \(unit)"
    }

    /// "12.3 MB/s" for bytes; "45.6k rows/s", "7.5 rows/s" otherwise; "--" when the rate is unknown.
    static func formatRate(_ value: Double, unit: String) -> String {
        guard value.isFinite, value >= 0 else { return "-- \(unit)/s" }
        let (number, prefix) = scaled(value, smallDecimals: true)
        return unit == "B" ? "\(number) \(prefix)B/s" : "\(number)\(prefix) \(unit)/s"
    }

    /// A value below 1000 as an integer (one decimal below 100 when `smallDecimals`), otherwise with
    /// one decimal and an SI prefix (k, M, G, T, P, E).
    private static func scaled(_ value: Double, smallDecimals: Bool) -> (String, String) {
        let prefixes = ["", "k", "M", "G", "T", "P", "E"]
        var index = 0
        var scaledValue = value
        // Scale up while the number as printed would reach 1000: 999.6 prints as "1.0k", not "1000".
        while index < prefixes.count - 1
            && (index == 0 ? scaledValue.rounded() : oneDecimal(scaledValue)) >= 1000
        {
            scaledValue /= 1000
            index += 1
        }
        if index == 0 {
            if smallDecimals && (scaledValue * 10).rounded() < 1000 {
                return (decimalText(oneDecimal(scaledValue)), "")
            }
            return ("\(Int(scaledValue.rounded()))", "")
        }
        return (decimalText(oneDecimal(scaledValue)), prefixes[index])
    }

    /// The value rounded to tenths.
    private static func oneDecimal(_ value: Double) -> Double { (value * 10).rounded() / 10 }

    private static func decimalText(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// "m:ss", or "h:mm:ss" from one hour on; "--:--" when not finite.
    static func formatDuration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0, seconds < 1e9 else { return "--:--" }
        let total = Int(seconds.rounded())
        let (hours, minutes, secs) = (total / 3600, (total / 60) % 60, total % 60)
        let twoDigits = { (n: Int) in n < 10 ? "0\(n)" : "\(n)" }
        return hours > 0 ? "\(hours):\(twoDigits(minutes)):\(twoDigits(secs))" : "\(minutes):\(twoDigits(secs))"
    }
}
