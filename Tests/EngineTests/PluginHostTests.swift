import Foundation
import Testing
@testable import Engine
import Store
import WorkbenchCore

/// The plugin host against real processes: small Python plugins written to a temporary folder.
@Suite struct PluginHostTests {
    /// A plugin whose behaviour per hook is given by `script` (Python, with `m` the call and `say(result)`).
    static func plugin(_ name: String, hooks: [String], capabilities: [String], body: String, declaredName: String? = nil) throws -> PluginSpec {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("plugins-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let script = """
            import sys, json, time, os
            def say(result, id=None):
                print(json.dumps({"type": "result", "id": id, "result": result}), flush=True)
            for line in sys.stdin:
                m = json.loads(line)
                if m.get("type") == "hello":
                    print(json.dumps({"type": "hello", "name": "\(declaredName ?? name)", "version": "1.2", "hooks": \(hooks), "capabilities": \(capabilities)}), flush=True)
                    continue
                if m.get("type") == "bye":
                    break
                hook, data, id = m["hook"], m["data"], m["id"]
            \(body.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))

            """
        try script.write(toFile: folder + "/plugin.py", atomically: true, encoding: .utf8)
        return PluginSpec(name: name, command: ["python3", "plugin.py"], timeoutMS: 2_000, folder: folder)
    }

    static let analyze = PluginCall.analyze(.init(chapter: 1, version: 1, text: PluginCheck.sampleText, quality: 6, metrics: ["emotion": 0.1]))

    @Test func anExternalPluginAnswersEveryCallInOrder() async throws {
        let spec = try Self.plugin("count", hooks: ["analyze"], capabilities: ["addMetrics"], body: """
            say({"metrics": {"words": len(data["text"].split()), "chapter": data["chapter"]}}, id)
            """)
        let host = PluginHost(specs: [spec])
        var timings: [Double] = []
        for _ in 0..<20 {
            let began = DispatchTime.now().uptimeNanoseconds
            let replies = await host.call(Self.analyze)
            timings.append(Double(DispatchTime.now().uptimeNanoseconds - began) / 1e6)
            #expect(replies.map(\.plugin) == ["count"])
            #expect(replies.first?.answer.metrics == ["words": Double(PluginCheck.sampleText.split(whereSeparator: \.isWhitespace).count), "chapter": 1])
        }
        print("round trips (ms):", timings.map { String(format: "%.2f", $0) }.joined(separator: " "))
        #expect(host.tallies == [.init(plugin: "count", version: "1.2", calls: 20, failures: [:], disabled: false)])
        await host.shutdown()
    }

    /// Collects the host's notices.
    final class Notices: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [PluginNotice] = []
        func add(_ notice: PluginNotice) { lock.withLock { list.append(notice) } }
        var all: [PluginNotice] { lock.withLock { list } }
        var reasons: [String] { all.compactMap { if case .failed(_, _, _, let reason, _) = $0 { return reason } else { return nil } } }
    }

    @Test func everyKindOfFailureIsReportedSkippedAndTheProcessStartedAgain() async throws {
        // Call 1 errs, 2 hangs, 3 answers garbage, 4 a wrong id, 5 crashes, 6 answers: one
        // process per call after a kill, so the counter lives in a file.
        var spec = try Self.plugin("flaky", hooks: ["analyze"], capabilities: ["addMetrics"], body: """
            n = int(open("n").read()) + 1 if os.path.exists("n") else 1
            open("n", "w").write(str(n))
            if n == 1: print(json.dumps({"type": "error", "id": id, "message": "no lexicon"}), flush=True)
            elif n == 2: time.sleep(5)
            elif n == 3: print("{not json", flush=True)
            elif n == 4: say({}, id + 100)
            elif n == 5: sys.exit(3)
            else: say({"metrics": {"ok": 1}}, id)
            """)
        spec.timeoutMS = 300
        spec.maxFailures = 10
        let host = PluginHost(specs: [spec])
        let notices = Notices()
        host.report(to: notices.add)
        var answered: [[String: Double]] = []
        for _ in 0..<6 { answered.append(contentsOf: await host.call(Self.analyze).map(\.answer.metrics)) }
        #expect(answered == [["ok": 1]])
        #expect(notices.reasons == ["error", "timeout", "invalid answer", "invalid answer", "crash"], "\(notices.all)")
        #expect(host.tallies.first?.failureCount == 5 && host.tallies.first?.disabled == false)
        await host.shutdown()
    }

    /// Hooks that transform (afterPlan, afterDraft) go plugin after plugin: each sees what the
    /// ones before it made, so no plugin's change is lost to the next one's.
    @Test func transformingHooksChainFromPluginToPlugin() async throws {
        let first = try Self.plugin("first", hooks: ["afterDraft"], capabilities: ["transformText"], body: """
            say({"text": data["text"] + " first"}, id)
            """)
        var second = try Self.plugin("second", hooks: ["afterDraft"], capabilities: ["transformText"], body: """
            say({"text": data["text"] + " second"}, id)
            """)
        second.priority = 1
        let host = PluginHost(specs: [second, first])
        let text = await host.callInTurn("Draft.", { .afterDraft(chapter: 1, text: $0, words: 1) }) { _, reply in reply.answer.text ?? "" }
        #expect(text == "Draft. first second")
        await host.shutdown()
    }

    @Test func afterMaxFailuresThePluginIsDisabledForTheRun() async throws {
        var spec = try Self.plugin("broken", hooks: ["analyze"], capabilities: ["addMetrics"], body: """
            print(json.dumps({"type": "error", "id": id, "message": "always"}), flush=True)
            """)
        spec.maxFailures = 2
        let host = PluginHost(specs: [spec])
        let notices = Notices()
        host.report(to: notices.add)
        for _ in 0..<5 { _ = await host.call(Self.analyze) }
        #expect(notices.all.count == 3, "\(notices.all)")
        #expect(notices.all.last == .disabled(plugin: "broken", failures: 2))
        #expect(host.tallies.first?.calls == 2)
        await host.shutdown()
    }

    @Test func whatAPluginDidNotDeclareIsRefused() async throws {
        // Declares analyze without addMetrics: refused at the handshake.
        let undeclared = try Self.plugin("sly", hooks: ["analyze"], capabilities: ["observe"], body: "say({\"metrics\": {\"x\": 1}}, id)")
        // An observer that answers with metrics: that answer is refused.
        let observer = try Self.plugin("nosy", hooks: ["afterChapter"], capabilities: ["observe"], body: "say({\"metrics\": {\"x\": 1}}, id)")
        let host = PluginHost(specs: [undeclared, observer])
        let notices = Notices()
        host.report(to: notices.add)
        #expect(await host.call(Self.analyze).isEmpty)
        #expect(await host.call(.afterChapter(chapter: 1, quality: 5, words: 10, text: "x")).isEmpty)
        #expect(notices.reasons == ["refused", "refused"])
        #expect(notices.all.contains(.disabled(plugin: "sly", failures: 1)))
        await host.shutdown()
    }

    @Test func pluginsGetNoKeysAndRunInPriorityThenNameOrder() async throws {
        setenv("OPENAI_API_KEY", "sk-test-secret", 1)
        defer { unsetenv("OPENAI_API_KEY") }
        func lister(_ name: String, priority: Int) throws -> PluginSpec {
            var spec = try Self.plugin(name, hooks: ["beforeChapter"], capabilities: ["transformPrompt"], body: """
                say({"instructions": [sorted(k for k in os.environ if "KEY" in k or "TOKEN" in k or "SECRET" in k).__repr__() + " \(name)"]}, id)
                """)
            spec.priority = priority
            return spec
        }
        let host = PluginHost(specs: [try lister("zeta", priority: 0), try lister("beta", priority: 1), try lister("alpha", priority: 1)])
        let replies = await host.call(.beforeChapter(.init(chapter: 1, title: "t", beats: [], targetWords: 100, bookTitle: "b", obsession: "o")))
        #expect(replies.map(\.plugin) == ["zeta", "alpha", "beta"])
        #expect(replies.flatMap(\.answer.instructions) == ["[] zeta", "[] alpha", "[] beta"])
        await host.shutdown()
    }

    /// An in-process plugin that never answers.
    struct Hanging: WorkbenchPlugin {
        func start() async throws(PluginProblem) -> PluginManifest {
            PluginManifest(name: "hang", version: "1", hooks: [.analyze], capabilities: [.addMetrics])
        }
        func handle(_ call: PluginCall) async throws(PluginProblem) -> PluginAnswer {
            // Hangs until cancelled (the host cancels it at the deadline); a plugin that also
            // ignores cancellation keeps its task, which in-process plugins cannot be spared.
            try? await Task.sleep(for: .seconds(3_600))
            return .none
        }
        func shutdown() async {}
    }

    @Test func aHungInProcessPluginIsAbandonedAtItsTimeout() async throws {
        let registry = PluginRegistry().registering("hang") { _ throws(PluginProblem) in Hanging() }
        let host = PluginHost(specs: [PluginSpec(name: "hang", timeoutMS: 100)], registry: registry)
        let notices = Notices()
        host.report(to: notices.add)
        #expect(await host.call(Self.analyze).isEmpty)
        #expect(notices.reasons == ["timeout"])
    }

    @Test func theBuiltInEventLogWritesALinePerCallAndNothingUntilCalled() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("event-log-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let host = PluginHost(specs: [PluginSpec(name: "event-log", configJSON: #"{"path":"log.jsonl"}"#, folder: folder)])
        let notices = Notices()
        host.report(to: notices.add)
        await host.start()
        #expect(!FileManager.default.fileExists(atPath: folder + "/log.jsonl"))
        _ = await host.call(.afterChapter(chapter: 2, quality: 6.5, words: 900, text: "long text"))
        _ = await host.call(.onEvent(.chapterDone(chapter: 2, quality: 6.5, words: 900)))
        await host.shutdown()
        #expect(notices.all.isEmpty, "\(notices.all)")
        let lines = try String(contentsOfFile: folder + "/log.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines == [#"{"chapter":2,"hook":"afterChapter","quality":6.5,"words":900}"#,
                          #"{"hook":"onEvent","kind":"chapter.done","payload":{"chapter":2,"quality":6.5,"words":900}}"#])
        #expect(host.tallies.first?.failureCount == 0)
    }

    @Test func aProgramThatIsNoPluginFailsItsHandshake() async throws {
        let host = PluginHost(specs: [PluginSpec(name: "cat", command: ["/bin/sh", "-c", "echo hello; sleep 1"], timeoutMS: 200)])
        let notices = Notices()
        host.report(to: notices.add)
        #expect(await host.call(Self.analyze).isEmpty)
        #expect(notices.reasons == ["start failed"])
        #expect(notices.all.last == .disabled(plugin: "cat", failures: 1))
    }
}

@Suite struct PluginConfigTests {
    func load(_ yaml: String) throws -> ExperimentConfig {
        let file = experiments + "/test-plugins-\(UUID().uuidString.prefix(6)).yaml"
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try ExperimentConfig.load(file: file)
    }

    @Test func pluginsAreReadInCallOrderAndRecordedInTheRun() throws {
        let config = try load("""
            plugins:
              - {name: romance, command: [python3, plugins/romance.py], hooks: [analyze, beforeChapter], timeout_ms: 800, config: {threshold: 4}}
              - {name: event-log, priority: -1, config: {path: /tmp/x.jsonl}}
            """)
        #expect(config.plugins.map(\.name) == ["event-log", "romance"])
        let romance = config.plugins[1]
        #expect(romance.command == ["python3", "plugins/romance.py"] && romance.hooks == [.analyze, .beforeChapter] && romance.timeoutMS == 800)
        #expect(romance.configJSON == #"{"threshold":4}"# && romance.folder == experiments)
        #expect(try config.runJSON(premise: nil).contains(#""plugins":[{"config":{"path":"/tmp/x.jsonl"},"hooks":null,"name":"event-log""#))
    }

    @Test(arguments: [
        ("plugins:\n  - {name: Romance, command: [x]}\n", "not usable in metric names"),
        ("plugins:\n  - {name: nosuch}\n", "no built-in plugin"),
        ("plugins:\n  - {name: a, command: [x], hooks: [afterWrite]}\n", "unknown hook"),
        ("plugins:\n  - {name: a, command: [x], config: 3}\n", "must be a map"),
        ("plugins:\n  - {name: a, command: [x]}\n  - {name: a, command: [y]}\n", "listed twice"),
    ])
    func badPluginEntriesAreLocated(yaml: String, problem: String) throws {
        do {
            _ = try load(yaml)
            Issue.record("accepted \(yaml)")
        } catch let error as any WorkbenchError {
            #expect(error.message.contains("plugins[") && (error.message.contains(problem) || (error.fix ?? "").contains(problem)), "\(error.message)")
        }
    }
}
