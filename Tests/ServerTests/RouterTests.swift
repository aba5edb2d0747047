import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Queue
import Server
import Store
import Testing
import WorkbenchCore

@Suite("REST API routes, in-process")
struct RouterTests {
    @Test func healthIsOpenAndEverythingElseNeedsTheToken() async throws {
        let fixture = try ServerFixture()
        defer { fixture.delete() }
        try await fixture.test { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok && $0.json["status"] as? String == "ok") }
            for uri in ["/api/jobs", "/api/queue", "/metrics", "/api/openapi.json", "/static/app.js", "/api/nothing"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .unauthorized, "\(uri)")
                    #expect(response.errorCode == "missing_token" && response.errorShapeIsRight, "\(uri)")
                }
            }
            try await client.execute(uri: "/api/jobs", method: .get, headers: [.authorization: "Bearer wb_not-it"]) {
                #expect($0.status == .unauthorized && $0.errorCode == "wrong_token")
            }
            try await client.execute(uri: "/api/jobs", method: .get, headers: fixture.auth) { #expect($0.status == .ok) }
            // The page's first load takes the token into a cookie, which then serves every route.
            try await client.execute(uri: "/?token=\(fixture.token)", method: .get) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.setCookie]?.contains("HttpOnly") == true && response.headers[.setCookie]?.contains("SameSite=Strict") == true)
            }
            try await client.execute(uri: "/api/queue", method: .get, headers: [.cookie: "workbench_token=\(fixture.token)"]) { #expect($0.status == .ok) }
            try await client.execute(uri: "/", method: .get, headers: [.accept: "text/html"]) { response in
                #expect(response.status == .unauthorized && response.text.contains("--rotate-token"))
            }
        }
    }

    @Test func aMutationNeedsTheCSRFHeader() async throws {
        let fixture = try ServerFixture()
        defer { fixture.delete() }
        try await fixture.test { client in
            var headers = fixture.auth
            headers[.contentType] = "application/json"
            try await client.execute(uri: "/api/books", method: .post, headers: headers, body: ServerFixture.body(["premise": "A keeper"])) { response in
                #expect(response.status == .forbidden && response.errorCode == "missing_csrf_header")
            }
        }
        #expect(try await fixture.server.queue.jobs(status: nil).isEmpty)
    }

    @Test func aBookIsQueuedAndReadBackWithItsLinks() async throws {
        let fixture = try ServerFixture()
        defer { fixture.delete() }
        try await fixture.test { client in
            let created = try await client.execute(uri: "/api/books", method: .post, headers: fixture.mutation,
                                                   body: ServerFixture.body(["premise": "A keeper finds a letter", "chapters": 2, "words": 300, "genre": "thriller"]))
            #expect(created.status == .accepted)
            let id = try #require(created.json["id"] as? Int)
            #expect(created.headers[.location] == "/api/jobs/\(id)")
            #expect(created.json["status"] as? String == "pending" && created.json["kind"] as? String == "book" && created.json["genre"] as? String == "thriller")
            let shown = try await client.execute(uri: "/api/jobs/\(id)", method: .get, headers: fixture.auth)
            #expect(shown.status == .ok && (shown.json["links"] as? [String: Any])?["events"] as? String == "/api/jobs/\(id)/events")
            #expect((shown.json["progress"] as? [String: Any])?["chapters_done"] as? Int == 0)
        }
        let job = try #require(try await fixture.server.queue.jobs(status: nil).first)
        #expect(job.spec.chapters == 2 && job.spec.words == 300 && job.spec.genre == "thriller")
    }

    @Test func aChapterRequestBecomesAOneChapterJob() async throws {
        let fixture = try ServerFixture()
        defer { fixture.delete() }
        try await fixture.test { client in
            let body = ["outline": ServerFixture.outlineJSON(chapters: 3), "chapter_num": 2, "quality_target": 7.5, "word_count": 400] as [String: Any]
            let response = try await client.execute(uri: "/api/generate/chapter", method: .post, headers: fixture.mutation, body: ServerFixture.body(body))
            #expect(response.status == .accepted && response.json["kind"] as? String == "chapter" && response.json["chapter_num"] as? Int == 2)
            var missing = body
            missing["chapter_num"] = 7
            try await client.execute(uri: "/api/generate/chapter", method: .post, headers: fixture.mutation, body: ServerFixture.body(missing)) { response in
                #expect(response.status == .unprocessableContent && response.errorCode == "invalid_value")
                #expect((response.json["error"] as? [String: Any])?["fix"] as? String == "give one of 1, 2, 3")
            }
        }
        let job = try #require(try await fixture.server.queue.jobs(status: nil).first)
        #expect(job.spec.chapter == 2 && job.spec.qualityTarget == 7.5 && job.spec.words == 400)
    }

    @Test func aRegressRequestBecomesARegressJobWithTheGatesSettings() async throws {
        let fixture = try ServerFixture()
        defer { fixture.delete() }
        try await fixture.test { client in
            let body = ["baseline": "sim-v3.0", "samples": 1, "metrics": ["quality"], "per_chapter": true, "alpha": 0.1, "threshold": 0.8, "priority": 5] as [String: Any]
            let response = try await client.execute(uri: "/api/regress", method: .post, headers: fixture.mutation, body: ServerFixture.body(body))
            #expect(response.status == .accepted && response.json["kind"] as? String == "regress", "\(response.text)")
            #expect((response.json["source"] as? [String: Any])?["baseline"] as? String == "sim-v3.0" && response.json["title"] as? String == "regress sim-v3.0")
        }
        let job = try #require(try await fixture.server.queue.jobs(status: nil).first)
        guard case .regress(let request) = job.spec.source else { Issue.record("not a regress job: \(job.spec.source)"); return }
        #expect(request.baseline == "sim-v3.0" && request.samples == 1 && request.metrics == ["quality"] && request.perChapter && request.alpha == 0.1 && request.threshold == 0.8)
        #expect(request.baselinesFolder == ServerFixture.repository.appendingPathComponent("Baselines").standardized.path, "kept absolute, so a restart elsewhere finds it")
        #expect(request.experiment == nil && job.spec.experiment.hasSuffix("Experiments/regress-sim.yaml"), "by default the experiment the baseline was made from")
        #expect(job.spec.priority == 5)
    }

    @Test(arguments: [
        ("{}", "missing_field", 400),
        ("{\"baseline\": 3}", "wrong_type", 400),
        ("{\"baseline\": \"v9.9\"}", "invalid_value", 422),
        ("{\"baseline\": \"../Baselines/v3.0\"}", "invalid_value", 422),
        ("{\"baseline\": \"sim-v3.0\", \"metrics\": [\"charm\"]}", "invalid_value", 422),
        ("{\"baseline\": \"sim-v3.0\", \"metrics\": []}", "invalid_value", 422),
        ("{\"baseline\": \"sim-v3.0\", \"metrics\": \"quality\"}", "wrong_type", 400),
        ("{\"baseline\": \"sim-v3.0\", \"metrics\": [1]}", "wrong_type", 400),
        ("{\"baseline\": \"sim-v3.0\", \"per_chapter\": 1}", "wrong_type", 400),
        ("{\"baseline\": \"sim-v3.0\", \"alpha\": 0.5}", "invalid_value", 422),
        ("{\"baseline\": \"sim-v3.0\", \"samples\": 0}", "invalid_value", 422),
        ("{\"baseline\": \"sim-v3.0\", \"experiment\": \"../sim\"}", "invalid_value", 422),
        ("{\"baseline\": \"sim-v3.0\", \"experiment\": \"no-such-experiment\"}", "invalid_value", 422),
        ("{\"baseline\": \"sim-v3.0\", \"prompts\": \"/etc\"}", "unknown_field", 400),
    ])
    func badRegressBodiesGetTheRight4xxAndQueueNothing(body: String, code: String, status: Int) async throws {
        try await Self.expectRefused(body, at: "/api/regress", code: code, status: status)
    }

    @Test(arguments: [
        ("{\"premise\": ", "invalid_json", 400),
        ("[1, 2]", "invalid_json", 400),
        ("", "invalid_json", 400),
        ("{\"premise\": 5}", "wrong_type", 400),
        ("{\"premise\": \"x\", \"chapters\": \"two\"}", "wrong_type", 400),
        ("{\"premise\": \"x\", \"chapters\": true}", "wrong_type", 400),
        ("{\"premise\": \"x\", \"chapters\": 2.5}", "wrong_type", 400),
        ("{\"premise\": \"x\", \"nonsense\": 1}", "unknown_field", 400),
        ("{}", "missing_field", 400),
        ("{\"premise\": \"x\", \"text\": \"y\"}", "invalid_value", 422),
        ("{\"premise\": \"x\", \"chapters\": 0}", "invalid_value", 422),
        ("{\"premise\": \"   \"}", "invalid_value", 422),
        ("{\"premise\": \"x\", \"experiment\": \"../../etc/passwd\"}", "invalid_value", 422),
        ("{\"premise\": \"x\", \"experiment\": \"no-such-experiment\"}", "invalid_value", 422),
        ("{\"premise\": \"x\", \"genre\": \"no-such-genre\"}", "invalid_value", 422),
        ("{\"outline\": {\"title\": \"t\"}}", "invalid_value", 422),
    ])
    func badBodiesGetTheRight4xxAndWriteNothing(body: String, code: String, status: Int) async throws {
        try await Self.expectRefused(body, at: "/api/books", code: code, status: status)
    }

    /// POSTs `body` to `route`: the error answer of that status and code, and nothing queued.
    static func expectRefused(_ body: String, at route: String, code: String, status: Int) async throws {
        let fixture = try ServerFixture()
        defer { fixture.delete() }
        try await fixture.test { client in
            let response = try await client.execute(uri: route, method: .post, headers: fixture.mutation, body: ByteBuffer(string: body))
            #expect(response.status.code == status && response.errorCode == code && response.errorShapeIsRight, "\(body): \(response.status) \(response.text)")
        }
        #expect(try await fixture.server.queue.jobs(status: nil).isEmpty)
    }

    @Test func aBodyOverTheLimitIs413AndAnotherContentTypeIs415() async throws {
        let fixture = try ServerFixture(bodyLimit: 2048)
        defer { fixture.delete() }
        try await fixture.test { client in
            let big = "{\"premise\": \"" + String(repeating: "a", count: 5000) + "\"}"
            try await client.execute(uri: "/api/books", method: .post, headers: fixture.mutation, body: ByteBuffer(string: big)) { response in
                #expect(response.status == .contentTooLarge && response.errorCode == "body_too_large")
            }
            var form = fixture.mutation
            form[.contentType] = "text/plain"
            try await client.execute(uri: "/api/books", method: .post, headers: form, body: ByteBuffer(string: "{\"premise\": \"x\"}")) { response in
                #expect(response.status == .unsupportedMediaType && response.errorCode == "unsupported_media_type")
            }
        }
        #expect(try await fixture.server.queue.jobs(status: nil).isEmpty)
    }

    @Test func idsAreCheckedBeforeAnyLookupAndUnknownOnesAre404() async throws {
        let fixture = try ServerFixture()
        defer { fixture.delete() }
        try await fixture.test { client in
            for uri in ["/api/jobs/abc", "/api/jobs/0", "/api/jobs/-1", "/api/jobs/..%2F..%2Fetc", "/api/books/..%2Fpasswd", "/api/books/a.b/report", "/api/runs/%2Fetc%2Fpasswd"] {
                try await client.execute(uri: uri, method: .get, headers: fixture.auth) { response in
                    #expect(response.status == .badRequest && response.errorCode == "invalid_id", "\(uri): \(response.status)")
                }
            }
            for uri in ["/api/jobs/999", "/api/books/missing-book", "/api/runs/20260101-000000-000000", "/api/books/x/manuscript"] {
                try await client.execute(uri: uri, method: .get, headers: fixture.auth) { response in
                    #expect(response.status == .notFound && response.errorCode == "not_found", "\(uri): \(response.status)")
                }
            }
            try await client.execute(uri: "/api/jobs/1", method: .delete, headers: fixture.mutation) { response in
                #expect(response.status == .methodNotAllowed && response.headers[.allow] == "GET")
            }
            try await client.execute(uri: "/api/nowhere", method: .get, headers: fixture.auth) { #expect($0.status == .notFound && $0.errorCode == "route_not_found") }
        }
    }

    @Test func listsPageWithACursorAndNeitherSkipNorRepeat() async throws {
        let fixture = try ServerFixture()
        defer { fixture.delete() }
        let experiment = ServerFixture.repository.appendingPathComponent("Experiments/sim.yaml").path
        _ = try await fixture.server.queue.enqueue((1...7).map { NewJob(source: .premise("book \($0)"), sourceName: "test", experiment: experiment) }, at: Date())
        try await fixture.test { client in
            var seen: [Int] = []
            var cursor: String?
            repeat {
                let uri = "/api/jobs?limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await client.execute(uri: uri, method: .get, headers: fixture.auth)
                #expect(page.status == .ok)
                seen += (page.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
                cursor = page.json["next_cursor"] as? String
            } while cursor != nil
            #expect(seen == Array((1...7).reversed()))
            try await client.execute(uri: "/api/jobs?cursor=not-a-cursor", method: .get, headers: fixture.auth) { #expect($0.status == .badRequest && $0.errorCode == "invalid_query") }
            try await client.execute(uri: "/api/jobs?limit=0", method: .get, headers: fixture.auth) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/jobs?status=pending,bogus", method: .get, headers: fixture.auth) { #expect($0.status == .badRequest) }
        }
    }

    @Test func responsesCarryETagsAndAMatchIs304() async throws {
        let fixture = try ServerFixture()
        defer { fixture.delete() }
        try await fixture.test { client in
            let first = try await client.execute(uri: "/api/queue", method: .get, headers: fixture.auth)
            let tag = try #require(first.headers[.eTag])
            var headers = fixture.auth
            headers[.ifNoneMatch] = tag
            try await client.execute(uri: "/api/queue", method: .get, headers: headers) { #expect($0.status == .notModified && $0.body.readableBytes == 0) }
            try await client.execute(uri: "/api/queue/pause", method: .post, headers: fixture.mutation) { #expect($0.status == .ok && $0.json["paused"] as? Bool == true) }
            try await client.execute(uri: "/api/queue", method: .get, headers: headers) { response in
                #expect(response.status == .ok && response.headers[.eTag] != tag && response.json["paused"] as? Bool == true)
            }
        }
    }

    @Test func cancelStopsAPendingJobOnceAndItsStreamEndsWithTheFinalEvent() async throws {
        let fixture = try ServerFixture()
        defer { fixture.delete() }
        try await fixture.test { client in
            let created = try await client.execute(uri: "/api/books", method: .post, headers: fixture.mutation, body: ServerFixture.body(["premise": "A keeper"]))
            let id = try #require(created.json["id"] as? Int)
            try await client.execute(uri: "/api/jobs/\(id)/cancel", method: .post, headers: fixture.mutation) { #expect($0.status == .ok && $0.json["status"] as? String == "cancelled") }
            try await client.execute(uri: "/api/jobs/\(id)/cancel", method: .post, headers: fixture.mutation) { #expect($0.status == .conflict && $0.errorCode == "conflict") }
            try await client.execute(uri: "/api/jobs/\(id)/result", method: .get, headers: fixture.auth) { #expect($0.status == .conflict) }
            let stream = try await client.execute(uri: "/api/jobs/\(id)/events", method: .get, headers: fixture.auth)
            #expect(stream.status == .ok && stream.headers[.contentType] == "text/event-stream")
            #expect(stream.text.contains("id: 1\nevent: job.cancelled\n"))
            var replay = fixture.auth
            replay[HTTPField.Name("Last-Event-ID")!] = "1"
            try await client.execute(uri: "/api/jobs/\(id)/events", method: .get, headers: replay) { #expect($0.status == .noContent) }
        }
    }

    @Test func theOpenAPIDocumentListsExactlyTheRouterRoutes() async throws {
        let fixture = try ServerFixture()
        defer { fixture.delete() }
        try await fixture.test { client in
            let response = try await client.execute(uri: "/api/openapi.json", method: .get, headers: fixture.auth)
            #expect(response.json["openapi"] as? String == "3.1.0")
            let paths = try #require(response.json["paths"] as? [String: [String: Any]])
            var documented: Set<String> = []
            for (path, operations) in paths {
                let pattern = path.replacingOccurrences(of: #"\{([a-z_]+)\}"#, with: ":$1", options: .regularExpression)
                for method in operations.keys { documented.insert(method.uppercased() + " " + pattern) }
            }
            let served = Set(APIServer.routes.map { "\($0.method.rawValue) \($0.path)" })
            #expect(documented == served)
        }
    }

    @Test func metricsAreInPrometheusTextFormat() async throws {
        let fixture = try ServerFixture()
        defer { fixture.delete() }
        try await fixture.test { client in
            _ = try await client.execute(uri: "/api/books", method: .post, headers: fixture.mutation, body: ServerFixture.body(["premise": "A keeper"]))
            let response = try await client.execute(uri: "/metrics", method: .get, headers: fixture.auth)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(response.text.contains("workbench_jobs{status=\"pending\"} 1\n"))
            #expect(response.text.contains("# TYPE workbench_llm_latency_seconds histogram"))
            #expect(response.text.contains("workbench_http_requests_total{route=\"/api/books\",method=\"POST\",status=\"202\"} 1"))
            _ = try await client.execute(uri: "/api/jobs/999", method: .get, headers: fixture.auth)
            let again = try await client.execute(uri: "/metrics", method: .get, headers: fixture.auth)
            #expect(again.text.contains("workbench_http_requests_total{route=\"/api/jobs/{id}\",method=\"GET\",status=\"404\"} 1"), "\(again.text)")
        }
    }

    @Test func theDashboardIsServedWithItsOwnFilesOnly() async throws {
        let fixture = try ServerFixture()
        defer { fixture.delete() }
        try await fixture.test { client in
            let page = try await client.execute(uri: "/", method: .get, headers: fixture.auth)
            #expect(page.status == .ok && page.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
            #expect(page.text.contains("/static/app.js") && !page.text.contains("http://") && !page.text.contains("https://"))
            try await client.execute(uri: "/static/app.js", method: .get, headers: fixture.auth) { #expect($0.status == .ok && $0.text.contains("EventSource")) }
            try await client.execute(uri: "/static/app.css", method: .get, headers: fixture.auth) { #expect($0.status == .ok) }
        }
    }

    @Test func baselinesAndABTestsAreListedAndShown() async throws {
        let fixture = try ServerFixture()
        defer { fixture.delete() }
        try await fixture.test { client in
            let list = try await client.execute(uri: "/api/baselines", method: .get, headers: fixture.auth)
            let items = try #require(list.json["items"] as? [[String: Any]])
            let v3 = try #require(items.first { $0["version"] as? String == "v3.0" })
            #expect((v3["chapters_count"] as? Int ?? 0) > 0 && v3["mean_quality"] is Double)
            let shown = try await client.execute(uri: "/api/baselines/v3.0", method: .get, headers: fixture.auth)
            #expect(shown.status == .ok && ((shown.json["chapters"] as? [[String: Any]])?.first?["metrics"] as? [String: Any])?["quality"] != nil)
            try await client.execute(uri: "/api/baselines/v9.9", method: .get, headers: fixture.auth) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/baselines/..", method: .get, headers: fixture.auth) { #expect($0.status == .badRequest || $0.status == .notFound) }
            try await client.execute(uri: "/api/baselines/%2E%2E%2Fetc", method: .get, headers: fixture.auth) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/abtests", method: .get, headers: fixture.auth) { #expect($0.status == .ok && ($0.json["items"] as? [Any])?.isEmpty == true) }
            // A regress verdict against v3.0 (as `workbench regress` stores it) is the baseline's history.
            let run = try fixture.database.startRun(kind: .regress, configJSON: "{}", gitRevision: nil)
            try fixture.database.appendEvent(to: run.id, kind: "regress.verdict",
                                             payloadJSON: #"{"baseline":"v3.0","passed":false,"summary":"FAIL: 1 regression","current":"now (v2)","failed_rows":1,"cost_usd":0.5}"#)
            let history = try await client.execute(uri: "/api/baselines/v3.0", method: .get, headers: fixture.auth)
            let verdicts = try #require(history.json["history"] as? [[String: Any]])
            #expect(verdicts.count == 1 && verdicts[0]["passed"] as? Bool == false && verdicts[0]["run_id"] as? String == run.id.rawValue)
            let listed = try await client.execute(uri: "/api/baselines", method: .get, headers: fixture.auth)
            let v3Again = (listed.json["items"] as? [[String: Any]])?.first { $0["version"] as? String == "v3.0" }
            #expect((v3Again?["last_regress"] as? [String: Any])?["summary"] as? String == "FAIL: 1 regression")
            try await client.execute(uri: "/api/abtests/20260101-000000-000000", method: .get, headers: fixture.auth) { #expect($0.status == .notFound) }
        }
    }
}
