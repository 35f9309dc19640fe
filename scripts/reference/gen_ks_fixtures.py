#!/usr/bin/env python3
"""Regenerates the Kolmogorov-Smirnov reference vectors with scipy 1.10.

    python3 scripts/reference/gen_ks_fixtures.py      # from the repository root

Writes
  test/fixtures/kstwo_cases.json     scipy.stats.kstwo.sf / .cdf over every regime of the
                                     one-sample two-sided distribution (see REGIMES below)
  test/fixtures/ks_extra_cases.json  scipy.stats.ks_2samp(a, b, method='auto'), two-sided:
                                     'samples' cases carry a and b; 'sizes' cases carry only
                                     (n1, n2, statistic), because the p-value depends on nothing else

The tests never run Python; they only read these files. Everything is seeded, so a rerun with
scipy 1.10.1 reproduces the files byte for byte.
"""
import json
import math
import pathlib
import warnings

import numpy as np
import scipy
from scipy import stats

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "test" / "fixtures"


def regime(n, x):
    """The branch scipy's kstwo takes for (n, x): a label for the test output, nothing more."""
    t = n * x
    nx2 = t * x
    if x >= 1 or t <= 0.5:
        return "outside-support"
    if t <= 1:
        return "ruben-gambino-low"
    if t >= n - 1:
        return "ruben-gambino-high"
    if x >= 0.5:
        return "exact-2smirnov" if n <= 1_000_000 else "exact-2smirnov-maag-dicaire"
    if n <= 140:
        if nx2 <= 0.754693:
            return "small-n-durbin"
        if nx2 <= 4:
            return "small-n-pomeranz"
        return "small-n-2smirnov"
    if nx2 >= 370:
        return "large-n-sf-zero"
    if nx2 >= 2.2:
        return "large-n-2smirnov" if n <= 1_000_000 else "large-n-maag-dicaire"
    if n <= 100_000 and n * x**1.5 <= 1.4:
        return "large-n-durbin"
    return "large-n-pelz-good"


def kstwo_case(n, x, note=""):
    case = {
        "n": int(n),
        "x": float(x),
        "sf": float(stats.kstwo.sf(x, n)),
        "cdf": float(stats.kstwo.cdf(x, n)),
        "regime": regime(n, x),
    }
    if note:
        case["note"] = note
    return case


def x_for(n, nx2):
    """The x with n x^2 = nx2: regimes are cut on n x^2."""
    return math.sqrt(nx2 / n)


def kstwo_cases():
    rng = np.random.default_rng(20240611)
    cases = []
    # Closed forms at both ends of the support, for small and large n.
    for n in (1, 2, 10, 140, 141, 1000, 1_000_000):
        cases += [kstwo_case(n, 0.3 / n), kstwo_case(n, 0.5 / n, "t = 1/2 exactly")]
        cases += [kstwo_case(n, 0.75 / n), kstwo_case(n, 1.0 / n, "t = 1 exactly")]
        if n >= 3:
            cases += [kstwo_case(n, 1 - 1 / n), kstwo_case(n, 1 - 0.3 / n)]
    cases += [kstwo_case(5, 0.0), kstwo_case(5, 1.0), kstwo_case(5, 1.5), kstwo_case(5, -0.1)]
    # x >= 1/2: exactly 2 * smirnov, down to p-values far below 1e-100 (and underflow).
    for n, x in ((3, 0.5), (3, 0.6), (20, 0.55), (50, 0.7), (140, 0.5), (140, 0.9), (500, 0.5),
                 (1000, 0.548), (100_000, 0.5)):
        cases.append(kstwo_case(n, x))
    # n <= 140: Durbin matrix, Pomeranz, and 2 * smirnov (Miller), each side of the cut-offs.
    for n in (3, 7, 10, 25, 64, 100, 139, 140):
        for nx2 in (0.05, 0.3, 0.754, 0.755, 1.5, 3.0, 3.99, 4.01, 8.0, 20.0, 30.0):
            x = x_for(n, nx2)
            if 1 < n * x < n - 1 and x < 0.5:
                cases.append(kstwo_case(n, x))
    cases.append(kstwo_case(100, 0.05, "n x an integer in the Durbin regime"))
    cases.append(kstwo_case(40, 0.25, "n x an integer in the Pomeranz regime"))
    cases.append(kstwo_case(60, 0.175, "frac(n x) = 1/2 in the Pomeranz regime"))
    # n > 140: every branch of the sf and the cdf.
    for n in (141, 500, 2000, 10_000, 50_000, 99_999, 100_000, 100_001, 400_000,
              1_000_000, 1_000_001, 3_000_000, 100_000_000):
        for nx2 in (0.02, 0.1, 0.5, 1.0, 2.19, 2.21, 5.0, 17.9, 18.1, 60.0, 115.0, 200.0,
                    369.0, 371.0):
            cases.append(kstwo_case(n, x_for(n, nx2)))
        if n <= 100_000:
            x_edge = (1.4 / n) ** (2 / 3)  # n x^1.5 = 1.4: Durbin below, Pelz-Good above
            cases += [kstwo_case(n, x_edge * 0.999), kstwo_case(n, x_edge * 1.001)]
    # p-values near 1 and random points across the plane.
    for n in (200, 5000, 2_000_000):
        cases.append(kstwo_case(n, 0.6 / n))
        cases.append(kstwo_case(n, x_for(n, 0.01)))
    for _ in range(60):
        n = int(math.exp(rng.uniform(0, math.log(2_000_000))))
        x = x_for(n, math.exp(rng.uniform(-4, 6)))
        if x < 1:
            cases.append(kstwo_case(n, x))
    return cases


def sorted_sample(rng, n, shift=0.0, scale=1.0, ties=None):
    values = rng.normal(shift, scale, n)
    if ties is not None:
        values = np.round(values * ties) / ties  # few distinct values: many ties, also across samples
    return np.sort(values)


def ks_result(a, b):
    """ks_2samp's outcome and the method it really used: 'auto' means exact up to 10000 values a
    side, but scipy switches to the asymptotic p-value (with a RuntimeWarning) when the exact
    computation does not give a probability, e.g. 1 + 2^-52 for n1 = n2 and D = 1/n."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = stats.ks_2samp(a, b, alternative="two-sided", method="auto")
    fell_back = any("Switching to method=asymp" in str(w.message) for w in caught)
    method = "exact" if max(len(a), len(b)) <= 10_000 and not fell_back else "asymp"
    return float(res.statistic), float(res.pvalue), method


def sizes_case(name, n1, n2, shift, rng, ties=None):
    a = sorted_sample(rng, n1, ties=ties)
    b = sorted_sample(rng, n2, shift=shift, ties=ties)
    statistic, pvalue, method = ks_result(a, b)
    return {"name": name, "n1": n1, "n2": n2, "statistic": statistic, "pvalue": pvalue,
            "method": method}


def samples_case(name, a, b):
    statistic, pvalue, method = ks_result(a, b)
    return {"name": name, "a": [float(v) for v in a], "b": [float(v) for v in b],
            "statistic": statistic, "pvalue": pvalue, "method": method}


def ks_extra_cases():
    rng = np.random.default_rng(7)
    samples = [
        samples_case("ties_int_40_60", np.sort(rng.integers(0, 5, 40)), np.sort(rng.integers(1, 6, 60))),
        samples_case("ties_equal_n_30", np.sort(rng.integers(0, 4, 30)), np.sort(rng.integers(0, 4, 30))),
        samples_case("all_tied", np.zeros(12), np.zeros(9)),
        samples_case("one_vs_one", np.array([1.0]), np.array([2.0])),
        samples_case("one_vs_many", np.array([0.5]), np.sort(rng.normal(0, 1, 25))),
        samples_case("d_is_zero_unequal", np.array([1.0, 1, 2, 2, 3, 3]), np.array([1.0, 2, 3])),
        samples_case("d_is_one_interleaved_ties", np.array([0.0, 0, 1, 1]), np.array([1.5, 2, 2])),
        samples_case("shared_values", np.sort(rng.choice([0.1, 0.2, 0.3], 50)),
                     np.sort(rng.choice([0.2, 0.3, 0.4], 70))),
        samples_case("tiny_p_300_200", sorted_sample(rng, 300), sorted_sample(rng, 200, shift=2.5)),
        # n1 = n2 and D = h/n with h = 1 or 2: the exact sum rounds to just above 1 for some n,
        # and scipy falls back to the asymptotic p-value (method 'asymp' here).
        samples_case("fallback_equal_5_h1", np.arange(5.0), np.arange(5.0) + 0.5),
        samples_case("fallback_equal_60_h2", np.arange(60.0), np.arange(60.0) + 1.5),
        samples_case("no_fallback_equal_64_h2", np.arange(64.0), np.arange(64.0) + 1.5),
        samples_case("no_fallback_equal_6_h1", np.arange(6.0), np.arange(6.0) + 0.5),
    ]
    sizes = [
        sizes_case("equal_7", 7, 7, 1.0, rng),
        sizes_case("equal_100_ties", 100, 100, 0.3, rng, ties=2),
        sizes_case("equal_2000", 2000, 2000, 0.08, rng),
        sizes_case("equal_10000_null", 10_000, 10_000, 0.0, rng),
        sizes_case("equal_10000_tiny_p", 10_000, 10_000, 0.25, rng),
        sizes_case("unequal_10000_7", 10_000, 7, 1.0, rng),
        sizes_case("unequal_7_10000", 7, 10_000, -1.0, rng),
        sizes_case("unequal_10000_1", 10_000, 1, 0.0, rng),
        sizes_case("unequal_9999_10000", 9999, 10_000, 0.03, rng),
        sizes_case("unequal_10000_9999_null", 10_000, 9999, 0.0, rng),
        sizes_case("unequal_10000_3000_drift", 10_000, 3000, 0.15, rng),
        sizes_case("gcd_2000_6000_4000", 6000, 4000, 0.05, rng),
        sizes_case("ties_5000_3000", 5000, 3000, 0.05, rng, ties=4),
        sizes_case("tiny_p_800_1200", 800, 1200, 0.9, rng),
        sizes_case("d_one_400_600", 400, 600, 50.0, rng),
        sizes_case("asymp_10001_10", 10_001, 10, 0.8, rng),
        sizes_case("asymp_half_even_20001", 20_001, 20_001, 0.02, rng),
        sizes_case("asymp_50000_30000", 50_000, 30_000, 0.01, rng),
        sizes_case("asymp_1e6_1e6", 1_000_000, 1_000_000, 0.003, rng),
        sizes_case("asymp_maag_dicaire_3e6_3e6", 3_000_000, 3_000_000, 0.004, rng),
    ]
    return samples, sizes


def main():
    about_kstwo = ("scipy.stats.kstwo.sf(x, n) and .cdf(x, n); 'regime' names the branch of "
                   "scipy's _kolmogn (by the published cut-offs), for test messages only")
    write("kstwo_cases.json", {"about": about_kstwo, "scipy": scipy.__version__,
                               "cases": kstwo_cases()})
    samples, sizes = ks_extra_cases()
    about_ks = ("scipy.stats.ks_2samp(a, b, method='auto'), two-sided; method = exact when "
                "max(n1, n2) <= 10000. 'samples' cases: sorted a, b; 'sizes' cases: the p-value "
                "depends only on (n1, n2, statistic)")
    write("ks_extra_cases.json", {"about": about_ks, "scipy": scipy.__version__,
                                  "samples": samples, "sizes": sizes})


def write(name, payload):
    path = FIXTURES / name
    path.write_text(json.dumps(payload, separators=(",", ":")) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
