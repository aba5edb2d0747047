import Foundation
import Testing
@testable import WorkbenchCore

@Suite struct CivilTimeTests {
    /// Expected values from Python's `datetime.fromtimestamp(t, UTC)`.
    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (951_782_400.5, "2000-02-29T00:00:00.500Z"),
        (-86_400.25, "1969-12-30T23:59:59.750Z"),
        (1_795_601_585.123, "2026-11-25T10:13:05.123Z"),
        (4_102_444_800, "2100-01-01T00:00:00.000Z"),
    ])
    func iso8601(seconds: Double, expected: String) {
        #expect(CivilTime(secondsSince1970: seconds).iso8601 == expected)
    }

    @Test func shortForms() {
        let time = CivilTime(secondsSince1970: 1_795_601_585.123)
        #expect(time.shortDisplay == "2026-11-25 10:13")
        #expect(time.compactStamp == "20261125-101305")
    }

    @Test func everyDayOfFourCenturiesRoundTrips() {
        // Day numbers must be consecutive: a gap or repeat would show as a broken month or day.
        var previous = CivilTime(secondsSince1970: -86_400 * 146_097)
        for day in (-146_096)...146_097 {
            let time = CivilTime(secondsSince1970: Double(day) * 86_400)
            let continues = (time.year == previous.year && time.month == previous.month && time.day == previous.day + 1)
                || (time.day == 1 && (time.month == previous.month + 1 || (time.month == 1 && previous.month == 12 && time.year == previous.year + 1)))
            #expect(continues, "day \(day): \(time.iso8601) after \(previous.iso8601)")
            if !continues { return }
            previous = time
        }
    }

    @Test(arguments: [
        (0.0004, "0ms"), (0.85, "850ms"), (12.44, "12.4s"), (187, "3m07s"), (7500, "2h05m"),
    ])
    func durations(seconds: Double, expected: String) {
        #expect(formatDuration(seconds: seconds) == expected)
    }
}

@Suite struct RunIDTests {
    @Test func formatsStartTimeAndRandomSuffix() {
        let id = RunID(startedAt: 1_795_601_585.123, random: 0xA3F9C2)
        #expect(id.rawValue == "20261125-101305-a3f9c2")
        #expect(RunID(startedAt: 1_795_601_585, random: 0x1_00_0001).rawValue == "20261125-101305-000001")
    }

    @Test func parsesOnlyTheCanonicalShape() {
        #expect(RunID("20261125-101305-a3f9c2")?.rawValue == "20261125-101305-a3f9c2")
        for bad in ["", "20261125-101305", "20261125-101305-A3F9C2", "2026112-101305-a3f9c2", "20261125_101305_a3f9c2",
                    "20261125-101305-a3f9c2-", "2026x125-101305-a3f9c2", "20261125-101305-a3f9g2"] {
            #expect(RunID(bad) == nil, "\(bad) should be refused")
        }
    }

    @Test func sortsByStartTime() {
        let earlier = RunID(startedAt: 1_795_601_585, random: 0xFFFFFF)
        let later = RunID(startedAt: 1_795_601_586, random: 0)
        #expect(earlier.rawValue < later.rawValue)
    }

    @Test func codableRefusesMalformedIDs() throws {
        let decoded = try JSONDecoder().decode([RunID].self, from: Data(#"["20261125-101305-a3f9c2"]"#.utf8))
        #expect(decoded.first?.rawValue == "20261125-101305-a3f9c2")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([RunID].self, from: Data(#"["nope"]"#.utf8)) }
    }
}

@Suite struct CanonicalJSONTests {
    @Test func keyOrderAndWhitespaceDoNotChangeTheFingerprint() throws {
        let a = try CanonicalJSON.fingerprint(ofJSON: #"{"b": 1, "a": {"y": [1, 2], "x": "s/t"}}"#)
        let b = try CanonicalJSON.fingerprint(ofJSON: #"{"a":{"x":"s/t","y":[1,2]},"b":1}"#)
        #expect(a == b)
        #expect(try CanonicalJSON.normalize(#"{"b": 1, "a": "s/t"}"#) == #"{"a":"s/t","b":1}"#)
    }

    @Test func differentValuesDiffer() throws {
        #expect(try CanonicalJSON.fingerprint(ofJSON: #"{"a": [1, 2]}"#) != CanonicalJSON.fingerprint(ofJSON: #"{"a": [2, 1]}"#))
    }

    @Test func invalidJSONThrows() {
        #expect(throws: (any Error).self) { try CanonicalJSON.normalize("{not json") }
    }

    @Test func encodesValuesCanonically() throws {
        struct Config: Encodable { var zeta = 1; var alpha = "x" }
        #expect(try CanonicalJSON.encode(Config()) == #"{"alpha":"x","zeta":1}"#)
    }
}

@Suite struct ExitStatusAndPathsTests {
    @Test func exitCodesAreDistinctAndDocumented() {
        let codes = WorkbenchCore.ExitStatus.allCases.map(\.rawValue)
        #expect(Set(codes).count == codes.count)
        #expect(codes.sorted() == [0, 1, 2, 65, 70, 73, 75])
    }

    @Test func cachePathsPrecedence() {
        #expect(CachePaths(environment: ["HOME": "/home/u"]).root == "/home/u/.cache/workbench")
        #expect(CachePaths(environment: ["HOME": "/home/u", "XDG_CACHE_HOME": "/xdg"]).root == "/xdg/workbench")
        let explicit = CachePaths(environment: ["HOME": "/home/u", "XDG_CACHE_HOME": "/xdg", "WORKBENCH_CACHE": "/c"])
        #expect(explicit.root == "/c")
        #expect(explicit.llamaServer == "/c/llama.cpp/bin/llama-server")
        #expect(explicit.localModel == "/c/models/SmolLM2-135M-Instruct.Q4_1.gguf")
        let overridden = CachePaths(environment: ["WORKBENCH_LLAMA_SERVER": "/opt/ls", "WORKBENCH_LOCAL_MODEL": "/m.gguf"])
        #expect(overridden.llamaServer == "/opt/ls")
        #expect(overridden.localModel == "/m.gguf")
    }

    @Test func errorDescriptionCarriesTheFix() {
        struct Sample: WorkbenchError {
            var message: String { "bad field `words` in demo.yaml" }
            var fix: String? { "use a positive integer" }
            var exitStatus: WorkbenchCore.ExitStatus { .dataError }
        }
        #expect(Sample().description == "bad field `words` in demo.yaml\n  fix: use a positive integer")
    }
}
