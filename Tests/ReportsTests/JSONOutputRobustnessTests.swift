import Foundation
import Testing
import WorkbenchCore
@testable import Reports

/// `JSONOutput.render` trapped (preconditionFailure) on a non-finite number; it now refuses
/// it with a typed error naming the field, and exit 65.
@Suite struct JSONOutputRobustnessTests {
    @Test func aNonFiniteNumberIsATypedErrorNamingItsField() {
        #expect(throws: JSONOutput.Failure.notFinite(field: "statistic", value: .infinity)) {
            try JSONOutput.render(["test": "welch", "statistic": Double.infinity] as [String: Any])
        }
        do {
            _ = try JSONOutput.render(["rows": [["a": 1.0], ["a": Double.nan]]] as [String: Any])
            Issue.record("NaN was rendered")
        } catch let error as JSONOutput.Failure {
            guard case .notFinite(let field, let value) = error else { Issue.record("\(error)"); return }
            #expect(field == "rows[1].a" && value.isNaN)
            #expect(error.exitStatus == .dataError && error.message.contains("rows[1].a"))
        } catch {
            Issue.record("untyped \(error)")
        }
        #expect(throws: JSONOutput.Failure.notFinite(field: "(top level)", value: -.infinity)) { try JSONOutput.render(-Double.infinity) }
    }

    @Test func finiteOutputIsUnchanged() throws {
        let object: [String: Any] = ["b": 2.5, "a": [1, 2], "c": NSNull(), "d": "x/y", "e": true]
        #expect(try JSONOutput.render(object) == "{\n  \"a\" : [\n    1,\n    2\n  ],\n  \"b\" : 2.5,\n  \"c\" : null,\n  \"d\" : \"x/y\",\n  \"e\" : true\n}\n")
    }

    @Test func renderWithNullsWritesNonFiniteNumbersAsNull() {
        let text = JSONOutput.renderWithNulls(["r2": Double.nan, "n": 3, "when": Date(timeIntervalSince1970: 0)] as [String: Any])
        #expect(text.contains("\"r2\" : null") && text.contains("\"n\" : 3"))
        #expect(text.contains("\"when\" : \""), "a value JSON has no type for is written as its description, not a trap")
    }
}
