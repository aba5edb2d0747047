#!/usr/bin/env python3
"""noop: a workbench plugin (protocol v1) that declares all ten hooks and answers {} to every
call, for round-trip benchmarks and host tests. Python 3 standard library only."""
import json
import sys

HOOKS = ["afterPlan", "beforeChapter", "afterDraft", "analyze", "chooseOperation",
         "afterEnhance", "afterChapter", "onEvent", "afterBook", "onContinuityViolation"]
CAPABILITIES = ["observe", "addMetrics", "transformPrompt", "transformText"]


def main():
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            message = json.loads(line)
            if not isinstance(message, dict):
                raise ValueError("not a JSON object")
        except ValueError as error:
            answer = {"type": "error", "id": None, "message": "malformed line: %s" % error}
        else:
            kind = message.get("type")
            if kind == "bye":
                break
            if kind == "hello":
                answer = {"type": "hello", "name": message.get("plugin") or "noop", "version": "1.0.0",
                          "hooks": HOOKS, "capabilities": CAPABILITIES}
            elif kind == "call" and message.get("hook") in HOOKS:
                answer = {"type": "result", "id": message.get("id"), "result": {}}
            else:
                answer = {"type": "error", "id": message.get("id"), "message": "unknown call"}
        out.write(json.dumps(answer, separators=(",", ":")) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
