import Foundation
import Synchronization

/// Wakes the event streams when something may have changed (an event stored, a job's status):
/// a generation number, and the waiters of each. A waiter reads the generation before it reads
/// the store and waits only while the generation is still that one, so no change is missed
/// between its read and its wait; the timeout bounds any wait.
final class ChangeSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
        /// Waiters whose timeout (or cancellation) came before they were registered.
        var expired: Set<UInt64> = []
    }

    private let state = Mutex(State())

    var generation: UInt64 { state.withLock { $0.generation } }

    func notify() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.generation &+= 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiting { waiter.resume() }
    }

    /// Returns when the generation is past `seen`, or after `timeout`.
    func wait(since seen: UInt64, timeout: Duration) async {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter &+= 1
            return state.nextWaiter
        }
        let timer = Task {
            do {
                try await Task.sleep(for: timeout)
                self.resume(id)
            } catch {}  // cancelled: the wait is over
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    guard state.generation == seen, state.expired.remove(id) == nil else { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            self.resume(id)
        }
        timer.cancel()
        _ = state.withLock { $0.expired.remove(id) }
    }

    private func resume(_ id: UInt64) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiters.removeValue(forKey: id) else {
                state.expired.insert(id)
                return nil
            }
            return waiter
        }
        waiter?.resume()
    }
}
