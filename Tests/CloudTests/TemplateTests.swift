import Cloud
import Foundation
import Testing

/// `Experiments/cloud/template.yaml`, the CloudFormation description of what `cloud init`
/// creates: valid by cfn-lint (PyPI, installed by `make pydeps`), and naming each resource as
/// `CloudNames` does.
@Suite struct TemplateTests {
    static let template = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments/cloud/template.yaml").standardized

    static func cfnLint(_ file: URL) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["cfn-lint", "--format", "parseable", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func cfnLintFindsNothingWrongAndWouldSayIfItDid() throws {
        let clean = try Self.cfnLint(Self.template)
        #expect(clean.status == 0, "\(clean.output)")
        // The same template with a queue property CloudFormation does not have: cfn-lint must object.
        let broken = FileManager.default.temporaryDirectory.appendingPathComponent("template-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: broken) }
        let text = try String(contentsOf: Self.template, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "MessageRetentionPeriod: 1209600\n      VisibilityTimeout: !Ref VisibilityTimeout\n      RedrivePolicy",
                                           with: "MessageRetentionPeriod: 1209600\n      VisibilityTimout: !Ref VisibilityTimeout\n      RedrivePolicy").utf8).write(to: broken)
        let linted = try Self.cfnLint(broken)
        #expect(linted.status != 0 && linted.output.contains("VisibilityTimout"), "\(linted.output)")
    }

    @Test func theTemplateNamesEachResourceAsCloudInitDoes() throws {
        let text = try String(contentsOf: Self.template, encoding: .utf8)
        let names = try CloudNames(prefix: "workbench")
        for (resource, name) in [("Books", names.bucket), ("Tasks", names.queue), ("DeadLetters", names.deadLetterQueue), ("Progress", names.table)] {
            let templated = name.replacingOccurrences(of: "workbench", with: "${Name}")
            #expect(text.contains("  \(resource):\n") && text.contains("\"\(templated)\""), "\(resource) as \(templated)")
        }
        #expect(text.contains("maxReceiveCount: !Ref MaxReceives") && text.contains("Default: 5") && text.contains("Default: 120"),
                "the defaults are cloud init's (5 receives, 120 s)")
        // The Lambda worker answers partial batch failures, and its bootstrap runs the runtime.
        #expect(text.contains("FunctionResponseTypes: [ReportBatchItemFailures]") && text.contains("Runtime: provided.al2023"))
        let bootstrap = try String(contentsOf: Self.template.deletingLastPathComponent().appendingPathComponent("bootstrap"), encoding: .utf8)
        #expect(bootstrap.contains("exec ./workbench lambda"))
        #expect(FileManager.default.isExecutableFile(atPath: Self.template.deletingLastPathComponent().appendingPathComponent("bootstrap").path))
    }
}
