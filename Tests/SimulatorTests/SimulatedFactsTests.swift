import Foundation
import LLM
import Quality
import Simulator
import Testing
import WorkbenchCore

/// The continuity surface: fact sentences about the cast, their truth, extraction and fix answers.
@Suite struct SimulatedFactsTests {
    static let prompt = "Characters: Mara (34, black hair, keeper; sister of Tomas), Tomas (grey eyes, born in Lisbon), Ines.\nWrite about 1500 words."

    static func chapter(_ seed: UInt64, surface: ContinuitySurface?, prompt: String = Self.prompt) -> String {
        SimulatorWriter(serverSeed: 5, continuity: surface).respond(to: CompletionRequest(
            messages: [ChatMessage(.user, prompt)], maxTokens: 4000, seed: seed, task: .generate)).text
    }

    @Test func theCharacterSheetGivesTheTruthAndTheNameTheRest() {
        let cast = SimulatedCast(prompt: Self.prompt)
        #expect(cast.characters.map(\.name) == ["Mara", "Tomas", "Ines"])
        let mara = cast.characters[0], tomas = cast.characters[1], ines = cast.characters[2]
        #expect(mara.age == 34 && mara.hair == "black" && mara.female)
        #expect(tomas.eyes == "grey" && tomas.birthplace == "Lisbon" && !tomas.female)
        #expect(cast.tie("Mara", "Tomas") == .sibling && cast.tie("Tomas", "Mara") == .sibling)
        #expect(cast.tie("Mara", "Ines") == nil)
        // Derived values are a function of the name.
        let again = SimulatedCast(prompt: "Characters: Ines, Mara.").character(named: "Ines")!
        #expect(again.hair == ines.hair && again.eyes == ines.eyes && again.age == ines.age && again.birthplace == ines.birthplace)
        #expect((20...60).contains(ines.age) && SimulatedFacts.towns.contains(ines.birthplace))
        // Without a tie on the sheet, the first two are kin.
        let plain = SimulatedCast(prompt: "Characters: Anna, Bo.")
        #expect(plain.tie("Anna", "Bo") != nil)
    }

    @Test func offWritesNoFactSentenceAndOnWritesThemAtTheirRate() {
        let off = (1...3).map { Self.chapter($0, surface: nil) }
        #expect(off.allSatisfy { SimulatedContinuity.audit(chapters: [$0], prompt: Self.prompt).isEmpty })
        #expect(off == (1...3).map { Self.chapter($0, surface: nil) })
        let on = (1...3).map { Self.chapter($0, surface: ContinuitySurface(factRate: 0.1)) }
        let statements = SimulatedContinuity.audit(chapters: on, prompt: Self.prompt)
        let sentences = on.joined(separator: " ").split(separator: ".").count
        let rate = Double(statements.count) / Double(sentences)
        #expect(rate > 0.05 && rate < 0.18, "fact sentences: \(statements.count) of \(sentences)")
        #expect(statements.allSatisfy { $0.isTrue })
        #expect(Set(statements.map(\.predicate)) == Set(SimulatedPredicate.allCases))
        for statement in statements {
            let text = on[statement.chapter - 1]
            #expect(String(decoding: Array(text.utf8)[statement.bytes], as: UTF8.self) == statement.sentence)
        }
        #expect(statements.contains { $0.subject == "Mara" && $0.predicate == .age && $0.value == "34" })
    }

    @Test func contradictionRateMakesThatShareWrong() {
        let chapters = (1...6).map { Self.chapter($0, surface: ContinuitySurface(factRate: 0.1, contradictionRate: 0.3)) }
        let statements = SimulatedContinuity.audit(chapters: chapters, prompt: Self.prompt)
        let wrong = statements.filter { !$0.isTrue }
        let share = Double(wrong.count) / Double(statements.count)
        #expect(share > 0.18 && share < 0.42, "\(wrong.count) of \(statements.count)")
        let words = chapters.reduce(0) { $0 + $1.split(whereSeparator: \.isWhitespace).count }
        #expect(abs(SimulatedContinuity.contradictionDensity(chapters: chapters, prompt: Self.prompt) - Double(wrong.count) * 10_000 / Double(words)) < 1e-9)
        for statement in wrong where statement.predicate == .age {
            let age = Int(statement.value)!
            let truth = SimulatedCast(prompt: Self.prompt).character(named: statement.subject)!.age
            #expect((3...9).contains(truth - age))
        }
    }

    @Test func coherenceModeWritesFactSentencesToo() {
        let prompt = Self.prompt + " Keep the thread."
        let text = Self.chapter(2, surface: ContinuitySurface(factRate: 0.1), prompt: prompt)
        #expect(!SimulatedContinuity.audit(chapters: [text], prompt: prompt).isEmpty)
        #expect(Self.chapter(2, surface: nil, prompt: prompt) == Self.chapter(2, surface: nil, prompt: prompt))
    }

    @Test func extractionAnswersListEveryFactSentenceAsStated() throws {
        let text = Self.chapter(3, surface: ContinuitySurface(factRate: 0.1, contradictionRate: 0.3))
        let prompt = "List the facts of Chapter 3.\n\"\"\"\n\(text)\n\"\"\""
        let answer = SimulatorWriter(serverSeed: 1).respond(to: CompletionRequest(messages: [ChatMessage(.user, prompt)], seed: 1,
                                                                                   responseFormat: .jsonSchema(name: "continuity_facts", schema: "{}"), task: .extract)).text
        let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any])
        let facts = try #require(object["facts"] as? [[String: Any]])
        let statements = SimulatedContinuity.audit(chapters: [text], prompt: Self.prompt)
        #expect(facts.count == statements.count && !facts.isEmpty)
        for (fact, statement) in zip(facts, statements) {
            #expect(fact["chapter"] as? Int == 3)
            #expect(fact["subject"] as? String == statement.subject && fact["value"] as? String == statement.value)
            #expect(fact["predicate"] as? String == statement.predicate.rawValue)
            #expect(text.contains(fact["quote"] as? String ?? "\u{0}"))
        }
    }

    /// Fact sentences carry no emotion, cliché or broken word pair; only the colour templates
    /// name something seen (the colour).
    @Test func factSentencesUseNoLexiconWordButTheColour() {
        func text(_ predicates: Set<SimulatedPredicate>) -> String {
            let sentences = SimulatedFacts.templates.filter { predicates.contains($0.predicate) }.flatMap { template in
                [("Mara", "her", "Tomas", "sister"), ("Tomas", "his", "Mara", "brother")].map { name, possessive, other, kin in
                    let value = template.predicate == .age ? "thirty-four" : template.predicate == .birthplace ? "Dunmore" : "black"
                    return template.text.replacingOccurrences(of: "{N}", with: name).replacingOccurrences(of: "{P}", with: possessive)
                        .replacingOccurrences(of: "{O}", with: other).replacingOccurrences(of: "{K}", with: kin).replacingOccurrences(of: "{V}", with: value)
                }
            }
            return stride(from: 0, to: sentences.count, by: 4).map { sentences[$0..<min($0 + 4, sentences.count)].joined(separator: " ") }.joined(separator: "\n\n")
        }
        let plain = QualityAnalyzer.analyze(text([.age, .birthplace, .relationship]))
        #expect(plain["detail_density"] == 0 && plain["emotion"] == 0 && plain["cliche_density"] == 0 && plain["fluency"] == 0, "\(plain.metrics)")
        let colours = QualityAnalyzer.analyze(text([.hairColour, .eyeColour]))
        #expect(colours["emotion"] == 0 && colours["cliche_density"] == 0 && colours["fluency"] == 0, "\(colours.metrics)")
    }

    @Test func aFixPromptRewritesOnlyTheContradictingSentence() throws {
        let passage = "Mara waited by the gate. Mara had blue eyes. Tomas counted the letters. Mara's eyes were green.\n\nTomas, Mara's husband, kept to one side. Mara was 27."
        func fix(_ established: String, seed: UInt64) -> String {
            let prompt = "FIX_CONTINUITY\nCharacters: Mara, Tomas.\nEstablished: \"\(established)\"\n\"\"\"\n\(passage)\n\"\"\""
            return SimulatorWriter(serverSeed: 0).respond(to: CompletionRequest(messages: [ChatMessage(.user, prompt)], seed: seed, task: .enhance)).text
        }
        // Some seed draws the fix (probability 0.9), and each fix changes the wrong sentence only.
        let answers = (1...10).map { fix("Mara had blue eyes", seed: $0) }
        let fixed = passage.replacingOccurrences(of: "eyes were green", with: "eyes were blue")
        #expect(answers.filter { $0 == fixed }.count >= 6)
        #expect(answers.allSatisfy { $0 == fixed || $0 == passage })
        let ties = (1...10).map { fix("Tomas, Mara's brother, kept to one side.", seed: $0) }
        #expect(ties.contains(passage.replacingOccurrences(of: "Mara's husband", with: "Mara's brother")))
        // A character-sheet item works as the established fact.
        let ages = (1...10).map { fix("Mara (34, black hair)", seed: $0) }
        #expect(ages.contains(passage.replacingOccurrences(of: "Mara was 27.", with: "Mara was 34.")))
    }
}
