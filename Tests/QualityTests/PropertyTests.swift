import Foundation
import Testing
@testable import Quality
import WorkbenchCore

/// Properties every text must respect, checked on generated and real prose.
@Suite struct PropertyTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/corpus").standardized

    /// A chapter of a corpus novel, or nil (with a recorded issue) when the corpus is missing.
    static func chapter(_ file: String, _ number: Int) -> String? {
        guard let text = try? String(contentsOf: corpus.appendingPathComponent(file), encoding: .utf8) else {
            Issue.record("the shared corpus is missing at \(corpus.path): these tests read ../shared/corpus beside the repository")
            return nil
        }
        let parts = text.components(separatedBy: "\nCHAPTER ")
        return parts.count > number ? parts[number] : nil
    }

    @Test func metricsStayInTheirRanges() {
        var random = SeededGenerator(seed: 42)
        let vocabulary = ["the", "cold", "she", "fear", "rain", "said", "and", "joy", "I", "was", "is", "\"Go,\"", "of", "room", "bright", "wept", "."]
        for _ in 0..<200 {
            let length = Int(random.next() % 300)
            let text = (0..<length).map { _ in vocabulary[Int(random.next() % UInt64(vocabulary.count))] }.joined(separator: Bool.random(using: &random) ? " " : "\n\n")
            let report = QualityAnalyzer.analyze(text, context: AnalysisContext(targetWords: 150, obsession: "the room"))
            #expect((0...10).contains(report.quality))
            for metric in report.metrics {
                if let score = metric.score { #expect((0...10).contains(score), "\(metric.name) score \(score)") }
                switch metric.name {
                case "emotion", "voice", "obsession_depth": #expect((0...10).contains(metric.value), "\(metric.name) \(metric.value)")
                case "dialogue_ratio", "repetition": #expect((0...1).contains(metric.value), "\(metric.name) \(metric.value)")
                case "word_count_accuracy": #expect((0...100).contains(metric.value))
                default: #expect(metric.value.isFinite, "\(metric.name)")
                }
            }
        }
    }

    @Test func repeatingAParagraphRaisesRepetition() throws {
        let chapter = try #require(Self.chapter("austen-pride-and-prejudice.txt", 5))
        let paragraphs = chapter.components(separatedBy: "\n\n")
        let repeated = (paragraphs + [paragraphs[2], paragraphs[2], paragraphs[2]]).joined(separator: "\n\n")
        #expect(QualityAnalyzer.analyze(repeated)["repetition"]! > QualityAnalyzer.analyze(chapter)["repetition"]! + 0.01)
    }

    @Test func firstPersonAgainstAThirdPersonProfileLowersVoice() throws {
        let third = """
            She walked down to the harbour before dawn. The boats were still dark, and she counted them as she went. \
            Her father had kept a boat here once; she remembered its blue hull and the smell of tar. \
            She sat on the wall and waited for the light. When it came, she saw that his boat was gone.
            """
        let first = third.replacingOccurrences(of: "She ", with: "I ").replacingOccurrences(of: " she ", with: " I ")
            .replacingOccurrences(of: "Her ", with: "My ").replacingOccurrences(of: " her ", with: " my ")
        let profile = VoiceProfile.build(from: third + "\n\n" + third)
        let context = AnalysisContext(profile: profile)
        let voiceThird = QualityAnalyzer.analyze(third, context: context)["voice"]!
        let voiceFirst = QualityAnalyzer.analyze(first, context: context)["voice"]!
        #expect(voiceFirst < voiceThird - 2, "third \(voiceThird), first \(voiceFirst)")
    }

    @Test func aShiftOfPointOfViewIsLocated() {
        let third = "He walked to the mill and looked at the wheel. The water was low and he thought of the dry summer ahead of them all."
        let first = "I walked to the mill and looked at the wheel. The water was low and I thought of the dry summer ahead of me and my own."
        let text = [third, third, first, third].joined(separator: "\n\n")
        let report = QualityAnalyzer.analyze(text)
        #expect(report.issues.contains { $0.metric == "voice" && $0.paragraph == 3 && $0.message.contains("first person") })
        #expect(report["voice"]! < QualityAnalyzer.analyze([third, third, third].joined(separator: "\n\n"))["voice"]!)
    }

    /// Real published chapters must score clearly above degenerate text.
    @Test func publishedChaptersBeatDegenerateText() throws {
        let chapters = try [("austen-pride-and-prejudice.txt", 10), ("bronte-jane-eyre.txt", 5), ("dickens-tale-of-two-cities.txt", 7)].map {
            try #require(Self.chapter($0.0, $0.1))
        }
        for chapter in chapters {
            let words = chapter.split(whereSeparator: \.isWhitespace)
            let context = AnalysisContext(targetWords: words.count)
            let real = QualityAnalyzer.analyze(chapter, context: context).quality
            var random = SeededGenerator(seed: 7)
            let salad = words.shuffled(using: &random).joined(separator: " ")
            let paragraph = chapter.components(separatedBy: "\n\n").max { $0.count < $1.count }!
            let loop = Array(repeating: paragraph, count: max(2, words.count / max(1, paragraph.split(separator: " ").count))).joined(separator: "\n\n")
            let short = words.prefix(60).joined(separator: " ")
            for (name, text) in [("word salad", salad), ("loop", loop), ("very short", short)] {
                let degenerate = QualityAnalyzer.analyze(text, context: context).quality
                #expect(real > degenerate + 2, "\(name): \(degenerate) vs published \(real)")
            }
            #expect(real > 6.5, "published chapter scored \(real)")
        }
    }
}
