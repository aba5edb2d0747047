import Foundation
import Testing
@testable import Engine
import WorkbenchCore

@Suite struct EventBusTests {
    static let run = RunID("20261202-000000-abcdef")!

    /// Collects what a subscriber or the store is handed.
    final class Seen: @unchecked Sendable {
        private let lock = NSLock()
        private var events: [PipelineEvent] = []
        func add(_ event: PipelineEvent) { lock.withLock { events.append(event) } }
        var all: [PipelineEvent] { lock.withLock { events } }
    }

    static func events(_ count: Int) -> [PipelineEvent] {
        (1...count).map { PipelineEvent.chapterDone(chapter: $0, quality: 5, words: 100) }
    }

    @Test func theStoreComesFirstAndEverySubscriberSeesTheStreamInOrder() async throws {
        let stored = Seen(), first = Seen(), second = Seen()
        let bus = EventBus { event, _ in stored.add(event) }
        bus.subscribe("first") { event, _ in first.add(event) }
        bus.subscribe("second") { event, _ in second.add(event) }
        for event in Self.events(50) {
            try bus.publish(event, run: Self.run)
            // Stored before publish returns, whatever the subscribers are doing.
            #expect(stored.all.last == event)
        }
        let deliveries = await bus.finish()
        #expect(first.all == Self.events(50) && second.all == Self.events(50))
        #expect(deliveries == [.init(subscriber: "first", delivered: 50, dropped: 0), .init(subscriber: "second", delivered: 50, dropped: 0)])
    }

    @Test func aSlowSubscriberLosesCountedEventsAndNeverBlocksPublishing() async throws {
        let fast = Seen()
        let bus = EventBus { _, _ in }
        bus.subscribe("slow", capacity: 4) { _, _ in try? await Task.sleep(for: .milliseconds(200)) }
        bus.subscribe("fast") { event, _ in fast.add(event) }
        let started = ContinuousClock.now
        for event in Self.events(100) { try bus.publish(event, run: Self.run) }
        // Waiting on the slow subscriber would take 100 × 200 ms = 20 s.
        #expect(ContinuousClock.now - started < .seconds(5), "publishing waited for the slow subscriber")
        let deliveries = await bus.finish()
        let slow = try #require(deliveries.first { $0.subscriber == "slow" })
        #expect(slow.delivered + slow.dropped == 100 && slow.dropped >= 90)
        #expect(fast.all.count == 100)
    }

    @Test func aStoreFailureStopsTheEventBeforeAnySubscriber() async throws {
        struct Full: Error {}
        let seen = Seen()
        let bus = EventBus { event, _ in if case .chapterDone(2, _, _) = event { throw Full() } }
        bus.subscribe("watcher") { event, _ in seen.add(event) }
        let events = Self.events(3)
        try bus.publish(events[0], run: Self.run)
        #expect(throws: Full.self) { try bus.publish(events[1], run: Self.run) }
        try bus.publish(events[2], run: Self.run)
        _ = await bus.finish()
        #expect(seen.all == [events[0], events[2]])
        // After finish, events are still stored but reach no one.
        try bus.publish(events[0], run: Self.run)
        #expect(seen.all.count == 2)
    }
}
