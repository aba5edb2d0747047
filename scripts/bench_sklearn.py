"""The reference for `make bench`'s learning figures: scikit-learn's Ridge (Cholesky solver,
as the workbench's) on the matrix the Swift benchmark writes, best of two; and one epoch of
MLPRegressor (64 ReLU units, Adam, batches of 200), best of two.

usage: bench_sklearn.py MATRIX_FILE ROWS COLUMNS ALPHA
MATRIX_FILE holds ROWS × COLUMNS float64 values row by row, then ROWS targets.
prints one JSON line: {"ridge_seconds": S, "max_abs_coef": M, "mlp_epoch_seconds": E, "threads": T}
"""
import json
import sys
import time

import numpy as np
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.neural_network import MLPRegressor

path, rows, columns, alpha = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
values = np.fromfile(path, dtype="<f8")
x = values[: rows * columns].reshape(rows, columns)
y = values[rows * columns :]
best = float("inf")
for _ in range(2):
    start = time.perf_counter()
    model = Ridge(alpha=alpha, solver="cholesky").fit(x, y)
    best = min(best, time.perf_counter() - start)
epoch = float("inf")
warnings.simplefilter("ignore", ConvergenceWarning)
for _ in range(2):
    start = time.perf_counter()
    MLPRegressor(hidden_layer_sizes=(64,), batch_size=200, max_iter=1, shuffle=False, random_state=1).fit(x, y)
    epoch = min(epoch, time.perf_counter() - start)
try:
    from threadpoolctl import threadpool_info
    threads = max((pool.get("num_threads", 0) for pool in threadpool_info() if pool.get("internal_api") == "openblas"), default=0)
except ImportError:
    threads = 0
print(json.dumps({"ridge_seconds": best, "max_abs_coef": float(np.abs(model.coef_).max()), "mlp_epoch_seconds": epoch, "threads": float(threads)}))
