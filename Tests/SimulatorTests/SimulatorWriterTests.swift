import Foundation
import LLM
import Quality
import Testing
@testable import Simulator
import WorkbenchCore

@Suite struct SimulatorWriterTests {
    let writer = SimulatorWriter(serverSeed: 1)

    func request(_ prompt: String, seed: UInt64 = 1, maxTokens: Int? = nil) -> CompletionRequest {
        CompletionRequest(messages: [ChatMessage(.user, prompt)], maxTokens: maxTokens, seed: seed, task: .generate)
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

    /// The documented surface, measured with the Quality metrics: each instruction moves the
    /// metric it targets, and leaves the others' means within noise.
    @Test(arguments: [
        ("sensory", "Use vivid detail.", "detail_density", 1.8),
        ("dialogue", "Include dialogue.", "dialogue_ratio", 2.0),
        ("emotion", "Deepen emotion.", "emotion", 1.15),
        ("obsession", "Stay with the obsession.", "obsession_depth", 1.15),
    ])
    func instructionsMoveTheirMetric(knob: String, instruction: String, metric: String, factor: Double) {
        let knobEntry = ResponseSurface.knobs.first { $0.name == knob }!
        #expect(ResponseSurface.probabilities(for: instruction)[knob] == knobEntry.instructed)
        #expect(ResponseSurface.probabilities(for: "Write the chapter.")[knob] == knobEntry.baseline)
        func mean(_ prompt: String) -> Double {
            let context = AnalysisContext(obsession: "the sealed letter")
            let values = (0..<30).map { seed in
                let text = writer.respond(to: request(prompt + "\nCharacters: Anna, Tomas, Ines\nObsession: the sealed letter\nWrite about 1500 words.", seed: UInt64(seed), maxTokens: 4000)).text
                return QualityAnalyzer.analyze(text, context: context)[metric] ?? 0
            }
            return values.reduce(0, +) / Double(values.count)
        }
        let plain = mean("Write the chapter.")
        let instructed = mean("Write the chapter. " + instruction)
        #expect(instructed > plain * factor, "\(metric): \(plain) → \(instructed)")
    }

    @Test func plainSimulatorProseIsNotDegenerate() {
        let text = writer.respond(to: request("Characters: Anna, Tomas\nWrite about 2000 words.", maxTokens: 4000)).text
        let report = QualityAnalyzer.analyze(text, context: AnalysisContext(targetWords: 2000))
        #expect(report.quality > 5, "\(report.metrics)")
        #expect(report["fluency"]! < 2)
        #expect(report["repetition"]! < 0.1)
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
