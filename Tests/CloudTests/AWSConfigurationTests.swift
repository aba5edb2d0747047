@testable import Cloud
import Foundation
import Testing

/// The standard credential chain: environment first, then the profile's files; region and
/// endpoints; errors that say what to set; secrets never in a description.
@Suite struct AWSConfigurationTests {
    func folder(credentials: String? = nil, config: String? = nil) throws -> URL {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("aws-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".aws"), withIntermediateDirectories: true)
        if let credentials { try Data(credentials.utf8).write(to: home.appendingPathComponent(".aws/credentials")) }
        if let config { try Data(config.utf8).write(to: home.appendingPathComponent(".aws/config")) }
        return home
    }

    @Test func theEnvironmentComesFirst() throws {
        let home = try folder(credentials: "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = filesecret\n")
        defer { try? FileManager.default.removeItem(at: home) }
        let resolved = try AWSConfiguration.resolve(environment: ["HOME": home.path, "AWS_ACCESS_KEY_ID": "AKIAENV0001", "AWS_SECRET_ACCESS_KEY": "envsecret",
                                                                  "AWS_SESSION_TOKEN": "tok", "AWS_REGION": "eu-west-1"])
        #expect(resolved.credentials.accessKeyID == "AKIAENV0001" && resolved.credentials.sessionToken == "tok" && resolved.region == "eu-west-1")
        #expect(resolved.endpoint(.sqs) == "https://sqs.eu-west-1.amazonaws.com" && !resolved.isCustomEndpoint(.s3))
        #expect(!"\(resolved.credentials)".contains("envsecret") && "\(resolved.credentials)".contains("0001"), "only the key id's end is shown")
    }

    @Test func aProfileComesFromTheFilesWithItsRegion() throws {
        let home = try folder(credentials: "# keys\n[default]\naws_access_key_id=AKIADEF\naws_secret_access_key=defsecret\n\n[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = devsecret\n",
                              config: "[default]\nregion = us-west-2\n[profile dev]\nregion = ap-south-1\nendpoint_url = http://127.0.0.1:5000\n")
        defer { try? FileManager.default.removeItem(at: home) }
        let standard = try AWSConfiguration.resolve(environment: ["HOME": home.path])
        #expect(standard.credentials.accessKeyID == "AKIADEF" && standard.region == "us-west-2")
        let dev = try AWSConfiguration.resolve(environment: ["HOME": home.path, "AWS_PROFILE": "dev"])
        #expect(dev.credentials.accessKeyID == "AKIADEV" && dev.region == "ap-south-1" && dev.endpoint(.dynamodb) == "http://127.0.0.1:5000")
        #expect(dev.credentials.source.contains("profile dev"))
        // A per-service endpoint wins over the shared one.
        let split = try AWSConfiguration.resolve(environment: ["HOME": home.path, "AWS_PROFILE": "dev", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9000/"])
        #expect(split.endpoint(.s3) == "http://127.0.0.1:9000" && split.endpoint(.sqs) == "http://127.0.0.1:5000")
    }

    @Test(arguments: [
        (["AWS_ACCESS_KEY_ID": "AKIA", "AWS_REGION": "us-east-1"], "AWS_SECRET_ACCESS_KEY"),
        (["AWS_REGION": "us-east-1"], "AWS_ACCESS_KEY_ID"),
        (["AWS_PROFILE": "missing", "AWS_REGION": "us-east-1"], "profile missing"),
        (["AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s"], "AWS_REGION"),
        (["AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s", "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": "ftp://x"], "AWS_ENDPOINT_URL"),
    ])
    func whatIsMissingIsNamed(environment: [String: String], named: String) throws {
        let home = try folder()
        defer { try? FileManager.default.removeItem(at: home) }
        let error = #expect(throws: CloudError.self) { try AWSConfiguration.resolve(environment: environment.merging(["HOME": home.path]) { a, _ in a }) }
        #expect(error.map { "\($0.message) \($0.fix ?? "")".contains(named) } == true, "\(String(describing: error))")
        #expect(error?.exitStatus == .usage)
    }

    @Test func deploymentNamesAreCheckedForEveryResource() throws {
        let names = try CloudNames(prefix: "workbench-ana")
        #expect(names.bucket == "workbench-ana-books" && names.queue == "workbench-ana-tasks" && names.deadLetterQueue == "workbench-ana-tasks-dlq")
        for bad in ["ab", "Workbench", "wb_ana", "9wb", "wb-", String(repeating: "a", count: 41)] {
            #expect(throws: CloudError.self) { try CloudNames(prefix: bad) }
        }
    }
}
