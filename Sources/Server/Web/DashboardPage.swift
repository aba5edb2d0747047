import HTTPTypes
import Hummingbird

/// The web dashboard: one page, its style sheet and script, all in the binary (nothing from a
/// CDN, no build step). The page reads the API with the session cookie and follows a running
/// job through its event stream.
enum DashboardPage {
    /// Only this origin's own files and API; no inline script.
    static let headers: HTTPFields = [
        .contentSecurityPolicy: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
    ]

    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>workbench</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/app.css">
<script src="/static/app.js" defer></script>
</head>
<body>
<header>
  <h1>workbench</h1>
  <div id="queue-summary" class="summary" aria-live="polite">…</div>
  <button id="pause" type="button">Pause queue</button>
</header>
<main>
  <section id="live" class="card">
    <h2>Live book <span id="live-status" class="status"></span></h2>
    <p id="live-empty" class="muted">No job yet. Start a book below.</p>
    <div id="live-book" hidden>
      <div class="live-head">
        <strong id="live-title"></strong>
        <dl class="figures">
          <div><dt>Operation</dt><dd id="live-operation">–</dd></div>
          <div><dt>Cost</dt><dd id="live-cost">–</dd></div>
          <div><dt>Tokens/s</dt><dd id="live-rate">–</dd></div>
          <div><dt>ETA</dt><dd id="live-eta">–</dd></div>
        </dl>
      </div>
      <table class="chapters">
        <thead><tr><th>Ch.</th><th>Quality</th><th>Detail</th><th>Words / target</th><th>Emotion</th><th>Voice</th><th>State</th></tr></thead>
        <tbody id="chapter-rows"></tbody>
      </table>
      <details id="issues-box"><summary>Issues (<span id="issue-count">0</span>)</summary><ul id="issues"></ul></details>
    </div>
  </section>
  <section id="start" class="card">
    <h2>New book</h2>
    <form id="new-book">
      <label for="premise">Premise</label>
      <textarea id="premise" name="premise" rows="3" required placeholder="A lighthouse keeper's daughter finds a letter that was never sent…"></textarea>
      <div class="row">
        <label>Chapters <input id="chapters" name="chapters" type="number" min="1" max="200" value="3"></label>
        <label>Words <input id="words" name="words" type="number" min="50" max="20000" value="600"></label>
        <label>Experiment <input id="experiment" name="experiment" type="text" placeholder="default" pattern="[A-Za-z0-9_\-]{1,64}"></label>
        <button type="submit">Start</button>
      </div>
      <p id="form-error" class="error" role="alert"></p>
    </form>
  </section>
  <section id="jobs" class="card">
    <h2>Queue</h2>
    <table><thead><tr><th>Job</th><th>Kind</th><th>Status</th><th>Title / source</th><th>Attempts</th><th></th></tr></thead><tbody id="job-rows"></tbody></table>
  </section>
  <section id="books" class="card">
    <h2>Books</h2>
    <table><thead><tr><th>Book</th><th>Title</th><th>Chapters</th><th>Status</th><th>Report</th></tr></thead><tbody id="book-rows"></tbody></table>
  </section>
  <section id="abtests" class="card">
    <h2>A/B tests</h2>
    <table><thead><tr><th>Test</th><th>Status</th><th>Started</th><th>Report</th></tr></thead><tbody id="abtest-rows"></tbody></table>
  </section>
  <section id="baselines" class="card">
    <h2>Baselines</h2>
    <table><thead><tr><th>Version</th><th>Suite</th><th>Chapters × samples</th><th>Mean quality</th><th>Created</th><th>Last regress</th></tr></thead><tbody id="baseline-rows"></tbody></table>
  </section>
  <section id="runs" class="card">
    <h2>Runs</h2>
    <table><thead><tr><th>Run</th><th>Kind</th><th>Status</th><th>Started</th></tr></thead><tbody id="run-rows"></tbody></table>
  </section>
</main>
</body>
</html>
"""#

    static let signIn = #"""
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>workbench: token needed</title><link rel="icon" href="data:,"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">
<h1>workbench</h1>
<p>This server needs its token. Open the address <code>workbench serve</code> printed, which ends in <code>/?token=…</code>,
or run <code>workbench serve --rotate-token</code> to make a new token.</p>
</body></html>
"""#

    static let style = #"""
:root { --ink: #1d232a; --muted: #5d6b78; --line: #d9dee3; --card: #fff; --bg: #f3f5f7; --good: #2f8f4e; --mid: #c98a12; --bad: #c0392b; --accent: #2563a6; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
header { display: flex; align-items: center; gap: 1rem; padding: .75rem 1.25rem; background: #17202a; color: #fff; flex-wrap: wrap; }
header h1 { font-size: 1.2rem; margin: 0; letter-spacing: .02em; }
.summary { flex: 1; font-variant-numeric: tabular-nums; }
main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1rem; padding: 1rem 1.25rem; max-width: 1400px; margin: 0 auto; }
#live { grid-column: 1 / -1; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .9rem 1rem; min-width: 0; overflow-x: auto; }
h2 { font-size: 1.05rem; margin: 0 0 .6rem; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: .3rem .45rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { font-weight: 600; color: var(--muted); font-size: .85rem; }
td.title { white-space: normal; max-width: 22rem; }
#runs td:first-child, #books td:first-child, #abtests td:first-child { white-space: normal; overflow-wrap: anywhere; }
button.link + button.link { margin-left: .6rem; }
.muted { color: var(--muted); }
.error { color: var(--bad); min-height: 1.2em; margin: .3rem 0 0; }
.status:empty { display: none; }
.status { display: inline-block; white-space: nowrap; font-size: .8rem; font-weight: 600; padding: .05rem .45rem; border-radius: 999px; background: var(--line); }
.status.running { background: #dbeafe; color: #1e40af; } .status.done { background: #dcfce7; color: #166534; }
.status.dead { background: #fee2e2; color: #991b1b; } .status.cancelled { background: #eee; color: #555; } .status.pending { background: #fef3c7; color: #92400e; }
.bar { display: inline-flex; align-items: center; gap: .35rem; }
.bar .track { display: inline-block; width: 72px; height: 9px; background: #e8ebee; border-radius: 5px; overflow: hidden; }
.bar .fill { display: block; height: 100%; width: 0; background: var(--accent); transition: width .3s ease; }
.bar .fill.good { background: var(--good); } .bar .fill.mid { background: var(--mid); } .bar .fill.bad { background: var(--bad); }
.bar .value { font-size: .85rem; min-width: 3.2em; }
.live-head { display: flex; justify-content: space-between; align-items: baseline; gap: 1rem; flex-wrap: wrap; margin-bottom: .5rem; }
.figures { display: flex; gap: 1.2rem; margin: 0; flex-wrap: wrap; }
.figures div { display: flex; flex-direction: column; } .figures dt { font-size: .75rem; color: var(--muted); } .figures dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
form label { display: block; font-size: .85rem; color: var(--muted); }
textarea, input { font: inherit; width: 100%; padding: .35rem .45rem; border: 1px solid var(--line); border-radius: 5px; }
.row { display: flex; gap: .6rem; align-items: flex-end; margin-top: .5rem; flex-wrap: wrap; }
.row label { flex: 1; min-width: 6rem; }
button { font: inherit; padding: .4rem .9rem; border-radius: 5px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.link { background: none; color: var(--accent); border: none; padding: 0; }
header button { background: transparent; border-color: #8aa4bf; }
a { color: var(--accent); }
.mark { display: inline-block; width: 9px; height: 14px; margin-right: 2px; border-radius: 2px; vertical-align: middle; }
.regress-now { display: block; margin-top: .2rem; }
.mark.pass { background: var(--good); } .mark.fail { background: var(--bad); }
tr.history td { white-space: normal; }
@media (max-width: 800px) {
  main { grid-template-columns: minmax(0, 1fr); padding: .6rem; gap: .6rem; }
  header { padding: .6rem; }
  .bar .track { width: 44px; }
  th, td { padding: .25rem .3rem; }
}
"""#

    static let script = #"""
"use strict";
(function () {
  const CSRF = { "X-Workbench-CSRF": "1" };
  const $ = (id) => document.getElementById(id);
  const state = { liveJob: null, source: null, rows: new Map(), issues: [], lastTokens: null, startedAt: null, chosen: false, paused: false, history: new Set(), lastRegress: new Map() };

  async function api(path, options) {
    const response = await fetch(path, Object.assign({ credentials: "same-origin" }, options || {}));
    if (response.status === 204) return null;
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const error = body && body.error ? body.error : { message: response.status + " " + response.statusText, fix: "" };
      throw new Error(error.message + (error.fix ? " (" + error.fix + ")" : ""));
    }
    return body;
  }

  function cell(row, text, className) {
    const td = document.createElement("td");
    if (className) td.className = className;
    if (text instanceof Node) td.appendChild(text); else td.textContent = text == null ? "–" : String(text);
    row.appendChild(td);
    return td;
  }

  function statusBadge(status) {
    const span = document.createElement("span");
    span.className = "status " + status;
    span.textContent = status;
    return span;
  }

  function bar(score, label) {
    const wrap = document.createElement("span");
    wrap.className = "bar";
    const track = document.createElement("span");
    track.className = "track";
    const fill = document.createElement("span");
    fill.className = "fill";
    track.appendChild(fill);
    const value = document.createElement("span");
    value.className = "value";
    wrap.append(track, value);
    setBar(wrap, score, label);
    return wrap;
  }

  function setBar(wrap, score, label) {
    const fill = wrap.querySelector(".fill"), value = wrap.querySelector(".value");
    if (score == null || isNaN(score)) { fill.style.width = "0"; value.textContent = "–"; wrap.dataset.score = ""; return; }
    const clamped = Math.max(0, Math.min(10, score));
    fill.style.width = (clamped * 10) + "%";
    fill.className = "fill " + (clamped >= 7.5 ? "good" : clamped >= 5 ? "mid" : "bad");
    value.textContent = label != null ? label : clamped.toFixed(1);
    wrap.dataset.score = clamped.toFixed(2);
  }

  // ---- live book ----

  function chapterRow(number) {
    let entry = state.rows.get(number);
    if (entry) return entry;
    const tr = document.createElement("tr");
    tr.dataset.chapter = String(number);
    cell(tr, number);
    entry = { tr, quality: bar(null), detail: bar(null), words: bar(null), emotion: bar(null), voice: bar(null), state: null, target: 0, wordCount: 0 };
    cell(tr, entry.quality); cell(tr, entry.detail); cell(tr, entry.words); cell(tr, entry.emotion); cell(tr, entry.voice);
    entry.state = cell(tr, "waiting");
    entry.quality.classList.add("quality");
    const rows = $("chapter-rows");
    const after = Array.from(rows.children).find((other) => Number(other.dataset.chapter) > number);
    rows.insertBefore(tr, after || null);
    state.rows.set(number, entry);
    return entry;
  }

  function setWords(entry, words, target) {
    if (target) entry.target = target;
    if (words != null) entry.wordCount = words;
    const fraction = entry.target ? entry.wordCount / entry.target : 0;
    setBar(entry.words, Math.min(10, fraction * 10), entry.wordCount + "/" + (entry.target || "?"));
  }

  function follow(job) {
    if (state.source) state.source.close();
    state.liveJob = job.id;
    state.rows.clear();
    state.issues = [];
    state.lastTokens = null;
    state.startedAt = Date.now();
    $("chapter-rows").textContent = "";
    $("issues").textContent = "";
    $("issue-count").textContent = "0";
    $("live-empty").hidden = true;
    $("live-book").hidden = false;
    $("live-book").dataset.job = String(job.id);
    $("live-title").textContent = job.title || ("Job " + job.id);
    $("live-operation").textContent = "–";
    setStatus(job.status);
    const source = new EventSource("/api/jobs/" + job.id + "/events");
    state.source = source;
    const on = (kind, handler) => source.addEventListener(kind, (message) => {
      let event;
      try { event = JSON.parse(message.data); } catch (error) { return; }
      handler(event.payload || event, event);
    });
    on("plan.done", (p) => { $("live-title").textContent = p.title; for (let n = 1; n <= p.chapters; n++) chapterRow(n); });
    on("chapter.started", (p) => { const e = chapterRow(p.chapter); setWords(e, 0, p.target_words); e.state.textContent = "writing"; operation("writing chapter " + p.chapter); });
    on("scene.written", (p) => { const e = chapterRow(p.chapter); setWords(e, p.words, p.target); e.state.textContent = "scene " + p.scene; });
    on("chapter.drafted", (p) => { const e = chapterRow(p.chapter); setWords(e, p.words); e.state.textContent = "drafted"; });
    on("chapter.scored", (p) => {
      const e = chapterRow(p.chapter), m = p.metrics || {};
      setBar(e.quality, p.quality);
      setBar(e.detail, m["detail_density.score"], m.detail_density != null ? Number(m.detail_density).toFixed(1) : null);
      setBar(e.emotion, m.emotion);
      setBar(e.voice, m.voice);
      setWords(e, p.words);
      e.state.textContent = "scored v" + p.version;
      (p.issues || []).forEach((issue) => addIssue(p.chapter, issue));
    });
    on("chapter.enhancing", (p) => { chapterRow(p.chapter).state.textContent = p.operation; operation(p.operation + " · chapter " + p.chapter + " ¶" + p.paragraph); });
    on("chapter.enhanced", (p) => { const e = chapterRow(p.chapter); if (p.kept) setBar(e.quality, p.quality); e.state.textContent = p.operation + (p.kept ? " kept" : " not kept"); });
    on("chapter.done", (p) => { const e = chapterRow(p.chapter); setBar(e.quality, p.quality); setWords(e, p.words); e.state.textContent = "done"; });
    on("continuity.checked", (p) => operation("continuity: " + p.violations + " violations"));
    on("book.done", (p) => { operation("book done"); $("live-cost").textContent = "$" + Number(p.cost_usd).toFixed(4); });
    on("run.failed", (p) => operation("failed: " + p.error));
    ["job.done", "job.dead", "job.cancelled"].forEach((kind) => on(kind, (p, event) => {
      setStatus(kind.slice(4));
      operation(kind === "job.done" ? "done" : kind.slice(4) + (event.last_error ? ": " + event.last_error : ""));
      source.close();
      refresh();
    }));
    source.onerror = () => { /* EventSource reconnects by itself and resumes after the last id */ };
  }

  function operation(text) { $("live-operation").textContent = text; }
  function setStatus(status) { const badge = $("live-status"); badge.className = "status " + status; badge.textContent = status; }

  function addIssue(chapter, issue) {
    if (state.issues.length >= 200) return;
    state.issues.push(issue);
    const li = document.createElement("li");
    li.textContent = "Chapter " + chapter + ": " + issue;
    $("issues").appendChild(li);
    $("issue-count").textContent = String(state.issues.length);
  }

  async function liveFigures() {
    if (state.liveJob == null) return;
    const job = await api("/api/jobs/" + state.liveJob);
    const p = job.progress || {};
    setStatus(job.status);
    $("live-cost").textContent = "$" + Number(p.cost_usd || 0).toFixed(4);
    const now = Date.now();
    if (state.lastTokens && now > state.lastTokens.at) {
      const rate = ((p.tokens || 0) - state.lastTokens.tokens) / ((now - state.lastTokens.at) / 1000);
      $("live-rate").textContent = rate >= 0 ? rate.toFixed(0) : "–";
    }
    state.lastTokens = { tokens: p.tokens || 0, at: now };
    const done = p.chapters_done || 0, total = p.chapters_total;
    if (job.status === "running" && total && done > 0 && done < total) {
      const seconds = (now - state.startedAt) / 1000 / done * (total - done);
      $("live-eta").textContent = seconds < 90 ? Math.round(seconds) + " s" : Math.round(seconds / 60) + " min";
    } else {
      $("live-eta").textContent = job.status === "done" ? "done" : "–";
    }
  }

  // ---- lists ----

  async function refresh() {
    try {
      const [queue, jobs, books, runs, abtests, baselines] = await Promise.all([api("/api/queue"), api("/api/jobs?limit=20"), api("/api/books?limit=20"),
        api("/api/runs?limit=20"), api("/api/abtests?limit=10"), api("/api/baselines")]);
      const c = queue.counts;
      state.paused = queue.paused;
      $("queue-summary").textContent = (queue.paused ? "paused · " : "") + c.running + " running · " + c.pending + " pending · " + c.done + " done · " + c.dead + " dead · " + c.cancelled + " cancelled";
      $("pause").textContent = queue.paused ? "Resume queue" : "Pause queue";
      renderJobs(jobs.items);
      renderBooks(books.items);
      renderRuns(runs.items);
      renderABTests(abtests.items);
      renderBaselines(baselines.items);
      // Unless a job was picked: follow the running book, else show the newest job (its
      // events replay from the start); move on when the one shown is no longer running.
      if (!state.chosen) {
        const target = queue.running.find(followable) || jobs.items.find(followable);
        if (target && target.id !== state.liveJob && $("live-status").textContent !== "running") follow(target);
      }
      await liveFigures();
    } catch (error) {
      $("queue-summary").textContent = "cannot reach the server: " + error.message;
    }
  }

  // The live panel draws one book's chapters: book and chapter jobs, not a regress.
  const followable = (job) => job.kind !== "regress";

  function renderJobs(items) {
    const body = $("job-rows");
    body.textContent = "";
    items.forEach((job) => {
      const tr = document.createElement("tr");
      cell(tr, job.id); cell(tr, job.kind); cell(tr, statusBadge(job.status));
      cell(tr, job.title || (job.source ? job.source.kind + " (" + job.source.name + ")" : ""), "title");
      cell(tr, job.attempts + "/" + job.max_attempts);
      const actions = document.createElement("span");
      if (followable(job)) {
        const watch = document.createElement("button");
        watch.type = "button"; watch.className = "link"; watch.textContent = "watch";
        watch.addEventListener("click", () => { state.chosen = true; follow(job); });
        actions.appendChild(watch);
      } else if (job.status === "done") {
        // A regress is many books' samples: its verdict is what to see (and the baseline's row).
        const verdict = document.createElement("a");
        verdict.href = "/api/jobs/" + job.id + "/result"; verdict.target = "_blank"; verdict.rel = "noopener"; verdict.textContent = "verdict";
        actions.appendChild(verdict);
      }
      if (job.status === "pending" || job.status === "running") {
        const cancel = document.createElement("button");
        cancel.type = "button"; cancel.className = "link"; cancel.textContent = "cancel";
        cancel.addEventListener("click", () => api("/api/jobs/" + job.id + "/cancel", { method: "POST", headers: CSRF }).then(refresh, (e) => alert(e.message)));
        actions.appendChild(cancel);
      }
      cell(tr, actions);
      body.appendChild(tr);
    });
  }

  function renderBooks(items) {
    const body = $("book-rows");
    body.textContent = "";
    items.forEach((book) => {
      const tr = document.createElement("tr");
      cell(tr, book.id); cell(tr, book.title, "title"); cell(tr, book.chapter_count); cell(tr, statusBadge(book.status === "done" ? "done" : "running"));
      const links = document.createElement("span");
      [["html", "report"], ["md", "md"], ["json", "json"]].forEach(([format, label], index) => {
        const a = document.createElement("a");
        a.href = "/api/books/" + encodeURIComponent(book.id) + "/report?format=" + format;
        a.target = "_blank"; a.rel = "noopener"; a.textContent = (index ? " · " : "") + label;
        links.appendChild(a);
      });
      const manuscript = document.createElement("a");
      manuscript.href = "/api/books/" + encodeURIComponent(book.id) + "/manuscript";
      manuscript.target = "_blank"; manuscript.rel = "noopener"; manuscript.textContent = " · manuscript";
      links.appendChild(manuscript);
      cell(tr, links);
      body.appendChild(tr);
    });
  }

  function renderRuns(items) {
    const body = $("run-rows");
    body.textContent = "";
    items.forEach((run) => {
      const tr = document.createElement("tr");
      cell(tr, run.id); cell(tr, run.kind); cell(tr, statusBadge(run.status === "succeeded" ? "done" : run.status === "failed" ? "dead" : run.status)); cell(tr, String(run.started_at || "").slice(0, 16).replace("T", " "));
      body.appendChild(tr);
    });
  }

  function renderABTests(items) {
    const body = $("abtest-rows");
    body.textContent = "";
    if (!items.length) { const tr = document.createElement("tr"); cell(tr, "No A/B test in this workspace yet (workbench abtest run).", "muted").colSpan = 4; body.appendChild(tr); }
    items.forEach((run) => {
      const tr = document.createElement("tr");
      cell(tr, run.id); cell(tr, statusBadge(run.status === "succeeded" ? "done" : run.status === "failed" ? "dead" : run.status));
      cell(tr, String(run.started_at || "").slice(0, 16).replace("T", " "));
      const a = document.createElement("a");
      a.href = "/api/abtests/" + encodeURIComponent(run.id) + "?format=html"; a.target = "_blank"; a.rel = "noopener"; a.textContent = "report and plots";
      cell(tr, a);
      body.appendChild(tr);
    });
  }

  // The regress history of each baseline: every verdict against it, as a strip of pass/fail marks.
  function historyRow(body, after, version) {
    api("/api/baselines/" + encodeURIComponent(version)).then((detail) => {
      const history = detail.history || [];
      if (!history.length) return;
      const tr = document.createElement("tr");
      tr.className = "history";
      const td = cell(tr, "");
      td.colSpan = 6;
      const label = document.createElement("span");
      label.className = "muted";
      label.textContent = version + " regress history (newest first): ";
      td.appendChild(label);
      history.slice(0, 40).forEach((verdict) => {
        const mark = document.createElement("span");
        mark.className = "mark " + (verdict.passed ? "pass" : "fail");
        mark.title = String(verdict.at).slice(0, 16).replace("T", " ") + " · " + verdict.current + " · " + verdict.summary;
        td.appendChild(mark);
      });
      historyRows.set(version, tr);
      if (after.parentNode === body) body.insertBefore(tr, after.nextSibling);
    }, () => {});
  }
  const historyRows = new Map();

  function renderBaselines(items) {
    const body = $("baseline-rows");
    body.textContent = "";
    items.forEach((baseline) => {
      const tr = document.createElement("tr");
      cell(tr, baseline.version);
      if (baseline.error) { cell(tr, baseline.error, "title").colSpan = 4; body.appendChild(tr); return; }
      cell(tr, baseline.suite); cell(tr, baseline.chapters_count + " × " + baseline.samples_per_chapter);
      cell(tr, Number(baseline.mean_quality).toFixed(2)); cell(tr, String(baseline.created_at || "").slice(0, 10));
      const last = baseline.last_regress;
      const verdict = last ? statusBadge(last.passed ? "done" : "dead") : null;
      if (verdict) { verdict.textContent = (last.passed ? "pass " : "fail ") + String(last.at).slice(5, 16).replace("T", " "); verdict.title = last.summary; }
      const lastCell = cell(tr, verdict || "never");
      const run = document.createElement("button");
      run.type = "button"; run.className = "link regress-now"; run.textContent = "regress now";
      run.title = "Write the suite again with the current prompts and check it against " + baseline.version;
      run.addEventListener("click", () => api("/api/regress", { method: "POST", headers: Object.assign({ "Content-Type": "application/json" }, CSRF),
        body: JSON.stringify({ baseline: baseline.version }) }).then(refresh, (e) => alert(e.message)));
      lastCell.appendChild(run);
      body.appendChild(tr);
      // A new verdict since the strip was drawn: draw it again.
      const seen = last ? last.run_id : "";
      if (state.lastRegress.get(baseline.version) !== seen) { state.lastRegress.set(baseline.version, seen); state.history.delete(baseline.version); historyRows.delete(baseline.version); }
      if (historyRows.has(baseline.version)) body.appendChild(historyRows.get(baseline.version));
      else if (!state.history.has(baseline.version)) { state.history.add(baseline.version); historyRow(body, tr, baseline.version); }
    });
  }

  // ---- actions ----

  $("new-book").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("form-error").textContent = "";
    const body = { premise: $("premise").value.trim(), chapters: Number($("chapters").value), words: Number($("words").value) };
    if ($("experiment").value.trim()) body.experiment = $("experiment").value.trim();
    try {
      const job = await api("/api/books", { method: "POST", headers: Object.assign({ "Content-Type": "application/json" }, CSRF), body: JSON.stringify(body) });
      state.chosen = true;
      follow(job);
      refresh();
    } catch (error) {
      $("form-error").textContent = error.message;
    }
  });

  $("pause").addEventListener("click", () => {
    api(state.paused ? "/api/queue/resume" : "/api/queue/pause", { method: "POST", headers: CSRF }).then(refresh, (e) => alert(e.message));
  });

  const watched = new URLSearchParams(location.search).get("job");
  if (watched && /^[0-9]+$/.test(watched)) {
    state.chosen = true;
    api("/api/jobs/" + watched).then(follow, () => {});
  }
  refresh();
  setInterval(refresh, 1000);
})();
"""#
}
