"""The reference for `make bench`'s statistics figures: scipy.stats.bootstrap (BCa, 10,000
resamples, vectorised np.mean) on the data file the Swift benchmark writes, best of five; and
scipy.stats.ttest_ind(equal_var=False) on 10,000 pairs of 20-value samples, best of three.

usage: bench_scipy_stats.py DATA_FILE
prints one JSON line: {"bootstrap_seconds": S, "welch_seconds_per_test": T}
"""
import json
import sys
import time

import numpy as np
from scipy import stats

data = np.loadtxt(sys.argv[1])
best = float("inf")
for _ in range(5):
    start = time.perf_counter()
    stats.bootstrap((data,), np.mean, method="BCa", n_resamples=10_000, rng=np.random.default_rng(1))
    best = min(best, time.perf_counter() - start)

rng = np.random.default_rng(2)
arms = [(rng.integers(0, 1000, 20) / 100, rng.integers(0, 1000, 20) / 100) for _ in range(10_000)]
welch = float("inf")
for _ in range(3):
    start = time.perf_counter()
    for a, b in arms:
        stats.ttest_ind(a, b, equal_var=False)
    welch = min(welch, time.perf_counter() - start)

print(json.dumps({"bootstrap_seconds": best, "welch_seconds_per_test": welch / len(arms)}))
