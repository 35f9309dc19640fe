#!/usr/bin/env python3
"""Extra reference vectors for the performance metrics and their intervals (src/stats/performance.ts,
src/stats/normal.ts), beside shared/reference/performance_cases.json.

Writes test/fixtures/performance_extra_cases.json. The tests only read it; they never run Python.
Regenerate with:

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install scikit-learn==1.9.1
    /tmp/venv/bin/python scripts/reference/gen_performance_fixtures.py

What is in it:
  - metric values from scikit-learn itself: multi-class with class probabilities (log loss, Brier,
    one-vs-rest macro ROC AUC), classes only predicted, known classes with unknown labels, and the
    edge cases of binary data (no predicted positive, one class, ties, another threshold) and of
    regression (constant actual values, exact predictions, zeros in y for MAPE);
  - standard errors of the delta-method metrics, computed independently of driftwatch's formulas:
    a row's influence is n times the derivative of scikit-learn's own metric with respect to that
    row's sample_weight (central differences), and SE = sqrt(mean(influence²) / n);
  - DeLong's variance of a binary AUC from the O(n1 n0) kernel (the definition, not a sort);
  - Wilson intervals from scipy.stats.binomtest(...).proportion_ci(method='wilson');
  - scipy.stats.norm.sf and norm.isf values.
"""

import json
import math
from pathlib import Path

import numpy as np
import scipy
import sklearn
from scipy import stats
from sklearn import metrics

FIXTURES = Path(__file__).resolve().parents[2] / "test" / "fixtures"
rng = np.random.default_rng(20260117)
Z95 = float(stats.norm.isf(0.025))


def floats(a, digits=6):
    return [round(float(v), digits) for v in a]


def influence_se(metric, n, groups=None, h=1e-5):
    """SE of a metric from its influence values: n dT/dw_i by central differences on sample_weight.
    `groups` maps each row to a group of rows that share one influence (a confusion-matrix cell),
    so only one derivative per group is taken."""
    base = np.ones(n)
    influence = np.empty(n)
    if groups is None:
        groups = np.arange(n)
    for g in np.unique(groups):
        i = int(np.flatnonzero(groups == g)[0])
        up, down = base.copy(), base.copy()
        up[i] += h
        down[i] -= h
        influence[groups == g] = n * (metric(up) - metric(down)) / (2 * h)
    return math.sqrt(float(np.mean(influence**2)) / n)


def delong_kernel(y, s):
    pos, neg = s[y == 1], s[y == 0]
    psi = (pos[:, None] > neg[None, :]).astype(float) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    return {
        "auc": float(psi.mean()),
        "s10": float(np.var(v10, ddof=1)),
        "s01": float(np.var(v01, ddof=1)),
        "variance": float(np.var(v10, ddof=1) / len(pos) + np.var(v01, ddof=1) / len(neg)),
    }


def mean_se(terms):
    return float(np.std(terms, ddof=1) / math.sqrt(len(terms)))


def binary_case(name, y, s, threshold=0.5):
    y = np.asarray(y)
    s = np.asarray(s, dtype=float)
    pred = (s >= threshold).astype(int)
    case = {"name": name, "kind": "binary", "threshold": threshold, "y_true": y.tolist(), "y_score": s.tolist()}
    case["accuracy"] = metrics.accuracy_score(y, pred)
    case["balanced_accuracy"] = metrics.balanced_accuracy_score(y, pred)
    case["precision"] = metrics.precision_score(y, pred, zero_division=0)
    case["recall"] = metrics.recall_score(y, pred, zero_division=0)
    case["f1"] = metrics.f1_score(y, pred, zero_division=0)
    case["log_loss"] = metrics.log_loss(y, s, labels=[0, 1])
    case["brier"] = metrics.brier_score_loss(y, s, labels=[0, 1])
    if len(np.unique(y)) == 2:
        case["roc_auc"] = metrics.roc_auc_score(y, s)
        case["delong"] = delong_kernel(y, s)
    else:
        case["roc_auc"] = None
    cells = y * 2 + pred
    if 2 * ((y == 1) & (pred == 1)).sum() + (y != pred).sum() > 0:
        case["se"] = {"f1": influence_se(lambda w: metrics.f1_score(y, pred, sample_weight=w, zero_division=0), len(y), cells)}
    case["se_mean"] = {
        "log_loss": mean_se(-np.log(np.clip(np.where(y == 1, s, 1 - s), np.finfo(float).eps, 1 - np.finfo(float).eps))),
        "brier": mean_se((y - s) ** 2),
    }
    return case


def multiclass_case(name, y, pred, proba=None, classes=None):
    y = np.asarray(y)
    pred = np.asarray(pred)
    n = len(y)
    labels = classes if classes is not None else None
    case = {"name": name, "kind": "multiclass", "y_true": y.tolist(), "y_pred": pred.tolist()}
    if classes is not None:
        case["classes"] = list(classes)
    case["accuracy"] = metrics.accuracy_score(y, pred)
    case["balanced_accuracy"] = metrics.balanced_accuracy_score(y, pred)
    for avg, key in [("macro", "precision_macro")]:
        case[key] = metrics.precision_score(y, pred, average=avg, labels=labels, zero_division=0)
    case["recall_macro"] = metrics.recall_score(y, pred, average="macro", labels=labels, zero_division=0)
    case["f1_macro"] = metrics.f1_score(y, pred, average="macro", labels=labels, zero_division=0)
    case["f1_weighted"] = metrics.f1_score(y, pred, average="weighted", labels=labels, zero_division=0)
    everything = sorted(set(y.tolist()) | set(pred.tolist()))
    cells = np.array([everything.index(a) * len(everything) + everything.index(b) for a, b in zip(y, pred)])
    se = {}
    for key, fn in [
        ("precision_macro", lambda w: metrics.precision_score(y, pred, average="macro", labels=labels, sample_weight=w, zero_division=0)),
        ("recall_macro", lambda w: metrics.recall_score(y, pred, average="macro", labels=labels, sample_weight=w, zero_division=0)),
        ("f1_macro", lambda w: metrics.f1_score(y, pred, average="macro", labels=labels, sample_weight=w, zero_division=0)),
        ("f1_weighted", lambda w: metrics.f1_score(y, pred, average="weighted", labels=labels, sample_weight=w, zero_division=0)),
    ]:
        se[key] = influence_se(fn, n, cells)
    if proba is not None:
        columns = classes if classes is not None else sorted(set(y.tolist()))
        p = np.asarray(proba, dtype=float)
        case["probabilities"] = [{str(c): round(float(v), 6) for c, v in zip(columns, row)} for row in p]
        p = np.array([[row[str(c)] for c in columns] for row in case["probabilities"]])
        case["log_loss"] = metrics.log_loss(y, p, labels=columns)
        case["brier"] = metrics.brier_score_loss(y, p, labels=columns)
        case["roc_auc"] = metrics.roc_auc_score(y, p, multi_class="ovr", average="macro", labels=columns)
        se["roc_auc"] = influence_se(
            lambda w: metrics.roc_auc_score(y, p, multi_class="ovr", average="macro", labels=columns, sample_weight=w), n
        )
        onehot = np.array([[1.0 if t == c else 0.0 for c in columns] for t in y])
        case["se_mean"] = {
            "log_loss": mean_se(-np.log(np.clip((onehot * p).sum(axis=1), np.finfo(float).eps, 1 - np.finfo(float).eps))),
            "brier": mean_se(((onehot - p) ** 2).sum(axis=1)),
        }
    case["se"] = se
    return case


def regression_case(name, y, yhat):
    y = np.asarray(y, dtype=float)
    yhat = np.asarray(yhat, dtype=float)
    e2 = (yhat - y) ** 2
    case = {
        "name": name,
        "kind": "regression",
        "y_true": y.tolist(),
        "y_pred": yhat.tolist(),
        "mae": metrics.mean_absolute_error(y, yhat),
        "rmse": metrics.root_mean_squared_error(y, yhat),
        "mape": metrics.mean_absolute_percentage_error(y, yhat),
        "r2": metrics.r2_score(y, yhat),
    }
    if len(y) > 1 and np.var(y) > 0 and e2.sum() > 0:
        mse, se_mse = e2.mean(), mean_se(e2)
        case["se_mean"] = {"mae": mean_se(np.abs(yhat - y))}
        case["rmse_interval"] = [math.sqrt(max(0.0, mse - Z95 * se_mse)), math.sqrt(mse + Z95 * se_mse)]
        case["se"] = {"r2": influence_se(lambda w: metrics.r2_score(y, yhat, sample_weight=w), len(y))}
    return case


def softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


cases = []

# Binary: a logistic model, with its edge cases.
x = rng.normal(size=400)
p = 1 / (1 + np.exp(-(0.3 + 1.5 * x)))
y = (rng.random(400) < p).astype(int)
score = np.round(1 / (1 + np.exp(-(0.2 + 1.3 * x + rng.normal(scale=0.5, size=400)))), 6)
cases.append(binary_case("binary_400_threshold_0.3", y, score, threshold=0.3))
cases.append(binary_case("binary_ties", y[:300], np.round(score[:300], 1)))
cases.append(binary_case("binary_no_predicted_positive", y[:80], np.round(score[:80] * 0.45, 6)))
cases.append(binary_case("binary_one_class", np.ones(50, dtype=int), score[:50]))
cases.append(binary_case("binary_scores_0_and_1", y[:40], np.where(y[:40] == 1, 1.0, 0.0)))

# Multi-class: 4 classes with string names and softmax probabilities.
k, n = 4, 600
names = ["ant", "bee", "cat", "dog"]
truth = rng.integers(0, k, size=n)
logits = rng.normal(size=(n, k)) + 2.0 * np.eye(k)[truth]
proba = np.round(softmax(logits), 6)
proba = proba / proba.sum(axis=1, keepdims=True)
guess = proba.argmax(axis=1)
cases.append(multiclass_case("multiclass_probabilities_600", [names[t] for t in truth], [names[g] for g in guess], proba))
# A class that is only predicted (never a label): in the macro averages, not in balanced accuracy.
pred_extra = [names[g] if r > 0.05 else "eel" for g, r in zip(guess[:200], rng.random(200))]
cases.append(multiclass_case("multiclass_predicted_only_class", [names[t] for t in truth[:200]], pred_extra))
# Known classes given, and labels outside them.
truth_unknown = [names[t] if r > 0.04 else "yak" for t, r in zip(truth[:300], rng.random(300))]
cases.append(
    multiclass_case("multiclass_unknown_labels", truth_unknown, [names[g] for g in guess[:300]], classes=names)
)
# Integer classes: numeric sort order.
cases.append(multiclass_case("multiclass_integers", (truth[:250] * 5).tolist(), (guess[:250] * 5).tolist(), proba[:250], classes=None))

# Regression.
xr = rng.normal(size=300)
yr = 10 + 3 * xr + rng.standard_t(4, size=300)
cases.append(regression_case("regression_t_noise_300", np.round(yr, 4), np.round(10 + 2.9 * xr, 4)))
cases.append(regression_case("regression_zeros_in_y", [0.0, 1.0, 2.0, 0.0, 3.0, 4.0], [0.5, 1.1, 1.9, 0.0, 2.5, 4.2]))
cases.append(regression_case("regression_constant_y", [5.0] * 10, [5.0, 5.5, 4.5, 5.0, 5.0, 5.2, 4.9, 5.0, 5.1, 5.0]))
cases.append(regression_case("regression_exact", [1.0, 2.0, 3.0], [1.0, 2.0, 3.0]))

wilson = []
for x_, n_, level in [(0, 10, 0.95), (10, 10, 0.95), (7, 10, 0.95), (367, 500, 0.95), (1, 3, 0.9), (4980, 5000, 0.99), (50, 50000, 0.95)]:
    ci = stats.binomtest(x_, n_).proportion_ci(confidence_level=level, method="wilson")
    wilson.append({"x": x_, "n": n_, "level": level, "lower": float(ci.low), "upper": float(ci.high)})

normal = {
    "sf": [{"z": z, "p": float(stats.norm.sf(z))} for z in [-8.0, -3.0, -1.0, 0.0, 0.3, 1.0, 1.959963984540054, 2.5, 4.0, 8.0, 15.0, 30.0]],
    "isf": [{"p": p_, "z": float(stats.norm.isf(p_))} for p_ in [0.5, 0.3, 0.1, 0.05, 0.025, 0.005, 0.0005, 1e-6, 1e-12, 0.9, 0.99]],
}

out = {
    "about": (
        "extra performance vectors: metric values from scikit-learn; standard errors of the delta-method metrics as "
        "sqrt(mean(influence^2) / n), the influence being n times the derivative of scikit-learn's metric in the row's "
        "sample_weight (central differences, h = 1e-5); DeLong's variance from the O(n1 n0) kernel; Wilson intervals "
        "from scipy.stats.binomtest; normal tails from scipy.stats.norm. Written by scripts/reference/gen_performance_fixtures.py"
    ),
    "versions": {"scikit_learn": sklearn.__version__, "scipy": scipy.__version__, "numpy": np.__version__},
    "z95": Z95,
    "cases": cases,
    "wilson": wilson,
    "normal": normal,
}


def clean(v):
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, list):
        return [clean(x) for x in v]
    if isinstance(v, (np.floating, float)):
        return float(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


path = FIXTURES / "performance_extra_cases.json"
path.write_text(json.dumps(clean(out)) + "\n")
print(f"wrote {path}: {len(cases)} cases")
