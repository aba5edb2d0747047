import Foundation
import Learning
import Store

extension EnsembleStrengths {
    /// Bradley–Terry strengths of `providers` per kind of unit from stored verdicts: each
    /// decisive sample is a comparison (a tie, including an order flip, is none), samples of one
    /// provider against itself (Self-MoA) say nothing about providers and are left out. A kind
    /// with no decisive verdict between two of `providers` gets no strengths (its priors are 0).
    public static func fit(_ duels: [EnsembleDuelRecord], providers: [String]) throws -> EnsembleStrengths {
        let index = Dictionary(providers.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var comparisons: [String: [BradleyTerry.Comparison]] = [:]
        for duel in duels where duel.providerA != duel.providerB {
            guard let a = index[duel.providerA], let b = index[duel.providerB] else { continue }
            comparisons[duel.kind, default: []] += Array(repeating: BradleyTerry.Comparison(winner: a, loser: b), count: duel.winsA)
                + Array(repeating: BradleyTerry.Comparison(winner: b, loser: a), count: duel.winsB)
        }
        var strengths: [String: [String: Double]] = [:]
        var verdicts: [String: Int] = [:]
        for (kind, list) in comparisons where !list.isEmpty && providers.count >= 2 {
            let fit = try BradleyTerry.fit(items: providers.count, comparisons: list)
            strengths[kind] = Dictionary(uniqueKeysWithValues: providers.enumerated().map { ($1, fit.scores[$0]) })
            verdicts[kind] = list.count
        }
        return EnsembleStrengths(strengths: strengths, verdicts: verdicts)
    }
}
