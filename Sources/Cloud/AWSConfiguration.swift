import Foundation
import WorkbenchCore

/// A key pair (and a session's token) from the standard AWS chain. Never printed: its
/// description names only where it came from and the key id's last four characters.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// Where they were found ("environment", "profile dev in ~/.aws/credentials").
    public var source: String

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, source: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.source = source
    }

    public var description: String { "key …\(accessKeyID.suffix(4)) from \(source)" }
}

/// The services the workbench calls.
public enum AWSService: String, Sendable, CaseIterable {
    case s3, sqs, dynamodb

    /// The suffix of its `AWS_ENDPOINT_URL_<SERVICE>` variable.
    var environmentSuffix: String { rawValue.uppercased() }
}

/// Credentials, region and endpoints as the AWS CLI and SDKs resolve them: environment
/// variables first (`AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`,
/// `AWS_REGION` or `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_S3|SQS|DYNAMODB`),
/// then the profile `AWS_PROFILE` (else `default`) of `~/.aws/credentials` and `~/.aws/config`
/// (or `AWS_SHARED_CREDENTIALS_FILE` / `AWS_CONFIG_FILE`).
public struct AWSConfiguration: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    /// Endpoints given for a service (or for all); the others are AWS's own.
    public var endpoints: [AWSService: String]

    public init(credentials: AWSCredentials, region: String, endpoints: [AWSService: String] = [:]) {
        self.credentials = credentials
        self.region = region
        self.endpoints = endpoints
    }

    /// The base URL of a service, without a trailing slash.
    public func endpoint(_ service: AWSService) -> String {
        if let given = endpoints[service] { return given.hasSuffix("/") ? String(given.dropLast()) : given }
        switch service {
        case .s3: return "https://s3.\(region).amazonaws.com"
        case .sqs: return "https://sqs.\(region).amazonaws.com"
        case .dynamodb: return "https://dynamodb.\(region).amazonaws.com"
        }
    }

    /// Whether a service's endpoint was given rather than AWS's (moto, LocalStack, MinIO): S3
    /// is then addressed by path (`endpoint/bucket/key`), which such servers all take.
    public func isCustomEndpoint(_ service: AWSService) -> Bool { endpoints[service] != nil }

    /// Resolves the chain from `environment` and the files it points to (or the home folder's).
    public static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> AWSConfiguration {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let credentialsFile = environment["AWS_SHARED_CREDENTIALS_FILE"] ?? home + "/.aws/credentials"
        let configFile = environment["AWS_CONFIG_FILE"] ?? home + "/.aws/config"
        let profile = nonEmpty(environment["AWS_PROFILE"]) ?? nonEmpty(environment["AWS_DEFAULT_PROFILE"]) ?? "default"
        let credentialsSections = try INIFile.read(credentialsFile)
        let configSections = try INIFile.read(configFile)
        // ~/.aws/config names a profile `[profile NAME]`, except `[default]`.
        let configSection = configSections[profile == "default" ? "default" : "profile " + profile] ?? configSections[profile] ?? [:]
        let credentialsSection = credentialsSections[profile] ?? [:]

        let credentials: AWSCredentials
        if let key = nonEmpty(environment["AWS_ACCESS_KEY_ID"]) {
            guard let secret = nonEmpty(environment["AWS_SECRET_ACCESS_KEY"]) else {
                throw CloudError.configuration(problem: "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not",
                                             fix: "set AWS_SECRET_ACCESS_KEY too, or unset AWS_ACCESS_KEY_ID to use a profile")
            }
            credentials = AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: nonEmpty(environment["AWS_SESSION_TOKEN"]), source: "environment")
        } else if let found = profileCredentials(credentialsSection, source: "profile \(profile) in \(credentialsFile)")
                    ?? profileCredentials(configSection, source: "profile \(profile) in \(configFile)") {
            credentials = found
        } else {
            let named = environment["AWS_PROFILE"] != nil
            throw CloudError.configuration(
                problem: named ? "profile \(profile) has no aws_access_key_id and aws_secret_access_key in \(credentialsFile) or \(configFile)"
                               : "no AWS credentials: AWS_ACCESS_KEY_ID is not set and there is no [default] profile in \(credentialsFile)",
                fix: "export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE naming a profile of \(credentialsFile)")
        }
        guard let region = nonEmpty(environment["AWS_REGION"]) ?? nonEmpty(environment["AWS_DEFAULT_REGION"]) ?? nonEmpty(configSection["region"]) else {
            throw CloudError.configuration(problem: "no AWS region: AWS_REGION is not set and profile \(profile) of \(configFile) names none",
                                         fix: "export AWS_REGION (e.g. us-east-1), or add `region = …` to the profile")
        }
        var endpoints: [AWSService: String] = [:]
        let shared = nonEmpty(environment["AWS_ENDPOINT_URL"]) ?? nonEmpty(configSection["endpoint_url"])
        for service in AWSService.allCases {
            if let url = nonEmpty(environment["AWS_ENDPOINT_URL_" + service.environmentSuffix]) ?? shared {
                guard let parsed = URL(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil else {
                    throw CloudError.configuration(problem: "the endpoint \(url) for \(service.rawValue) is not an http(s) URL",
                                                 fix: "set AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_\(service.environmentSuffix)) to e.g. http://127.0.0.1:5000")
                }
                endpoints[service] = url
            }
        }
        return AWSConfiguration(credentials: credentials, region: region, endpoints: endpoints)
    }

    private static func profileCredentials(_ section: [String: String], source: String) -> AWSCredentials? {
        guard let key = nonEmpty(section["aws_access_key_id"]), let secret = nonEmpty(section["aws_secret_access_key"]) else { return nil }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: nonEmpty(section["aws_session_token"]), source: source)
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }
}

/// The INI dialect of `~/.aws/credentials` and `~/.aws/config`: `[section]` headers and
/// `key = value` lines; `#` and `;` comments; a missing file is empty.
enum INIFile {
    static func read(_ path: String) throws -> [String: [String: String]] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CloudError.configuration(problem: "\(path) cannot be read as UTF-8 text", fix: "check the file's permissions and encoding")
        }
        return parse(text)
    }

    static func parse(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                current = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                sections[current!, default: [:]] = sections[current!] ?? [:]
                continue
            }
            guard let section = current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[section]?[key] = value
        }
        return sections
    }
}
