import Foundation
import LLM
import Quality
import WorkbenchCore

/// Proposes new prompt candidates from the scored ones: mutation operators over the
/// instruction library, and the meta-prompt with which an LLM proposes a rewrite from the
/// scored history (OPRO: the history sorted worst first, the model asked to beat it).
public struct CandidateProposer: Sendable {
    public var library: InstructionLibrary
    public var maxInstructions: Int

    public init(library: InstructionLibrary, maxInstructions: Int) {
        self.library = library
        self.maxInstructions = maxInstructions
    }

    /// A candidate scored on the development suite; `objective` is higher-is-better.
    public struct Scored: Sendable {
        public var id: Int
        public var candidate: PromptCandidate
        public var objective: Double

        public init(id: Int, candidate: PromptCandidate, objective: Double) {
            self.id = id
            self.candidate = candidate
            self.objective = objective
        }
    }

    public struct Proposal: Sendable, Equatable {
        public var candidate: PromptCandidate
        public var parent: Int?
        public var `operator`: String
    }

    /// Parents come from the best few scored candidates (a tournament of two among them).
    static let elite = 4

    /// Up to `count` new candidates, none with a key in `seen`, each one operator away from a good parent.
    public func mutations(count: Int, scored: [Scored], seen: Set<String>, random: inout SeededGenerator) -> [Proposal] {
        guard !scored.isEmpty else { return [] }
        let ranked = scored.sorted { $0.objective > $1.objective || ($0.objective == $1.objective && $0.id < $1.id) }
        let elite = Array(ranked.prefix(Self.elite))
        var keys = seen, proposals: [Proposal] = []
        var attempts = 0
        while proposals.count < count, attempts < count * 20 {
            attempts += 1
            let first = elite[Int(random.next() % UInt64(elite.count))], second = elite[Int(random.next() % UInt64(elite.count))]
            let parent = first.objective >= second.objective ? first : second
            guard let (candidate, name) = mutate(parent, elite: elite, random: &random) else { continue }
            guard !candidate.instructions.isEmpty, keys.insert(candidate.key).inserted else { continue }
            proposals.append(Proposal(candidate: candidate, parent: parent.id, operator: name))
        }
        return proposals
    }

    /// One operator, chosen among those that apply to the parent.
    func mutate(_ parent: Scored, elite: [Scored], random: inout SeededGenerator) -> (PromptCandidate, String)? {
        var instructions = parent.candidate.instructions
        let unused = library.instructions.map(\.text).filter { !PromptCandidate.list(instructions, holds: $0) }
        var operators: [String] = []
        if instructions.count < maxInstructions, !unused.isEmpty { operators.append("add") }
        if !instructions.isEmpty { operators.append("remove") }
        if !instructions.isEmpty, !unused.isEmpty { operators.append("replace") }
        let mates = elite.filter { $0.id != parent.id && !$0.candidate.instructions.isEmpty }
        if !mates.isEmpty { operators.append("crossover") }
        guard !operators.isEmpty else { return nil }
        let name = operators[Int(random.next() % UInt64(operators.count))]
        func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        switch name {
        case "add":
            instructions.insert(pick(unused), at: Int(random.next() % UInt64(instructions.count + 1)))
        case "remove":
            instructions.remove(at: Int(random.next() % UInt64(instructions.count)))
        case "replace":
            instructions[Int(random.next() % UInt64(instructions.count))] = pick(unused)
        default:
            // Each instruction of either parent is kept with probability ½, in the parents' order.
            let mate = pick(mates)
            var union = instructions
            for other in mate.candidate.instructions where !PromptCandidate.list(union, holds: other) {
                union.append(other)
            }
            instructions = union.filter { _ in random.next() & 1 == 0 }
            if instructions.count > maxInstructions { instructions = Array(instructions.prefix(maxInstructions)) }
        }
        return (PromptCandidate(instructions), name)
    }

    // MARK: LLM proposals (OPRO)

    /// The history shown to the proposing model: the best this many, worst first.
    static let historyShown = 20

    public func metaPrompt(metric: String, higherIsBetter: Bool, scored: [Scored]) -> String {
        let summary = MetricCatalog.entries.first { $0.name == metric }?.summary
        let shown = scored.sorted { $0.objective > $1.objective }.prefix(Self.historyShown).reversed()
        var prompt = """
            You are improving the style instructions given to a model that writes novel chapters. \
            The instructions are scored by the chapters' \(metric)\(summary.map { " (\($0))" } ?? ""); \
            \(higherIsBetter ? "higher" : "lower") is better.

            Earlier instruction sets with their scores, worst first:

            """
        for entry in shown {
            let score = higherIsBetter ? entry.objective : -entry.objective
            prompt += "Instructions: \(entry.candidate.instructions.isEmpty ? "(none)" : entry.candidate.text)\nScore: \(String(format: "%.2f", score))\n\n"
        }
        prompt += """
            Write a new set of 1 to \(maxInstructions) short imperative instructions, different from every set above, \
            that will score \(higherIsBetter ? "higher" : "lower") than all of them. Answer with JSON only: \
            {"instructions": ["…", "…"]}
            """
        return prompt
    }

    /// Valid under OpenAI's strict mode (no `minLength`/`maxLength` there: `parse` drops short ones).
    public var responseSchema: String {
        #"{"type":"object","additionalProperties":false,"required":["instructions"],"properties":{"instructions":{"type":"array","minItems":1,"maxItems":"# + String(maxInstructions)
            + #","items":{"type":"string","description":"One short imperative instruction, under 240 characters."}}}}"#
    }

    /// The candidate in a model's answer, or nil when the answer has none (not JSON, no instructions).
    public func parse(answer: String) -> PromptCandidate? {
        struct Answer: Decodable { var instructions: [String] }
        // Models wrap JSON in prose or code fences.
        guard let decoded = JSONAnswer.decode(Answer.self, from: answer) else { return nil }
        var unique: [String] = []
        for instruction in decoded.instructions.map(PromptCandidate.clean) where instruction.count >= 3 {
            if !PromptCandidate.list(unique, holds: instruction) { unique.append(instruction) }
        }
        let candidate = PromptCandidate(Array(unique.prefix(maxInstructions)))
        return candidate.instructions.isEmpty ? nil : candidate
    }
}
