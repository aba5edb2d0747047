import Foundation
import LLM
import Testing
@testable import Simulator
import WorkbenchCore

/// The default writer's answers, pinned: surface changes add instructions, they never move
/// what an uninstructed prompt gets (recorded caches, baselines and A/B fixtures rely on it).
@Suite struct DefaultOutputGoldenTests {
    static let requests: [(String, CompletionRequest)] = [
        ("plain", CompletionRequest(messages: [ChatMessage(.user, "Write about 300 words.\nCharacters: Anna, Tomas")], maxTokens: 1000, seed: 3, task: .generate)),
        ("instructed", CompletionRequest(messages: [
            ChatMessage(.system, "You are a novelist."),
            ChatMessage(.user, "Characters: Mara, Elias and Ines.\nObsession: the drowned bell.\nWrite about 500 words. Use vivid detail, deepen emotion, include dialogue and stay with the obsession. Avoid repetition."),
        ], maxTokens: 2000, seed: 5, task: .generate)),
        ("cut", CompletionRequest(messages: [ChatMessage(.user, "Write about 600 words.")], maxTokens: 100, seed: 1, task: .generate)),
        ("json-object", CompletionRequest(messages: [ChatMessage(.user, "Answer in JSON.")], seed: 2, responseFormat: .jsonObject, task: .generate)),
        ("outline", CompletionRequest(messages: [ChatMessage(.user, "Plan a novel of 3 chapters of about 900 words each.")], seed: 4,
                                      responseFormat: .jsonSchema(name: "outline", schema: #"{"type":"object","properties":{"title":{"type":"string"},"characters":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"string"}}}},"chapters":{"type":"array","minItems":3,"maxItems":3,"items":{"type":"object","properties":{"number":{"type":"integer","minimum":1,"maximum":3},"target_words":{"type":"integer","minimum":100,"maximum":5000},"beats":{"type":"array","items":{"type":"string"}}}}}}}"#),
                                      task: .plan)),
        ("score-without-chapter", CompletionRequest(messages: [ChatMessage(.user, "Score this chapter.")], seed: 6,
                                                    responseFormat: .jsonSchema(name: "judge", schema: #"{"type":"object","properties":{"score":{"type":"integer","minimum":1,"maximum":10},"reason":{"type":"string"}},"required":["score","reason"]}"#),
                                                    task: .judge)),
    ]

    /// SHA-256 of `text|finish|prompt tokens|completion tokens`, recorded from sim-surface-3's writer.
    static let recorded = [
        "plain": "44eaf9508f27d5e410e14c255dad12d41a518c159735613cc918ec67cb40af0c",
        "instructed": "a4b1e0e346198b8290d6769e790875fce1ba91534654b270061240d9e7564f37",
        "cut": "b432917da8bfff05e100a96bb384631916f14707670bcbaaa82d4a9b9a60ddc2",
        "json-object": "879423bec5e6cc64810ebd268f1ecbe3f761f812a250fbbf044b3ea76d3ba0dd",
        "outline": "a254d08b9b7b0fcd3c7dc01f72125c157e13cb80200b1ed268e51f02f2c2e0e9",
        "score-without-chapter": "d7eac1f5036255db8ba421f9faaeb3a13b67fa2d26fca50114a99600052c4f06",
    ]

    @Test func uninstructedAnswersAreTheRecordedOnes() {
        let writer = SimulatorWriter(serverSeed: 1)
        for (name, request) in Self.requests {
            let output = writer.respond(to: request)
            let hash = SHA256.hex(of: "\(output.text)|\(output.finishReason.rawValue)|\(output.promptTokens)|\(output.completionTokens)")
            #expect(hash == Self.recorded[name], "\(name): \(output.text.prefix(200))")
        }
    }
}
