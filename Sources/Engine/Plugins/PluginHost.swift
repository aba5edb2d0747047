import Foundation
import WorkbenchCore

/// What the host says of a plugin's failures, as pipeline events.
public enum PluginNotice: Sendable, Equatable {
    /// A call had no effect: `reason` is timeout, crash, invalid answer, refused, error or start failed.
    case failed(plugin: String, hook: PluginHook?, chapter: Int?, reason: String, detail: String)
    /// The plugin failed `failures` times and is not called again in this run.
    case disabled(plugin: String, failures: Int)
}

/// The compiled-in plugins, by name, and how each is made from its spec.
public struct PluginRegistry: Sendable {
    public typealias Factory = @Sendable (PluginSpec) throws(PluginProblem) -> any WorkbenchPlugin
    public private(set) var factories: [String: Factory]

    public init(_ factories: [String: Factory] = [:]) {
        self.factories = factories
    }

    /// The plugins every workbench has.
    public static let builtIn = PluginRegistry(["event-log": { spec throws(PluginProblem) in try EventLogPlugin(spec: spec) }])

    public func registering(_ name: String, _ factory: @escaping Factory) -> PluginRegistry {
        var copy = self
        copy.factories[name] = factory
        return copy
    }

    public var names: [String] { factories.keys.sorted() }

    /// An external plugin for a spec with a command, else the built-in of its name.
    func make(_ spec: PluginSpec) throws(PluginProblem) -> any WorkbenchPlugin {
        if spec.command != nil { return ExternalPlugin(spec: spec) }
        guard let factory = factories[spec.name] else { throw .startFailed("no built-in plugin is called \(spec.name)") }
        return try factory(spec)
    }
}

/// A run's plugins: started once, called in order (priority, then name) at each hook they
/// declared, each call under its timeout. A failing plugin never fails the book: the
/// call's effect is skipped, the failure is reported, and after `max_failures` the plugin
/// is disabled for the run.
public final class PluginHost: Sendable {
    /// One plugin of the run and what became of it.
    final class Member: Sendable {
        let spec: PluginSpec
        let plugin: (any WorkbenchPlugin)?
        /// Where an in-process plugin's calls run.
        let executor = PluginExecutor()
        /// Why the plugin could not be made, when it could not.
        let unmade: PluginProblem?
        let state: LockedValue<State>

        struct State {
            var manifest: PluginManifest?
            var hooks: Set<PluginHook> = []
            var calls = 0
            var failures: [String: Int] = [:]
            var disabled = false
            var started = false
            /// Call durations in microseconds, for `plugins check` and the bench.
            var timings: [Int] = []
        }

        init(spec: PluginSpec, registry: PluginRegistry) {
            self.spec = spec
            var state = State()
            do {
                plugin = try registry.make(spec)
                unmade = nil
            } catch {
                plugin = nil
                unmade = error
                state.disabled = true
                state.failures[error.reason] = 1
            }
            self.state = LockedValue(state)
        }
    }

    /// One plugin's answer to one call.
    public struct Reply: Sendable {
        public var plugin: String
        public var answer: PluginAnswer
    }

    /// A plugin's part in a run, for the run summary.
    public struct Tally: Sendable, Equatable {
        public var plugin: String
        public var version: String?
        public var calls: Int
        public var failures: [String: Int]
        public var disabled: Bool
        public var failureCount: Int { failures.values.reduce(0, +) }
    }

    let members: [Member]
    /// Where notices go, and those that came before anyone listened (a handshake that
    /// failed before the run record existed).
    private struct Reporting {
        var notify: (@Sendable (PluginNotice) -> Void)?
        var pending: [PluginNotice] = []
    }
    private let reporting = LockedValue(Reporting())
    private let closed = LockedValue(false)

    public init(specs: [PluginSpec], registry: PluginRegistry = .builtIn) {
        members = specs.sorted { ($0.priority, $0.name) < ($1.priority, $1.name) }.map { Member(spec: $0, registry: registry) }
        for member in members {
            guard let problem = member.unmade else { continue }
            publish(.failed(plugin: member.spec.name, hook: nil, chapter: nil, reason: problem.reason, detail: Redaction.redact(problem.detail)))
            publish(.disabled(plugin: member.spec.name, failures: 1))
        }
    }

    public var isEmpty: Bool { members.isEmpty }

    /// Where failures are reported (the run's event stream); those reported before are
    /// delivered to it first.
    public func report(to notify: @escaping @Sendable (PluginNotice) -> Void) {
        let pending = reporting.withLock { reporting in
            reporting.notify = notify
            defer { reporting.pending = [] }
            return reporting.pending
        }
        pending.forEach(notify)
    }

    private func publish(_ notice: PluginNotice) {
        let notify = reporting.withLock { reporting in
            if reporting.notify == nil { reporting.pending.append(notice) }
            return reporting.notify
        }
        notify?(notice)
    }

    /// Starts every plugin not yet started (the handshake); one that cannot start, or does
    /// not offer the hooks its spec names, is disabled and reported.
    public func start() async {
        for member in members where !member.state.withLock({ $0.started || $0.disabled }) {
            guard let plugin = member.plugin else { continue }
            do throws(PluginProblem) {
                let manifest = try await plugin.start()
                if let problem = manifest.problem(serving: member.spec.hooks) { throw problem }
                member.state.withLock {
                    $0.manifest = manifest
                    $0.hooks = (member.spec.hooks ?? manifest.hooks).intersection(member.spec.measureOnly ? [.analyze] : Set(PluginHook.allCases))
                    $0.started = true
                }
            } catch {
                member.state.withLock { $0.started = true }
                fail(member, hook: nil, chapter: nil, error, disable: true)
            }
        }
    }

    /// Calls every enabled plugin that takes the hook, in order, and returns the answers of
    /// those that answered well; the others are reported and skipped.
    public func call(_ call: PluginCall) async -> [Reply] {
        guard await open() else { return [] }
        var replies: [Reply] = []
        for member in members {
            if let reply = await invoke(member, call) { replies.append(reply) }
        }
        return replies
    }

    /// Calls the plugins that take the hook one after another, each with the call `make`
    /// builds from what the plugins before it made of `value` (`apply` takes in each answer):
    /// the second plugin amends the first one's outline, not the original.
    public func callInTurn<Value>(_ value: Value, _ make: (Value) -> PluginCall, apply: (Value, Reply) async throws -> Value) async rethrows -> Value {
        guard await open() else { return value }
        var current = value
        for member in members {
            if let reply = await invoke(member, make(current)) { current = try await apply(current, reply) }
        }
        return current
    }

    /// Whether calls may go out (started now if need be). After shutdown nothing is called:
    /// an external plugin would otherwise be started again.
    private func open() async -> Bool {
        guard !members.isEmpty, !closed.withLock({ $0 }) else { return false }
        await start()
        return true
    }

    /// One plugin's answer to a call of a hook it takes, timed; nil when it does not take
    /// the hook, is disabled, or failed (reported).
    private func invoke(_ member: Member, _ call: PluginCall) async -> Reply? {
        guard let plugin = member.plugin, member.state.withLock({ !$0.disabled && $0.hooks.contains(call.hook) }) else { return nil }
        let began = DispatchTime.now().uptimeNanoseconds
        let outcome = await Self.within(member.spec.timeoutMS, plugin: plugin, executor: member.executor, call: call)
        let micros = Int((DispatchTime.now().uptimeNanoseconds - began) / 1_000)
        member.state.withLock {
            $0.calls += 1
            if $0.timings.count < 100_000 { $0.timings.append(micros) }
        }
        switch outcome {
        case .success(let answer):
            return Reply(plugin: member.spec.name, answer: answer)
        case .failure(let problem):
            fail(member, hook: call.hook, chapter: call.chapter, problem, disable: false)
            return nil
        }
    }

    /// An in-process plugin gets the same deadline as an external one: a hung call is
    /// abandoned (and cancelled), not waited for.
    static func within(_ milliseconds: Int, plugin: any WorkbenchPlugin, executor: PluginExecutor, call: PluginCall) async -> Result<PluginAnswer, PluginProblem> {
        if plugin is ExternalPlugin {
            // Its own exchange has the deadline (and kills the process when it passes).
            do { return .success(try await plugin.handle(call)) } catch { return .failure(error) }
        }
        let task = LockedValue<Task<Void, Never>?>(nil)
        let outcome: Result<PluginAnswer, PluginProblem> = await OneShot.run(until: .now() + .milliseconds(milliseconds), timedOut: .failure(.timeout(milliseconds: milliseconds))) { shot in
            task.withLock {
                // On the plugin's own thread: its deadline measures the plugin, not how busy
                // the engine's threads are, and a plugin that blocks holds none of them.
                $0 = Task(executorPreference: executor) {
                    do throws(PluginProblem) { shot.resume(.success(try await plugin.handle(call))) } catch { shot.resume(.failure(error)) }
                }
            }
        }
        if case .failure(.timeout) = outcome { task.withLock { $0 }?.cancel() }
        // The host checks an in-process answer as it checks a decoded one.
        if case .success(let answer) = outcome, let refused = answer.misplacedField(for: call.hook) { return .failure(.refused(refused)) }
        return outcome
    }

    private func fail(_ member: Member, hook: PluginHook?, chapter: Int?, _ problem: PluginProblem, disable: Bool) {
        let (failures, disabledNow) = member.state.withLock { state -> (Int, Bool) in
            state.failures[problem.reason, default: 0] += 1
            let total = state.failures.values.reduce(0, +)
            let disabledNow = !state.disabled && (disable || total >= member.spec.maxFailures)
            if disabledNow { state.disabled = true }
            return (total, disabledNow)
        }
        publish(.failed(plugin: member.spec.name, hook: hook, chapter: chapter, reason: problem.reason, detail: Redaction.redact(problem.detail)))
        if disabledNow { publish(.disabled(plugin: member.spec.name, failures: failures)) }
    }

    /// Stops every plugin (an external one is sent `bye`, then killed).
    public func shutdown() async {
        closed.withLock { $0 = true }
        for member in members { await member.plugin?.shutdown() }
    }

    public var tallies: [Tally] {
        members.map { member in
            member.state.withLock {
                Tally(plugin: member.spec.name, version: $0.manifest?.version, calls: $0.calls, failures: $0.failures, disabled: $0.disabled)
            }
        }
    }

    /// Each plugin's call durations so far, in microseconds.
    public func timings(of plugin: String) -> [Int] {
        members.first { $0.spec.name == plugin }?.state.withLock { $0.timings } ?? []
    }

    /// Plugin name → the version its handshake declared, for the started ones.
    public var versions: [String: String] {
        Dictionary(uniqueKeysWithValues: members.compactMap { member in member.state.withLock { $0.manifest }.map { (member.spec.name, $0.version) } })
    }

    public func manifest(of plugin: String) -> PluginManifest? {
        members.first { $0.spec.name == plugin }?.state.withLock { $0.manifest }
    }

    /// The plugins as the run record holds them: spec and started version, in call order.
    public var recordFields: [[String: Any]] {
        members.map { member in member.spec.recordFields(version: member.state.withLock { $0.manifest?.version }) }
    }
}

extension PluginAnswer {
    /// The first field set that another hook owns, described; nil when the answer fits `hook`.
    func misplacedField(for hook: PluginHook) -> String? {
        let set: [(String, Bool)] = [
            ("outline", outline != nil), ("instructions", !instructions.isEmpty), ("variables", !variables.isEmpty), ("text", text != nil),
            ("rewrite", rewrite != nil), ("metrics", !metrics.isEmpty), ("issues", !issues.isEmpty), ("operation", operation != nil),
        ]
        for (field, present) in set where present {
            if let owner = Self.fieldHooks[field], owner != hook { return Self.misplaced(field, owner: owner, hook: hook) }
        }
        if let bad = metrics.keys.sorted().first(where: { !PluginManifest.isValidMetricName($0) }) { return "metric name `\(bad)`: use lower case letters, digits and _" }
        return nil
    }
}

/// A serial queue of its own for an in-process plugin's calls, off the cooperative pool.
final class PluginExecutor: TaskExecutor {
    private let queue = DispatchQueue(label: "workbench.plugin")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
