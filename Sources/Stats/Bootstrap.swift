import Foundation
import WorkbenchCore

/// Bootstrap confidence intervals for a mean or a difference in means, with
/// `scipy.stats.bootstrap`'s conventions: `resamples` seeded resamples (each sample resampled
/// separately, pairs resampled together), the interval read off the bootstrap distribution
/// with linear interpolation between order statistics, and BCa's bias correction from the
/// share of the distribution below the estimate and acceleration from the jackknife of each
/// sample in turn.
public enum Bootstrap {
    public enum Method: String, Sendable, CaseIterable {
        case percentile
        case bca = "BCa"
    }

    public enum Statistic: Sendable, Equatable {
        /// mean(A)
        case mean
        /// mean(A) − mean(B), samples independent
        case meanDifference
        /// mean(A − B), pairs kept together
        case pairedMeanDifference
    }

    public struct Interval: Sendable, Equatable {
        public var estimate: Double
        public var low: Double, high: Double
        public var confidence: Double
        public var method: Method
        public var resamples: Int
        /// Standard deviation of the bootstrap distribution.
        public var standardError: Double
        /// BCa's bias correction z₀ and acceleration a (zero for the percentile method).
        public var biasCorrection: Double, acceleration: Double
    }

    public enum Failure: WorkbenchError, Equatable {
        case degenerate
        public var message: String { "the bootstrap distribution is degenerate: every resample gives the same value, so BCa has no interval" }
        public var fix: String? { "check that the samples vary; the percentile method gives the (zero-width) interval" }
        public var exitStatus: ExitStatus { .dataError }
    }

    public static func interval(_ statistic: Statistic, _ a: [Double], _ b: [Double] = [], method: Method = .bca, confidence: Double = 0.95,
                                alternative: Alternative = .twoSided, resamples: Int = 9999, seed: UInt64 = 0) throws -> Interval {
        guard confidence > 0 && confidence < 1 else { throw StatsError.badConfidence(confidence) }
        // The samples the resampling works on: the differences when paired.
        let samples: [[Double]]
        switch statistic {
        case .mean:
            _ = try Summary(a, name: "A", minimum: 2)
            samples = [a]
        case .meanDifference:
            _ = try Summary(a, name: "A", minimum: 2)
            _ = try Summary(b, name: "B", minimum: 2)
            samples = [a, b]
        case .pairedMeanDifference:
            samples = [try pairedDifferences(a, b, minimum: 2)]
        }
        let distribution = resampledMeans(samples, resamples: resamples, seed: seed)
        // Finite samples can still give a resample whose sum overflows (the largest value drawn n times).
        let label = statistic == .mean ? "A" : statistic == .meanDifference ? "A and B" : "A − B"
        guard distribution.allSatisfy(\.isFinite) else { throw StatsError.overflow(sample: label) }
        return try interval(from: distribution, samples: samples, method: method, confidence: confidence, alternative: alternative, label: label)
    }

    /// The bootstrap distribution of mean(sample 0) − mean(sample 1) (or the mean of one sample).
    static func resampledMeans(_ samples: [[Double]], resamples: Int, seed: UInt64) -> [Double] {
        var random = SeededGenerator(seed: seed)
        return (0..<resamples).map { _ in
            var value = 0.0
            for (index, sample) in samples.enumerated() {
                var sum = 0.0
                for _ in sample.indices { sum += sample[Int(random.next(upperBound: UInt64(sample.count)))] }
                value += (index == 0 ? 1 : -1) * sum / Double(sample.count)
            }
            return value
        }
    }

    /// The interval from a bootstrap distribution of the statistic over `samples` (difference
    /// of the first sample's mean and the second's, or the first's mean alone).
    static func interval(from distribution: [Double], samples: [[Double]], method: Method, confidence: Double, alternative: Alternative,
                         label: String = "A") throws -> Interval {
        let estimate = samples.enumerated().reduce(0.0) { $0 + ($1.offset == 0 ? 1 : -1) * mean($1.element) }
        guard estimate.isFinite else { throw StatsError.overflow(sample: label) }
        let sorted = distribution.sorted()
        let alpha = alternative == .twoSided ? (1 - confidence) / 2 : 1 - confidence
        var (lowLevel, highLevel) = (alpha, 1 - alpha)
        var z0 = 0.0, acceleration = 0.0
        if method == .bca {
            let below = Double(sorted.count { $0 < estimate } + sorted.count { $0 <= estimate })
            z0 = SpecialFunctions.normalQuantile(below / Double(2 * sorted.count))
            acceleration = jackknifeAcceleration(samples)
            guard z0.isFinite, acceleration.isFinite else { throw Failure.degenerate }
            let zAlpha = SpecialFunctions.normalQuantile(alpha)
            func adjusted(_ z: Double) -> Double { Normal().cdf(z0 + (z0 + z) / (1 - acceleration * (z0 + z))) }
            (lowLevel, highLevel) = (adjusted(zAlpha), adjusted(-zAlpha))
            guard lowLevel.isFinite, highLevel.isFinite else { throw Failure.degenerate }
        }
        let spread = try Summary(distribution, name: label, minimum: 2).variance.squareRoot()
        return Interval(estimate: estimate,
                        low: alternative == .less ? -.infinity : quantile(sorted, lowLevel),
                        high: alternative == .greater ? .infinity : quantile(sorted, highLevel),
                        confidence: confidence, method: method, resamples: distribution.count,
                        standardError: spread, biasCorrection: z0, acceleration: acceleration)
    }

    /// â = Σⱼ Σᵢ Uⱼᵢ³ / nⱼ³ / (6 (Σⱼ Σᵢ Uⱼᵢ² / nⱼ²)^{3/2}), Uⱼᵢ = (nⱼ − 1)(θ̄ⱼ − θⱼ₍ᵢ₎), where θⱼ₍ᵢ₎
    /// leaves observation i out of sample j. For means θⱼ₍ᵢ₎ moves only sample j's term.
    /// â does not depend on the unit: every U is divided by one power of two near the
    /// largest (exact, so nothing changes) before its cube can overflow.
    static func jackknifeAcceleration(_ samples: [[Double]]) -> Double {
        let us = samples.enumerated().map { index, sample -> [Double] in
            let n = Double(sample.count), total = sample.reduce(0, +), sign: Double = index == 0 ? 1 : -1
            let leftOut = sample.map { sign * (total - $0) / (n - 1) }
            let center = leftOut.reduce(0, +) / n
            return leftOut.map { (n - 1) * (center - $0) }
        }
        let largest = us.joined().reduce(0.0) { max($0, abs($1)) }
        let scale = largest > 0 && largest.isFinite ? Double(sign: .plus, exponent: largest.exponent, significand: 1) : 1
        var numerator = 0.0, denominator = 0.0
        for (sample, u) in zip(samples, us) {
            let n = Double(sample.count), u = u.map { $0 / scale }
            numerator += u.reduce(0) { $0 + $1 * $1 * $1 } / (n * n * n)
            denominator += u.reduce(0) { $0 + $1 * $1 } / (n * n)
        }
        return numerator / 6 / pow(denominator, 1.5)
    }

    /// The q-quantile of sorted values, interpolating linearly (NumPy's default, "linear").
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let position = Double(sorted.count - 1) * min(1, max(0, q))
        let lower = Int(position.rounded(.down)), upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (position - Double(lower)) * (sorted[upper] - sorted[lower])
    }

    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
}
