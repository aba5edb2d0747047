"""scikit-learn's answers for the cases the Learning tests send (JSON on stdin, JSON on stdout).

Each case: {"kind": "ridge", "x": [[...], ...], "y": [...], "alpha": a, "predict": [[...], ...]},
or {"kind": "logistic", "x": [[...], ...], "y": [0|1, ...], "c": C}: an L2-penalised logistic
regression without intercept (Bradley–Terry's likelihood, C = 1/λ).
"""
import json
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression, Ridge


def ridge(case):
    x = np.array(case["x"], dtype=float)
    model = Ridge(alpha=case["alpha"], fit_intercept=True, solver="cholesky").fit(x, np.array(case["y"], dtype=float))
    out = {"coef": model.coef_.tolist(), "intercept": float(model.intercept_)}
    if case.get("predict"):
        out["prediction"] = model.predict(np.array(case["predict"], dtype=float)).tolist()
    return out


def logistic(case):
    model = LogisticRegression(C=case["c"], fit_intercept=False, tol=1e-12, max_iter=100000)
    model.fit(np.array(case["x"], dtype=float), np.array(case["y"], dtype=int))
    return {"coef": model.coef_[0].tolist()}


def main():
    cases = json.load(sys.stdin)
    json.dump([logistic(case) if case["kind"] == "logistic" else ridge(case) for case in cases], sys.stdout)


if __name__ == "__main__":
    main()
