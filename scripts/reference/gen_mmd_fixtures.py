#!/usr/bin/env python3
"""Regenerates test/fixtures/mmd_cases.json: MMD^2 and the median-heuristic bandwidth as Alibi
Detect's MMDDrift computes them, for src/stats/mmd.ts to match.

    python3 -m venv /tmp/mmd && /tmp/mmd/bin/pip install numpy==2.4.6
    /tmp/mmd/bin/python scripts/reference/gen_mmd_fixtures.py      # from the repository root

Alibi Detect itself is not run: it needs PyTorch or TensorFlow (several hundred MB). This is a
direct numpy transcription of its three functions (alibi_detect/utils/pytorch, 0.12/0.13):
  sigma_median(x, y, dist)        n = len(x) if x is y; sorted(dist.flatten())[n + (n*n - n) // 2 - 1];
                                  sigma = sqrt(0.5 * that)
  GaussianRBF                     k(x, y) = exp(-|x - y|^2 / (2 sigma^2))
  mmd2_from_kernel_matrix(K, m)   K with zero diagonal; c_xx * K_xx.sum() + c_yy * K_yy.sum()
                                  - 2 * K_xy.mean(), c = 1 / (n (n - 1)), the last m rows are y
Alibi computes the squared distances as |x|^2 + |y|^2 - 2 x.y (torch.addmm, clamped at 1e-30);
driftwatch sums (x_c - y_c)^2 over c left to right, which is more accurate and what this script
does in plain Python floats, so the sigma it writes matches driftwatch's bit for bit. The
Alibi-formula sigma is written beside it ("sigma_*_alibi_formula") and checked here to pick the
same pair (relative difference below 1e-12).
Two bandwidths per case: "pooled" (median over both samples' rows: Alibi's
configure_kernel_from_x_ref=False) and "baseline" (over x alone: Alibi's default).

The data are integers to be divided by 1024 (exact in binary), drawn from numpy's
default_rng(seed) normal; the tests never run Python, they only read the file.
"""
import json
import math
import pathlib

import numpy as np

SCALE = 1024


def exact_sq_distances(z):
    """Pair squared distances, each a left-to-right sum in Python floats (IEEE double, like JavaScript)."""
    n = len(z)
    out = np.zeros((n, n))
    rows = [list(map(float, r)) for r in z]
    for i in range(n):
        for j in range(i + 1, n):
            s = 0.0
            for a, b in zip(rows[i], rows[j]):
                d = a - b
                s += d * d
            out[i, j] = out[j, i] = s
    return out


def alibi_sq_distances(x, y):
    x2 = (x ** 2).sum(-1, keepdims=True)
    y2 = (y ** 2).sum(-1, keepdims=True)
    dist = y2.T + (-2.0) * (x @ y.T) + x2
    return np.maximum(dist, 1e-30)


def sigma_median_same(dist):
    """Alibi's sigma_median for x against itself (n = len(x), the diagonal's n zeros skipped by the index)."""
    n = dist.shape[0]
    flat = np.sort(dist.flatten())
    n_median = n + (dist.size - n) // 2 - 1
    return math.sqrt(0.5 * flat[n_median])


def mmd2_from_kernel_matrix(kernel, m):
    kernel = kernel - np.diag(np.diag(kernel))
    n = kernel.shape[0] - m
    k_xx, k_yy, k_xy = kernel[:-m, :-m], kernel[-m:, -m:], kernel[-m:, :-m]
    c_xx, c_yy = 1 / (n * (n - 1)), 1 / (m * (m - 1))
    return float(c_xx * k_xx.sum() + c_yy * k_yy.sum() - 2.0 * k_xy.mean())


def case(name, seed, nx, ny, dim, shift=0.0, scale_y=1.0):
    rng = np.random.default_rng(seed)
    xi = np.rint(rng.normal(size=(nx, dim)) * SCALE).astype(np.int64)
    yi = np.rint((rng.normal(size=(ny, dim)) * scale_y + shift) * SCALE).astype(np.int64)
    x, y = xi / SCALE, yi / SCALE
    z = np.vstack([x, y])
    out = {"name": name, "nx": nx, "ny": ny, "dim": dim, "x": xi.flatten().tolist(), "y": yi.flatten().tolist()}
    exact_all = exact_sq_distances(z)
    for bandwidth, rows in (("pooled", nx + ny), ("baseline", nx)):
        sigma = sigma_median_same(exact_all[:rows, :rows])
        alibi = sigma_median_same(alibi_sq_distances(z[:rows], z[:rows]))
        assert abs(alibi - sigma) <= 1e-12 * sigma, (name, bandwidth, alibi, sigma)
        kernel = np.exp(-exact_all / (2 * sigma ** 2))
        out[f"sigma_{bandwidth}"] = sigma
        out[f"sigma_{bandwidth}_alibi_formula"] = alibi
        out[f"mmd2_{bandwidth}"] = mmd2_from_kernel_matrix(kernel, ny)
    return out


def main():
    cases = [
        case("same distribution, 40 x 40, 3 dims", 1, 40, 40, 3),
        case("mean shift 0.5, 40 x 40, 3 dims", 2, 40, 40, 3, shift=0.5),
        case("unequal sizes 30 x 55, 8 dims, scale 1.5", 3, 30, 55, 8, scale_y=1.5),
        case("embedding 64 dims, 50 x 50, shift 0.1", 4, 50, 50, 64, shift=0.1),
        case("embedding 1024 dims, 12 x 14", 5, 12, 14, 1024, shift=0.05),
    ]
    doc = {
        "generator": "scripts/reference/gen_mmd_fixtures.py",
        "versions": {"numpy": np.__version__, "python": ".".join(map(str, __import__("sys").version_info[:3]))},
        "scale": SCALE,
        "cases": cases,
    }
    path = pathlib.Path("test/fixtures/mmd_cases.json")
    path.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"wrote {path}: {len(cases)} cases")


if __name__ == "__main__":
    main()
