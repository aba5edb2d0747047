import Foundation
import WorkbenchCore

/// One run's event stream with several subscribers: what `BookGenerator.emit` publishes through.
///
/// `publish` appends the event to the store synchronously and first — resume depends on
/// `chapter.done` being stored before anything else happens — then hands it to every
/// subscriber's bounded buffer without waiting for it. Each subscriber drains its buffer on a
/// task of its own, in publication order; a subscriber slower than the pipeline loses the
/// newest events once its buffer is full, and the drops are counted, never blocking the run.
public final class EventBus: Sendable {
    public typealias Store = @Sendable (PipelineEvent, RunID) throws -> Void
    public typealias Handler = @Sendable (PipelineEvent, RunID) async -> Void

    /// What a subscriber received and lost, for the run's summary.
    public struct Delivery: Sendable, Equatable {
        public var subscriber: String
        public var delivered: Int
        public var dropped: Int
    }

    final class Subscriber: Sendable {
        let name: String
        let continuation: AsyncStream<(PipelineEvent, RunID)>.Continuation
        let task: Task<Void, Never>
        let counts = Counts()

        init(name: String, capacity: Int, handler: @escaping Handler) {
            self.name = name
            let (stream, continuation) = AsyncStream<(PipelineEvent, RunID)>.makeStream(bufferingPolicy: .bufferingOldest(capacity))
            self.continuation = continuation
            let counts = counts
            task = Task {
                for await (event, run) in stream {
                    await handler(event, run)
                    counts.deliver()
                }
            }
        }
    }

    /// Counters shared by the publishing side and the draining task.
    final class Counts: @unchecked Sendable {
        private let lock = NSLock()
        private var enqueued = 0, delivered = 0, dropped = 0
        func enqueue() { lock.withLock { enqueued += 1 } }
        func deliver() { lock.withLock { delivered += 1 } }
        func drop() { lock.withLock { dropped += 1 } }
        var values: (delivered: Int, dropped: Int) { lock.withLock { (delivered, dropped) } }
        /// Everything queued so far has been handled.
        var drained: Bool { lock.withLock { delivered >= enqueued } }
    }

    private let store: Store
    private let subscribers = LockedValue<[Subscriber]>([])
    private let closed = LockedValue(false)

    /// `store` is the synchronous first consumer (the workspace's `events` table).
    public init(store: @escaping Store) {
        self.store = store
    }

    /// Adds a subscriber with a buffer of `capacity` events (at least 1).
    public func subscribe(_ name: String, capacity: Int = 1_024, _ handler: @escaping Handler) {
        let subscriber = Subscriber(name: name, capacity: max(1, capacity), handler: handler)
        subscribers.withLock { $0.append(subscriber) }
    }

    /// Stores the event, then queues it for every subscriber. A store failure is thrown before
    /// any subscriber sees the event; after `finish`, events are only stored.
    public func publish(_ event: PipelineEvent, run: RunID) throws {
        try store(event, run)
        guard !closed.withLock({ $0 }) else { return }
        for subscriber in subscribers.withLock({ $0 }) {
            switch subscriber.continuation.yield((event, run)) {
            case .dropped: subscriber.counts.drop()
            default: subscriber.counts.enqueue()
            }
        }
    }

    /// Waits until every subscriber has handled what was published before the call (the
    /// buffers stay open): a run's last events are seen before its command returns.
    public func flush() async {
        for subscriber in subscribers.withLock({ $0 }) {
            while !subscriber.counts.drained, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(1)) }
        }
    }

    /// What each subscriber received and lost so far.
    public var deliveries: [Delivery] {
        subscribers.withLock { $0 }.map { subscriber in
            let counts = subscriber.counts.values
            return Delivery(subscriber: subscriber.name, delivered: counts.delivered, dropped: counts.dropped)
        }
    }

    /// Closes every buffer, waits until each subscriber has handled what it holds, and says
    /// what each received and lost.
    public func finish() async -> [Delivery] {
        closed.withLock { $0 = true }
        let all = subscribers.withLock { $0 }
        for subscriber in all { subscriber.continuation.finish() }
        var result: [Delivery] = []
        for subscriber in all {
            await subscriber.task.value
            let counts = subscriber.counts.values
            result.append(Delivery(subscriber: subscriber.name, delivered: counts.delivered, dropped: counts.dropped))
        }
        return result
    }
}

/// A value behind a lock, for state shared across tasks.
final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
