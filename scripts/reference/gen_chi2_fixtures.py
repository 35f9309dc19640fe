#!/usr/bin/env python3
"""Reference vectors for the chi-square test, the incomplete gamma functions and the
multiple-testing corrections (src/stats/chi2.ts, src/stats/distributions/, src/stats/correction.ts).

Writes test/fixtures/chi2_cases.json and test/fixtures/correction_cases.json. The tests only read
these files; they never run Python. Regenerate with:

    pip install scipy==1.10.1 statsmodels mpmath
    python3 scripts/reference/gen_chi2_fixtures.py

Two references per value where it matters:
  - scipy 1.10.1 (what a data scientist reproduces driftwatch with; STATS.md), and
  - mpmath at 50 digits (the exact value of the function at the same double inputs), which also
    gives ln p where scipy's p underflows to 0 (p < ~1e-308).
The corrections come from statsmodels.stats.multitest.multipletests, applied to the non-NaN
p-values only (driftwatch passes NaN through and leaves it out of m; statsmodels has no NaN policy).
"""

import json
import math
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np
import scipy
import statsmodels
from scipy import special, stats
from statsmodels.stats.multitest import multipletests

mpmath.mp.dps = 50
FIXTURES = Path(__file__).resolve().parents[2] / "test" / "fixtures"
rng = np.random.RandomState(20240611)


def finite_or_none(v):
    """JSON has no NaN or Infinity: they become null."""
    v = float(v)
    return v if math.isfinite(v) else None


# ---------------------------------------------------------------- log-gamma and P, Q ----------

def log_gamma_cases():
    xs = [1e-300, 1e-20, 1e-8, 0.001, 0.1, 0.25, 0.5, 0.9, 1.0, 1.0000001, 1.1, 1.5, 1.9, 2.0,
          2.0000001, 2.5, 3.0, 3.7, 5.0, 7.5, 9.99, 10.0, 10.01, 12.5, 20.0, 50.5, 100.0, 171.5,
          499.5, 1000.0, 12345.678, 1e5, 1e7, 1e10, 1e15, 1e100, 1e300,
          -0.5, -1.5, -2.5, -10.1, -100.3]
    cases = []
    for x in xs:
        exact = mpmath.log(abs(mpmath.gamma(mpmath.mpf(x)))) if x < 1e7 else mpmath.loggamma(mpmath.mpf(x))
        cases.append({"x": x, "scipy": float(special.gammaln(x)), "exact": float(exact)})
    return cases


def incomplete_gamma_cases():
    a_values = [0.1, 0.5, 1.0, 1.5, 2.0, 3.7, 5.0, 10.0, 25.5, 50.0, 123.456, 250.0, 499.5, 500.0]
    ratios = [1e-6, 0.01, 0.3, 0.8, 0.95, 1.0, 1.05, 1.2, 2.0, 5.0, 20.0]
    cases = []
    for a in a_values:
        xs = {a * r for r in ratios}
        # Either side of the switch between the series and the continued fraction at x = a + 1.
        xs |= {a + 1, float(np.nextafter(a + 1, 0)), float(np.nextafter(a + 1, np.inf)), 1e-300, 1e3, 1e5}
        for x in sorted(xs):
            ma, mx = mpmath.mpf(a), mpmath.mpf(x)
            p = mpmath.gammainc(ma, 0, mx, regularized=True)
            q = mpmath.gammainc(ma, mx, mpmath.inf, regularized=True)
            cases.append({
                "a": a, "x": x,
                "scipyP": float(special.gammainc(a, x)), "scipyQ": float(special.gammaincc(a, x)),
                "P": float(p), "Q": float(q), "logQ": float(mpmath.log(q)),
            })
    return cases


# ---------------------------------------------------------------- chi-square survival ---------

DOFS = [1, 2, 3, 4, 5, 7, 10, 15, 20, 30, 50, 75, 99, 100, 150, 200, 300, 500, 700, 999, 1000]
TARGET_P = [0.999, 0.5, 0.05, 1e-3, 1e-10, 1e-50, 1e-100, 1e-200, 1e-300]


def chi2_sf_cases():
    cases = []
    for dof in DOFS:
        xs = {1e-6, 0.01 * dof, 0.5 * dof, float(dof), dof + 2.0, 1.5 * dof, 3.0 * dof,
              float(np.nextafter(dof + 2.0, 0)), 2e3, 2e4, 2e5}
        if dof > 2:
            xs.add(dof - 2.0)
        xs |= {float(stats.chi2.isf(p, dof)) for p in TARGET_P}
        for x in sorted(xs):
            q = mpmath.gammainc(mpmath.mpf(dof) / 2, mpmath.mpf(x) / 2, mpmath.inf, regularized=True)
            cases.append({
                "x": x, "dof": dof,
                "scipy": float(stats.chi2.sf(x, dof)),
                "logsf": float(mpmath.log(q)),
            })
    return cases


# ---------------------------------------------------------------- 2 x K tables ----------------

def exact_chi2(baseline, current):
    """The statistic in exact rational arithmetic, over the columns with a non-zero total."""
    nb, nc = sum(baseline), sum(current)
    total = Fraction(0)
    for b, c in zip(baseline, current):
        if b + c:
            total += Fraction((b * nc - c * nb) ** 2, (b + c))
    return total / (nb * nc)


def table_case(name, baseline, current):
    baseline, current = [int(v) for v in baseline], [int(v) for v in current]
    keep = [i for i in range(len(baseline)) if baseline[i] + current[i] > 0]
    observed = np.array([[baseline[i] for i in keep], [current[i] for i in keep]])
    stat, pvalue, dof, _ = stats.chi2_contingency(observed, correction=False)
    exact = exact_chi2(baseline, current)
    exact_mp = mpmath.mpf(exact.numerator) / exact.denominator
    q = mpmath.gammainc(mpmath.mpf(dof) / 2, exact_mp / 2, mpmath.inf, regularized=True)
    return {
        "name": name, "baseline": baseline, "current": current,
        "statistic": float(stat), "pvalue": float(pvalue), "dof": int(dof),
        "exactStatistic": float(exact_mp), "logp": float(mpmath.log(q)),
    }


def multinomial(n, shares):
    return rng.multinomial(n, shares).tolist()


def drifted(shares, amount):
    other = rng.dirichlet(np.ones(len(shares)))
    return (1 - amount) * shares + amount * other


def random_tables():
    cases = []
    for k in [2, 3, 5, 10, 30, 100, 200, 501, 1001]:
        for nb, nc in [(40, 25), (500, 800), (10_000, 3_000), (1_000_000, 200_000)]:
            if nb < 3 * k:
                continue
            shares = rng.dirichlet(np.ones(k) * 2)
            for amount in [0.0, 0.05, 0.5]:
                current_shares = drifted(shares, amount) if amount else shares
                cases.append(table_case(f"k{k}_nb{nb}_nc{nc}_drift{amount}",
                                        multinomial(nb, shares), multinomial(nc, current_shares)))
    return cases


def with_zero_columns(name, baseline, current, positions):
    b, c = list(baseline), list(current)
    for pos in positions:
        b.insert(pos, 0)
        c.insert(pos, 0)
    return table_case(name, b, c)


def special_tables():
    cases = [
        table_case("two_by_two_yates_would_differ", [3, 7], [8, 2]),
        table_case("identical_rows", [10, 20, 30], [10, 20, 30]),
        table_case("proportional_rows", [10, 20, 30], [20, 40, 60]),
        table_case("one_count_each", [1, 0], [0, 1]),
        table_case("seattle_like", [10, 4, 225, 10, 117], [0, 0, 107, 1, 257]),
        # Unseen bin: the last category never occurs in the baseline (STATS.md, "Bins").
        table_case("unseen_bin", [1200, 1700, 1100, 0], [800, 900, 1021, 279]),
        table_case("unseen_bin_single", [50, 50, 0], [45, 54, 1]),
        table_case("unseen_bin_empty", [50, 50, 0], [45, 55, 0]),
        with_zero_columns("zero_columns", [30, 12, 7], [25, 20, 2], [0, 2, 5]),
        with_zero_columns("zero_columns_leaving_two", [5, 9], [7, 1], [1, 1, 3]),
        table_case("large_counts", [123_456_789, 98_765_432, 55_555_555], [123_450_000, 98_770_000, 55_560_000]),
        # Huge statistics: p near and far below the smallest double.
        table_case("p_near_1e-300", [1586, 414], [414, 1586]),
        table_case("p_subnormal", [1595, 405], [405, 1595]),
        table_case("p_below_smallest_double", [1600, 400], [400, 1600]),
        table_case("stat_20000", [10_000, 0], [0, 10_000]),
        table_case("stat_huge_k5", [1_000_000, 0, 500_000, 10, 0], [0, 1_000_000, 10, 500_000, 3]),
    ]
    return cases


# ---------------------------------------------------------------- corrections -----------------

METHODS = {"bonferroni": "bonferroni", "holm": "holm", "benjamini-hochberg": "fdr_bh"}


def correct(pvalues):
    p = np.array([np.nan if v is None else v for v in pvalues], dtype=float)
    present = ~np.isnan(p)
    out = {}
    for name, method in METHODS.items():
        adjusted = np.full(len(p), np.nan)
        if present.any():
            adjusted[present] = multipletests(p[present], method=method)[1]
        out[name] = [finite_or_none(v) for v in adjusted]
    return out


def correction_cases():
    vectors = {
        "single": [0.03],
        "two": [0.04, 0.01],
        "doc_example": [0.01, 0.04, 0.03],
        "all_ones": [1.0, 1.0, 1.0],
        "zeros_and_ones": [0.0, 1.0, 0.0, 0.5],
        "ties": [0.02, 0.02, 0.02, 0.5, 0.02],
        "tiny": [1e-300, 5e-320, 1e-10, 0.2],
        "nan_mixed": [0.01, None, 0.04, None, 0.03],
        "all_nan": [None, None],
        "caps_at_one": [0.3, 0.6, 0.9, 0.45],
    }
    for m in [5, 20, 50, 200]:
        vectors[f"uniform_{m}"] = rng.uniform(size=m).tolist()
        vectors[f"skewed_{m}"] = (rng.uniform(size=m) ** 4).tolist()
        vectors[f"rounded_ties_{m}"] = np.round(rng.uniform(size=m) * 0.1, 2).tolist()
    with_nan = rng.uniform(size=30)
    vectors["nan_30"] = [None if i % 7 == 3 else float(v) for i, v in enumerate(with_nan)]
    return [{"name": name, "pvalues": p, **correct(p)} for name, p in vectors.items()]


def main():
    versions = {"scipy": scipy.__version__, "mpmath": mpmath.__version__, "numpy": np.__version__}
    chi2 = {
        "about": ("chi2_contingency(table without all-zero columns, correction=False), "
                  "chi2.sf, gammaln, gammainc, gammaincc from scipy; exact*, logp, logsf, P, Q, "
                  "logQ from mpmath at 50 digits (see scripts/reference/gen_chi2_fixtures.py)"),
        **versions,
        "logGamma": log_gamma_cases(),
        "incompleteGamma": incomplete_gamma_cases(),
        "chi2Sf": chi2_sf_cases(),
        "tables": special_tables() + random_tables(),
    }
    corrections = {
        "about": ("statsmodels multipletests(p[~isnan(p)], method=bonferroni|holm|fdr_bh)[1], "
                  "NaN (null) passed through and not counted in m"),
        "statsmodels": statsmodels.__version__,
        "cases": correction_cases(),
    }
    (FIXTURES / "chi2_cases.json").write_text(json.dumps(chi2) + "\n")
    (FIXTURES / "correction_cases.json").write_text(json.dumps(corrections) + "\n")


if __name__ == "__main__":
    main()
