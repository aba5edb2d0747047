import Foundation

/// `GET /api/openapi.json`: the API as OpenAPI 3.1. The tests check that every route the
/// router has is here and the reverse, and schemathesis checks the server against it.
enum OpenAPIDocument {
    static let json: String = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "workbench",
    "version": "1.0.0",
    "description": "Books and chapters written by the workbench's engine through its queue, their live events, runs, reports and metrics. Every route but /healthz needs the bearer token `workbench serve` printed; every POST also needs the header X-Workbench-CSRF. Errors have one shape: {\"error\": {\"code\", \"message\", \"fix\"}}."
  },
  "servers": [{"url": "/"}],
  "security": [{"bearer": []}],
  "paths": {
    "/healthz": {
      "get": {
        "operationId": "health", "summary": "Whether the server is up (no token needed).", "security": [],
        "responses": {
          "200": {"description": "Up.", "content": {"application/json": {"schema": {"type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}}}}},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/metrics": {
      "get": {
        "operationId": "metrics", "summary": "Prometheus metrics: jobs, model calls, tokens, cost, latencies, requests.",
        "responses": {
          "200": {"description": "Prometheus text format 0.0.4.", "content": {"text/plain": {"schema": {"type": "string"}}}},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/openapi.json": {
      "get": {
        "operationId": "openapi", "summary": "This document.",
        "responses": {
          "200": {"description": "OpenAPI 3.1.", "content": {"application/json": {"schema": {"type": "object"}}}},
          "304": {"description": "Not modified (If-None-Match)."},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/generate/chapter": {
      "post": {
        "operationId": "generateChapter", "summary": "Write one chapter of an outline (queued as a job).",
        "parameters": [
          {"name": "wait", "in": "query", "schema": {"type": "boolean"}, "description": "Answer with the chapter when it is written instead of 202."},
          {"name": "timeout", "in": "query", "schema": {"type": "number", "exclusiveMinimum": 0, "maximum": 3600}, "description": "Seconds to wait with wait=true (default 600); then 202."}
        ],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChapterRequest"}}}},
        "responses": {
          "200": {"description": "The chapter (wait=true).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChapterResult"}}}},
          "202": {"description": "Queued.", "headers": {"Location": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/books": {
      "post": {
        "operationId": "createBook", "summary": "Write a book from a premise, an outline or a source text (queued as a job).",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BookRequest"}}}},
        "responses": {
          "202": {"description": "Queued.", "headers": {"Location": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
          "default": {"$ref": "#/components/responses/Error"}
        }
      },
      "get": {
        "operationId": "listBooks", "summary": "Books, newest first.",
        "parameters": [{"$ref": "#/components/parameters/limit"}, {"$ref": "#/components/parameters/cursor"}],
        "responses": {
          "200": {"description": "A page.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BookPage"}}}},
          "304": {"description": "Not modified (If-None-Match)."},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/books/{id}": {
      "get": {
        "operationId": "getBook", "summary": "A book: its chapters with quality, words and metrics.",
        "parameters": [{"$ref": "#/components/parameters/storeID"}],
        "responses": {
          "200": {"description": "The book.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BookDetail"}}}},
          "304": {"description": "Not modified (If-None-Match)."},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/books/{id}/manuscript": {
      "get": {
        "operationId": "getManuscript", "summary": "The book's manuscript (Markdown).",
        "parameters": [{"$ref": "#/components/parameters/storeID"}],
        "responses": {
          "200": {"description": "Markdown.", "content": {"text/markdown": {"schema": {"type": "string"}}}},
          "304": {"description": "Not modified (If-None-Match)."},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/books/{id}/report": {
      "get": {
        "operationId": "getReport", "summary": "The book's quality report.",
        "parameters": [{"$ref": "#/components/parameters/storeID"},
                       {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["html", "md", "json"], "default": "html"}}],
        "responses": {
          "200": {"description": "The report.", "content": {"text/html": {"schema": {"type": "string"}}, "text/markdown": {"schema": {"type": "string"}}, "application/json": {"schema": {"type": "object"}}}},
          "304": {"description": "Not modified (If-None-Match)."},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/jobs": {
      "get": {
        "operationId": "listJobs", "summary": "Jobs, newest first.",
        "parameters": [{"$ref": "#/components/parameters/limit"}, {"$ref": "#/components/parameters/cursor"},
                       {"name": "status", "in": "query", "schema": {"type": "string"}, "description": "Comma-separated statuses: pending, running, done, dead, cancelled."}],
        "responses": {
          "200": {"description": "A page.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JobPage"}}}},
          "304": {"description": "Not modified (If-None-Match)."},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/jobs/{id}": {
      "get": {
        "operationId": "getJob", "summary": "A job, with its progress.",
        "parameters": [{"$ref": "#/components/parameters/jobID"}],
        "responses": {
          "200": {"description": "The job.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
          "304": {"description": "Not modified (If-None-Match)."},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/jobs/{id}/result": {
      "get": {
        "operationId": "getJobResult", "summary": "A done job's result: a chapter job's chapter, a book job's figures, a regress job's verdict (409 until done).",
        "parameters": [{"$ref": "#/components/parameters/jobID"}],
        "responses": {
          "200": {"description": "The result.", "content": {"application/json": {"schema": {"oneOf": [
            {"$ref": "#/components/schemas/ChapterResult"}, {"$ref": "#/components/schemas/RegressResult"}]}}}},
          "304": {"description": "Not modified (If-None-Match)."},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/jobs/{id}/cancel": {
      "post": {
        "operationId": "cancelJob", "summary": "Cancel a pending or running job (its calls stop within a second).",
        "parameters": [{"$ref": "#/components/parameters/jobID"}],
        "responses": {
          "200": {"description": "Cancelled.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/jobs/{id}/events": {
      "get": {
        "operationId": "jobEvents", "summary": "The job's events as server-sent events: replayed after Last-Event-ID, live, a ping every 15 s, closed after the final job.* event.",
        "parameters": [{"$ref": "#/components/parameters/jobID"},
                       {"name": "Last-Event-ID", "in": "header", "schema": {"type": "integer", "minimum": 0, "maximum": 2147483647}},
                       {"name": "last_event_id", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 2147483647}}],
        "responses": {
          "200": {"description": "An event stream: each event's data is JSON ({seq, kind, at, payload} for the run's events, the job for job.*, {at} for ping).",
                  "content": {"text/event-stream": {"schema": {"type": "object", "required": ["data"],
                    "properties": {"data": {"type": "string"}, "event": {"type": "string"}, "id": {"type": "string", "pattern": "^[0-9]+$"}}}}}},
          "204": {"description": "The client has the final event already."},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/runs": {
      "get": {
        "operationId": "listRuns", "summary": "Runs, newest first.",
        "parameters": [{"$ref": "#/components/parameters/limit"}, {"$ref": "#/components/parameters/cursor"}],
        "responses": {
          "200": {"description": "A page.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunPage"}}}},
          "304": {"description": "Not modified (If-None-Match)."},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/runs/{id}": {
      "get": {
        "operationId": "getRun", "summary": "A run with its calls, tokens and cost.",
        "parameters": [{"$ref": "#/components/parameters/storeID"}],
        "responses": {
          "200": {"description": "The run.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}}},
          "304": {"description": "Not modified (If-None-Match)."},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/abtests": {
      "get": {
        "operationId": "listABTests", "summary": "A/B tests (runs of `workbench abtest`), newest first.",
        "parameters": [{"$ref": "#/components/parameters/limit"}, {"$ref": "#/components/parameters/cursor"}],
        "responses": {
          "200": {"description": "A page.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunPage"}}}},
          "304": {"description": "Not modified (If-None-Match)."},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/abtests/{id}": {
      "get": {
        "operationId": "getABTest", "summary": "An A/B test's analysis: arms, samples, differences, intervals, p-values, verdicts (HTML with its plots).",
        "parameters": [{"$ref": "#/components/parameters/storeID"},
                       {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "html", "md"], "default": "json"}}],
        "responses": {
          "200": {"description": "The analysis.", "content": {"application/json": {"schema": {"type": "object"}}, "text/html": {"schema": {"type": "string"}}, "text/markdown": {"schema": {"type": "string"}}}},
          "304": {"description": "Not modified (If-None-Match)."},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/baselines": {
      "get": {
        "operationId": "listBaselines", "summary": "The frozen baselines: suite, samples, scorer, provenance, mean quality.",
        "responses": {
          "200": {"description": "Every baseline.", "content": {"application/json": {"schema": {"type": "object", "required": ["items"],
            "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Baseline"}}, "next_cursor": {"type": "null"}}}}}},
          "304": {"description": "Not modified (If-None-Match)."},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/baselines/{version}": {
      "get": {
        "operationId": "getBaseline", "summary": "A baseline with each suite chapter's metric means and its regress history (every `workbench regress` verdict against it, newest first).",
        "parameters": [{"name": "version", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$"}}],
        "responses": {
          "200": {"description": "The baseline.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Baseline"}}}},
          "304": {"description": "Not modified (If-None-Match)."},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/regress": {
      "post": {
        "operationId": "createRegress", "summary": "Re-run a baseline's suite and check it against the baseline, as `workbench regress` does (queued as a job).",
        "parameters": [
          {"name": "wait", "in": "query", "schema": {"type": "boolean"}, "description": "Answer with the verdict when the run is checked instead of 202."},
          {"name": "timeout", "in": "query", "schema": {"type": "number", "exclusiveMinimum": 0, "maximum": 3600}, "description": "Seconds to wait with wait=true (default 600); then 202."}
        ],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RegressRequest"}}}},
        "responses": {
          "200": {"description": "The verdict (wait=true).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RegressResult"}}}},
          "202": {"description": "Queued.", "headers": {"Location": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/queue": {
      "get": {
        "operationId": "getQueue", "summary": "The queue: paused or not, jobs by status, the processor, the running jobs.",
        "responses": {
          "200": {"description": "The queue.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Queue"}}}},
          "304": {"description": "Not modified (If-None-Match)."},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/queue/pause": {
      "post": {
        "operationId": "pauseQueue", "summary": "Take no new job (running ones go on).",
        "responses": {
          "200": {"description": "Paused.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Paused"}}}},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/queue/resume": {
      "post": {
        "operationId": "resumeQueue", "summary": "Take new jobs again.",
        "responses": {
          "200": {"description": "Resumed.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Paused"}}}},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/": {
      "get": {
        "operationId": "dashboard", "summary": "The web dashboard (the first load may bring ?token=, which sets a cookie and redirects).",
        "parameters": [{"name": "token", "in": "query", "schema": {"type": "string"}}],
        "responses": {
          "200": {"description": "HTML.", "content": {"text/html": {"schema": {"type": "string"}}}},
          "303": {"description": "The token was taken into a cookie."},
          "304": {"description": "Not modified (If-None-Match)."},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/static/app.js": {
      "get": {
        "operationId": "dashboardScript", "summary": "The dashboard's script.",
        "responses": {
          "200": {"description": "JavaScript.", "content": {"text/javascript": {"schema": {"type": "string"}}}},
          "304": {"description": "Not modified (If-None-Match)."},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/static/app.css": {
      "get": {
        "operationId": "dashboardStyle", "summary": "The dashboard's style sheet.",
        "responses": {
          "200": {"description": "CSS.", "content": {"text/css": {"schema": {"type": "string"}}}},
          "304": {"description": "Not modified (If-None-Match)."},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    }
  },
  "components": {
    "securitySchemes": {
      "bearer": {"type": "http", "scheme": "bearer", "description": "The token `workbench serve` printed on its first start (or after --rotate-token)."}
    },
    "parameters": {
      "limit": {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
      "cursor": {"name": "cursor", "in": "query", "schema": {"type": "string", "maxLength": 200}, "description": "The next_cursor of the page before."},
      "jobID": {"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}},
      "storeID": {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}}
    },
    "responses": {
      "Error": {"description": "An error.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    },
    "schemas": {
      "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["code", "message", "fix"],
          "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "fix": {"type": "string"}}}}
      },
      "Character": {
        "type": "object", "required": ["name"],
        "properties": {"name": {"type": "string", "minLength": 1},
                       "attributes": {"type": "object", "additionalProperties": {"type": "string"}},
                       "relationships": {"type": "object", "additionalProperties": {"type": "string"}}}
      },
      "ChapterSpec": {
        "type": "object", "required": ["number", "title", "beats", "target_words"],
        "properties": {"number": {"type": "integer", "minimum": 1, "maximum": 200}, "title": {"type": "string"},
                       "beats": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                       "target_words": {"type": "integer", "minimum": 50, "maximum": 20000}}
      },
      "Outline": {
        "type": "object", "required": ["title", "logline", "obsession", "setting", "characters", "chapters"],
        "description": "Chapters are numbered 1, 2, 3, … in order.",
        "properties": {"title": {"type": "string", "minLength": 1}, "logline": {"type": "string"}, "obsession": {"type": "string", "minLength": 1},
                       "setting": {"type": "string"},
                       "characters": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/Character"}},
                       "chapters": {"type": "array", "minItems": 1, "maxItems": 200, "items": {"$ref": "#/components/schemas/ChapterSpec"}}}
      },
      "ChapterRequest": {
        "type": "object", "required": ["outline", "chapter_num"], "additionalProperties": false,
        "properties": {"outline": {"$ref": "#/components/schemas/Outline"}, "chapter_num": {"type": "integer", "minimum": 1, "maximum": 200},
                       "quality_target": {"type": "number", "minimum": 0, "maximum": 10}, "word_count": {"type": "integer", "minimum": 50, "maximum": 20000},
                       "experiment": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}, "genre": {"type": "string", "maxLength": 64},
                       "priority": {"type": "integer", "minimum": -1000, "maximum": 1000}, "seed": {"type": "integer", "minimum": 0, "maximum": 2147483647}}
      },
      "BookRequest": {
        "type": "object", "additionalProperties": false, "description": "Exactly one of premise, outline and text.",
        "properties": {"premise": {"type": "string", "minLength": 1}, "outline": {"$ref": "#/components/schemas/Outline"}, "text": {"type": "string", "minLength": 1},
                       "experiment": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}, "genre": {"type": "string", "maxLength": 64},
                       "title": {"type": "string", "maxLength": 300}, "chapters": {"type": "integer", "minimum": 1, "maximum": 200},
                       "words": {"type": "integer", "minimum": 50, "maximum": 20000}, "priority": {"type": "integer", "minimum": -1000, "maximum": 1000},
                       "seed": {"type": "integer", "minimum": 0, "maximum": 2147483647}, "max_attempts": {"type": "integer", "minimum": 1, "maximum": 10}}
      },
      "Job": {
        "type": "object", "required": ["id", "kind", "status", "attempts", "created_at", "links"],
        "properties": {
          "id": {"type": "integer"}, "kind": {"enum": ["book", "chapter", "regress"]}, "status": {"enum": ["pending", "running", "done", "dead", "cancelled"]},
          "source": {"type": "object"}, "experiment": {"type": "string"}, "genre": {"type": ["string", "null"]}, "title": {"type": ["string", "null"]},
          "chapters": {"type": ["integer", "null"]}, "words": {"type": ["integer", "null"]}, "chapter_num": {"type": ["integer", "null"]},
          "quality_target": {"type": ["number", "null"]}, "priority": {"type": "integer"}, "attempts": {"type": "integer"}, "max_attempts": {"type": "integer"},
          "run_id": {"type": ["string", "null"]}, "last_error": {"type": ["string", "null"]}, "created_at": {"type": "string"}, "updated_at": {"type": "string"},
          "links": {"type": "object"}, "progress": {"type": "object"}
        }
      },
      "JobPage": {"type": "object", "required": ["items", "next_cursor"],
                  "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}, "next_cursor": {"type": ["string", "null"]}}},
      "ChapterResult": {
        "type": "object", "required": ["job_id", "run_id", "book_id", "cost", "quality_score"],
        "properties": {"job_id": {"type": "integer"}, "run_id": {"type": "string"}, "book_id": {"type": "string"}, "chapter_num": {"type": "integer"},
                       "chapter_text": {"type": "string"}, "quality_score": {"type": "number"}, "metrics": {"type": "object", "additionalProperties": {"type": "number"}},
                       "cost": {"type": "number"}, "tokens": {"type": "integer"}, "words": {"type": "integer"}, "version": {"type": "integer"}, "chapters": {"type": "integer"}}
      },
      "RegressRequest": {
        "type": "object", "required": ["baseline"], "additionalProperties": false,
        "description": "workbench regress's options. The experiment is by default the one the baseline was made from; metrics by default quality and outline_adherence.",
        "properties": {"baseline": {"type": "string", "pattern": "^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$"},
                       "experiment": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}, "samples": {"type": "integer", "minimum": 1, "maximum": 100},
                       "threshold": {"type": "number", "minimum": 0, "maximum": 10}, "suite_threshold": {"type": "number", "minimum": 0, "maximum": 10},
                       "alpha": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.5},
                       "metrics": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"type": "string", "minLength": 1, "maxLength": 200}},
                       "per_chapter": {"type": "boolean"}, "continuity_threshold": {"type": "integer", "minimum": 0, "maximum": 10000},
                       "priority": {"type": "integer", "minimum": -1000, "maximum": 1000}, "max_attempts": {"type": "integer", "minimum": 1, "maximum": 10}}
      },
      "RegressResult": {
        "type": "object", "required": ["job_id", "run_id", "baseline", "passed", "summary", "cost", "report"],
        "properties": {"job_id": {"type": "integer"}, "run_id": {"type": "string"}, "baseline": {"type": "string"}, "passed": {"type": "boolean"},
                       "summary": {"type": "string"}, "current": {"type": "string"}, "failed_rows": {"type": "integer"}, "cost": {"type": "number"},
                       "report": {"type": "object", "description": "The report `workbench regress --json` prints."}, "links": {"type": "object"}}
      },
      "Run": {
        "type": "object", "required": ["id", "kind", "status", "started_at"],
        "properties": {"id": {"type": "string"}, "kind": {"type": "string"}, "status": {"type": "string"}, "started_at": {"type": "string"},
                       "finished_at": {"type": ["string", "null"]}, "error": {"type": ["string", "null"]}, "cost_usd": {"type": "number"},
                       "llm_calls": {"type": "integer"}, "links": {"type": "object"}}
      },
      "RunPage": {"type": "object", "required": ["items", "next_cursor"],
                  "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Run"}}, "next_cursor": {"type": ["string", "null"]}}},
      "Book": {
        "type": "object", "required": ["id", "title", "run_id", "status", "chapter_count"],
        "properties": {"id": {"type": "string"}, "title": {"type": "string"}, "run_id": {"type": "string"}, "status": {"type": "string"},
                       "chapter_count": {"type": "integer"}, "created_at": {"type": "string"}, "updated_at": {"type": "string"}, "links": {"type": "object"}}
      },
      "BookDetail": {
        "allOf": [{"$ref": "#/components/schemas/Book"}],
        "properties": {"quality": {"type": ["number", "null"]}, "target": {"type": "number"}, "words": {"type": "integer"}, "cost_usd": {"type": "number"},
                       "chapters": {"type": "array", "items": {"type": "object", "required": ["number", "quality", "words"],
                         "properties": {"number": {"type": "integer"}, "version": {"type": "integer"}, "words": {"type": "integer"}, "quality": {"type": "number"},
                                        "metrics": {"type": "object"}, "scores": {"type": "object"}, "judge": {"type": "object"}}}}}
      },
      "BookPage": {"type": "object", "required": ["items", "next_cursor"],
                   "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Book"}}, "next_cursor": {"type": ["string", "null"]}}},
      "Queue": {
        "type": "object", "required": ["paused", "counts", "processor", "running"],
        "properties": {"paused": {"type": "boolean"}, "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
                       "processor": {"type": "object"}, "running": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}}
      },
      "Baseline": {
        "type": "object", "required": ["version"],
        "properties": {"version": {"type": "string"}, "suite": {"type": "string"}, "chapters_count": {"type": "integer"}, "samples_per_chapter": {"type": "integer"},
                       "scorer": {"type": "string"}, "mean_quality": {"type": "number"}, "cost_usd": {"type": "number"}, "created_at": {"type": "string"},
                       "experiment": {"type": "string"}, "error": {"type": "string"}, "chapters": {"type": "array", "items": {"type": "object"}}, "links": {"type": "object"},
                       "last_regress": {"type": ["object", "null"]},
                       "history": {"type": "array", "items": {"type": "object", "required": ["run_id", "at", "passed", "summary"],
                         "properties": {"run_id": {"type": "string"}, "at": {"type": "string"}, "passed": {"type": "boolean"}, "summary": {"type": "string"}}}}}
      },
      "Paused": {"type": "object", "required": ["paused"], "properties": {"paused": {"type": "boolean"}}}
    }
  }
}
"""#
}
