#!/usr/bin/env python3
"""event_log: an observe-only workbench plugin (protocol v1, README "Plugins").

Hooks onEvent, afterChapter and afterBook, capability observe. Every call it receives is
written as one JSON line to the file named by config.path (default "plugin-events.jsonl",
relative to the working directory: the experiment file's folder), flushed line by line:
    {"hook": "onEvent", "id": 12, "data": {"kind": "chapter.done", "payload": {...}}}
It answers {} to each: observers change nothing. Python 3 standard library only.
"""
import json
import sys

NAME = "event_log"
VERSION = "1.0.0"
HOOKS = ["onEvent", "afterChapter", "afterBook"]


def send(message):
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def main():
    log = None
    try:
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
                path = config.get("path") or "plugin-events.jsonl"
                if log is not None:
                    log.close()
                # Appended to: a restarted plugin (after a failure) keeps what was written.
                log = open(str(path), "a", encoding="utf-8")
                send({"type": "hello", "name": NAME, "version": VERSION, "hooks": HOOKS, "capabilities": ["observe"]})
                continue
            call_id = message.get("id")
            hook = message.get("hook")
            if kind != "call" or hook not in HOOKS:
                send({"type": "error", "id": call_id, "message": "unknown %s %r" % ("hook" if kind == "call" else "message type", hook if kind == "call" else kind)})
                continue
            if log is None:
                send({"type": "error", "id": call_id, "message": "call before hello"})
                continue
            log.write(json.dumps({"hook": hook, "id": call_id, "data": message.get("data")}, separators=(",", ":")) + "\n")
            log.flush()
            send({"type": "result", "id": call_id, "result": {}})
    finally:
        if log is not None:
            log.close()


if __name__ == "__main__":
    main()
