import Foundation
import HTTPTypes
import Hummingbird
import Queue
import Store
import WorkbenchCore

extension APIServer {
    /// `GET /api/jobs/{id}/events`: the job's run's stored events as server-sent events, each
    /// with its number in the run as its id, from after `Last-Event-ID` (header, or the
    /// `last_event_id` query parameter) so a client that reconnects misses and repeats
    /// nothing; then live as they are stored; a `ping` every 15 s while idle; closed after
    /// the final `job.done` / `job.dead` / `job.cancelled` event, whose id follows the run's
    /// last. A client that already has the final event gets 204 (EventSource stops retrying).
    func events(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let id = try Self.jobID(context)
        let start = try Self.lastEventID(request)
        let job = try await queue.job(id)
        if let final = try finalEventID(job), start >= final { return Response(status: .noContent) }
        let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no"]
        return Response(status: .ok, headers: headers, body: ResponseBody { [self] writer in
            metrics.streamOpened()
            defer { metrics.streamClosed() }
            var cursor = start
            var lastWrite = Date()
            try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
            while !isShuttingDown, !Task.isCancelled {
                let seen = signal.generation
                let job = try await queue.job(id)
                var wrote = false
                if let run = job.runID {
                    let batch = try database.events(of: run, afterSeq: cursor, limit: 200)
                    if !batch.isEmpty {
                        var text = ""
                        for event in batch { text += Self.frame(event) }
                        try await writer.write(ByteBuffer(string: text))
                        cursor = batch.last!.seq
                        wrote = true
                        if batch.count == 200 { continue }
                    }
                }
                if let final = try finalEventID(job) {
                    // Events stored after the final one was numbered are sent first.
                    if let run = job.runID, try database.lastEventSeq(of: run) > cursor { continue }
                    try await writer.write(ByteBuffer(string: Self.frame(id: final, kind: "job.\(job.status.rawValue)", data: Self.jsonData(jobJSON(job)))))
                    break
                }
                if wrote { lastWrite = Date() }
                if Date().timeIntervalSince(lastWrite) >= settings.pingInterval {
                    try await writer.write(ByteBuffer(string: "event: ping\ndata: {\"at\":\"\(Self.isoString(Date()))\"}\n\n"))
                    lastWrite = Date()
                }
                let untilPing = max(0.01, settings.pingInterval - Date().timeIntervalSince(lastWrite))
                await signal.wait(since: seen, timeout: min(settings.streamPoll, .milliseconds(Int(untilPing * 1000))))
            }
            try await writer.finish(nil)
        })
    }

    /// The final event's id once the job has ended and its run stopped writing: one past the
    /// run's last event (1 for a job that never had a run); nil while it may still change.
    func finalEventID(_ job: Job) throws -> Int? {
        guard job.status.isFinal else { return nil }
        guard let run = job.runID else { return 1 }
        // A run still open is still writing (a cancelled job's run stops a moment after the job;
        // a done job's closed before it): its last events come first. A run left open by a
        // killed process is waited for 10 s at most.
        if let record = try? database.run(matching: run.rawValue), record.status == .running, Date().timeIntervalSince(job.updatedAt) < 10 {
            return nil
        }
        return try database.lastEventSeq(of: run) + 1
    }

    /// The `Last-Event-ID` header, else the `last_event_id` query parameter (EventSource cannot
    /// set headers on its first connection); each checked when given; 0 when neither is.
    static func lastEventID(_ request: Request) throws -> Int {
        func parse(_ text: String?, _ name: String) throws -> Int? {
            guard let text else { return nil }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), (0...Int(Int32.max)).contains(value) else {
                throw APIError.invalidQuery(parameter: name, message: "\"\(text.prefix(40))\" is not an event id", fix: "send the id of the last event received, or none")
            }
            return value
        }
        let header = try parse(request.headers[lastEventIDName], "Last-Event-ID")
        let query = try parse(query(request, "last_event_id"), "last_event_id")
        return header ?? query ?? 0
    }

    /// One stored event: its number as the id, its kind as the event name, and its payload
    /// with the number, kind and time around it.
    static func frame(_ event: EventRecord) -> String {
        let data = "{\"seq\":\(event.seq),\"kind\":\"\(event.kind)\",\"at\":\"\(isoString(event.at))\",\"payload\":\(event.payloadJSON.replacingOccurrences(of: "\n", with: " "))}"
        return "id: \(event.seq)\nevent: \(event.kind)\ndata: \(data)\n\n"
    }

    static func frame(id: Int, kind: String, data: Data) -> String {
        "id: \(id)\nevent: \(kind)\ndata: \(String(decoding: data, as: UTF8.self))\n\n"
    }
}
