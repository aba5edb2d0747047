import Foundation
import WorkbenchCore

/// The learned coherence discriminator (UNION-style: trained to tell published chapters from
/// automatically perturbed copies of them, Guan & Huang 2020, with OpenMEVA's perturbation
/// families as negatives): a logistic model over the standardised `CoherenceFeature`s.
/// `workbench train coherence` fits it; the shipped copy is `CoherenceModelData.json`, and its
/// version and fingerprint are recorded beside every score, like the lexicons'.
public struct CoherenceModel: Codable, Sendable, Equatable {
    public var version: String
    /// Feature names, in the order of the vectors below (`CoherenceFeature` raw values).
    public var features: [String]
    public var mean: [Double]
    public var scale: [Double]
    /// Weights on the standardised features: higher is more coherent.
    public var weights: [Double]
    /// `coherence` = 10 · σ(slope · w·z + offset): set at training so the median training
    /// chapter reads `medianValue` and a change of one standardised unit stays visible.
    public var slope: Double
    public var offset: Double
    /// Novels the model was fitted on, and those held out for validation.
    public var trainedOn: [String]
    public var heldOut: [String]
    /// Training and held-out pairwise accuracy per perturbation family, for the README.
    public var accuracy: [String: Double]

    public init(version: String, features: [String], mean: [Double], scale: [Double], weights: [Double], slope: Double, offset: Double, trainedOn: [String], heldOut: [String], accuracy: [String: Double]) {
        self.version = version
        self.features = features
        self.mean = mean
        self.scale = scale
        self.weights = weights
        self.slope = slope
        self.offset = offset
        self.trainedOn = trainedOn
        self.heldOut = heldOut
        self.accuracy = accuracy
    }

    public enum LoadError: Error, CustomStringConvertible, Equatable {
        case malformed(source: String, detail: String)
        case mismatched(source: String, detail: String)

        public var description: String {
            switch self {
            case let .malformed(source, detail): return "\(source): not a coherence model (\(detail)); make one with `workbench train coherence`"
            case let .mismatched(source, detail): return "\(source): \(detail); retrain it with `workbench train coherence`"
            }
        }
    }

    /// Decodes and checks a model: its features must be this build's, every vector as long.
    public static func decode(_ data: Data, source: String) throws -> CoherenceModel {
        let model: CoherenceModel
        do { model = try JSONDecoder().decode(CoherenceModel.self, from: data) } catch {
            throw LoadError.malformed(source: source, detail: "\(error)")
        }
        let expected = CoherenceFeature.allCases.map(\.rawValue)
        guard model.features == expected else {
            throw LoadError.mismatched(source: source, detail: "features \(model.features.joined(separator: ", ")) differ from this build's \(expected.joined(separator: ", "))")
        }
        guard [model.mean, model.scale, model.weights].allSatisfy({ $0.count == expected.count }),
              (model.mean + model.scale + model.weights + [model.slope, model.offset]).allSatisfy(\.isFinite),
              model.scale.allSatisfy({ $0 > 0 }) else {
            throw LoadError.mismatched(source: source, detail: "vectors must hold \(expected.count) finite numbers, scales above zero")
        }
        return model
    }

    /// The model's raw score: higher reads as more coherent.
    public func logit(_ features: [Double]) -> Double {
        var sum = 0.0
        for index in weights.indices { sum += weights[index] * (features[index] - mean[index]) / scale[index] }
        return sum
    }

    /// 0–10.
    public func value(_ features: [Double]) -> Double {
        10 / (1 + exp(-(slope * logit(features) + offset)))
    }

    /// "coh-1.1a2b3c4d": the version and the first hex digits of the weights' SHA-256.
    public var fingerprint: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(self)) ?? Data()
        return "\(version).\(SHA256.hex(of: data).prefix(8))"
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try encoder.encode(self)
    }

    /// The model this build ships (`Sources/Quality/CoherenceModelData.swift`, a copy of
    /// `models/coherence.json` that a test keeps in step).
    public static let shipped: CoherenceModel = {
        do { return try decode(Data(CoherenceModelData.json.utf8), source: "the shipped coherence model") } catch {
            fatalError("\(error)")  // A build whose embedded model does not load is broken; a test guards it.
        }
    }()
}
