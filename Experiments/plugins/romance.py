#!/usr/bin/env python3
"""romance: the roadmap's RomanceEnhancer as an external workbench plugin (protocol v1).

Speaks the JSON-lines protocol v1 of the README ("Plugins") on stdin/stdout.
Python 3 standard library only. Stateless between calls: every answer is a function of the
call's data and the handshake's config, so calls for different chapters may come in any order.

Metric `tension` (0-10)
-----------------------
Words are lower-cased runs of letters (and inner apostrophes); each word is counted at most
once per list below, by exact match.

  ATTRACTION = DESIRE + TOUCH (longing and the body)
  OBSTACLE   (what keeps the two apart)

  A = attraction hits per 1,000 words, O = obstacle hits per 1,000 words
  a = min(1, A / 12),  o = min(1, O / 6)
  tension = 10 * sqrt(a * o)            (rounded to 2 decimals)

The geometric mean makes tension need both: all desire and no obstacle scores 0, and so
does all obstacle and no desire. A text of no words scores 0. Saturation: 12 attraction
and 6 obstacle words per 1,000 words (about one of each every page and a half) is 10.

Config (the experiment's `config:` map): threshold (default 5): below it the plugin acts.

Hooks
-----
analyze          {"metrics": {"tension": t}, "issues": [...]}: when t < threshold, one issue
                 per lowest-tension paragraph (ties: all of them, at most 3), 1-based,
                 paragraphs split on blank lines.
beforeChapter    the chapter's planned tension (its title + beats, same lexicon and formula):
                 below the threshold, {"instructions": [one instruction containing
                 "romantic tension"]}; else {}.
afterDraft       the draft's tension below the threshold: {"rewrite": {"paragraph": the
                 lowest-tension paragraph, "instruction": ...}}; else {}.
chooseOperation  metrics["plugin.romance.tension"] (else the text's own tension) below the
                 threshold: {"operation": {"name": "RAISE_TENSION", "instruction": ...,
                 "paragraph": n}}; else {}.
"""
import json
import math
import re
import sys

NAME = "romance"
VERSION = "1.0.0"
HOOKS = ["analyze", "beforeChapter", "afterDraft", "chooseOperation"]
CAPABILITIES = ["addMetrics", "transformPrompt", "transformText"]

# The phrase the simulator's `romance` knob answers to (ResponseSurface.swift): every
# instruction this plugin gives contains it.
TRIGGER = "romantic tension"

DESIRE = frozenset("""
    desire desired desires desiring longing longed yearn yearned yearning yearns
    ache ached aching crave craved craving hungered hungering adore adored
    love loved lover passion passionate infatuated smitten
""".split())
TOUCH = frozenset("""
    touch touched touching brush brushed brushing caress caressed kiss kissed kisses kissing
    embrace embraced embracing lips mouth skin fingers fingertips wrist throat waist
""".split())
OBSTACLE = frozenset("""
    forbidden forbade forbid forbids impossible promised betrothed engaged married
    duty honour honor secret secrets apart rival rivals scandal refuse refused refuses
    resist resisted jealous jealousy enemy enemies feud obstacle disgrace
""".split())
ATTRACTION = DESIRE | TOUCH

ATTRACTION_SATURATION = 12.0  # hits per 1,000 words that count as full attraction
OBSTACLE_SATURATION = 6.0     # hits per 1,000 words that count as a full obstacle
DEFAULT_THRESHOLD = 5.0
MAX_ISSUES = 3

WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


def words(text):
    return WORD.findall(text.lower().replace("\u2019", "'"))


def tension(text):
    """The documented formula: 10 * sqrt(min(1, A/12) * min(1, O/6)), A and O per 1,000 words."""
    tokens = words(text)
    if not tokens:
        return 0.0
    attraction = sum(1 for w in tokens if w in ATTRACTION)
    obstacle = sum(1 for w in tokens if w in OBSTACLE)
    per_thousand = 1000.0 / len(tokens)
    a = min(1.0, attraction * per_thousand / ATTRACTION_SATURATION)
    o = min(1.0, obstacle * per_thousand / OBSTACLE_SATURATION)
    return round(10.0 * math.sqrt(a * o), 2)


def paragraphs(text):
    """Paragraphs split on blank lines (lines holding only whitespace count as blank)."""
    parts = re.split(r"\n[ \t\r\f\v]*\n", text.strip())
    return [p for p in (part.strip() for part in parts) if p]


def lowest_paragraphs(text):
    """[(1-based index, tension)] of the paragraphs with the lowest tension, in order."""
    scored = [(i + 1, tension(p)) for i, p in enumerate(paragraphs(text))]
    if not scored:
        return []
    low = min(t for _, t in scored)
    return [(i, t) for i, t in scored if t == low]


def number(value, default):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return default
    return float(value)


class Romance:
    def __init__(self, config):
        self.threshold = number((config or {}).get("threshold"), DEFAULT_THRESHOLD)

    def instruction(self, paragraph=None):
        where = "this paragraph" if paragraph is not None else "the chapter"
        return ("Raise the romantic tension in %s: let the two characters' longing show in a touch, "
                "a glance held too long or a word left unsaid, and keep what stands between them "
                "(a promise, a duty, a secret) in the way." % where)

    def analyze(self, data):
        text = str(data.get("text") or "")
        value = tension(text)
        issues = []
        if value < self.threshold:
            for index, low in lowest_paragraphs(text)[:MAX_ISSUES]:
                issues.append({"metric": "tension", "paragraph": index,
                               "message": "lowest romantic tension in the chapter (%.2f, threshold %g)" % (low, self.threshold)})
        return {"metrics": {"tension": value}, "issues": issues}

    def beforeChapter(self, data):
        beats = data.get("beats") or []
        if not isinstance(beats, list):
            beats = [beats]
        planned = tension(" ".join([str(data.get("title") or "")] + [str(b) for b in beats]))
        if planned >= self.threshold:
            return {}
        return {"instructions": [
            "Build romantic tension in this chapter: the pull between the two leads should be felt "
            "(longing, an almost-touch) and so should what keeps them apart (a duty, a promise, a secret)."
        ]}

    def afterDraft(self, data):
        text = str(data.get("text") or "")
        if tension(text) >= self.threshold:
            return {}
        low = lowest_paragraphs(text)
        if not low:
            return {}
        index = low[0][0]
        return {"rewrite": {"paragraph": index, "instruction": self.instruction(index)}}

    def chooseOperation(self, data):
        text = str(data.get("text") or "")
        metrics = data.get("metrics") or {}
        value = metrics.get("plugin.romance.tension") if isinstance(metrics, dict) else None
        value = number(value, None)
        if value is None:
            value = tension(text)
        if value >= self.threshold:
            return {}
        low = lowest_paragraphs(text)
        index = low[0][0] if low else 1
        return {"operation": {"name": "RAISE_TENSION", "instruction": self.instruction(index), "paragraph": index}}


def send(message):
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def main():
    plugin = Romance({})
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            message = json.loads(line)
            if not isinstance(message, dict):
                raise ValueError("not a JSON object")
        except ValueError as error:
            send({"type": "error", "id": None, "message": "malformed line: %s" % error})
            continue
        kind = message.get("type")
        if kind == "bye":
            break
        if kind == "hello":
            config = message.get("config")
            plugin = Romance(config if isinstance(config, dict) else {})
            send({"type": "hello", "name": NAME, "version": VERSION, "hooks": HOOKS, "capabilities": CAPABILITIES})
            continue
        call_id = message.get("id")
        if kind != "call":
            send({"type": "error", "id": call_id, "message": "unknown message type %r" % (kind,)})
            continue
        hook = message.get("hook")
        data = message.get("data")
        if hook not in HOOKS:
            send({"type": "error", "id": call_id, "message": "unknown hook %r" % (hook,)})
            continue
        if not isinstance(data, dict):
            send({"type": "error", "id": call_id, "message": "data must be an object"})
            continue
        try:
            result = getattr(plugin, hook)(data)
        except Exception as error:  # a bug here must not kill the plugin: answer and go on
            send({"type": "error", "id": call_id, "message": "%s: %s" % (type(error).__name__, error)})
            continue
        send({"type": "result", "id": call_id, "result": result})


if __name__ == "__main__":
    main()
