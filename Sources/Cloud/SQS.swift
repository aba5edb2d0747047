import Foundation
import WorkbenchCore

/// A message as received: its body, the handle that deletes it or changes its visibility, and
/// how many times it has been received (1 the first time; more after a worker died holding it).
public struct SQSMessage: Sendable, Equatable {
    public var id: String
    public var body: String
    public var receiptHandle: String
    public var receiveCount: Int
}

/// One SQS queue over the JSON protocol: send, long-poll receive, extend visibility while a
/// task runs (its heartbeat), delete when done; created with a dead-letter queue that takes a
/// message after `maxReceives` deliveries (the redrive policy).
public struct SQSQueue: Sendable {
    public let client: AWSClient
    public let name: String
    public let url: String

    static let target = "AmazonSQS"

    public init(client: AWSClient, name: String, url: String) {
        self.client = client
        self.name = name
        self.url = url
    }

    private func call(_ operation: String, _ body: [String: Any]) async throws -> [String: Any] {
        try await client.json(.sqs, target: Self.target, operation, body)
    }

    // MARK: Queues

    /// The queue's URL, or nil when there is no queue of that name.
    public static func url(named name: String, client: AWSClient) async throws -> String? {
        do {
            let answer = try await client.json(.sqs, target: target, "GetQueueUrl", ["QueueName": name])
            guard let url = answer["QueueUrl"] as? String else { throw CloudError.malformedResponse(service: .sqs, operation: "GetQueueUrl", detail: "no QueueUrl") }
            return url
        } catch let error as CloudError where error.code.map(CloudError.isMissingResource) == true {
            return nil
        }
    }

    /// Creates the queue (or finds it: CreateQueue with the same attributes is idempotent).
    /// `deadLetterARN` with `maxReceives` sets the redrive policy.
    public static func create(named name: String, visibilityTimeout: Int, retentionSeconds: Int = 1_209_600, deadLetterARN: String? = nil,
                              maxReceives: Int = 5, client: AWSClient) async throws -> SQSQueue {
        var attributes = ["VisibilityTimeout": String(visibilityTimeout), "MessageRetentionPeriod": String(retentionSeconds)]
        if let deadLetterARN {
            let policy = try JSONSerialization.data(withJSONObject: ["deadLetterTargetArn": deadLetterARN, "maxReceiveCount": String(maxReceives)], options: [.sortedKeys])
            attributes["RedrivePolicy"] = String(decoding: policy, as: UTF8.self)
        }
        do {
            let answer = try await client.json(.sqs, target: target, "CreateQueue", ["QueueName": name, "Attributes": attributes])
            guard let url = answer["QueueUrl"] as? String else { throw CloudError.malformedResponse(service: .sqs, operation: "CreateQueue", detail: "no QueueUrl") }
            return SQSQueue(client: client, name: name, url: url)
        } catch let error as CloudError where ["QueueAlreadyExists", "QueueNameExists", "AWS.SimpleQueueService.QueueNameExists"].contains(error.code ?? "") {
            // There with other settings: it is kept (its messages too) and given these.
            guard let url = try await url(named: name, client: client) else { throw error }
            let queue = SQSQueue(client: client, name: name, url: url)
            _ = try await queue.call("SetQueueAttributes", ["QueueUrl": url, "Attributes": attributes])
            return queue
        }
    }

    public func attributes() async throws -> [String: String] {
        try await call("GetQueueAttributes", ["QueueUrl": url, "AttributeNames": ["All"]])["Attributes"] as? [String: String] ?? [:]
    }

    public func arn() async throws -> String {
        guard let arn = try await attributes()["QueueArn"] else { throw CloudError.malformedResponse(service: .sqs, operation: "GetQueueAttributes", detail: "no QueueArn") }
        return arn
    }

    /// Messages waiting and messages being worked on (received, not yet deleted), as SQS approximates them.
    public func depth() async throws -> (visible: Int, inFlight: Int) {
        Self.depth(of: try await attributes())
    }

    static func depth(of attributes: [String: String]) -> (visible: Int, inFlight: Int) {
        (Int(attributes["ApproximateNumberOfMessages"] ?? "") ?? 0, Int(attributes["ApproximateNumberOfMessagesNotVisible"] ?? "") ?? 0)
    }

    public func delete() async throws {
        do {
            _ = try await call("DeleteQueue", ["QueueUrl": url])
        } catch let error as CloudError where error.code.map(CloudError.isMissingResource) == true {
            return
        }
    }

    // MARK: Messages

    @discardableResult
    public func send(_ body: String, delaySeconds: Int = 0) async throws -> String {
        var request: [String: Any] = ["QueueUrl": url, "MessageBody": body]
        if delaySeconds > 0 { request["DelaySeconds"] = delaySeconds }
        let answer = try await call("SendMessage", request)
        guard let id = answer["MessageId"] as? String else { throw CloudError.malformedResponse(service: .sqs, operation: "SendMessage", detail: "no MessageId") }
        return id
    }

    /// Up to `max` (1–10) messages, waiting up to `wait` seconds (0–20) for one: long polling.
    /// `visibility` overrides the queue's visibility timeout for these.
    public func receive(max: Int = 1, wait: Int = 20, visibility: Int? = nil) async throws -> [SQSMessage] {
        var request: [String: Any] = ["QueueUrl": url, "MaxNumberOfMessages": Swift.max(1, Swift.min(10, max)), "WaitTimeSeconds": Swift.max(0, Swift.min(20, wait)),
                                      "MessageSystemAttributeNames": ["ApproximateReceiveCount"], "AttributeNames": ["ApproximateReceiveCount"]]
        if let visibility { request["VisibilityTimeout"] = visibility }
        let answer = try await call("ReceiveMessage", request)
        return try (answer["Messages"] as? [[String: Any]] ?? []).map { message in
            guard let id = message["MessageId"] as? String, let body = message["Body"] as? String, let handle = message["ReceiptHandle"] as? String else {
                throw CloudError.malformedResponse(service: .sqs, operation: "ReceiveMessage", detail: "a message without MessageId, Body or ReceiptHandle")
            }
            let count = ((message["Attributes"] as? [String: String])?["ApproximateReceiveCount"]).flatMap(Int.init) ?? 1
            return SQSMessage(id: id, body: body, receiptHandle: handle, receiveCount: count)
        }
    }

    /// Keeps a message hidden for `seconds` more from now (a running task's heartbeat).
    public func extendVisibility(_ message: SQSMessage, seconds: Int) async throws {
        _ = try await call("ChangeMessageVisibility", ["QueueUrl": url, "ReceiptHandle": message.receiptHandle, "VisibilityTimeout": seconds])
    }

    /// The message is done: removed from the queue.
    public func delete(_ message: SQSMessage) async throws {
        _ = try await call("DeleteMessage", ["QueueUrl": url, "ReceiptHandle": message.receiptHandle])
    }
}
