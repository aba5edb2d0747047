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

    /// A stored book's outline; an imported book without one gets a stand-in from its title and premise.
    public static func outline(of book: BookRecord) -> Outline {
        book.outlineJSON.flatMap { try? JSONDecoder().decode(Outline.self, from: Data($0.utf8)) }
            ?? Outline(title: book.title, logline: book.premise ?? "", obsession: "", setting: "", characters: [], chapters: [])
    }

    /// A stored book's manuscript: each chapter's kept version under its outline.
    public static func markdown(of book: BookRecord, chapters: [ChapterVersionRecord]) -> String {
        markdown(outline: outline(of: book), chapters: chapters)
    }
}
