import Testing
@testable import Stats

/// The Wilson interval against statsmodels 0.15 `proportion_confint(k, n, alpha, method="wilson")`.
@Suite struct ProportionTests {
    @Test(arguments: [
        (966, 1000, 0.95, 0.9528648097546889, 0.9755686513367737),
        (0, 10, 0.95, 0.0, 0.27753279986288926),
        (10, 10, 0.95, 0.7224672001371106, 1.0),
        (5, 10, 0.95, 0.23659309051256394, 0.7634069094874361),
        (38, 40, 0.95, 0.8349612263085903, 0.9861793326138516),
        (1, 1, 0.95, 0.2065493143772374, 1.0),
        (7, 20, 0.90, 0.202260040056761, 0.5334873111515284),
    ] as [(Int, Int, Double, Double, Double)])
    func wilsonMatchesStatsmodels(successes: Int, trials: Int, confidence: Double, low: Double, high: Double) {
        let interval = Proportion.wilson(successes: successes, trials: trials, confidence: confidence)
        #expect(abs(interval.low - low) < 1e-12, "\(interval)")
        #expect(abs(interval.high - high) < 1e-12, "\(interval)")
    }

    @Test func degenerateInputsGiveTheWholeRange() {
        #expect(Proportion.wilson(successes: 0, trials: 0) == (0, 1))
        #expect(Proportion.wilson(successes: 3, trials: 5, confidence: 1) == (0, 1))
        #expect(Proportion.wilson(successes: 3, trials: 5, confidence: .nan) == (0, 1))
        // Counts outside 0…trials are clamped, never a NaN.
        #expect(Proportion.wilson(successes: 12, trials: 10) == Proportion.wilson(successes: 10, trials: 10))
        #expect(Proportion.wilson(successes: -1, trials: 10) == Proportion.wilson(successes: 0, trials: 10))
    }
}
