import Foundation
import Quality
import WorkbenchCore

/// One call of a hook, with what the hook sees.
public enum PluginCall: Sendable, Equatable {
    case afterPlan(premise: String?, outline: Outline)
    case beforeChapter(ChapterBrief)
    case afterDraft(chapter: Int, text: String, words: Int)
    case analyze(ChapterAnalysis)
    case chooseOperation(OperationChoice)
    case afterEnhance(chapter: Int, version: Int, operation: String, quality: Double, kept: Bool)
    case afterChapter(chapter: Int, quality: Double, words: Int, text: String)
    case onEvent(PipelineEvent)
    case afterBook(title: String, quality: Double, words: Int, costUSD: Double, chapters: Int)
    case onContinuityViolation(rule: String, severity: String, message: String, chapters: [Int])

    /// A chapter as it is about to be drafted.
    public struct ChapterBrief: Sendable, Equatable {
        public var chapter: Int
        public var title: String
        public var beats: [String]
        public var targetWords: Int
        public var bookTitle: String
        public var obsession: String
        public init(chapter: Int, title: String, beats: [String], targetWords: Int, bookTitle: String, obsession: String) {
            self.chapter = chapter
            self.title = title
            self.beats = beats
            self.targetWords = targetWords
            self.bookTitle = bookTitle
            self.obsession = obsession
        }
    }

    /// A stored version of a chapter and the built-in metrics' values.
    public struct ChapterAnalysis: Sendable, Equatable {
        public var chapter: Int
        public var version: Int
        public var text: String
        public var quality: Double
        public var metrics: [String: Double]
        public init(chapter: Int, version: Int, text: String, quality: Double, metrics: [String: Double]) {
            self.chapter = chapter
            self.version = version
            self.text = text
            self.quality = quality
            self.metrics = metrics
        }
    }

    /// The enhancement loop's choice for a chapter, which a plugin may replace.
    public struct OperationChoice: Sendable, Equatable {
        public var chapter: Int
        public var text: String
        public var quality: Double
        /// Built-in metrics and every plugin metric (`plugin.NAME.METRIC`) of the version.
        public var metrics: [String: Double]
        public var proposed: ProposedOperation?
        public init(chapter: Int, text: String, quality: Double, metrics: [String: Double], proposed: ProposedOperation?) {
            self.chapter = chapter
            self.text = text
            self.quality = quality
            self.metrics = metrics
            self.proposed = proposed
        }
    }

    public var hook: PluginHook {
        switch self {
        case .afterPlan: return .afterPlan
        case .beforeChapter: return .beforeChapter
        case .afterDraft: return .afterDraft
        case .analyze: return .analyze
        case .chooseOperation: return .chooseOperation
        case .afterEnhance: return .afterEnhance
        case .afterChapter: return .afterChapter
        case .onEvent: return .onEvent
        case .afterBook: return .afterBook
        case .onContinuityViolation: return .onContinuityViolation
        }
    }

    /// The chapter the call is about, for failure reports.
    public var chapter: Int? {
        switch self {
        case .beforeChapter(let brief): return brief.chapter
        case .afterDraft(let chapter, _, _), .afterEnhance(let chapter, _, _, _, _), .afterChapter(let chapter, _, _, _): return chapter
        case .analyze(let analysis): return analysis.chapter
        case .chooseOperation(let choice): return choice.chapter
        default: return nil
        }
    }

    /// The `data` object of the protocol's call line.
    public var data: [String: Any] {
        switch self {
        case .afterPlan(let premise, let outline):
            return ["premise": premise ?? NSNull(), "outline": Self.object(outline)]
        case .beforeChapter(let brief):
            return ["chapter": brief.chapter, "title": brief.title, "beats": brief.beats, "target_words": brief.targetWords,
                    "book_title": brief.bookTitle, "obsession": brief.obsession]
        case .afterDraft(let chapter, let text, let words):
            return ["chapter": chapter, "text": text, "words": words]
        case .analyze(let analysis):
            return ["chapter": analysis.chapter, "version": analysis.version, "text": analysis.text, "quality": analysis.quality, "metrics": analysis.metrics]
        case .chooseOperation(let choice):
            return ["chapter": choice.chapter, "text": choice.text, "quality": choice.quality, "metrics": choice.metrics,
                    "proposed": choice.proposed.map { ["name": $0.name, "instruction": $0.instruction, "paragraph": $0.paragraph ?? NSNull()] as [String: Any] } ?? NSNull()]
        case .afterEnhance(let chapter, let version, let operation, let quality, let kept):
            return ["chapter": chapter, "version": version, "operation": operation, "quality": quality, "kept": kept]
        case .afterChapter(let chapter, let quality, let words, let text):
            return ["chapter": chapter, "quality": quality, "words": words, "text": text]
        case .onEvent(let event):
            let payload = (try? JSONSerialization.jsonObject(with: Data(event.payloadJSON.utf8))) ?? [String: Any]()
            return ["kind": event.kind, "payload": payload]
        case .afterBook(let title, let quality, let words, let cost, let chapters):
            return ["title": title, "quality": quality, "words": words, "cost_usd": cost, "chapters": chapters]
        case .onContinuityViolation(let rule, let severity, let message, let chapters):
            return ["rule": rule, "severity": severity, "message": message, "chapters": chapters]
        }
    }

    static func object<T: Encodable>(_ value: T) -> Any {
        (try? JSONEncoder().encode(value)).flatMap { try? JSONSerialization.jsonObject(with: $0) } ?? NSNull()
    }
}

/// An enhancement operation a plugin proposes (or the built-in choice it is shown).
public struct ProposedOperation: Sendable, Equatable {
    /// Upper case letters and underscores: `RAISE_TENSION`.
    public var name: String
    public var instruction: String
    /// 1-based paragraph; nil for the longest.
    public var paragraph: Int?
    public init(name: String, instruction: String, paragraph: Int?) {
        self.name = name
        self.instruction = instruction
        self.paragraph = paragraph
    }
}

/// What one plugin's answer to one call changes; empty when it only observed.
public struct PluginAnswer: Sendable, Equatable {
    public var outline: Outline?
    public var instructions: [String] = []
    public var variables: [String: String] = [:]
    public var text: String?
    public var rewrite: Rewrite?
    /// The plugin's own metric names (stored as `plugin.NAME.METRIC`).
    public var metrics: [String: Double] = [:]
    public var issues: [LocatedIssue] = []
    public var operation: ProposedOperation?

    public struct Rewrite: Sendable, Equatable {
        /// 1-based paragraph of the draft.
        public var paragraph: Int
        public var instruction: String
        public init(paragraph: Int, instruction: String) {
            self.paragraph = paragraph
            self.instruction = instruction
        }
    }

    public init(outline: Outline? = nil, instructions: [String] = [], variables: [String: String] = [:], text: String? = nil, rewrite: Rewrite? = nil,
                metrics: [String: Double] = [:], issues: [LocatedIssue] = [], operation: ProposedOperation? = nil) {
        self.outline = outline
        self.instructions = instructions
        self.variables = variables
        self.text = text
        self.rewrite = rewrite
        self.metrics = metrics
        self.issues = issues
        self.operation = operation
    }

    public static let none = PluginAnswer()

    /// The answer's fields and the hook each belongs to.
    static let fieldHooks: [String: PluginHook] = [
        "outline": .afterPlan, "instructions": .beforeChapter, "variables": .beforeChapter, "text": .afterDraft, "rewrite": .afterDraft,
        "metrics": .analyze, "issues": .analyze, "operation": .chooseOperation,
    ]

    /// Reads a `result` object for `hook`, refusing a field another hook owns (so a capability
    /// the hook does not carry) and any value of the wrong shape, naming the field.
    public static func decode(_ object: [String: Any], hook: PluginHook) throws(PluginProblem) -> PluginAnswer {
        var answer = PluginAnswer()
        for (key, value) in object.sorted(by: { $0.key < $1.key }) {
            guard let owner = fieldHooks[key] else { throw .invalidAnswer("unknown result field `\(key)`") }
            guard owner == hook else { throw .refused(misplaced(key, owner: owner, hook: hook)) }
            if value is NSNull { continue }
            switch key {
            case "outline":
                guard let data = try? JSONSerialization.data(withJSONObject: value), let outline = try? JSONDecoder().decode(Outline.self, from: data) else {
                    throw .invalidAnswer("`outline` is not an outline (title, logline, obsession, setting, characters, chapters)")
                }
                answer.outline = outline
            case "instructions":
                guard let list = value as? [String] else { throw .invalidAnswer("`instructions` must be a list of strings") }
                answer.instructions = list.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            case "variables":
                guard let map = value as? [String: String] else { throw .invalidAnswer("`variables` must map names to strings") }
                answer.variables = map
            case "text":
                guard let text = value as? String else { throw .invalidAnswer("`text` must be a string") }
                answer.text = text
            case "rewrite":
                guard let map = value as? [String: Any], let paragraph = integer(map["paragraph"]), paragraph >= 1,
                      let instruction = map["instruction"] as? String, !instruction.isEmpty else {
                    throw .invalidAnswer("`rewrite` must be {\"paragraph\": n ≥ 1, \"instruction\": text}")
                }
                answer.rewrite = Rewrite(paragraph: paragraph, instruction: instruction)
            case "metrics":
                guard let map = value as? [String: Any] else { throw .invalidAnswer("`metrics` must map names to numbers") }
                for (name, raw) in map {
                    guard PluginManifest.isValidMetricName(name) else { throw .invalidAnswer("metric name `\(name)`: use lower case letters, digits and _") }
                    guard let number = number(raw), number.isFinite else { throw .invalidAnswer("metric `\(name)` must be a finite number") }
                    answer.metrics[name] = number
                }
            case "issues":
                guard let list = value as? [[String: Any]] else { throw .invalidAnswer("`issues` must be a list of {metric, paragraph, message}") }
                answer.issues = try list.map { item throws(PluginProblem) in
                    guard let metric = item["metric"] as? String, let message = item["message"] as? String else {
                        throw .invalidAnswer("an issue needs `metric` and `message`")
                    }
                    return LocatedIssue(metric: metric, paragraph: integer(item["paragraph"]), line: nil, message: message)
                }
            case "operation":
                guard let map = value as? [String: Any], let name = map["name"] as? String, !name.isEmpty,
                      name.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || $0 == "_" }),
                      let instruction = map["instruction"] as? String, !instruction.isEmpty else {
                    throw .invalidAnswer("`operation` must be {\"name\": UPPER_CASE, \"instruction\": text, \"paragraph\": n}")
                }
                answer.operation = ProposedOperation(name: name, instruction: instruction, paragraph: integer(map["paragraph"]))
            default: break
            }
        }
        return answer
    }

    /// Why `field`, which `owner` sets, is refused in an answer to `hook`.
    static func misplaced(_ field: String, owner: PluginHook, hook: PluginHook) -> String {
        "`\(field)` belongs to \(owner.rawValue) (capability \(owner.capability.rawValue)); \(hook.rawValue) may \(hook.capability == .observe ? "only observe" : "not set it")"
    }

    static func integer(_ value: Any?) -> Int? {
        number(value).flatMap { Int(exactly: $0) }
    }

    /// A JSON number's value; nil for anything else, a boolean included (which Foundation
    /// also decodes as an NSNumber, and `is Bool` cannot tell from 0 and 1).
    static func number(_ value: Any?) -> Double? {
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c" else { return nil }
        return number.doubleValue
    }
}

/// Why one call of one plugin had no effect.
public enum PluginProblem: Error, Sendable, Equatable {
    case timeout(milliseconds: Int)
    case crashed(detail: String)
    case invalidAnswer(String)
    /// The plugin answered with an effect it did not declare, or outside its hook.
    case refused(String)
    /// The plugin itself answered `{"type": "error"}` (or threw, in process).
    case failed(String)
    case startFailed(String)

    /// The failure's kind, as events and the run summary count them.
    public var reason: String {
        switch self {
        case .timeout: return "timeout"
        case .crashed: return "crash"
        case .invalidAnswer: return "invalid answer"
        case .refused: return "refused"
        case .failed: return "error"
        case .startFailed: return "start failed"
        }
    }

    public var detail: String {
        switch self {
        case .timeout(let milliseconds): return "no answer within \(milliseconds) ms"
        case .crashed(let detail), .invalidAnswer(let detail), .refused(let detail), .failed(let detail), .startFailed(let detail): return detail
        }
    }
}
