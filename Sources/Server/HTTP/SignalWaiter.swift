import Glibc

/// Waits for termination signals synchronously: the signals are blocked in the creating thread (and in
/// every thread it starts afterwards) and collected with `sigwait`, so no signal handler runs.
///
/// Create it on the main thread before starting other threads. `HTTPServer.start()` blocks SIGTERM
/// and SIGINT in its own worker threads, whenever it is called.
public struct SignalWaiter: Sendable {
    public let signals: [Int32]

    /// Blocks `signals` in the calling thread.
    public init(signals: [Int32] = [SIGTERM, SIGINT]) {
        self.signals = signals
        var set = Self.set(of: signals)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Blocks the calling thread, which must have blocked the signals (the one that created the
    /// waiter), until one of them arrives; returns its number, or 0 when `signals` holds an invalid one.
    public func wait() -> Int32 {
        var set = Self.set(of: signals)
        var received: Int32 = 0
        return sigwait(&set, &received) == 0 ? received : 0
    }

    private static func set(of signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        return set
    }
}

extension HTTPServer {
    /// Blocks the calling thread until SIGTERM or SIGINT, then shuts the server down gracefully.
    /// Returns the signal, for the caller to log. Prints nothing.
    @discardableResult
    public func runUntilTerminated(graceTimeout: Duration = .seconds(10)) -> Int32 {
        let signal = SignalWaiter().wait()
        shutdown(graceTimeout: graceTimeout)
        return signal
    }
}
