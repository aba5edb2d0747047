import Foundation
import WorkbenchCore

/// Where a chapter's first draft is kept scene by scene, so a task that runs out of time (a
/// Lambda invocation's 15 minutes) or is killed continues the draft from its last scene in
/// the next attempt, on any machine. The draft goes on exactly as it would have: the same
/// text, the same next scene and seed, so the chapter is the one an uninterrupted run writes.
public protocol DraftCheckpoints: Sendable {
    /// The chapter's draft as last saved, nil when none was.
    func load(chapter: Int) async throws -> DraftProgress?
    /// Saves the draft after a scene (`run` is the run writing it, for its costs).
    func save(_ progress: DraftProgress, chapter: Int, run: RunID) async throws
}

/// A first draft part-way: its text, the last scene asked for, the scenes that added words,
/// the words, the stalled scenes in a row, and whether the draft is finished.
public struct DraftProgress: Codable, Sendable, Equatable {
    public var text: String
    public var scene: Int
    public var scenesWritten: Int
    public var words: Int
    public var stalled: Int
    public var finished: Bool

    public init(text: String, scene: Int, scenesWritten: Int, words: Int, stalled: Int, finished: Bool) {
        self.text = text
        self.scene = scene
        self.scenesWritten = scenesWritten
        self.words = words
        self.stalled = stalled
        self.finished = finished
    }
}
