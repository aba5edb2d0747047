import Foundation
import LLM
import WorkbenchCore

/// The S3 calls the workbench makes: one bucket, objects put once under content-addressed
/// keys (`If-None-Match: *`, so a duplicate delivery cannot write twice), read, listed and
/// removed. Addressed by path on a given endpoint (moto), virtual-hosted on AWS.
public struct S3Bucket: Sendable {
    public let client: AWSClient
    public let name: String

    public init(client: AWSClient, name: String) {
        self.client = client
        self.name = name
    }

    /// What a conditional put did.
    public enum PutOutcome: Sendable, Equatable {
        case written
        /// The key was there already: a duplicate delivery, nothing written.
        case alreadyExists
    }

    private var base: String {
        let configuration = client.configuration
        if configuration.isCustomEndpoint(.s3) || name.contains(".") { return configuration.endpoint(.s3) + "/" + name }
        return "https://\(name).s3.\(configuration.region).amazonaws.com"
    }

    private func call(_ operation: String, _ method: String, key: String? = nil, query: [(name: String, value: String)] = [],
                      headers: [(name: String, value: String)] = [], body: Data? = nil) -> AWSCall {
        AWSCall(service: .s3, operation: operation, method: method, path: "/" + (key.map(AWSClient.encodePath) ?? ""), query: query, headers: headers,
                body: body, baseURL: base)
    }

    // MARK: The bucket

    /// Creates the bucket; one this account has already is fine (idempotent).
    public func create() async throws {
        let region = client.configuration.region
        // us-east-1 takes no location; every other region must be named.
        let body = region == "us-east-1" ? nil : Data("""
            <CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>\(region)</LocationConstraint></CreateBucketConfiguration>
            """.utf8)
        do {
            try await client.send(call("CreateBucket", "PUT", headers: body == nil ? [] : [("Content-Type", "application/xml")], body: body))
        } catch let error as CloudError where error.code == "BucketAlreadyOwnedByYou" {
            return
        }
    }

    public func exists() async throws -> Bool {
        do {
            try await client.send(call("HeadBucket", "HEAD"))
            return true
        } catch let error as CloudError where error.code == "NotFound" || error.code == "NoSuchBucket" {
            return false
        }
    }

    /// Deletes every object, then the bucket; a bucket that is not there is fine.
    public func delete() async throws {
        do {
            for key in try await keys() { try await deleteObject(key) }
            try await client.send(call("DeleteBucket", "DELETE"))
        } catch let error as CloudError where error.code == "NoSuchBucket" || error.code == "NotFound" {
            return
        }
    }

    // MARK: Objects

    /// Writes the object unless the key exists (`ifAbsent`, the default): a second delivery of
    /// the same content-addressed write is a no-op, never an overwrite.
    @discardableResult
    public func put(_ key: String, _ data: Data, contentType: String, ifAbsent: Bool = true) async throws -> PutOutcome {
        var headers: [(name: String, value: String)] = [("Content-Type", contentType)]
        if ifAbsent { headers.append(("If-None-Match", "*")) }
        do {
            try await client.send(call("PutObject", "PUT", key: key, headers: headers, body: data))
            return .written
        } catch let error as CloudError where ifAbsent && (error.code == "PreconditionFailed" || error.code == "ConditionalRequestConflict") {
            // S3 answers a lost race of two conditional writes with 409: the other one wrote it.
            return .alreadyExists
        }
    }

    /// The object's bytes, or nil when there is no such key.
    public func get(_ key: String) async throws -> Data? {
        do {
            return try await client.send(call("GetObject", "GET", key: key)).body
        } catch let error as CloudError where error.code == "NoSuchKey" || error.code == "NotFound" {
            return nil
        }
    }

    public func deleteObject(_ key: String) async throws {
        try await client.send(call("DeleteObject", "DELETE", key: key))
    }

    /// Every key under `prefix`, in key order (all pages of ListObjectsV2).
    public func keys(prefix: String = "") async throws -> [String] {
        var keys: [String] = []
        var token: String?
        repeat {
            var query: [(name: String, value: String)] = [("list-type", "2")]
            if !prefix.isEmpty { query.append(("prefix", prefix)) }
            if let token { query.append(("continuation-token", token)) }
            let response = try await client.send(call("ListObjectsV2", "GET", query: query))
            let text = String(decoding: response.body, as: UTF8.self)
            guard text.contains("ListBucketResult") else {
                throw CloudError.malformedResponse(service: .s3, operation: "ListObjectsV2", detail: String(text.prefix(200)))
            }
            keys += XMLText.blocks("Contents", in: text).compactMap { XMLText.first("Key", in: $0) }
            token = XMLText.first("IsTruncated", in: text) == "true" ? XMLText.first("NextContinuationToken", in: text) : nil
        } while token != nil
        return keys
    }

    /// The content-addressed key of `data` under `prefix`: `prefix/<sha256>.<suffix>`.
    public static func contentKey(_ data: Data, prefix: String, suffix: String) -> String {
        "\(prefix)/\(SHA256.hex(of: data)).\(suffix)"
    }
}
