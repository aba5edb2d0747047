import Foundation
import Testing
@testable import Quality

/// Coherence and consistency on texts built by hand: the features move the way a reader's
/// judgement does, and the located issues name what a reader would point at.
@Suite struct CoherenceTests {
    /// A small story whose paragraphs each carry a thread into the next.
    static let story: [String] = [
        "Mara Quill found a brass key in the ashes of the old mill. The key was warm, and its teeth were bent. She turned it over in her palm and thought of her father's locked desk.",
        "The desk stood in the back room of the cottage. Mara set the key against its lock. The lock would not turn, so she heated the key over the stove until the brass glowed.",
        "Her brother Tobin came in from the yard while the brass cooled. He asked where the key had come from. Mara told him about the mill and the ashes, and Tobin frowned at the desk.",
        "Tobin tried the key himself. The warped teeth caught in the lock, and the drawer slid open an inch. Inside the drawer lay a letter sealed with their father's green wax.",
        "Mara broke the green seal. The letter was addressed to the mill's owner, and it spoke of a debt. She read it twice, then handed it to Tobin without a word.",
        "Tobin read the letter by the stove. He said the debt explained the fire at the mill. Mara took the letter back and folded it into her coat, beside the brass key.",
        "That night Mara walked to the ruined mill again. The ashes were cold now. She knelt where she had found the key and dug with her hands until she struck a tin box.",
        "The tin box held a ledger in her father's hand. Mara carried the ledger home through the rain, and Tobin was waiting at the door of the cottage with a lamp.",
    ]

    @Test func shufflingParagraphsLowersCoherence() {
        let original = Self.story.joined(separator: "\n\n")
        let shuffled = [0, 4, 7, 2, 6, 1, 5, 3].map { Self.story[$0] }.joined(separator: "\n\n")
        let a = QualityAnalyzer.analyze(original), b = QualityAnalyzer.analyze(shuffled)
        #expect(a["coherence"]! > b["coherence"]!)
        let features = QualityAnalyzer.coherenceFeatures(original), shuffledFeatures = QualityAnalyzer.coherenceFeatures(shuffled)
        let index = CoherenceFeature.allCases.firstIndex(of: .paragraphCohesion)!
        #expect(features[index] > shuffledFeatures[index])
    }

    @Test func aPronounWithNoOneBeforeItIsLocated() {
        let text = "The rain had not stopped for a week.\n\nShe opened the shutters and looked at the flooded lane. Nobody came. She waited by the window until dark."
        let issues = QualityAnalyzer.analyze(text).issues.filter { $0.metric == "coherence" }
        #expect(issues.contains { $0.paragraph == 2 && $0.message.contains("\u{2018}she\u{2019} in paragraph 2 has no antecedent") })
    }

    @Test func aNameCalledHeAndSheIsAConsistencyIssue() {
        var paragraphs: [String] = []
        for round in 0..<4 {
            paragraphs.append("Then Ellen walked to the gate, and she looked at the road. Later Ellen said that she was tired of waiting. Round \(round) ended.")
            paragraphs.append("Then Ellen climbed the stair, and he laughed at the dark. Later Ellen said that he was not afraid of anything at all.")
        }
        let report = QualityAnalyzer.analyze(paragraphs.joined(separator: "\n\n"))
        #expect(report.issues.contains { $0.metric == "consistency" && $0.message.hasPrefix("Ellen is referred to as both") })
        #expect(report["consistency"]! < 8)
    }

    /// Names called both he and she are listed in the order the text first names them, every
    /// run alike (they were listed in a dictionary's order, which differs between processes).
    @Test func consistencyFindingsAreListedInFirstMentionOrder() {
        let names = ["Ellen", "Agnes", "Clara", "Marian", "Edith", "Laura", "Harriet", "Fanny"]
        var paragraphs: [String] = []
        for name in names {
            for _ in 0..<2 {
                paragraphs.append("Then \(name) walked to the gate, and she looked at the road. Later \(name) said that she was tired of waiting.")
                paragraphs.append("Then \(name) climbed the stair, and he laughed at the dark. Later \(name) said that he was not afraid of anything at all.")
            }
        }
        let issues = QualityAnalyzer.analyze(paragraphs.joined(separator: "\n\n")).issues.filter { $0.metric == "consistency" }
        #expect(issues.compactMap { issue in names.first { issue.message.hasPrefix($0 + " is referred to") } } == names, "\(issues.map(\.message))")
    }

    @Test func aCharacterMeetingThemselvesIsLocated() {
        let text = (0..<6).map { "Adrian asked Adrian about the wooden box number \($0). Mara watched them from the door." }.joined(separator: "\n\n")
        let report = QualityAnalyzer.analyze(text)
        #expect(report.issues.contains { $0.metric == "consistency" && $0.message.hasPrefix("Adrian meets Adrian in one sentence") })
    }

    /// The embedded model is `models/coherence.json`, byte for byte: `make coherence-model` keeps them in step.
    @Test func theShippedModelIsTheRepositorysModelFile() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try Data(contentsOf: root.appendingPathComponent("models/coherence.json"))
        #expect(try CoherenceModel.decode(file, source: "models/coherence.json") == CoherenceModel.shipped)
        #expect(QualityAnalyzer.dataVersion.hasPrefix("\(Lexicons.version)+\(CoherenceModel.shipped.version)."))
    }

    @Test func aModelForOtherFeaturesIsRefusedWithTheFix() {
        var model = CoherenceModel.shipped
        model.features.removeLast()
        let data = try! model.encoded()
        #expect(throws: CoherenceModel.LoadError.self) { try CoherenceModel.decode(data, source: "m.json") }
        #expect(throws: CoherenceModel.LoadError.self) { try CoherenceModel.decode(Data("{".utf8), source: "m.json") }
    }
}
