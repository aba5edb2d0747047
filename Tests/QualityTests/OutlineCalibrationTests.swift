import Foundation
import Testing
import WorkbenchCore
@testable import Quality

/// The calibration `OutlineAdherence` and the README quote, kept true: chapters written from
/// their beats in paraphrase (Tests/Fixtures/outline-calibration) against the simulator
/// baseline's beat-blind prose and unrelated novels, all read against the regression suite's
/// outlines.
@Suite struct OutlineCalibrationTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static let fixtures = repository.appendingPathComponent("Tests/Fixtures/outline-calibration")

    static func outlines() throws -> [String: Outline] {
        try JSONDecoder().decode([String: Outline].self, from: Data(contentsOf: fixtures.appendingPathComponent("outlines.json")))
    }

    static func reading(_ text: String, _ outline: Outline, chapter: Int) -> OutlineReading? {
        let plan = ChapterPlan(outline: outline, chapter: outline.chapters[chapter - 1])
        var copy = text
        return copy.withUTF8 { bytes in
            let context = AnalysisContext(obsession: outline.obsession, chapterPlan: plan)
            return OutlineReading(Analysis(scanned: TextScanner.scan(bytes: bytes), bytes: bytes, context: context), plan: plan)
        }
    }

    /// Beats covered, and the values, over readings.
    struct Tally {
        var beats = 0, covered = 0
        var values: [Double] = []
        mutating func add(_ reading: OutlineReading?) {
            guard let reading else { return }
            beats += reading.beats.count
            covered += reading.beats.filter(\.covered).count
            values.append(reading.value)
        }
        var share: Double { Double(covered) / Double(max(beats, 1)) }
        var mean: Double { values.reduce(0, +) / Double(max(values.count, 1)) }
        var median: Double { values.sorted()[values.count / 2] }
    }

    /// The suite chapters of Baselines/sim-v3.0: id → (book, outline chapter).
    static let suiteChapters: [String: (String, Int)] = [
        "keeper-opening": ("keeper", 1), "keeper-dialogue": ("keeper", 2), "keeper-action": ("keeper", 3), "keeper-introspective": ("keeper", 4),
        "keeper-climax": ("keeper", 5), "keeper-ending": ("keeper", 6), "orchard-opening": ("orchard", 1), "orchard-dialogue": ("orchard", 2),
        "orchard-chase": ("orchard", 3), "orchard-ending": ("orchard", 4),
    ]

    @Test func paraphrasedChaptersPassAndOthersDoNot() throws {
        let outlines = try Self.outlines()
        var own = Tally(), others = Tally()
        for (book, outline) in outlines {
            for written in outline.chapters {
                let text = try String(contentsOf: Self.fixtures.appendingPathComponent("\(book)-\(written.number).txt"), encoding: .utf8)
                for spec in outline.chapters {
                    if spec.number == written.number { own.add(Self.reading(text, outline, chapter: spec.number)) } else { others.add(Self.reading(text, outline, chapter: spec.number)) }
                }
            }
        }
        #expect(own.beats == 40 && own.covered == 27, "68% of the 40 beats")
        #expect(abs(own.median - 8.625) < 0.01 && abs(own.values.min()! - 6.25) < 0.01 && abs(own.values.max()! - 9) < 0.01, "\(own.values)")
        #expect(own.values.filter { $0 >= MetricCatalog.defaultTargets["outline_adherence"]! }.count == 9)
        #expect((0.17...0.21).contains(others.share), "\(others.share)")
        #expect(others.median < 4)
    }

    @Test func theSimulatorsBeatBlindProseDoesNot() throws {
        let outlines = try Self.outlines()
        var tally = Tally()
        let folder = Self.repository.appendingPathComponent("Baselines/sim-v3.0/chapters")
        for (id, (book, chapter)) in Self.suiteChapters {
            for file in try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent(id).path) where file.hasSuffix(".md") {
                tally.add(Self.reading(try String(contentsOf: folder.appendingPathComponent(id).appendingPathComponent(file), encoding: .utf8), outlines[book]!, chapter: chapter))
            }
        }
        #expect(tally.values.count == 30)
        #expect(tally.share < 0.15, "\(tally.share)")
        #expect((3.5...4.2).contains(tally.mean), "\(tally.mean)")
        #expect(tally.values.allSatisfy { $0 < MetricCatalog.defaultTargets["outline_adherence"]! + 0.5 })
    }

    /// Novels that have nothing to do with the outlines (the shared corpus beside the
    /// repository, when it is there): what chance alone covers.
    @Test func unrelatedNovelsCoverBeatsOnlyByChance() throws {
        let corpus = Self.repository.appendingPathComponent("../shared/corpus").standardized
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: corpus.path).filter({ $0.hasSuffix(".txt") }).sorted(), !files.isEmpty else { return }
        let outlines = try Self.outlines()
        var long = Tally(), short = Tally()
        for file in files {
            let text = try String(contentsOf: corpus.appendingPathComponent(file), encoding: .utf8)
            for (pieces, size) in [(8, 3000), (15, 300)] {
                for piece in Self.pieces(text, words: size).dropFirst(size == 300 ? 40 : 0).prefix(pieces) {
                    for outline in outlines.values {
                        for spec in outline.chapters {
                            if size == 3000 { long.add(Self.reading(piece, outline, chapter: spec.number)) } else { short.add(Self.reading(piece, outline, chapter: spec.number)) }
                        }
                    }
                }
            }
        }
        #expect(long.share < 0.11, "\(long.share)")
        #expect(short.share < 0.03, "\(short.share)")
        #expect(long.mean < 1.5, "\(long.mean)")
    }

    /// Paragraphs gathered until a piece has `words` words, as the quality benchmark cuts the corpus.
    static func pieces(_ text: String, words target: Int) -> [String] {
        var pieces: [String] = [], current: [Substring] = [], words = 0
        for paragraph in text.split(separator: "\n\n", omittingEmptySubsequences: true) {
            current.append(paragraph)
            words += paragraph.split(whereSeparator: \.isWhitespace).count
            if words >= target {
                pieces.append(current.joined(separator: "\n\n"))
                current = []
                words = 0
            }
        }
        return pieces
    }
}
