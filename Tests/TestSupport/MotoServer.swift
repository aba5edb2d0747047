import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A `moto_server` (PyPI `moto[server]`, installed by `make test-deps`) on a free loopback
/// port, for the tests' AWS: its S3, SQS and DynamoDB behave as AWS's do, without an account
/// (conditional writes made atomic by scripts/moto-server.py, as AWS makes them).
/// Stopped by `stop()` (and when the test process ends: it is our child).
public final class MotoServer: @unchecked Sendable {
    public let port: Int
    public let url: String
    private let process: Process

    /// Whether the server checks credentials and signatures (moto's IAM authentication).
    public let authenticating: Bool

    /// Starts one and waits until it answers; throws when moto is not installed or does not come up.
    /// `authenticating`: every call must be signed with a key `createAccessKey()` made (moto
    /// lets the first three calls through unchecked: they make the key).
    public init(authenticating: Bool = false) throws {
        self.authenticating = authenticating
        port = try Self.freePort()
        url = "http://127.0.0.1:\(port)"
        process = Process()
        // A shell keeps watch: moto_server (which outlives SIGTERM, hence SIGKILL) ends with the shell (stop()) and with this process,
        // even when it dies without stopping it (a crashed or killed test run leaves no server).
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", """
            \(authenticating ? "INITIAL_NO_AUTH_ACTION_COUNT=\(Self.keyMakingCalls) " : "")python3 '\(Self.launcher)' -H 127.0.0.1 -p \(port) & moto=$!
            trap 'kill -9 $moto 2>/dev/null; exit 0' TERM INT
            while kill -0 \(getpid()) 2>/dev/null && kill -0 $moto 2>/dev/null; do sleep 1; done
            kill -9 $moto 2>/dev/null; exit 1
            """]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if !process.isRunning { throw MotoError.notStarted("moto_server exited: is `moto[server]` installed (`make pydeps`)?") }
            if Self.answers(url + "/moto-api/") { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        process.terminate()
        throw MotoError.notStarted("moto_server did not answer on \(url) within 60 s")
    }

    /// The environment a workbench process (or `AWSConfiguration.resolve`) needs to use this server.
    public var environment: [String: String] {
        ["AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": url]
    }

    static let keyMakingCalls = 3

    /// scripts/moto-server.py: moto_server with AWS's atomic conditional writes (moto's own
    /// threaded server can let two conditional writes on one item both succeed).
    static let launcher = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/moto-server.py").standardized.path

    /// On an authenticating server (right after its start): an IAM user allowed everything and
    /// its access key, made with boto3 (moto's own dependency) in the unchecked first calls.
    public func createAccessKey() throws -> (id: String, secret: String) {
        let script = """
            import boto3, json
            iam = boto3.client("iam", endpoint_url="\(url)", region_name="us-east-1", aws_access_key_id="setup", aws_secret_access_key="setup")
            iam.create_user(UserName="workbench")
            iam.put_user_policy(UserName="workbench", PolicyName="everything", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
            key = iam.create_access_key(UserName="workbench")["AccessKey"]
            print(key["AccessKeyId"], key["SecretAccessKey"])
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let parts = output.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard process.terminationStatus == 0, parts.count == 2 else { throw MotoError.notStarted("could not make an access key on moto: \(output)") }
        return (parts[0], parts[1])
    }

    /// Forgets every resource (moto's reset), between tests sharing one server.
    public func reset() {
        var request = URLRequest(url: URL(string: url + "/moto-api/reset")!)
        request.httpMethod = "POST"
        _ = Self.fetch(request)
    }

    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }

    public enum MotoError: Error, CustomStringConvertible {
        case notStarted(String)
        public var description: String { if case .notStarted(let text) = self { text } else { "" } }
    }

    static func answers(_ url: String) -> Bool { fetch(URLRequest(url: URL(string: url)!, timeoutInterval: 2)) != nil }

    private static func fetch(_ request: URLRequest) -> Int? {
        let semaphore = DispatchSemaphore(value: 0)
        let status = LockedBox<Int?>(nil)
        URLSession.shared.dataTask(with: request) { _, response, _ in
            status.value = (response as? HTTPURLResponse)?.statusCode
            semaphore.signal()
        }.resume()
        _ = semaphore.wait(timeout: .now() + 5)
        return status.value
    }

    /// A port nothing listens on now: bound to 0, read, closed.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw MotoError.notStarted("no socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw MotoError.notStarted("cannot bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}
