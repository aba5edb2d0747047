import Foundation
import HTTPTypes
import Hummingbird
import Queue
import Store

extension APIServer {
    /// `GET /metrics` in Prometheus' text format: the queue's jobs by status, the workspace's
    /// model calls, tokens, cost and call latencies (from the call log, so they survive a
    /// restart), and this server's requests, their durations and its open event streams.
    func metricsText() async throws -> Response {
        var lines: [String] = []
        func family(_ name: String, _ type: String, _ help: String) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
        }
        let counts = try await queue.counts()
        family("workbench_jobs", "gauge", "Queued jobs by status.")
        for status in JobStatus.allCases { lines.append("workbench_jobs{status=\"\(status.rawValue)\"} \(counts[status] ?? 0)") }
        family("workbench_queue_paused", "gauge", "1 while the queue is paused.")
        let paused = try await queue.isPaused()
        lines.append("workbench_queue_paused \(paused ? 1 : 0)")

        let bounds: [Double] = [50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000]
        let calls = try database.callTotals(latencyBounds: bounds)
        family("workbench_llm_calls_total", "counter", "Model calls by provider and outcome.")
        for line in calls.lines {
            lines.append("workbench_llm_calls_total{provider=\"\(Self.label(line.provider))\",outcome=\"\(Self.label(line.outcome))\"} \(line.calls)")
        }
        family("workbench_llm_tokens_total", "counter", "Tokens by provider and kind.")
        for (provider, lineGroup) in Dictionary(grouping: calls.lines, by: \.provider).sorted(by: { $0.key < $1.key }) {
            lines.append("workbench_llm_tokens_total{provider=\"\(Self.label(provider))\",kind=\"prompt\"} \(lineGroup.map(\.promptTokens).reduce(0, +))")
            lines.append("workbench_llm_tokens_total{provider=\"\(Self.label(provider))\",kind=\"completion\"} \(lineGroup.map(\.completionTokens).reduce(0, +))")
        }
        family("workbench_llm_cost_usd_total", "counter", "Spend in USD by provider.")
        for (provider, lineGroup) in Dictionary(grouping: calls.lines, by: \.provider).sorted(by: { $0.key < $1.key }) {
            lines.append("workbench_llm_cost_usd_total{provider=\"\(Self.label(provider))\"} \(lineGroup.map(\.costUSD).reduce(0, +))")
        }
        family("workbench_llm_latency_seconds", "histogram", "Model call latency.")
        for bucket in calls.latencyBuckets {
            lines.append("workbench_llm_latency_seconds_bucket{le=\"\(bucket.upperBoundMS / 1000)\"} \(bucket.count)")
        }
        lines.append("workbench_llm_latency_seconds_bucket{le=\"+Inf\"} \(calls.latencyCount)")
        lines.append("workbench_llm_latency_seconds_sum \(calls.latencySumMS / 1000)")
        lines.append("workbench_llm_latency_seconds_count \(calls.latencyCount)")

        let requests = metrics.state.withLock { $0 }
        family("workbench_http_requests_total", "counter", "Requests served by route, method and status.")
        for (key, count) in requests.counts.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }) {
            lines.append("workbench_http_requests_total{route=\"\(Self.label(key.route))\",method=\"\(key.method)\",status=\"\(key.status)\"} \(count)")
        }
        family("workbench_http_request_duration_seconds", "histogram", "Time to a response's head.")
        for (bound, count) in zip(RequestMetrics.bounds, requests.buckets) { lines.append("workbench_http_request_duration_seconds_bucket{le=\"\(bound)\"} \(count)") }
        lines.append("workbench_http_request_duration_seconds_bucket{le=\"+Inf\"} \(requests.total)")
        lines.append("workbench_http_request_duration_seconds_sum \(requests.sum)")
        lines.append("workbench_http_request_duration_seconds_count \(requests.total)")
        family("workbench_event_streams", "gauge", "Event streams open now.")
        lines.append("workbench_event_streams \(requests.openStreams)")
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: lines.joined(separator: "\n") + "\n")))
    }

    /// A label value with `\`, `"` and newlines escaped.
    static func label(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
