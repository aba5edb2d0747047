import Engine
import Foundation
import Reports
import Store
import Synchronization
import WorkbenchCore

/// Shows pipeline events: the dashboard redrawn in place on a terminal (at most ten frames
/// a second, each written in one piece so it does not flicker), or one plain line each.
final class LiveDisplay: Sendable {
    private let live: Bool
    private let style: TerminalStyle
    private let database: WorkbenchDatabase
    private let state: Mutex<(dashboard: Dashboard, drawnLines: Int, lastDraw: Date)>

    init(live: Bool, database: WorkbenchDatabase, style: TerminalStyle) {
        self.live = live
        self.style = style
        self.database = database
        state = Mutex((Dashboard(), 0, .distantPast))
    }

    func show(_ event: PipelineEvent, run: RunID) {
        guard live else { return Console.output(event.line + "\n") }
        state.withLock { state in
            switch event {
            case .planned(let title, _): state.dashboard.title = title
            case .sceneWritten(let chapter, let scene, let words, let target):
                state.dashboard.progress(chapter: chapter, words: words, target: target, activity: "writing scene \(scene)")
            case .chapterScored(let chapter, _, let quality, let words, let metrics, let issues):
                state.dashboard.scored(chapter: chapter, quality: quality, words: words, metrics: metrics, issues: issues)
            case .enhancing(let chapter, let operation, let paragraph):
                state.dashboard.activity(chapter: chapter, "enhancing ¶\(paragraph) (\(operation))")
            case .enhanced(let chapter, _, _, _, _): state.dashboard.activity(chapter: chapter, "scored")
            case .chapterDone(let chapter, let quality, _): state.dashboard.finished(chapter: chapter, quality: quality)
            case .judgeFailed(let chapter, let dimension, _, _): state.dashboard.activity(chapter: chapter, "judge failed on \(dimension)")
            case .continuityChecked, .continuityFixed: state.dashboard.bookStep = event.line
            case .chapterStarted(let chapter, _, let target):
                state.dashboard.progress(chapter: chapter, words: state.dashboard.chapters[chapter]?.words ?? 0, target: target, activity: "starting")
            case .draftWritten(let chapter, _, let words, let scenes):
                state.dashboard.progress(chapter: chapter, words: words, target: state.dashboard.chapters[chapter]?.target ?? words,
                                         activity: "drafted in \(scenes) scene\(scenes == 1 ? "" : "s")")
            case .judged(let chapter, let dimension, _, let score):
                state.dashboard.activity(chapter: chapter, String(format: "judged %@ %.2f", dimension, score))
            case .budgetStopped, .failed, .plugin: state.dashboard.bookStep = event.line
            case .delivery: break
            case .ensembleMerged(let chapter, _, _, _, _, _, _, _, _): state.dashboard.activity(chapter: chapter, "merged")
            case .bookDone(_, let cost, _):
                state.dashboard.costUSD = cost
                state.dashboard.doneAt = Date()
            }
            let now = Date()
            // The run's last event is always drawn, whatever the frame rate.
            let last: Bool
            switch event {
            case .bookDone, .budgetStopped, .failed: last = true
            default: last = false
            }
            if !last, now.timeIntervalSince(state.lastDraw) < 0.1 { return }
            state.lastDraw = now
            if let totals = try? database.summary(of: run) {
                state.dashboard.costUSD = totals.costUSD
                state.dashboard.completionTokens = totals.completionTokens
            }
            let frame = state.dashboard.frame(now: now, style: style)
            // Up over the last frame, clear to the end, draw: one write.
            let prefix = state.drawnLines > 0 ? "\u{1B}[\(state.drawnLines)A\u{1B}[J" : ""
            Console.output(prefix + frame)
            state.drawnLines = frame.split(separator: "\n", omittingEmptySubsequences: false).count - 1
        }
    }
}
