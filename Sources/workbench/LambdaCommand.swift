import ArgumentParser
import Cloud
import Foundation
import LLM
import Queue
import Store
import WorkbenchCore

extension Workbench {
    struct Lambda: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run as an AWS Lambda function's custom runtime on the deployment's task queue (an SQS event source).",
            discussion: """
                The function's bootstrap runs `workbench lambda`. It takes invocations from the Lambda Runtime API \
                (AWS_LAMBDA_RUNTIME_API), each a batch of the task queue's messages, runs their jobs as `workbench worker \
                --backend aws` does (claims, heartbeats, chapters and manuscripts into the bucket, progress into the table) \
                and answers with a partial batch response: the messages left for a later delivery (a job another worker \
                holds, a retry's backoff) are its batchItemFailures, so map the queue with ReportBatchItemFailures \
                (Experiments/cloud/template.yaml does). A job must be done --deadline-margin seconds before the \
                invocation's deadline; one that is not counts a failed attempt, so a book too long for the function goes \
                dead after its attempts. The workspace (runs, response cache) is $WORKBENCH_WORKSPACE, else /tmp/workbench, \
                created when missing; experiment files are read from the function's folder (the job's paths).

                Exit codes: 2 not in Lambda (AWS_LAMBDA_RUNTIME_API unset) or bad flags; 70 the Runtime API refused a \
                call; 75 the Runtime API or AWS is unreachable; others as `cloud status` (a missing deployment: 65).
                """)

        @Option(help: ArgumentHelp("The workspace folder (default: $WORKBENCH_WORKSPACE, else /tmp/workbench, Lambda's writable folder).", valueName: "dir"))
        var workspace: String?
        @OptionGroup var cloud: CloudOptions
        @Option(help: "Jobs of a batch run at once (1–64).") var parallel = 3
        @OptionGroup var limits: GlobalLimitOptions
        @Option(name: .customLong("deadline-margin"), help: ArgumentHelp("Seconds before the invocation's deadline by which a job must be done.", valueName: "seconds"))
        var deadlineMargin: Double = 30
        @Option(help: ArgumentHelp("Seconds before a failed book's first retry; doubles with each attempt.", valueName: "seconds"))
        var backoff: Double = 10
        @Option(name: .customLong("max-invocations"), help: ArgumentHelp("Stop after answering this many invocations (default: never, as Lambda runs it).", valueName: "n"))
        var maxInvocations: Int?

        func validate() throws {
            guard (1...64).contains(parallel) else { throw ValidationError("--parallel must be 1 to 64 (got \(parallel))") }
            guard deadlineMargin >= 0, deadlineMargin < 900 else { throw ValidationError("--deadline-margin must be 0 to 899 seconds (got \(deadlineMargin))") }
            guard backoff >= 0, backoff.isFinite, backoff <= 3600 else { throw ValidationError("--backoff must be 0 to 3600 seconds (got \(backoff))") }
            if let maxInvocations, maxInvocations < 1 { throw ValidationError("--max-invocations must be at least 1 (got \(maxInvocations))") }
        }

        func run() async throws {
            let runtime = try LambdaRuntimeClient.fromEnvironment(Console.environment)
            let function: LambdaFunction
            let factory: ProviderFactory
            let display: QueueDisplay
            do {
                let target = workspace ?? Console.environment[Workspace.environmentVariable].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp/workbench"
                let workspaceOptions = WorkspaceOptions(workspace: target)
                let resolved = try workspaceOptions.resolve()
                let database = try WorkbenchDatabase.open(resolved, create: true)
                let queue = try await AWSJobQueue(deployment: try cloud.resources())
                let limiter = limits.limiter(ledger: DynamoRateLedger(table: queue.deployment.table))
                factory = ProviderOptions.factory(sharedLimiter: limiter)
                let owner = "lambda " + ProcessorOptions.owner()
                let engine = EngineJobRunner(database: database, factory: factory, reportsFolder: workspaceOptions.reportsFolder())
                var settings = ProcessorSettings()
                settings.parallel = parallel
                settings.backoff = backoff
                display = QueueDisplay(live: false, style: Console.style, database: database, limiter: limiter, budget: nil, limits: nil)
                let runner = CloudJobRunner(engine: engine, queue: queue, worker: owner, bundlesFolder: resolved.folder.appendingPathComponent("bundles").path)
                function = LambdaFunction(runtime: runtime, queue: queue, runner: runner, settings: settings, owner: owner, margin: deadlineMargin,
                                          spend: { run in (try? database.summary(of: run).costUSD) ?? 0 }, report: display.show)
            } catch {
                // Lambda fails the invocation waiting for this runtime with the reason, and starts another.
                try? await runtime.failInitialization(LambdaFailure(error))
                throw error
            }
            do {
                _ = try await function.serve(limit: maxInvocations) { invocation, answer in
                    switch answer {
                    case .batch(let failures):
                        let left = failures.isEmpty ? "no message" : "\(failures.count) message\(failures.count == 1 ? "" : "s")"
                        Console.output("invocation \(invocation.requestID) answered: \(left) left on the queue to come back\n")
                    case .failed(let failure):
                        Console.output("invocation \(invocation.requestID) failed: \(failure.errorType): \(failure.errorMessage)\n")
                    }
                }
            } catch {
                await factory.shutdown()
                throw error
            }
            await factory.shutdown()
        }
    }
}
