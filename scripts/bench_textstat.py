"""The reference for `make bench`'s analysis throughput: textstat 0.7.3 computing only
Flesch reading ease over the same chapter-sized pieces of the corpus (paragraphs gathered to
3,000 words, as the Swift benchmark cuts them; best of three passes).

usage: bench_textstat.py CORPUS_DIR
prints one JSON line: {"bytes": B, "seconds": S}
"""
import json
import pathlib
import sys
import time

import textstat

def chapters(text):
    pieces, current, words = [], [], 0
    for paragraph in (p for p in text.split("\n\n") if p):
        current.append(paragraph)
        words += len(paragraph.split())
        if words >= 3000:
            pieces.append("\n\n".join(current))
            current, words = [], 0
    if current:
        pieces.append("\n\n".join(current))
    return pieces


texts = [piece for p in sorted(pathlib.Path(sys.argv[1]).glob("*.txt")) for piece in chapters(p.read_text(encoding="utf-8"))]
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
