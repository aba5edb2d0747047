#!/usr/bin/env python3
"""How the regression gate's decision rule was chosen (README, "Validating the gate").

Runs `workbench regress --baseline sim-v3.0 --seed S --json-out …` with the simulator for
many seeds and four prompt folders (prompts/v1 unchanged, v1 stripped of its style
instructions, and the two fixtures of Tests/Fixtures/regress-prompts), then re-judges the
per-chapter figures of every run offline under two rules:

- old: Welch's t per chapter on `quality` at alpha 0.05 with a 0.5-point threshold, and the
  suite mean (paired t over chapters, p < 0.05, drop >= 0.2): the gate before issue #14;
- new: what RegressionAnalysis does now (pooled noise, partial pooling with
  DerSimonian-Laird tau^2, alpha split over quality, outline_adherence and the suite mean).

Two comparisons: each run against the shipped sim-v3.0 (what CI sees, conditional on how that
one baseline fell), and pairs of runs, a v1 run standing as the baseline of another run, so
the baseline's own luck is sampled too. The per-chapter means, sds and sample counts a run's
JSON carries are all either rule needs. The authoritative figures come from the Swift code:
`workbench-bench --only regress-false-alarms`; this script is the study behind the choice.

    python3 scripts/regress_gate_study.py --workbench .build/release/workbench --seeds 200 --out /tmp/study
"""
import argparse
import glob
import json
import math
import os
import random
import shutil
import subprocess
import tempfile

import numpy as np
from scipy import stats

STYLE = "Use vivid detail,\ndeepen emotion, include dialogue and stay with the obsession. Avoid repetition. "


def run_variants(workbench, seeds, first, out):
    stripped = os.path.join(out, "prompts-stripped")
    if not os.path.exists(stripped):
        shutil.copytree("Experiments/prompts/v1", stripped)
        path = os.path.join(stripped, "chapter.mustache")
        text = open(path).read()
        assert STYLE in text
        open(path, "w").write(text.replace(STYLE, ""))
    variants = {"v1": None, "stripped": stripped,
                "no-outline": "Tests/Fixtures/regress-prompts/no-outline", "reworded": "Tests/Fixtures/regress-prompts/reworded"}
    for name, prompts in variants.items():
        for seed in range(first, first + seeds):
            target = os.path.join(out, f"{name}-{seed}.json")
            if os.path.exists(target):
                continue
            workspace = tempfile.mkdtemp(prefix="gate-study-")
            try:
                subprocess.run([workbench, "init", "--workspace", workspace], check=True, capture_output=True)
                args = [workbench, "regress", "--baseline", "sim-v3.0", "--workspace", workspace, "--seed", str(seed), "--json-out", target]
                if prompts:
                    args += ["--prompts", prompts]
                code = subprocess.run(args, capture_output=True).returncode
                if code not in (0, 1):
                    raise SystemExit(f"{' '.join(args)} exited {code}")
            finally:
                shutil.rmtree(workspace, ignore_errors=True)


def sides(path):
    """metric -> chapter -> ((mean, sd, n) baseline, (mean, sd, n) current)."""
    result = {}
    for row in json.load(open(path))["result"]["rows"]:
        before = (row["baseline_mean"], row["baseline_sd"] or 0.0, row["baseline_samples"])
        after = (row["current_mean"], row["current_sd"] or 0.0, row["current_samples"])
        result.setdefault(row["metric"], {})[row["chapter"]] = (before, after)
    return result


def suite_mean_fails(pairs, alpha, threshold=0.2):
    d = np.array([a[0] - b[0] for b, a in pairs.values()])
    p = (0.0 if d[0] < 0 else 1.0) if np.all(d == d[0]) else stats.ttest_1samp(d, 0, alternative="less").pvalue
    return p < alpha and d.mean() <= -threshold


def new_chapters(pairs, alpha, threshold=0.5):
    ids = list(pairs)
    squares = sum((n - 1) * sd * sd for b, a in pairs.values() for _, sd, n in (b, a) if n > 1)
    df = sum(n - 1 for b, a in pairs.values() for _, _, n in (b, a) if n > 1)
    d = np.array([pairs[i][1][0] - pairs[i][0][0] for i in ids])
    if df == 0 or squares == 0:
        return {i for i, x in zip(ids, d) if x < -threshold}
    s = math.sqrt(squares / df)
    se = np.array([max(s * math.sqrt(1 / b[2] + 1 / a[2]), math.sqrt((b[1] ** 2 / b[2] if b[2] > 1 else 0) + (a[1] ** 2 / a[2] if a[2] > 1 else 0)))
                   for b, a in (pairs[i] for i in ids)])
    if len(ids) >= 3:
        w = 1 / se ** 2
        fixed = np.sum(w * d) / np.sum(w)
        q = np.sum(w * (d - fixed) ** 2)
        tau2 = max(0.0, (q - (len(ids) - 1)) / (np.sum(w) - np.sum(w ** 2) / np.sum(w)))
        wr = 1 / (se ** 2 + tau2)
        mu, var_mu = np.sum(wr * d) / np.sum(wr), 1 / np.sum(wr)
        shrink = se ** 2 / (se ** 2 + tau2)
        mean, var = shrink * mu + (1 - shrink) * d, (1 - shrink) * se ** 2 + shrink ** 2 * var_mu
        confidence = stats.norm.cdf((-threshold - mean) / np.sqrt(var))
    else:
        confidence = stats.t.cdf((-threshold - d) / se, df)
    return {i for k, i in enumerate(ids) if d[k] < 0 and confidence[k] >= 1 - alpha}


def new_rule(metrics, alpha=0.05):
    gated = [m for m in ("quality", "outline_adherence") if m in metrics]
    family = alpha / (len(gated) + 1)
    flagged = {(c, m) for m in gated for c in new_chapters(metrics[m], family)}
    return flagged, suite_mean_fails(metrics["quality"], family)


def welch_drop_p(b, a):
    (mb, sb, nb), (ma, sa, na) = b, a
    if sb == 0 and sa == 0:
        return 0.0 if ma != mb else 1.0
    vb, va = sb * sb / nb, sa * sa / na
    dof = (vb + va) ** 2 / (vb ** 2 / (nb - 1) + va ** 2 / (na - 1))
    return stats.t.cdf((ma - mb) / math.sqrt(vb + va), dof)


def old_rule(metrics, alpha=0.05):
    flagged = {(c, "quality") for c, (b, a) in metrics["quality"].items() if a[0] - b[0] < -0.5 and welch_drop_p(b, a) < alpha}
    return flagged, suite_mean_fails(metrics["quality"], alpha)


def summary(label, outcomes):
    failed = sum(1 for flagged, suite in outcomes if flagged or suite)
    chapters = [len({c for c, _ in flagged}) for flagged, _ in outcomes]
    print(f"{label:55s} failed {failed:4d} of {len(outcomes):4d} ({failed / len(outcomes):6.1%}), "
          f"suite mean {sum(1 for _, s in outcomes if s):4d}, chapters flagged {np.mean(chapters):.2f} on average")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workbench", default=".build/release/workbench")
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "workbench-gate-study"))
    options = parser.parse_args()
    os.makedirs(options.out, exist_ok=True)
    run_variants(options.workbench, options.seeds, options.first_seed, options.out)

    runs = {name: [sides(f) for f in sorted(glob.glob(os.path.join(options.out, f"{name}-*.json")))]
            for name in ("v1", "stripped", "no-outline", "reworded")}
    print("against the shipped sim-v3.0")
    for name, metrics in runs.items():
        for rule_name, rule in (("old", old_rule), ("new", new_rule)):
            summary(f"  {name}, {rule_name} rule", [rule(m) for m in metrics])
    print("pairs: a v1 run as the baseline, another run as the candidate")
    current = lambda m: {metric: {c: a for c, (_, a) in chapters.items()} for metric, chapters in m.items()}
    baselines = [current(m) for m in runs["v1"]]
    for name, metrics in runs.items():
        candidates = [current(m) for m in metrics]
        rng = random.Random(7)
        draws = [(rng.randrange(len(baselines)), rng.randrange(len(candidates))) for _ in range(options.pairs)]
        draws = [(i, j) for i, j in draws if not (name == "v1" and i == j)]
        for rule_name, rule in (("old", old_rule), ("new", new_rule)):
            outcomes = [rule({metric: {c: (baselines[i][metric][c], candidates[j][metric][c]) for c in baselines[i][metric]}
                              for metric in baselines[i]}) for i, j in draws]
            summary(f"  {name}, {rule_name} rule", outcomes)


if __name__ == "__main__":
    main()
