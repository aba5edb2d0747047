"""The reference for `make bench`'s analysis throughput: textstat 0.7.3 computing only
Flesch reading ease over the same corpus files (best of three passes).

usage: bench_textstat.py CORPUS_DIR
prints one JSON line: {"bytes": B, "seconds": S}
"""
import json
import pathlib
import sys
import time

import textstat

texts = [p.read_text(encoding="utf-8") for p in sorted(pathlib.Path(sys.argv[1]).glob("*.txt"))]
size = sum(len(t.encode("utf-8")) for t in texts)
best = float("inf")
for round_ in range(3):
    # textstat memoises its functions (lru_cache): a trailing space per round makes each
    # text new, so every round really computes.
    variants = [text + " " * round_ for text in texts]
    start = time.perf_counter()
    for text in variants:
        textstat.flesch_reading_ease(text)
    best = min(best, time.perf_counter() - start)
print(json.dumps({"bytes": size, "seconds": best}))
