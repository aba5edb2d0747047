import Foundation
import Quality
import Testing
import WorkbenchCore
@testable import Reports

/// `analyze --json` writes its reports with `PrettyJSONWriter` instead of building
/// `[String: Any]` trees for `JSONSerialization`; the old path stays as the reference: the
/// same text to the byte, the same values once parsed, the same typed error on a number
/// JSON cannot hold.
@Suite struct QualityJSONWriterTests {
    /// The old renderer: `QualityJSON.object` trees through `JSONOutput.render`.
    func reference(_ reports: [(file: String?, report: QualityReport)]) throws -> String {
        try JSONOutput.render(reports.map { QualityJSON.object(for: $0.report, file: $0.file) })
    }

    static let texts = [
        "The rain came down on the harbour. She held the letter and did not open it.\n\nHer father had written it in the winter before the boat went out.",
        #""Don't," he said. "Not the \\ back door, not the "old" one." She laughed, a back\slash of a laugh, and the door swung."#,
        "Control characters\u{01} in\u{1F} the text\tand a form feed\u{0C} and a bell\u{07}; the kettle sang.\r\nAnother line\u{08} here.",
        "Ça va, Zoë? Der Bäcker öffnet um fünf. Жила-была девочка. 雨が降っていた。 She smiled 😀 and the 👨‍👩‍👧 family waved from the pier.",
        String(repeating: "He walked to the window and looked out at the sea. The sea was grey and the sky was grey. ", count: 60),
    ]

    func analysed() -> [(file: String?, report: QualityReport)] {
        let context = AnalysisContext(targetWords: 120, obsession: "the letter from her father",
                                      profile: VoiceProfile.build(from: Self.texts[0] + " " + Self.texts[4]))
        let files: [String?] = ["plain.txt", #"dir/"quoted" \ name.txt"#, "tab\tand\u{01}control.txt", "Zoë 😀.txt", nil]
        return zip(files, Self.texts).map { ($0, QualityAnalyzer.analyze($1, context: context)) }
    }

    @Test func analysedTextsRenderAsTheOldRendererDid() throws {
        let reports = analysed()
        let new = try QualityJSON.render(reports)
        let old = try reference(reports)
        #expect(new == old)
        #expect(try sameJSON(new, old))
        // One at a time, and none.
        for report in reports { #expect(try QualityJSON.render([report]) == reference([report])) }
        #expect(try QualityJSON.render([]) == reference([]))
    }

    /// Strings the analysis never makes but a report can hold: every escape, DEL, the
    /// line separators, emoji; numbers at the edges of how Swift prints them; nil lines.
    @Test func everyEscapeAndNumberFormRendersAsBefore() throws {
        var report = analysed()[0].report
        let odd = "q\"b\\s/\u{00}\u{01}\u{08}\u{09}\u{0A}\u{0B}\u{0C}\u{0D}\u{1B}\u{1F} \u{7F}é\u{2028}\u{2029}😀👨‍👩‍👧\u{FEFF}"
        report.scorer = odd
        report.lexicon = ""
        report.issues += [
            LocatedIssue(metric: odd, paragraph: nil, line: nil, message: odd, severity: .major),
            LocatedIssue(metric: "x", paragraph: Int.max, line: 0, message: "", severity: .minor),
        ]
        let values: [Double] = [1e-7, 1e20, 0.1 + 0.2, -0.0, 0, 123456789012345678, 1e15, 999999999999999, 1e16,
                                -2.5, 5e-324, .greatestFiniteMagnitude, 0.0001, 100, -123456, 8]
        for (index, value) in values.enumerated() {
            report.metrics.append(MetricValue(name: "m_\(String(UnicodeScalar(UInt8(97 + index))))", value: value,
                                              score: index % 3 == 0 ? nil : -value, target: index % 2 == 0 ? nil : value / 3))
        }
        report.quality = -0.0
        let reports: [(file: String?, report: QualityReport)] = [(odd, report), (nil, report), ("", report)]
        let new = try QualityJSON.render(reports)
        #expect(new == (try reference(reports)))
        #expect(try sameJSON(new, try reference(reports)))
        // And it is JSON whose strings come back as they went in.
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(new.utf8)) as? [[String: Any]])
        #expect(parsed[0]["file"] as? String == odd && parsed[0]["scorer"] as? String == odd)
        #expect(parsed[1]["file"] == nil)
    }

    /// A non-finite number is refused as `JSONOutput` refuses it: the same error, naming
    /// the same field (the first in key order), and no text.
    @Test func nonFiniteNumbersThrowTheSameTypedError() throws {
        let base = analysed()
        let cases: [(String, (inout QualityReport) -> Void)] = [
            ("[1].quality", { $0.quality = .nan }),
            ("[1].metrics.voice.value", { report in report.metrics[report.metrics.firstIndex { $0.name == "voice" }!].value = .infinity }),
            ("[1].metrics.emotion.score", { report in
                report.metrics[report.metrics.firstIndex { $0.name == "emotion" }!].score = -.infinity
                report.metrics[report.metrics.firstIndex { $0.name == "voice" }!].value = .nan
            }),
            ("[1].metrics.fluency.target", { report in report.metrics[report.metrics.firstIndex { $0.name == "fluency" }!].target = .nan }),
        ]
        for (field, spoil) in cases {
            var reports = base
            spoil(&reports[1].report)
            let old = failure { _ = try reference(reports) }
            let new = failure { _ = try QualityJSON.render(reports) }
            guard case .notFinite(let oldField, let oldValue)? = old, case .notFinite(let newField, let newValue)? = new else {
                Issue.record("\(field): old \(String(describing: old)), new \(String(describing: new))")
                continue
            }
            #expect(newField == field && oldField == field)
            #expect(newValue.isNaN == oldValue.isNaN && (newValue.isNaN || newValue == oldValue))
            #expect(new?.exitStatus == .dataError)
        }
        // At the top level too.
        var writer = PrettyJSONWriter()
        #expect(throws: JSONOutput.Failure.notFinite(field: "(top level)", value: .infinity)) { try writer.number(.infinity) }
        #expect(writer.bytes.isEmpty)
    }

    @Test func keyOrderIsJSONSerializationsSortedKeys() throws {
        let keys = ["word_count_accuracy", "word_count", "readability_grade", "readability", "B", "a", "_x", "Zz", "aa", "b_a", "ba", "wordcount"]
        let object = Dictionary(uniqueKeysWithValues: keys.map { ($0, 1) })
        let sorted = try JSONOutput.render(object)
        var writer = PrettyJSONWriter()
        writer.beginObject()
        for key in keys.sorted(by: PrettyJSONWriter.keyOrder) {
            writer.key(key)
            writer.integer(1)
        }
        writer.endObject()
        #expect(writer.finished() == sorted)
    }

    func failure(_ body: () throws -> Void) -> JSONOutput.Failure? {
        do {
            try body()
            return nil
        } catch {
            return error as? JSONOutput.Failure
        }
    }

    /// Both texts parse, to equal values.
    func sameJSON(_ a: String, _ b: String) throws -> Bool {
        equal(try JSONSerialization.jsonObject(with: Data(a.utf8), options: [.fragmentsAllowed]),
              try JSONSerialization.jsonObject(with: Data(b.utf8), options: [.fragmentsAllowed]))
    }

    func equal(_ a: Any, _ b: Any) -> Bool {
        switch (a, b) {
        case (let x as [String: Any], let y as [String: Any]):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { equal(value, $0) } ?? false }
        case (let x as [Any], let y as [Any]):
            return x.count == y.count && zip(x, y).allSatisfy(equal)
        case (is NSNull, is NSNull): return true
        case (let x as String, let y as String): return x == y
        case (let x as NSNumber, let y as NSNumber): return x == y
        default: return false
        }
    }
}
