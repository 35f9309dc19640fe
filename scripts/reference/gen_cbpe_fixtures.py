#!/usr/bin/env python3
"""Regenerates NannyML's CBPE details on the shared CBPE case (what cbpe_case.json leaves out).

    python3 -m venv /tmp/nml && /tmp/nml/bin/pip install nannyml==0.13.1
    /tmp/nml/bin/python scripts/reference/gen_cbpe_fixtures.py      # from the repository root

Reads test/fixtures/cbpe_case.json (a copy of shared/reference/cbpe_case.json) and writes
test/fixtures/cbpe_nannyml_details.json with, from the same data:
  versions       nannyml, scikit-learn, numpy, scipy, pandas used
  estimated      CBPE(chunk_size=1000) on analysis, per chunk and metric: estimated, sampling_error,
                 lower/upper confidence boundary (estimate -+ 3 sampling errors, clipped to [0, 1]),
                 realized (analysis y_true given)
  calibration    needs_calibration's decision on the reference, the two expected calibration errors
                 it compares, and the first 20 test rows of each of its 10 StratifiedShuffleSplit folds
  isotonic       IsotonicRegression(out_of_bounds='clip') fitted on the reference: its knots and its
                 predictions at a grid of scores (inside and outside the fitted range)
  splits         StratifiedShuffleSplit index vectors on small label vectors (ties in remainders)
The tests never run Python; they only read the file. Everything is seeded.
"""
import json
import pathlib

import nannyml
import numpy as np
import pandas as pd
import scipy
import sklearn
from nannyml.calibration import (
    IsotonicCalibrator,
    _calculate_expected_calibration_error,
    _get_bin_index_edges,
    needs_calibration,
)
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import StratifiedShuffleSplit

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "test" / "fixtures"
METRICS = ["roc_auc", "f1", "precision", "recall", "specificity", "accuracy"]


def frame(part):
    return pd.DataFrame({"y_true": part["y_true"], "y_pred_proba": part["y_score"], "y_pred": part["y_pred"]})


def main():
    case = json.loads((FIXTURES / "cbpe_case.json").read_text())
    reference, analysis = frame(case["reference"]), frame(case["analysis"])

    estimator = nannyml.CBPE(
        y_pred_proba="y_pred_proba",
        y_pred="y_pred",
        y_true="y_true",
        problem_type="classification_binary",
        metrics=METRICS,
        chunk_size=1000,
    )
    estimator.fit(reference)
    result = estimator.estimate(analysis).filter(period="analysis").to_df()
    chunks = []
    for _, row in result.iterrows():
        chunk = {"start": int(row[("chunk", "start_index")]), "end": int(row[("chunk", "end_index")]) + 1}
        for metric in METRICS:
            chunk[metric] = {
                "estimated": float(row[(metric, "value")]),
                "sampling_error": float(row[(metric, "sampling_error")]),
                "lower": float(row[(metric, "lower_confidence_boundary")]),
                "upper": float(row[(metric, "upper_confidence_boundary")]),
                "realized": float(row[(metric, "realized")]),
            }
        chunks.append(chunk)

    y_true = reference["y_true"].to_numpy()
    scores = reference["y_pred_proba"].to_numpy()
    folds = list(StratifiedShuffleSplit(n_splits=10, test_size=0.1, random_state=42).split(scores, y_true))
    calibrator = IsotonicCalibrator()
    tests, raw, calibrated = [], [], []
    for train, test in folds:
        calibrator.fit(scores[train], y_true[train])
        tests.append(y_true[test])
        raw.append(scores[test])
        calibrated.append(calibrator.calibrate(scores[test]))
    vec_true, vec_raw, vec_cal = np.concatenate(tests), np.concatenate(raw), np.concatenate(calibrated)
    edges = _get_bin_index_edges(len(vec_raw), 10)
    calibration = {
        "needs_calibration": bool(needs_calibration(reference["y_true"], reference["y_pred_proba"], IsotonicCalibrator())),
        "ece_before": float(_calculate_expected_calibration_error(vec_true, vec_raw, edges)),
        "ece_after": float(_calculate_expected_calibration_error(vec_true, vec_cal, edges)),
        "fold_tests_head": [test[:20].tolist() for _, test in folds],
    }

    regressor = IsotonicRegression(out_of_bounds="clip", increasing=True).fit(scores, y_true)
    grid = np.concatenate([[-0.5, 0.0, 1.0, 1.5], np.linspace(scores.min(), scores.max(), 41), scores[:40]])
    isotonic = {
        "x_thresholds": regressor.X_thresholds_.tolist(),
        "y_thresholds": regressor.y_thresholds_.tolist(),
        "at": grid.tolist(),
        "predicted": regressor.predict(grid).tolist(),
    }

    rng = np.random.RandomState(7)
    small = [
        [0, 0, 0, 1, 1, 1, 0, 1],
        [0, 1, 0, 1, 0, 1, 0, 1, 0, 1],
        [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        rng.binomial(1, 0.3, 97).tolist(),
        rng.binomial(1, 0.5, 101).tolist(),
    ]
    splits = []
    for labels in small:
        y = np.asarray(labels)
        for test_size in (0.25, 0.3):
            out = StratifiedShuffleSplit(n_splits=3, test_size=test_size, random_state=42).split(y, y)
            splits.append(
                {
                    "labels": labels,
                    "test_size": test_size,
                    "seed": 42,
                    "splits": [{"train": tr.tolist(), "test": te.tolist()} for tr, te in out],
                }
            )

    details = {
        "about": (
            "NannyML 0.13.1 CBPE on cbpe_case.json: per-chunk estimates with sampling errors, confidence "
            "boundaries and realized values; the calibration decision; the isotonic calibrator; "
            "StratifiedShuffleSplit vectors. Generated by scripts/reference/gen_cbpe_fixtures.py."
        ),
        "versions": {
            "nannyml": nannyml.__version__,
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "pandas": pd.__version__,
        },
        "chunk_size": 1000,
        "estimated": chunks,
        "calibration": calibration,
        "isotonic": isotonic,
        "splits": splits,
    }
    (FIXTURES / "cbpe_nannyml_details.json").write_text(json.dumps(details, indent=1) + "\n")


if __name__ == "__main__":
    main()
