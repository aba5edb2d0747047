import Foundation
import WorkbenchCore

/// The queue processor's live screen: one line per book in progress (chapters done, quality,
/// cost, what it is doing) under a header with the batch's totals (books done, books per
/// hour, spend, the global limiter's use). Pure: the processor's events go in, a frame comes out.
public struct QueueDashboard: Sendable {
    public struct Book: Sendable, Equatable {
        public var job: Int64
        public var name: String
        public var attempt: Int
        public var maxAttempts: Int
        public var title: String?
        public var chapters: Int?
        public var chaptersDone = 0
        public var quality: Double?
        public var costUSD = 0.0
        public var activity = "starting"
    }

    public var books: [Int64: Book] = [:]
    public var done = 0
    public var failedAttempts = 0
    public var dead = 0
    public var cancelled = 0
    /// Spend of the books finished or stopped, and of those running (refreshed by the caller).
    public var spentUSD = 0.0
    public var budgetUSD: Double?
    /// The limiter's use of its tightest limit over its last period (0…1), and its limits as text.
    public var limiterUse: Double?
    public var limits: String?
    public var waiting: String?
    /// The last few finished or failed books, newest last.
    public var recent: [String] = []
    public let started: Date

    public init(started: Date = Date(), budgetUSD: Double? = nil, limits: String? = nil) {
        self.started = started
        self.budgetUSD = budgetUSD
        self.limits = limits
    }

    public mutating func claimed(job: Int64, name: String, attempt: Int, maxAttempts: Int) {
        books[job] = Book(job: job, name: name, attempt: attempt, maxAttempts: maxAttempts)
        waiting = nil
    }

    public mutating func planned(job: Int64, title: String, chapters: Int) {
        books[job]?.title = title
        books[job]?.chapters = chapters
        books[job]?.activity = "writing"
    }

    public mutating func chapterDone(job: Int64, quality: Double) {
        guard var book = books[job] else { return }
        let previous = book.quality.map { $0 * Double(book.chaptersDone) } ?? 0
        book.chaptersDone += 1
        book.quality = (previous + quality) / Double(book.chaptersDone)
        books[job] = book
    }

    public mutating func activity(job: Int64, _ text: String) { books[job]?.activity = text }

    public mutating func cost(job: Int64, _ usd: Double) { books[job]?.costUSD = usd }

    /// The book left the screen: done, failed, cancelled or handed back.
    public mutating func ended(job: Int64, line: String) {
        books[job] = nil
        recent.append(line)
        if recent.count > 5 { recent.removeFirst(recent.count - 5) }
    }

    public func booksPerHour(now: Date) -> Double {
        let hours = now.timeIntervalSince(started) / 3600
        return hours > 0 ? Double(done) / hours : 0
    }

    public func frame(now: Date = Date(), style: TerminalStyle = .plain) -> String {
        var header = "\(style.bold("queue"))  \(done) done"
        if failedAttempts > 0 { header += ", \(failedAttempts) failed attempt\(failedAttempts == 1 ? "" : "s")" }
        if dead > 0 { header += ", " + style.red("\(dead) dead") }
        if cancelled > 0 { header += ", \(cancelled) cancelled" }
        header += "  \(books.count) running  \(String(format: "%.1f", booksPerHour(now: now))) books/h  elapsed \(Dashboard.seconds(now.timeIntervalSince(started)))"
        header += "  spent $\(String(format: "%.4f", spentUSD))" + (budgetUSD.map { " of $\(String(format: "%.2f", $0))" } ?? "")
        if let limiterUse, let limits { header += "  limiter \(QualityText.bar(min(10, limiterUse * 10), width: 6)) \(Int((limiterUse * 100).rounded()))% of \(limits)" }
        var lines = [header]
        for book in books.values.sorted(by: { $0.job < $1.job }) {
            let chapters = book.chapters.map { "\(book.chaptersDone)/\($0)" } ?? "-/-"
            let fraction = book.chapters.map { $0 > 0 ? 10 * Double(book.chaptersDone) / Double($0) : 0 } ?? 0
            let quality = book.quality.map { String(format: "%4.1f", $0) } ?? "  - "
            let name = String((book.title ?? book.name).prefix(32))
            let attempt = book.attempt > 1 ? style.yellow(" (attempt \(book.attempt)/\(book.maxAttempts))") : ""
            lines.append("job \(String(book.job).leftPadded(to: 4))  \(name.rightPadded(to: 32))  chapters \(QualityText.bar(fraction, width: 6)) \(chapters.leftPadded(to: 5))"
                         + "  quality \(quality)  cost $\(String(format: "%.4f", book.costUSD))  \(style.dim(book.activity))\(attempt)")
        }
        if let waiting { lines.append(style.dim(waiting)) }
        lines += recent
        return lines.joined(separator: "\n") + "\n"
    }
}

/// At most `perSecond` frames: a redraw asked for sooner is skipped unless it is forced (the last one).
public struct FrameGate: Sendable {
    public let interval: TimeInterval
    private var last = Date.distantPast
    public private(set) var drawn = 0

    public init(perSecond: Double = 10) { interval = 1 / perSecond }

    public mutating func shouldDraw(now: Date, force: Bool = false) -> Bool {
        guard force || now.timeIntervalSince(last) >= interval else { return false }
        last = now
        drawn += 1
        return true
    }
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
    func rightPadded(to width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
