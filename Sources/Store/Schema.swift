import GRDB

/// The workspace schema as an append-only list of named migrations. A released migration is
/// never edited: a change to the schema is a new migration at the end of the list.
enum Schema {
    /// `PRAGMA application_id` of every workspace database ("WBNC"), so that another
    /// program's SQLite file is recognised and left alone.
    static let applicationID: Int32 = 0x5742_4E43

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for (identifier, sql) in migrations {
            migrator.registerMigration(identifier) { db in try db.execute(sql: sql) }
        }
        return migrator
    }

    static var migrationIdentifiers: [String] { migrations.map(\.identifier) }

    /// Identifier and SQL of each migration, oldest first. Tables are STRICT so SQLite
    /// rejects a value of the wrong type instead of storing it.
    static let migrations: [(identifier: String, sql: String)] = [
        ("0001-initial-schema", """
        PRAGMA application_id = \(applicationID);

        -- One row per job: a book generation, an A/B test, a regression run, ...
        CREATE TABLE runs (
            id                TEXT PRIMARY KEY NOT NULL,
            kind              TEXT NOT NULL CHECK (kind <> ''),
            status            TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted', 'cancelled')),
            config_json       TEXT NOT NULL CHECK (json_valid(config_json)),
            config_hash       TEXT NOT NULL CHECK (length(config_hash) = 64),
            git_revision      TEXT,
            workbench_version TEXT NOT NULL,
            started_at        TEXT NOT NULL,
            finished_at       TEXT,
            error             TEXT,
            CHECK ((status = 'running') = (finished_at IS NULL))
        ) STRICT;
        CREATE INDEX runs_by_start ON runs(started_at);

        CREATE TABLE books (
            id            TEXT PRIMARY KEY NOT NULL,
            run_id        TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            title         TEXT NOT NULL,
            premise       TEXT,
            outline_json  TEXT CHECK (outline_json IS NULL OR json_valid(outline_json)),
            chapter_count INTEGER NOT NULL CHECK (chapter_count >= 0),
            status        TEXT NOT NULL,
            created_at    TEXT NOT NULL,
            updated_at    TEXT NOT NULL
        ) STRICT;
        CREATE INDEX books_by_run ON books(run_id);

        -- Every version of every chapter is kept: generation, each enhancement, imports.
        CREATE TABLE chapter_versions (
            id             INTEGER PRIMARY KEY,
            book_id        TEXT NOT NULL REFERENCES books(id) ON DELETE CASCADE,
            chapter        INTEGER NOT NULL CHECK (chapter >= 1),
            version        INTEGER NOT NULL CHECK (version >= 1),
            parent_version INTEGER,
            origin         TEXT NOT NULL,
            text           TEXT NOT NULL,
            word_count     INTEGER NOT NULL CHECK (word_count >= 0),
            text_hash      TEXT NOT NULL,
            created_at     TEXT NOT NULL,
            UNIQUE (book_id, chapter, version)
        ) STRICT;

        -- One value per chapter version, scorer (heuristic or judge) and metric.
        CREATE TABLE scores (
            id                 INTEGER PRIMARY KEY,
            chapter_version_id INTEGER NOT NULL REFERENCES chapter_versions(id) ON DELETE CASCADE,
            scorer             TEXT NOT NULL,
            metric             TEXT NOT NULL,
            value              REAL NOT NULL,
            detail_json        TEXT CHECK (detail_json IS NULL OR json_valid(detail_json)),
            created_at         TEXT NOT NULL,
            UNIQUE (chapter_version_id, scorer, metric)
        ) STRICT;

        -- Every model call, whoever made it. Never the API key.
        CREATE TABLE llm_calls (
            id                INTEGER PRIMARY KEY,
            run_id            TEXT REFERENCES runs(id) ON DELETE SET NULL,
            book_id           TEXT REFERENCES books(id) ON DELETE SET NULL,
            chapter           INTEGER,
            task              TEXT NOT NULL,
            provider          TEXT NOT NULL,
            model             TEXT NOT NULL,
            request_hash      TEXT NOT NULL,
            attempt           INTEGER NOT NULL DEFAULT 1 CHECK (attempt >= 1),
            outcome           TEXT NOT NULL,
            finish_reason     TEXT,
            prompt_tokens     INTEGER,
            completion_tokens INTEGER,
            tokens_estimated  INTEGER NOT NULL DEFAULT 0 CHECK (tokens_estimated IN (0, 1)),
            cost_usd          REAL NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
            latency_ms        REAL,
            ttft_ms           REAL,
            error             TEXT,
            created_at        TEXT NOT NULL
        ) STRICT;
        CREATE INDEX llm_calls_by_run ON llm_calls(run_id);
        CREATE INDEX llm_calls_by_request ON llm_calls(request_hash);

        -- The pipeline's event stream, in order per run.
        CREATE TABLE events (
            id           INTEGER PRIMARY KEY,
            run_id       TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            seq          INTEGER NOT NULL CHECK (seq >= 1),
            at           TEXT NOT NULL,
            kind         TEXT NOT NULL,
            payload_json TEXT NOT NULL CHECK (json_valid(payload_json)),
            UNIQUE (run_id, seq)
        ) STRICT;
        """),
        ("0002-llm-response-cache", """
        -- Completions by the SHA-256 of their normalised request: a hit is free and replayable.
        CREATE TABLE llm_cache (
            request_hash      TEXT PRIMARY KEY NOT NULL CHECK (length(request_hash) = 64),
            provider          TEXT NOT NULL,
            model             TEXT NOT NULL,
            text              TEXT NOT NULL,
            finish_reason     TEXT NOT NULL,
            prompt_tokens     INTEGER NOT NULL CHECK (prompt_tokens >= 0),
            completion_tokens INTEGER NOT NULL CHECK (completion_tokens >= 0),
            tokens_estimated  INTEGER NOT NULL CHECK (tokens_estimated IN (0, 1)),
            cost_usd          REAL NOT NULL CHECK (cost_usd >= 0),
            created_at        TEXT NOT NULL,
            hits              INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        """),
        ("0003-kept-chapter-versions", """
        -- An enhancement that scores worse is stored (every version is kept) but not kept:
        -- the book's chapter is its newest version with kept = 1.
        ALTER TABLE chapter_versions ADD COLUMN kept INTEGER NOT NULL DEFAULT 1 CHECK (kept IN (0, 1));
        """),
        ("0004-abtest-samples", """
        -- One row per A/B test sample and arm, written as the sample finishes (or fails), so
        -- a stopped test resumes with what it has paid for. The run (kind 'abtest') holds the
        -- design; each arm's chapters are the versions of one book of that run.
        CREATE TABLE abtest_samples (
            run_id       TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            arm          TEXT NOT NULL CHECK (arm <> ''),
            sample       INTEGER NOT NULL CHECK (sample >= 1),
            chapter      INTEGER NOT NULL CHECK (chapter >= 1),
            seed         INTEGER NOT NULL,
            status       TEXT NOT NULL CHECK (status IN ('done', 'failed')),
            metrics_json TEXT NOT NULL CHECK (json_valid(metrics_json)),
            cost_usd     REAL NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
            error        TEXT,
            created_at   TEXT NOT NULL,
            PRIMARY KEY (run_id, arm, sample)
        ) STRICT;
        """),
        ("0005-reader-feedback", """
        -- What readers said of a chapter version: a star rating and/or likes.
        CREATE TABLE reader_feedback (
            id                 INTEGER PRIMARY KEY,
            chapter_version_id INTEGER NOT NULL REFERENCES chapter_versions(id) ON DELETE CASCADE,
            rating             REAL CHECK (rating IS NULL OR (rating >= 0 AND rating <= 5)),
            likes              INTEGER CHECK (likes IS NULL OR likes >= 0),
            source             TEXT NOT NULL,
            created_at         TEXT NOT NULL,
            CHECK (rating IS NOT NULL OR likes IS NOT NULL)
        ) STRICT;
        CREATE INDEX reader_feedback_by_version ON reader_feedback(chapter_version_id);

        -- A reader preferred one chapter version to another (Bradley–Terry's data).
        CREATE TABLE reader_preferences (
            id                   INTEGER PRIMARY KEY,
            preferred_version_id INTEGER NOT NULL REFERENCES chapter_versions(id) ON DELETE CASCADE,
            other_version_id     INTEGER NOT NULL REFERENCES chapter_versions(id) ON DELETE CASCADE,
            source               TEXT NOT NULL,
            created_at           TEXT NOT NULL,
            CHECK (preferred_version_id <> other_version_id)
        ) STRICT;
        """),
        ("0006-optimize-candidates", """
        -- Every prompt candidate a `workbench optimize` run proposed: the surrogate's prediction
        -- for all of them, the development suite's score and cost for those it evaluated.
        CREATE TABLE optimize_candidates (
            run_id        TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            candidate     INTEGER NOT NULL CHECK (candidate >= 0),
            iteration     INTEGER NOT NULL CHECK (iteration >= 0),
            parent        INTEGER,
            operator      TEXT NOT NULL,
            instructions  TEXT NOT NULL CHECK (json_valid(instructions)),
            status        TEXT NOT NULL CHECK (status IN ('proposed', 'evaluating', 'done', 'failed')),
            predicted     REAL,
            predicted_sd  REAL,
            book_id       TEXT REFERENCES books(id) ON DELETE SET NULL,
            score         REAL,
            score_sd      REAL,
            writes        INTEGER NOT NULL DEFAULT 0,
            values_json   TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(values_json)),
            metrics_json  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metrics_json)),
            cost_usd      REAL NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
            error         TEXT,
            created_at    TEXT NOT NULL,
            PRIMARY KEY (run_id, candidate)
        ) STRICT;
        """),
        ("0007-continuity-graph", """
        -- A book's continuity graph as its last `continuity check` left it. A re-check replaces
        -- the whole graph (deleting the check row cascades), so nothing is counted twice.
        CREATE TABLE continuity_checks (
            book_id          TEXT PRIMARY KEY NOT NULL REFERENCES books(id) ON DELETE CASCADE,
            -- Which fact source read the chapters ('pattern' for the deterministic extractor).
            extractor        TEXT NOT NULL CHECK (extractor <> ''),
            -- The chapter versions read, as [{"chapter": n, "version_id": id}]: a later version makes the graph stale.
            chapters_json    TEXT NOT NULL CHECK (json_valid(chapters_json)),
            word_count       INTEGER NOT NULL CHECK (word_count >= 0),
            checked_at       TEXT NOT NULL
        ) STRICT;

        CREATE TABLE continuity_entities (
            book_id          TEXT NOT NULL REFERENCES continuity_checks(book_id) ON DELETE CASCADE,
            entity_id        TEXT NOT NULL CHECK (entity_id <> ''),
            kind             TEXT NOT NULL CHECK (kind IN ('character', 'place', 'object', 'organisation', 'event')),
            canonical_name   TEXT NOT NULL CHECK (canonical_name <> ''),
            gender           TEXT CHECK (gender IS NULL OR gender IN ('male', 'female')),
            PRIMARY KEY (book_id, entity_id)
        ) STRICT;

        -- Every other name an entity goes by ("Marcus", "Mr Hale").
        CREATE TABLE continuity_aliases (
            book_id          TEXT NOT NULL,
            entity_id        TEXT NOT NULL,
            alias            TEXT NOT NULL CHECK (alias <> ''),
            PRIMARY KEY (book_id, entity_id, alias),
            FOREIGN KEY (book_id, entity_id) REFERENCES continuity_entities(book_id, entity_id) ON DELETE CASCADE
        ) STRICT;
        CREATE INDEX continuity_aliases_by_alias ON continuity_aliases(book_id, alias COLLATE NOCASE);

        -- One statement the book makes, with its exact quote and where it stands. The value is
        -- typed by value_kind: a colour, kinship, topic, body part or deed in value_text; years or
        -- alive (1/0) in value_number; an entity (or a kinship's other person) in value_entity.
        CREATE TABLE continuity_facts (
            id                   INTEGER PRIMARY KEY,
            book_id              TEXT NOT NULL,
            subject              TEXT NOT NULL,
            predicate            TEXT NOT NULL CHECK (predicate <> ''),
            value_kind           TEXT NOT NULL CHECK (value_kind IN ('colour', 'years', 'entity', 'alive', 'kin', 'topic', 'bodyPart', 'deed')),
            value_text           TEXT,
            value_number         INTEGER,
            value_entity         TEXT,
            aspect               TEXT NOT NULL CHECK (aspect IN ('holds', 'begins', 'ends', 'lacks')),
            chapter              INTEGER NOT NULL CHECK (chapter >= 1),
            paragraph            INTEGER NOT NULL CHECK (paragraph >= 1),
            line                 INTEGER NOT NULL CHECK (line >= 1),
            byte_start           INTEGER NOT NULL CHECK (byte_start >= 0),
            byte_end             INTEGER NOT NULL CHECK (byte_end > byte_start),
            quote                TEXT NOT NULL CHECK (quote <> ''),
            -- Story time (chapter and beat) of the statement, and the interval it holds over (NULL: open).
            story_chapter        INTEGER NOT NULL,
            story_beat           INTEGER NOT NULL,
            valid_from_chapter   INTEGER,
            valid_from_beat      INTEGER,
            valid_until_chapter  INTEGER,
            valid_until_beat     INTEGER,
            confidence           REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
            -- Where the fact came from: the source ('pattern') and its rule ("eyeColour.had").
            origin               TEXT NOT NULL CHECK (origin <> ''),
            origin_rule          TEXT NOT NULL,
            FOREIGN KEY (book_id) REFERENCES continuity_checks(book_id) ON DELETE CASCADE,
            FOREIGN KEY (book_id, subject) REFERENCES continuity_entities(book_id, entity_id),
            FOREIGN KEY (book_id, value_entity) REFERENCES continuity_entities(book_id, entity_id)
        ) STRICT;
        CREATE INDEX continuity_facts_by_subject ON continuity_facts(book_id, subject, chapter, byte_start);

        -- A contradiction between two facts, found by the checker's rules.
        CREATE TABLE continuity_violations (
            id                   INTEGER PRIMARY KEY,
            book_id              TEXT NOT NULL REFERENCES continuity_checks(book_id) ON DELETE CASCADE,
            type                 TEXT NOT NULL CHECK (type <> ''),
            severity             TEXT NOT NULL CHECK (severity IN ('minor', 'major')),
            established_fact_id  INTEGER NOT NULL REFERENCES continuity_facts(id) ON DELETE CASCADE,
            contradicting_fact_id INTEGER NOT NULL REFERENCES continuity_facts(id) ON DELETE CASCADE,
            -- What is wrong, naming the entity; the message adds both places and quotes.
            summary              TEXT NOT NULL,
            message              TEXT NOT NULL,
            suggested_fix        TEXT NOT NULL,
            -- 'open' until fixes exist to change it.
            status               TEXT NOT NULL DEFAULT 'open' CHECK (status <> ''),
            CHECK (established_fact_id <> contradicting_fact_id)
        ) STRICT;
        CREATE INDEX continuity_violations_by_book ON continuity_violations(book_id);
        """),
        ("0008-continuity-fixes", """
        -- Every fix tried on a continuity violation, kept or not: the passage, what the model
        -- wrote, how much of the chapter it changed and why it was kept or refused. Unlike the
        -- graph, fixes are a log: a re-check never deletes them.
        CREATE TABLE continuity_fixes (
            id                INTEGER PRIMARY KEY,
            book_id           TEXT NOT NULL REFERENCES books(id) ON DELETE CASCADE,
            run_id            TEXT REFERENCES runs(id) ON DELETE SET NULL,
            chapter           INTEGER NOT NULL CHECK (chapter >= 1),
            -- The chapter version edited, and the version the kept fix made (NULL when refused).
            from_version      INTEGER NOT NULL CHECK (from_version >= 1),
            to_version        INTEGER CHECK (to_version IS NULL OR to_version > from_version),
            violation_type    TEXT NOT NULL CHECK (violation_type <> ''),
            severity          TEXT NOT NULL CHECK (severity IN ('minor', 'major')),
            summary           TEXT NOT NULL,
            -- 1.. for sentence rounds; the paragraph rewrite after them has scope 'paragraph'.
            round             INTEGER NOT NULL CHECK (round >= 1),
            scope             TEXT NOT NULL CHECK (scope IN ('sentence', 'paragraph')),
            paragraph         INTEGER NOT NULL CHECK (paragraph >= 1),
            original          TEXT NOT NULL,
            replacement       TEXT NOT NULL,
            tokens_changed    INTEGER NOT NULL CHECK (tokens_changed >= 0),
            chapter_words     INTEGER NOT NULL CHECK (chapter_words >= 0),
            quality_before    REAL,
            quality_after     REAL,
            outcome           TEXT NOT NULL CHECK (outcome IN ('kept', 'violationRemains', 'newViolation', 'qualityDropped', 'tooLarge', 'emptyAnswer')),
            detail            TEXT,
            created_at        TEXT NOT NULL,
            CHECK ((outcome = 'kept') = (to_version IS NOT NULL))
        ) STRICT;
        CREATE INDEX continuity_fixes_by_book ON continuity_fixes(book_id, chapter);
        """),
        ("0009-continuity-sheet-facts", """
        -- Facts the outline's character sheet sets stand before chapter 1: chapter, paragraph
        -- and line 0, bytes of the sheet's own line. The table is rebuilt with those bounds
        -- (SQLite cannot change a CHECK), every row kept; foreign keys are off while it runs.
        CREATE TABLE continuity_facts_new (
            id                   INTEGER PRIMARY KEY,
            book_id              TEXT NOT NULL,
            subject              TEXT NOT NULL,
            predicate            TEXT NOT NULL CHECK (predicate <> ''),
            value_kind           TEXT NOT NULL CHECK (value_kind IN ('colour', 'years', 'entity', 'alive', 'kin', 'topic', 'bodyPart', 'deed')),
            value_text           TEXT,
            value_number         INTEGER,
            value_entity         TEXT,
            aspect               TEXT NOT NULL CHECK (aspect IN ('holds', 'begins', 'ends', 'lacks')),
            chapter              INTEGER NOT NULL CHECK (chapter >= 0),
            paragraph            INTEGER NOT NULL CHECK (paragraph >= 0),
            line                 INTEGER NOT NULL CHECK (line >= 0),
            byte_start           INTEGER NOT NULL CHECK (byte_start >= 0),
            byte_end             INTEGER NOT NULL CHECK (byte_end > byte_start),
            quote                TEXT NOT NULL CHECK (quote <> ''),
            story_chapter        INTEGER NOT NULL,
            story_beat           INTEGER NOT NULL,
            valid_from_chapter   INTEGER,
            valid_from_beat      INTEGER,
            valid_until_chapter  INTEGER,
            valid_until_beat     INTEGER,
            confidence           REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
            origin               TEXT NOT NULL CHECK (origin <> ''),
            origin_rule          TEXT NOT NULL,
            CHECK ((chapter = 0) = (paragraph = 0) AND (chapter = 0) = (line = 0)),
            FOREIGN KEY (book_id) REFERENCES continuity_checks(book_id) ON DELETE CASCADE,
            FOREIGN KEY (book_id, subject) REFERENCES continuity_entities(book_id, entity_id),
            FOREIGN KEY (book_id, value_entity) REFERENCES continuity_entities(book_id, entity_id)
        ) STRICT;
        INSERT INTO continuity_facts_new SELECT * FROM continuity_facts;
        DROP TABLE continuity_facts;
        ALTER TABLE continuity_facts_new RENAME TO continuity_facts;
        CREATE INDEX continuity_facts_by_subject ON continuity_facts(book_id, subject, chapter, byte_start);
        """),
        ("0010-ensemble", """
        -- An ensemble chapter (issue #18): the merge's summary (its candidates, tokens and
        -- continuity against theirs), every candidate's unit at every position with how it
        -- scored and whether it was chosen (the merged version's provenance, by byte range),
        -- and the judges' pairwise verdicts, from which provider strengths are learned.
        CREATE TABLE ensemble_chapters (
            id                INTEGER PRIMARY KEY,
            run_id            TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            book_id           TEXT NOT NULL REFERENCES books(id) ON DELETE CASCADE,
            chapter           INTEGER NOT NULL CHECK (chapter >= 1),
            version           INTEGER NOT NULL CHECK (version >= 1),
            unit              TEXT NOT NULL CHECK (unit IN ('beat', 'paragraph', 'scene', 'chapter')),
            weights           TEXT NOT NULL CHECK (weights IN ('fixed', 'learned')),
            -- JSON: each candidate's provider, sample, words, tokens, cost, violations and failure.
            candidates_json   TEXT NOT NULL,
            tokens            INTEGER NOT NULL CHECK (tokens >= 0),
            cost_usd          REAL NOT NULL CHECK (cost_usd >= 0),
            words             INTEGER NOT NULL CHECK (words >= 0),
            violations        INTEGER NOT NULL CHECK (violations >= 0),
            seams             INTEGER NOT NULL CHECK (seams >= 0),
            seams_fused       INTEGER NOT NULL CHECK (seams_fused >= 0 AND seams_fused <= seams),
            -- Why the merge was set aside for one whole candidate (NULL when it was kept).
            fallback          TEXT,
            created_at        TEXT NOT NULL,
            UNIQUE (book_id, chapter, version)
        ) STRICT;
        CREATE TABLE ensemble_units (
            id                INTEGER PRIMARY KEY,
            book_id           TEXT NOT NULL REFERENCES books(id) ON DELETE CASCADE,
            chapter           INTEGER NOT NULL,
            version           INTEGER NOT NULL,
            position          INTEGER NOT NULL CHECK (position >= 0),
            beat_start        INTEGER NOT NULL CHECK (beat_start >= 0),
            beat_end          INTEGER NOT NULL CHECK (beat_end > beat_start),
            paragraph         INTEGER CHECK (paragraph IS NULL OR paragraph >= 0),
            kind              TEXT NOT NULL CHECK (kind <> ''),
            provider          TEXT NOT NULL CHECK (provider <> ''),
            sample            INTEGER NOT NULL CHECK (sample >= 0),
            composite         REAL NOT NULL,
            judge_share       REAL CHECK (judge_share IS NULL OR (judge_share >= 0 AND judge_share <= 1)),
            predicted         REAL,
            prior             REAL NOT NULL,
            words             INTEGER NOT NULL CHECK (words >= 0),
            chosen            INTEGER NOT NULL CHECK (chosen IN (0, 1)),
            oracle            INTEGER NOT NULL CHECK (oracle IN (0, 1)),
            -- The chosen unit's bytes in the merged version's text, and whether its seam was rewritten.
            byte_start        INTEGER CHECK (byte_start IS NULL OR byte_start >= 0),
            byte_end          INTEGER CHECK (byte_end IS NULL OR byte_end >= byte_start),
            fused             INTEGER NOT NULL CHECK (fused IN (0, 1)),
            CHECK (chosen = 1 OR (byte_start IS NULL AND fused = 0)),
            FOREIGN KEY (book_id, chapter, version) REFERENCES ensemble_chapters(book_id, chapter, version) ON DELETE CASCADE
        ) STRICT;
        CREATE INDEX ensemble_units_by_chapter ON ensemble_units(book_id, chapter, version, position);
        CREATE TABLE ensemble_duels (
            id                INTEGER PRIMARY KEY,
            run_id            TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            book_id           TEXT NOT NULL REFERENCES books(id) ON DELETE CASCADE,
            chapter           INTEGER NOT NULL,
            position          INTEGER NOT NULL CHECK (position >= 0),
            kind              TEXT NOT NULL CHECK (kind <> ''),
            provider_a        TEXT NOT NULL,
            sample_a          INTEGER NOT NULL,
            provider_b        TEXT NOT NULL,
            sample_b          INTEGER NOT NULL,
            wins_a            INTEGER NOT NULL CHECK (wins_a >= 0),
            wins_b            INTEGER NOT NULL CHECK (wins_b >= 0),
            ties              INTEGER NOT NULL CHECK (ties >= 0),
            order_flips       INTEGER NOT NULL CHECK (order_flips >= 0 AND order_flips <= ties),
            judge             TEXT NOT NULL,
            created_at        TEXT NOT NULL
        ) STRICT;
        CREATE INDEX ensemble_duels_by_kind ON ensemble_duels(kind);
        """),
        ("0011-queue", """
        -- The book queue (issue #19): one row per queued book, with its lease (the processor
        -- holding it and until when: an expired lease is taken again), attempts, backoff and
        -- the run writing it, kept across attempts so a retry resumes that run.
        CREATE TABLE queue_jobs (
            id                INTEGER PRIMARY KEY,
            status            TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'dead', 'cancelled')),
            source_kind       TEXT NOT NULL CHECK (source_kind IN ('premise', 'outline', 'text')),
            source_name       TEXT NOT NULL,
            -- The premise, the outline as canonical JSON, or the source text.
            source            TEXT NOT NULL CHECK (source <> ''),
            experiment        TEXT NOT NULL CHECK (experiment <> ''),
            title             TEXT,
            chapters          INTEGER CHECK (chapters IS NULL OR chapters BETWEEN 1 AND 200),
            words             INTEGER CHECK (words IS NULL OR words BETWEEN 50 AND 20000),
            priority          INTEGER NOT NULL,
            seed              INTEGER,
            attempts          INTEGER NOT NULL CHECK (attempts >= 0),
            max_attempts      INTEGER NOT NULL CHECK (max_attempts >= 1),
            run_id            TEXT REFERENCES runs(id) ON DELETE SET NULL,
            lease_owner       TEXT,
            lease_expires_at  TEXT,
            heartbeat_at      TEXT,
            not_before        TEXT,
            last_error        TEXT,
            created_at        TEXT NOT NULL,
            updated_at        TEXT NOT NULL,
            CHECK ((status = 'running') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL))
        ) STRICT;
        CREATE INDEX queue_jobs_ready ON queue_jobs(status, priority DESC, id);
        CREATE TABLE queue_state (
            id                INTEGER PRIMARY KEY CHECK (id = 1),
            paused            INTEGER NOT NULL CHECK (paused IN (0, 1))
        ) STRICT;
        INSERT INTO queue_state (id, paused) VALUES (1, 0);
        """),
        ("0012-queue-genre", """
        -- The genre section of its experiment a queued book is written under (`queue add --genre`).
        ALTER TABLE queue_jobs ADD COLUMN genre TEXT CHECK (genre IS NULL OR genre <> '');
        """),
        ("0013-queue-chapter-jobs", """
        -- A job that writes one chapter of its outline (`POST /api/generate/chapter`), and the
        -- quality target it asks for instead of its experiment's.
        ALTER TABLE queue_jobs ADD COLUMN chapter INTEGER CHECK (chapter IS NULL OR chapter BETWEEN 1 AND 200);
        ALTER TABLE queue_jobs ADD COLUMN quality_target REAL CHECK (quality_target IS NULL OR quality_target BETWEEN 0 AND 10);
        """),
        ("0014-queue-regress-jobs", """
        -- A job may be a regress (`POST /api/regress`): its source is the request as JSON. SQLite
        -- cannot change a CHECK, so the table is made again and its rows copied.
        CREATE TABLE queue_jobs_new (
            id                INTEGER PRIMARY KEY,
            status            TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'dead', 'cancelled')),
            source_kind       TEXT NOT NULL CHECK (source_kind IN ('premise', 'outline', 'text', 'regress')),
            source_name       TEXT NOT NULL,
            -- The premise, the outline as canonical JSON, the source text, or the regress request as canonical JSON.
            source            TEXT NOT NULL CHECK (source <> ''),
            experiment        TEXT NOT NULL CHECK (experiment <> ''),
            title             TEXT,
            chapters          INTEGER CHECK (chapters IS NULL OR chapters BETWEEN 1 AND 200),
            words             INTEGER CHECK (words IS NULL OR words BETWEEN 50 AND 20000),
            priority          INTEGER NOT NULL,
            seed              INTEGER,
            attempts          INTEGER NOT NULL CHECK (attempts >= 0),
            max_attempts      INTEGER NOT NULL CHECK (max_attempts >= 1),
            run_id            TEXT REFERENCES runs(id) ON DELETE SET NULL,
            lease_owner       TEXT,
            lease_expires_at  TEXT,
            heartbeat_at      TEXT,
            not_before        TEXT,
            last_error        TEXT,
            created_at        TEXT NOT NULL,
            updated_at        TEXT NOT NULL,
            genre             TEXT CHECK (genre IS NULL OR genre <> ''),
            chapter           INTEGER CHECK (chapter IS NULL OR chapter BETWEEN 1 AND 200),
            quality_target    REAL CHECK (quality_target IS NULL OR quality_target BETWEEN 0 AND 10),
            CHECK ((status = 'running') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL))
        ) STRICT;
        INSERT INTO queue_jobs_new SELECT id, status, source_kind, source_name, source, experiment, title, chapters, words, priority, seed, attempts,
            max_attempts, run_id, lease_owner, lease_expires_at, heartbeat_at, not_before, last_error, created_at, updated_at, genre, chapter, quality_target
            FROM queue_jobs;
        DROP TABLE queue_jobs;
        ALTER TABLE queue_jobs_new RENAME TO queue_jobs;
        CREATE INDEX queue_jobs_ready ON queue_jobs(status, priority DESC, id);
        """),
    ]
}
