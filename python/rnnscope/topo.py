"""Topology of representations: Vietoris–Rips persistent homology and RTD.

Both run on rnnscope's own C++ Vietoris–Rips code (Ripser-class; see docs/topology.md).
Bad inputs (NaN, non-square or asymmetric matrices, negative distances, empty arrays,
mismatched rows, a square array without ``distance_matrix=``, arguments of the wrong type)
raise ValueError.
"""

from __future__ import annotations

import math

import numpy as np

from . import _core
from ._args import array, boolean, integer, path, real, seed as seed_arg

__all__ = ["ph", "rtd"]


def ph(x, *, maxdim: int = 1, distance_matrix: bool | None = None, threshold: float | None = None,
       threads: int = 1, memory_limit_gb: float = 0, out=None, force: bool = False) -> list[np.ndarray]:
    """Persistence barcodes of the Vietoris–Rips filtration of ``x``.

    Args:
        x: a point cloud ``[n, d]`` (Euclidean distances), or with ``distance_matrix=True``
            a symmetric ``[n, n]`` matrix with zero diagonal.
        distance_matrix: what ``x`` is. It is never guessed from the values: ``None`` is
            fine for a non-square ``x`` (a point cloud), and a square ``x`` (a distance
            matrix or as many points as dimensions) needs ``True`` or ``False``.
        maxdim: highest homology dimension (0 components, 1 loops, 2 voids).
        threshold: largest edge length; ``None`` uses the enclosing radius (no bar changes).
        threads: worker threads for the parallel phases (0 = all cores).
        memory_limit_gb: refuse (MemoryError, before allocating) a computation whose memory
            estimate exceeds this many GB; 0 = the memory available when it starts.
        out: also write the barcodes to this HDF5 file, as ``rnnscope ph --out`` does
            (``/dim0``, ``/dim1``, …); an existing file is kept unless ``force=True``.

    Returns:
        ``maxdim + 1`` float64 arrays ``[k, 2]`` of (birth, death) pairs, ``death = inf``
        for classes that never die. Bars of zero length are omitted, as in Ripser.
    """
    if distance_matrix is None:
        fmt = ""
    else:
        fmt = "distance" if boolean(distance_matrix, "distance_matrix") else "point-cloud"
    record = _core.ph(array(x, "x"), maxdim=integer(maxdim, "maxdim", minimum=0, maximum=8), format=fmt,
                      threshold=math.inf if threshold is None else real(threshold, "threshold", minimum=0),
                      threads=integer(threads, "threads", minimum=0),
                      memory_limit_gb=real(memory_limit_gb, "memory_limit_gb", minimum=0), out=path(out),
                      force=boolean(force, "force"))
    return [record[f"dim{d}"] for d in range(record["max_dim"] + 1)]


def rtd(P, Q, *, trials: int = 10, batch: int = 500, seed: int = 0, symmetric: bool = True,
        return_trials: bool = False, threads: int = 1, memory_limit_gb: float = 0, out=None,
        force: bool = False):
    """Representation Topology Divergence between paired point clouds ``P [n, d1]`` and
    ``Q [n, d2]`` (row i of both describes the same sample), as Barannikov et al. (2022).

    The score is the mean over ``trials`` random subsets of ``min(batch, n)`` rows (the same
    rows of P and Q) of the H1 bar-length sum of the R-Cross-Barcode matrix; with
    ``symmetric`` the average of RTD(P, Q) and RTD(Q, P).

    ``memory_limit_gb`` refuses (MemoryError, before allocating) what its memory estimate
    puts above this many GB (0 = the memory available when it starts).

    ``out`` also writes the full record (per-trial scores, rows, H1 barcodes) to HDF5, as
    ``rnnscope rtd --out`` does; an existing file is kept unless ``force=True``.

    Returns:
        the score (float); with ``return_trials=True`` a tuple ``(score, per_trial_scores)``.
    """
    return_trials = boolean(return_trials, "return_trials")
    record = _core.rtd(array(P, "P"), array(Q, "Q"),
                       trials=integer(trials, "trials", minimum=1), batch=integer(batch, "batch", minimum=2),
                       seed=seed_arg(seed), symmetric=boolean(symmetric, "symmetric"),
                       threads=integer(threads, "threads", minimum=0),
                       memory_limit_gb=real(memory_limit_gb, "memory_limit_gb", minimum=0), out=path(out),
                       force=boolean(force, "force"))
    score = float(record["score"][0])
    if return_trials:
        return score, record["trial_scores"]
    return score


