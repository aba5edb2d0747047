import Foundation

/// Adjusted p-values for a family of tests (variants × metrics), returned in the input order.
/// A hypothesis is rejected at level α when its adjusted p-value is at most α.
public enum MultipleComparisons {
    public enum Method: String, CaseIterable, Sendable, Codable {
        /// Holm's step-down: controls the family-wise error rate under any dependence.
        case holm
        /// Benjamini–Hochberg step-up: controls the false discovery rate for independent or
        /// positively dependent tests (`scipy.stats.false_discovery_control(method="bh")`).
        case benjaminiHochberg = "bh"
        /// Benjamini–Yekutieli: the false discovery rate under any dependence (`method="by"`).
        case benjaminiYekutieli = "by"
    }

    public static func adjust(_ pValues: [Double], method: Method) throws -> [Double] {
        for (index, p) in pValues.enumerated() where !(p >= 0 && p <= 1) {
            throw StatsError.badProbability(index: index, value: p)
        }
        let m = pValues.count
        guard m > 0 else { return [] }
        // Stable order so equal p-values keep a deterministic pairing with their adjustments.
        let order = pValues.indices.sorted { (pValues[$0], $0) < (pValues[$1], $1) }
        var adjusted = [Double](repeating: 0, count: m)
        switch method {
        case .holm:
            var running = 0.0
            for (rank, index) in order.enumerated() {
                running = max(running, Double(m - rank) * pValues[index])
                adjusted[index] = min(1, running)
            }
        case .benjaminiHochberg, .benjaminiYekutieli:
            let harmonic = method == .benjaminiYekutieli ? (1...m).reduce(0.0) { $0 + 1 / Double($1) } : 1
            var running = 1.0
            for (rank, index) in order.enumerated().reversed() {
                running = min(running, pValues[index] * Double(m) * harmonic / Double(rank + 1))
                adjusted[index] = running
            }
        }
        return adjusted
    }
}
