#!/usr/bin/env python3
"""Benchmark the analyses of one trained N-back network (`rnnscope analyze`, docs/nback.md)
against scikit-learn fitting the same decoders on the same arrays, in one invocation, all at
1 thread.

rnnscope: `rnnscope.analyze(RUN, trials=N, folds=F)`, the whole request (the held-out views'
features, the network's run, every analysis), and the same request on 16 trials and 2 folds
(its fixed part: the views' CNN features and the network's run); the run's `train.threads`
should be 1. The peer:
the arrays that request analyses (exported once with `states=True`) and, on them, every
decoder the analyses fit — (1) every task × feature × object S × fold × step T ≥ S, with
(4a)'s and (4b)'s tests of the fold's encoding-step decoder; (2) every feature × task × fold on
the pooled encoding samples, tested on every task; (3) every feature × space, cross-validated
plus the fit on all samples — each a `StandardScaler` fitted on the training rows and a
`LogisticRegression(C=1/l2)` at scikit-learn's default tolerance (1e-4), folds by
`StratifiedKFold(shuffle=True)` of the same count (the same scheme, not the same draw). The
peer leaves out (4c)/(4d)'s Procrustes maps, which rnnscope's time includes. Two peers:
`OneVsRestClassifier(LogisticRegression())` (rnnscope's model) and plain
`LogisticRegression()` (multinomial lbfgs, scikit-learn's default), max_iter raised to 1000
where lbfgs stops early. Repetitions are interleaved; medians are reported.

scikit-learn lives in a venv of its own, never the project's:

    .venv/bin/python bench/bench_analysis.py RUN --peer-site /work/venv-nback/lib/python3.11/site-packages
"""

from __future__ import annotations

import os

# One thread for every BLAS numpy, scikit-learn and rnnscope may use, before numpy is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import datetime
import platform
import statistics
import sys
import time

import numpy as np


def usable_folds(y, requested):
    """The analyses' rule: the requested folds, fewer where the smallest class is smaller; 0 when none."""
    _, counts = np.unique(y, return_counts=True)
    if counts.size < 2 or counts.min() < 2:
        return 0
    return int(min(requested, counts.min()))


class Peer:
    """scikit-learn fitting every decoder of the analyses; `fits` counts them."""

    def __init__(self, one_vs_rest, l2, folds, seed):
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        def model():
            lr = LogisticRegression(C=1.0 / l2, max_iter=1000)
            return make_pipeline(StandardScaler(), OneVsRestClassifier(lr) if one_vs_rest else lr)

        self.model, self.folds, self.seed, self.fits = model, folds, seed, 0
        self.split = lambda n, y: StratifiedKFold(n, shuffle=True, random_state=seed).split(np.zeros(len(y)), y)

    def fit(self, x, y):
        self.fits += 1
        return self.model().fit(x, y)

    def per_task(self, hidden, objects, rows):
        frames = hidden.shape[1]
        for f in range(3):
            for s in range(frames):
                y = objects[rows, s, f]
                n = usable_folds(y, self.folds)
                if n == 0:
                    continue
                for train, test in self.split(n, y):
                    at = {}
                    for t in range(s, frames):  # (1) and (4a)
                        at[t] = self.fit(hidden[rows[train], t], y[train])
                        at[t].score(hidden[rows[test], t], y[test])
                        at[s].score(hidden[rows[test], t], y[test])
                    for j in range(frames):  # (4b)
                        at[s].score(hidden[rows[test], j], objects[rows[test], j, f])

    def cross_task(self, hidden, objects, task, tasks):
        frames = hidden.shape[1]
        for f in range(3):
            pooled = []
            for k in range(tasks):
                rows = np.flatnonzero(task == k)
                pooled.append((hidden[rows].transpose(1, 0, 2).reshape(-1, hidden.shape[2]),
                               objects[rows].transpose(1, 0, 2)[:, :, f].reshape(-1)))
            for a, (x, y) in enumerate(pooled):
                n = usable_folds(y, self.folds)
                if n == 0:
                    continue
                for train, test in self.split(n, y):
                    decoder = self.fit(x[train], y[train])
                    for b, (x_b, y_b) in enumerate(pooled):
                        if b == a:
                            decoder.score(x[test], y[test])
                        elif y_b.size and np.isin(y_b, decoder.classes_).all():
                            decoder.score(x_b, y_b)

    def orthogonality(self, space, objects, samples):
        x = space.reshape(-1, space.shape[2])[:samples]
        for f in range(3):
            y = objects.reshape(-1, 3)[:samples, f]
            n = usable_folds(y, self.folds)
            if n == 0:
                continue
            for train, test in self.split(n, y):
                self.fit(x[train], y[train]).score(x[test], y[test])
            self.fit(x, y)

    def run(self, states):
        hidden, perceptual, objects, task = (states[k] for k in ("hidden", "perceptual", "objects", "task"))
        tasks = int(task.max()) + 1
        start = time.perf_counter()
        import warnings
        from sklearn.exceptions import ConvergenceWarning
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)  # a peer that did not converge is not a result
            for k in range(tasks):
                rows = np.flatnonzero(task == k)
                if rows.size:
                    self.per_task(hidden, objects, rows)
            self.cross_task(hidden, objects, task, tasks)
            for space in (perceptual, hidden):
                self.orthogonality(space, objects, 1024)
        return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", help="a trained N-back run directory")
    parser.add_argument("--peer-site", required=True, help="site-packages of the venv holding scikit-learn")
    parser.add_argument("--trials", type=int, default=1024)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--peers", nargs="+", default=["multinomial", "one-vs-rest"], choices=["multinomial", "one-vs-rest"])
    args = parser.parse_args()
    import rnnscope
    sys.path.append(args.peer_site)  # after the project's own packages: its numpy is used
    import sklearn

    load_before = os.getloadavg()[0]
    exported = rnnscope.analyze(args.run, trials=args.trials, folds=args.folds, l2=args.l2, states=True)
    states = exported["states"]
    seed = int(exported["seed"]) % 2**32

    def ours(trials, folds):
        def go():
            start = time.perf_counter()
            rnnscope.analyze(args.run, trials=trials, folds=folds, l2=args.l2)
            return time.perf_counter() - start, None
        return go

    def peer(one_vs_rest):
        def go():
            p = Peer(one_vs_rest, args.l2, args.folds, seed)
            return p.run(states), p.fits
        return go

    # The request's fixed part (the held-out bank's CNN features, the network's run), measured
    # as the same request on 16 trials and 2 folds, whose analyses take milliseconds.
    tools = {"rnnscope analyze": ours(args.trials, args.folds), "rnnscope analyze, 16 trials": ours(16, 2)}
    for name in args.peers:
        label = "sklearn OneVsRest(LogisticRegression)" if name == "one-vs-rest" else "sklearn LogisticRegression (multinomial)"
        tools[label] = peer(name == "one-vs-rest")
    results = {tool: [] for tool in tools}
    for _ in range(args.reps):  # interleaved, so load on the machine spreads over all tools
        for tool, fn in tools.items():
            results[tool].append(fn())
            print(f"{tool}: {results[tool][-1][0]:.2f} s", file=sys.stderr, flush=True)
    ours_s = statistics.median(r[0] for r in results["rnnscope analyze"])
    fixed_s = statistics.median(r[0] for r in results["rnnscope analyze, 16 trials"])
    hidden = states["hidden"]
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs; "
          f"date {datetime.date.today()}; 1 thread; scikit-learn {sklearn.__version__}, numpy {np.__version__}; "
          f"{args.reps} interleaved repetitions, median seconds; 1-minute load average {load_before:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after. Arrays: {hidden.shape[0]} trials x {hidden.shape[1]} frames x "
          f"{hidden.shape[2]} units, {states['perceptual'].shape[2]} CNN features, {int(states['task'].max()) + 1} tasks; "
          f"{args.folds} folds, l2 {args.l2}.\n")
    print("| tool | decoder fits | median s | min s | tool s / rnnscope analyze s | tool s / rnnscope's analyses s (less the fixed part) |")
    print("|---|---:|---:|---:|---:|---:|")
    for tool, runs in results.items():
        median_s = statistics.median(r[0] for r in runs)
        fits = runs[0][1] if runs[0][1] is not None else "—"
        print(f"| {tool} | {fits} | {median_s:.2f} | {min(r[0] for r in runs):.2f} | {median_s / ours_s:.1f}× | "
              f"{median_s / (ours_s - fixed_s):.1f}× |")


if __name__ == "__main__":
    main()
