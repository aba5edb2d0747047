import Foundation
import Continuity
import Judge
import LLM
import Quality
import Store
import Style
import WorkbenchCore

// Writing one chapter: its draft scene by scene, then its enhancement and judges.

extension BookGenerator {
    /// What a chapter is scored under: its word target, the book's obsession, the experiment's
    /// targets with the chapter's own requirements, and its plan.
    func analysisContext(_ spec: ChapterSpec, outline: Outline) -> AnalysisContext {
        Self.analysisContext(spec, outline: outline, targets: config.targets(forChapter: spec.number), style: config.style?.target)
    }

    static func analysisContext(_ spec: ChapterSpec, outline: Outline, targets: QualityTargets, style: StyleTarget? = nil) -> AnalysisContext {
        AnalysisContext(targetWords: spec.targetWords, obsession: outline.obsession, targets: targets, chapterPlan: ChapterPlan(outline: outline, chapter: spec),
                        style: style)
    }

    /// The point of view and tense the prompts ask for: the style profile's, else the third person, past tense.
    var pointOfView: String {
        guard let features = config.style?.profile.features else { return "the third person, past tense" }
        return "the \(features.firstPersonShare > 0.5 ? "first" : "third") person, \(features.pastShare >= 0.5 ? "past" : "present") tense"
    }

    /// The prompts' style variables for a chapter: `point_of_view`, and `style` (the profile's
    /// constraints and the exemplars furthest from the chapter's content) when the book has one.
    func styleVariables(_ spec: ChapterSpec, outline: Outline) -> [String: String] {
        var variables = ["point_of_view": pointOfView]
        if let style = styleBlock(spec, outline: outline) { variables["style"] = style }
        return variables
    }

    /// The `style` variable alone: the profile's block for this chapter, nil without an author style.
    func styleBlock(_ spec: ChapterSpec, outline: Outline) -> String? {
        guard let style = config.style else { return nil }
        let content = ([spec.title, outline.setting, outline.logline] + spec.beats + outline.characters.map(\.name)).joined(separator: "\n")
        return style.prompt(farFrom: content)
    }

    /// Writes, analyses and enhances one chapter of `book`. It is stored as chapter `slot`
    /// (the spec's number unless given: an A/B test stores sample i of an arm as chapter i),
    /// and an interrupted one continues from its stored versions.
    /// Its events have reached every subscriber when it returns.
    public func writeChapter(_ spec: ChapterSpec, outline: Outline, book: String, run: RunID, slot: Int? = nil) async throws -> ChapterOutcome {
        if config.ensemble != nil, named == nil { throw EngineError.ensembleWithoutNamedProviders }
        await startPlugins(reportingTo: run)
        do {
            let outcome = try await write(spec, outline: outline, book: book, run: run, slot: slot)
            await events.flush()
            if ownsPlugins { await plugins?.shutdown() }
            return outcome
        } catch {
            await events.flush()
            if ownsPlugins { await plugins?.shutdown() }
            throw error
        }
    }

    /// `writeChapter` without waiting for the subscribers: chapters written inside `generate`.
    /// The draft (or the stored kept version, when the chapter was interrupted), then the
    /// enhancement loop (`enhance`), then the judges (`judge`).
    func write(_ spec: ChapterSpec, outline: Outline, book: String, run: RunID, slot given: Int? = nil) async throws -> ChapterOutcome {
        let slot = given ?? spec.number
        try emit(.chapterStarted(chapter: slot, title: spec.title, targetWords: spec.targetWords), run: run)
        let characters = Self.characterSheet(outline.characters)
        let context = analysisContext(spec, outline: outline)
        // A chapter interrupted after its draft was stored continues from its versions.
        let stored = try database.chapterVersions(bookID: book, chapter: slot)
        var kept: KeptVersion
        if let version = stored.last(where: \.kept) {
            kept = KeptVersion(report: QualityAnalyzer.analyze(version.text, context: context), text: version.text, version: version,
                               pluginMetrics: try storedPluginMetrics(version))
        } else {
            let additions = await pluginPromptAdditions(spec, outline: outline)
            var text: String, scenes: Int
            var merge: EnsembleOutcome?
            if config.ensemble != nil {
                let outcome = try await ensembleDraft(spec, outline: outline, characters: characters, book: book, run: run, slot: slot, additions: additions)
                (text, scenes, merge) = (outcome.text, outcome.positions, outcome)
            } else {
                (text, scenes) = try await draft(spec, outline: outline, characters: characters, book: book, run: run, slot: slot, additions: additions)
            }
            text = try await afterDraft(text, spec: spec, outline: outline, characters: characters, book: book, run: run, slot: slot)
            var report = QualityAnalyzer.analyze(text, context: context)
            let words = Int(report["word_count"] ?? 0)
            let version = try database.addChapterVersion(bookID: book, chapter: slot, text: text, wordCount: words,
                                                         origin: merge == nil ? "generate" : "ensemble", scores: report.scoreRows)
            if let merge { try storeEnsemble(merge, version: version) }
            try emit(.draftWritten(chapter: slot, version: version.version, words: words, scenes: scenes), run: run)
            let added = try await pluginMetrics(version, text: text, report: report, slot: slot)
            report.issues += added.issues
            try emit(.chapterScored(chapter: slot, version: version.version, quality: report.quality, words: words,
                                    metrics: Self.dashboardMetrics(report), issues: report.issues.prefix(2).map(\.message)), run: run)
            kept = KeptVersion(report: report, text: text, version: version, pluginMetrics: added.metrics)
        }
        let iterationsDone = max(0, (stored.last?.version ?? kept.version.version) - 1)
        kept = try await enhance(kept, spec: spec, outline: outline, characters: characters, context: context,
                                 book: book, run: run, slot: slot, iterationsDone: iterationsDone)
        let judgeScores = try await judge(kept, outline: outline, book: book, run: run, slot: slot)
        let outcome = ChapterOutcome(slot: slot, text: kept.text, report: kept.report, judgeScores: judgeScores, pluginMetrics: kept.pluginMetrics)
        try emit(.chapterDone(chapter: slot, quality: kept.report.quality, words: outcome.words), run: run)
        await observe(.afterChapter(chapter: slot, quality: kept.report.quality, words: outcome.words, text: kept.text))
        return outcome
    }

    /// The chapter's first full draft: its opening scene, then continuations to the target;
    /// with the number of scenes it holds.
    func draft(_ spec: ChapterSpec, outline: Outline, characters: String, book: String, run: RunID, slot: Int,
               additions: (instructions: [String], variables: [String: String]) = ([], [:])) async throws -> (text: String, scenes: Int) {
        let provider = try await route(.generate, CallContext(runID: run, bookID: book, chapter: slot))
        let previous: String
        if config.sequential {
            // What the earlier chapters actually say (their kept versions), not only their plan.
            previous = try database.latestChapterVersions(bookID: book).filter { $0.chapter < spec.number }
                .map { Self.summary(of: $0.text, chapter: $0.chapter) }.joined(separator: " ")
        } else {
            previous = outline.chapters.filter { $0.number < spec.number }.map { "\($0.number). \($0.title): \($0.beats.joined(separator: " "))" }.joined(separator: " ")
        }
        let target = spec.targetWords
        // A draft a killed or timed-out task left part-way goes on from its last scene.
        var progress: DraftProgress
        if let saved = try await drafts?.load(chapter: slot) {
            progress = saved
        } else {
            let text = try await complete(provider, .generate, prompts.render(ChapterPromptContext(
                number: spec.number, chapters: outline.chapters.count, title: outline.title, logline: outline.logline,
                setting: outline.setting, characters: characters, obsession: outline.obsession, previous: previous,
                chapterTitle: spec.title, beats: spec.beats, words: target,
                pointOfView: pointOfView, style: styleBlock(spec, outline: outline),
                extraInstructions: additions.instructions, extraVariables: additions.variables)), seed: seed(slot, 0), words: target, run: run)
            progress = DraftProgress(text: text, scene: 1, scenesWritten: 1, words: TextScanner.scan(text).wordCount, stalled: 0, finished: false)
            try emit(.sceneWritten(chapter: slot, scene: 1, words: progress.words, target: target), run: run)
            try await drafts?.save(progress, chapter: slot, run: run)
        }

        // Small models stop early whatever they are asked: continue scene by scene, each
        // from the chapter's last paragraphs and on to the next beat, until the target.
        while !progress.finished, Double(progress.words) < Double(target) * 0.95, progress.scene < 40, progress.stalled < 3 {
            progress.scene += 1
            let scene = progress.scene
            let tail = Self.tail(of: progress.text, words: 120)
            let beat = spec.beats[min(spec.beats.count - 1, (scene - 1) * spec.beats.count / max(2, target / 250 + 1))]
            let piece = try await complete(provider, .generate, prompts.render(ContinuationPromptContext(
                number: spec.number, title: outline.title, characters: characters, obsession: outline.obsession,
                tail: tail, beat: beat, words: target - progress.words,
                pointOfView: pointOfView, style: styleBlock(spec, outline: outline),
                extraInstructions: additions.instructions, extraVariables: additions.variables)), seed: seed(slot, scene), words: target - progress.words, run: run)
            let added = TextScanner.scan(piece).wordCount
            if added < 5 {
                progress.stalled += 1
            } else {
                progress.stalled = 0
                progress.text += "\n\n" + piece.trimmingCharacters(in: .whitespacesAndNewlines)
                progress.words += added
                progress.scenesWritten += 1
                try emit(.sceneWritten(chapter: slot, scene: scene, words: progress.words, target: target), run: run)
            }
            try await drafts?.save(progress, chapter: slot, run: run)
        }
        if !progress.finished, let drafts {
            progress.finished = true
            try await drafts.save(progress, chapter: slot, run: run)
        }
        guard progress.words > 0 else { throw EngineError.noProgress(chapter: slot, words: 0) }
        return (progress.text, progress.scenesWritten)
    }

    /// An extractive summary of a written chapter: the first sentence of its opening
    /// paragraphs and of its last, so the next chapter follows what was really written.
    static func summary(of text: String, chapter: Int) -> String {
        let paragraphs = Paragraphs.texts(text)
        let picked = Array(paragraphs.prefix(3)) + (paragraphs.count > 3 ? [paragraphs[paragraphs.count - 1]] : [])
        let sentences = picked.map { paragraph -> String in
            let trimmed = paragraph.trimmingCharacters(in: .whitespacesAndNewlines)
            if let end = trimmed.firstIndex(where: { ".!?".contains($0) }) { return String(trimmed[...end]) }
            return String(trimmed.prefix(160))
        }
        return "Chapter \(chapter) as written: " + sentences.joined(separator: " ")
    }

    /// The last paragraphs of a text, up to about `words` words: what a continuation follows.
    static func tail(of text: String, words: Int) -> String {
        var result: [Substring] = []
        var count = 0
        for paragraph in Paragraphs.texts(text).reversed() {
            result.insert(paragraph, at: 0)
            count += paragraph.split(separator: " ").count
            if count >= words { break }
        }
        let joined = result.joined(separator: "\n\n")
        let allWords = joined.split(separator: " ")
        return allWords.count > words * 2 ? allWords.suffix(words * 2).joined(separator: " ") : joined
    }
}
