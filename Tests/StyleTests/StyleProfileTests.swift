import Foundation
import Style
import Testing
import WorkbenchCore

/// A made-up author: sentences of seeded random words drawn with the author's own weights.
func syntheticProse(words: Int, seed: UInt64, weights: [(String, Double)]) -> String {
    var generator = SeededGenerator(seed: seed)
    let total = weights.reduce(0) { $0 + $1.1 }
    var out: [String] = []
    out.reserveCapacity(words)
    var sentence = 0
    for index in 0..<words {
        var pick = generator.nextUnit() * total
        var word = weights[weights.count - 1].0
        for (candidate, weight) in weights {
            pick -= weight
            if pick < 0 { word = candidate; break }
        }
        sentence += 1
        if sentence > 4 + generator.below(20) || index == words - 1 {
            out.append(word + ".")
            sentence = 0
        } else {
            out.append(word)
        }
    }
    return out.joined(separator: " ")
}

let authorA: [(String, Double)] = [("the", 60), ("of", 30), ("and", 30), ("to", 25), ("a", 20), ("in", 18), ("was", 12), ("he", 12), ("it", 10), ("that", 9)]
    + (0..<300).map { ("word\($0)", 400.0 / Double($0 + 20)) }
let authorB: [(String, Double)] = [("the", 30), ("of", 12), ("and", 45), ("to", 25), ("a", 35), ("in", 8), ("was", 22), ("he", 2), ("it", 20), ("that", 18)]
    + (0..<300).map { ("word\($0)", 400.0 / Double($0 + 20)) }

@Suite struct StyleProfileTests {
    @Test func shortSampleIsRefused() {
        let text = syntheticProse(words: 4_999, seed: 1, weights: authorA)
        #expect(throws: StyleError.sampleTooShort(file: "sample.txt", words: 4_999)) {
            try StyleProfile.build(from: text, file: "sample.txt")
        }
        let error = StyleError.sampleTooShort(file: "sample.txt", words: 4_999)
        #expect(error.exitStatus == .dataError)
        #expect(error.message.contains("4999 words") && error.message.contains("Eder 2015") && error.message.contains("sample.txt"))
    }

    @Test func exactlyOneBagIsEnough() throws {
        let profile = try StyleProfile.build(from: syntheticProse(words: 5_000, seed: 1, weights: authorA))
        #expect(profile.content.bags == 1)
        #expect(profile.spread.count == StyleProfile.spreadBags)
    }

    @Test func storedProfileRoundTripsAndRefusesEdits() throws {
        let profile = try StyleProfile.build(from: syntheticProse(words: 12_000, seed: 2, weights: authorA))
        let json = try profile.encoded()
        #expect(try StyleProfile.decode(Data(json.utf8)) == profile)

        let edited = json.replacingOccurrences(of: "\"bagWords\":5000", with: "\"bagWords\":4000")
        #expect(edited != json)
        do {
            _ = try StyleProfile.decode(Data(edited.utf8))
            Issue.record("an edited profile was accepted")
        } catch let StyleError.fingerprintMismatch(stored, computed) {
            #expect(stored == profile.fingerprint && computed != stored)
        }

        let newer = json.replacingOccurrences(of: "\"version\":1", with: "\"version\":2")
        #expect(throws: StyleError.otherVersion(found: 2, supported: 1)) {
            _ = try StyleProfile.decode(Data(newer.utf8))
        }
    }

    @Test func ownAuthorMatchesAndAnotherDoesNot() throws {
        let profile = try StyleProfile.build(from: syntheticProse(words: 60_000, seed: 3, weights: authorA))
        #expect(profile.spread == profile.spread.sorted())
        let own = profile.match(syntheticProse(words: 10_000, seed: 99, weights: authorA))
        #expect(own.matches, "own author: Delta \(own.delta), threshold \(profile.threshold)")
        let other = profile.match(syntheticProse(words: 10_000, seed: 99, weights: authorB))
        #expect(!other.matches)
        #expect(other.delta > own.delta + 0.2)
        #expect(other.percentile == 100)

        let profileB = try StyleProfile.build(from: syntheticProse(words: 30_000, seed: 4, weights: authorB))
        let nearest = try #require(StyleProfile.nearest(syntheticProse(words: 5_000, seed: 7, weights: authorB), among: [profile, profileB]))
        #expect(nearest.profile == profileB && nearest.margin > 0)
    }
}

@Suite struct StyleBagTests {
    @Test func bagsCutAtWordBoundariesAndDropTheRemainder() {
        let text = syntheticProse(words: 12_345, seed: 5, weights: authorA)
        let bags = StyleProfile.bags(of: text)
        #expect(bags.count == 2)
        #expect(bags.allSatisfy { StyleFeatures.measure($0).words == 5_000 })
        #expect(text.hasPrefix(bags[0]))
    }

    @Test func nearestWithOneOrNoProfiles() throws {
        let profile = try StyleProfile.build(from: syntheticProse(words: 6_000, seed: 6, weights: authorA))
        #expect(StyleProfile.nearest("some text", among: []) == nil)
        #expect(StyleProfile.nearest("some text", among: [profile])?.margin == 0)
    }
}
