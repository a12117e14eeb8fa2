"""Topology of representations: Vietoris–Rips persistent homology and RTD.

Both run on rnnscope's own C++ Vietoris–Rips code (Ripser-class; see docs/topology.md).
Bad inputs (NaN, non-square or asymmetric matrices, negative distances, empty arrays,
mismatched rows) raise ValueError.
"""

from __future__ import annotations

import math

import numpy as np

from . import _core
from ._args import path

__all__ = ["ph", "rtd"]


def ph(x, *, maxdim: int = 1, distance_matrix: bool = False, threshold: float | None = None,
       threads: int = 1, out=None, force: bool = False) -> list[np.ndarray]:
    """Persistence barcodes of the Vietoris–Rips filtration of ``x``.

    Args:
        x: a point cloud ``[n, d]`` (Euclidean distances), or with ``distance_matrix=True``
            a symmetric ``[n, n]`` matrix with zero diagonal.
        maxdim: highest homology dimension (0 components, 1 loops, 2 voids).
        threshold: largest edge length; ``None`` uses the enclosing radius (no bar changes).
        threads: worker threads for the parallel phases (0 = all cores).
        out: also write the barcodes to this HDF5 file, as ``rnnscope ph --out`` does
            (``/dim0``, ``/dim1``, …); an existing file is kept unless ``force=True``.

    Returns:
        ``maxdim + 1`` float64 arrays ``[k, 2]`` of (birth, death) pairs, ``death = inf``
        for classes that never die. Bars of zero length are omitted, as in Ripser.
    """
    record = _core.ph(np.asarray(x, dtype=np.float64), maxdim=int(maxdim),
                      distance_matrix=bool(distance_matrix),
                      threshold=math.inf if threshold is None else float(threshold),
                      threads=int(threads), out=path(out), force=bool(force))
    return [record[f"dim{d}"] for d in range(record["max_dim"] + 1)]


def rtd(P, Q, *, trials: int = 10, batch: int = 500, seed: int = 0, symmetric: bool = True,
        return_trials: bool = False, threads: int = 1, out=None, force: bool = False):
    """Representation Topology Divergence between paired point clouds ``P [n, d1]`` and
    ``Q [n, d2]`` (row i of both describes the same sample), as Barannikov et al. (2022).

    The score is the mean over ``trials`` random subsets of ``min(batch, n)`` rows (the same
    rows of P and Q) of the H1 bar-length sum of the R-Cross-Barcode matrix; with
    ``symmetric`` the average of RTD(P, Q) and RTD(Q, P).

    ``out`` also writes the full record (per-trial scores, rows, H1 barcodes) to HDF5, as
    ``rnnscope rtd --out`` does; an existing file is kept unless ``force=True``.

    Returns:
        the score (float); with ``return_trials=True`` a tuple ``(score, per_trial_scores)``.
    """
    record = _core.rtd(np.asarray(P, dtype=np.float64), np.asarray(Q, dtype=np.float64),
                       trials=int(trials), batch=int(batch), seed=int(seed),
                       symmetric=bool(symmetric), threads=int(threads), out=path(out),
                       force=bool(force))
    score = float(record["score"][0])
    if return_trials:
        return score, record["trial_scores"]
    return score


