import COpenBLAS
import Foundation
import Quality
import WorkbenchCore

/// What a chapter's feature vector is made of. A model keeps the spec it was trained with,
/// and one whose spec differs from this build's is refused rather than fed other features.
public struct FeatureSpec: Codable, Sendable, Equatable {
    public var version: String
    /// Width of the hashed n-gram block (a power of two).
    public var dimensions: Int
    public var wordNGrams: [Int]
    public var charNGrams: [Int]
    /// The dense block: every analyser metric, the composite and stylometric figures.
    public var dense: [String]
    public var scorer: String
    public var lexicon: String

    enum CodingKeys: String, CodingKey {
        case version, dimensions, dense, scorer, lexicon
        case wordNGrams = "word_ngrams", charNGrams = "char_ngrams"
    }

    public static let stylometric = ["mean_word_length", "mean_sentence_length", "commas_per_sentence", "questions_per_sentence", "exclamations_per_sentence"]

    /// The standard features for predicting `target`: the target itself is left out of the
    /// dense block (the analyser computes it exactly, so a model given it would learn nothing).
    public static func standard(dimensions: Int = 4096, excluding target: String? = nil) -> FeatureSpec {
        FeatureSpec(version: "text-features-1", dimensions: dimensions, wordNGrams: [1, 2], charNGrams: [3, 4, 5],
                    dense: (["quality"] + MetricCatalog.entries.map(\.name) + stylometric).filter { $0 != target },
                    scorer: QualityAnalyzer.scorer, lexicon: QualityAnalyzer.dataVersion)
    }

    public var fingerprint: String { (try? CanonicalJSON.encode(self)).map(SHA256.hex(of:)) ?? "" }
    public var width: Int { dimensions + dense.count }
}

/// Raw features of texts before weighting: hashed n-gram counts and dense values. Counting
/// once lets cross-validation weight each fold by its own training rows.
public struct RawFeatures: Sendable {
    public var counts: Matrix
    public var dense: Matrix
}

/// The weighting fitted on training rows: n-gram IDF, and the dense block's means and spreads.
public struct FittedWeighting: Codable, Sendable, Equatable {
    public var idf: [Double]
    public var denseMeans: [Double]
    public var denseScales: [Double]

    enum CodingKeys: String, CodingKey {
        case idf
        case denseMeans = "dense_means", denseScales = "dense_scales"
    }
}

public enum TextFeatures {
    /// Counts every text's hashed n-grams and measures its dense features (every metric
    /// through the analyser, with `contexts` giving target length and obsession when known).
    public static func raw(_ texts: [String], spec: FeatureSpec, contexts: [AnalysisContext]? = nil) -> RawFeatures {
        var counts = Matrix(rows: texts.count, columns: spec.dimensions)
        var dense = Matrix(rows: texts.count, columns: spec.dense.count)
        for (row, text) in texts.enumerated() {
            addHashedCounts(text, spec: spec, to: &counts, row: row)
            let report = QualityAnalyzer.analyze(text, context: contexts?[row] ?? AnalysisContext())
            let stylometry = stylometric(text)
            for (column, name) in spec.dense.enumerated() {
                dense[row, column] = name == "quality" ? report.quality : (report[name] ?? stylometry[name] ?? 0)
            }
        }
        return RawFeatures(counts: counts, dense: dense)
    }

    /// Adds a document's signed n-gram counts to one row of `counts`: the top bit of each hash
    /// picks the sign, so collisions cancel on average.
    static func addHashedCounts(_ document: String, spec: FeatureSpec, to counts: inout Matrix, row: Int) {
        let mask = UInt64(spec.dimensions - 1)
        counts.values.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress! + row * spec.dimensions
            hashNGrams(document, spec: spec) { hash in base[Int(hash & mask)] += (hash >> 63) == 0 ? 1 : -1 }
        }
    }

    /// Smooth IDF over the rows (ln((1 + n)/(1 + df)) + 1, as scikit-learn's), dense z-scores.
    public static func fit(_ raw: RawFeatures) -> FittedWeighting {
        let n = raw.counts.rows, d = raw.counts.columns
        var documentFrequency = [Double](repeating: 0, count: d)
        raw.counts.values.withUnsafeBufferPointer { values in
            for i in 0..<n {
                let row = values.baseAddress! + i * d
                for j in 0..<d where row[j] != 0 { documentFrequency[j] += 1 }
            }
        }
        let idf = documentFrequency.map { log((1 + Double(n)) / (1 + $0)) + 1 }
        let means = raw.dense.columnMeans()
        var centred = raw.dense
        try? centred.subtractFromEveryRow(means)
        let gram = centred.gram()
        let scales = (0..<raw.dense.columns).map { j -> Double in
            let variance = n > 1 ? gram[j, j] / Double(n - 1) : 0
            return variance > 1e-24 ? variance.squareRoot() : 1
        }
        return FittedWeighting(idf: idf, denseMeans: means, denseScales: scales)
    }

    /// TF-IDF rows, each L2-normalised, then the standardised dense block beside them.
    public static func weighted(_ raw: RawFeatures, _ weighting: FittedWeighting) throws -> Matrix {
        var counts = raw.counts
        let n = counts.rows, d = counts.columns
        guard weighting.idf.count == d, weighting.denseMeans.count == raw.dense.columns else {
            throw LearningError.shapeMismatch(operation: "weighted features", left: "\(d) + \(raw.dense.columns) features", right: "\(weighting.idf.count) + \(weighting.denseMeans.count) weights")
        }
        counts.values.withUnsafeMutableBufferPointer { values in
            let base = values.baseAddress!
            for j in 0..<d { cblas_dscal(Int32(n), weighting.idf[j], base + j, Int32(d)) }
            for i in 0..<n {
                let norm = cblas_dnrm2(Int32(d), base + i * d, 1)
                if norm > 0 { cblas_dscal(Int32(d), 1 / norm, base + i * d, 1) }
            }
        }
        var dense = raw.dense
        try dense.subtractFromEveryRow(weighting.denseMeans)
        dense.values.withUnsafeMutableBufferPointer { values in
            for j in 0..<dense.columns { cblas_dscal(Int32(n), 1 / weighting.denseScales[j], values.baseAddress! + j, Int32(dense.columns)) }
        }
        return try counts.appendingColumns(dense)
    }

    /// Calls `emit` with the FNV-1a hash of every word n-gram and every character n-gram of
    /// each word (the word framed by `<` and `>`, as fastText does), lower-cased.
    static func hashNGrams(_ text: String, spec: FeatureSpec, emit: (UInt64) -> Void) {
        var words: [[UInt8]] = []
        var current: [UInt8] = []
        for byte in text.utf8 {
            let lower = (65...90).contains(byte) ? byte + 32 : byte
            if (97...122).contains(lower) || (48...57).contains(lower) || lower == 39 || lower >= 128 {
                current.append(lower)
            } else if !current.isEmpty {
                words.append(current)
                current.removeAll(keepingCapacity: true)
            }
        }
        if !current.isEmpty { words.append(current) }
        let offset: UInt64 = 0xcbf2_9ce4_8422_2325, prime: UInt64 = 0x100_0000_01b3
        for n in spec.wordNGrams where n >= 1 && words.count >= n {
            for start in 0...(words.count - n) {
                var hash = (offset ^ UInt64(n)) &* prime
                for word in words[start..<(start + n)] {
                    for byte in word { hash = (hash ^ UInt64(byte)) &* prime }
                    hash = (hash ^ 32) &* prime
                }
                emit(hash)
            }
        }
        for word in words {
            let framed = [60] + word + [62] as [UInt8]
            for n in spec.charNGrams where n >= 1 && framed.count >= n {
                for start in 0...(framed.count - n) {
                    // Seeded apart from the word n-grams, so "the" the word and <the> the trigram differ.
                    var hash = (offset ^ (0x100 | UInt64(n))) &* prime
                    for byte in framed[start..<(start + n)] { hash = (hash ^ UInt64(byte)) &* prime }
                    emit(hash)
                }
            }
        }
    }

    /// Sentence and word shape: what style adds beside the metrics.
    static func stylometric(_ text: String) -> [String: Double] {
        let scanned = TextScanner.scan(text)
        let words = Double(max(1, scanned.wordCount))
        var letters = 0.0, sentences = 0.0, commas = 0.0, questions = 0.0, exclamations = 0.0
        for scalar in text.unicodeScalars {
            if CharacterSet.letters.contains(scalar) { letters += 1 }
            switch scalar {
            case ".": sentences += 1
            case "?": questions += 1; sentences += 1
            case "!": exclamations += 1; sentences += 1
            case ",": commas += 1
            default: break
            }
        }
        let sentenceCount = max(1, sentences)
        return ["mean_word_length": letters / words, "mean_sentence_length": words / sentenceCount, "commas_per_sentence": commas / sentenceCount,
                "questions_per_sentence": questions / sentenceCount, "exclamations_per_sentence": exclamations / sentenceCount]
    }
}
