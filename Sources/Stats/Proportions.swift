import Foundation

/// Intervals for a binomial proportion: how often something happened in `trials` tries.
public enum Proportion {
    /// The Wilson score interval (Wilson 1927) at `confidence`: unlike the Wald interval it
    /// stays inside [0, 1] and keeps its coverage near 0 and 1 and for small samples, where
    /// win rates of 38 in 40 live. Matches statsmodels' `proportion_confint(method="wilson")`.
    /// No trials give the uninformative (0, 1); counts outside 0…trials are clamped into it.
    public static func wilson(successes: Int, trials: Int, confidence: Double = 0.95) -> (low: Double, high: Double) {
        guard trials > 0, confidence > 0, confidence < 1 else { return (0, 1) }
        let z = SpecialFunctions.normalQuantile(1 - (1 - confidence) / 2)
        let n = Double(trials), p = Double(min(max(successes, 0), trials)) / n
        let z2 = z * z
        let centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        let half = z / (1 + z2 / n) * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        return (max(0, centre - half), min(1, centre + half))
    }
}
