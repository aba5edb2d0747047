import Foundation
import Testing
import WorkbenchCore
@testable import LLM

/// A baseline's provenance with `routes: {generate: []}` reached `FallbackProvider.init`,
/// whose precondition took `regress` down with SIGILL. Routes come from files: an empty
/// chain is now a typed error on use (exit 65), never a trap.
@Suite struct FallbackEmptyChainTests {
    @Test func anEmptyChainFailsEachCallWithATypedError() async throws {
        let chain = FallbackProvider(task: .generate, chain: [])
        #expect(chain.name.isEmpty && chain.model.isEmpty)
        let request = CompletionRequest(messages: [ChatMessage(.user, "Hello.")], maxTokens: 8, task: .generate)
        await #expect(throws: LLMError.noRoute(task: .generate)) { try await chain.complete(request) }
        await #expect(throws: LLMError.noRoute(task: .generate)) {
            for try await _ in chain.stream(request) {}
        }
        let error = LLMError.noRoute(task: .generate)
        #expect(error.exitStatus == .dataError && error.message.contains("`generate`") && error.fix != nil && error.kind == "no-route")
    }
}
