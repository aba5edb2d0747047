#!/usr/bin/env python3
"""How the romance plugin's `tension` reads real novels: the chapters of the shared corpus
(text it was not built on), per novel, and where two proposal scenes rank in their books.

    python3 Experiments/plugins/romance_on_corpus.py [CORPUS_DIR]   (default ../shared/corpus)
"""
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import romance  # noqa: E402

HEADING = re.compile(r"\n\s*(?:CHAPTER|Chapter|Letter|LETTER)\s+[IVXLC\d]+[^\n]*\n")
# A proposal scene each, found by a line of it (not by chapter number: headings vary).
SCENES = [("austen-pride-and-prejudice", "In vain have I struggled", "Darcy's first proposal"),
          ("bronte-jane-eyre", "I offer you my hand", "Rochester's proposal")]


def chapters(path):
    parts = HEADING.split(open(path, encoding="utf-8").read())[1:]
    return [part for part in parts if len(part.split()) > 800]


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../../shared/corpus")
    found = {}
    for name in sorted(os.path.splitext(f)[0] for f in os.listdir(folder) if f.endswith(".txt")):
        texts = chapters(os.path.join(folder, name + ".txt"))
        if not texts:
            print(f"{name:30s} no chapter headings this script reads")
            continue
        scores = [romance.tension(text) for text in texts]
        found[name] = (texts, scores)
        print(f"{name:30s} {len(scores):3d} chapters  mean {statistics.mean(scores):.2f}  median {statistics.median(scores):.2f}"
              f"  at or above the threshold 5: {sum(s >= 5 for s in scores)}")
    for name, line, scene in SCENES:
        if name not in found:
            continue
        texts, scores = found[name]
        index = next((i for i, text in enumerate(texts) if line in text), None)
        if index is not None:
            rank = sorted(scores, reverse=True).index(scores[index]) + 1
            print(f"{scene}: tension {scores[index]:.2f}, rank {rank} of {len(scores)} chapters of its book")


if __name__ == "__main__":
    main()
