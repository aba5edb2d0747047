import Foundation
import Synchronization
import Testing
@testable import Engine
import LLM
import Quality
import Simulator
import Store
import WorkbenchCore

/// A provider that answers with a closure and remembers every request.
final class ClosureProvider: LLMProvider, Sendable {
    let name: String
    var model: String { "scripted" }
    private let answer: @Sendable (CompletionRequest) throws -> String
    private let seen = Mutex<[CompletionRequest]>([])

    init(name: String = "scripted", _ answer: @escaping @Sendable (CompletionRequest) throws -> String) {
        self.name = name
        self.answer = answer
    }

    var requests: [CompletionRequest] { seen.withLock { $0 } }

    func complete(_ request: CompletionRequest) async throws -> Completion {
        seen.withLock { $0.append(request) }
        let text = try answer(request)
        return Completion(text: text, usage: TokenUsage(promptTokens: 1, completionTokens: 1), finishReason: .stop, provider: name, model: model, latency: .zero)
    }

    func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> { AsyncThrowingStream { $0.finish() } }
}

/// A book of one stored chapter version, ready for `writeChapter` to continue (enhance, judge).
struct StoredChapter {
    let database: WorkbenchDatabase
    let run: RunID
    let book: String
    let outline: Outline
    let spec: ChapterSpec

    init(text: String, chapter: Int, targetWords: Int) throws {
        database = try WorkbenchDatabase.inMemory()
        run = try database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil).id
        spec = ChapterSpec(number: chapter, title: "The Hearing", beats: ["a", "b", "c"], targetWords: targetWords)
        outline = Outline(title: "T", logline: "L", obsession: "the sealed letter", setting: "S",
                          characters: [BookCharacter(name: "Ana"), BookCharacter(name: "Bo")], chapters: [spec])
        book = try database.createBook(runID: run, title: "T", chapterCount: chapter).id
        try database.addChapterVersion(bookID: book, chapter: chapter, text: text, wordCount: TextScanner.scan(text).wordCount, origin: "generate", scores: [])
    }

    func generator(_ config: ExperimentConfig, log: EventLog = EventLog(), route: @escaping BookGenerator.Router) throws -> BookGenerator {
        BookGenerator(config: config, prompts: try PromptSet.load(folder: config.promptsFolder), database: database, route: route, onEvent: log.add)
    }
}

/// The rewrite the scripted enhancer answers with.
let rewrite = "Her hands shook as she read the letter again, and the cold hall smelled of wax and rain."
