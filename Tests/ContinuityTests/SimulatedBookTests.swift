import Foundation
import LLM
import Simulator
import Store
import Testing
import WorkbenchCore
@testable import Continuity

/// The continuity check measured against the simulator's own ground truth
/// (`SimulatedContinuity`), and model extraction answered by the simulator.
@Suite struct SimulatedBookTests {
    static let prompt = "Characters: Mara, Tomas and Ines.\nWrite about 1500 words."

    static func book(chapters: Int, contradictionRate: Double, factRate: Double = 0.06, seed: UInt64 = 11) -> [ChapterText] {
        let writer = SimulatorWriter(serverSeed: seed, continuity: ContinuitySurface(factRate: factRate, contradictionRate: contradictionRate))
        return (1...chapters).map { number in
            ChapterText(number: number, text: writer.respond(to: CompletionRequest(
                messages: [ChatMessage(.user, "Chapter \(number).\n" + prompt)], maxTokens: 4000, seed: UInt64(number), task: .generate)).text)
        }
    }

    static let factTypes: Set<ViolationType> = [.immutableChanged, .ageArithmetic, .relationshipContradicted]

    static func overlaps(_ quote: Quote, _ statement: SimulatedStatement) -> Bool {
        quote.chapter == statement.chapter && quote.bytes.overlaps(statement.bytes)
    }

    @Test func noContradictionNoViolationAndThePatternsReadTheFactSentences() {
        let chapters = Self.book(chapters: 5, contradictionRate: 0)
        let statements = SimulatedContinuity.audit(chapters: chapters.map(\.text), prompt: Self.prompt)
        #expect(statements.count > 20 && statements.allSatisfy { $0.isTrue })
        let check = BookCheck(chapters)
        print("contradiction rate 0: \(statements.count) statements, violations \(check.violations.map(\.type.rawValue))")
        #expect(check.violations.filter { Self.factTypes.contains($0.type) }.isEmpty, "\(check.violations.map(\.message))")
        let read = statements.filter { statement in check.facts.contains { Self.overlaps($0.quote, statement) && $0.predicate.rawValue.hasPrefix(statement.predicate.rawValue.prefix(3)) } }
        let share = Double(read.count) / Double(statements.count)
        #expect(share >= 0.95, "read \(read.count) of \(statements.count): missed \(statements.filter { !read.contains($0) }.map(\.sentence))")
    }

    /// Three books of 10 chapters of about 1,500 words, a fifth of the fact sentences wrong.
    @Test func thePatternCheckFindsMostSimulatedContradictions() {
        var wrongCount = 0, foundCount = 0, violationCount = 0, correctCount = 0, statementCount = 0
        var missed: [String] = []
        for seed: UInt64 in [11, 12, 13] {
            let chapters = Self.book(chapters: 10, contradictionRate: 0.2, seed: seed)
            let statements = SimulatedContinuity.audit(chapters: chapters.map(\.text), prompt: Self.prompt)
            let wrong = statements.filter { !$0.isTrue }
            let violations = BookCheck(chapters).violations.filter { Self.factTypes.contains($0.type) }
            let found = wrong.filter { statement in violations.contains { Self.overlaps($0.contradicting.quote, statement) || Self.overlaps($0.established.quote, statement) } }
            let correct = violations.filter { violation in wrong.contains { Self.overlaps(violation.contradicting.quote, $0) || Self.overlaps(violation.established.quote, $0) } }
            statementCount += statements.count
            wrongCount += wrong.count
            foundCount += found.count
            violationCount += violations.count
            correctCount += correct.count
            missed += wrong.filter { !found.contains($0) }.map { "\(seed)/\($0.chapter): \($0.sentence)" }
        }
        let recall = Double(foundCount) / Double(wrongCount), precision = Double(correctCount) / Double(max(1, violationCount))
        print("simulated contradictions: \(wrongCount) of \(statementCount) statements; recall \(recall) (\(foundCount)); precision \(precision) (\(correctCount) of \(violationCount) violations)")
        #expect(wrongCount >= 30)
        #expect(recall >= 0.8, "missed: \(missed)")
        #expect(precision >= 0.9)
    }

    @Test func simulatorExtractionAnswersParseIntoFactsThatPassTheGate() {
        let chapters = Self.book(chapters: 3, contradictionRate: 0.2, factRate: 0.1)
        let cast = PatternExtractor().cast(of: chapters)
        let writer = SimulatorWriter(serverSeed: 0)
        for chapter in chapters {
            let request = ModelExtraction.request(for: chapter, cast: cast, seed: 1)
            let answer = writer.respond(to: request).text
            let parsed = ModelExtraction.parse(answer: answer, chapter: chapter, chapters: chapters, cast: cast, model: "sim-1")
            let statements = SimulatedContinuity.audit(chapters: [chapter.text], prompt: Self.prompt)
            #expect(parsed.rejected.isEmpty, "\(parsed.rejected.map(\.message))")
            #expect(parsed.facts.count == statements.count && !statements.isEmpty)
            #expect(FactValidation.validate(parsed.facts, in: chapters).rejected.isEmpty)
            #expect(parsed.facts.allSatisfy { $0.origin == .model("sim-1") && $0.quote.chapter == chapter.number })
        }
        // Merged with the patterns, each statement counts once.
        let model = chapters.flatMap { chapter in
            ModelExtraction.parse(answer: writer.respond(to: ModelExtraction.request(for: chapter, cast: cast, seed: 1)).text, chapter: chapter, chapters: chapters, cast: cast).facts
        }
        let patterns = BookCheck(chapters)
        let both = BookCheck(chapters, modelFacts: model)
        #expect(both.facts.count < patterns.facts.count + model.count)
        #expect(both.facts.count >= patterns.facts.count)
        let modelOnly = BookCheck(chapters, modelFacts: model, usePatterns: false)
        #expect(modelOnly.facts.count == model.count)
    }

    @Test func badAnswersAreRejectedWithTheirReason() {
        let chapters = [ChapterText(number: 1, text: "Mara had grey eyes. Tomas waited by the door.\n\nMara was 34.")]
        let cast = PatternExtractor().cast(of: chapters)
        func parse(_ answer: String) -> (facts: [Fact], rejected: [ExtractionRejection]) {
            ModelExtraction.parse(answer: answer, chapter: chapters[0], chapters: chapters, cast: cast)
        }
        func item(chapter: Int = 1, predicate: String = "eye_colour", value: String = "grey", quote: String = "Mara had grey eyes") -> String {
            #"{"chapter":\#(chapter),"subject":"Mara","predicate":"\#(predicate)","value":"\#(value)","quote":"\#(quote)"}"#
        }
        let good = parse(#"{"facts":[\#(item()),\#(item(predicate: "age", value: "34", quote: "Mara was 34"))]}"#)
        #expect(good.rejected.isEmpty && good.facts.count == 2)
        #expect(good.facts[1].quote.paragraph == 2 && good.facts[1].quote.line == 3 && good.facts[1].value == .years(34))

        let notJSON = parse("Mara has grey eyes.")
        #expect(notJSON.facts.isEmpty)
        if case .notJSON(1, _)? = notJSON.rejected.first {} else { Issue.record("\(notJSON.rejected)") }

        let wrongChapter = parse(#"{"facts":[\#(item(chapter: 4))]}"#)
        #expect(wrongChapter.facts.isEmpty && wrongChapter.rejected == [.unknownChapter(4, asked: 1, chapters: 1)])
        #expect(wrongChapter.rejected[0].message.contains("chapter 4"))

        let invented = parse(#"{"facts":[\#(item(quote: "Mara had green eyes"))]}"#)
        #expect(invented.facts.isEmpty && invented.rejected == [.quoteNotFound(quote: "Mara had green eyes", chapter: 1)])

        let predicate = parse(#"{"facts":[\#(item(predicate: "shoe_size"))]}"#)
        #expect(predicate.facts.isEmpty && predicate.rejected == [.unknownPredicate("shoe_size", chapter: 1, quote: "Mara had grey eyes")])

        let value = parse(#"{"facts":[\#(item(value: "stormy"))]}"#)
        #expect(value.facts.isEmpty && value.rejected.count == 1)
        if case .unreadableValue("eye_colour", "stormy", 1, _)? = value.rejected.first {} else { Issue.record("\(value.rejected)") }
    }

    @Test func fixPromptsAnsweredByTheSimulatorRemoveTheContradiction() {
        let chapters = Self.book(chapters: 4, contradictionRate: 0.3)
        let check = BookCheck(chapters)
        let violation = try? #require(check.violations.first { Self.factTypes.contains($0.type) })
        guard let violation else { return }
        let chapter = chapters[violation.contradicting.quote.chapter - 1]
        let prompt = "FIX_CONTINUITY\n\(Self.prompt)\nEstablished: \"\(violation.established.quote.text)\"\n\"\"\"\n\(chapter.text)\n\"\"\""
        let writer = SimulatorWriter(serverSeed: 0)
        let answers = (1...5).map { writer.respond(to: CompletionRequest(messages: [ChatMessage(.user, prompt)], seed: $0, task: .enhance)).text }
        let fixed = answers.first { $0 != chapter.text }
        #expect(fixed != nil)
        guard let fixed else { return }
        // Only fact sentences changed, and the fixed book has no violation with that contradicting place.
        let before = chapter.text.components(separatedBy: ". "), after = fixed.components(separatedBy: ". ")
        #expect(before.count == after.count)
        let changed = zip(before, after).filter { $0 != $1 }
        #expect(!changed.isEmpty)
        #expect(changed.allSatisfy { !SimulatedContinuity.audit(chapters: [$0.1 + "."], prompt: Self.prompt).isEmpty || !SimulatedContinuity.audit(chapters: [$0.1], prompt: Self.prompt).isEmpty })
        var mended = chapters
        mended[chapter.number - 1].text = fixed
        #expect(!BookCheck(mended).violations.contains { $0.type == violation.type && $0.contradicting.quote.chapter == chapter.number && $0.contradicting.quote.bytes == violation.contradicting.quote.bytes && $0.contradicting.subject == violation.contradicting.subject })
    }

    /// The loop issue #15 measures, offline: check a 20-chapter book, send each major fact
    /// violation's chapters to the simulator with an established fact, and compare the
    /// independent contradiction density before and after. Established as the earlier quote
    /// (first value stands), a wrong first statement is spread; established as the character
    /// sheet's item, the truth is restored.
    @Test func fixingEveryViolationFromTheSheetHalvesTheIndependentCED() {
        let sheet = "Characters: Mara (34, black hair, grey eyes, born in Dunmore; sister of Tomas), Tomas (41, red hair, blue eyes, born in Kelby; brother of Mara), Ines (29, fair hair, green eyes, born in Ashcombe)."
        let prompt = sheet + "\nWrite about 1500 words."
        let writer = SimulatorWriter(serverSeed: 21, continuity: ContinuitySurface(factRate: 0.06, contradictionRate: 0.2))
        let book = (1...20).map { number in
            ChapterText(number: number, text: writer.respond(to: CompletionRequest(messages: [ChatMessage(.user, "Chapter \(number).\n" + prompt)], maxTokens: 4000, seed: UInt64(number), task: .generate)).text)
        }
        let before = SimulatedContinuity.contradictionDensity(chapters: book.map(\.text), prompt: prompt)
        let check = BookCheck(book)
        let violations = check.violations.filter { Self.factTypes.contains($0.type) }
        let items = Dictionary(uniqueKeysWithValues: ResponseSurface.characterSheet(in: prompt).map { ($0.name, "\($0.name) (\($0.notes.joined(separator: ", ")))") })
        let fixer = SimulatorWriter(serverSeed: 0)
        func fixed(_ established: (Violation) -> String?) -> (density: Double, left: Int) {
            var chapters = book
            for violation in violations {
                guard let quote = established(violation) else { continue }
                for index in Set([violation.established.quote.chapter - 1, violation.contradicting.quote.chapter - 1]) {
                    let request = "FIX_CONTINUITY\n\(sheet)\nEstablished: \"\(quote)\"\n\"\"\"\n\(chapters[index].text)\n\"\"\""
                    chapters[index].text = fixer.respond(to: CompletionRequest(messages: [ChatMessage(.user, request)], seed: UInt64(index), task: .enhance)).text
                }
            }
            return (SimulatedContinuity.contradictionDensity(chapters: chapters.map(\.text), prompt: prompt),
                    BookCheck(chapters).violations.filter { Self.factTypes.contains($0.type) }.count)
        }
        let byQuote = fixed { $0.established.quote.text }
        let bySheet = fixed { violation in check.cast.entity(violation.contradicting.subject).flatMap { items[$0.canonicalName] ?? items[$0.canonicalName.split(separator: " ").first.map(String.init) ?? ""] } }
        print("CED by the audit: before \(before); fixed from the earlier quote \(byQuote.density) (\(byQuote.left) of \(violations.count) violations left); from the sheet \(bySheet.density) (\(bySheet.left) left)")
        #expect(bySheet.density <= 0.5 * before)
        #expect(byQuote.left < violations.count && bySheet.left < violations.count)
    }

    @Test func extractionOverHTTPFromTheSimulatorServer() async throws {
        var options = SimulatorOptions()
        options.continuity = ContinuitySurface(factRate: 0.1, contradictionRate: 0.2)
        let server = try await SimulatorServer.start(options)
        defer { Task { await server.stop() } }
        let provider = OpenAICompatibleProvider(config: ProviderConfig(name: "sim", kind: .sim, baseURL: server.baseURL, model: "sim-1"), environment: [:])
        var chapters: [ChapterText] = []
        for number in 1...3 {
            let completion = try await provider.complete(CompletionRequest(messages: [ChatMessage(.user, "Chapter \(number).\n" + Self.prompt)], maxTokens: 4000, seed: UInt64(number), task: .generate))
            chapters.append(ChapterText(number: number, text: completion.text))
        }
        let cast = PatternExtractor().cast(of: chapters)
        let (facts, rejected) = try await ModelExtraction.extract(chapters: chapters, cast: cast, provider: provider, seed: 1)
        let statements = SimulatedContinuity.audit(chapters: chapters.map(\.text), prompt: Self.prompt)
        #expect(rejected.isEmpty && facts.count == statements.count && !facts.isEmpty)
        #expect(facts.allSatisfy { $0.origin == .model("sim-1") })
        await server.stop()
    }

    /// Answers each chapter's extraction request with one good item and four bad ones.
    struct MixedAnswers: LLMProvider {
        var name = "stub"
        var model = "stub-1"
        func complete(_ request: CompletionRequest) async throws -> Completion {
            let prompt = request.messages.map(\.content).joined()
            let chapter = prompt.contains("Chapter 2") ? 2 : 1
            let good = chapter == 1 ? #"{"chapter":1,"subject":"Marcus","predicate":"eye_colour","value":"grey","quote":"Marcus had grey eyes"}"#
                                    : #"{"chapter":2,"subject":"Marcus","predicate":"eye_colour","value":"blue","quote":"Marcus's blue eyes"}"#
            let text = chapter == 2 ? "Sorry, I cannot." : """
                {"facts":[\(good),
                {"chapter":7,"subject":"Marcus","predicate":"age","value":"30","quote":"Marcus had grey eyes"},
                {"chapter":1,"subject":"Clara","predicate":"hair_colour","value":"red","quote":"Clara had red hair"},
                {"chapter":1,"subject":"Clara","predicate":"mood","value":"calm","quote":"Clara took the brass key"},
                {"chapter":1,"subject":"Clara","predicate":"age","value":"ancient","quote":"Clara took the brass key"}]}
                """
            return Completion(text: text, usage: TokenUsage(promptTokens: 1, completionTokens: 1), finishReason: .stop, provider: name, model: model, latency: .zero)
        }
        func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
            AsyncThrowingStream { continuation in continuation.finish() }
        }
    }

    @Test func refusedExtractionsAreReportedAndNeverStored() async throws {
        let database = try WorkbenchDatabase.inMemory()
        let run = try database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil)
        let book = try database.createBook(runID: run.id, title: "The Mill", chapterCount: 2)
        let cast = "That evening Marcus Hale and Clara Marsh met at the inn, where Marcus laughed and Clara smiled."
        try database.addChapterVersion(bookID: book.id, chapter: 1, text: cast + "\n\nMarcus had grey eyes. Clara took the brass key.", wordCount: 20, origin: "generate")
        try database.addChapterVersion(bookID: book.id, chapter: 2, text: cast + "\n\nMarcus's blue eyes narrowed.", wordCount: 20, origin: "generate")
        await #expect(throws: BookContinuityError.noExtractProvider) {
            try await BookContinuity.check(book, in: database, extractor: .model, provider: nil, seed: 1)
        }
        let modelCheck = try await BookContinuity.check(book, in: database, extractor: .model, provider: MixedAnswers(), seed: 1)
        let (graph, rejected, refused) = (modelCheck.graph, modelCheck.rejected, modelCheck.refused)
        #expect(rejected.isEmpty && graph.extractor == "model")
        #expect(graph.facts.map(\.quote) == ["Marcus had grey eyes"] && graph.facts[0].origin == "model" && graph.facts[0].originRule == "stub-1")
        #expect(refused.count == 5, "\(refused.map(\.message))")
        #expect(refused[0] == .unknownChapter(7, asked: 1, chapters: 2))
        #expect(refused[1] == .quoteNotFound(quote: "Clara had red hair", chapter: 1))
        #expect(refused[2] == .unknownPredicate("mood", chapter: 1, quote: "Clara took the brass key"))
        #expect(refused[3] == .unreadableValue(predicate: "age", value: "ancient", chapter: 1, quote: "Clara took the brass key"))
        #expect(refused[4] == .notJSON(chapter: 2, answer: "Sorry, I cannot."))
        #expect(refused.allSatisfy { !$0.message.isEmpty && $0.exitStatus == .dataError })
        let both = try await BookContinuity.check(book, in: database, extractor: .both, provider: MixedAnswers(), seed: 1)
        #expect(both.graph.extractor == "pattern+model" && both.graph.violations.map(\.type) == ["immutableChanged"])
        #expect(both.graph.facts.filter { $0.predicate == "eyeColour" }.map(\.origin) == ["pattern", "pattern"])
    }
}
