import Foundation
import LLM
import Testing
@testable import Simulator
import WorkbenchCore

@Suite struct SimulatorWriterTests {
    let writer = SimulatorWriter(serverSeed: 1)

    func request(_ prompt: String, seed: UInt64 = 1, maxTokens: Int? = nil) -> CompletionRequest {
        CompletionRequest(messages: [ChatMessage(.user, prompt)], maxTokens: maxTokens, seed: seed)
    }

    @Test func sameRequestSameText() {
        let a = writer.respond(to: request("Write about 200 words."))
        #expect(a == writer.respond(to: request("Write about 200 words.")))
        #expect(a.text != writer.respond(to: request("Write about 200 words.", seed: 2)).text)
        #expect(a.text != SimulatorWriter(serverSeed: 2).respond(to: request("Write about 200 words.")).text)
    }

    @Test func lengthFollowsTheRequestedWordCount() {
        var ratios: [Double] = []
        for seed in 0..<200 {
            let output = writer.respond(to: request("Write about 600 words of chapter 3.", seed: UInt64(seed)))
            ratios.append(Double(output.text.split(whereSeparator: \.isWhitespace).count) / 600)
            #expect(output.finishReason == .stop)
        }
        let mean = ratios.reduce(0, +) / Double(ratios.count)
        let sd = (ratios.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(ratios.count - 1)).squareRoot()
        #expect(abs(mean - 1) < 0.02, "mean ratio \(mean)")
        #expect(sd > 0.02 && sd < 0.07, "documented noise σ=0.04 (plus sentence rounding), got \(sd)")
    }

    @Test func maxTokensCutsTheAnswer() {
        let output = writer.respond(to: request("Write about 600 words.", maxTokens: 100))
        #expect(output.finishReason == .length)
        #expect(output.completionTokens <= 100)
        #expect(output.text.split(whereSeparator: \.isWhitespace).count == 75)
    }

    /// The documented surface: an instruction moves its property by the documented amount.
    @Test(arguments: [
        ("sensory", "Use vivid detail in every scene.", "the smell of", 0.20, 0.50),
        ("dialogue", "Include dialogue between them.", "\"", 0.12, 0.40),
    ])
    func instructionsShiftTheirProperty(knob: String, instruction: String, marker: String, baseline: Double, instructed: Double) {
        #expect(ResponseSurface.probabilities(for: instruction)[knob] == instructed)
        #expect(ResponseSurface.probabilities(for: "Write the chapter.")[knob] == baseline)
        func share(_ prompt: String) -> Double {
            var hits = 0, sentences = 0
            for seed in 0..<60 {
                let text = writer.respond(to: request(prompt + " Write about 300 words.", seed: UInt64(seed))).text
                for sentence in text.components(separatedBy: ". ") where !sentence.isEmpty {
                    sentences += 1
                    if Lexicon.sensory.contains(where: sentence.contains) && knob == "sensory" { hits += 1 }
                    if sentence.contains(marker) && knob == "dialogue" { hits += 1 }
                }
            }
            return Double(hits) / Double(sentences)
        }
        let plain = share("Write the chapter.")
        let instructedShare = share(instruction)
        #expect(instructedShare > plain * 1.8, "\(knob): \(plain) → \(instructedShare)")
    }

    @Test func cosmeticRewordingChangesNoProbability() {
        #expect(ResponseSurface.probabilities(for: "Write chapter three, please.") == ResponseSurface.probabilities(for: "Please write the third chapter."))
    }

    @Test func promptFieldsAreRead() {
        #expect(ResponseSurface.requestedWords(in: "Write a 1,200-word scene") == 1200)
        #expect(ResponseSurface.requestedWords(in: "Chapter 3: about 600 words") == 600)
        #expect(ResponseSurface.requestedWords(in: "Chapter 3") == nil)
        #expect(ResponseSurface.obsession(in: "Title: X\nCentral obsession: the lighthouse keeper's key.\n") == "the lighthouse keeper's key")
        #expect(ResponseSurface.characters(in: "Characters: Marcus (28, black hair), Sarah and Tom") == ["Marcus", "Sarah", "Tom"])
    }

    @Test func schemaFakerSatisfiesTheSchema() throws {
        let schema = #"{"type":"object","properties":{"title":{"type":"string","maxLength":40},"chapters":{"type":"array","minItems":3,"maxItems":3,"items":{"type":"object","properties":{"number":{"type":"integer","minimum":1,"maximum":3},"mood":{"enum":["dark","light"]}}}}}}"#
        var random = SeededGenerator(seed: 9)
        let text = try SchemaFaker.value(forSchema: schema, random: &random, prompt: "")
        var again = SeededGenerator(seed: 9)
        #expect(try SchemaFaker.value(forSchema: schema, random: &again, prompt: "") == text, "same seed, same JSON")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(((object["title"] as? String)?.count ?? 99) <= 40)
        let chapters = try #require(object["chapters"] as? [[String: Any]])
        #expect(chapters.count == 3)
        for chapter in chapters {
            #expect((1...3).contains(chapter["number"] as? Int ?? 0))
            #expect(["dark", "light"].contains(chapter["mood"] as? String ?? ""))
        }
    }
}
