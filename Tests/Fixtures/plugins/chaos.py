#!/usr/bin/env python3
"""chaos: a misbehaving workbench plugin (protocol v1) for host tests. Python 3 stdlib only.

The handshake is always answered well (name = the host's "plugin" field, default "chaos";
hooks analyze, beforeChapter, afterDraft, afterChapter, onEvent; capabilities addMetrics,
transformPrompt, transformText, observe). Each call then draws u from random.Random(seed * 1_000_003 + id)
(config.seed, default 0; id the call's id), so a given seed and id always misbehave alike,
whichever process answers, and:

  u < p_error                       answers {"type":"error",...}           (default 0.05)
  next p_hang                       sleeps config.hang_seconds (default 10) before answering
  next p_crash                      exits with status 3 without answering
  next p_garbage                    answers a line that is not JSON, or a result with a wrong id
  otherwise                         well-behaved: {"metrics":{"chaos_ok":1}} on analyze, else {}

With config.fault_log (a path), each fault is appended there as one line, "ID KIND" (KIND
error, hang, crash or garbage), before the plugin misbehaves: the truth a test compares the
host's reports with.

Unknown hooks get an error answer; "bye" or EOF ends the process.
"""
import json
import random
import sys
import time

HOOKS = ["analyze", "beforeChapter", "afterDraft", "afterChapter", "onEvent"]
CAPABILITIES = ["addMetrics", "transformPrompt", "transformText", "observe"]


def send(message):
    write(json.dumps(message, separators=(",", ":")))


def write(line):
    try:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # the host gave up on us (after a hang): leave quietly
        sys.exit(0)


def record(config, call_id, kind):
    path = config.get("fault_log")
    if isinstance(path, str) and path:
        with open(path, "a") as log:
            log.write("%s %s\n" % (call_id, kind))


def probability(config, key):
    value = config.get(key, 0.05)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.05


def main():
    config = {}
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
            config = message.get("config") if isinstance(message.get("config"), dict) else {}
            send({"type": "hello", "name": message.get("plugin") or "chaos", "version": "1.0.0",
                  "hooks": HOOKS, "capabilities": CAPABILITIES})
            continue
        call_id = message.get("id")
        if kind != "call" or message.get("hook") not in HOOKS:
            send({"type": "error", "id": call_id, "message": "unknown call"})
            continue
        seed = config.get("seed", 0)
        seed = seed if isinstance(seed, int) and not isinstance(seed, bool) else 0
        numeric_id = call_id if isinstance(call_id, int) and not isinstance(call_id, bool) else 0
        rng = random.Random(seed * 1_000_003 + numeric_id)
        u = rng.random()
        edges = []
        total = 0.0
        for key in ("p_error", "p_hang", "p_crash", "p_garbage"):
            total += probability(config, key)
            edges.append(total)
        if u < edges[0]:
            record(config, call_id, "error")
            send({"type": "error", "id": call_id, "message": "chaos: thrown (u=%.4f)" % u})
            continue
        if u < edges[1]:
            record(config, call_id, "hang")
            hang = config.get("hang_seconds", 10)
            time.sleep(float(hang) if isinstance(hang, (int, float)) and not isinstance(hang, bool) else 10.0)
        elif u < edges[2]:
            record(config, call_id, "crash")
            sys.stderr.write("chaos: crashing on call %r (u=%.4f)\n" % (call_id, u))
            sys.stderr.flush()
            sys.exit(3)
        elif u < edges[3]:
            record(config, call_id, "garbage")
            if rng.random() < 0.5:
                write("{this is not json")
            else:
                send({"type": "result", "id": numeric_id + 1000, "result": {}})
            continue
        result = {"metrics": {"chaos_ok": 1}} if message.get("hook") == "analyze" else {}
        send({"type": "result", "id": call_id, "result": result})


if __name__ == "__main__":
    main()
