import Foundation
import GRDB
import Store
import WorkbenchCore

/// Workspace database throughput with the production configuration (WAL, synchronous=NORMAL),
/// on a real file, one transaction per step as the engine checkpoints.
enum StoreBenchmarks {
    static func run(into report: inout BenchReport, corpus: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-bench-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try WorkbenchDatabase.open(Workspace(root: folder), create: true)
        let run = try database.startRun(kind: .generate, configJSON: #"{"bench":true}"#, gitRevision: nil)

        // Pipeline events, one transaction each.
        let eventCount = 5000
        var latencies: [Double] = []
        latencies.reserveCapacity(eventCount)
        let payload = #"{"chapter":3,"metric":"detail_density","value":4.3}"#
        let eventsSeconds = try measure {
            for _ in 0..<eventCount {
                latencies.append(try measure { try database.appendEvent(to: run.id, kind: "chapter.scored", payloadJSON: payload) })
            }
        }
        report.add("store", "event appends, 1 per transaction", Double(eventCount) / eventsSeconds, "events/s")
        report.add("store", "event append latency p50", percentile(latencies, 0.5) * 1000, "ms")
        report.add("store", "event append latency p99", percentile(latencies, 0.99) * 1000, "ms")

        // Chapter versions of ~3,200 words of real prose, one transaction each.
        let chapter = try chapterText(corpus: corpus, words: 3200)
        let bookID = "bench-book"
        try database.write { db in
            try db.execute(sql: "INSERT INTO books (id, run_id, title, chapter_count, status, created_at, updated_at) VALUES (?, ?, 'Bench', 25, 'writing', ?, ?)",
                           arguments: [bookID, run.id, Date(), Date()])
        }
        let versionCount = 500
        let hash = SHA256.hex(of: chapter)
        let versionsSeconds = try measure {
            for index in 0..<versionCount {
                try database.write { db in
                    try db.execute(sql: """
                        INSERT INTO chapter_versions (book_id, chapter, version, origin, text, word_count, text_hash, created_at)
                        VALUES (?, ?, ?, 'generate', ?, 3200, ?, ?)
                        """, arguments: [bookID, index % 25 + 1, index / 25 + 1, chapter, hash, Date()])
                }
            }
        }
        report.add("store", "chapter versions saved (3,200 words each)", Double(versionCount) / versionsSeconds, "versions/s")
        report.add("store", "chapter text written", Double(versionCount * chapter.utf8.count) / versionsSeconds / 1_048_576, "MB/s")

        // Listing: 50 newest of 10,000 runs.
        try database.write { db in
            for index in 0..<10_000 {
                let id = RunID(startedAt: 1_700_000_000 + Double(index), random: UInt32(index))
                try db.execute(sql: """
                    INSERT INTO runs (id, kind, status, config_json, config_hash, workbench_version, started_at, finished_at)
                    VALUES (?, 'generate', 'succeeded', '{}', ?, '0', ?, ?)
                    """, arguments: [id.rawValue, String(repeating: "0", count: 64), Date(timeIntervalSince1970: 1_700_000_000 + Double(index)), Date()])
            }
        }
        var listTimes: [Double] = []
        for _ in 0..<50 { listTimes.append(try measure { _ = try database.runs(limit: 50) }) }
        report.add("store", "runs list, 50 newest of 10,000, p50", percentile(listTimes, 0.5) * 1000, "ms")
    }

    /// The first `words` words of the first corpus novel, or a clear error naming the folder.
    static func chapterText(corpus: String, words: Int) throws -> String {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: corpus).filter { $0.hasSuffix(".txt") }.sorted()) ?? []
        guard let first = files.first else {
            throw BenchError.missingCorpus(corpus)
        }
        let text = try String(contentsOfFile: corpus + "/" + first, encoding: .utf8)
        return text.split(whereSeparator: \.isWhitespace).prefix(words).joined(separator: " ")
    }
}

enum BenchError: Error, CustomStringConvertible {
    case missingCorpus(String)
    case commandFailed(String, Int32)
    var description: String {
        switch self {
        case .missingCorpus(let path): return "no .txt novels in \(path); pass --corpus DIR (the shared corpus folder)"
        case .commandFailed(let command, let status): return "`\(command)` exited \(status)"
        }
    }
}
