import Foundation
import GRDB
import Testing

/// Issue 13: bad input never crashes, hangs or poisons the workspace. Each case is one a
/// mutation fuzzer found: a SIGILL (exit 132), a hang, or a workspace that failed every
/// later command. Bad data now exits 65 with an error that names the file (and line or field).
@Suite("bad input: typed errors, never a trap")
struct BadInputCLITests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    static func write(_ text: String, _ name: String, in scratch: Scratch) throws -> String {
        try Data(text.utf8).write(to: scratch.url.appendingPathComponent(name))
        return name
    }

    // MARK: stats

    /// Every value finite, their sums or variances not: each test's intermediates overflowed
    /// into a precondition failure, or into t = 0 and p = 1 (a wrong answer) and a JSON trap.
    @Test(arguments: ["welch", "student", "bayes", "effectsize", "permutation", "bootstrap", "onesample"])
    func statsOnValuesWhoseSumsOverflowExit65NamingTheFile(command: String) throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let small = try Self.write("1\n2\n3\n4\n", "small.txt", in: scratch)
        for (name, values) in [("big.txt", "1e200\n-1e200\n3e200\n"), ("huge.txt", "1.5e308\n-1.5e308\n1.5e308\n")] {
            let file = try Self.write(values, name, in: scratch)
            for json in [false, true] {
                let arguments = ["stats", command, "--a", file] + (command == "onesample" ? [] : ["--b", small]) + (json ? ["--json"] : [])
                let result = try CLI.run(arguments, in: scratch.url, timeout: 30)
                #expect(result.status == 65, "\(arguments.joined(separator: " ")): \(result.status) \(result.stderr)")
                #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains(file) && result.stderr.contains("fix: "), "\(result.stderr)")
                #expect(result.stdout.isEmpty)
            }
        }
    }

    @Test func effectSizeOfNearlyConstantSamplesAnswers() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        // Unpaired: pooled sd ~1e-16, d ~1e16 (converted to Int: SIGILL).
        let a = try Self.write("1\n1\n1\n1.0000000000000002\n", "a.txt", in: scratch), b = try Self.write("0\n0\n0\n0\n", "b.txt", in: scratch)
        let unpaired = try CLI.run(["stats", "effectsize", "--a", a, "--b", b, "--json"], in: scratch.url, timeout: 30)
        #expect(unpaired.status == 0, "\(unpaired.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(unpaired.stdout.utf8)) as? [String: Any])
        #expect(((object["cohens_d"] as? [String: Any])?["value"] as? Double ?? 0) > 1e15)
        // Paired, differences 1 and 0.9999999: this one spun forever.
        let pa = try Self.write("1\n2\n", "pa.txt", in: scratch), pb = try Self.write("0\n1.0000001\n", "pb.txt", in: scratch)
        let paired = try CLI.run(["stats", "effectsize", "--paired", "--a", pa, "--b", pb], in: scratch.url, timeout: 30)
        #expect(paired.status == 0, "\(paired.stderr)")
        #expect(paired.stdout.contains("Cohen's d_z 1.414e+07"), "\(paired.stdout)")
    }

    @Test func powerOfAHugeEffectAndATinyAlpha() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let huge = try CLI.run(["stats", "power", "--effect", "1e308", "--n", "10", "--json"], in: scratch.url, timeout: 30)
        #expect(huge.status == 0, "\(huge.stderr)")
        #expect((try JSONSerialization.jsonObject(with: Data(huge.stdout.utf8)) as? [String: Any])?["power"] as? Double == 1)
        let tiny = try CLI.run(["stats", "power", "--effect", "0.5", "--n", "10", "--alpha", "1e-320"], in: scratch.url, timeout: 30)
        #expect(tiny.status == 65 && tiny.stderr.contains("alpha 1e-320 is too small"), "\(tiny.status) \(tiny.stderr)")
    }
}
