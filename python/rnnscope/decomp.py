"""CP (CANDECOMP/PARAFAC) decomposition of 3-way tensors on rnnscope's own C++ ALS.

The algorithm (ALS with extrapolation, random restarts on a randomised Tucker compression
refined on the tensor, HALS for non-negative factors) is described in docs/ltr.md.
Bad inputs (not 3-D, NaN or infinity, an all-zero tensor, rank < 1, restarts < 1, negative
entries with ``nonnegative=True``) raise ValueError.
"""

from __future__ import annotations

import numpy as np

from . import _core
from ._args import array, boolean, integer, path, real, seed as seed_arg

__all__ = ["cp"]


def cp(tensor, *, rank: int = 1, ranks=None, restarts: int = 4, nonnegative: bool = False,
       seed: int = 0, max_iterations: int = 500, tolerance: float = 1e-9, threads: int = 0,
       out=None, force: bool = False) -> dict:
    """CP decomposition ``X ≈ Σ_r w_r a_r ∘ b_r ∘ c_r`` of a 3-D array ``[I, J, K]``.

    Args:
        tensor: a 3-D array (any real dtype; computed in float64).
        rank: the number of components (ignored when ``ranks`` is given).
        ranks: an iterable of ranks to fit in turn; the result is then keyed by rank.
        restarts: random initialisations; the best fit is kept.
        nonnegative: non-negative factors (the tensor must be >= 0).
        seed: seed of the random initialisations (results are reproducible for a seed,
            whatever ``threads`` is).
        max_iterations, tolerance: stop after this many ALS sweeps, or when the relative
            error changes less than ``tolerance``.
        threads: threads the restarts run on (0 = all cores).
        out: also write the record to this HDF5 file, as ``rnnscope cp --out`` does; an
            existing file is kept unless ``force=True``.

    Returns:
        ``{"factors": [A [I, R], B [J, R], C [K, R]], "weights": [R], "relative_error",
        "restart_similarity", "restart_errors": [restarts], "iterations", "converged"}``:
        unit-norm columns, weights descending, relative error ``‖X − X̂‖/‖X‖``, and the mean
        factor congruence of the other restarts to the best (1 = all found the same
        components). With ``ranks``, a dict ``{rank: that dict}``.
    """
    wanted = [integer(rank, "rank")] if ranks is None else [integer(r, "ranks") for r in ranks]
    record = _core.cp(array(tensor, "tensor"), ranks=wanted, restarts=integer(restarts, "restarts"),
                      nonnegative=boolean(nonnegative, "nonnegative"), seed=seed_arg(seed),
                      max_iterations=integer(max_iterations, "max_iterations", minimum=1),
                      tolerance=real(tolerance, "tolerance", minimum=0),
                      threads=integer(threads, "threads", minimum=0), out=path(out),
                      force=boolean(force, "force"))
    fits = {}
    for index, r in enumerate(record["ranks"].tolist()):
        group = record[f"rank_{r}"]
        fits[r] = {
            "factors": [group["a"], group["b"], group["c"]],
            "weights": group["weights"],
            "relative_error": float(record["relative_error"][index]),
            "restart_similarity": float(record["restart_similarity"][index]),
            "restart_errors": group["restart_errors"],
            "iterations": int(record["iterations"][index]),
            "converged": bool(record["converged"][index]),
        }
    return fits if ranks is not None else fits[wanted[0]]
