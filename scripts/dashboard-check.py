#!/usr/bin/env python3
"""Loads the workbench dashboard in headless Chromium (over the DevTools protocol), starts a
book through the API, and checks that the page's chapter bars fill in live from the event
stream without a reload and with no console error; with --regress VERSION, also starts a
regress from that baseline's row and waits for its verdict to show there. Writes screenshots at
1280 px and at a phone's width. Prints one JSON object; exits 1 when a check fails, 2 when it cannot run."""
import argparse, json, os, shutil, subprocess, sys, tempfile, time, urllib.request

import websocket  # websocket-client


class Page:
    def __init__(self, url):
        self.ws = websocket.create_connection(url, timeout=30)
        self.next_id = 0
        self.errors = []

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.note(message)

    def note(self, message):
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.errors.append("exception: " + (details.get("exception", {}).get("description") or details.get("text", "")))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.errors.append("console." + params["type"] + ": " + " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.errors.append("log: " + entry.get("text", "") + " " + entry.get("url", ""))

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError("evaluate: " + json.dumps(result["exceptionDetails"])[:300])
        return result.get("result", {}).get("value")

    def screenshot(self, path):
        import base64
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        with open(path, "wb") as file:
            file.write(base64.b64decode(data))


SNAPSHOT = """JSON.stringify({
  marker: window.__workbenchMarker || null,
  job: Number(document.getElementById('live-book').dataset.job || 0),
  status: document.getElementById('live-status').textContent,
  rows: Array.from(document.querySelectorAll('#chapter-rows tr')).map(tr => ({
    chapter: Number(tr.dataset.chapter),
    quality: tr.querySelector('.quality').dataset.score || '',
    words: tr.cells[3].textContent,
    state: tr.cells[6].textContent }))
})"""


def api(base, token, method, path, body=None):
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": "Bearer " + token, "X-Workbench-CSRF": "1", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


BASELINE_ROW = """(() => {
  const row = [...document.querySelectorAll('#baseline-rows tr:not(.history)')].find((tr) => tr.cells[0] && tr.cells[0].textContent === %s);
  if (!row) return null;
  const strip = row.nextElementSibling && row.nextElementSibling.classList.contains('history') ? row.nextElementSibling : null;
  return {last: row.cells[row.cells.length - 1].textContent, marks: strip ? strip.querySelectorAll('.mark').length : 0,
          clicked: !!window.__regressClicked, marker: window.__workbenchMarker};
})()"""


def regress_from_the_page(page, version, deadline):
    """Clicks the baseline's `regress now`, then waits (no reload) until its row shows the verdict and its history strip a mark."""
    quoted = json.dumps(version)
    clicked = page.evaluate("""(() => {
      const row = [...document.querySelectorAll('#baseline-rows tr:not(.history)')].find((tr) => tr.cells[0] && tr.cells[0].textContent === %s);
      const button = row && [...row.querySelectorAll('button')].find((b) => b.textContent.includes('regress now'));
      if (!button) return false;
      button.click(); window.__regressClicked = true; return true;
    })()""" % quoted)
    if not clicked:
        return {"verdict": None, "marks": 0, "error": "no `regress now` button for " + version}
    while time.time() < deadline:
        row = page.evaluate(BASELINE_ROW % quoted)
        if row and row["marker"] == "first-load" and row["marks"] >= 1 and not row["last"].startswith("never"):
            return {"verdict": row["last"].split(" ")[0], "marks": row["marks"]}
        time.sleep(0.2)
    return {"verdict": None, "marks": 0, "error": "no verdict shown in time"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--book", default='{"premise": "A keeper finds a letter", "chapters": 3}')
    parser.add_argument("--screenshot", required=True, help="PNG at 1280 px; the phone's beside it (-phone.png)")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--regress", help="a baseline version whose `regress now` button is clicked after the book")
    args = parser.parse_args()
    if not os.path.exists(args.chromium):
        print(json.dumps({"error": f"no Chromium at {args.chromium}: `make deps` installs Debian's chromium"}))
        return 2

    profile = tempfile.mkdtemp(prefix="workbench-chromium-")
    browser = subprocess.Popen([args.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-extensions", "--no-first-run",
                                "--remote-debugging-port=0", "--user-data-dir=" + profile, "--window-size=1280,900", "about:blank"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.time() + 30
        while not os.path.exists(port_file) or not open(port_file).read().strip():
            if time.time() > deadline or browser.poll() is not None:
                print(json.dumps({"error": "Chromium did not start its DevTools endpoint"}))
                return 2
            time.sleep(0.1)
        port = open(port_file).read().split()[0]
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10).read())
        page = Page(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"])
        for domain in ("Runtime.enable", "Log.enable", "Page.enable"):
            page.call(domain)
        page.call("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)
        page.call("Page.navigate", url=args.url + "/?token=" + args.token)
        deadline = time.time() + 30
        loaded = "document.readyState === 'complete' && !!document.getElementById('queue-summary') && document.getElementById('queue-summary').textContent !== '…'"
        while not page.evaluate(loaded):
            if time.time() > deadline:
                print(json.dumps({"error": "the page did not load", "console_errors": page.errors}))
                return 1
            time.sleep(0.1)
        page.evaluate("window.__workbenchMarker = 'first-load'")

        book = json.loads(args.book)
        if "premise" in book:  # a premise of its own, so no earlier run's cached answers make the book instant
            book["premise"] += f" ({int(time.time() * 1000)})"
        job = api(args.url, args.token, "POST", "/api/books", book)
        snapshots, deadline = [], time.time() + args.timeout
        while time.time() < deadline:
            snapshot = json.loads(page.evaluate(SNAPSHOT))
            if not snapshots or snapshot != snapshots[-1]:
                snapshots.append(snapshot)
            if snapshot["job"] == job.get("id") and snapshot["status"] in ("done", "dead", "cancelled") and snapshot["rows"] \
                    and all(row["quality"] for row in snapshot["rows"]):
                break
            time.sleep(0.1)
        final = snapshots[-1]
        regress = None
        if args.regress:
            regress = regress_from_the_page(page, args.regress, time.time() + args.timeout)
        page.screenshot(args.screenshot)
        page.call("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=2, mobile=True)
        time.sleep(0.5)
        phone = os.path.splitext(args.screenshot)[0] + "-phone.png"
        page.screenshot(phone)
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        # A pass over the event loop so late console errors are seen too.
        page.evaluate("1")
        # The page shows the newest job at first (an earlier one, if any), then follows the new one.
        followed = [s for s in snapshots if s["job"] == job.get("id")]
        scored_counts = [sum(1 for row in s["rows"] if row["quality"]) for s in followed]
        checks = {
            "not_reloaded": all(s["marker"] == "first-load" for s in snapshots),
            "followed_the_new_job": final["job"] == job.get("id") and final["status"] == "done",
            "every_chapter_scored": bool(final["rows"]) and all(row["quality"] for row in final["rows"]),
            "bars_filled_live": len(set(scored_counts)) >= 2 and scored_counts == sorted(scored_counts) and len(followed) >= 3,
            "no_console_errors": not page.errors,
            "phone_fits_width": not overflow,
        }
        if args.regress:
            checks["regress_verdict_shown"] = bool(regress and regress["verdict"] in ("pass", "fail") and regress["marks"] >= 1)
        print(json.dumps({"job": job.get("id"), "checks": checks, "regress": regress, "snapshots": len(snapshots), "scored_over_time": scored_counts,
                          "console_errors": page.errors, "screenshots": [args.screenshot, phone]}))
        return 0 if all(checks.values()) else 1
    finally:
        browser.kill()
        browser.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
