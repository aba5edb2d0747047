import Foundation
import Testing
import WorkbenchCore
@testable import Quality

/// `outline_adherence`: a chapter against its outline chapter's beats, characters and the
/// book's obsession.
@Suite struct OutlineAdherenceTests {
    static let beats = [
        "Hedda walks through the burnt glasshouse at dawn",
        "She finds a key fused to a melted hinge",
        "Anton's boots by the water barrel",
        "She pockets the key",
    ]

    /// One paragraph per beat (told in the chapter's own words, as a writer would), with a
    /// paragraph of nothing in particular after the first.
    static let paragraphs = [
        "At dawn Hedda walked the length of the burnt glasshouse. Broken panes crunched under her boots and the iron ribs of the roof stood black against the pale sky. Smoke still rose from the ash beds where the vines had been.",
        "She stopped by the long bench and listened. Somewhere down by the river a dog was barking, and the wind moved the loose glass so that it chimed. Nobody else was awake yet.",
        "Near the vent something caught the light. She knelt and scraped away the soot: a small iron key, its shaft fused to what was left of a melted hinge. She worked it loose with her thumbs.",
        "At the end of the row, beside the water barrel, stood a pair of boots. She knew the split toe and the red laces at once. They were Anton's.",
        "She turned the key over once more. Then she slipped it into her coat pocket and buttoned the flap over it. She told no one.",
    ]

    static let outline = Outline(
        title: "The Glass Orchard", logline: "", obsession: "the burnt key", setting: "",
        characters: [BookCharacter(name: "Hedda Lind"), BookCharacter(name: "Anton"), BookCharacter(name: "Sergeant Pell")],
        chapters: [ChapterSpec(number: 1, title: "Ashes", beats: beats, targetWords: 250)])

    static var plan: ChapterPlan { ChapterPlan(outline: outline, chapter: outline.chapters[0]) }

    static func text(_ paragraphs: [String]) -> String { paragraphs.joined(separator: "\n\n") }

    static func report(_ text: String, plan: ChapterPlan? = Self.plan, obsession: String? = "the burnt key") -> QualityReport {
        QualityAnalyzer.analyze(text, context: AnalysisContext(obsession: obsession, chapterPlan: plan))
    }

    static func reading(_ text: String, plan: ChapterPlan = Self.plan, obsession: String? = "the burnt key") -> OutlineReading? {
        var copy = text
        return copy.withUTF8 { bytes in
            let context = AnalysisContext(obsession: obsession, chapterPlan: plan)
            return OutlineReading(Analysis(scanned: TextScanner.scan(bytes: bytes), bytes: bytes, context: context), plan: plan)
        }
    }

    static func issues(_ report: QualityReport) -> [String] { report.issues.filter { $0.metric == "outline_adherence" }.map(\.message) }

    @Test func aChapterThatCoversEveryBeatInOrderScoresTen() throws {
        let report = Self.report(Self.text(Self.paragraphs))
        let metric = try #require(report.metric("outline_adherence"))
        #expect(metric.value == 10)
        #expect(metric.score == 10)
        #expect(metric.target == MetricCatalog.defaultTargets["outline_adherence"])
        #expect(Self.issues(report).isEmpty)
        let reading = try #require(Self.reading(Self.text(Self.paragraphs)))
        #expect(reading.beats.map(\.covered) == [true, true, true, true])
        // Placed in the paragraphs that tell them.
        #expect(reading.beats.map { TextScanner.scan(Self.text(Self.paragraphs)).paragraph(ofWord: $0.word!) } == [0, 2, 3, 4])
        #expect(reading.order == 1)
    }

    @Test func droppingABeatsParagraphNamesTheBeat() throws {
        var paragraphs = Self.paragraphs
        paragraphs.remove(at: 2)
        let report = Self.report(Self.text(paragraphs))
        #expect(report["outline_adherence"]! < Self.report(Self.text(Self.paragraphs))["outline_adherence"]!)
        // B = 3/4, everything else met: 10 × (0.55 × 0.75 + 0.15 + 0.2 + 0.1).
        #expect(report["outline_adherence"] == 8.62)
        let issue = try #require(report.issues.first { $0.metric == "outline_adherence" })
        #expect(issue.message == "Beat 2 (\u{2018}She finds a key fused to a melted hinge\u{2019}) is not in the chapter")
        #expect(issue.severity == .major)
        #expect(issue.paragraph == nil)
    }

    @Test func tellingTheBeatsBackwardsLowersTheOrder() throws {
        let backwards = Self.text(Array(Self.paragraphs.reversed()))
        let reading = try #require(Self.reading(backwards))
        #expect(reading.beatsCovered == 1)
        #expect(reading.order == 0)
        let report = Self.report(backwards)
        #expect(report["outline_adherence"] == 8.5)  // 10 × (0.55 + 0 + 0.2 + 0.1)
        // The fourth paragraph of five holds beat 2 (the third of the forward text) and the last beat 1.
        #expect(Self.issues(report).first == "Beats 1 and 2 come out of order (beat 2 in paragraph 3, beat 1 in paragraph 5)")
        #expect(Self.issues(report).count == 3)
        #expect(report.issues.first { $0.metric == "outline_adherence" }?.paragraph == 3)
    }

    /// A beat whose words recur later in the chapter is still in order where it is first told.
    @Test func aBeatsWordsRecurringLaterDoNotMakeADisorder() throws {
        var paragraphs = Self.paragraphs
        paragraphs.append("Later, walking home through the burnt glasshouse at dawn's end, Hedda thought of the hinge.")
        let reading = try #require(Self.reading(Self.text(paragraphs)))
        #expect(reading.order == 1)
    }

    @Test func aMissingCharacterIsNamed() {
        var plan = Self.plan
        plan.characters.append(ChapterPlan.Character(name: "Sergeant Pell"))
        let report = Self.report(Self.text(Self.paragraphs), plan: plan)
        #expect(Self.issues(report) == ["Sergeant Pell (a character of this chapter) does not appear"])
        #expect(report["outline_adherence"] == 9.33)  // C = 2/3: 10 × (0.55 + 0.15 + 0.2 × 2/3 + 0.1)
    }

    @Test func anAbsentObsessionIsFlagged() {
        let report = Self.report(Self.text(Self.paragraphs), obsession: "the sealed letter")
        #expect(Self.issues(report) == ["The obsession (\u{2018}the sealed letter\u{2019}) is absent"])
        #expect(report["outline_adherence"] == 9)
        #expect(report["obsession_depth"] == 0)
    }

    /// Presence is obsession_depth's own matching: present exactly when it counts a mention.
    @Test(arguments: ["the burnt key", "keys", "the sealed letter", "hinges of fate", "boot"])
    func obsessionPresenceAgreesWithObsessionDepth(obsession: String) throws {
        let text = Self.text(Self.paragraphs)
        let reading = try #require(Self.reading(text, obsession: obsession))
        let present = try #require(reading.obsessionPresent as Bool?)
        #expect(present == (Self.report(text, obsession: obsession)["obsession_depth"]! > 0))
    }

    @Test func withoutAPlanThereIsNoMetric() {
        let text = Self.text(Self.paragraphs)
        #expect(Self.report(text, plan: nil)["outline_adherence"] == nil)
        #expect(Self.report(text, plan: nil).issues.allSatisfy { $0.metric != "outline_adherence" })
        // Nor with beats that hold no keyword.
        #expect(Self.report(text, plan: ChapterPlan(beats: ["", "and then it was over"], characters: []))["outline_adherence"] == nil)
    }

    @Test func withoutCharactersOrObsessionTheirPartsAreLeftOut() {
        let report = Self.report(Self.text(Array(Self.paragraphs.prefix(3))), plan: ChapterPlan(beats: Self.beats, characters: []), obsession: nil)
        // B = 2/4 and O = 1 (beats 1 and 2 in order) over the weights 0.55 + 0.15.
        #expect(report["outline_adherence"] == ((10 * (0.55 * 0.5 + 0.15) / 0.7) * 100).rounded() / 100)
    }

    @Test func theCompositeCountsIt() {
        let text = Self.text(Self.paragraphs)
        let with = Self.report(text), without = Self.report(text, plan: nil)
        #expect(with.quality != without.quality)
        #expect(MetricCatalog.defaultWeights["outline_adherence"] == 0.15)
        #expect(MetricCatalog.score("outline_adherence", value: 7, target: 7) == 8)
        #expect(MetricCatalog.entries.contains { $0.name == "outline_adherence" })
    }

    // MARK: The plan

    @Test func aPlanTakesTheCharactersItsBeatsName() {
        let plan = Self.plan
        #expect(plan.beats == Self.beats)
        // "Anton's" names Anton; "Hedda" is Hedda Lind's first name; Pell is not in the beats.
        #expect(plan.characters.map(\.name) == ["Hedda Lind", "Anton"])
        #expect(plan.characters[0].aliases == ["Hedda", "Lind"])
        #expect(ChapterPlan.aliases(of: "Sergeant Pell") == ["Pell"])
        #expect(ChapterPlan.aliases(of: "Father") == ["Father"])
        #expect(ChapterPlan.aliases(of: "Dr. Anne-Marie O'Neill") == ["Anne-Marie", "O'Neill"])
    }

    @Test func beatsThatNameNobodyExpectTheMainCharacters() {
        let cast = ["Mara", "Tomas", "Ines", "Elias"].map { BookCharacter(name: $0) }
        let outline = Outline(title: "t", logline: "", obsession: "o", setting: "", characters: cast,
                              chapters: [ChapterSpec(number: 1, title: "", beats: ["a squall catches the ferry", "the letter nearly goes overboard"], targetWords: 250)])
        #expect(ChapterPlan(outline: outline, chapter: outline.chapters[0]).characters.map(\.name) == ["Mara", "Tomas", "Ines"])
    }

    @Test func namesCountCapitalisedAndWithAPossessive() throws {
        let plan = ChapterPlan(beats: ["the garden"], characters: [.init(name: "Rose"), .init(name: "Mara Voss")])
        let reading = try #require(Self.reading("She cut a rose for the table. Voss\u{2019}s coat hung by the door of the garden.", plan: plan, obsession: nil))
        #expect(reading.characters.map(\.present) == [false, true])
    }

    @Test func aPlanRoundTripsAndItsAliasesMayBeLeftOut() throws {
        let plan = Self.plan
        #expect(try JSONDecoder().decode(ChapterPlan.self, from: JSONEncoder().encode(plan)) == plan)
        let written = #"{"beats": ["Mara trims the lamp"], "characters": [{"name": "Sergeant Pell"}]}"#
        #expect(try JSONDecoder().decode(ChapterPlan.self, from: Data(written.utf8)).characters[0].aliases == ["Pell"])
    }

    @Test(arguments: [
        ("hinge", "hinged"), ("hinges", "hinge"), ("fused", "fuse"), ("escapes", "escaped"), ("stories", "story"), ("keys", "key"),
        ("running", "run"), ("stopped", "stops"), ("glasses", "glass"), ("argued", "arguing"), ("pockets", "pocketed"), ("Anton's", "anton"),
        ("quickly", "quick"), ("trees", "tree"), ("don\u{2019}t", "don't"),
    ])
    func stemsMeet(a: String, b: String) {
        #expect(OutlineAdherence.stem(a) == OutlineAdherence.stem(b))
    }

    @Test(arguments: [("found", "find"), ("burnt", "burn"), ("fall", "fail"), ("glass", "glad"), ("bus", "bu")])
    func stemsKeepApart(a: String, b: String) {
        #expect(OutlineAdherence.stem(a) != OutlineAdherence.stem(b))
    }

    /// The text pass is linear: a long text without a sentence break, and one of many short
    /// sentences, with a plan whose words are everywhere.
    @Test func longTextsStayLinear() {
        let unit = "Hedda walked the burnt glasshouse at dawn and the key lay by the water barrel and "
        let plain = String(repeating: unit, count: 2_000_000 / unit.utf8.count)
        let start = Date()
        #expect(Self.report(plain)["outline_adherence"] != nil)
        let sentences = String(repeating: "Hedda walked. The key fell. Anton's boots stood by the barrel. ", count: 30_000)
        #expect(Self.report(sentences)["outline_adherence"] != nil)
        #expect(Date().timeIntervalSince(start) < 60)
    }
}
