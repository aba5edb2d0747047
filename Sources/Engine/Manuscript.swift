import Foundation
import Store
import WorkbenchCore

/// The manuscript of a book as Markdown: title, logline, then each chapter's kept text.
public enum Manuscript {
    public static func markdown(outline: Outline, chapters: [ChapterVersionRecord]) -> String {
        var lines = ["# \(outline.title)", "", "*\(outline.logline)*", ""]
        for version in chapters.sorted(by: { $0.chapter < $1.chapter }) {
            let title = outline.chapters.first { $0.number == version.chapter }?.title ?? ""
            lines += ["## Chapter \(version.chapter)\(title.isEmpty ? "" : ": \(title)")", "", version.text.trimmingCharacters(in: .whitespacesAndNewlines), ""]
        }
        return lines.joined(separator: "\n")
    }
}
