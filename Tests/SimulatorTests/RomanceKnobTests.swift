import Foundation
import LLM
import Quality
import Testing
@testable import Simulator
import WorkbenchCore

/// The romance knob (issue #17's romance plugin asks for "romantic tension"): off unless
/// triggered, and then no draw at all, so every untriggered answer stays byte for byte what
/// it was; triggered, the documented share of narration sentences carries a romance clause.
@Suite struct RomanceKnobTests {
    let writer = SimulatorWriter(serverSeed: 1)

    func request(_ prompt: String, seed: UInt64 = 1, maxTokens: Int? = 4000) -> CompletionRequest {
        CompletionRequest(messages: [ChatMessage(.user, prompt)], maxTokens: maxTokens, seed: seed, task: .generate)
    }

    /// Prompts as the engine sends them (chapter template with every knob, an enhance
    /// rewrite, the coherence mode, and an obsession-less plain prompt), none with the trigger.
    static let untriggered: [(String, String, UInt64)] = [
        ("chapter", "You are writing chapter 2 of 5 of the novel \"The Drowned Bell\" (a village hunts its bell).\nSetting: a fen village\nCharacters: Mara, Elias and Ines.\nObsession: the drowned bell.\n\nChapter 2, \"The Ferry\". Beats, in order:\n- Mara waits at the ferry\n- Elias refuses to cross\n\nWrite about 1200 words of this chapter in third person past tense. Use vivid detail,\ndeepen emotion, include dialogue and stay with the obsession. Avoid repetition. Write only\nthe chapter's prose, no headings.", 7),
        ("enhance", "Rewrite this passage from chapter 3 of \"The Drowned Bell\" (raise tension): Make the stakes sharper.\nKeep the events, names, point of view and tense. Obsession: the drowned bell. Characters: Mara, Elias.\nPassage:\n\"\"\"\nMara waited by the ferry. Elias said nothing.\n\"\"\"\nWrite only the rewritten passage, about 150 words.", 3),
        ("coherence", "Characters: Anna, Tomas, Ines\nObsession: the sealed letter\nWrite about 900 words. Keep one thread of events. Include dialogue.", 11),
        ("plain", "Write about 700 words.", 2),
    ]

    /// SHA-256 of `text|finish|prompt tokens|completion tokens`, recorded from sim-surface-4's
    /// writer before the romance knob existed (commit 02a681d).
    static let recorded: [String: String] = [
        "chapter": "8db4454c50709f0b1a12e4f0612d9608368b2b4ffeb83d5ceede8c59a7ce1d6e",
        "enhance": "627d57f3cf0c2fa1e6200e3ec849e15051e44fb39c787f04122e5043945a146e",
        "coherence": "975fefa1b1bfc898cc3c91d923d3691f8a48a3590cd47d331867cf7f31337925",
        "plain": "754aacf88288974e5b710f7e613b6b03e7452dd659b832da3ce72eb308a0cd93",
    ]

    @Test func untriggeredAnswersAreTheRecordedOnes() {
        for (name, prompt, seed) in Self.untriggered {
            let output = writer.respond(to: request(prompt, seed: seed))
            let hash = SHA256.hex(of: "\(output.text)|\(output.finishReason.rawValue)|\(output.promptTokens)|\(output.completionTokens)")
            #expect(hash == Self.recorded[name], "\(name): \(output.text.prefix(200))")
        }
    }

    /// The same four prompts over 40 seeds each, and a short answer per seed with no length
    /// asked: one hash over 200 answers, recorded before the knob existed.
    static let recordedBulk = "f090a73fcee853a56fe0d103142b8897c26d10897cb58108525d8e4bb5551c04"

    @Test func untriggeredAnswersOverManySeedsAreTheRecordedOnes() {
        var hasher = SHA256()
        for seed in UInt64(0)..<40 {
            for (_, prompt, _) in Self.untriggered + [("default", "Tell me about the harbour.", 0)] {
                let output = writer.respond(to: request(prompt, seed: seed))
                hasher.update(Array("\(output.text)|\(output.finishReason.rawValue)|\(output.completionTokens)\u{1E}".utf8))
            }
        }
        let hash = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        #expect(hash == Self.recordedBulk)
    }

    // MARK: Triggered

    static let chapter = "Characters: Anna, Tomas, Ines\nObsession: the sealed letter\nWrite about 1500 words."

    /// Romance clauses in a text: each opens with one of the desire phrases, which nothing else writes.
    static func clauses(_ text: String) -> Int {
        Lexicon.romanceDesires.map { text.components(separatedBy: " \($0) ").count - 1 }.reduce(0, +)
    }

    /// Sentences end with a period (dialogue inside quotation marks ends `… Name said.`), and a
    /// line of dialogue holds two quotation marks; the rest is narration.
    static func narrationSentences(_ text: String) -> Int {
        let sentences = text.components(separatedBy: ".").count - 1
        let dialogue = (text.components(separatedBy: "\"").count - 1) / 2
        return sentences - dialogue
    }

    /// The romance plugin's lists (Experiments/plugins/romance.py), as far as the simulator writes them.
    static let attraction: Set<String> = ["ached", "aching", "craved", "hungered", "longing", "longed", "touch", "brush", "kiss", "embrace", "lips", "fingers"]
    static let obstacle: Set<String> = ["forbidden", "forbade", "impossible", "promised", "duty", "honour", "secret", "apart"]

    @Test func theKnobIsDocumentedAndOffByDefault() {
        let knob = ResponseSurface.knobs.first { $0.name == "romance" }!
        #expect(knob.baseline == 0 && knob.instructed == 0.10)
        #expect(knob.triggers.contains("romantic tension"))
        #expect(ResponseSurface.probabilities(for: "Write the chapter.")["romance"] == nil, "absent, so nothing is drawn for it")
        #expect(ResponseSurface.probabilities(for: "Write the chapter. Build ROMANTIC TENSION.")["romance"] == 0.10)
        #expect(ResponseSurface.version == "sim-surface-4", "untriggered answers did not change")
    }

    /// 100 chapters of 1,500 words each way: without the trigger no sentence carries a romance
    /// clause; with it the share of narration sentences that do is the documented 0.10 (× the
    /// mean of the lognormal noise, 1.011), and the plugin's lexicon density rises with it.
    @Test func theInstructionAddsRomanceClausesAtTheDocumentedRate() {
        var plain = (clauses: 0, narration: 0, attraction: 0, obstacle: 0, words: 0)
        var instructed = plain
        for seed in UInt64(0)..<100 {
            for triggered in [false, true] {
                let prompt = triggered ? "Write the chapter. Raise the romantic tension.\n" + Self.chapter : "Write the chapter.\n" + Self.chapter
                let text = writer.respond(to: request(prompt, seed: seed)).text
                let words = StyledProse.words(of: text)
                let counts = (clauses: Self.clauses(text), narration: Self.narrationSentences(text),
                              attraction: words.filter(Self.attraction.contains).count, obstacle: words.filter(Self.obstacle.contains).count, words: words.count)
                if triggered {
                    instructed = (instructed.clauses + counts.clauses, instructed.narration + counts.narration, instructed.attraction + counts.attraction,
                                  instructed.obstacle + counts.obstacle, instructed.words + counts.words)
                } else {
                    plain = (plain.clauses + counts.clauses, plain.narration + counts.narration, plain.attraction + counts.attraction,
                             plain.obstacle + counts.obstacle, plain.words + counts.words)
                }
            }
        }
        #expect(plain.clauses == 0)
        let share = Double(instructed.clauses) / Double(instructed.narration)
        #expect(abs(share - 0.10 * 1.011) < 0.012, "share of narration sentences with a romance clause: \(share)")
        let perThousand = { (count: Int, words: Int) in 1000 * Double(count) / Double(words) }
        let before = (perThousand(plain.attraction, plain.words), perThousand(plain.obstacle, plain.words))
        let after = (perThousand(instructed.attraction, instructed.words), perThousand(instructed.obstacle, instructed.words))
        print(String(format: "romance knob: clauses/narration %.4f; attraction %.2f → %.2f, obstacle %.2f → %.2f per 1,000 words", share, before.0, after.0, before.1, after.1))
        // Two attraction words and 1⅓ obstacle words per clause (a sixth of the obstacle phrases hold two).
        #expect(before.1 == 0 && before.0 < 1)
        #expect(after.0 - before.0 > 12 && after.1 > 6, "past the plugin's saturation: tension 10")
    }

    @Test func theCoherentSceneWriterCarriesTheClauseToo() {
        let prompt = "Keep one thread of events. Raise the romantic tension.\n" + Self.chapter
        let texts = (UInt64(0)..<5).map { writer.respond(to: request(prompt, seed: $0)).text }
        let share = Double(texts.map(Self.clauses).reduce(0, +)) / Double(texts.map(Self.narrationSentences).reduce(0, +))
        #expect(share > 0.06 && share < 0.14, "\(share)")
        let plain = (UInt64(0)..<5).map { writer.respond(to: request("Keep one thread of events.\n" + Self.chapter, seed: $0)).text }
        #expect(plain.map(Self.clauses).reduce(0, +) == 0)
    }
}
