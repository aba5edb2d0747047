import Foundation

/// Issue #21's throughput figure (`workbench-bench --only cloud`, its own process in `make
/// bench`): one batch of books written by 1, 2 and 4 `workbench worker` processes over the AWS
/// backend on moto_server, each worker on its own workspace, beside the same batch through
/// `queue process --parallel N` on one machine's SQLite queue. The simulator answers with a
/// first-token delay and a token rate, as a remote model does, so the model's time dominates
/// a book as it would; the difference between the two columns is what the AWS round trips cost.
enum CloudBenchmarks {
    static let books = 8

    static func run(into report: inout BenchReport, binary: String) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bench-cloud-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let moto = try Moto(folder: folder)
        defer { moto.stop() }
        let experiment = try ServerBenchmarks.workspace(folder.appendingPathComponent("experiment"), chapters: 3, words: 300, ttft: 150, rate: 800)
        let premises = folder.appendingPathComponent("premises")
        try FileManager.default.createDirectory(at: premises, withIntermediateDirectories: true)
        for index in 1...books {
            try Data("A lighthouse keeper's daughter finds letter number \(index), never sent.".utf8).write(to: premises.appendingPathComponent("p\(index).txt"))
        }
        for workers in [1, 2, 4] {
            let name = "wb-bench-\(workers)"
            try command(binary, ["cloud", "init", "--name", name, "--visibility-timeout", "60"], environment: moto.environment, in: folder)
            try command(binary, ["queue", "add", "--backend", "aws", "--name", name, "--source", premises.path, "--experiment", experiment],
                        environment: moto.environment, in: folder)
            let started = Date()
            var processes: [Process] = []
            for index in 0..<workers {
                let workspace = folder.appendingPathComponent("\(name)-w\(index)")
                _ = try ServerBenchmarks.workspace(workspace, chapters: 3, words: 300)
                processes.append(try launch(binary, ["worker", "--backend", "aws", "--name", name, "--until-empty", "--parallel", "1", "--plain",
                                                     "--workspace", workspace.path], environment: moto.environment, in: folder))
            }
            for process in processes { process.waitUntilExit() }
            let aws = Date().timeIntervalSince(started)
            guard processes.allSatisfy({ $0.terminationStatus == 0 }) else { throw ServerBenchmarks.BenchError("a worker failed (logs in \(folder.path))") }

            let local = folder.appendingPathComponent("sqlite-\(workers)")
            _ = try ServerBenchmarks.workspace(local, chapters: 3, words: 300)
            try command(binary, ["queue", "add", "--workspace", local.path, "--source", premises.path, "--experiment", experiment], environment: [:], in: folder)
            let localStarted = Date()
            try command(binary, ["queue", "process", "--workspace", local.path, "--parallel", String(workers), "--until-empty", "--plain"], environment: [:], in: folder)
            let sqlite = Date().timeIntervalSince(localStarted)

            let label = "\(workers) worker\(workers == 1 ? "" : "s"), \(books) books × 3 chapters"
            report.add("cloud", "\(label): AWS (moto) books/min", Double(books) / aws * 60, "books/min")
            report.add("cloud", "\(label): one machine's SQLite queue, --parallel \(workers), books/min", Double(books) / sqlite * 60, "books/min")
            report.add("cloud", "\(label): AWS time over SQLite time", aws / sqlite, "×")
        }
        // Kept on failure, for its logs.
        try? FileManager.default.removeItem(at: folder)
    }

    static func command(_ binary: String, _ arguments: [String], environment: [String: String], in folder: URL) throws {
        let process = try launch(binary, arguments, environment: environment, in: folder)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ServerBenchmarks.BenchError("workbench \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)); logs in \(folder.path)")
        }
    }

    static func launch(_ binary: String, _ arguments: [String], environment: [String: String], in folder: URL) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let log = folder.appendingPathComponent("\(arguments.first ?? "run")-\(UUID().uuidString.prefix(6)).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// moto_server (scripts/moto-server.py: conditional writes atomic, as AWS's) on a free loopback
    /// port, watched by a shell so it ends with the bench.
    struct Moto {
        let process: Process
        let environment: [String: String]

        init(folder: URL) throws {
            let port = 20_000 + Int(getpid() % 20_000)
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", """
                python3 '\(FileManager.default.currentDirectoryPath)/scripts/moto-server.py' -H 127.0.0.1 -p \(port) & moto=$!
                trap 'kill -9 $moto 2>/dev/null; exit 0' TERM INT
                while kill -0 \(getpid()) 2>/dev/null && kill -0 $moto 2>/dev/null; do sleep 1; done
                kill -9 $moto 2>/dev/null; exit 1
                """]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            environment = ["AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:\(port)",
                           "HOME": folder.path]
            // Up when it answers.
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                let probe = Process()
                probe.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
                probe.arguments = ["-sf", "-o", "/dev/null", "http://127.0.0.1:\(port)/moto-api/"]
                try probe.run()
                probe.waitUntilExit()
                if probe.terminationStatus == 0 { return }
                usleep(200_000)
            }
            throw ServerBenchmarks.BenchError("moto_server did not start (is moto[server] installed? `make pydeps`)")
        }

        func stop() {
            if process.isRunning { process.terminate() }
        }
    }
}
