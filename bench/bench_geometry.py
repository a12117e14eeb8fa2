#!/usr/bin/env python3
"""Benchmark rnnscope's cross-validated decoders (`rnnscope.geometry.decode`) against
scikit-learn on the same arrays, in one invocation, all at 1 thread: stratified 5-fold
cross-validation plus a final fit on all samples, L2 penalty C = 1 (rnnscope's l2 = 1), as
the N-back analyses (docs/nback.md) run it for every feature and age.

Peers: `OneVsRestClassifier(LogisticRegression())` — the same one-vs-rest model as rnnscope —
and plain `LogisticRegression()` (multinomial, lbfgs; the usual choice), both with
scikit-learn's defaults (tol 1e-4, max_iter 100, raised to 1000 where lbfgs stops early).
Inputs: planted codes like hidden states, class c shifts the activity along a random
direction by `--signal`, in Gaussian noise. Reports median seconds, accuracy, and for the
one-vs-rest peer the smallest cosine between its normals and rnnscope's (the same model
fitted by both: 1 when both converged).

scikit-learn is installed into a venv of its own, never the project's:

    python3 -m venv /work/venv-nback && /work/venv-nback/bin/pip install scikit-learn
    .venv/bin/python bench/bench_geometry.py --peer-site /work/venv-nback/lib/python3.11/site-packages
"""

from __future__ import annotations

import os

# One thread for every BLAS numpy and scikit-learn may use, before numpy is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import datetime
import platform
import statistics
import sys
import time

import numpy as np


def planted(samples, features, classes, signal, seed):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(classes), samples // classes)
    directions = rng.normal(size=(classes, features)) / np.sqrt(features)
    x = rng.normal(size=(y.size, features)) + signal * directions[y] * np.sqrt(features) / 4
    return x, y


def run_rnnscope(x, y, seed):
    import rnnscope
    start = time.perf_counter()
    fit = rnnscope.geometry.decode(x, y, l2=1.0, folds=5, seed=seed)
    return time.perf_counter() - start, fit["accuracy"], fit["normals"]


def run_sklearn(x, y, seed, one_vs_rest):
    import warnings
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.multiclass import OneVsRestClassifier

    def model():
        lr = LogisticRegression(C=1.0, max_iter=1000)
        return OneVsRestClassifier(lr) if one_vs_rest else lr

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # a peer that did not converge is not a result
        accuracies = []
        for train, test in StratifiedKFold(5, shuffle=True, random_state=seed).split(x, y):
            accuracies.append(model().fit(x[train], y[train]).score(x[test], y[test]))
        final = model().fit(x, y)
    seconds = time.perf_counter() - start
    normals = np.stack([e.coef_[0] for e in final.estimators_]) if one_vs_rest else final.coef_
    return seconds, float(np.mean(accuracies)), normals


def min_cosine(a, b):
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return float(np.min(np.sum(a * b, axis=1)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peer-site", required=True, help="site-packages of the venv holding scikit-learn")
    parser.add_argument("--shapes", nargs="+", default=["1024x256x8", "1024x512x8", "4096x256x4"],
                        help="SAMPLESxFEATURESxCLASSES")
    parser.add_argument("--signal", type=float, default=1.0)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    sys.path.append(args.peer_site)  # after the project's own packages: its numpy is used
    import sklearn

    load_before = os.getloadavg()[0]
    rows = []
    for shape in args.shapes:
        samples, features, classes = map(int, shape.split("x"))
        x, y = planted(samples, features, classes, args.signal, seed=0)
        tools = {
            "rnnscope.geometry.decode (one-vs-rest)": lambda s: run_rnnscope(x, y, s),
            "sklearn OneVsRest(LogisticRegression)": lambda s: run_sklearn(x, y, s, True),
            "sklearn LogisticRegression (multinomial)": lambda s: run_sklearn(x, y, s, False),
        }
        results = {tool: [] for tool in tools}
        for rep in range(args.reps):  # interleaved, so load on the machine spreads over all tools
            for tool, fn in tools.items():
                results[tool].append(fn(rep))
        ours = results["rnnscope.geometry.decode (one-vs-rest)"]
        ours_s = statistics.median(r[0] for r in ours)
        for tool, runs in results.items():
            median_s = statistics.median(r[0] for r in runs)
            accuracy = statistics.mean(r[1] for r in runs)
            cosine = f"{min_cosine(runs[0][2], ours[0][2]):.4f}" if "OneVsRest" in tool or tool.startswith("rnnscope") else "—"
            rows.append(f"| {shape} | {tool} | {median_s:.3f} | {accuracy:.3f} | {cosine} | {median_s / ours_s:.1f}× |")
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs; "
          f"date {datetime.date.today()}; 1 thread; scikit-learn {sklearn.__version__}, numpy {np.__version__}; "
          f"{args.reps} interleaved repetitions, median seconds; 1-minute load average {load_before:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after.\n")
    print("| samples x features x classes | tool | median s | mean CV accuracy | min cos to rnnscope normals | tool s / rnnscope s (< 1: rnnscope slower) |")
    print("|---|---|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
