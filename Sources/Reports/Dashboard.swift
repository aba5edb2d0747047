import Foundation

/// The live generation dashboard (roadmap 2.1): per chapter, bars for quality, detail
/// density, words against target, emotion and voice; the issues found; the operation in
/// progress; totals for cost, tokens/s and an ETA. Pure: the CLI feeds it progress and
/// prints `frame` in place.
public struct Dashboard: Sendable {
    public struct Chapter: Sendable, Equatable {
        public var number: Int
        public var target: Int
        public var words = 0
        public var quality: Double?
        public var detail: Double?
        public var detailScore: Double?
        public var emotion: Double?
        public var voice: Double?
        public var issues: [String] = []
        public var activity = "waiting"
        public var done = false
    }

    public var title = "planning…"
    public var chapters: [Int: Chapter] = [:]
    public var costUSD = 0.0
    public var completionTokens = 0
    public var started: Date
    public var doneAt: Date?
    /// The book-wide step after the chapters (the continuity check and its fixes), once under way.
    public var bookStep: String?

    public init(started: Date = Date()) { self.started = started }

    public mutating func planned(title: String, chapters: [(number: Int, target: Int)]) {
        self.title = title
        for chapter in chapters { self.chapters[chapter.number] = Chapter(number: chapter.number, target: chapter.target) }
    }

    public mutating func progress(chapter: Int, words: Int, target: Int, activity: String) {
        var entry = chapters[chapter] ?? Chapter(number: chapter, target: target)
        entry.words = words
        entry.target = target
        entry.activity = activity
        chapters[chapter] = entry
    }

    public mutating func scored(chapter: Int, quality: Double, words: Int, metrics: [String: Double], issues: [String]) {
        var entry = chapters[chapter] ?? Chapter(number: chapter, target: words)
        entry.quality = quality
        entry.words = words
        entry.detail = metrics["detail_density"]
        entry.detailScore = metrics["detail_density.score"]
        entry.emotion = metrics["emotion"]
        entry.voice = metrics["voice"]
        entry.issues = issues
        entry.activity = "scored"
        chapters[chapter] = entry
    }

    public mutating func activity(chapter: Int, _ text: String) { chapters[chapter]?.activity = text }

    public mutating func finished(chapter: Int, quality: Double) {
        chapters[chapter]?.quality = quality
        chapters[chapter]?.done = true
        chapters[chapter]?.activity = "done"
    }

    /// Seconds left, from the pace of words written so far.
    public func eta(now: Date) -> Double? {
        let target = chapters.values.map(\.target).reduce(0, +)
        let written = chapters.values.map { $0.done ? $0.target : min($0.words, $0.target) }.reduce(0, +)
        let elapsed = now.timeIntervalSince(started)
        guard written > 0, target > written else { return written >= target && target > 0 ? 0 : nil }
        return elapsed / Double(written) * Double(target - written)
    }

    /// The whole screen: a header line, then one or two lines per chapter.
    public func frame(now: Date = Date(), style: TerminalStyle = .plain) -> String {
        let elapsed = (doneAt ?? now).timeIntervalSince(started)
        let tokensPerSecond = elapsed > 0 ? Double(completionTokens) / elapsed : 0
        var header = "\(style.bold(title))  elapsed \(Self.seconds(elapsed))  cost $\(String(format: "%.4f", costUSD))  \(Int(tokensPerSecond)) tokens/s"
        if let eta = eta(now: now), doneAt == nil { header += "  ETA \(Self.seconds(eta))" }
        var lines = [header]
        let width = String(chapters.keys.max() ?? 1).count
        for number in chapters.keys.sorted() {
            let chapter = chapters[number]!
            let label = "Ch " + String(repeating: " ", count: width - String(number).count) + String(number)
            let quality = chapter.quality.map { "\(QualityText.bar($0, width: 8)) \(String(format: "%4.1f", $0))" } ?? String(repeating: "░", count: 8) + "  -  "
            let detail = chapter.detailScore.map { "\(QualityText.bar($0, width: 6)) \(chapter.detail.map { String(format: "%.1f", $0) } ?? "-")" } ?? "      -"
            let fraction = chapter.target > 0 ? min(10, 10 * Double(chapter.words) / Double(chapter.target)) : 0
            let words = "\(QualityText.bar(fraction, width: 6)) \(chapter.words)/\(chapter.target)"
            let emotion = chapter.emotion.map { "\(QualityText.bar($0, width: 6)) \(String(format: "%.1f", $0))" } ?? "      -"
            let voice = chapter.voice.map { "\(QualityText.bar($0, width: 6)) \(String(format: "%.1f", $0))" } ?? "      -"
            let state = chapter.done ? style.green("done") : style.yellow(chapter.activity)
            lines.append("\(label) quality \(quality)  detail \(detail)  words \(words)  emotion \(emotion)  voice \(voice)  \(state)")
            if !chapter.done, !chapter.issues.isEmpty {
                lines.append(String(repeating: " ", count: width + 4) + style.dim("└─ " + chapter.issues.joined(separator: "; ")))
            }
        }
        if let bookStep { lines.append(bookStep) }
        return lines.joined(separator: "\n") + "\n"
    }

    static func seconds(_ value: Double) -> String {
        value < 60 ? String(format: "%.1fs", value) : "\(Int(value) / 60)m\(String(format: "%02d", Int(value) % 60))s"
    }
}
