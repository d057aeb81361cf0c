import Foundation
import Server
import Synchronization
import Testing

@Suite("Waiting for termination signals")
struct HTTPSignalTests {
    /// SIGUSR2 aimed at the waiting thread only, which has it blocked: the test process never sees it.
    @Test func returnsTheSignalThatArrived() throws {
        let waiterThread = Mutex<pthread_t?>(nil)
        let received = Mutex<Int32?>(nil)
        let thread = TestThread {
            let waiter = SignalWaiter(signals: [SIGUSR2])
            waiterThread.withLock { $0 = pthread_self() }
            let signal = waiter.wait()
            received.withLock { $0 = signal }
        }
        try waitUntil { waiterThread.withLock { $0 } != nil }
        let target = try #require(waiterThread.withLock { $0 })
        #expect(pthread_kill(target, SIGUSR2) == 0)
        thread.join()
        #expect(received.withLock { $0 } == SIGUSR2)
    }
}
