#!/usr/bin/env python3
"""Benchmark rnnscope's CP-ALS (`rnnscope.cp`) against tensorly's `parafac` (numpy backend)
on planted low-rank tensors with Gaussian noise, all at 1 thread, in one invocation. tensorly
runs with its defaults (tol 1e-8 on the reconstruction error, 100 iterations at most) from
its SVD initialisation and from a random one; rnnscope from random initialisations (its
default 4 restarts, and 1). Every relative error ‖X − X̂‖/‖X‖ is recomputed here from the
returned factors, the same way for every tool. The ratio is tensorly-svd's time over the
tool's time; it counts only where the tool reached tensorly-svd's error (to 1e-4 relative).

    .venv/bin/python -m pip install tensorly==0.10.0    # by hand; never a test dependency
    .venv/bin/python bench/bench_cp.py                  # 256x256x200 rank 5 + 100x100x50 rank 3
"""

from __future__ import annotations

import os

# One thread for every BLAS numpy may use, before numpy is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import datetime
import platform
import statistics
import time

import numpy as np


def planted(shape, rank, noise, seed, weights=None):
    rng = np.random.default_rng(seed)
    factors = [rng.normal(size=(n, rank)) for n in shape]
    w = np.ones(rank) if weights is None else np.asarray(weights, dtype=float)
    x = np.einsum("ir,jr,kr,r->ijk", *factors, w)
    return x + noise * np.linalg.norm(x) / np.sqrt(x.size) * rng.normal(size=x.shape)


def relative_error(x, weights, factors):
    x_hat = np.einsum("ir,jr,kr,r->ijk", *factors, weights)
    return float(np.linalg.norm(x - x_hat) / np.linalg.norm(x))


def run_tensorly(x, rank, init, seed):
    import tensorly as tl
    from tensorly.decomposition import parafac
    start = time.perf_counter()
    cp = parafac(tl.tensor(x), rank, init=init, random_state=seed)
    seconds = time.perf_counter() - start
    return seconds, relative_error(x, cp.weights, cp.factors)


def run_rnnscope(x, rank, restarts, seed):
    import rnnscope
    start = time.perf_counter()
    fit = rnnscope.cp(x, rank=rank, restarts=restarts, seed=seed, threads=1)
    seconds = time.perf_counter() - start
    return seconds, relative_error(x, fit["weights"], fit["factors"])


def bench(name, x, rank, reps):
    tools = {
        "tensorly parafac init=svd": lambda s: run_tensorly(x, rank, "svd", s),
        "tensorly parafac init=random": lambda s: run_tensorly(x, rank, "random", s),
        "rnnscope.cp restarts=4": lambda s: run_rnnscope(x, rank, 4, s),
        "rnnscope.cp restarts=1": lambda s: run_rnnscope(x, rank, 1, s),
    }
    results = {tool: [] for tool in tools}
    for rep in range(reps):  # interleaved, so load on the machine spreads over all tools
        for tool, fn in tools.items():
            results[tool].append(fn(rep))
    reference_s = statistics.median(s for s, _ in results["tensorly parafac init=svd"])
    target = max(e for _, e in results["tensorly parafac init=svd"])
    print(f"\n{name}: shape {x.shape}, rank {rank}; target error (tensorly svd) {target:.5f}")
    print(f"| tool | median s | errors (per repetition) | reached target | speed-up vs tensorly svd |")
    print(f"|---|---|---|---|---|")
    for tool, runs in results.items():
        median_s = statistics.median(s for s, _ in runs)
        reached = all(e <= target * (1 + 1e-4) for _, e in runs)
        ratio = f"{reference_s / median_s:.1f}x" if reached else "—"
        errors = ", ".join(f"{e:.5f}" for _, e in runs)
        print(f"| {tool} | {median_s:.3f} | {errors} | {'yes' if reached else 'no'} | {ratio} |")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--skip-large", action="store_true", help="only the 100x100x50 tensor")
    args = p.parse_args()
    print(f"Machine: {cpu_model()}, {os.cpu_count()} logical CPUs; "
          f"date {datetime.date.today()}; 1 thread; {args.reps} interleaved repetitions; "
          f"1-minute load average {os.getloadavg()[0]:.2f} before")
    if not args.skip_large:
        bench("planted rank 5 + 5% noise", planted((256, 256, 200), 5, 0.05, seed=0), 5, args.reps)
    # Weights over learning: updates of a 100x100 matrix at 50 checkpoints, a few dominant
    # directions with decaying magnitudes (as low tensor rank learning predicts) + 1% noise.
    bench("weights-over-learning-like, rank 3 (weights 4, 2, 1) + 1% noise",
          planted((100, 100, 50), 3, 0.01, seed=1, weights=[4, 2, 1]), 3, args.reps)
    print(f"\n1-minute load average {os.getloadavg()[0]:.2f} after")


if __name__ == "__main__":
    main()
