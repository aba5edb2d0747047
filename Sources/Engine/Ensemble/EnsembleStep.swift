import Continuity
import Foundation
import Judge
import LLM
import Quality
import Store
import Synchronization
import WorkbenchCore

/// What an ensemble chapter's draft produced: the merged text and what to store beside its version.
struct EnsembleOutcome: Sendable {
    var text: String
    var positions: Int
    /// Version 0 until the merged text is stored (`storeEnsemble(_:version:)`).
    var chapter: EnsembleChapterRecord
    var units: [EnsembleUnitRecord]
    var duels: [EnsembleDuelRecord]
}

extension BookGenerator {
    /// Drafts a chapter with every candidate of the experiment's `ensemble:` at once, each
    /// beat by beat; cuts the drafts into units aligned by beat; picks the unit with the best
    /// evidence (heuristic composite; for the closest contests, while the token budget lasts,
    /// the judges' pairwise verdicts on the two leaders in both orders) plus the provider's
    /// prior (fixed weights, or strengths learned from earlier runs' verdicts);
    /// rewrites the first paragraph after each join between candidates through the `enhance`
    /// route, keeping a rewrite only when the chapter's quality and continuity hold; and keeps
    /// one whole candidate instead when the merge has more continuity violations per 10,000
    /// words than the best candidate. A candidate whose provider fails is left out from where
    /// it failed, and the event says so.
    func ensembleDraft(_ spec: ChapterSpec, outline: Outline, characters: String, book: String, run: RunID, slot: Int,
                       additions: (instructions: [String], variables: [String: String])) async throws -> EnsembleOutcome {
        guard let settings = config.ensemble else { preconditionFailure("ensembleDraft without ensemble settings") }
        guard let named else { throw EngineError.ensembleWithoutNamedProviders }
        let callContext = CallContext(runID: run, bookID: book, chapter: slot)
        let beats = spec.beats.isEmpty ? [spec.title] : spec.beats
        let wordsPerBeat = max(40, spec.targetWords / beats.count)
        let ids = settings.candidates

        var drafts = [EnsembleDraft](repeating: EnsembleDraft(id: ids[0], sections: []), count: ids.count)
        try await withThrowingTaskGroup(of: (Int, EnsembleDraft).self) { group in
            for (index, id) in ids.enumerated() {
                group.addTask {
                    (index, try await self.candidateDraft(id, index: index, named: named, beats: beats, wordsPerBeat: wordsPerBeat, spec: spec, outline: outline,
                                                          characters: characters, context: callContext, run: run, slot: slot, additions: additions))
                }
            }
            for try await (index, draft) in group { drafts[index] = draft }
        }
        let failed = drafts.filter { $0.failure != nil }
        guard drafts.contains(where: { !$0.sections.isEmpty }) else {
            throw EngineError.ensembleFailed(chapter: slot, failures: failed.map { "\($0.id): \($0.failure ?? "no text")" })
        }

        let strengths: EnsembleStrengths? = settings.weights == .learned
            ? try EnsembleStrengths.fit(try database.ensembleDuels(excludingRun: run.rawValue), providers: settings.providers) : nil
        let tally = TokenTally()
        var judges: [any LLMProvider] = []
        for name in settings.judges { judges.append(CountingProvider(try await named(name, callContext), tally: tally)) }
        let rubrics = judges.isEmpty ? nil : try Rubrics.load(folder: settings.rubrics)
        let unitContext = AnalysisContext(obsession: outline.obsession, targets: config.targets(forChapter: spec.number), style: config.style?.target)

        var contests: [EnsembleContest] = []
        let positions = EnsembleSelection.positions(unit: settings.unit, beats: beats, drafts: drafts, wordsPerBeat: wordsPerBeat)
        for position in positions {
            let priors = EnsembleSelection.priors(settings, learned: strengths, kind: position.kind)
            let entries: [EnsembleContest.Entry] = drafts.indices.compactMap { index in
                guard let text = EnsembleSelection.unit(of: drafts[index], at: position) else { return nil }
                let report = QualityAnalyzer.analyze(text, context: unitContext)
                return EnsembleContest.Entry(candidate: index, text: text, composite: report.quality, judgeShare: nil,
                                             prior: priors[drafts[index].id.provider] ?? 0, words: Int(report["word_count"] ?? 0))
            }
            if !entries.isEmpty { contests.append(EnsembleContest(position: position, entries: entries)) }
        }
        if let predictor = settings.predictor {
            // One batch for every unit of every position.
            let scores = try predictor.model.predict(contests.flatMap { $0.entries.map(\.text) })
            var next = scores.makeIterator()
            for index in contests.indices {
                for entry in contests[index].entries.indices { contests[index].entries[entry].predicted = next.next() }
            }
        }

        // Each whole candidate, as the merge will be measured: what it must not read worse than.
        let chapterContext = analysisContext(spec, outline: outline)
        let candidates: [EnsembleChapterRecord.Candidate] = drafts.map { draft in
            let text = draft.text
            return EnsembleChapterRecord.Candidate(
                provider: draft.id.provider, sample: draft.id.sample, words: TextScanner.scan(text).wordCount, tokens: draft.tokens, costUSD: draft.costUSD,
                violations: text.isEmpty ? 0 : Self.violations(text, chapter: spec.number, outline: outline),
                quality: text.isEmpty ? 0 : QualityAnalyzer.analyze(text, context: chapterContext).quality, failure: draft.failure)
        }

        // The judges settle the closest contests first, between the two leading units, while
        // the token budget lasts (a tenth of one generation is kept for the seams).
        var duels: [EnsembleDuelRecord] = []
        let single = EnsembleChapterRecord.singleTokens(candidates)
        let allowance = settings.tokenBudget * single - Double(drafts.map(\.tokens).reduce(0, +))
        if let rubrics {
            for index in EnsembleSelection.closestFirst(contests) {
                let (first, second) = contests[index].leaders
                let estimate = Double(contests[index].entries[first].text.utf8.count + contests[index].entries[second].text.utf8.count + 1_500) / 4
                    * 2 * Double(judges.count)
                guard Double(tally.tokens) + estimate <= allowance - 0.1 * single else { break }
                guard let verdict = try await judgePair(contests[index], first, second, drafts: drafts, number: index, judges: judges, rubrics: rubrics,
                                                        run: run, slot: slot) else { continue }
                contests[index].entries[first].judgeShare = verdict.shares.0
                contests[index].entries[second].judgeShare = verdict.shares.1
                duels.append(verdict.duel)
            }
        }

        var units = contests.map(\.chosen.text)
        let chosen = contests.map(\.chosen.candidate)
        var fusedPositions: Set<Int> = []
        var merged = EnsembleSelection.merge(units)
        var mergedViolations = Self.violations(merged.text, chapter: spec.number, outline: outline)
        let seamPositions = chosen.indices.dropFirst().filter { chosen[$0] != chosen[$0 - 1] }
        if settings.fuse, !seamPositions.isEmpty {
            let enhancer = CountingProvider(try await route(.enhance, callContext), tally: tally)
            var current = QualityAnalyzer.analyze(merged.text, context: chapterContext).quality
            for position in seamPositions {
                guard let first = Paragraphs.split(units[position]).first else { continue }
                // The rewrite's prompt holds the passage and the template; its answer the passage again.
                let estimate = Double(first.bytes.count * 2 + 2_000) / 4
                guard Double(tally.tokens) + estimate <= allowance else { break }
                let before = Self.lastSentence(of: units[position - 1])
                let rewritten = try await rewriting(
                    first, of: units[position], operation: "SMOOTH_SEAM",
                    instruction: "make this passage follow on from the one just before it, which ends: \"\(before)\"; keep its events, names and facts, and change only what the join needs",
                    words: max(30, TextScanner.scan(String(units[position][first.range])).wordCount), with: enhancer,
                    seed: seed(slot, 2000 + position), spec: spec, outline: outline, characters: characters, run: run)
                var trial = units
                trial[position] = rewritten
                let trialMerge = EnsembleSelection.merge(trial)
                let quality = QualityAnalyzer.analyze(trialMerge.text, context: chapterContext).quality
                let found = Self.violations(trialMerge.text, chapter: spec.number, outline: outline)
                if rewritten != units[position], quality >= current, found <= mergedViolations {
                    units = trial
                    merged = trialMerge
                    current = quality
                    mergedViolations = found
                    fusedPositions.insert(position)
                }
            }
        }

        // The continuity check at the seams: the merge may not read worse than the best whole candidate.
        var fallback: String?
        var chosenCandidates = chosen
        let complete = candidates.indices.filter { candidates[$0].failure == nil && candidates[$0].words > 0 }
        let mergedRate = ContinuityGraphRecord.density(violations: mergedViolations, words: TextScanner.scan(merged.text).wordCount)
        if let best = complete.min(by: { (candidates[$0].violationsPer10kWords, -candidates[$0].quality) < (candidates[$1].violationsPer10kWords, -candidates[$1].quality) }),
           mergedRate > candidates[best].violationsPer10kWords + 1e-9 {
            fallback = String(format: "the merge had %.1f continuity violations per 10,000 words, %@ %.1f",
                              mergedRate, drafts[best].id.description, candidates[best].violationsPer10kWords)
            chosenCandidates = contests.map { contest in contest.entries.contains { $0.candidate == best } ? best : contest.chosen.candidate }
            units = contests.map { contest in (contest.entries.first { $0.candidate == best } ?? contest.chosen).text }
            fusedPositions = []
            merged = EnsembleSelection.merge(units)
            mergedViolations = Self.violations(merged.text, chapter: spec.number, outline: outline)
        }

        var unitRecords: [EnsembleUnitRecord] = []
        for (number, contest) in contests.enumerated() {
            let oracle = contest.oracle.candidate
            for entry in contest.entries {
                let id = drafts[entry.candidate].id
                let isChosen = entry.candidate == chosenCandidates[number]
                unitRecords.append(EnsembleUnitRecord(
                    position: number, beatStart: contest.position.beats.lowerBound, beatEnd: contest.position.beats.upperBound,
                    paragraph: contest.position.paragraph, kind: contest.position.kind, provider: id.provider, sample: id.sample,
                    composite: entry.composite, judgeShare: entry.judgeShare, predicted: entry.predicted, prior: entry.prior, words: entry.words, chosen: isChosen,
                    oracle: entry.candidate == oracle, bytes: isChosen ? merged.ranges[number] : nil, fused: isChosen && fusedPositions.contains(number)))
            }
        }
        let tokens = drafts.map(\.tokens).reduce(0, +) + tally.tokens
        let cost = drafts.map(\.costUSD).reduce(0, +) + tally.costUSD
        let record = EnsembleChapterRecord(
            runID: run.rawValue, bookID: book, chapter: slot, version: 0, unit: settings.unit.rawValue,
            weights: settings.weights == .learned ? "learned" : "fixed", candidates: candidates, tokens: tokens, costUSD: cost,
            words: TextScanner.scan(merged.text).wordCount, violations: mergedViolations, seams: seamPositions.count,
            seamsFused: fusedPositions.count, fallback: fallback)
        var won: [String: Int] = [:]
        for candidate in chosenCandidates { won[drafts[candidate].id.description, default: 0] += 1 }
        try emit(.ensembleMerged(chapter: slot, units: contests.count, won: won, failed: failed.map { "\($0.id)" }, seams: seamPositions.count,
                                 fused: fusedPositions.count, tokens: tokens, singleTokens: Int(record.singleTokens.rounded()), fallback: fallback), run: run)
        return EnsembleOutcome(text: merged.text, positions: contests.count, chapter: record, units: unitRecords, duels: duels)
    }

    /// Stores the merge's summary, units and verdicts against the chapter version holding it;
    /// the units' byte ranges only when that version's text is the merge's (a plugin's
    /// afterDraft may have changed it).
    func storeEnsemble(_ outcome: EnsembleOutcome, version: ChapterVersionRecord) throws {
        var chapter = outcome.chapter
        chapter.version = version.version
        let units = version.text == outcome.text ? outcome.units : outcome.units.map { unit in
            var copy = unit
            copy.bytes = nil
            return copy
        }
        try database.addEnsembleChapter(chapter, units: units, duels: outcome.duels)
    }

    /// One candidate's draft, beat by beat, each passage continuing its own text. A provider
    /// failure ends the draft where it happened (the sections so far stay candidates);
    /// cancellation and the budget stop the chapter.
    private func candidateDraft(_ id: EnsembleCandidateID, index: Int, named: NamedRouter, beats: [String], wordsPerBeat: Int, spec: ChapterSpec,
                                outline: Outline, characters: String, context: CallContext, run: RunID, slot: Int,
                                additions: (instructions: [String], variables: [String: String])) async throws -> EnsembleDraft {
        var draft = EnsembleDraft(id: id, sections: [])
        do {
            let provider = try await named(id.provider, context)
            for (number, beat) in beats.enumerated() {
                var section = ""
                var tries = 0
                while tries < 3, Double(TextScanner.scan(section).wordCount) < Double(wordsPerBeat) * 0.8 {
                    let written = EnsembleSelection.join(draft.sections + [section])
                    let tail = written.isEmpty ? "(nothing yet: this is the chapter's opening, \"\(spec.title)\")" : Self.tail(of: written, words: 120)
                    let wanted = wordsPerBeat - TextScanner.scan(section).wordCount
                    let completion = try await completion(provider, .generate, prompts.render(ContinuationPromptContext(
                        number: spec.number, title: outline.title, characters: characters, obsession: outline.obsession,
                        tail: tail, beat: beat, words: wanted, pointOfView: pointOfView, style: styleBlock(spec, outline: outline),
                        extraInstructions: additions.instructions, extraVariables: additions.variables)),
                        seed: seed(slot, 1000 + 100 * index + 3 * number + tries), words: wanted, run: run)
                    draft.tokens += completion.usage.totalTokens
                    draft.costUSD += completion.costUSD
                    section = EnsembleSelection.join([section, completion.text])
                    tries += 1
                }
                draft.sections.append(section)
            }
        } catch let error where Self.isCandidateFailure(error) {
            draft.failure = Self.failureMessage(error)
        }
        return draft
    }

    /// Whether a candidate's error is its provider's (the merge goes on without it), not the
    /// run's (cancellation, the budget).
    static func isCandidateFailure(_ error: any Error) -> Bool {
        if error is CancellationError { return false }
        if let error = error as? EngineError, case .budgetReached = error { return false }
        if let error = error as? LLMError { return error != .cancelled }
        return true
    }

    /// The two leading units of a contest judged in both orders: each one's share of the
    /// verdicts (ties half) and the verdict to store. Nil when a judge failed: the position is
    /// then chosen on the heuristic evidence alone, and `judge.failed` says so.
    private func judgePair(_ contest: EnsembleContest, _ first: Int, _ second: Int, drafts: [EnsembleDraft], number: Int,
                           judges: [any LLMProvider], rubrics: Rubrics, run: RunID, slot: Int) async throws -> (shares: (Double, Double), duel: EnsembleDuelRecord)? {
        let judge = Judge(judges: judges, rubrics: rubrics, samples: 1, seed: seed(slot, 3000 + number))
        let a = contest.entries[first], b = contest.entries[second]
        let verdict: PairwiseVerdict
        do {
            verdict = try await judge.compare(a.text, b.text, dimension: "overall", bothOrders: true)
        } catch let error where Self.isJudgeAnswerFailure(error) {
            try emit(.judgeFailed(chapter: slot, dimension: "ensemble unit \(number + 1)", judge: judge.scorer,
                                  error: Self.failureMessage(error)), run: run)
            return nil
        }
        try checkBudget(run)
        let total = Double(max(1, verdict.winsA + verdict.winsB + verdict.ties))
        let idA = drafts[a.candidate].id, idB = drafts[b.candidate].id
        let duel = EnsembleDuelRecord(chapter: slot, position: number, kind: contest.position.kind, providerA: idA.provider, sampleA: idA.sample,
                                      providerB: idB.provider, sampleB: idB.sample, winsA: verdict.winsA, winsB: verdict.winsB, ties: verdict.ties,
                                      orderFlips: verdict.orderFlips ?? 0, judge: judge.scorer)
        return (((Double(verdict.winsA) + Double(verdict.ties) / 2) / total, (Double(verdict.winsB) + Double(verdict.ties) / 2) / total), duel)
    }

    /// Continuity violations of one chapter's text against itself and the outline's cast.
    static func violations(_ text: String, chapter: Int, outline: Outline) -> Int {
        BookCheck([ChapterText(number: chapter, text: text)], characters: outline.characters).violations.count
    }

    /// The last sentence of a passage (at most 200 characters): what a seam's rewrite follows on from.
    static func lastSentence(of text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let body = trimmed.last.map { ".!?\"'”’".contains($0) } == true ? String(trimmed.dropLast()) : trimmed
        let start = body.lastIndex { ".!?".contains($0) }.map { body.index(after: $0) } ?? body.startIndex
        return String(trimmed[start...].trimmingCharacters(in: .whitespaces).suffix(200))
    }
}

/// Tokens and cost of the calls made through `CountingProvider`s sharing it.
final class TokenTally: Sendable {
    private let totals = Mutex<(tokens: Int, cost: Double)>((0, 0))
    func add(_ completion: Completion) { totals.withLock { $0.tokens += completion.usage.totalTokens; $0.cost += completion.costUSD } }
    var tokens: Int { totals.withLock { $0.tokens } }
    var costUSD: Double { totals.withLock { $0.cost } }
}

/// A provider whose answers are counted in a tally (an ensemble's judges and seam rewrites).
struct CountingProvider: LLMProvider {
    let base: any LLMProvider
    let tally: TokenTally
    init(_ base: any LLMProvider, tally: TokenTally) {
        self.base = base
        self.tally = tally
    }
    var name: String { base.name }
    var model: String { base.model }
    func complete(_ request: CompletionRequest) async throws -> Completion {
        let completion = try await base.complete(request)
        tally.add(completion)
        return completion
    }
    func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> { base.stream(request) }
}
