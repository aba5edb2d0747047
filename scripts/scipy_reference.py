"""SciPy's answers for the cases the Stats tests send (JSON on stdin, JSON on stdout).

Each case: {"kind": "welch"|"student"|"paired"|"onesample"|"dist", ...}. The tests compare
the workbench's statistics, p-values, degrees of freedom and intervals to these.
"""
import json
import math
import sys

import numpy as np
from scipy import stats


def t_test(case):
    a = np.array(case["a"], dtype=float)
    alternative = case["alternative"]
    kind = case["kind"]
    if kind == "welch":
        r = stats.ttest_ind(a, np.array(case["b"]), equal_var=False, alternative=alternative)
    elif kind == "student":
        r = stats.ttest_ind(a, np.array(case["b"]), equal_var=True, alternative=alternative)
    elif kind == "paired":
        r = stats.ttest_rel(a, np.array(case["b"]), alternative=alternative)
    else:
        r = stats.ttest_1samp(a, case["mu"], alternative=alternative)
    ci = r.confidence_interval(confidence_level=case["confidence"])
    return {"statistic": float(r.statistic), "p_value": float(r.pvalue), "df": float(r.df),
            "ci_low": number(ci.low), "ci_high": number(ci.high)}


def number(x):
    """JSON has no infinity: one-sided intervals send it as a string."""
    x = float(x)
    return x if math.isfinite(x) else ("inf" if x > 0 else "-inf")


def rank_test(case):
    if case["kind"] == "wilcoxon":
        r = stats.wilcoxon(case["a"], case.get("b"), alternative=case["alternative"])
    else:
        r = stats.mannwhitneyu(case["a"], case["b"], alternative=case["alternative"])
    return {"statistic": float(r.statistic), "p_value": float(r.pvalue)}


def distribution(case):
    name, x, params = case["name"], case["x"], case["params"]
    if name == "t":
        d = stats.t(params[0])
    elif name == "chi2":
        d = stats.chi2(params[0])
    elif name == "f":
        d = stats.f(params[0], params[1])
    elif name == "beta":
        d = stats.beta(params[0], params[1])
    elif name == "norm":
        d = stats.norm()
    elif name == "binom":
        d = stats.binom(int(params[0]), params[1])
        return {"cdf": float(d.cdf(x)), "sf": float(d.sf(x))}
    out = {"cdf": float(d.cdf(x)), "sf": float(d.sf(x))}
    if "p" in case:
        out["ppf"] = float(d.ppf(case["p"]))
    return out


def adjust(case):
    adjusted = stats.false_discovery_control(case["p"], method=case["method"])
    return {str(i): float(x) for i, x in enumerate(adjusted)}


def noncentral_t(case):
    d = stats.nct(case["df"], case["nc"])
    value = float(d.cdf(case["x"]))
    # SciPy answers NaN far in the lower tail of a large noncentrality: sent as null, skipped.
    return {"cdf": value if math.isfinite(value) else None}


def power(case):
    """statsmodels' power analysis: the convention `workbench stats power` follows."""
    from statsmodels.stats.power import TTestIndPower, TTestPower
    solver = TTestIndPower() if case["design"] == "twosample" else TTestPower()
    alternative = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}[case["alternative"]]
    def finite(x):
        return float(x) if math.isfinite(float(x)) else None
    out = {"power": finite(solver.power(case["d"], case["n"], case["alpha"], alternative=alternative))}
    if "target" in case:
        out["n"] = finite(solver.solve_power(case["d"], None, case["alpha"], case["target"], alternative=alternative))
    return out


def permutation(case):
    """permutation_test on the mean difference; `resamples` above the arrangement count is exact."""
    def difference(x, y, axis):
        return np.mean(x, axis=axis) - np.mean(y, axis=axis)

    def mean_difference(x, y, axis):
        return np.mean(x - y, axis=axis)

    paired = case["paired"]
    r = stats.permutation_test((np.array(case["a"]), np.array(case["b"])),
                               mean_difference if paired else difference, vectorized=True,
                               permutation_type="samples" if paired else "independent",
                               n_resamples=case["resamples"], alternative=case["alternative"],
                               batch=20000, rng=np.random.default_rng(case.get("seed", 0)))
    return {"statistic": float(r.statistic), "p_value": float(r.pvalue)}


def bootstrap_interval(case):
    """The interval SciPy's bootstrap reads off a given bootstrap distribution (the workbench's
    own resamples), through the private helper `bootstrap` itself uses for BCa."""
    from scipy.stats._resampling import _bca_interval
    from scipy._lib._array_api import array_namespace
    samples = [np.array(x) for x in case["samples"]]
    theta_hat_b = np.array(case["distribution"])

    def statistic(*data, axis=-1):
        means = [np.mean(x, axis=axis) for x in data]
        return means[0] - means[1] if len(means) == 2 else means[0]

    confidence, alternative = case["confidence"], case["alternative"]
    alpha = (1 - confidence) / 2 if alternative == "two-sided" else 1 - confidence
    a_hat = 0.0
    if case["method"] == "BCa":
        low, high, a_hat = _bca_interval(samples, statistic, axis=-1, alpha=alpha, theta_hat_b=theta_hat_b,
                                         batch=None, xp=array_namespace(theta_hat_b))
        low, high = float(low), float(high)
    else:
        low, high = alpha, 1 - alpha
    ci = stats.quantile(theta_hat_b, np.array([low, high]))
    return {"ci_low": float(ci[0]), "ci_high": float(ci[1]), "acceleration": float(a_hat)}


def bootstrap(case):
    """scipy.stats.bootstrap itself, for the Monte Carlo comparison."""
    samples = [np.array(x) for x in case["samples"]]

    def statistic(*data, axis=-1):
        means = [np.mean(x, axis=axis) for x in data]
        return means[0] - means[1] if len(means) == 2 else means[0]

    r = stats.bootstrap(samples, statistic, method=case["method"], n_resamples=case["resamples"],
                        confidence_level=case["confidence"], rng=np.random.default_rng(0))
    return {"ci_low": float(r.confidence_interval.low), "ci_high": float(r.confidence_interval.high)}


def bayes(case):
    """The posterior summaries by numerical integration over the scaled t (scipy.integrate.quad),
    an independent route to the closed forms the workbench uses."""
    from scipy import integrate
    m, s, df = case["m"], case["s"], case["df"]
    posterior = stats.t(df, loc=m, scale=s)
    loss_a = integrate.quad(lambda x: -x * posterior.pdf(x), -np.inf, 0, epsabs=1e-14, epsrel=1e-12)[0]
    loss_b = integrate.quad(lambda x: x * posterior.pdf(x), 0, np.inf, epsabs=1e-14, epsrel=1e-12)[0]
    low, high = posterior.interval(case["credibility"])
    return {"probability": float(posterior.sf(0)), "loss_a": loss_a, "loss_b": loss_b,
            "low": float(low), "high": float(high)}


def effect_size(case):
    """Cohen's d / Hedges' g and the noncentral-t interval by brentq on scipy.stats.nct."""
    from scipy import optimize, special
    a, b, confidence = np.array(case["a"]), np.array(case["b"]), case["confidence"]
    if case["paired"]:
        diff = a - b
        d, df, scale = diff.mean() / diff.std(ddof=1), len(diff) - 1, math.sqrt(1 / len(diff))
    else:
        df = len(a) + len(b) - 2
        pooled = math.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / df)
        d, scale = (a.mean() - b.mean()) / pooled, math.sqrt(1 / len(a) + 1 / len(b))
    t, alpha = d / scale, 1 - confidence

    def cdf(nc):
        value = stats.nct.cdf(t, df, nc)
        # SciPy answers NaN far in a tail (see noncentral_t); there the CDF is 0 or 1.
        return value if math.isfinite(value) else (0.0 if nc > t else 1.0)

    def limit(target):
        width = 10 + abs(t)
        return optimize.brentq(lambda nc: cdf(nc) - target, t - width, t + width, xtol=1e-14, rtol=1e-14)

    j = math.exp(special.gammaln(df / 2) - special.gammaln((df - 1) / 2)) / math.sqrt(df / 2)
    return {"d": d, "d_low": limit(1 - alpha / 2) * scale, "d_high": limit(alpha / 2) * scale, "g": d * j}


def chisquare(case):
    observed = np.array(case["observed"], dtype=float)
    expected = observed.sum() * np.array(case["proportions"]) / np.sum(case["proportions"])
    r = stats.chisquare(observed, expected)
    return {"statistic": float(r.statistic), "p_value": float(r.pvalue)}


def crossing(case):
    """P(first crossing at look k) of two-sided boundaries c_k at information fractions t_k
    under H0, by SciPy's multivariate normal (Genz), as p1, p2, ..."""
    t = np.array(case["fractions"], dtype=float)
    c = np.array(case["boundaries"], dtype=float)
    cov = np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))

    def inside(k):
        if k == 0:
            return 1.0
        return float(stats.multivariate_normal(mean=np.zeros(k), cov=cov[:k, :k], seed=1).cdf(c[:k], lower_limit=-c[:k]))

    return {f"p{k}": inside(k - 1) - inside(k) for k in range(1, len(t) + 1)}


cases = json.load(sys.stdin)
handlers = {"dist": distribution, "mannwhitney": rank_test, "wilcoxon": rank_test, "adjust": adjust, "nct": noncentral_t, "power": power, "permutation": permutation,
            "bootstrap_interval": bootstrap_interval, "bootstrap": bootstrap, "bayes": bayes, "effect_size": effect_size, "chisquare": chisquare,
            "crossing": crossing}
print(json.dumps([handlers.get(c["kind"], t_test)(c) for c in cases]))
