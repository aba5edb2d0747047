import Foundation
import Continuity
import Judge
import LLM
import Quality
import Store
import Style
import WorkbenchCore

extension BookGenerator {
    /// The book's continuity once every chapter is written (`continuity:` of the experiment):
    /// check it and store the graph; with `fix`, fix what the check found, then store the
    /// graph of the fixed text. Resuming runs it again from the stored chapters.
    func continuityStep(run: RunID, bookID: String, outline: Outline) async throws {
        guard config.continuity.check, let book = try database.books().first(where: { $0.id == bookID }) else { return }
        var dismissed: Set<ViolationKey> = []
        let checked: ContinuityGraphRecord
        if config.continuity.verify {
            // The judge route sees each flagged pair; what it dismisses, quoting both passages, is neither stored nor fixed.
            let verifier = try await route(.judge, CallContext(runID: run, bookID: bookID))
            let verified = try await BookContinuity.check(book, in: database, extractor: .pattern, provider: nil, seed: config.seed &+ 900_000, verifier: verifier)
            try checkBudget(run)
            checked = verified.graph
            dismissed = Set(verified.dismissed.map { ViolationKey($0.violation) })
        } else {
            checked = try BookContinuity.check(book, in: database).graph
        }
        try emit(.continuityChecked(violations: checked.violations.count, major: checked.majorViolations, words: checked.wordCount), run: run)
        for violation in checked.violations {
            await observe(.onContinuityViolation(rule: violation.type, severity: violation.severity, message: violation.message,
                                                 chapters: Array(Set([violation.established.chapter, violation.contradicting.chapter])).sorted()))
        }
        guard config.continuity.fix, !checked.violations.isEmpty else { return }
        let enhancer = try await route(.enhance, CallContext(runID: run, bookID: bookID))
        let fixer = ContinuityFixer(
            policy: FixPolicy(rounds: config.continuity.rounds), template: try ContinuityFixer.template(folder: config.promptsFolder), seed: config.seed &+ 900_001,
            characters: outline.characters, ignoring: dismissed,
            context: { [outline] number in
                outline.chapters.first { $0.number == number }.map { self.analysisContext($0, outline: outline) } ?? AnalysisContext(obsession: outline.obsession)
            },
            rewrite: { prompt, seed, words in
                try await self.complete(enhancer, .enhance, prompt, seed: seed, words: words + 10, run: run)
            })
        let result = try await fixer.fix(chapters: try database.latestChapterVersions(bookID: bookID), title: outline.title,
                                         store: (database: database, bookID: bookID, runID: run))
        let fixed = try ContinuityFixer.storeGraph(after: result, of: book, in: database, ignoring: dismissed)
        try emit(.continuityFixed(tried: result.attempts.count, kept: result.kept.count, before: checked.violations.count, after: fixed.violations.count), run: run)
    }
}
