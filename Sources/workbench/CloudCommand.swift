import ArgumentParser
import Cloud
import Foundation
import Reports
import WorkbenchCore

extension Workbench {
    struct CloudCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cloud",
            abstract: "Create, show and remove a deployment's AWS resources: its S3 bucket, SQS task and dead-letter queues, DynamoDB table.",
            discussion: """
                Credentials, region and endpoints come from the standard AWS chain: AWS_ACCESS_KEY_ID / \
                AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else the profile AWS_PROFILE (or default) of \
                ~/.aws/credentials and ~/.aws/config; AWS_REGION; AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_S3, _SQS, \
                _DYNAMODB) for another endpoint such as moto_server. They are never stored or printed. --name (or \
                WORKBENCH_CLOUD_NAME) names every resource: NAME-books, NAME-tasks, NAME-tasks-dlq, NAME-progress. \
                Experiments/cloud/template.yaml describes the same resources for CloudFormation.

                Exit codes: 0 done; 1 `status` found the deployment incomplete; 2 usage or credentials; 65 a resource \
                is missing; 75 AWS unreachable or throttled.
                """,
            subcommands: [Init.self, Status.self, Destroy.self])
    }
}

/// The deployment a cloud command works on.
struct CloudOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The deployment's name, prefix of every resource (default: $WORKBENCH_CLOUD_NAME, else workbench).", valueName: "name"))
    var name: String?

    func resources() throws -> CloudResources {
        let environment = ProcessInfo.processInfo.environment
        let names = try CloudNames(prefix: name ?? environment["WORKBENCH_CLOUD_NAME"].flatMap { $0.isEmpty ? nil : $0 } ?? "workbench")
        return CloudResources(client: AWSClient(configuration: try AWSConfiguration.resolve(environment: environment)), names: names)
    }
}

extension Workbench.CloudCommand {
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the bucket, the task queue with its dead-letter queue, and the table (idempotent: what exists is kept).")

        @OptionGroup var cloud: CloudOptions
        @Option(name: .customLong("visibility-timeout"), help: "Seconds a received task stays hidden; workers extend it while they run.")
        var visibilityTimeout = 120
        @Option(name: .customLong("max-receives"), help: "Deliveries of a task before it goes to the dead-letter queue.")
        var maxReceives = 5

        func validate() throws {
            guard (1...43_200).contains(visibilityTimeout) else { throw ValidationError("--visibility-timeout must be 1 to 43200 seconds (SQS's limits)") }
            guard (1...1000).contains(maxReceives) else { throw ValidationError("--max-receives must be 1 to 1000 (SQS's limits)") }
        }

        func run() async throws {
            let resources = try cloud.resources()
            try await resources.initialize(CloudQueueSettings(visibilityTimeout: visibilityTimeout, maxReceives: maxReceives))
            Console.output(CloudStatusView.render(try await resources.status(), names: resources.names))
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "What exists of the deployment, and how full its queues are; exit 1 when incomplete.")

        @OptionGroup var cloud: CloudOptions
        @Flag(help: "Print JSON instead of text.") var json = false

        func run() async throws {
            let resources = try cloud.resources()
            let status = try await resources.status()
            if json {
                Console.output(try JSONOutput.render(CloudStatusView.object(status, names: resources.names)))
            } else {
                Console.output(CloudStatusView.render(status, names: resources.names))
            }
            if !status.complete { throw ExitCode(ExitStatus.checkFailed.rawValue) }
        }
    }

    struct Destroy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove the bucket (with every object in it), both queues and the table.",
            discussion: "What it removes cannot be brought back: --yes says you mean it. Removing what is not there is fine.")

        @OptionGroup var cloud: CloudOptions
        @Flag(help: "Remove without asking.") var yes = false

        func run() async throws {
            let resources = try cloud.resources()
            guard yes else {
                throw ValidationError("`cloud destroy` deletes \(resources.names.bucket) with every manuscript in it, \(resources.names.queue), \(resources.names.deadLetterQueue) and \(resources.names.table): add --yes")
            }
            try await resources.destroy()
            Console.output("removed \(resources.names.bucket), \(resources.names.queue), \(resources.names.deadLetterQueue), \(resources.names.table)\n")
        }
    }
}

enum CloudStatusView {
    static func object(_ status: CloudResources.Status, names: CloudNames) -> [String: Any] {
        ["name": names.prefix, "complete": status.complete,
         "bucket": ["name": names.bucket, "exists": status.bucket, "objects": status.objects ?? NSNull()] as [String: Any],
         "queue": ["name": names.queue, "exists": status.queue != nil, "visible": status.queue?.visible ?? NSNull(), "in_flight": status.queue?.inFlight ?? NSNull(),
                   "redrive_policy": status.redrive ?? NSNull()] as [String: Any],
         "dead_letter_queue": ["name": names.deadLetterQueue, "exists": status.deadLetters != nil, "messages": status.deadLetters ?? NSNull()] as [String: Any],
         "table": ["name": names.table, "status": status.table ?? NSNull()] as [String: Any]]
    }

    static func render(_ status: CloudResources.Status, names: CloudNames) -> String {
        func line(_ label: String, _ name: String, _ state: String) -> String { "  \(label.padding(toLength: 18, withPad: " ", startingAt: 0)) \(name): \(state)\n" }
        return "deployment \(names.prefix): \(status.complete ? "complete" : "incomplete (`workbench cloud init` creates what is missing)")\n"
            + line("bucket", names.bucket, status.bucket ? "\(status.objects ?? 0) objects" : "missing")
            + line("task queue", names.queue, status.queue.map { "\($0.visible) waiting, \($0.inFlight) in flight" } ?? "missing")
            + line("dead-letter queue", names.deadLetterQueue, status.deadLetters.map { "\($0) messages" } ?? "missing")
            + line("table", names.table, status.table ?? "missing")
    }
}
