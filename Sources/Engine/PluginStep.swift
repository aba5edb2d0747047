import Foundation
import LLM
import Quality
import Store
import WorkbenchCore

// The pipeline's calls to its plugins. Each function is a no-op without plugins, so a run
// without `plugins:` is unchanged.
extension BookGenerator {
    /// afterPlan: each plugin may amend the outline in turn; an amendment that changes the
    /// chapter count or does not validate is refused and reported.
    func amendedOutline(_ outline: Outline, premise: String?, run: RunID) async -> Outline {
        guard let plugins else { return outline }
        return await plugins.callInTurn(outline, { .afterPlan(premise: premise, outline: $0) }) { current, reply in
            guard let amended = reply.answer.outline else { return current }
            let problems = amended.problems(expectedChapters: current.chapters.count)
            guard problems.isEmpty else {
                try? emit(.plugin(.failed(plugin: reply.plugin, hook: .afterPlan, chapter: nil, reason: "invalid answer", detail: problems.joined(separator: "; "))), run: run)
                return current
            }
            return amended
        }
    }

    /// The genre's instructions and variables, then beforeChapter's (in plugin order; the
    /// genre's, then the first plugin's value of a variable wins) for a chapter's drafting prompts.
    func pluginPromptAdditions(_ spec: ChapterSpec, outline: Outline) async -> (instructions: [String], variables: [String: String]) {
        var instructions = config.promptInstructions, variables = config.promptVariables
        guard let plugins else { return (instructions, variables) }
        let brief = PluginCall.ChapterBrief(chapter: spec.number, title: spec.title, beats: spec.beats, targetWords: spec.targetWords,
                                            bookTitle: outline.title, obsession: outline.obsession)
        for reply in await plugins.call(.beforeChapter(brief)) {
            instructions += reply.answer.instructions
            variables.merge(reply.answer.variables) { first, _ in first }
        }
        return (instructions, variables)
    }

    /// analyze: the plugins' metrics of a stored version, as `plugin.NAME.METRIC` → value, with
    /// their located issues; stored as scores (scorer `plugin:NAME@VERSION`).
    func pluginMetrics(_ version: ChapterVersionRecord, text: String, report: QualityReport, slot: Int) async throws -> (metrics: [String: Double], issues: [LocatedIssue]) {
        guard let plugins else { return ([:], []) }
        var metrics: [String: Double] = [:], issues: [LocatedIssue] = []
        var rows: [(scorer: String, metric: String, value: Double)] = []
        let values = Dictionary(uniqueKeysWithValues: report.metrics.map { ($0.name, $0.value) })
        for reply in await plugins.call(.analyze(.init(chapter: slot, version: version.version, text: text, quality: report.quality, metrics: values))) {
            let scorer = "\(Self.pluginScorerPrefix)\(reply.plugin)@\(plugins.manifest(of: reply.plugin)?.version ?? "?")"
            for (name, value) in reply.answer.metrics.sorted(by: { $0.key < $1.key }) {
                let full = PluginManifest.metricName(plugin: reply.plugin, metric: name)
                metrics[full] = value
                rows.append((scorer, full, value))
            }
            issues += reply.answer.issues.map { issue in
                var located = issue
                located.metric = PluginManifest.metricName(plugin: reply.plugin, metric: issue.metric)
                return located
            }
        }
        if !rows.isEmpty, let id = version.id { try database.addScores(versionID: id, rows) }
        return (metrics, issues)
    }

    /// The plugin metrics stored for a version (a resumed chapter's kept one).
    func storedPluginMetrics(_ version: ChapterVersionRecord) throws -> [String: Double] {
        guard plugins != nil, let id = version.id else { return [:] }
        let byScorer = try database.scores(versionIDs: [id])[id] ?? [:]
        return byScorer.filter { $0.key.hasPrefix(Self.pluginScorerPrefix) }.values.reduce(into: [:]) { $0.merge($1) { first, _ in first } }
    }

    static let pluginScorerPrefix = "plugin:"

    /// chooseOperation: the first plugin's proposal replaces the built-in choice.
    func pluginOperation(_ proposed: Enhancement.Operation?, text: String, report: QualityReport, pluginMetrics: [String: Double], slot: Int) async -> Enhancement.Operation? {
        guard let plugins else { return proposed }
        var values = Dictionary(uniqueKeysWithValues: report.metrics.map { ($0.name, $0.value) })
        values.merge(pluginMetrics) { own, _ in own }
        let shown = proposed.map { ProposedOperation(name: $0.name, instruction: $0.instruction, paragraph: $0.paragraph) }
        for reply in await plugins.call(.chooseOperation(.init(chapter: slot, text: text, quality: report.quality, metrics: values, proposed: shown))) {
            if let operation = reply.answer.operation {
                return Enhancement.Operation(name: operation.name, instruction: operation.instruction, paragraph: operation.paragraph)
            }
        }
        return proposed
    }

    /// An observing hook: answers carry no effect.
    func observe(_ call: PluginCall) async {
        guard let plugins else { return }
        _ = await plugins.call(call)
    }

    /// afterDraft: each plugin in turn may replace the draft, or have one paragraph rewritten
    /// through the enhance route with its instruction.
    func afterDraft(_ draft: String, spec: ChapterSpec, outline: Outline, characters: String, book: String, run: RunID, slot: Int) async throws -> String {
        guard let plugins else { return draft }
        var turn = 0
        return try await plugins.callInTurn(draft, { .afterDraft(chapter: slot, text: $0, words: TextScanner.scan($0).wordCount) }) { current, reply in
            defer { turn += 1 }
            var text = current
            if let replaced = reply.answer.text, TextScanner.scan(replaced).wordCount > 0 { text = replaced }
            guard let rewrite = reply.answer.rewrite else { return text }
            let paragraphs = Paragraphs.split(text)
            guard paragraphs.indices.contains(rewrite.paragraph - 1) else {
                try? emit(.plugin(.failed(plugin: reply.plugin, hook: .afterDraft, chapter: slot, reason: "invalid answer",
                                          detail: "paragraph \(rewrite.paragraph) of \(paragraphs.count)")), run: run)
                return text
            }
            let paragraph = paragraphs[rewrite.paragraph - 1]
            let words = max(TextScanner.scan(String(text[paragraph.range])).wordCount, 30)
            let enhancer = try await route(.enhance, CallContext(runID: run, bookID: book, chapter: slot))
            return try await rewriting(paragraph, of: text, operation: "REWRITE", instruction: rewrite.instruction, words: words, with: enhancer,
                                       seed: seed(slot, 90 + turn), spec: spec, outline: outline, characters: characters, run: run)
        }
    }
}

extension PluginHost {
    /// A host shared by the generators of one run (an A/B arm's, a suite's): its failures are
    /// stored as the run's events; nil without specs. Its owner shuts it down.
    public static func shared(_ specs: [PluginSpec], database: WorkbenchDatabase, run: RunID) -> PluginHost? {
        guard !specs.isEmpty else { return nil }
        let host = PluginHost(specs: specs)
        host.report { notice in
            let event = PipelineEvent.plugin(notice)
            try? database.appendEvent(to: run, kind: event.kind, payloadJSON: event.payloadJSON)
        }
        return host
    }
}
