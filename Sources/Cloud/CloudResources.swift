import Foundation
import WorkbenchCore

/// The AWS resources of one deployment, named from one prefix: the bucket
/// (`NAME-books`: manuscripts, chapter versions, reports), the task queue (`NAME-tasks`) and
/// its dead-letter queue (`NAME-tasks-dlq`), and the table (`NAME-progress`: progress,
/// leases, idempotency records, the shared rate-limit bucket).
public struct CloudNames: Sendable, Equatable {
    public var prefix: String
    public var bucket: String { prefix + "-books" }
    public var queue: String { prefix + "-tasks" }
    public var deadLetterQueue: String { prefix + "-tasks-dlq" }
    public var table: String { prefix + "-progress" }

    /// A prefix valid for every resource: 3–40 lowercase letters, digits and hyphens, starting
    /// with a letter (S3's rules are the strictest; the bucket name must be unique in AWS).
    public init(prefix: String) throws {
        guard (3...40).contains(prefix.count), prefix.first?.isLetter == true, !prefix.hasSuffix("-"),
              prefix.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }) else {
            throw CloudError.configuration(problem: "\"\(prefix)\" is not a deployment name",
                                         fix: "give --name 3 to 40 lowercase letters, digits and hyphens, starting with a letter (it names the bucket, so make it yours: e.g. workbench-ana)")
        }
        self.prefix = prefix
    }
}

/// How long a task stays hidden once received, and after how many receives it goes to the
/// dead-letter queue. A worker extends a running task's visibility every `visibility / 3`.
public struct CloudQueueSettings: Sendable, Equatable {
    public var visibilityTimeout = 120
    public var maxReceives = 5

    public init(visibilityTimeout: Int = 120, maxReceives: Int = 5) {
        self.visibilityTimeout = visibilityTimeout
        self.maxReceives = maxReceives
    }
}

/// Creates, shows and removes a deployment's resources; every step is idempotent, so `init`
/// after a half-done `init` (or twice) ends in the same state, and `destroy` of what is not
/// there is fine.
public struct CloudResources: Sendable {
    public let client: AWSClient
    public let names: CloudNames

    public init(client: AWSClient, names: CloudNames) {
        self.client = client
        self.names = names
    }

    public var bucket: S3Bucket { S3Bucket(client: client, name: names.bucket) }
    public var table: DynamoTable { DynamoTable(client: client, name: names.table) }

    /// The task queue and its dead-letter queue, created if missing.
    @discardableResult
    public func initialize(_ settings: CloudQueueSettings = .init()) async throws -> (tasks: SQSQueue, deadLetters: SQSQueue) {
        // Failed tasks are kept 14 days in the dead-letter queue, the most SQS allows.
        let deadLetters = try await SQSQueue.create(named: names.deadLetterQueue, visibilityTimeout: settings.visibilityTimeout, client: client)
        let tasks = try await SQSQueue.create(named: names.queue, visibilityTimeout: settings.visibilityTimeout, deadLetterARN: try await deadLetters.arn(),
                                              maxReceives: settings.maxReceives, client: client)
        try await bucket.create()
        try await table.create()
        return (tasks, deadLetters)
    }

    /// The task queue, or `CloudError` naming it when it was never created.
    public func taskQueue() async throws -> SQSQueue {
        try await queue(named: names.queue)
    }

    public func deadLetterQueue() async throws -> SQSQueue {
        try await queue(named: names.deadLetterQueue)
    }

    private func queue(named name: String) async throws -> SQSQueue {
        guard let url = try await SQSQueue.url(named: name, client: client) else {
            throw CloudError.service(service: .sqs, operation: "GetQueueUrl", status: 400, code: "AWS.SimpleQueueService.NonExistentQueue",
                                     message: "there is no queue \(name)")
        }
        return SQSQueue(client: client, name: name, url: url)
    }

    /// What exists of the deployment, and how full its queues are.
    public struct Status: Sendable, Equatable {
        public var bucket: Bool
        public var objects: Int?
        public var table: String?
        public var queue: (visible: Int, inFlight: Int)?
        public var deadLetters: Int?
        public var redrive: String?

        public var complete: Bool { bucket && table == "ACTIVE" && queue != nil && deadLetters != nil }

        public static func == (a: Status, b: Status) -> Bool {
            a.bucket == b.bucket && a.objects == b.objects && a.table == b.table && a.queue?.visible == b.queue?.visible
                && a.queue?.inFlight == b.queue?.inFlight && a.deadLetters == b.deadLetters && a.redrive == b.redrive
        }
    }

    public func status() async throws -> Status {
        let bucketExists = try await bucket.exists()
        var status = Status(bucket: bucketExists, objects: bucketExists ? try await bucket.keys().count : nil, table: try await table.status())
        if let url = try await SQSQueue.url(named: names.queue, client: client) {
            let attributes = try await SQSQueue(client: client, name: names.queue, url: url).attributes()
            status.queue = SQSQueue.depth(of: attributes)
            status.redrive = attributes["RedrivePolicy"]
        }
        if let url = try await SQSQueue.url(named: names.deadLetterQueue, client: client) {
            status.deadLetters = try await SQSQueue(client: client, name: names.deadLetterQueue, url: url).depth().visible
        }
        return status
    }

    /// Removes the bucket (with every object), both queues and the table.
    public func destroy() async throws {
        try await bucket.delete()
        for name in [names.queue, names.deadLetterQueue] {
            if let url = try await SQSQueue.url(named: name, client: client) { try await SQSQueue(client: client, name: name, url: url).delete() }
        }
        try await table.delete()
    }
}
